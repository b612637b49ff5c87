// Where ropecheck's shipped data lives: the case catalogue (golden/cases.json), the golden
// sets (golden/v1, golden/models), the model configs (golden/configs), and the report's
// schema and plot script (scripts/). Commands use it for their defaults, so ropecheck works
// from any directory, from its build tree and installed.
//
// Contract: data_directory() is the first of these that holds golden/cases.json:
//  1. $ROPECHECK_DATA_DIR, when set and not empty. It must hold the catalogue: a wrong
//     value is InvalidInput naming it, never a silent fallback to other data.
//  2. <prefix>/share/ropecheck, where <prefix> is the directory above the one holding the
//     running executable (/proc/self/exe): an installed tree, wherever it was moved.
//  3. The source tree the build was configured from (a build-tree binary).
// When none holds it: InvalidInput listing the places tried.
#pragma once

#include <filesystem>
#include <string>

namespace ropecheck::cli {

inline constexpr const char* kDataDirectoryVariable = "ROPECHECK_DATA_DIR";

std::filesystem::path data_directory();
// data_directory() / "golden/cases.json"
std::filesystem::path default_case_catalogue();
// `given` (a --cases value), or default_case_catalogue() when it is empty.
std::string case_catalogue_or_default(const std::string& given);

}  // namespace ropecheck::cli
