// What ropecheck knows about each HF `model_type`: how its modeling code pairs the rotary
// dims, where its head dim and rotary width come from, and the defaults its config class
// supplies for fields a published config.json may omit. A config.json says nothing about
// pairing; the model's code decides it, so a wrong row here is a wrong spec for every
// config of that type. Each row cites the code it was read from (hf_model_types.cc).
//
// Contract:
//  - find_hf_model_type(name) returns the row of `name`, or nullptr when ropecheck does not
//    know the type; known_hf_model_types() lists the names, for the error message.
//  - Multimodal wrappers (gemma3, llama4, mistral3, …) have no row: their text model's
//    type (text_config.model_type) does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ropecheck/spec.h"

namespace ropecheck::config {

// Where the dimension RoPE acts on comes from.
enum class HeadDimSource {
  // `head_dim` when present and not null, else hidden_size / num_attention_heads.
  head_dim_or_quotient,
  // hidden_size / num_attention_heads always; a `head_dim` that differs is a contradiction.
  quotient_only,
  // DeepSeek MLA: `qk_rope_head_dim`, the rotated slice at the end of each q/k head.
  qk_rope_head_dim,
};

// Where a partial rotary width comes from (besides `partial_rotary_factor`, read for every
// type, top level or inside rope_parameters).
enum class RotaryWidthSource {
  partial_rotary_factor,  // R = int(D · partial_rotary_factor), the whole head without it
  rotary_pct,             // GPT-NeoX: R = int(D · rotary_pct)
  rotary_dim,             // GPT-J: R = rotary_dim, the whole head when null
};

struct HfModelType {
  std::string_view model_type;
  Layout layout;
  HeadDimSource head_dim = HeadDimSource::head_dim_or_quotient;
  RotaryWidthSource rotary_width = RotaryWidthSource::partial_rotary_factor;
  // The config class's defaults for fields a published config may omit.
  std::optional<double> default_partial_rotary_factor = std::nullopt;
  std::optional<double> default_rotary_pct = std::nullopt;
  std::optional<double> default_rope_theta = std::nullopt;
  std::optional<double> default_head_dim = std::nullopt;
  std::optional<double> default_max_position_embeddings = std::nullopt;
  // Gemma 3: sliding layers rotate with rope_local_base_freq and no scaling, every
  // sliding_window_pattern-th layer is full (global) and uses rope_theta and rope_scaling.
  bool local_base_freq_layers = false;
  std::optional<double> default_rope_local_base_freq = std::nullopt;
  std::optional<double> default_sliding_window_pattern = std::nullopt;
  // Llama 4: `no_rope_layers` (1 = RoPE, 0 = NoPE) and its default pattern.
  bool no_rope_layers = false;
  // Gemma 4: full_attention layers have `global_head_dim` wide heads when it is set.
  bool global_head_dim_for_full_attention = false;
};

const HfModelType* find_hf_model_type(std::string_view model_type);
std::string known_hf_model_types();  // "cohere, deepseek_v2, …" for messages

}  // namespace ropecheck::config
