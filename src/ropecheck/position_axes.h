// Multi-axis positions: which position component each rotary pair reads.
//
// A token carries A position components: text A = 1 (m), M-RoPE A = 3 (t, h, w), 2-D
// vision A = 2 (row, column). Rotary pair i has a frequency θ_i and reads component
// a(i), so its angle is p_{a(i)}·θ_i; A = 1 is ordinary RoPE. The mapping is part of the
// spec (HF's key names where HF has them) and is applied once, where angles are formed:
// the reference (exact_rope.h) and the table builders (cos_sin_table.h); the kernels
// only see table rows.
//
// Mappings (pairs i ∈ [0, R/2), R = rotary_dim):
//  - mrope_section [s_t, s_h, s_w], Σ = R/2 (Qwen2-VL, Qwen2.5-VL; HF
//    apply_multimodal_rotary_pos_emb splits its width-R cos by `mrope_section * 2` and
//    takes chunk j from axis j % 3, so both halves of the half_split table see the same
//    sections): a(i) = t for i < s_t, h for i < s_t + s_h, w otherwise. GLM-4V uses the
//    same sections with interleaved pairs (it keeps the first half of that table and
//    repeat_interleaves it) and a partial rotary_dim.
//  - mrope_interleaved (Qwen3-VL, HF apply_interleaved_mrope: freqs_t[..., offset:3·s:3]
//    = freqs[axis] for (axis, offset) = (h, 1), (w, 2)): a(i) = h if i % 3 = 1 and
//    i < 3·s_h, w if i % 3 = 2 and i < 3·s_w, t otherwise.
//  - vision_2d, θ from the frequency index k(i) of the standard list base^(−2k/R):
//      pixtral (HF PixtralRotaryEmbedding: freqs[::2] for rows, freqs[1::2] for columns,
//      concatenated): a(i) = row for i < R/4, column otherwise; k(i) = 2i for rows,
//      2(i − R/4) + 1 for columns.
//      qwen_vl (HF VisionRotaryEmbedding(head_dim/2): θ_j = base^(−2j/(R/2)) for j <
//      R/4, rows then columns, rotary_pos_emb_full[pos_ids].flatten(1)): a(i) as
//      pixtral; k(i) = 2(i mod R/4).
//  - otherwise A = 1 and a(i) = 0, k(i) = i.
// Positions are [tokens][A] in C order (golden files: [T] I64 for A = 1, [T, A] I64).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ropecheck/spec.h"

namespace ropecheck {

inline constexpr std::size_t kMaxPositionAxes = 3;

// The positions golden files, case catalogues, report sweeps and the property battery's
// ordinary draws take lie in [0, kOrdinaryPositionLimit): each is exact in float32 (a
// framework's float(m) loses nothing), and m·θ stays below the built-in kernels'
// accurate-table limit (kernels/cos_sin_table.h, 2^26 rad) for every θ ≤ 1.
inline constexpr std::int64_t kOrdinaryPositionLimit = std::int64_t{1} << 24;

std::size_t position_axes(const RopeSpec& spec);                         // A
std::size_t axis_of_pair(const RopeSpec& spec, std::size_t pair);         // a(i) < A
std::size_t frequency_index_of_pair(const RopeSpec& spec, std::size_t pair);  // k(i)
std::vector<std::size_t> pair_axes(const RopeSpec& spec);                 // a(i) for every pair
// "m" for one axis; "t", "h", "w" for M-RoPE; "row", "column" for 2-D vision.
std::string_view axis_name(const RopeSpec& spec, std::size_t axis);
// The spec's axis names joined: "m", "t, h, w" or "row, column".
std::string axis_names(const RopeSpec& spec);

std::string_view to_string(Vision2d kind);

// The spec keys of the mapping (called by spec.cc): read, check and write.
void read_position_axes(const nlohmann::json& j, RopeSpec& spec);  // throws InvalidInput
void validate_position_axes(const RopeSpec& spec);                 // throws InvalidInput
void write_position_axes(const RopeSpec& spec, nlohmann::json& j);  // only keys that are set

// Positions of `tokens()` tokens with `axes` components each, C order. Built implicitly
// from a plain list (one axis), so single-axis callers pass their vectors as before.
struct PositionsView {
  std::span<const std::int64_t> values;
  std::size_t axes = 1;

  PositionsView() = default;
  PositionsView(std::span<const std::int64_t> v, std::size_t a = 1) : values(v), axes(a) {}
  PositionsView(const std::vector<std::int64_t>& v, std::size_t a = 1) : values(v), axes(a) {}
  std::size_t tokens() const { return axes == 0 ? 0 : values.size() / axes; }
  std::int64_t at(std::size_t token, std::size_t axis) const { return values[token * axes + axis]; }
  std::span<const std::int64_t> token(std::size_t t) const { return values.subspan(t * axes, axes); }
};

// Token t's position for messages: "m" for one axis, "(t, h, w)" or "(row, column)".
std::string format_position(PositionsView positions, std::size_t token);

// Throws InvalidInput unless the positions have the spec's axis count and a whole number
// of tokens.
void check_position_axes(const RopeSpec& spec, PositionsView positions);

}  // namespace ropecheck
