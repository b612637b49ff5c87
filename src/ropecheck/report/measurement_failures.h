// What makes a precision report a failure although nothing regressed: an implementation
// that failed while being measured (a plugin that crashed, hung or ran out of memory),
// or one that was asked for and measured nothing. Such results are skipped in the report
// and must never read as safe or passed.
//
// Contract:
//  - A skipped result whose reason starts with kImplementationFailed failed (the plugin
//    implementation writes it so, implementation.h); any other reason is a legitimate skip
//    (unsupported input, no candidate file). The prefix is in report.json, so a merged
//    report keeps the distinction.
//  - measurement_failures(report, required): one line per failed implementation ("X
//    failed on N of M cases: <first reason>") and per implementation named in `required`
//    with no measured result. Empty: nothing failed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/report/precision_report.h"

namespace ropecheck::report {

inline constexpr std::string_view kImplementationFailed = "failed: ";

bool failed(const SweepResult& result);
std::vector<std::string> measurement_failures(const PrecisionReport& report, const std::vector<std::string>& required);

}  // namespace ropecheck::report
