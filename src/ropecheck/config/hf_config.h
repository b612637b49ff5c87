// Reading a Hugging Face config.json into the RopeSpec of each layer type that uses RoPE.
//
// Dialects (all three give the same specs for the same model):
//  - v4: top-level `rope_theta` and `rope_scaling` (keyed by `rope_type` or `type`), the
//    rotary width from `partial_rotary_factor`, `rotary_pct` (GPT-NeoX) or `rotary_dim`
//    (GPT-J); Gemma 3's `rope_local_base_freq` for its sliding layers.
//  - v5 flat: `rope_parameters` holding rope_type, rope_theta and partial_rotary_factor.
//  - v5 nested: `rope_parameters` keyed by layer type ({"full_attention": {…}, …}),
//    with `layer_types` naming each layer's type.
//  - A multimodal config's rope fields are read from its `text_config`; M-RoPE sections
//    (`mrope_section`, `mrope_interleaved`) from its rope dict whatever rope_type says;
//    the vision tower's 2-D RoPE from `vision_config`, as the layer type `vision`.
// The head dim is `head_dim`, else hidden_size / num_attention_heads (HfModelType says
// which, per model type); the pairing comes from the model type (hf_model_types.h).
//
// Contract:
//  - read_hf_config(config) returns one HfLayerRope per distinct RoPE of the model: per
//    layer type when the config gives layer types their own RoPE (v5 nested, Gemma 3),
//    else one entry "all_layers". Each lists its layers (0-based), ascending; layers
//    without RoPE (Llama 4's NoPE layers) are listed apart. Every spec is validated.
//  - HF's semantics where a config is ambiguous, each named in the code: nested
//    rope_theta wins over the top level, a top-level partial_rotary_factor over a nested
//    one, Phi-3's top-level original_max_position_embeddings over rope_scaling's.
//  - fields_read and fields_ignored name every field of the config (dotted paths, sorted);
//    an ignored field that concerns RoPE, a default HF would fill in, or an HF behaviour
//    that departs from what the config says is a warning.
//  - Bad input throws InvalidInput, one line naming the field: a missing field, an
//    unknown rope_type or model_type, a rope_type ropecheck cannot express yet, a
//    contradiction (head_dim ≠ hidden_size / heads where the model type computes the
//    quotient, an odd rotary width, layer_types of the wrong length).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ropecheck/spec.h"

namespace ropecheck::config {

// The layer type of Llama 4's NoPE layers when they carry a query temperature: a spec with
// rotary_dim 0 and a position scale.
inline constexpr std::string_view kNoRopeLayerType = "no_rope";

struct HfLayerRope {
  std::string layer_type;           // "full_attention", "sliding_attention", … or "all_layers"
  RopeSpec spec;
  std::vector<std::size_t> layers;  // 0-based, ascending
  std::string applies_to;           // which dims of a q/k head the spec's head_dim is
  // The position components this layer type sees are below this, when it is not the
  // model's context: the vision tower's patches per side.
  std::optional<double> position_limit;
};

// The layer type of a multimodal model's vision tower (its 2-D RoPE, position_axes.h).
inline constexpr std::string_view kVisionLayerType = "vision";
// Patches per side of the vision grid when the config bounds none (Qwen-VL's ViTs take any
// resolution): a choice of ropecheck's, 256 = 3584 pixels at patch 14.
inline constexpr double kDefaultVisionPatchesPerSide = 256;

struct HfRopeConfig {
  std::string model_type;           // the text model's type
  std::string dialect;              // "v4", "v5" or "v5 nested"
  std::size_t num_hidden_layers = 0;
  std::optional<double> max_position_embeddings;
  std::vector<HfLayerRope> layer_types;
  std::vector<std::size_t> no_rope_layers;
  std::vector<std::string> fields_read, fields_ignored, warnings;
};

HfRopeConfig read_hf_config(const nlohmann::json& config);

// {"format": "ropecheck-hf-spec/1", "model_type", "dialect", "num_hidden_layers",
//  "layer_types": [{"layer_type", "layers", "applies_to", "spec"}], "no_rope_layers",
//  "fields_read", "fields_ignored", "warnings"}
nlohmann::ordered_json to_json(const HfRopeConfig& config);

}  // namespace ropecheck::config
