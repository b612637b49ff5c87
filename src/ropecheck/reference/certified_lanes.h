// The certified fast path's two hot loops, dispatched at run time over Highway's targets
// (certified_lanes-inl.h): cos and sin of m·θ for many pairs (certified_trig.h), and the
// elements of one head of one token (certified_rope.h). Every target computes the same
// bits; the callers own the arithmetic's contract and bounds.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ropecheck/dtype.h"
#include "ropecheck/reference/double_double.h"

namespace ropecheck::reference {

inline constexpr int kTrigTableSteps = 64;    // the table's step is 1/64
inline constexpr int kTrigTableEntries = 52;  // j ≤ 50 (|r| ≤ π/4·(1 + 2^-20)), one to spare

// certified_rope.h's bound on an element, relative to |a·Ĉ| + |b·Ŝ| (budget there).
inline constexpr double kElementRelativeError = 0x1.4p-99;
// Covers the few double roundings in forming a bound itself (each ≤ 2^-53 relative).
inline constexpr double kBoundRoundingMargin = 1 + 0x1p-45;

// The trigonometric constants, each rounded to double-double from 257 bits (relative error
// ≤ u², as |x − hi − lo| ≤ u·|lo| ≤ u²·|hi|); table rows as arrays of single doubles so
// that lanes can gather them.
struct TrigConstants {
  DoubleDouble half_pi;
  double sin_j_hi[kTrigTableEntries], sin_j_lo[kTrigTableEntries];  // sin(j/64)
  double cos_j_hi[kTrigTableEntries], cos_j_lo[kTrigTableEntries];  // cos(j/64)
  DoubleDouble sin3, sin5;                                          // −1/3!, 1/5!
  double sin7, sin9, sin11;                                         // −1/7!, 1/9!, −1/11!
  DoubleDouble cos4;                                                // 1/4!
  double cos6, cos8, cos10;                                         // −1/6!, 1/8!, −1/10!
};

// Lanes [0, n): positions (doubles, |m| < 2^31) and θ̂·2/π as t0 + t1 + t2 + t3 in; ĉ, ŝ out.
struct TrigLanesCall {
  std::size_t n = 0;
  const TrigConstants* constants = nullptr;
  const double *positions = nullptr, *t0 = nullptr, *t1 = nullptr, *t2 = nullptr, *t3 = nullptr;
  double *cos_hi = nullptr, *cos_lo = nullptr, *sin_hi = nullptr, *sin_lo = nullptr;
};

// One head of one token, lanes [0, n) its pairs: pair i reads dims (offset + 2i,
// offset + 2i + 1) when interleaved, else (offset + i, offset + half + i), with Ĉ, Ŝ and
// the angle's share of the bound per pair (fast[i] = 0: a pair the caller computes
// otherwise, whose outputs it overwrites). Outputs, rounded to double, go to the same dims
// of `expected`, and their bits in `format` to those of `bits` (when not null).
// undecided[i] gets bit 0 (first) and bit 1 (second) for an output the caller must
// complete: inputs outside [2^-600, 2^600] ∪ {0} or non-finite, or a rounding the test
// could not decide. Returns the number of pairs with a bit set.
struct ElementLanesCall {
  std::size_t n = 0;
  DtypeFormat format{};
  bool interleaved = false;
  std::size_t offset = 0, half = 0;
  const double* x = nullptr;
  const double *fast = nullptr, *c_hi = nullptr, *c_lo = nullptr, *s_hi = nullptr, *s_lo = nullptr,
               *angle_term = nullptr;
  double* expected = nullptr;
  std::uint64_t* bits = nullptr;
  unsigned char* undecided = nullptr;
};

void cos_sin_lanes(const TrigLanesCall& call);
std::size_t element_lanes(const ElementLanesCall& call);
// Whether the dispatched target runs vectors (it has a fused multiply-add) or one lane at
// a time; either computes the same bits.
bool certified_lanes_vectorised();

}  // namespace ropecheck::reference
