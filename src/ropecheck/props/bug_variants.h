// Deliberately wrong RoPE variants: the bug classes real implementations shipped.
//
// They exist so that every property can be shown able to fail (each is the negative
// control of at least one property), and later to diagnose a failing candidate. Each
// says which bug it models. None of them is ever a default.
#pragma once

#include "ropecheck/reference/abel.h"
#include "ropecheck/reference/forms.h"

namespace ropecheck::props::bugs {

// The reference's types: these variants are wrong reference algebra, in its own terms.
using reference::AbelTerms;
using reference::Complex;
using reference::DecayPoint;
using reference::Matrix;
using reference::Real;
using reference::Vector;

// A pair updated in place from an already-updated element: a' = c·a − s·b, then
// b' = s·a' + c·b. Not a rotation: norms change.
Matrix<Real> rotation_matrix_in_place_update(const RopeSpec& spec, const Real& position);
Vector<Real> apply_in_place_update(const RopeSpec& spec, const Real& position, const Vector<Real>& x);

// Positions stored in bf16 before the angle is formed (angle = bf16(m)·θ).
Real position_in_bf16(const Real& position);
Matrix<Real> rotation_matrix_bf16_positions(const RopeSpec& spec, const Real& position);
Vector<Real> apply_bf16_positions(const RopeSpec& spec, const Real& position, const Vector<Real>& x);

// Rotation in the opposite direction (sin with the wrong sign).
Vector<Real> apply_reversed(const RopeSpec& spec, const Real& position, const Vector<Real>& x);

// The other pairing: half_split computed for an interleaved spec and vice versa.
Vector<Real> apply_swapped_layout(const RopeSpec& spec, const Real& position, const Vector<Real>& x);

// rotate_half written as cat(x2, −x1) instead of cat(−x2, x1).
Vector<Real> apply_rotate_half_swapped_halves(const RopeSpec& spec, const Real& position, const Vector<Real>& x);

// Scaling bugs (context-extension scaling: docs/mathematics.md#scaling).
// The attention factor applied twice (once in the table, once again on the output):
// R = s²·Q instead of s·Q (vLLM #56446-style double application).
Matrix<Real> rotation_matrix_attention_twice(const RopeSpec& spec, const Real& position);
Vector<Real> apply_attention_twice(const RopeSpec& spec, const Real& position, const Vector<Real>& x);
// Dynamic NTK with the base rescaled for each position's own length |m| + 1 (HF #25104:
// keys cached under an older base than the queries): R_m and R_n use different θ, so
// R_mᵀR_n is no rotation by n − m. Other scaling types are computed correctly.
Matrix<Real> rotation_matrix_dynamic_base_per_position(const RopeSpec& spec, const Real& position);
Vector<Real> apply_dynamic_base_per_position(const RopeSpec& spec, const Real& position, const Vector<Real>& x);
// Meta's complex form with its unscaled freqs (apply_scaling never called, llama.cpp
// #8650): wrong for every scaled spec whose θ_i differ from base^(−2i/R).
Vector<Real> apply_complex_unscaled(const RopeSpec& spec, const Real& position, const Vector<Real>& x);

// Summation by parts with S_i instead of S_{i+1} (an off-by-one in the partial sums).
Complex<Real> abel_by_parts_shifted_partial_sums(const AbelTerms<Real>& t);
// The bound without the boundary term h_{R/2} = 0: max over i < R/2 − 1 only.
Real abel_bound_without_boundary_term(const AbelTerms<Real>& t);

// The decay curve summing S_0 … S_{R/2−1} (the Mathematica inner sum read as exclusive).
DecayPoint<Real> decay_point_exclusive_sums(std::size_t rotary_dim, double base, const Real& distance);
// Frequencies with the exponent's sign flipped: θ_i = base^(+2i/R) (all ≥ 1).
std::vector<Real> frequencies_inverted_exponent(std::size_t rotary_dim, double base);

}  // namespace ropecheck::props::bugs

namespace ropecheck::props::bugs {
// The decay curve with e^{Δθ} for e^{iΔθ} (the imaginary unit dropped): not unimodular.
DecayPoint<Real> decay_point_real_exponent(std::size_t rotary_dim, double base, const Real& distance);
}  // namespace ropecheck::props::bugs
