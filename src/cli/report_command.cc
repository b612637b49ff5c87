#include "cli/threads_option.h"
#include "cli/report_command.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli/data_directory.h"
#include "cli/exit_codes.h"
#include "cli/hf_config_file.h"
#include "cli/progress.h"
#include "ropecheck/errors.h"
#include "ropecheck/golden/golden_set.h"
#include "ropecheck/harness/exec_worker.h"
#include "ropecheck/harness/plugin_process.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/report/baseline_comparison.h"
#include "ropecheck/report/measurement_failures.h"
#include "ropecheck/report/plot_runner.h"
#include "ropecheck/report/report_json.h"
#include "ropecheck/report/report_markdown.h"
#include "ropecheck/report/report_merge.h"
#include "ropecheck/report/sweep_positions.h"

namespace ropecheck::cli {
namespace {

namespace fs = std::filesystem;

// Every path the run will read is registered and every output checked before the sweep:
// a bad --out is exit 2 at once, never after hours of measuring.
// The cases swept: the catalogue's, or those of the models' configs (in f32; the
// sweep's own --positions replace the cases' positions).
std::vector<golden::GoldenCase> catalogue_of(const ReportOptions& options, std::string_view command) {
  if (options.hf_configs.empty()) return golden::read_case_catalogue(options.cases);
  return cases_of_hf_configs(options.hf_configs, Dtype::f32, std::nullopt, command);
}

// The options with the shipped data's paths for what was left to the default.
ReportOptions with_default_data(ReportOptions options) {
  if (options.hf_configs.empty()) options.cases = case_catalogue_or_default(options.cases);
  if (options.golden.empty() && !options.candidates.empty()) options.golden = (data_directory() / "golden/v1").string();
  return options;
}

void check_paths(const ReportOptions& options, const std::vector<std::string>& inputs) {
  // CLI::Range lets NaN through (both comparisons are false), and a NaN threshold would
  // switch regression detection off.
  if (!std::isfinite(options.threshold) || options.threshold < 0) {
    throw InvalidInput(fmt::format("report: --threshold {} must be a finite number ≥ 0", options.threshold));
  }
  for (const std::string& input : inputs) io::register_input_path(input);
  if (!options.baseline.empty()) io::register_input_path(options.baseline);
  const fs::path dir = options.out;
  io::check_output_directory(dir);
  for (const char* name : {"report.json", "report.md"}) io::check_output_path(dir / name);
}

void add_baseline_options(CLI::App* app, ReportOptions& options) {
  app->add_option("--baseline", options.baseline, "an earlier report.json: mark every metric that got worse, exit 1 if any");
  app->add_option("--threshold", options.threshold,
                  "relative worsening of an error metric that counts as a regression (default 0.05)")
      ->check(CLI::Range(0.0, 1e6));
  app->add_flag("--no-plots", options.no_plots, "do not draw the figures");
}

// Everything after the measurement: baseline comparison, figures, report.md, stdout.
// report.json is written first (the plotting script reads it); each file atomically.
// `required`: the implementations that must measure something (named on the command line).
int finish(const report::PrecisionReport& r, const ReportOptions& options, const std::vector<std::string>& required) {
  std::optional<report::BaselineComparison> comparison;
  if (!options.baseline.empty()) {  // read and compared before anything is written
    comparison = report::compare_with_baseline(r, report::read_report(options.baseline), options.threshold, options.baseline);
  }
  const fs::path dir = options.out;
  io::write_output_file(dir / "report.json", report::report_to_json(r).dump(1) + "\n");
  report::PlotOutcome plots;
  if (options.no_plots) {
    plots.skipped_reason = "--no-plots";
  } else {
    // The script shipped beside the data; none found is a skipped figure, not an error.
    std::filesystem::path script;
    try {
      script = data_directory() / "scripts/plot_report.py";
    } catch (const InvalidInput&) {
    }
    plots = report::draw_plots(dir, script);
  }
  io::write_output_file(dir / "report.md", report::report_markdown(r, plots, comparison));
  std::cout << fmt::format("report: {} results over {} positions written to {}/report.json and {}/report.md", r.results.size(),
                           report::position_count(r), dir.string(), dir.string());
  std::cout << (plots.written ? fmt::format(", {} figures\n", plots.files.size()) : fmt::format(" (plots skipped: {})\n", plots.skipped_reason));
  for (const report::SummaryRow& row : report::summary_rows(r)) {
    std::cout << fmt::format("  {:<26} {:<4} {:>3} cases  peak {:>9.3g} ulp  RMS {:>8.3g} ulp  safe to {}\n", row.implementation,
                             to_string(row.output_dtype), row.cases, row.peak_ulps, row.rms_ulps,
                             row.longest_safe ? fmt::format("{}{}", *row.longest_safe, row.all_safe ? " (all)" : "") : "none");
  }
  const std::vector<std::string> failures = report::measurement_failures(r, required);
  for (const std::string& line : failures) std::cout << "report: FAIL: " << line << "\n";
  bool regressed = false;
  if (comparison) {
    std::cout << report::regression_table(*comparison);
    regressed = comparison->regressed();
  }
  return failures.empty() && !regressed ? kExitPass : kExitFailure;
}

}  // namespace

ReportCommands add_report_command(CLI::App& app, ReportOptions& options) {
  ReportCommands commands;
  auto* report = app.add_subcommand(
      "report", "Sweep positions and write a precision report (report.json, report.md, figures); compare with a baseline");
  commands.report = report;
  // Not ->required(): `report merge` has its own --out (run_report checks this one).
  report->add_option("--out", options.out, "directory to write report.json, report.md and the figures to (required)");
  report->add_option("--impl", options.impls,
                     "built-in implementations: accurate, f32-angle, ggml-recurrence (default all three), or none");
  report->add_option("--plugin", options.plugins, "shared library implementing ropecheck_plugin.h (repeatable)");
  report->add_option("--exec", options.execs,
                     "worker command speaking the worker protocol, an implementation in any language "
                     "(docs/worker-protocol.md; repeatable)");
  report->add_option("--candidate", options.candidates,
                     "directory of candidate files, measured at its golden files' positions (repeatable)");
  report->add_option("--golden", options.golden, "golden directory for --candidate (default: the golden set shipped with ropecheck, golden/v1)");
  auto* cases = report->add_option("--cases", options.cases,
                                    "case catalogue (default: the catalogue shipped with ropecheck, golden/cases.json)");
  report->add_option("--hf-config", options.hf_configs,
                     "a model's config.json instead of --cases (repeatable): its RoPE layer types in f32, "
                     "named <config stem>_<layer type> (ropecheck spec --hf-config shows them)")
      ->excludes(cases);
  report->add_option("--case", options.case_id, "only this case id");
  report->add_option("--positions", options.positions,
                     "default, log:N:MAX, all:MAX (every position 0 … MAX, measured in chunks), or a list A,B,C "
                     "(default: default)");
  report->add_option("--shard", options.shard, "I/N: only the cases with catalogue index k ≡ I−1 (mod N); auto (auto:N on Kubernetes): I and N from the job scheduler (SLURM_ARRAY_TASK_*, JOB_COMPLETION_INDEX, ROPECHECK_SHARD_INDEX/ROPECHECK_TOTAL_SHARDS)");
  add_baseline_options(report, options);
  add_plugin_limit_options(report, options.plugin_limits);
  add_threads_option(report, options.threads);
  report->require_subcommand(0, 1);

  auto* merge = report->add_subcommand("merge", "Merge the report.json files of the shards of one sweep into one report");
  commands.merge = merge;
  merge->add_option("--out", options.out, "directory for the merged report.json, report.md and figures")->required();
  auto* merge_cases = merge->add_option(
      "--cases", options.cases, "the case catalogue the shards swept (default: the catalogue shipped with ropecheck, golden/cases.json)");
  merge->add_option("--hf-config", options.hf_configs, "the config.json files the shards swept instead of --cases")
      ->excludes(merge_cases);
  merge->add_option("reports", options.merge_inputs, "report.json of each shard")->required();
  add_baseline_options(merge, options);
  return commands;
}

int run_report(const ReportOptions& given) {
  const ReportOptions options = with_default_data(given);
  apply_threads_option(options.threads);
  if (options.out.empty()) throw InvalidInput("report: --out is required (see --help)");
  const harness::PluginLimits limits = plugin_limits(options.plugin_limits);
  std::vector<std::string> inputs = options.plugins;
  inputs.insert(inputs.end(), options.candidates.begin(), options.candidates.end());
  if (options.hf_configs.empty()) inputs.push_back(options.cases);
  if (!options.candidates.empty()) inputs.push_back(options.golden);
  check_paths(options, inputs);
  const std::vector<golden::GoldenCase> catalogue = catalogue_of(options, "report");
  report::SweepOptions sweep;
  const golden::Shard shard = golden::parse_shard(options.shard);
  sweep.cases = golden::select_cases(catalogue, options.case_id, shard);
  const report::PositionSweep positions = report::parse_position_sweep(options.positions);
  sweep.positions = positions.grid;
  sweep.all_to = positions.all_to;
  sweep.golden_dir = options.golden;
  const bool no_builtins = std::find(options.impls.begin(), options.impls.end(), "none") != options.impls.end();
  if (no_builtins && options.impls.size() > 1) throw InvalidInput("report: --impl none excludes the other --impl names");
  const std::vector<std::string> builtins =
      no_builtins ? std::vector<std::string>{} : (options.impls.empty() ? report::builtin_implementation_names() : options.impls);
  for (const std::string& name : builtins) sweep.implementations.push_back(report::builtin_implementation(name));
  // Named on the command line, each must measure something; the default built-ins may
  // skip every case (ggml's recurrence on a catalogue of scaled cases).
  std::vector<std::string> required;
  if (!options.impls.empty() && !no_builtins) {
    for (const report::Implementation& impl : sweep.implementations) required.push_back(impl.name);
  }
  for (const std::string& library : options.plugins) {
    sweep.implementations.push_back(
        report::harness_implementation(std::make_shared<const harness::Plugin>(harness::Plugin::open(library, limits))));
    required.push_back(sweep.implementations.back().name);
  }
  for (const std::string& command : options.execs) {
    sweep.implementations.push_back(
        report::harness_implementation(std::make_shared<const harness::ExecWorker>(harness::ExecWorker::open(command, limits))));
    required.push_back(sweep.implementations.back().name);
  }
  for (const std::string& dir : options.candidates) {
    sweep.implementations.push_back(report::candidate_implementation(dir));
    required.push_back(sweep.implementations.back().name);
  }
  if (sweep.implementations.empty()) throw InvalidInput("report: no implementation to measure (--impl none without --plugin, --exec or --candidate)");
  if (!options.baseline.empty() && !fs::exists(options.baseline)) {
    throw InvalidInput(fmt::format("report: baseline '{}' does not exist", options.baseline));
  }
  std::unique_ptr<Progress> bar;
  const report::PrecisionReport r =
      report::make_report(sweep, catalogue, fmt::format("{}/{}", shard.index, shard.count), [&](std::size_t done, std::size_t total) {
        if (!bar) bar = std::make_unique<Progress>("report", total);
        bar->update(done);
      });
  return finish(r, options, required);
}

int run_report_merge(const ReportOptions& given) {
  const ReportOptions options = with_default_data(given);
  std::vector<std::string> inputs = options.merge_inputs;
  if (options.hf_configs.empty()) inputs.push_back(options.cases);
  check_paths(options, inputs);
  const std::vector<golden::GoldenCase> catalogue = catalogue_of(options, "report merge");
  std::vector<report::PrecisionReport> parts;
  for (const std::string& path : options.merge_inputs) parts.push_back(report::read_report(path));
  return finish(report::merge_reports(parts, options.merge_inputs, &catalogue), options, {});
}

}  // namespace ropecheck::cli
