// Reading the file behind `--hf-config`: a bounded regular file (io/input_file.h), parsed
// JSON, the model's specs (ropecheck/config/hf_config.h), and what golden files record of
// it: its SHA-256 and its name's stem. `golden` and `report` take their cases from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/config/hf_config.h"
#include "ropecheck/dtype.h"
#include "ropecheck/golden/case_catalogue.h"

namespace ropecheck::cli {

struct HfConfigFile {
  config::HfRopeConfig model;
  std::string sha256;  // of the file's bytes, lowercase hex
  std::string stem;    // "Llama-3.1-8B" for …/Llama-3.1-8B.json
};

HfConfigFile load_hf_config(const std::string& path);  // registers it as a run input

// The model's RoPE layer types, or only `layer_type` when it is not empty; a name the
// model does not have is InvalidInput listing the ones it has ("<command>: --layer-type …").
std::vector<config::HfLayerRope> select_layer_types(const config::HfRopeConfig& model, const std::string& layer_type,
                                                    std::string_view command);

// The golden cases of every config (golden/config_cases.h), in the order given, each
// config's warnings on stderr prefixed "ropecheck <command>: warning: <stem>: ". Two
// configs that make one case id are InvalidInput.
std::vector<golden::GoldenCase> cases_of_hf_configs(const std::vector<std::string>& paths, Dtype dtype,
                                                    const std::optional<std::vector<std::int64_t>>& positions,
                                                    std::string_view command);

}  // namespace ropecheck::cli
