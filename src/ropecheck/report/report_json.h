// report.json (format `ropecheck-report/1`): writing, and reading back with full
// validation (a baseline or a shard to merge is input, never trusted). The schema is
// scripts/report.schema.json (JSON Schema draft 2020-12) and the README's "report.json".
//
// Units, as the file states in its "units" object: errors in ulps of the output dtype
// ("error_ulps"), in units of the exact profile's bound ("error_bound_ratio", ≤ 1 within
// it) and of the safe bound ("safe_ratio", safe_context.h); positions are token positions
// m; angles in radians. A non-finite number (an Inf or NaN error) is written as the
// string "inf", "-inf" or "nan" (JSON has no such numbers).
//
// Sweeps of every position (all:MAX beyond 4096 positions) write "positions" as
// {"all": MAX}, and their results' by_position binned (precision_sweep.h): "binned": true
// with last_position and worst_position beside the usual arrays, one entry per bin. Every
// other report is written as before these existed, byte for byte.
#pragma once

#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ropecheck/report/precision_report.h"

namespace ropecheck::report {

nlohmann::json report_to_json(const PrecisionReport& report);
// Throws InvalidInput naming the source and the rule (wrong format, missing or mistyped
// field, arrays of different lengths, unknown case or implementation in a result).
PrecisionReport report_from_json(const nlohmann::json& j, std::string_view source);
// The text of a report.json: not JSON → InvalidInput "<source>: report: not valid JSON";
// else report_from_json.
PrecisionReport parse_report(std::string_view json_text, std::string_view source);
PrecisionReport read_report(const std::filesystem::path& path);  // unreadable → InvalidInput

}  // namespace ropecheck::report
