// Comparing a report with a baseline report (`ropecheck report --baseline old/report.json`).
//
// Contract:
//  - Results are matched by (case, implementation). A metric regressed when it got worse
//    beyond the threshold: for the error metrics (peak and RMS, in ulps and in bound
//    units) new > old·(1 + threshold) and new − old > kNoiseFloor; for the safe context a
//    smaller longest safe position (or none where there was one) or an earlier first
//    unsafe position; for the profiles a looser tightest profile (or none). A result that
//    was measured and is now skipped, or is missing, and every baseline case or
//    implementation the new report lacks, is a regression too. Results only in the new
//    report are listed as added, not as regressions.
//  - Reports that swept different positions cannot be compared, a baseline without one
//    measured result compares clean with anything, and a NaN or negative threshold would
//    switch detection off: each is InvalidInput.
//  - A report compared with itself has no regression (tested).
#pragma once

#include <string>
#include <vector>

#include "ropecheck/report/precision_report.h"

namespace ropecheck::report {

// Error changes below this (in ulps or bound units) are never regressions: far below any
// bound (≥ 0.5 ulp), so only a change of the implementation moves a metric by more.
inline constexpr double kNoiseFloor = 1e-3;
inline constexpr double kDefaultThreshold = 0.05;

struct Regression {
  std::string case_id;
  std::string implementation;
  std::string metric;
  std::string baseline;  // the old value, as text
  std::string current;   // the new value, as text
};

struct BaselineComparison {
  double threshold = kDefaultThreshold;
  std::string baseline_source;
  std::vector<Regression> regressions;
  std::vector<std::string> added;  // "case / implementation" only in the new report
  std::size_t compared = 0;        // results present in both
  bool regressed() const { return !regressions.empty(); }
};

BaselineComparison compare_with_baseline(const PrecisionReport& current, const PrecisionReport& baseline,
                                         double threshold, const std::string& baseline_source);

// "| case | implementation | metric | baseline | now |" rows (text, for stdout and report.md).
std::string regression_table(const BaselineComparison& comparison);

}  // namespace ropecheck::report
