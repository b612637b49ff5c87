#include "cli/decay_command.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "cli/exit_codes.h"
#include "cli/integer_option.h"
#include "cli/progress.h"
#include "cli/standard_output.h"
#include "ropecheck/errors.h"
#include "ropecheck/reference/abel.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::cli {
namespace {

constexpr std::uint64_t kMaxDecayDistance = 100'000'000;
// Rotary dims of published models are ≤ 512; the reference's cost grows with R·N, and an
// R in the billions is a typo, not a model.
constexpr std::uint64_t kMaxDecayDim = 65'536;

std::string full_precision(const reference::Real& x) { return x.str(21, std::ios_base::fmtflags(0)); }

}  // namespace

CLI::App* add_decay_command(CLI::App& app, DecayOptions& options) {
  auto* decay = app.add_subcommand("decay", "Print Su's decay curve f(D) = sum_j |S_j(D)| / (R/2) for D = 0..N");
  decay->add_option("--dim", options.dim, "rotary dimension R (even)")->required();
  decay->add_option("--base", options.base, "RoPE base (default 10000)");
  decay->add_option("--max-distance", options.max_distance, "largest relative distance N")->required();
  decay->add_option("--format", options.format, "csv or json")->check(CLI::IsMember({"csv", "json"}));
  return decay;
}

int run_decay(const DecayOptions& options) {
  const std::size_t dim = parse_integer_option(options.dim, "decay: --dim", 2, kMaxDecayDim);
  if (dim % 2 != 0) throw InvalidInput(fmt::format("decay: --dim {} must be even and at least 2", dim));
  const double base = options.base;
  if (!(base > 1) || !std::isfinite(base)) throw InvalidInput("decay: --base must be a finite number > 1");
  const std::uint64_t max_distance = parse_integer_option(options.max_distance, "decay: --max-distance", 0, kMaxDecayDistance);
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = dim;
  spec.base = base;
  const std::vector<reference::Real> thetas = reference::frequencies<reference::Real>(spec);
  Progress progress("decay", max_distance + 1);
  const bool csv = options.format == "csv";
  std::string out = csv ? "distance,f,sum_abs_S\n" : fmt::format("{{\"dim\":{},\"base\":{},\"points\":[", dim, base);
  for (std::uint64_t delta = 0; delta <= max_distance; ++delta) {
    const auto p = reference::decay_point<reference::Real>(thetas, reference::Real(delta));
    if (csv) {
      out += fmt::format("{},{},{}\n", delta, full_precision(p.f), full_precision(p.sum_abs_S));
    } else {
      out += fmt::format("{}{{\"distance\":{},\"f\":{},\"sum_abs_S\":{}}}", delta ? "," : "", delta,
                         full_precision(p.f), full_precision(p.sum_abs_S));
    }
    progress.update(static_cast<std::size_t>(delta + 1));
  }
  if (!csv) out += "]}\n";
  write_standard_output(out);  // only once complete
  flush_standard_output();
  return kExitPass;
}

}  // namespace ropecheck::cli
