#include "ropecheck/reference/rounding.h"

#include <mpfr.h>

#include <algorithm>
#include <cassert>

#include "ropecheck/reference/binary_format.h"

namespace ropecheck::reference {
namespace {

// The integer N of a magnitude N·2^q with N < 2^53, exactly: mpfr_get_d is exact on such
// integers, and unlike mpfr_get_ui it does not assume an LP64 `unsigned long`.
std::uint64_t small_integer(mpfr_srcptr n) {
  assert(mpfr_integer_p(n) && mpfr_sgn(n) >= 0 && (mpfr_zero_p(n) || mpfr_get_exp(n) <= 54));
  return static_cast<std::uint64_t>(mpfr_get_d(n, MPFR_RNDN));
}

}  // namespace

std::uint64_t round_to_bits(const Real& x, Dtype dtype) {
  const BinaryFormat L = binary_format_of(dtype);
  mpfr_srcptr src = x.backend().data();
  const std::uint64_t sign = mpfr_signbit(src) ? L.sign_bit : 0;
  if (mpfr_nan_p(src)) return sign | L.inf_magnitude | L.quiet_bit;
  if (mpfr_inf_p(src)) return sign | L.inf_magnitude;
  if (mpfr_zero_p(src)) return sign;

  // |x| ∈ [2^(e−1), 2^e). From 2^(e_max+1) up, x overflows whatever the rounding; below,
  // the rounded magnitude is at most 2^(e_max+1), whose encoding is exactly the Inf pattern.
  const mpfr_exp_t e = mpfr_get_exp(src);
  if (e > L.max_exponent + 1) return sign | L.inf_magnitude;

  // The quantum (ulp) of the destination at |x|: 2^(e−p) in the normal range, the fixed
  // subnormal spacing below it. Scaling by a power of two is exact (same precision, and
  // the result exponent stays within MPFR's default range because q tracks e), so the
  // only rounding is mpfr_rint's, which with MPFR_RNDN breaks ties to even — one step.
  const long q = std::max(static_cast<long>(e), L.min_quantum + L.precision) - L.precision;
  Real scaled;
  mpfr_ptr n = scaled.backend().data();
  mpfr_mul_2si(n, src, -q, MPFR_RNDN);
  mpfr_rint(n, n, MPFR_RNDN);
  mpfr_abs(n, n, MPFR_RNDN);
  const std::uint64_t count = small_integer(n);  // |x| rounded = count·2^q, count ≤ 2^p

  // One encoding for subnormals and normals: the magnitude bits of count·2^q are
  // ((q − q_min) << (p−1)) + count. A count of 2^p (rounding up across a binade) carries
  // into the exponent field; a subnormal that rounds up to 2^(p−1) becomes the smallest
  // normal; the largest finite value rounding up (at or above (2 − 2^−p)·2^e_max) lands
  // exactly on the Inf pattern.
  const auto binade = static_cast<std::uint64_t>(q - L.min_quantum);
  const std::uint64_t magnitude = (binade << L.fraction_bits) + count;
  assert(magnitude <= L.inf_magnitude);
  return sign | magnitude;
}

Real decode_exact(std::uint64_t bits, Dtype dtype) {
  const BinaryFormat L = binary_format_of(dtype);
  assert((bits & ~(L.sign_bit | L.magnitude_mask)) == 0);
  const std::uint64_t magnitude = bits & L.magnitude_mask;
  Real result;
  mpfr_ptr r = result.backend().data();
  if (magnitude > L.inf_magnitude) {
    mpfr_set_nan(r);
  } else if (magnitude == L.inf_magnitude) {
    mpfr_set_inf(r, 1);
  } else {
    const std::uint64_t fraction_mask = (std::uint64_t{1} << L.fraction_bits) - 1;
    const std::uint64_t field = magnitude >> L.fraction_bits;
    const std::uint64_t count =
        (magnitude & fraction_mask) | (field != 0 ? std::uint64_t{1} << L.fraction_bits : 0);
    const long q = L.min_quantum + static_cast<long>(std::max<std::uint64_t>(field, 1) - 1);
    mpfr_set_d(r, static_cast<double>(count), MPFR_RNDN);  // exact: count < 2^53
    mpfr_mul_2si(r, r, q, MPFR_RNDN);                       // exact: a power of two
  }
  mpfr_setsign(r, r, (bits & L.sign_bit) != 0, MPFR_RNDN);
  return result;
}

}  // namespace ropecheck::reference
