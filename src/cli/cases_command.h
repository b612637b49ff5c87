// `ropecheck cases`: the case catalogue, one line per case — id, layout, dims, base,
// scaling, dtypes, heads, positions and inputs — or as JSON (--json), so a user can see what
// the golden set and the reports cover without reading golden/cases.json.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

struct CasesOptions {
  std::string cases;  // empty: the shipped catalogue (data_directory.h)
  bool json = false;
};

CLI::App* add_cases_command(CLI::App& app, CasesOptions& options);
int run_cases(const CasesOptions& options);

}  // namespace ropecheck::cli
