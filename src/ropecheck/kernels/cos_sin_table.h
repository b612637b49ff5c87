// cos/sin tables for the RoPE kernels: one row of R/2 (cos, sin) per token, attention
// factor folded in (row t, pair i holds s·cos(m_t·θ_i) and s·sin(m_t·θ_i) in float32).
// Multi-axis positions (position_axes.h): m_t is the component p_{t,a(i)} pair i reads.
// Every mode builds them the same way, as HF does: rows for each component as if it were
// a token of its own, then pair i of token t taken from the row of component a(i).
// A position scale σ(m_t) (spec.h) is folded in the same way, s·σ(m_t) formed in double
// (one more rounding, ≤ 2^-53 relative), and kept per token in `scale` for the
// pass-through dims.
//
// Modes:
//  - accurate (the default): each entry is s·cos/sin of the angle m·θ_i evaluated in
//    double from an *exact* angle reduction, then rounded once to f32:
//      |entry − s·cos(m·θ_i)| ≤ 0.5 ulp_f32 + s·kAccurateTableAbsError (2^-50),
//    for every position with |m|·max θ < kAccurateAngleLimit (2^26 rad, so every
//    |m| < 2^26 when max θ ≤ 1), independent of the position. How: θ_i is split at
//    reference precision into θ_hi + θ_mid + θ_lo with θ_hi, θ_mid of 26 significant bits,
//    so m·θ_hi and m·θ_mid are exact in double; k = round(φ·2/π) and the reduction
//    φ − k·π/2 uses π/2 = P1 + P2 + P3 with 26-bit P1, P2, so k·P1 and k·P2 are exact too
//    (Cody–Waite with exact products). sin and cos of the reduced |r| ≤ π/4 are Taylor
//    polynomials to degree 15/16 (truncation < 2^-54), the quadrant selects and signs
//    them. The error budget (≤ 8 double roundings of terms ≤ 1) is kAccurateTableAbsError
//    in numeric/error_model.h; properties/table_properties.cc checks it against MPFR.
//    It is SIMD: Highway f64 vectors over the pairs of a row, dispatched at run time;
//    it needs only multiplies and adds, so FMA and non-FMA targets give the same bound.
//  - f32_angle: the way HF transformers, Meta's reference and vLLM build their caches:
//    inv_freq = 1/powf(base, 2i/R) in float32, angle = float(m)·inv_freq in float32, then
//    cos/sin of that float angle (evaluated accurately, so only the angle's error shows).
//    With any scaling but `none` θ_i is rounded to float32 instead of the powf formula.
//  - f32_recurrence: ggml's rope cache: θ = float(m), then per pair cosf(θ), sinf(θ) and
//    θ *= powf(base, −2/R) in float32 (scaling `none` only).
// The framework modes exist to be measured against the accurate one (numeric Profile
// f32_angle), never as the default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "ropecheck/position_axes.h"
#include "ropecheck/spec.h"

namespace ropecheck::kernels {

enum class TableMode { accurate, f32_angle, f32_recurrence };

// Angles |m|·max θ at or beyond this are outside the accurate mode's exact reduction.
inline constexpr double kAccurateAngleLimit = 0x1p26;

// Everything the table builders need from a spec, computed once at reference precision.
struct TableFrequencies {
  std::size_t pairs = 0;
  std::vector<double> theta;      // θ_i rounded to double
  std::vector<double> theta_hi;   // θ_i = hi + mid + lo: hi and mid have ≤ 26 significant
  std::vector<double> theta_mid;  // bits, lo is the rest rounded to double
  std::vector<double> theta_lo;
  std::vector<float> theta_f32;   // the framework's float32 inverse frequencies
  double max_theta = 0;
  double attention_factor = 1;
  double base = 10000;
  std::size_t rotary_dim = 0;
  std::optional<PositionScale> position_scale;  // set when it multiplies the spec's tensor
  bool geometric = true;          // θ_i = base^(−2i/R) (scaling none): ggml's recurrence applies
  std::size_t axes = 1;           // position components per token
  std::vector<std::size_t> pair_axis;  // [pairs] a(i)
};

TableFrequencies table_frequencies(const RopeSpec& spec);

// θ_i = base^(−2i/R), one geometric chain over the pairs (scaling none, not 2-D vision's
// reordered frequencies): what ggml's f32_recurrence needs.
bool geometric_frequencies(const RopeSpec& spec);

struct CosSinTable {
  std::size_t tokens = 0;
  std::size_t pairs = 0;
  std::vector<float> cos;  // [tokens][pairs]
  std::vector<float> sin;  // [tokens][pairs]
  std::vector<float> scale;  // [tokens] RN_f32(σ(m_t)) with a position scale, else empty
};

// Fills `table` (reusing its storage) for the given positions. Throws InvalidInput when
// the positions' axes are not the spec's, an accurate-mode angle is outside
// kAccurateAngleLimit or f32_recurrence is asked for a non-geometric spec.
void build_table(const TableFrequencies& freqs, PositionsView positions, TableMode mode, CosSinTable& table);
CosSinTable build_table(const RopeSpec& spec, PositionsView positions, TableMode mode = TableMode::accurate);

// The float32 angles φ̂_i a framework mode forms for one position (angles.size() ≥ pairs):
// f32_angle float(m)·θ_f32[i]; f32_recurrence ggml's chain. InvalidInput for `accurate`
// (it forms no float32 angle) and for f32_recurrence with a non-geometric spec.
void framework_angles(const TableFrequencies& freqs, std::int64_t position, TableMode mode, std::span<float> angles);

std::string_view to_string(TableMode mode);

}  // namespace ropecheck::kernels
