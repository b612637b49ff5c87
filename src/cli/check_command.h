// `ropecheck check`: a candidate against golden files under a profile, with JSON and
// JUnit XML output for CI systems (ropecheck/gate/conformance.h, check_report.h). Instead of
// candidate files, --plugin or --exec runs an implementation on the golden inputs directly.
// --expect-fail FILE: exactly the listed case ids may fail (gate/expected_failures.h).
// With --x X --positions P and --spec S or --hf-config C instead of --golden, the user's
// own tensors of any size are checked against the exact result computed on the fly
// (gate/tensor_check.h).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/plugin_options.h"

namespace ropecheck::cli {

struct CheckOptions {
  std::string threads;  // --threads (threads_option.h)
  std::string golden;
  // The user's own tensors instead of golden files.
  std::string x;
  std::string positions;
  std::string spec;
  std::string hf_config;
  std::string layer_type;
  std::string output_dtype;
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
