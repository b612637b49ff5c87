// `ropecheck check`: a candidate against golden files under a profile, with JSON and
// JUnit XML output for CI systems (ropecheck/gate/conformance.h, check_report.h). Instead of
// candidate files, --plugin or --exec runs an implementation on the golden inputs directly.
// --expect-fail FILE: exactly the listed case ids may fail (gate/expected_failures.h).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/plugin_options.h"

namespace ropecheck::cli {

struct CheckOptions {
  std::string threads;  // --threads (threads_option.h)
  std::string golden;
  std::string candidate;
  std::string plugin;
  std::string exec;
  std::string expect_fail;
  PluginLimitOptions limits;
  std::string profile = "exact";
  std::string json;
  std::string junit;
  std::vector<std::string> case_ids;
  bool only_present = false;
};

CLI::App* add_check_command(CLI::App& app, CheckOptions& options);
int run_check(const CheckOptions& options);

}  // namespace ropecheck::cli
