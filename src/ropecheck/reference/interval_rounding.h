// Ziv's rounding test: the correct rounding of a value known only to lie within a proven
// distance of an approximation, or "cannot decide".
//
// Contract:
//  - round_interval_to_bits(v, E, dtype): when every real in [v − E, v + E] (v = hi + lo
//    exactly, E ≥ 0 an upper bound of the approximation's error) rounds to the same value
//    of `dtype` under roundTiesToEven, that value's bit pattern (as round_to_bits gives
//    it); otherwise std::nullopt. It also answers nullopt, so that the caller falls back
//    to MPFR, where the sign of a zero or an overflow would have to be decided (the
//    interval reaches the rounding to zero or to Inf) and where |hi| < 2^-960 (the gaps
//    below would be subnormal doubles). Never a guess: each comparison is against a
//    double computed exactly (the proof is in interval_rounding.cc).
//  - round_double_to_bits(x, dtype): the correctly rounded (ties to even) bit pattern of
//    a double in one step, for every double: ±0, subnormals, ±Inf, NaN (the dtype's quiet
//    NaN with x's sign), overflow to ±Inf, exactly as round_to_bits on the same value.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>

#include "ropecheck/dtype.h"
#include "ropecheck/reference/double_double.h"

namespace ropecheck::reference {

std::optional<std::uint64_t> round_interval_to_bits(DoubleDouble v, double error_bound, Dtype dtype);
std::uint64_t round_double_to_bits(double x, Dtype dtype);

// The fast path's two steps, inline and branch-free (certified_rope.cc runs them on many
// lanes side by side):
//  - round_interval_to_f64(v, E): as round_interval_to_bits(v, E, f64) (`ok` for a
//    decision), with the side of hi the interval lies on; not ok also for |hi| ≥ 2^1022.
//  - round_f64_decided_to_bits(d, dtype): RN_dtype(x) for every x in the interval d was
//    decided for, from d.value = RN_f64(x) alone. Why that suffices: the rounding
//    boundaries of f32, bf16 and f16 (midpoints, the overflow threshold) are doubles; no
//    double lies strictly between x and RN_f64(x), so unless d.value is itself a boundary
//    both lie on the same side of every boundary. When it is one (a midpoint), the side
//    of the interval decides, or not ok. Not ok also outside the dtype's normal range
//    (subnormal results and overflow; round_decided_f64_to_bits handles those).
struct DecidedF64 {
  bool ok;
  double value;
  int side;  // +1: the whole interval lies above value, −1: below, 0: it contains value
};

inline DecidedF64 round_interval_to_f64(DoubleDouble v, double error_bound) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(v.hi);
  const std::uint64_t field = (bits >> 52) & 0x7ff;
  // |hi| in [2^-960, 2^1022): half an ulp and a quarter are normal doubles, no overflow.
  const bool in_range = field >= 63 && field < 0x7fe;
  const double half_ulp = std::bit_cast<double>((in_range ? field - 53 : 1023) << 52);  // 2^(e−53)
  const bool power_of_two = (bits & 0xfffffffffffffu) == 0;
  const double toward_zero = power_of_two ? half_ulp * 0.5 : half_ulp;  // the binade below is finer
  // In |hi|'s frame (lo flipped with hi's sign); monotone rounding makes the computed
  // comparisons against the exact doubles half_ulp and toward_zero safe (interval_rounding.cc).
  const double lo = v.hi < 0 ? -v.lo : v.lo;
  const bool ok = in_range && lo + error_bound < half_ulp && lo - error_bound > -toward_zero;
  const int side = v.lo - error_bound > 0 ? 1 : (v.lo + error_bound < 0 ? -1 : 0);
  return {ok, v.hi, side};
}

struct DecidedBits {
  bool ok;
  std::uint64_t bits;
};

inline DecidedBits round_f64_decided_to_bits(const DecidedF64& d, const DtypeFormat& f) {
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(d.value);
  if (f.precision == 53) return {d.ok, bits};
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const bool normal = exponent >= f.min_exponent && exponent <= f.max_exponent;
  // The dtype's normal range: round the 53-bit significand to p bits by integers.
  const int dropped = 53 - f.precision;
  const std::uint64_t significand = (bits & 0xfffffffffffffu) | (std::uint64_t{1} << 52);
  const std::uint64_t rest = significand & ((std::uint64_t{1} << dropped) - 1);
  const std::uint64_t half = std::uint64_t{1} << (dropped - 1);
  const bool negative = (bits >> 63) != 0;
  const bool midpoint = rest == half;  // decided by the interval's side, in |value|'s frame
  const bool up = midpoint ? (d.side != 0 && (d.side > 0) != negative) : rest > half;
  const std::uint64_t kept = (significand >> dropped) + (up ? 1 : 0);  // ≤ 2^p: a carry is exact
  const int fraction_bits = f.precision - 1;
  // kept = 2^p carries into the exponent field by itself: (e + bias) << (p−1) + kept − 2^(p−1).
  const auto biased = static_cast<std::uint64_t>(exponent + f.max_exponent);
  const std::uint64_t magnitude = (biased << fraction_bits) + kept - (std::uint64_t{1} << fraction_bits);
  const std::uint64_t inf_magnitude = ((std::uint64_t{1} << (f.storage_bits - 1 - fraction_bits)) - 1)
                                      << fraction_bits;
  const bool ok = d.ok && normal && (!midpoint || d.side != 0) && magnitude < inf_magnitude;
  return {ok, (negative ? std::uint64_t{1} << (f.storage_bits - 1) : 0) | magnitude};
}

// The same for every decided value, the dtype's subnormals and overflow included (not ok
// only where d.value is a boundary the interval contains, or the result rounds to Inf or
// towards zero, whose sign MPFR decides).
DecidedBits round_decided_f64_to_bits(const DecidedF64& d, Dtype dtype);

// The double whose bit pattern is `bits` (Dtype::f64 patterns).
double double_from_bits(std::uint64_t bits);

}  // namespace ropecheck::reference
