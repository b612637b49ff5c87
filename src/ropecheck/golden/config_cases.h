// Golden cases made from a model's config.json (`ropecheck golden --hf-config`): one case
// per layer type with RoPE, so a model's every RoPE has a golden file.
//
// Contract of cases_from_hf_config(model, stem, config_sha256, dtype, positions):
//  - Case id "<stem>_<layer type>", the stem lowercased with every character outside
//    [a-z0-9] replaced by '_' and cut so the id fits kMaxCaseIdLength; file
//    "<id>.safetensors". A layer type whose spec has a position scale gets two cases,
//    "<id>_query" and "<id>_key", with the spec's role set to each. Input and output dtype `dtype`, 2 heads, normal inputs, seed 1.
//  - Positions: the given list, else 0, 1, 2 and 2^k − 1, 2^k, 2^k + 1 up to the model's
//    context minus one, then 8 drawn from [0, context − 1]. The context is
//    max_position_embeddings, or factor · original_max_position_embeddings when a scaling
//    extends it further (Qwen2.5's YaRN: 4 · 32768), capped at the golden position limit
//    2^24. A config without either is InvalidInput: there is no context to cover.
//  - dynamic and longrope depend on the sequence length: it is set to the largest
//    position + 1 (HF: max(position_ids) + 1), and the description says so.
//  - Extra metadata: layer_type, model_type, hf_config_sha256, role (with a position scale).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/config/hf_config.h"
#include "ropecheck/dtype.h"
#include "ropecheck/golden/case_catalogue.h"

namespace ropecheck::golden {

inline constexpr std::size_t kMaxCaseIdLength = 64;

std::vector<GoldenCase> cases_from_hf_config(const config::HfRopeConfig& model, std::string_view stem,
                                             const std::string& config_sha256, Dtype dtype,
                                             const std::optional<std::vector<std::int64_t>>& positions);

}  // namespace ropecheck::golden
