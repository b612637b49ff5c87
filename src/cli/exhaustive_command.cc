#include "cli/exhaustive_command.h"

#include <chrono>
#include <iostream>
#include <optional>

#include <fmt/format.h>

#include "cli/data_directory.h"
#include "cli/exit_codes.h"
#include "cli/hf_config_file.h"
#include "cli/integer_option.h"
#include "cli/progress.h"
#include "cli/threads_option.h"
#include "ropecheck/errors.h"
#include "ropecheck/golden/golden_set.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/props/exhaustive_pair.h"
#include "ropecheck/reference/certified_rope.h"

namespace ropecheck::cli {
namespace {

RopeSpec spec_of(const ExhaustiveOptions& options) {
  if (!options.hf_config.empty()) {
    if (!options.case_id.empty()) throw InvalidInput("exhaustive: --case goes with --cases, --layer-type with --hf-config");
    const HfConfigFile file = load_hf_config(options.hf_config);
    return select_layer_types(file.model, options.layer_type, "exhaustive").front().spec;
  }
  if (!options.layer_type.empty()) throw InvalidInput("exhaustive: --layer-type goes with --hf-config");
  if (options.case_id.empty()) throw InvalidInput("exhaustive: give --case ID (from --cases) or --hf-config FILE");
  const std::string cases = case_catalogue_or_default(options.cases);
  io::register_input_path(cases);
  for (const golden::GoldenCase& c : golden::read_case_catalogue(cases)) {
    if (c.id == options.case_id) return c.spec;
  }
  throw InvalidInput(fmt::format("exhaustive: --case '{}' is not in {}", options.case_id, cases));
}

std::string hex(std::uint32_t bits) { return fmt::format("{:#06x}", bits); }

}  // namespace

CLI::App* add_exhaustive_command(CLI::App& app, ExhaustiveOptions& options) {
  auto* command = app.add_subcommand(
      "exhaustive",
      "Every finite bf16 (or f16) input pair (a, b), 65,280^2 of them, through the built-in kernels for one rotated "
      "pair at one position, against the certified exact result");
  auto* cases = command->add_option("--cases", options.cases,
                                    "case catalogue for --case (default: the catalogue shipped with ropecheck)");
  command->add_option("--case", options.case_id, "the case whose spec to use");
  command->add_option("--hf-config", options.hf_config, "instead of --case: a model's config.json")->excludes(cases);
  command->add_option("--layer-type", options.layer_type, "with --hf-config: the layer type (default: the first)");
  command->add_option("--pair", options.pair, "the rotated pair i (0 … rotary_dim/2 − 1)")->required();
  command->add_option("--position", options.position, "the position m (0 … 2^26 − 1)")->required();
  command->add_option("--dtype", options.dtype, "input and output dtype: bf16 (default) or f16")
      ->check(CLI::IsMember({"bf16", "f16"}));
  command->add_option("--shard", options.shard,
                      "I/N: only the a values with index k ≡ I−1 (mod N); auto (auto:N on Kubernetes): from the job "
                      "scheduler, as golden --shard");
  add_threads_option(command, options.threads);
  return command;
}

int run_exhaustive(const ExhaustiveOptions& options) {
  apply_threads_option(options.threads);
  props::ExhaustiveRequest request;
  request.spec = spec_of(options);
  request.pair = parse_integer_option(options.pair, "exhaustive: --pair", 0, 1u << 20);
  request.position =
      static_cast<std::int64_t>(parse_integer_option(options.position, "exhaustive: --position", 0, (1u << 26) - 1));
  request.dtype = dtype_from_string(options.dtype);
  const golden::Shard shard = golden::parse_shard(options.shard);
  request.shard_index = shard.index;
  request.shard_count = shard.count;
  std::optional<Progress> progress;
  const auto start = std::chrono::steady_clock::now();
  const props::ExhaustiveResult r = props::check_every_input_pair(request, [&](std::size_t done, std::size_t total) {
    if (!progress) progress.emplace("exhaustive", total);
    progress->update(done);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "exhaustive: pair {} at position {} (cos {:.17g}, sin {:.17g}), {} shard {}/{}: {} inputs, {} outputs in "
      "{:.1f} s on {} thread{}\n",
      request.pair, request.position, r.angle.cos, r.angle.sin, options.dtype, request.shard_index,
      request.shard_count, r.inputs, r.elements, seconds, reference::truth_threads(),
      reference::truth_threads() == 1 ? "" : "s");
  std::cout << fmt::format("  correctly rounded: {} ({:.4f}%); beyond the exact bound: {}; truth from MPFR: {} outputs\n",
                           r.correctly_rounded,
                           r.elements == 0 ? 0.0 : 100.0 * static_cast<double>(r.correctly_rounded) / static_cast<double>(r.elements),
                           r.beyond_bound, r.truth.element_fallbacks);
  if (r.worst) {
    const props::ExhaustiveWorst& w = *r.worst;
    std::cout << fmt::format("  peak {:.4f} of the bound at a = {}, b = {} ({} output): kernel {:a}, exact {:a}, bound {:.3e}\n",
                             r.peak_ratio, hex(w.a_bits), hex(w.b_bits), w.second ? "second" : "first", w.got,
                             w.expected, w.bound);
  } else {
    std::cout << "  every output correctly rounded\n";
  }
  const bool pass = r.beyond_bound == 0 && r.elements != 0;
  std::cout << (pass ? "PASS" : (r.elements == 0 ? "FAIL: nothing was checked" : "FAIL: outputs beyond the bound")) << "\n";
  return pass ? kExitPass : kExitFailure;
}

}  // namespace ropecheck::cli
