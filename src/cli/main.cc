// ropecheck: the command-line front end. Thin: parses flags (CLI11), calls the library,
// maps errors to exit codes (cli/exit_codes.h, docs/cli.md#exit-codes): 0 pass, 1 conformance failure, 2 bad usage or
// invalid input — always with a one-line reason on stderr.
#include <malloc.h>

#include <iostream>
#include <new>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/apply_command.h"
#include "cli/cases_command.h"
#include "cli/check_command.h"
#include "cli/decay_command.h"
#include "cli/exhaustive_command.h"
#include "cli/exit_codes.h"
#include "cli/golden_command.h"
#include "cli/props_command.h"
#include "cli/report_command.h"
#include "cli/spec_command.h"
#include "cli/standard_output.h"
#include "ropecheck/errors.h"
#include "ropecheck/harness/implementation.h"
#include "ropecheck/io/input_file.h"

namespace {

using ropecheck::InvalidInput;
using ropecheck::cli::kExitFailure;
using ropecheck::cli::kExitUsage;

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

  ropecheck::cli::DecayOptions decay_options;
  auto* decay = ropecheck::cli::add_decay_command(app, decay_options);

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
      code = ropecheck::cli::run_decay(decay_options);
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
    ropecheck::cli::flush_standard_output();
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
