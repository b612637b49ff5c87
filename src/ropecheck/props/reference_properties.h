// The reference property battery: the mathematics of RoPE (docs/mathematics.md), checked at
// reference precision with tolerances derived from that precision.
//
// Each check_* function is one property over one generated case. It takes the thing
// under test as a parameter — the correct reference, or a deliberately wrong variant from
// props/bug_variants.h — so the same body is both the property and, with a wrong
// variant, its negative control. Checks use RC_ASSERT/RC_FAIL and report the worst
// element as error/tolerance (a ratio ≤ 1 passes). The tolerance of each is a named
// constant times the reference's unit roundoff u = 2^-257, derived in the .cc.
// The same bodies run under GoogleTest (properties/) and under `ropecheck props`.
#pragma once

#include <functional>

#include "ropecheck/props/property_cases.h"
#include "ropecheck/reference/abel.h"
#include "ropecheck/reference/attention.h"
#include "ropecheck/reference/forms.h"

namespace ropecheck::props {

using reference::Real;
using MatrixBuilder = std::function<reference::Matrix<Real>(const RopeSpec&, const Real&)>;
using Form = reference::Encoding<Real>;
using ByParts = std::function<reference::Complex<Real>(const reference::AbelTerms<Real>&)>;
using Bound = std::function<Real(const reference::AbelTerms<Real>&)>;
using DecayFn = std::function<reference::DecayPoint<Real>(std::size_t rotary_dim, double base, const Real& distance)>;
using FrequencyFn = std::function<std::vector<Real>(std::size_t rotary_dim, double base)>;
using CrossCheckForm = std::function<reference::Vector<Real>(const RopeSpec&, double position, const std::vector<double>& x)>;

// The correct things under test.
reference::Matrix<Real> reference_matrix(const RopeSpec& spec, const Real& position);
reference::Vector<Real> reference_rope(const RopeSpec& spec, const Real& position, const reference::Vector<Real>& x);
std::vector<Real> reference_frequencies(std::size_t rotary_dim, double base);
reference::Vector<Real> cross_check_rope(const RopeSpec& spec, double position, const std::vector<double>& x);
// The negative control of cross_check_rope: the same RoPE in double arithmetic.
reference::Vector<Real> double_precision_rope(const RopeSpec& spec, double position, const std::vector<double>& x);

// R_mᵀR_m = I; with an attention factor s, s² on the rotary dims.
void check_orthogonal(const MatrixCase& c, const MatrixBuilder& matrix);
// R_mᵀR_n = R_{n−m}; with an attention factor s, s·R_{n−m} on the rotary dims.
void check_relative_rotation(const MatrixCase& c, const MatrixBuilder& matrix);
// ‖R_m x‖ = ‖x‖; with an attention factor s, ‖R_m x‖² = s²‖x_rot‖² + ‖x_pass‖².
void check_norm_preserved(const RopeCase& c, const Form& rope);
// dense == candidate, and dense == Su's sparse == Meta's complex (interleaved) or
// dense == HF rotate_half (half_split).
void check_forms_agree(const RopeCase& c, const Form& candidate);
// half_split(x) = P·interleaved(P⁻¹x), as matrices and as vectors: exact equality.
void check_half_split_is_permuted_interleaved(const RopeCase& c, const Form& half_split);
// DeepSeek MLA's two orders of its rope slice: the original interleaved pairs, and HF's
// rope_interleave, which de-interleaves q and k (P) and rotates half_split. Their scores
// agree: ⟨H_m·P q, H_n·P k⟩ = ⟨P·R_m q, P·R_n k⟩ = ⟨R_m q, R_n k⟩. `permute_key` false
// permutes q only (the negative control: a port that forgot k).
void check_permuted_half_split_scores_agree(const RopeCase& c, bool permute_key);
// ⟨enc(q, m), enc(k, n)⟩ = ⟨enc(q, m+t), enc(k, n+t)⟩.
void check_score_shift_invariant(const RopeCase& c, const Form& encoding);
void check_softmax_attention_shift_invariant(const AttentionCase& c, const Form& encoding);
void check_linear_attention_shift_invariant(const AttentionCase& c, const Form& encoding);
// Σ h_i e^{iΔθ_i} = by_parts(terms), and ⟨R_m q, R_n k⟩ = Re Σ h_i e^{i(m−n)θ_i}.
void check_abel_identity(const RopeCase& c, const ByParts& by_parts);
// |score| ≤ |Σ h_i e^{iΔθ_i}| ≤ bound(terms).
void check_abel_bound(const RopeCase& c, const Bound& bound);
// f(0) = (R/2 + 1)/2 exactly.
void check_decay_at_zero(const DecayCase& c, const DecayFn& decay);
// f(Δ) ≤ f(0).
void check_decay_never_exceeds_zero_distance(const DecayCase& c, const DecayFn& decay);
// Octave-band maxima of f strictly decrease up to the configuration's turning octave.
struct DecayTrendCase {
  std::size_t table_row = 0;
  int octave = 0;  // asserts band(octave + 1) < band(octave)
};
std::ostream& operator<<(std::ostream& os, const DecayTrendCase& c);
rc::Gen<DecayTrendCase> gen_decay_trend_case();
void check_decay_trend(const DecayTrendCase& c, const FrequencyFn& frequencies);
// MPFR and cpp_bin_float agree within cpp_bin_float's measured accuracy.
void check_backends_agree(const RopeCase& c, const CrossCheckForm& cross_check);

// The decay-trend table: per configuration, the number K of octaves [2^k, 2^(k+1)),
// k = 0 … K−1, over which the band maxima strictly decrease; octave K's maximum is not
// below octave K−1's (the curve has turned quasi-periodic there).
struct DecayTrendRow {
  std::size_t rotary_dim;
  double base;
  int decreasing_octaves;
};
const std::vector<DecayTrendRow>& decay_trend_table();
// max f(Δ) over 64 equally spaced Δ in [2^k, 2^(k+1)).
Real decay_band_maximum(const std::vector<Real>& thetas, int octave);

// cpp_bin_float's sin/cos: |error| ≤ kCrossCheckTrigK·2^-128·(1 + |φ|) (measured), and
// its pow: relative error ≤ kCrossCheckPowK·2^-128·(1 + |ln θ|) (measured).
extern const double kCrossCheckTrigK;
extern const double kCrossCheckPowK;
// The measured pow error of cpp_bin_float for θ = base^(−exponent), in those units.
double cross_check_pow_error_units(double base, const reference::CrossCheckReal& exponent);
// The measured trig error of cpp_bin_float at one angle, in units of 2^-128·(1 + |φ|).
double cross_check_trig_error_units(const reference::CrossCheckReal& angle);

}  // namespace ropecheck::props

namespace rc {
template <> struct Arbitrary<ropecheck::props::DecayTrendCase> {
  static Gen<ropecheck::props::DecayTrendCase> arbitrary() { return ropecheck::props::gen_decay_trend_case(); }
};
}  // namespace rc
