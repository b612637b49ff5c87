// report.md: the tables a person reads (`ropecheck report`).
//
// Contract: sections, in order — what was swept; a summary table per implementation ×
// output dtype (over its measured cases: the largest peak error in ulps and in exact-bound
// units, the RMS error in ulps as the root of the mean square over the cases, the
// tightest profile every case passes, the shortest longest-safe context, and the earliest
// predicted unsafe range); one safe-context sentence per row with an unsafe position,
// measured next to predicted ("bf16 output: safe to position P, unsafe from Q (case C);
// predicted from the table's angle error: unsafe possible from A, expected by B"); a
// table per case; the figures (linked) or why they were
// skipped; results that failed (measurement_failures.h: never counted as safe — the
// safe-context sentence says the report is a failure); skipped results; the baseline comparison when there was one. Numbers carry
// their unit in the column header. Deterministic for a given report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ropecheck/report/baseline_comparison.h"
#include "ropecheck/report/precision_report.h"

namespace ropecheck::report {

struct PlotOutcome {
  bool written = false;
  std::string skipped_reason;      // when not written
  std::vector<std::string> files;  // relative to the report directory
};

std::string report_markdown(const PrecisionReport& report, const PlotOutcome& plots,
                            const std::optional<BaselineComparison>& comparison);

// One summary row per implementation × output dtype (exposed for tests and stdout).
struct SummaryRow {
  std::string implementation;
  Dtype output_dtype = Dtype::f32;
  std::size_t cases = 0;
  double peak_ulps = 0, rms_ulps = 0, peak_ratio = 0;
  std::optional<numeric::Profile> tightest_profile;  // passed by every case
  std::optional<std::int64_t> longest_safe;          // the shortest over the cases
  std::optional<std::int64_t> first_unsafe;          // of the case that limits longest_safe
  std::string limiting_case;                         // that case (empty when all are safe)
  std::optional<std::int64_t> predicted_from, predicted_by;  // the earliest over the cases
  std::optional<std::int64_t> first_outside_exact;            // the earliest over the cases
  bool all_safe = true;  // no case has an unsafe position
};
std::vector<SummaryRow> summary_rows(const PrecisionReport& report);

}  // namespace ropecheck::report
