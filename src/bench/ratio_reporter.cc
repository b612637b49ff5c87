#include "bench/ratio_reporter.h"

#include <algorithm>
#include <utility>

namespace ropecheck::bench {

namespace {

double seconds_per_iteration(const benchmark::BenchmarkReporter::Run& run) {
  return run.GetAdjustedRealTime() / benchmark::GetTimeUnitMultiplier(run.time_unit);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace

RatioReporter::RatioReporter(OutputOptions options, RatioTableContext context)
    : benchmark::ConsoleReporter(options), context_(std::move(context)) {}

void RatioReporter::ReportRuns(const std::vector<Run>& reports) {
  benchmark::ConsoleReporter::ReportRuns(reports);
  for (const Run& run : reports) {
    if (run.error_occurred || run.report_big_o || run.report_rms) continue;
    // function_name is the registered name: benchmark_name() would add "_median" to
    // aggregates and "/min_time:…" style suffixes set by flags.
    const std::string& name = run.run_name.function_name;
    if (run.run_type == Run::RT_Aggregate) {
      if (run.aggregate_name == "median") median_seconds_[name] = seconds_per_iteration(run);
    } else {
      run_seconds_[name].push_back(seconds_per_iteration(run));
    }
  }
}

void RatioReporter::Finalize() {
  RunTimes times;
  for (const auto& [name, seconds] : run_seconds_) times[name] = median(seconds);
  for (const auto& [name, seconds] : median_seconds_) times[name] = seconds;
  RatioTableContext context = context_;
  if (context.timing.empty()) {
    context.timing = median_seconds_.empty() ? "one run per benchmark"
                                             : "median over repetitions";
  }
  tally_ = print_ratio_table(GetOutputStream(), times, context);
}

}  // namespace ropecheck::bench
