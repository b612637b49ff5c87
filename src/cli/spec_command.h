// `ropecheck spec --hf-config config.json`: the RopeSpec of every layer type of a Hugging
// Face model that uses RoPE, its layers, the layers without RoPE, and which config fields
// were read and ignored (ropecheck/config/hf_config.h). Warnings go to stderr.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

struct SpecOptions {
  std::string hf_config;
  std::string layer_type;  // print only this layer type's spec JSON
  std::string out;
};

CLI::App* add_spec_command(CLI::App& app, SpecOptions& options);
int run_spec(const SpecOptions& options);

}  // namespace ropecheck::cli
