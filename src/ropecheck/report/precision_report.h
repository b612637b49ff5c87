// A precision report (`ropecheck report`): the sweep's results with what they were
// measured on and the decay figure's data —
// the one structure that report.json, report.md, the plots, the baseline comparison and
// `report merge` read.
//
// Contract of make_report: cases keep their catalogue index; results are case-major in
// implementation order; the decay data is the same for every report (fixed setting).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/report/decay_curve.h"
#include "ropecheck/report/precision_sweep.h"

namespace ropecheck::report {

inline constexpr std::string_view kReportFormat = "ropecheck-report/1";

struct ReportCase {
  std::size_t index = 0;  // in the catalogue (shards merge back into catalogue order)
  golden::GoldenCase definition;  // its positions recipe is unused: the sweep's are
};

struct PrecisionReport {
  std::string generator;                 // "ropecheck <version>"
  std::vector<std::string> shards;       // "I/N" of each shard it holds
  std::vector<std::int64_t> positions;   // the sweep: a grid (empty with all_to)
  std::optional<std::int64_t> all_to;    // all:MAX: every position 0 … all_to
  std::vector<ReportCase> cases;
  std::vector<std::string> implementations;
  std::vector<SweepResult> results;      // case-major, in implementation order
  DecayCurve decay;
};

// The decay figure's setting: LLaMA's R = 128 and base 1e4, distances log:128:65536.
inline constexpr std::size_t kDecayRotaryDim = 128;
inline constexpr double kDecayBase = 10000;
inline constexpr std::uint64_t kDecaySeed = 1;

// How many positions the sweep measured.
std::size_t position_count(const PrecisionReport& report);
// Whether two reports swept the same positions.
bool same_positions(const PrecisionReport& a, const PrecisionReport& b);

// Runs the sweep (options.cases: the selected cases of `catalogue`) and the decay curve.
PrecisionReport make_report(const SweepOptions& options, const std::vector<golden::GoldenCase>& catalogue,
                            const std::string& shard, const SweepProgress& progress = nullptr);

}  // namespace ropecheck::report
