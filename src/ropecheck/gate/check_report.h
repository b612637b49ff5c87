// How a `ropecheck check` run is shown: a compact human summary, JSON and JUnit XML for CI
// systems. The numbers come from gate::CheckRun; these only format them (docs/architecture.md#one-measuring-path).
//
// JSON (format "ropecheck-check/1"): {"format", "ropecheck_version", "profile", "golden",
// "candidate", "passed", "cases_total", "cases_failed", "cases_measured", "cases_not_run",
// "cases": [{"case", "verdict" (pass|fail|weak|error|golden_inconsistent|not_run),
// "weak_from_position" and "weak" (weak only),
// "problem" (string or null), "golden_file", "candidate_file", "output_dtype",
// "candidate_dtype", "elements", "peak_error_ulps", "rms_error_ulps",
// "peak_error_bound_ratio", "rms_error_bound_ratio", "worst_by_bound_ratio" and
// "worst_by_ulps" ({"token", "head", "dim", "position", "candidate", "exact",
// "error_ulps", "error_bound_ratio"}), "profiles_passed", "diagnoses" ([{"hypothesis",
// "description", "profile", "peak_error_bound_ratio", "same_output" (descriptions of
// hypotheses with the same output on the case)}], failing cases only),
// "norm_finding" (string or null)}]}. Errors are in ulps of the
// golden's output dtype and in units of the profile's bound (≤ 1 passes); a non-finite
// error (NaN where a number was expected, a wrong infinity) is written as null.
// JUnit: one <testcase> per case: a <failure> with the worst element for fail and weak,
// an <error> for error and golden_inconsistent, <skipped> for not_run.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "ropecheck/gate/conformance.h"

namespace ropecheck::gate {

std::string check_summary_text(const CheckRun& run);
nlohmann::json check_json(const CheckRun& run);
std::string check_junit(const CheckRun& run);

}  // namespace ropecheck::gate
