// `ropecheck exhaustive`: every finite bf16 (or f16) input pair (a, b) through the built-in
// kernels for one rotated pair of a spec at one position, against the certified truth
// (ropecheck/props/exhaustive_pair.h). Sharded over the a values for clusters.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

struct ExhaustiveOptions {
  std::string cases;  // empty: the shipped catalogue (data_directory.h)
  std::string hf_config;
  std::string layer_type;
  std::string case_id;
  std::string pair;
  std::string position;
  std::string dtype = "bf16";
  std::string shard = "1/1";
  std::string threads;
};

CLI::App* add_exhaustive_command(CLI::App& app, ExhaustiveOptions& options);
int run_exhaustive(const ExhaustiveOptions& options);

}  // namespace ropecheck::cli
