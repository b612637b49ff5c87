// Per-target body of the accurate cos/sin table builder (contract and error budget in
// cos_sin_table.h). Vectorised over the pairs of a row with f64 lanes; only multiplies,
// adds and rounding to integer, so FMA and non-FMA targets meet the same bound.

#if defined(ROPECHECK_KERNELS_COS_SIN_TABLE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ROPECHECK_KERNELS_COS_SIN_TABLE_INL_H_
#undef ROPECHECK_KERNELS_COS_SIN_TABLE_INL_H_
#else
#define ROPECHECK_KERNELS_COS_SIN_TABLE_INL_H_
#endif

#include <cmath>
#include <cstring>

#include "hwy/highway.h"
#include "ropecheck/kernels/kernel_call.h"

HWY_BEFORE_NAMESPACE();
namespace ropecheck::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_HAVE_FLOAT64

using DD = hn::ScalableTag<double>;
using VD = hn::Vec<DD>;

// Taylor coefficients 1/n! (rounded to double). The reduced |r| is at most π/4 + 2^-26
// (k can be off by one only where φ·2/π rounds across a half-integer), and there the
// truncation after r^15 (sine) and r^16 (cosine) is below 0.79^17/17! < 2^-54.
constexpr double kSin3 = -1.0 / 6, kSin5 = 1.0 / 120, kSin7 = -1.0 / 5040,
                 kSin9 = 1.0 / 362880, kSin11 = -1.0 / 39916800, kSin13 = 1.0 / 6227020800.0,
                 kSin15 = -1.0 / 1307674368000.0;
constexpr double kCos4 = 1.0 / 24, kCos6 = -1.0 / 720, kCos8 = 1.0 / 40320,
                 kCos10 = -1.0 / 3628800, kCos12 = 1.0 / 479001600.0,
                 kCos14 = -1.0 / 87178291200.0, kCos16 = 1.0 / 20922789888000.0;

HWY_INLINE VD Horner(VD x, double c0, double c1, double c2, double c3, double c4, double c5,
                     double c6) {
  const DD d;
  VD p = hn::Set(d, c6);
  p = hn::Add(hn::Mul(p, x), hn::Set(d, c5));
  p = hn::Add(hn::Mul(p, x), hn::Set(d, c4));
  p = hn::Add(hn::Mul(p, x), hn::Set(d, c3));
  p = hn::Add(hn::Mul(p, x), hn::Set(d, c2));
  p = hn::Add(hn::Mul(p, x), hn::Set(d, c1));
  return hn::Add(hn::Mul(p, x), hn::Set(d, c0));
}

// cos and sin of m·θ for one vector of pairs, times the row's factor (the attention
// factor, times the position scale where there is one), in double.
HWY_INLINE void CosSinVector(const detail::AccurateTableCall& call, double factor, VD m, VD hi, VD mid, VD lo,
                             VD& cos_out, VD& sin_out) {
  const DD d;
  const VD a = hn::Mul(m, hi);   // exact: 26-bit θ_hi times |m| < 2^26
  const VD b = hn::Mul(m, mid);  // exact: 26-bit θ_mid
  const VD c = hn::Mul(m, lo);   // |c| < 2^-26·|b|: its rounding is far below 2^-53
  const VD k = hn::Round(hn::Mul(hn::Add(a, b), hn::Set(d, 0.63661977236758134308)));
  // k·P1 and k·P2 are exact products of 26-bit numbers. a − k·P1 is exact: both are
  // multiples of min(quantum of θ_hi·m, 2^-25) and their difference is below 1 (for θ so
  // small that the quantum falls under 2^-53 the difference rounds, by ≤ 2^-53).
  VD r = hn::Sub(a, hn::Mul(k, hn::Set(d, call.half_pi_1)));
  r = hn::Sub(r, hn::Mul(k, hn::Set(d, call.half_pi_2)));
  r = hn::Add(r, hn::Add(b, hn::Sub(c, hn::Mul(k, hn::Set(d, call.half_pi_3)))));

  const VD r2 = hn::Mul(r, r);
  const VD sin_r = hn::Add(r, hn::Mul(hn::Mul(r, r2),
                                      Horner(r2, kSin3, kSin5, kSin7, kSin9, kSin11, kSin13, kSin15)));
  const VD cos_r = hn::Add(hn::Sub(hn::Set(d, 1.0), hn::Mul(r2, hn::Set(d, 0.5))),
                           hn::Mul(hn::Mul(r2, r2),
                                   Horner(r2, kCos4, kCos6, kCos8, kCos10, kCos12, kCos14, kCos16)));

  // Quadrant q = k mod 4 (exact in double for |k| < 2^53), also for negative k.
  const VD q = hn::Sub(k, hn::Mul(hn::Set(d, 4.0), hn::Floor(hn::Mul(k, hn::Set(d, 0.25)))));
  const auto q1 = hn::Eq(q, hn::Set(d, 1.0));
  const auto q2 = hn::Eq(q, hn::Set(d, 2.0));
  const auto q3 = hn::Eq(q, hn::Set(d, 3.0));
  const auto odd = hn::Or(q1, q3);
  VD sin_phi = hn::IfThenElse(odd, cos_r, sin_r);
  VD cos_phi = hn::IfThenElse(odd, sin_r, cos_r);
  sin_phi = hn::IfThenElse(hn::Or(q2, q3), hn::Neg(sin_phi), sin_phi);
  cos_phi = hn::IfThenElse(hn::Or(q1, q2), hn::Neg(cos_phi), cos_phi);
  const VD attention = hn::Set(d, factor);
  cos_out = hn::Mul(cos_phi, attention);
  sin_out = hn::Mul(sin_phi, attention);
}

void BuildAccurateRows(const detail::AccurateTableCall& call) {
  const DD d;
  const hn::Rebind<float, DD> df;
  const std::size_t n = hn::Lanes(d);
  constexpr std::size_t kMaxLanes = HWY_MAX_BYTES / sizeof(double);
  for (std::size_t t = 0; t < call.tokens; ++t) {
    const VD m = hn::Set(d, static_cast<double>(call.positions[t]));
    const double factor = call.row_factor ? call.row_factor[t] : call.attention_factor;
    float* cos_row = call.cos + t * call.pairs;
    float* sin_row = call.sin + t * call.pairs;
    std::size_t i = 0;
    for (; i + n <= call.pairs; i += n) {
      VD c, s;
      CosSinVector(call, factor, m, hn::LoadU(d, call.theta_hi + i), hn::LoadU(d, call.theta_mid + i),
                   hn::LoadU(d, call.theta_lo + i), c, s);
      hn::StoreU(hn::DemoteTo(df, c), df, cos_row + i);  // one RNE rounding to f32
      hn::StoreU(hn::DemoteTo(df, s), df, sin_row + i);
    }
    if (i < call.pairs) {
      const std::size_t rest = call.pairs - i;
      double hi[kMaxLanes] = {}, mid[kMaxLanes] = {}, lo[kMaxLanes] = {};
      float c_tail[kMaxLanes], s_tail[kMaxLanes];
      std::memcpy(hi, call.theta_hi + i, rest * sizeof(double));
      std::memcpy(mid, call.theta_mid + i, rest * sizeof(double));
      std::memcpy(lo, call.theta_lo + i, rest * sizeof(double));
      VD c, s;
      CosSinVector(call, factor, m, hn::LoadU(d, hi), hn::LoadU(d, mid), hn::LoadU(d, lo), c, s);
      hn::StoreU(hn::DemoteTo(df, c), df, c_tail);
      hn::StoreU(hn::DemoteTo(df, s), df, s_tail);
      std::memcpy(cos_row + i, c_tail, rest * sizeof(float));
      std::memcpy(sin_row + i, s_tail, rest * sizeof(float));
    }
  }
}

#else  // !HWY_HAVE_FLOAT64

// Targets without f64 lanes (Armv7 NEON) run the same algorithm one pair at a time.
void BuildAccurateRows(const detail::AccurateTableCall& call) {
  for (std::size_t t = 0; t < call.tokens; ++t) {
    const double m = static_cast<double>(call.positions[t]);
    const double factor = call.row_factor ? call.row_factor[t] : call.attention_factor;
    for (std::size_t i = 0; i < call.pairs; ++i) {
      const double a = m * call.theta_hi[i], b = m * call.theta_mid[i], c = m * call.theta_lo[i];
      const double k = std::nearbyint((a + b) * 0.63661977236758134308);
      const double r = ((a - k * call.half_pi_1) - k * call.half_pi_2) + (b + (c - k * call.half_pi_3));
      const double q = k - 4.0 * std::floor(k * 0.25);
      double sin_phi = std::sin(r), cos_phi = std::cos(r);
      if (q == 1.0 || q == 3.0) std::swap(sin_phi, cos_phi);
      if (q >= 2.0) sin_phi = -sin_phi;
      if (q == 1.0 || q == 2.0) cos_phi = -cos_phi;
      call.cos[t * call.pairs + i] = static_cast<float>(cos_phi * factor);
      call.sin[t * call.pairs + i] = static_cast<float>(sin_phi * factor);
    }
  }
}

#endif  // HWY_HAVE_FLOAT64

}  // namespace ropecheck::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
