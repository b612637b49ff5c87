// Console output of Google Benchmark plus the ratio table (ratio_table.h) once every
// benchmark has run. Passed to RunSpecifiedBenchmarks as the display reporter, so
// --benchmark_out still writes its file through the reporter the library makes itself.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/ratio_table.h"

namespace ropecheck::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter(OutputOptions options, RatioTableContext context);

  void ReportRuns(const std::vector<Run>& reports) override;
  void Finalize() override;

  const TargetTally& tally() const { return tally_; }

 private:
  RatioTableContext context_;
  // Per benchmark: the "median" aggregate when repetitions made one, else the times of
  // the individual runs (their median is used).
  std::map<std::string, double> median_seconds_;
  std::map<std::string, std::vector<double>> run_seconds_;
  TargetTally tally_;
};

}  // namespace ropecheck::bench
