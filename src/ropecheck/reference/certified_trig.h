// cos(m·θ) and sin(m·θ) in double-double with a proven error bound: the trigonometric
// half of the certified fast reference (certified_rope.h).
//
// Contract. For an integer position m with |m| < kCertifiedPositionLimit (2^31) and a
// frequency 0 < θ ≤ 1 given at reference precision (θ̂, the MPFR path's 257-bit value):
//   |c − cos(m·θ̂)| ≤ kTrigRelativeError·|cos(m·θ̂)| + abs_error, and the same for sin,
// where abs_error (per call) bounds every error that is not relative to the result: the
// truncation of θ̂·2/π to four doubles (τ·|m|, τ computed per θ by MPFR), the rounding of
// the reduction's smallest terms (kReductionAbsError), and the MPFR path's own rounding
// of its angle, 2^-257·|m·θ̂| ≤ kMpfrAngleAbsError. m = 0 or θ = 0 give cos = 1 and
// sin = ±0 exactly (−0 for m < 0 and θ = 0, as MPFR's m·θ is then −0), with abs_error 0.
//
// How (the steps proofs/certified_trig_template.g models):
//  1. Reduction. t = θ̂·2/π at 320 bits, split into t0 + t1 + t2 + t3 (each the rounding of
//     what is left). m·t0, m·t1, m·t2 are formed exactly with two_prod; k = round(m·t0)
//     drops the integer part exactly; the fraction T = m·t − k ∈ [−1/2 − 2^-21, 1/2 + 2^-21]
//     is summed smallest terms first, in double-double. r = T·π/2 (π/2 as a double-double)
//     and the quadrant k mod 4 give m·θ̂ = r + k·π/2 − (errors above).
//  2. |r| = j/64 + z with j = round(64·|r|) ≤ 50 and |z| ≤ 2^-7, z exact (Sterbenz).
//  3. sin z and cos z: Taylor polynomials to z^11 and z^10 (remainders < 2^-116 and
//     2^-112 relative); the terms from z^7 and z^6 on (below 2^-51 relative) in double
//     Horner, the others in double-double.
//  4. sin |r| = S_j·cos z + C_j·sin z and cos |r| = C_j·cos z − S_j·sin z, S_j and C_j
//     sin(j/64) and cos(j/64) rounded to double-double (relative error ≤ u²).
//  5. The quadrant and the sign of r select and sign them.
// kTrigRelativeError is the Gappa-proved evaluation bound of every row j (≤ 118·2^-106) plus
// the reduced argument's relative error, composed in proofs/README.md; CTest runs the proofs.
#pragma once

#include <cstddef>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ropecheck/reference/certified_lanes.h"  // kBoundRoundingMargin
#include "ropecheck/reference/double_double.h"
#include "ropecheck/reference/interval_rounding.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::reference {

inline constexpr std::int64_t kCertifiedPositionLimit = std::int64_t{1} << 31;
inline constexpr double kTrigRelativeError = 0x1p-99;
// The reduction's summed rounding errors in quadrant units: ≤ 2^-126.5 (proofs/certified_reduction.g).
inline constexpr double kReductionAbsError = 0x1p-125;
inline constexpr double kMpfrAngleAbsError = 0x1p-225;  // 2^-257 · 2^31 · max θ (1), rounded up

// Deliberately wrong variants, for the negative controls of the bound's property test
// (properties/certified_reference_test.cc) only.
enum class TrigFault {
  none,
  short_polynomials,  // sin z to z^9 and cos z to z^8: ≈ 2^-92 relative at |z| = 2^-7
  double_table,       // sin(j/64), cos(j/64) in double, not double-double
  short_reduction,    // θ·2/π as two doubles, the rest neither used nor counted
};

struct CertifiedCosSin {
  DoubleDouble cos;
  DoubleDouble sin;
  double abs_error = 0;  // see the contract; 0 when exact
  bool exact = false;    // m·θ̂ = ±0: cos and sin are exactly (1, ±0)
};

// x rounded to double-double: hi = RN(x), lo = RN(x − hi) (relative error ≤ u²).
DoubleDouble to_double_double(const Real& x);

// cos and sin of a CertifiedCosSin correctly rounded to double, when its bound decides
// both (the exact case always); nullopt otherwise.
struct DecidedCosSin {
  double cos;
  double sin;
};
inline std::optional<DecidedCosSin> decide_cos_sin(const CertifiedCosSin& cs) {
  if (cs.exact) return DecidedCosSin{cs.cos.hi, cs.sin.hi};
  const DecidedF64 c =
      round_interval_to_f64(cs.cos, (kTrigRelativeError * std::fabs(cs.cos.hi) + cs.abs_error) * kBoundRoundingMargin);
  const DecidedF64 s =
      round_interval_to_f64(cs.sin, (kTrigRelativeError * std::fabs(cs.sin.hi) + cs.abs_error) * kBoundRoundingMargin);
  if (!c.ok || !s.ok) return std::nullopt;
  return DecidedCosSin{c.value, s.value};
}

// The results for many pairs at once, one lane each (structure of arrays, so that the
// lanes compute side by side: the double-double steps are a long chain of dependent
// operations, and independent lanes are what fills the machine).
struct CosSinLanes {
  std::vector<double> cos_hi, cos_lo, sin_hi, sin_lo, abs_error;
  std::vector<unsigned char> exact;
  std::vector<double> positions;  // scratch: the lanes' positions as doubles
  void resize(std::size_t n);
  CertifiedCosSin lane(std::size_t i) const;
};

// Every pair's frequency of a spec, prepared once.
class CertifiedFrequencies {
 public:
  explicit CertifiedFrequencies(std::span<const Real> thetas);

  std::size_t size() const { return usable_.size(); }
  // Whether cos_sin covers pair i at m: θ̂_i ∈ [0, 1] and |m| < kCertifiedPositionLimit.
  bool covers(std::size_t i, std::int64_t m) const {
    return usable_[i] != 0 && m > -kCertifiedPositionLimit && m < kCertifiedPositionLimit;
  }
  // Lane i: pair i at positions[i]. Lanes that covers() rejects are computed at m = 0 and
  // hold no meaning; the caller replaces them.
  void cos_sin(std::span<const std::int64_t> positions, CosSinLanes& out, TrigFault fault = TrigFault::none) const;
  CertifiedCosSin cos_sin(std::size_t i, std::int64_t m, TrigFault fault = TrigFault::none) const;

 private:
  std::vector<unsigned char> usable_, zero_;
  std::vector<double> t0_, t1_, t2_, t3_, tail_;  // θ̂·2/π ≈ t0 + t1 + t2 + t3, |rest| ≤ tail
};

}  // namespace ropecheck::reference
