// RopeSpec: what a RoPE implementation computes, independent of how (docs/file-formats.md#ropespec-json).
//
// Contract:
//  - head_dim D ≥ 1; rotary_dim R even, 2 ≤ R ≤ D; the last D−R dims pass through.
//    rotary_offset o (default 0, written only when nonzero): dims [o, o + R) rotate and
//    the others pass through, o + R ≤ D — DeepSeek MLA's q head [q_nope | q_pe], whose
//    last qk_rope_head_dim dims rotate (o = qk_nope_head_dim).
//  - layout: `interleaved` pairs (x[2i], x[2i+1]); `half_split` pairs (x[i], x[i+R/2]).
//  - base finite and > 1; θ_i = base^(−2i/R) before scaling.
//  - scaling: a type plus the HF `rope_scaling` parameters by their HF names. `none`,
//    `linear` (factor ≥ 1) and `llama3` (factor ≥ 1, low_freq_factor > 0, high_freq_factor
//    ≥ low_freq_factor, original_max_position_embeddings > 0, all required) and `yarn`
//    (factor ≥ 1; original_max_position_embeddings or max_position_embeddings; optional
//    beta_fast, beta_slow, attention_factor > 0, mscale, mscale_all_dim ≥ 0, truncate)
//    are implemented, and `dynamic` (factor ≥ 1, max_position_embeddings, optional
//    sequence_length; original_max_position_embeddings accepted and unused, as in HF) and
//    `longrope` (short_factor and long_factor of R/2 positive values,
//    original_max_position_embeddings, optional sequence_length, and factor or
//    max_position_embeddings unless attention_factor is given), and `proportional`
//    (Gemma 4: partial_rotary_factor p in (0, 1], optional factor ≥ 1; the first
//    ⌊p·R/2⌋ pairs rotate with θ_i/factor, the others have θ = 0 and pass through). A
//    parameter the type does not take is an error.
//  - position_scale (optional): a per-token factor σ(m) = 1 + beta·ln(1 + ⌊(m +
//    position_offset)/floor_scale⌋) on the whole output vector of the tensor whose role it
//    names (Llama 4's NoPE-layer query temperature, Mistral 3's llama_4_scaling_beta);
//    beta > 0, floor_scale a positive integer, position_offset an integer in [0, 2^20].
//    `role` (query or key) says which tensor this spec is applied to; it is present exactly
//    when position_scale is, so a spec without one is written as before. rotary_dim 0 (no
//    rotation: Llama 4's NoPE layers) is allowed only with a position_scale.
//  - multi-axis positions (optional; position_axes.h): `mrope_section` [s_t, s_h, s_w]
//    of non-negative integers summing to R/2, with `mrope_interleaved` (Qwen3-VL; written
//    only when true), or `vision_2d` ("pixtral" or "qwen_vl"; R a multiple of 4, scaling
//    none). Not together with each other or with a position_scale.
//  - Where HF versions disagree, a named option picks the semantics; the default is HF's
//    current one: yarn_context (yarn) and longrope_switch (longrope), see Scaling.
//  - JSON round-trips exactly: to_json(from_json(j)) == j for every valid canonical j
//    (rotary_dim and scaling are always written).
//  - Every violation throws InvalidInput with a one-line message naming the rule.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace ropecheck {

enum class Layout { interleaved, half_split };

enum class ScalingType { none, linear, dynamic, yarn, llama3, longrope, proportional };

// The context length YaRN's correction dims are computed for. `original` (default; HF ≥
// 4.48, DeepSeek's own code): original_max_position_embeddings, else
// max_position_embeddings. `max_position_embeddings`: HF ≤ 4.47, which ignored the
// original length (HF #33783) — for DeepSeek-V3 dims 23/36 instead of 10/23.
enum class YarnContext { original, max_position_embeddings };
// When LongRoPE uses its long factors. `sequence_length` (default; HF ≥ 4.45, Phi-3's
// modeling code): iff sequence_length > original_max_position_embeddings, strictly.
// `expanded_context`: HF 4.43–4.44, iff the expanded context (max_position_embeddings, else
// original·factor) exceeds the original — always long for Phi-3-128k, short prompts too.
enum class LongropeSwitch { sequence_length, expanded_context };

std::string_view to_string(Layout layout);
std::string_view to_string(ScalingType type);
std::string_view to_string(YarnContext context);
std::string_view to_string(LongropeSwitch when);
Layout layout_from_string(std::string_view name);        // throws InvalidInput
ScalingType scaling_type_from_string(std::string_view);  // throws InvalidInput

// HF `rope_scaling` parameters; a field is set only when the JSON carried it.
struct Scaling {
  ScalingType type = ScalingType::none;
  std::optional<double> factor;
  std::optional<double> original_max_position_embeddings;
  std::optional<double> beta_fast;
  std::optional<double> beta_slow;
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  std::optional<double> low_freq_factor;
  std::optional<double> high_freq_factor;
  std::optional<double> attention_factor;
  // The model config's max_position_embeddings (not a rope_scaling key in HF, but its
  // formulas read it): yarn's context when original_max_position_embeddings is absent.
  std::optional<double> max_position_embeddings;
  std::optional<bool> truncate;  // yarn: round the correction range to integers (default true)
  // proportional: the fraction of the pairs that rotate; their exponents keep the
  // denominator R (Gemma 4's head dim), unlike ordinary partial rotary's narrower R.
  std::optional<double> partial_rotary_factor;
  // The sequence length the implementation saw (HF: max(position_ids) + 1): dynamic NTK
  // rescales its base for it, LongRoPE picks long factors above the original context.
  std::optional<double> sequence_length;
  std::optional<std::vector<double>> short_factor;
  std::optional<std::vector<double>> long_factor;
  std::optional<YarnContext> yarn_context;         // JSON "yarn_context"
  std::optional<LongropeSwitch> longrope_switch;   // JSON "longrope_switch"

  friend bool operator==(const Scaling&, const Scaling&) = default;
};

// Which projection a spec is applied to: a position scale multiplies only one of them.
enum class Role { query, key };
std::string_view to_string(Role role);

// σ(m) = 1 + beta·ln(1 + ⌊(m + position_offset) / floor_scale⌋) on the `applies_to` tensor.
//  - Llama 4 (HF modeling_llama4.py, NoPE layers only): attn_scale 0.1, floor_scale 8192,
//    offset 1 (log(floor((cache_position + 1) / floor_scale) + 1) · attn_scale + 1).
//  - Mistral 3 (HF modular_ministral3.py _get_llama_4_attn_scale, every layer, after RoPE):
//    beta = llama_4_scaling_beta, floor_scale = original_max_position_embeddings, offset 0.
struct PositionScale {
  double beta = 0.1;
  std::int64_t floor_scale = 8192;
  std::int64_t position_offset = 0;
  Role applies_to = Role::query;

  friend bool operator==(const PositionScale&, const PositionScale&) = default;
};

// 2-D vision encoders' rotary mappings (position_axes.h).
enum class Vision2d { pixtral, qwen_vl };

inline constexpr std::int64_t kMaxPositionOffset = std::int64_t{1} << 20;

struct RopeSpec {
  std::size_t head_dim = 128;
  std::size_t rotary_dim = 128;
  std::size_t rotary_offset = 0;
  Layout layout = Layout::interleaved;
  double base = 10000.0;
  Scaling scaling;
  std::optional<PositionScale> position_scale;
  std::optional<Role> role;  // set exactly when position_scale is
  // Multi-axis positions (position_axes.h), by HF's key names.
  std::optional<std::array<std::size_t, 3>> mrope_section;  // [s_t, s_h, s_w]
  bool mrope_interleaved = false;                           // only with mrope_section
  std::optional<Vision2d> vision_2d;

  std::size_t pairs() const { return rotary_dim / 2; }
  // Whether head dim `dim` is one of the rotated dims [rotary_offset, rotary_offset + R).
  bool rotates(std::size_t dim) const { return dim >= rotary_offset && dim - rotary_offset < rotary_dim; }
  friend bool operator==(const RopeSpec&, const RopeSpec&) = default;
};

// Largest head_dim accepted: far above any model (≤ 512 in practice), small enough that
// a D×D reference matrix stays affordable.
inline constexpr std::size_t kMaxHeadDim = 65536;

void validate(const RopeSpec& spec);  // throws InvalidInput

// Whether the spec's position scale multiplies this spec's tensor (its role is the one the
// scale applies to).
bool scales_positions(const RopeSpec& spec);

// proportional: how many pairs rotate, ⌊partial_rotary_factor · R / 2⌋ (the others have θ = 0).
std::size_t proportional_rotating_pairs(const RopeSpec& spec);

RopeSpec spec_from_json(const nlohmann::json& j);  // validates; throws InvalidInput
RopeSpec spec_from_json_text(std::string_view text);
nlohmann::json to_json(const RopeSpec& spec);
std::string to_json_text(const RopeSpec& spec);

}  // namespace ropecheck
