// The MPFR reference against the independent cpp_bin_float backend, and the measurement of
// cpp_bin_float's actual accuracy that the agreement tolerance rests on.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <iostream>
#include <random>

#include "ropecheck/props/reference_properties.h"
#include "ropecheck/reference/cross_check.h"
#include "support/expect_counterexample.h"

using namespace ropecheck::props;
using ropecheck::reference::CrossCheckReal;
using ropecheck::testing::expect_counterexample;

RC_GTEST_PROP(cross_check, mpfr_and_cpp_bin_float_agree_to_cross_check_accuracy, (const RopeCase& c)) {
  check_backends_agree(c, cross_check_rope);
}
TEST(cross_check_negative_control, a_double_precision_backend_fails_the_agreement) {
  expect_counterexample("double backend", [](const RopeCase& c) { check_backends_agree(c, double_precision_rope); });
}

// Measures cpp_bin_float's sin/cos error at 50,000 random angles 2^-28 … 2^31 (the
// generated range of m·θ) and prints the worst, in units of 2^-128·(1 + |φ|); kCrossCheckTrigK is its
// ceiling. Deterministic: a fixed-seed sweep over octaves of the angle.
TEST(cross_check, trig_accuracy_is_measured_and_within_its_constant) {
  std::mt19937_64 rng(20261122);
  double worst = 0, worst_angle = 0;
  for (int sample = 0; sample < 50000; ++sample) {
    {
      const int octave = static_cast<int>(rng() % 60) - 28;  // angles 2^-28 … 2^31
      const double angle = std::ldexp(1.0 + std::ldexp(static_cast<double>(rng() >> 11), -53), octave);
      const double units = cross_check_trig_error_units(CrossCheckReal(angle));
      if (units > worst) {
        worst = units;
        worst_angle = angle;
      }
    }
  }
  std::cout << "[measured] cpp_bin_float<128> sin/cos: worst error " << worst
            << " x 2^-128 x (1 + |angle|), at angle " << worst_angle << "\n";
  EXPECT_LE(worst, kCrossCheckTrigK);
  EXPECT_GT(worst, kCrossCheckTrigK / 64) << "the constant is far above what is measured: tighten it";
}

// cpp_bin_float's pow on the frequencies θ_i = base^(−2i/R) of model bases and of 20,000
// random (base, R, i) from the generated distribution; kCrossCheckPowK is the documented
// ceiling (the agreement property measures each θ's own error instead of using it).
TEST(cross_check, pow_accuracy_is_measured_and_within_its_constant) {
  double worst = 0;
  for (double base : {2.0, 3.7, 10000.0, 123456.0, 500000.0, 1e6, 1e7}) {
    for (int rotary : {2, 8, 18, 64, 96, 128, 256, 512}) {
      for (int i = 0; i < rotary / 2; ++i) {
        worst = std::max(worst, cross_check_pow_error_units(base, CrossCheckReal(2 * i) / CrossCheckReal(rotary)));
      }
    }
  }
  std::mt19937_64 rng(20261122);
  for (int sample = 0; sample < 20000; ++sample) {
    const double base = std::exp2(static_cast<double>(1024 + rng() % 22790) / 1024);  // 2 … 1e7, log-uniform
    const auto pairs = static_cast<int>(1 + rng() % 256);
    const auto i = static_cast<int>(rng() % static_cast<std::uint64_t>(pairs));
    worst = std::max(worst, cross_check_pow_error_units(base, CrossCheckReal(2 * i) / CrossCheckReal(2 * pairs)));
  }
  std::cout << "[measured] cpp_bin_float<128> pow: worst relative error " << worst << " x 2^-128 x (1 + |ln theta|)\n";
  EXPECT_LE(worst, kCrossCheckPowK);
  EXPECT_GT(worst, kCrossCheckPowK / 64) << "the constant is far above what is measured: tighten it";
}

TEST(cross_check, conversions_between_backends_are_exact) {
  const CrossCheckReal third = CrossCheckReal(1) / 3;
  EXPECT_EQ(ropecheck::reference::to_cross_check(ropecheck::reference::to_reference(third)), third);
  EXPECT_EQ(ropecheck::reference::to_reference(CrossCheckReal(0x1.23456789abcdfp-1000)), Real(0x1.23456789abcdfp-1000));
}
