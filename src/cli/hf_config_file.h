// Reading the file behind `--hf-config`: a bounded regular file (io/input_file.h), parsed
// JSON, the model's specs (ropecheck/config/hf_config.h), and what golden files record of
// it: its SHA-256 and its name's stem.
#pragma once

#include <string>

#include "ropecheck/config/hf_config.h"

namespace ropecheck::cli {

struct HfConfigFile {
  config::HfRopeConfig model;
  std::string sha256;  // of the file's bytes, lowercase hex
  std::string stem;    // "Llama-3.1-8B" for …/Llama-3.1-8B.json
};

HfConfigFile load_hf_config(const std::string& path);  // registers it as a run input

}  // namespace ropecheck::cli
