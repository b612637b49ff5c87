// Double-double ("double-word") arithmetic: a value held as hi + lo, two doubles, for the
// certified fast reference (certified_rope.h).
//
// Contract. u = 2^-53 (the unit roundoff of double). Every operation is exactly the
// algorithm named below from M. Joldes, J.-M. Muller, V. Popescu, "Tight and rigorous error
// bounds for basic building blocks of double-word arithmetic", ACM TOMS 44(2), 2017, and
// carries that paper's proven bound on its relative error, for results and operands far
// from underflow and overflow (certified_rope.cc's gates: inputs 0 or in [2^-600, 2^600],
// row factors in [2^-60, 2^60], |ĉ|, |ŝ| 0 or ≥ 2^-300, results decided only ≥ 2^-960):
//  - two_sum (Knuth), fast_two_sum (Dekker, needs |a| ≥ |b| or a = 0), two_prod (FMA):
//    exact, s + e equals a + b (a·b) exactly;
//  - add(x, double)  Algorithm 4, DWPlusFP:          ≤ 2u²
//  - add(x, y)       Algorithm 6, AccurateDWPlusDW:  ≤ 3u² + 13u³
//  - mul(x, double)  Algorithm 9, DWTimesFP3 (FMA):  ≤ 2u²
//  - mul(x, y)       Algorithm 12, DWTimesDW3 (FMA): ≤ 5u²
// The bounds are the constants kDw* below; proofs/ feeds them to Gappa as the rounding
// model of each operation (proofs/README.md). certified_lanes-inl.h spells the same
// algorithms over vectors. std::fma is IEEE 754's fusedMultiplyAdd,
// correctly rounded on every target (an instruction, or glibc's exact software fma), so
// every value computed here is the same on every machine. The sources that use this header
// are compiled with -ffp-contract=off: a contracted a·b + c would be another algorithm.
#pragma once

#include <cmath>

namespace ropecheck::reference {

struct DoubleDouble {
  double hi = 0;
  double lo = 0;
};

inline constexpr double kUnitRoundoff = 0x1p-53;
inline constexpr double kU2 = kUnitRoundoff * kUnitRoundoff;  // 2^-106
inline constexpr double kDwPlusFpBound = 2 * kU2;
inline constexpr double kDwPlusDwBound = 3 * kU2 + 13 * kU2 * kUnitRoundoff;
inline constexpr double kDwTimesFpBound = 2 * kU2;
inline constexpr double kDwTimesDwBound = 5 * kU2;

inline DoubleDouble two_sum(double a, double b) {
  const double s = a + b;
  const double a1 = s - b;
  const double b1 = s - a1;
  return {s, (a - a1) + (b - b1)};
}

inline DoubleDouble fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}

inline DoubleDouble two_prod(double a, double b) {
  const double p = a * b;
  return {p, std::fma(a, b, -p)};
}

inline DoubleDouble negate(DoubleDouble x) { return {-x.hi, -x.lo}; }

inline DoubleDouble add(DoubleDouble x, double y) {
  const DoubleDouble s = two_sum(x.hi, y);
  return fast_two_sum(s.hi, x.lo + s.lo);
}

inline DoubleDouble add(DoubleDouble x, DoubleDouble y) {
  const DoubleDouble s = two_sum(x.hi, y.hi);
  const DoubleDouble t = two_sum(x.lo, y.lo);
  const DoubleDouble v = fast_two_sum(s.hi, s.lo + t.hi);
  return fast_two_sum(v.hi, t.lo + v.lo);
}

inline DoubleDouble mul(DoubleDouble x, double y) {
  const DoubleDouble c = two_prod(x.hi, y);
  return fast_two_sum(c.hi, std::fma(x.lo, y, c.lo));
}

inline DoubleDouble mul(DoubleDouble x, DoubleDouble y) {
  const DoubleDouble c = two_prod(x.hi, y.hi);
  const double tl0 = x.lo * y.lo;
  const double tl1 = std::fma(x.hi, y.lo, tl0);
  const double cl2 = std::fma(x.lo, y.hi, tl1);
  return fast_two_sum(c.hi, c.lo + cl2);
}

}  // namespace ropecheck::reference
