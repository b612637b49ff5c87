// The decay curve f(Δ) = Σ_{j=1}^{R/2} |S_j(Δ)| / (R/2) (docs/mathematics.md#the-decay-curve).
//
// What is asserted about its trend, precisely: for each configuration of
// decay_trend_table() (Su's R = 128, base 1e4 among them), the maxima of f over the
// octaves [2^k, 2^(k+1)) — 64 equally spaced samples each — strictly decrease for
// k = 0 … K−1, and at octave K the maximum is no longer below octave K−1's: from there
// the curve is quasi-periodic, not decaying. For Su's configuration K = 8: the
// decay holds over exactly the plotted range [0, 256] and stops at 256.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <complex>

#include "ropecheck/props/reference_properties.h"
#include "ropecheck/props/bug_variants.h"
#include "support/expect_counterexample.h"

using namespace ropecheck::props;
namespace bugs = ropecheck::props::bugs;
using ropecheck::testing::expect_counterexample;

namespace {
const DecayFn kDecay = [](std::size_t r, double base, const Real& distance) {
  return ropecheck::reference::decay_point<Real>(r, base, distance);
};
}  // namespace

RC_GTEST_PROP(rope_decay, curve_at_zero_is_half_of_pairs_plus_one_exactly, (const DecayCase& c)) {
  check_decay_at_zero(c, kDecay);
}
TEST(rope_decay_negative_control, exclusive_partial_sums_miss_the_value_at_zero) {
  expect_counterexample("exclusive sums", [](const DecayCase& c) { check_decay_at_zero(c, bugs::decay_point_exclusive_sums); });
}

RC_GTEST_PROP(rope_decay, curve_never_exceeds_its_value_at_zero, (const DecayCase& c)) {
  check_decay_never_exceeds_zero_distance(c, kDecay);
}
TEST(rope_decay_negative_control, dropping_the_imaginary_unit_exceeds_the_value_at_zero) {
  expect_counterexample("e^{Δθ} for e^{iΔθ}", [](const DecayCase& c) {
    check_decay_never_exceeds_zero_distance(c, bugs::decay_point_real_exponent);
  });
}

RC_GTEST_PROP(rope_decay, octave_maxima_decrease_up_to_the_turning_octave, (const DecayTrendCase& c)) {
  check_decay_trend(c, reference_frequencies);
}
TEST(rope_decay_negative_control, inverted_frequency_exponent_has_no_decay_trend) {
  expect_counterexample("θ_i = base^(+2i/R)", [](const DecayTrendCase& c) {
    check_decay_trend(c, bugs::frequencies_inverted_exponent);
  });
}

// The table's K is a measurement, not a guess: recompute it for every row.
TEST(rope_decay, trend_table_matches_measurement_and_the_curve_turns_there) {
  for (const auto& row : decay_trend_table()) {
    const auto thetas = reference_frequencies(row.rotary_dim, row.base);
    int decreasing = 1;
    Real previous = decay_band_maximum(thetas, 0);
    for (int k = 1; k < 30; ++k) {
      const Real band = decay_band_maximum(thetas, k);
      if (!(band < previous)) break;
      previous = band;
      ++decreasing;
    }
    EXPECT_EQ(decreasing, row.decreasing_octaves) << "R = " << row.rotary_dim << ", base = " << row.base;
  }
}

// Su's curve (R = 128, base 1e4, Δ ∈ [0, 256]) against an independent double-precision
// evaluation: std::complex<double>, straight from Su's Mathematica. Each |S_j| in
// double carries ≤ (j + 2)·2^-53·j of rounding plus the angle's j·|Δθ|·2^-53; summed over
// j ≤ 64 and divided by 64: ≤ kSeedCurveDoubleError below.
TEST(rope_decay, seed_curve_matches_an_independent_double_evaluation) {
  constexpr int kPairs = 64;
  constexpr double kSeedCurveDoubleError = 64.0 * 66 * (1 + 256) * 0x1p-53;
  const auto thetas = reference_frequencies(128, 10000);
  double worst = 0;
  for (int delta = 0; delta <= 256; ++delta) {
    std::complex<double> s = 0;
    double total = 0;
    for (int i = 0; i < kPairs; ++i) {
      s += std::polar(1.0, delta * std::pow(10000.0, -2.0 * i / 128));
      total += std::abs(s);
    }
    const Real f = ropecheck::reference::decay_point<Real>(thetas, Real(delta)).f;
    worst = std::max(worst, std::fabs(static_cast<double>(f) - total / kPairs));
  }
  EXPECT_LE(worst, kSeedCurveDoubleError);
}
