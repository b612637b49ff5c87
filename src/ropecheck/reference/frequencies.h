// Frequencies, angles and exact cos/sin of RoPE at reference precision (docs/mathematics.md#notation).
//
// Contract (R = rotary_dim, i ∈ [0, R/2)):
//  - frequencies: θ_i = base^(−2i/R) (2-D vision: base^(−2k(i)/R), position_axes.h), as pow(base, −ê) with ê = fl(2i/R): one rounding in
//    the exponent and one in pow, so |θ̂_i/θ_i − 1| ≤ (1 + (2i/R)·ln base)·u ≤ (1 + ln base)·u.
//  - angle(θ, m) = fl(m·θ) for any real m (negative and non-integer too), so
//    |φ̂ − mθ| ≤ |mθ|·(2 + ln base)·u. This is the angle error every tolerance carries.
//  - cos_sin: MPFR's sin and cos are correctly rounded at the computed angle.
//  - scaling (HF modeling_rope_utils.py semantics, parameters by their HF names):
//    `linear`: θ_i/factor; `llama3`: Meta's apply_scaling (frequencies.cc gives the bands
//    and their strict/inclusive bounds); `yarn`: the ramp between the correction dims
//    (frequencies.cc); `dynamic`: the NTK base for max(sequence_length, M); `longrope`:
//    θ_i/ext_i, long factors iff sequence_length > original context (frequencies.cc);
//    `proportional`: θ_i/factor for i < ⌊p·R/2⌋, exactly 0 beyond (Gemma 4).
//  - attention_factor: 1 for `none`, `linear`, `llama3`, `dynamic` and `proportional`; yarn's from
//    attention_factor, mscale/mscale_all_dim or 0.1·ln(factor) + 1; longrope's
//    attention_factor or sqrt(1 + ln f/ln L_orig) (frequencies.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ropecheck/reference/real.h"
#include "ropecheck/spec.h"

namespace ropecheck::reference {

template <class R> std::vector<R> frequencies(const RopeSpec& spec);
template <class R> R attention_factor(const RopeSpec& spec);
// YaRN's ramp r_j per pair (0: θ_j kept, 1: θ_j/factor); spec.scaling.type must be yarn.
template <class R> std::vector<R> yarn_ramp_of(const RopeSpec& spec);

template <class R> struct CosSin {
  std::vector<R> cos;
  std::vector<R> sin;
};
// cos(m·θ_i), sin(m·θ_i) for every pair i of the spec (attention factor not applied).
template <class R> CosSin<R> cos_sin(const RopeSpec& spec, const R& position);
template <class R> CosSin<R> cos_sin(const std::vector<R>& thetas, const R& position);
// Multi-axis positions (position_axes.h): pair i at the component pair_axis[i] of one
// token's `components` (the same product and trig as above, pair by pair).
template <class R>
CosSin<R> cos_sin(const std::vector<R>& thetas, std::span<const std::size_t> pair_axis,
                  std::span<const std::int64_t> components);

// First-order relative error of θ̂_i, in units of u: (1 + ln base) (see above).
double frequency_error_units(const RopeSpec& spec);

}  // namespace ropecheck::reference
