// ropecheck: the command-line front end. Thin: parses flags (CLI11), calls the library,
// maps errors to exit codes (DESIGN §4): 0 pass, 1 conformance failure, 2 bad usage or
// invalid input — always with a one-line reason on stderr.
#include <malloc.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/apply_command.h"
#include "cli/cases_command.h"
#include "cli/check_command.h"
#include "cli/exhaustive_command.h"
#include "cli/exit_codes.h"
#include "cli/golden_command.h"
#include "cli/hf_config_file.h"
#include "cli/plugin_options.h"
#include "cli/progress.h"
#include "cli/props_command.h"
#include "cli/report_command.h"
#include "cli/spec_command.h"
#include "cli/integer_option.h"
#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/props/battery.h"
#include "ropecheck/props/implementation_kernel.h"
#include "ropecheck/harness/implementation.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/reference/abel.h"
#include "ropecheck/reference/frequencies.h"

namespace {

using ropecheck::InvalidInput;
using ropecheck::reference::Real;

using ropecheck::cli::kExitFailure;
using ropecheck::cli::kExitPass;
using ropecheck::cli::kExitUsage;

constexpr std::uint64_t kMaxDecayDistance = 100'000'000;
// Rotary dims of published models are ≤ 512; the reference's cost grows with R·N, and an
// R in the billions is a typo, not a model.
constexpr std::uint64_t kMaxDecayDim = 65'536;

using ropecheck::cli::Progress;

std::string full_precision(const Real& x) { return x.str(21, std::ios_base::fmtflags(0)); }

// Standard output is the product of decay and props: a write error (a full disk, /dev/full,
// a closed pipe) is exit 2, never a silent exit 0 with the output lost.
void flush_standard_output() {
  errno = 0;
  std::cout.flush();
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
    throw InvalidInput(fmt::format("cannot write standard output: {}", errno ? std::strerror(errno) : "write error"));
  }
}

int run_decay(const std::string& dim_text, double base, const std::string& max_distance_text, const std::string& format) {
  const std::size_t dim = ropecheck::cli::parse_integer_option(dim_text, "decay: --dim", 2, kMaxDecayDim);
  if (dim % 2 != 0) throw InvalidInput(fmt::format("decay: --dim {} must be even and at least 2", dim));
  if (!(base > 1) || !std::isfinite(base)) throw InvalidInput("decay: --base must be a finite number > 1");
  const std::uint64_t max_distance =
      ropecheck::cli::parse_integer_option(max_distance_text, "decay: --max-distance", 0, kMaxDecayDistance);
  ropecheck::RopeSpec spec;
  spec.head_dim = spec.rotary_dim = dim;
  spec.base = base;
  const std::vector<Real> thetas = ropecheck::reference::frequencies<Real>(spec);
  Progress progress("decay", max_distance + 1);
  std::string out;
  if (format == "csv") {
    out += "distance,f,sum_abs_S\n";
  } else {
    out += fmt::format("{{\"dim\":{},\"base\":{},\"points\":[", dim, base);
  }
  for (std::uint64_t delta = 0; delta <= max_distance; ++delta) {
    const auto p = ropecheck::reference::decay_point<Real>(thetas, Real(delta));
    if (format == "csv") {
      out += fmt::format("{},{},{}\n", delta, full_precision(p.f), full_precision(p.sum_abs_S));
    } else {
      out += fmt::format("{}{{\"distance\":{},\"f\":{},\"sum_abs_S\":{}}}", delta ? "," : "", delta,
                         full_precision(p.f), full_precision(p.sum_abs_S));
    }
    progress.update(static_cast<std::size_t>(delta + 1));
  }
  if (format == "json") out += "]}\n";
  // Written only once complete, and checked.
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    throw InvalidInput(fmt::format("cannot write standard output: {}", std::strerror(errno)));
  }
  flush_standard_output();
  return kExitPass;
}

}  // namespace

int main(int argc, char** argv) {
  // Freed arrays stay in the heap for the next case, chunk or input value: golden sets,
  // report sweeps and exhaustive checks allocate and free the same large arrays again and
  // again, and glibc would otherwise map, fault in and zero fresh pages every time (half
  // the time of `exhaustive` went to the kernel before this). Memory is still returned to
  // the system when the process ends.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  CLI::App app{"ropecheck: numerical verification and property testing of Rotary Position Embedding"};
  app.set_version_flag("--version", std::string("ropecheck ") + ROPECHECK_VERSION);
  app.require_subcommand(1);

  auto* decay = app.add_subcommand("decay", "Print Su's decay curve f(D) = sum_j |S_j(D)| / (R/2) for D = 0..N");
  std::string dim;
  double base = 10000;
  std::string max_distance;
  std::string format = "csv";
  decay->add_option("--dim", dim, "rotary dimension R (even)")->required();
  decay->add_option("--base", base, "RoPE base (default 10000)");
  decay->add_option("--max-distance", max_distance, "largest relative distance N")->required();
  decay->add_option("--format", format, "csv or json")->check(CLI::IsMember({"csv", "json"}));

  ropecheck::cli::PropsOptions props_options;
  auto* props = ropecheck::cli::add_props_command(app, props_options);

  ropecheck::cli::GoldenOptions golden_options;
  auto* golden = ropecheck::cli::add_golden_command(app, golden_options);
  ropecheck::cli::CheckOptions check_options;
  auto* check = ropecheck::cli::add_check_command(app, check_options);
  ropecheck::cli::ApplyOptions apply_options;
  auto* apply = ropecheck::cli::add_apply_command(app, apply_options);
  ropecheck::cli::SpecOptions spec_options;
  auto* spec = ropecheck::cli::add_spec_command(app, spec_options);
  ropecheck::cli::ReportOptions report_options;
  const ropecheck::cli::ReportCommands report = ropecheck::cli::add_report_command(app, report_options);
  ropecheck::cli::ExhaustiveOptions exhaustive_options;
  auto* exhaustive = ropecheck::cli::add_exhaustive_command(app, exhaustive_options);
  ropecheck::cli::CasesOptions cases_options;
  auto* cases = ropecheck::cli::add_cases_command(app, cases_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ropecheck: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }

  // Every way out of a command is an exit code with one line: an uncaught exception (a
  // library's, std::bad_alloc) would abort with 134 and a core dump.
  const auto one_line_error = [](std::string_view what) {
    std::string line(what.substr(0, what.find('\n')));
    std::cerr << "ropecheck: " << line << "\n";
    return kExitUsage;
  };
  try {
    const ropecheck::io::InputScope run_inputs;  // outputs never replace what the run reads
    int code = kExitUsage;
    if (decay->parsed()) {
      code = run_decay(dim, base, max_distance, format);
    } else if (props->parsed()) {
      code = ropecheck::cli::run_props(props_options);
    } else if (golden->parsed()) {
      code = ropecheck::cli::run_golden(golden_options);
    } else if (check->parsed()) {
      code = ropecheck::cli::run_check(check_options);
    } else if (apply->parsed()) {
      code = ropecheck::cli::run_apply(apply_options);
    } else if (spec->parsed()) {
      code = ropecheck::cli::run_spec(spec_options);
    } else if (report.merge->parsed()) {
      code = ropecheck::cli::run_report_merge(report_options);
    } else if (report.report->parsed()) {
      code = ropecheck::cli::run_report(report_options);
    } else if (exhaustive->parsed()) {
      code = ropecheck::cli::run_exhaustive(exhaustive_options);
    } else if (cases->parsed()) {
      code = ropecheck::cli::run_cases(cases_options);
    }
    flush_standard_output();
    return code;
  } catch (const InvalidInput& e) {
    return one_line_error(e.what());
  } catch (const ropecheck::harness::ImplementationFailure& e) {
    // The implementation under test failed where the command could not go on without it
    // (a worker that never completed its handshake): its failure, not bad usage.
    std::cerr << "ropecheck: FAIL: " << std::string_view(e.what()).substr(0, std::string_view(e.what()).find('\n')) << "\n";
    return kExitFailure;
  } catch (const std::bad_alloc&) {
    return one_line_error("out of memory");
  } catch (const std::exception& e) {
    return one_line_error(fmt::format("internal error: {}", e.what()));
  } catch (...) {
    return one_line_error("internal error: an unknown exception");
  }
}
