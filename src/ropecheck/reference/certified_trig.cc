#include "ropecheck/reference/certified_trig.h"

#include <mpfr.h>

#include <cassert>
#include <cmath>
#include <optional>

#include "ropecheck/reference/certified_lanes.h"

namespace ropecheck::reference {
DoubleDouble to_double_double(const Real& x) {
  const double hi = mpfr_get_d(x.backend().data(), MPFR_RNDN);
  const Real rest = x - hi;  // exact at 257 bits
  return {hi, mpfr_get_d(rest.backend().data(), MPFR_RNDN)};
}

namespace {

TrigConstants make_trig_constants() {
  TrigConstants k{};
  const Real pi = boost::multiprecision::acos(Real(-1));
  k.half_pi = to_double_double(pi / 2);
  for (int j = 0; j < kTrigTableEntries; ++j) {
    const Real x = Real(j) / kTrigTableSteps;
    const DoubleDouble s = to_double_double(sin(x)), c = to_double_double(cos(x));
    const auto row = static_cast<std::size_t>(j);
    k.sin_j_hi[row] = s.hi;
    k.sin_j_lo[row] = s.lo;
    k.cos_j_hi[row] = c.hi;
    k.cos_j_lo[row] = c.lo;
  }
  auto inverse_factorial = [](int n) {
    Real f = 1;
    for (int i = 2; i <= n; ++i) f *= i;
    return Real(1) / f;
  };
  k.sin3 = to_double_double(-inverse_factorial(3));
  k.sin5 = to_double_double(inverse_factorial(5));
  k.sin7 = -to_double_double(inverse_factorial(7)).hi;
  k.sin9 = to_double_double(inverse_factorial(9)).hi;
  k.sin11 = -to_double_double(inverse_factorial(11)).hi;
  k.cos4 = to_double_double(inverse_factorial(4));
  k.cos6 = -to_double_double(inverse_factorial(6)).hi;
  k.cos8 = to_double_double(inverse_factorial(8)).hi;
  k.cos10 = -to_double_double(inverse_factorial(10)).hi;
  return k;
}

const TrigConstants& constants() {
  static const TrigConstants c = make_trig_constants();  // thread-safe initialisation
  return c;
}

// The negative controls' wrong variants (TrigFault) are wrong data, not other code.
TrigConstants with_fault(TrigConstants k, TrigFault fault) {
  if (fault == TrigFault::short_polynomials) k.sin11 = k.cos10 = 0;
  if (fault == TrigFault::double_table) {
    for (int j = 0; j < kTrigTableEntries; ++j) {
      k.sin_j_lo[static_cast<std::size_t>(j)] = k.cos_j_lo[static_cast<std::size_t>(j)] = 0;
    }
  }
  return k;
}

}  // namespace

void CosSinLanes::resize(std::size_t n) {
  for (std::vector<double>* v : {&cos_hi, &cos_lo, &sin_hi, &sin_lo, &abs_error, &positions}) v->resize(n);
  exact.resize(n);
}

CertifiedCosSin CosSinLanes::lane(std::size_t i) const {
  return {{cos_hi[i], cos_lo[i]}, {sin_hi[i], sin_lo[i]}, abs_error[i], exact[i] != 0};
}

CertifiedFrequencies::CertifiedFrequencies(std::span<const Real> thetas) {
  (void)constants();
  const std::size_t n = thetas.size();
  usable_.assign(n, 0);
  zero_.assign(n, 0);
  for (std::vector<double>* v : {&t0_, &t1_, &t2_, &t3_, &tail_}) v->assign(n, 0.0);
  mpfr_t t, pi, rest;
  mpfr_inits2(320, t, pi, rest, static_cast<mpfr_ptr>(nullptr));
  mpfr_const_pi(pi, MPFR_RNDN);
  for (std::size_t i = 0; i < n; ++i) {
    const Real& theta = thetas[i];
    if (!(theta >= 0 && theta <= 1)) continue;  // NaN, negative or > 1: MPFR only (all t stay 0)
    usable_[i] = 1;
    if (theta == 0) {
      zero_[i] = 1;
      continue;
    }
    // t = θ̂·2/π at 320 bits (two roundings: relative error ≤ 2^-318), then t0..t3, each the
    // rounding of the rest; the rest after t3 is measured, not assumed.
    mpfr_mul_2ui(t, theta.backend().data(), 1, MPFR_RNDN);
    mpfr_div(t, t, pi, MPFR_RNDN);
    mpfr_set(rest, t, MPFR_RNDN);
    for (std::vector<double>* part : {&t0_, &t1_, &t2_, &t3_}) {
      (*part)[i] = mpfr_get_d(rest, MPFR_RNDN);
      mpfr_sub_d(rest, rest, (*part)[i], MPFR_RNDN);  // exact: the part is rest's leading bits
    }
    // |t̂ − θ̂·2/π| ≤ 2^-318·t̂ ≤ 2^-318; the tail rounds the sum of both upwards.
    mpfr_abs(rest, rest, MPFR_RNDN);
    tail_[i] = mpfr_get_d(rest, MPFR_RNDU) + 0x1p-318;
  }
  mpfr_clears(t, pi, rest, static_cast<mpfr_ptr>(nullptr));
}

// The reduction's error budget (quadrant units), with |m| < 2^31 and t0 < 2/π:
//   |p0| < 2^30.35 so |e0| ≤ 2^-23 (e_k: two_prod's low parts); |t1| ≤ ulp(t0)/2 ≤ 2^-54,
//   |p1| ≤ 2^-23, |e1| ≤ 2^-76; |p2| ≤ 2^-76, |e2| ≤ 2^-129; |p3| ≤ 2^-129 with rounding
//   ≤ 2^-182. small = ((e2 + p3) + p2) + e1 has partial sums ≤ 2^-75: three roundings
//   ≤ 2^-126.7 in all. two_sum(p1, small) is exact; adding e0 (DWPlusFP, result ≤ 2^-21.4)
//   errs by ≤ 2u²·2^-21.4 = 2^-126.4; adding d0 errs by ≤ 2u² of |T| (relative, counted
//   in kTrigRelativeError with the product by π/2). Total absolute ≤ 2^-125.5 ≤
//   kReductionAbsError (Gappa, proofs/certified_reduction.g, finds 2^-126.5).
// Every lane runs the same operations (certified_lanes-inl.h), selects in place of
// branches; lanes that covers() rejects compute at m = 0 and are then overwritten.
void CertifiedFrequencies::cos_sin(std::span<const std::int64_t> positions, CosSinLanes& out, TrigFault fault) const {
  const std::size_t n = positions.size();
  assert(n <= size());
  out.resize(n);
  std::vector<double>& md = out.positions;
  for (std::size_t i = 0; i < n; ++i) {
    const bool covered = covers(i, positions[i]);
    md[i] = covered ? static_cast<double>(positions[i]) : 0.0;  // exact: |m| < 2^31
    out.exact[i] = covered && (positions[i] == 0 || zero_[i] != 0) ? 1 : 0;
  }
  const bool short_reduction = fault == TrigFault::short_reduction;
  const std::vector<double> zeros(short_reduction ? n : 0, 0.0);
  std::optional<TrigConstants> faulty;
  if (fault != TrigFault::none) faulty = with_fault(constants(), fault);
  TrigLanesCall call;
  call.n = n;
  call.constants = faulty ? &*faulty : &constants();
  call.positions = md.data();
  call.t0 = t0_.data();
  call.t1 = t1_.data();
  call.t2 = short_reduction ? zeros.data() : t2_.data();
  call.t3 = short_reduction ? zeros.data() : t3_.data();
  call.cos_hi = out.cos_hi.data();
  call.cos_lo = out.cos_lo.data();
  call.sin_hi = out.sin_hi.data();
  call.sin_lo = out.sin_lo.data();
  cos_sin_lanes(call);
  for (std::size_t i = 0; i < n; ++i) {
    const bool exact = out.exact[i] != 0;
    // Radians: ×π/2 < 1.5708; the final factor covers this line's own roundings.
    out.abs_error[i] = exact ? 0.0 : ((std::fabs(md[i]) * tail_[i] + kReductionAbsError) * 1.5708 + kMpfrAngleAbsError) *
                                         (1 + 0x1p-40);
    if (!exact) continue;
    // m·θ̂ = ±0 exactly: MPFR's (m)·0 is −0 for m < 0, and sin(±0) = ±0.
    out.cos_hi[i] = 1.0;
    out.cos_lo[i] = 0.0;
    out.sin_hi[i] = zero_[i] != 0 && positions[i] < 0 ? -0.0 : 0.0;
    out.sin_lo[i] = 0.0;
  }
}

CertifiedCosSin CertifiedFrequencies::cos_sin(std::size_t i, std::int64_t m, TrigFault fault) const {
  assert(covers(i, m));
  // Lane i of a call whose other lanes sit at m = 0: the same code path as every caller's.
  std::vector<std::int64_t> positions(i + 1, 0);
  positions[i] = m;
  CosSinLanes lanes;
  cos_sin(positions, lanes, fault);
  return lanes.lane(i);
}

}  // namespace ropecheck::reference
