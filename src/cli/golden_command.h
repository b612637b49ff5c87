// `ropecheck golden`: write the golden set of a case catalogue, or of a model's config.json
// (one case per RoPE layer type, ropecheck/golden/config_cases.h), or verify that a
// directory of golden files is reproduced byte for byte (ropecheck/golden/golden_set.h).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

struct GoldenOptions {
  std::string cases;  // empty: the shipped catalogue (data_directory.h)
  std::string out;
  std::string verify;
  std::string case_id;
  std::string shard = "1/1";
  // Models' config.json files instead of a catalogue: one case per RoPE layer type each.
  std::vector<std::string> hf_configs;
  std::string dtype = "f32";
  std::string positions;  // comma-separated; default: the model's context (config_cases.h)
  std::string threads;    // --threads (threads_option.h)
};

CLI::App* add_golden_command(CLI::App& app, GoldenOptions& options);
int run_golden(const GoldenOptions& options);

}  // namespace ropecheck::cli
