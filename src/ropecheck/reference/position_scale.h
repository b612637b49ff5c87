// The position-dependent scale σ(m) of a spec's position_scale (spec.h), at reference
// precision and in double.
//
// Contract: σ(m) = 1 + β·ln(1 + k), k = ⌊(m + offset)/floor_scale⌋ formed exactly in
// integer arithmetic; 1 when the spec has no position scale or its role is not the one the
// scale applies to. k = 0 (every m below floor_scale − offset) gives σ = 1 exactly, as HF's
// log(1) = 0 does. Positions with m + offset < 0 (ln of a non-positive number) or beyond
// kMaxScaledPosition throw InvalidInput.
//  - position_scale<Real>: MPFR's log of the exact 1 + k, correctly rounded, then one
//    multiply and one add at 257 bits.
//  - position_scale_double: std::log1p (≤ 1 ulp in glibc), one multiply, one add: relative
//    error ≤ 3·2^-53 + 2^-52 for σ ≥ 1, far below the f32 rounding every kernel applies.
#pragma once

#include <cstdint>

#include "ropecheck/spec.h"

namespace ropecheck::reference {

inline constexpr std::int64_t kMaxScaledPosition = std::int64_t{1} << 62;

// k = ⌊(m + offset)/floor_scale⌋; throws InvalidInput outside [−offset, kMaxScaledPosition].
std::int64_t position_scale_step(const PositionScale& scale, std::int64_t position);

template <class R> R position_scale(const RopeSpec& spec, std::int64_t position);
double position_scale_double(const RopeSpec& spec, std::int64_t position);
double position_scale_double(const PositionScale& scale, std::int64_t position);  // whatever the role

}  // namespace ropecheck::reference
