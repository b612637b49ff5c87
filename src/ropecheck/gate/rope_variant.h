// RoPE as a mistaken implementation computes it: the golden case's inputs through a
// variant of its spec (another layout, base or rotary_dim, shifted positions, the opposite
// direction, positions/frequencies/angles/table rounded to a narrow dtype, a scaled
// output, a pair updated from its already-updated element, a truncated output, another
// context-extension scaling or its per-pair frequency factor applied twice, another
// attention factor). The
// diagnosis (diagnosis.h) measures a failing candidate against each variant.
//
// Contract: θ_i come from the reference (reference::frequencies at 257 bits, so every
// scaling type computes as the golden's does) rounded to double; the rest is evaluated in
// double (cos/sin by std::cos/std::sin). That is
// far more accurate than any profile's bound needs at the golden positions (< 2^24): the
// double angle error |m|·θ·2^-52 ≤ 2^-28 rad against the f32 compute term 2^-24·σ that
// every profile carries. Roundings a variant names are applied exactly (correct RNE of
// the double value, reference::round_to_bits), except the truncated output, which is
// modelled by its centre (see truncate_output). The default variant is the golden's own
// spec, so evaluate_variant(g, RopeVariant::of(g)) reproduces g.expected to double
// accuracy (tested).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/spec.h"

namespace ropecheck::gate {

// How a variant reads the golden's multi-axis positions (position_axes.h), whole tokens.
enum class PositionsRead {
  as_given,
  height_width_swapped,  // the last two components exchanged (h ↔ w, row ↔ column)
  first_component,       // every axis reads component 0 (t, or the row)
  token_index,           // every axis reads the token's index in its batch row (1-D arange)
  batch_row_0,           // every batch row reads row 0's positions at the same index
};

struct RopeVariant {
  Layout layout = Layout::interleaved;
  std::size_t rotary_dim = 0;
  std::size_t rotary_offset = 0;  // the rotated dims start here (MLA: after q_nope)
  std::size_t theta_dim = 0;  // the R in θ_i = base^(−2i/R), ≥ rotary_dim
  double base = 10000;
  Scaling scaling;                     // the scaling θ_i are computed with
  bool scaling_twice = false;          // θ_i·ρ_i² with ρ_i = θ_i(scaled)/θ_i(unscaled)
  double attention_factor = 1;         // multiplies cos and sin (the golden's by default)
  std::int64_t position_shift = 0;
  bool reverse = false;                // angle −m·θ
  std::optional<Dtype> positions_in;   // positions rounded to this dtype
  std::optional<Dtype> thetas_in;      // θ_i rounded
  std::optional<Dtype> angles_in;      // m·θ_i rounded
  std::optional<Dtype> table_in;       // cos, sin rounded
  double output_scale = 1;
  bool in_place_update = false;        // b' computed from the updated a'
  bool truncate_output = false;        // output truncated (toward zero), not RNE: y is
                                       // moved half an output ulp toward zero (rope_variant.cc)
  // llama3's smooth factor written without its parentheses, (L/λ)/high − low instead of
  // (L/λ − low)/(high − low), on the golden's llama3 parameters.
  bool llama3_unparenthesized_smooth = false;
  bool positions_wrap_int16 = false;   // positions stored in int16: m wraps modulo 2^16
  // A cos/sin cache of cache_length rows: positions beyond it read row m mod L
  // (cache_wraps) or the last row L − 1 (clamped).
  std::optional<std::int64_t> cache_length;
  bool cache_wraps = false;
  // The rotated pair (a', b') written at the other layout's indices: HF's DeepSeek
  // apply_rotary_pos_emb_interleave returns [a'_0 … a'_{R/2−1} | b'_0 …] for interleaved pairs.
  bool output_in_other_pair_order = false;
  // cos/sin of the unreduced float32 angle, reduced the way CUDA's __sinf/__cosf and
  // Metal's fast:: functions do: one float32 multiply by 1/2π, then the fraction.
  bool fast_trig_unreduced = false;
  // The position scale the variant multiplies its output by (the golden's where it scales
  // the golden's tensor; none, the other role's, or another offset for the bugs).
  std::optional<PositionScale> position_scale;

  // Multi-axis positions: per pair, the component its first and its second element's
  // angle read (a(i) of the golden's spec for both by default; a table split into
  // sections column by column can give a pair's two elements different ones).
  std::vector<std::size_t> first_axis, second_axis;
  PositionsRead positions_read = PositionsRead::as_given;

  static RopeVariant of(const golden::Golden& g);
};

struct VariantOutput {
  std::vector<double> y;         // [T][H][D]
  std::vector<double> cos, sin;  // [T][rotary_dim/2], attention factor not applied
  std::vector<double> thetas;    // [rotary_dim/2] θ_i of the variant (before any rounding it names)
  std::vector<double> position_scale;  // [T] σ(m_t) the variant applied (1 without one)
};

VariantOutput evaluate_variant(const golden::Golden& g, const RopeVariant& v);

}  // namespace ropecheck::gate
