// The long-range decay argument (docs/mathematics.md#the-abel-identity-and-bound) at reference precision.
//
// With Δ = m − n, q̃_i = q[a_i] + i·q[b_i] (pairs of the spec's layout), h_i = q̃_i·conj(k̃_i),
// S_j = Σ_{i<j} e^{iΔθ_i} (S_0 = 0) and h_{R/2} = 0:
//   ⟨R_m q, R_n k⟩ = Re Σ_{i<R/2} h_i e^{iΔθ_i}                     (direct_sum)
//   Σ_{i<R/2} h_i e^{iΔθ_i} = −Σ_{i<R/2} S_{i+1}(h_{i+1} − h_i)      (by_parts, Abel)
//   |Σ h_i e^{iΔθ_i}| ≤ max_i |h_{i+1} − h_i| · Σ_{j=1}^{R/2} |S_j|   (bound)
// and the decay curve f(Δ) = Σ_{j=1}^{R/2} |S_j(Δ)| / (R/2) (Su's Mathematica
// f[m] with its inclusive inner sum Σ_{i=0}^{j} = S_{j+1}). f(0) = (R/2 + 1)/2 exactly:
// S_j(0) = j exactly, and the mean is formed with one division, of an exact integer sum
// by R/2, whose exact result (R/2 + 1)/2 is representable.
#pragma once

#include <cstddef>
#include <vector>

#include "ropecheck/reference/forms.h"

namespace ropecheck::reference {

template <class R> struct AbelTerms {
  std::vector<Complex<R>> h;      // h_0 … h_{R/2}, the last one 0
  std::vector<Complex<R>> phase;  // e^{iΔθ_i}, i < R/2
  std::vector<Complex<R>> S;      // S_0 … S_{R/2}
};

template <class R>
AbelTerms<R> abel_terms(const RopeSpec& spec, const Vector<R>& q, const Vector<R>& k, const R& delta);
template <class R> Complex<R> abel_direct_sum(const AbelTerms<R>& t);
template <class R> Complex<R> abel_by_parts(const AbelTerms<R>& t);
template <class R> R abel_bound(const AbelTerms<R>& t);
// H = Σ_i |h_i|: the magnitude the rounding error of both sides of the identity scales
// with (the tolerances of the identity and bound properties are multiples of u·H).
template <class R> R abel_magnitude(const AbelTerms<R>& t);

template <class R> struct DecayPoint {
  R distance;
  R sum_abs_S;  // Σ_{j=1}^{R/2} |S_j(Δ)|: the factor of the bound
  R f;          // Σ_{j=1}^{R/2} |S_j(Δ)| / (R/2)
};
template <class R> DecayPoint<R> decay_point(std::size_t rotary_dim, double base, const R& distance);
template <class R> DecayPoint<R> decay_point(const std::vector<R>& thetas, const R& distance);

}  // namespace ropecheck::reference
