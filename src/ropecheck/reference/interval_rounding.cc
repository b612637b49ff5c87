#include "ropecheck/reference/interval_rounding.h"

#include <bit>
#include <cmath>

#include "ropecheck/reference/binary_format.h"

namespace ropecheck::reference {
namespace {

// A positive finite double's candidate: n = |x|/2^q in units of the dtype's quantum q at
// |x| (the subnormal spacing below e_min), and count = n rounded to an integer, ties to
// even. n is exact: q is a power of two and n stays a normal double.
struct Candidate {
  int quantum_exponent;
  double n;
  double count;
};

Candidate candidate_of(double magnitude, const BinaryFormat& L) {
  int e = 0;
  (void)std::frexp(magnitude, &e);  // magnitude ∈ [2^(e−1), 2^e)
  const auto q = static_cast<int>(std::max(static_cast<long>(e), L.min_quantum + L.precision) - L.precision);
  const double n = std::ldexp(magnitude, -q);
  return {q, n, std::nearbyint(n)};  // the default rounding mode: to nearest, ties to even
}

std::uint64_t encode(const Candidate& c, const BinaryFormat& L, std::uint64_t sign) {
  // As round_to_bits: ((q − q_min) << (p − 1)) + count, a count of 2^p carrying into the
  // exponent field and the largest finite value rounding up landing on the Inf pattern.
  const auto binade = static_cast<std::uint64_t>(c.quantum_exponent - L.min_quantum);
  const std::uint64_t magnitude = (binade << L.fraction_bits) + static_cast<std::uint64_t>(c.count);
  return sign | (magnitude < L.inf_magnitude ? magnitude : L.inf_magnitude);
}

}  // namespace

double double_from_bits(std::uint64_t bits) { return std::bit_cast<double>(bits); }

std::uint64_t round_double_to_bits(double x, Dtype dtype) {
  if (dtype == Dtype::f64) return std::bit_cast<std::uint64_t>(x);
  const BinaryFormat L = binary_format_of(dtype);
  const std::uint64_t sign = std::signbit(x) ? L.sign_bit : 0;
  if (std::isnan(x)) return sign | L.inf_magnitude | L.quiet_bit;
  const double magnitude = std::fabs(x);
  if (std::isinf(x)) return sign | L.inf_magnitude;
  if (magnitude == 0) return sign;
  int e = 0;
  (void)std::frexp(magnitude, &e);
  if (e > L.max_exponent + 1) return sign | L.inf_magnitude;  // ≥ 2^(e_max+1): overflows
  // n = x/2^q is exact, and its rounding is the only rounding: one step, ties to even.
  return encode(candidate_of(magnitude, L), L, sign);
}

// Why the test is sound. Let x = hi + lo be exact, |hi| ≥ 2^-960, and work with |hi| (the
// signs of hi and lo flipped together). With q the quantum at |hi| and n = |hi|/2^q, the
// candidate count = round(n) is decided for every real in [x − E, x + E] iff that interval
// lies strictly between the two rounding boundaries around count·2^q:
//   up:   (count + g_up)·2^q,   g_up = 1/2, or 1 when count = 2^p (the next binade's half quantum);
//   down: (count − g_down)·2^q, g_down = 1/2, or 1/4 at a binade's bottom count = 2^(p−1)
//         above the smallest normal binade (the binade below has half the quantum).
// With δ = n − count (exact: |δ| ≤ 1/2, and δ is a multiple of ulp(n)), the distances from
// |hi| to the boundaries are D_up = (g_up − δ)·2^q and D_down = (g_down + δ)·2^q, both
// exact (g − δ needs no more bits than δ, and scaling by 2^q is exact: results ≥ 2^-1013).
// (When hi is itself a boundary, δ = ±1/2 and the candidate is the neighbour on lo's side,
// so that one of D_up, D_down is 0 and the other side's test decides.)
// The condition is lo + E < D_up and lo − E > −D_down. Rounding is monotone and D_up,
// −D_down are doubles, so fl(lo + E) < D_up implies lo + E < D_up exactly (and likewise
// below): the computed test can refuse a decidable case, never accept an undecided one.
std::optional<std::uint64_t> round_interval_to_bits(DoubleDouble v, double error_bound, Dtype dtype) {
  const BinaryFormat L = binary_format_of(dtype);
  if (!std::isfinite(v.hi) || !std::isfinite(v.lo) || !(error_bound >= 0) || !std::isfinite(error_bound)) {
    return std::nullopt;
  }
  std::uint64_t sign = 0;
  double hi = v.hi;
  double lo = v.lo;
  if (hi < 0) {
    sign = L.sign_bit;
    hi = -hi;
    lo = -lo;
  }
  if (!(hi >= 0x1p-960)) return std::nullopt;
  int e = 0;
  (void)std::frexp(hi, &e);
  if (e > L.max_exponent + 1) return std::nullopt;
  Candidate c = candidate_of(hi, L);
  // hi exactly on a boundary (δ = ±1/2): lo says which side x is on, so the candidate is
  // that side's neighbour, not nearbyint's tie-break; with lo = 0 the test below refuses.
  if (std::fabs(c.n - c.count) == 0.5 && lo != 0) c.count = lo > 0 ? c.n + 0.5 : c.n - 0.5;
  if (c.count == 0) return std::nullopt;  // rounds towards zero: its sign is MPFR's to decide
  const double binade_top = std::ldexp(1.0, L.precision);
  const double binade_bottom = std::ldexp(1.0, L.precision - 1);
  const bool above_bottom_binade = c.quantum_exponent > L.min_quantum;
  if (c.count == binade_top && c.quantum_exponent + L.precision - 1 >= L.max_exponent) {
    return std::nullopt;  // would round to Inf
  }
  const double g_up = c.count == binade_top ? 1.0 : 0.5;
  const double g_down = c.count == binade_bottom && above_bottom_binade ? 0.25 : 0.5;
  const double delta = c.n - c.count;
  const double d_up = std::ldexp(g_up - delta, c.quantum_exponent);
  const double d_down = std::ldexp(g_down + delta, c.quantum_exponent);
  if (!(lo + error_bound < d_up) || !(lo - error_bound > -d_down)) return std::nullopt;
  return encode(c, L, sign);
}

DecidedBits round_decided_f64_to_bits(const DecidedF64& d, Dtype dtype) {
  const DecidedBits fast = round_f64_decided_to_bits(d, format_of(dtype));
  if (fast.ok || !d.ok) return fast;
  // Outside the normal range, or a midpoint: the general test, on d.value nudged to the
  // side the interval lies on (any nudge smaller than a double ulp keeps every boundary
  // on the same side, as d.value has no neighbour closer than an ulp).
  const double nudge = d.side == 0 ? 0.0 : std::copysign(0x1p-200, static_cast<double>(d.side)) * std::fabs(d.value);
  const std::optional<std::uint64_t> bits = round_interval_to_bits({d.value, nudge}, 0.0, dtype);
  return {bits.has_value(), bits.value_or(0)};
}

}  // namespace ropecheck::reference
