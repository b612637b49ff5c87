// `ropecheck golden`: write the golden set of a case catalogue, or verify that a directory
// of golden files is reproduced byte for byte (ropecheck/golden/golden_set.h).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

struct GoldenOptions {
  std::string cases = ROPECHECK_DATA_DIR "/golden/cases.json";
  std::string out;
  std::string verify;
  std::string case_id;
  std::string shard = "1/1";
};

CLI::App* add_golden_command(CLI::App& app, GoldenOptions& options);
int run_golden(const GoldenOptions& options);

}  // namespace ropecheck::cli
