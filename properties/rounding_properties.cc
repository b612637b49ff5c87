// Properties of correct rounding to f64, f32, bf16 and f16 (reference/rounding.h).
//
// What pins a conversion down as "correctly rounded, ties to even, in one step" is what it
// does at and around each representable value v and its neighbour v⁺ away from zero:
// v itself is kept, the exact midpoint goes to whichever of v, v⁺ has an even
// significand, and a hair (2^−40 ulp) on either side of the midpoint decides it.
// `rounds_correctly_around` states that once, parameterised by the rounding function, and
// it runs
//  - exhaustively over every finite bf16 and f16 pattern (both signs),
//  - on random bit patterns for f32 and f64 (mixed with subnormals, binade edges, max
//    finite, ±0: RapidCheck's arbitrary<float> never yields those: docs/testing.md#generated-inputs),
//  - against three wrong variants that must be caught (negative controls): rounding
//    through f32 (double rounding), truncating to bf16 (Highway 1.0.3's DemoteTo), and
//    ties away from zero.
// The reference is cross-checked with the CPU where the CPU converts in one step: double
// to float, and (when the compiler has _Float16) double to f16 via libgcc's soft-fp.
// No tolerances anywhere: rounding is exact, so bit patterns are compared exactly.
#include "ropecheck/reference/rounding.h"

#include <gtest/gtest.h>
#include <mpfr.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "ropecheck/dtype.h"
#include "ropecheck/errors.h"
#include "support/expect_counterexample.h"

namespace ropecheck::reference {
namespace {

constexpr std::array<Dtype, 4> kAllDtypes{Dtype::f64, Dtype::f32, Dtype::bf16, Dtype::f16};

// The bit layout of a dtype, derived here from format_of independently of rounding.cc.
struct Encoding {
  Dtype dtype;
  int fraction_bits;
  std::uint64_t sign_bit;
  std::uint64_t magnitude_mask;
  std::uint64_t inf_magnitude;  // exponent field all ones, fraction 0

  explicit Encoding(Dtype d) : dtype(d) {
    const DtypeFormat f = format_of(d);
    fraction_bits = f.precision - 1;
    sign_bit = std::uint64_t{1} << (f.storage_bits - 1);
    magnitude_mask = sign_bit - 1;
    const std::uint64_t exponent_field_max =
        (std::uint64_t{1} << (f.storage_bits - 1 - fraction_bits)) - 1;
    inf_magnitude = exponent_field_max << fraction_bits;
  }
  bool is_finite(std::uint64_t bits) const { return (bits & magnitude_mask) < inf_magnitude; }
  bool is_nan(std::uint64_t bits) const { return (bits & magnitude_mask) > inf_magnitude; }
  std::uint64_t quiet_nan(std::uint64_t sign) const {
    return sign | inf_magnitude | (std::uint64_t{1} << (fraction_bits - 1));
  }
  std::string show(std::uint64_t bits) const {
    return fmt::format("{:#0{}x}", bits, format_of(dtype).storage_bits / 4 + 2);
  }
};

Real times_power_of_two(Real x, long n) {
  mpfr_mul_2si(x.backend().data(), x.backend().data(), n, MPFR_RNDN);  // exact
  return x;
}

Real negative(Real x) {
  mpfr_neg(x.backend().data(), x.backend().data(), MPFR_RNDN);  // −0 for +0
  return x;
}

bool sign_of(const Real& x) { return mpfr_signbit(x.backend().data()) != 0; }

// Exact hexadecimal form, e.g. 0x1.0100000004p+0: decimal would hide the bits that matter.
std::string hex(const Real& x) {
  std::array<char, 160> buffer{};
  mpfr_snprintf(buffer.data(), buffer.size(), "%Ra", x.backend().data());
  return buffer.data();
}

// The neighbour of decode(pattern) one ulp away from zero. For the largest finite value it
// is 2^(e_max+1), the value the format would have next if its exponent range went on.
Real away_neighbour(std::uint64_t pattern, Dtype dtype) {
  const Encoding enc(dtype);
  if (((pattern + 1) & enc.magnitude_mask) == enc.inf_magnitude) {
    const Real beyond = times_power_of_two(Real(1), format_of(dtype).max_exponent + 1);
    return (pattern & enc.sign_bit) != 0 ? negative(beyond) : beyond;
  }
  return decode_exact(pattern + 1, dtype);
}

using RoundingFn = std::uint64_t (*)(const Real&, Dtype);

// The property. Precondition: `pattern` is finite. Returns "" when every fact holds, else
// a description of the first that fails. Incrementing a finite pattern's magnitude gives
// v⁺ (across binades and from subnormal to normal, and from max finite to Inf).
std::string rounds_correctly_around(Dtype dtype, std::uint64_t pattern, RoundingFn round) {
  const Encoding enc(dtype);
  const Real v = decode_exact(pattern, dtype);
  const Real v_up = away_neighbour(pattern, dtype);
  const Real midpoint = (v + v_up) / 2;                         // exact: p + 1 bits
  const Real nudge = times_power_of_two(v_up - v, -40);         // exact; points away from 0
  const std::uint64_t up = pattern + 1;
  const std::uint64_t even = (pattern & 1) == 0 ? pattern : up;  // ties to even
  struct Case {
    const char* what;
    Real x;
    std::uint64_t expected;
  };
  const std::array<Case, 4> cases{{
      {"the value itself", v, pattern},
      {"the exact midpoint (ties to even)", midpoint, even},
      {"the midpoint + 2^-40 ulp away from zero", midpoint + nudge, up},
      {"the midpoint - 2^-40 ulp towards zero", midpoint - nudge, pattern},
  }};
  for (const Case& c : cases) {
    const std::uint64_t got = round(c.x, dtype);
    if (got != c.expected) {
      return fmt::format("{} {}: {} = {} rounds to {}, expected {}", to_string(dtype),
                         enc.show(pattern), c.what, hex(c.x), enc.show(got),
                         enc.show(c.expected));
    }
  }
  return {};
}

void assert_no_violation(const std::string& violation) {
  if (!violation.empty()) RC_FAIL(violation);
}

// --- Generators ------------------------------------------------------------------------
// RapidCheck 0~1033 scales inRange, elementOf and arbitrary<integer> with the test size
// (size 0 → the minimum of the range), so the size-independent ones are pinned with
// gen::resize(kNominalSize, ·): the whole pattern range is reachable from the first case.

template <class T>
rc::Gen<T> at_full_size(rc::Gen<T> gen) {
  return rc::gen::resize(rc::kNominalSize, std::move(gen));
}

// A finite magnitude: uniform over all patterns, RapidCheck's size-scaled integers (small
// patterns = subnormals first), the edges of a binade (fraction 0, 1, all ones − 1, all
// ones: where rounding up carries into the exponent), and named edge cases.
rc::Gen<std::uint64_t> finite_magnitude(Dtype dtype) {
  const Encoding enc(dtype);
  const std::uint64_t fraction_max = (std::uint64_t{1} << enc.fraction_bits) - 1;
  const std::uint64_t exponent_fields = enc.inf_magnitude >> enc.fraction_bits;
  const std::uint64_t one = (exponent_fields >> 1) << enc.fraction_bits;
  return rc::gen::weightedOneOf<std::uint64_t>({
      {4, at_full_size(rc::gen::inRange<std::uint64_t>(0, enc.inf_magnitude))},
      {2, rc::gen::map(rc::gen::suchThat(rc::gen::arbitrary<std::uint64_t>(),
                                         [=](std::uint64_t b) { return enc.is_finite(b); }),
                       [=](std::uint64_t b) { return b & enc.magnitude_mask; })},
      {2, at_full_size(rc::gen::apply(
              [=](std::uint64_t field, std::uint64_t fraction) {
                return (field << enc.fraction_bits) | fraction;
              },
              rc::gen::inRange<std::uint64_t>(0, exponent_fields),
              rc::gen::elementOf(std::array<std::uint64_t, 4>{0, 1, fraction_max - 1,
                                                              fraction_max})))},
      {1, at_full_size(rc::gen::elementOf(std::array<std::uint64_t, 9>{
              0, 1, 2,                      // zero, the smallest subnormals
              fraction_max,                 // the largest subnormal
              fraction_max + 1,             // the smallest normal
              one - 1, one,                 // below 1, 1
              enc.inf_magnitude - 2,        // below max finite
              enc.inf_magnitude - 1}))},    // max finite
  });
}

rc::Gen<std::uint64_t> finite_pattern(Dtype dtype) {
  const Encoding enc(dtype);
  return rc::gen::apply(
      [=](std::uint64_t magnitude, bool negative_sign) {
        return magnitude | (negative_sign ? enc.sign_bit : 0);
      },
      finite_magnitude(dtype), rc::gen::arbitrary<bool>());
}

// A double near a midpoint of `dtype` (p ≤ 24, so a midpoint is a double): the midpoint
// itself or a few double ulps either side, the inputs where a wrong rounding shows.
rc::Gen<double> double_near_a_midpoint_of(Dtype dtype) {
  return rc::gen::apply(
      [=](std::uint64_t pattern, int steps) {
        const double v = decode_exact(pattern, dtype).convert_to<double>();
        const double v_up = away_neighbour(pattern, dtype).convert_to<double>();
        double x = (v + v_up) / 2;
        for (; steps > 0; --steps) x = std::nextafter(x, HUGE_VAL);
        for (; steps < 0; ++steps) x = std::nextafter(x, -HUGE_VAL);
        return x;
      },
      finite_pattern(dtype), at_full_size(rc::gen::inRange(-2, 3)));
}

// Any non-NaN double, weighted towards the range of `dtype` and its midpoints.
rc::Gen<double> double_for_converting_to(Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  const int low = f.min_exponent - f.precision - 2;
  const int high = f.max_exponent + 2;
  return rc::gen::weightedOneOf<double>({
      {1, rc::gen::map(finite_pattern(Dtype::f64),
                       [](std::uint64_t b) { return std::bit_cast<double>(b); })},
      {2, at_full_size(rc::gen::apply(
              [](int exponent, std::uint64_t fraction, bool negative_sign) {
                const double magnitude = std::ldexp(
                    1.0 + std::ldexp(static_cast<double>(fraction), -52), exponent);
                return negative_sign ? -magnitude : magnitude;
              },
              rc::gen::inRange(low, high), rc::gen::inRange<std::uint64_t>(0, 1ULL << 52),
              rc::gen::arbitrary<bool>()))},
      {3, double_near_a_midpoint_of(dtype)},
      {1, at_full_size(rc::gen::elementOf(std::array<double, 4>{
              HUGE_VAL, -HUGE_VAL, 0.0, -0.0}))},
  });
}

// --- Wrong variants for the negative controls (each is a plausible implementation) -----

std::uint64_t rne_f32_bits_to_bf16(std::uint64_t f32_bits) {
  const auto f = static_cast<std::uint32_t>(f32_bits);
  return (f + 0x7fffU + ((f >> 16) & 1U)) >> 16;  // finite inputs only
}

// Round to f32 (correctly), then RNE that f32 to bf16: two roundings.
std::uint64_t bf16_through_f32(const Real& x, Dtype) {
  return rne_f32_bits_to_bf16(round_to_bits(x, Dtype::f32));
}

// Drop the low 16 bits of the f32 pattern (Highway 1.0.3's DemoteTo(bf16): docs/error-model.md#correct-rounding).
std::uint64_t bf16_by_truncating_f32(const Real& x, Dtype) {
  return round_to_bits(x, Dtype::f32) >> 16;
}

// Nearest, but ties away from zero (C's round(), MPFR_RNDNA) instead of ties to even.
std::uint64_t nearest_ties_away_from_zero(const Real& x, Dtype dtype) {
  const Encoding enc(dtype);
  const std::uint64_t nearest_even = round_to_bits(x, dtype);
  if (!enc.is_finite(nearest_even)) return nearest_even;
  const Real r = decode_exact(nearest_even, dtype);
  const bool was_a_tie_broken_towards_zero =
      abs(x) > abs(r) && (r + away_neighbour(nearest_even, dtype)) / 2 == x;
  return was_a_tie_broken_towards_zero ? nearest_even + 1 : nearest_even;
}

// Every bf16 pattern with the same chance, both signs, at every size.
rc::Gen<std::uint64_t> any_finite_bf16_pattern() {
  return rc::gen::apply(
      [](std::uint64_t magnitude, bool negative_sign) {
        return magnitude | (negative_sign ? std::uint64_t{0x8000} : 0);
      },
      at_full_size(rc::gen::inRange<std::uint64_t>(0, 0x7f80)), rc::gen::arbitrary<bool>());
}

// --- Exhaustive drivers ----------------------------------------------------------------

void expect_every_finite_pattern_rounds_correctly(Dtype dtype) {
  const Encoding enc(dtype);
  std::uint64_t checked = 0;
  std::uint64_t failures = 0;
  for (std::uint64_t pattern = 0; pattern <= 0xffff; ++pattern) {
    if (!enc.is_finite(pattern)) continue;
    ++checked;
    const std::string violation = rounds_correctly_around(dtype, pattern, &round_to_bits);
    if (!violation.empty() && ++failures <= 10) ADD_FAILURE() << violation;
  }
  EXPECT_EQ(checked, 2 * enc.inf_magnitude) << "every finite pattern of both signs";
  EXPECT_EQ(failures, 0U);
}

void expect_every_pattern_survives_decoding_and_rounding(Dtype dtype) {
  const Encoding enc(dtype);
  std::uint64_t failures = 0;
  for (std::uint64_t pattern = 0; pattern <= 0xffff; ++pattern) {
    const Real x = decode_exact(pattern, dtype);
    const std::uint64_t again = round_to_bits(x, dtype);
    const Real back = decode_exact(again, dtype);
    bool ok = false;
    if (enc.is_nan(pattern)) {  // any NaN comes back as the quiet NaN with its sign
      ok = isnan(x) && isnan(back) && again == enc.quiet_nan(pattern & enc.sign_bit);
    } else {
      ok = again == pattern && back == x && sign_of(back) == sign_of(x);
    }
    if (!ok && ++failures <= 10) {
      ADD_FAILURE() << to_string(dtype) << " " << enc.show(pattern) << " decodes to " << hex(x)
                    << " which rounds to " << enc.show(again);
    }
  }
  EXPECT_EQ(failures, 0U);
}

// The seed goes in every log, passing or not (docs/testing.md#seeds-and-reproducibility), so any run can be replayed.
class PrintRapidCheckSeed : public ::testing::Environment {
 public:
  void SetUp() override {
    const auto seed = rc::detail::configuration().testParams.seed;  // may log its own line
    std::cout << "RapidCheck seed " << seed << " (replay with RC_PARAMS=\"seed=" << seed
              << "\")\n";
  }
};
[[maybe_unused]] ::testing::Environment* const kSeedPrinter =
    ::testing::AddGlobalTestEnvironment(new PrintRapidCheckSeed);

// --- Correct rounding --------------------------------------------------------------------

TEST(correct_rounding, every_finite_bf16_value_and_its_midpoints_round_correctly) {
  expect_every_finite_pattern_rounds_correctly(Dtype::bf16);
}

TEST(correct_rounding, every_finite_f16_value_and_its_midpoints_round_correctly) {
  expect_every_finite_pattern_rounds_correctly(Dtype::f16);
}

RC_GTEST_PROP(correct_rounding, f32_values_and_their_midpoints_round_correctly, ()) {
  assert_no_violation(
      rounds_correctly_around(Dtype::f32, *finite_pattern(Dtype::f32), &round_to_bits));
}

RC_GTEST_PROP(correct_rounding, f64_values_and_their_midpoints_round_correctly, ()) {
  assert_no_violation(
      rounds_correctly_around(Dtype::f64, *finite_pattern(Dtype::f64), &round_to_bits));
}

TEST(correct_rounding, zeros_keep_their_sign_and_tiny_values_become_zero_of_their_sign) {
  for (const Dtype dtype : kAllDtypes) {
    SCOPED_TRACE(std::string(to_string(dtype)));
    const Encoding enc(dtype);
    const DtypeFormat f = format_of(dtype);
    const Real half_min_subnormal =
        times_power_of_two(Real(1), f.min_exponent - f.precision);  // the tie with 0
    const Real below_half_min_subnormal =
        half_min_subnormal - times_power_of_two(half_min_subnormal, -200);
    const Real far_below = times_power_of_two(Real(1), -100000);  // beyond every format
    EXPECT_EQ(round_to_bits(Real(0.0), dtype), 0U);
    EXPECT_EQ(round_to_bits(Real(-0.0), dtype), enc.sign_bit);
    for (const Real& tiny : {half_min_subnormal, below_half_min_subnormal, far_below}) {
      EXPECT_EQ(round_to_bits(tiny, dtype), 0U) << hex(tiny);
      EXPECT_EQ(round_to_bits(negative(tiny), dtype), enc.sign_bit) << hex(negative(tiny));
    }
    EXPECT_FALSE(sign_of(decode_exact(0, dtype)));
    EXPECT_TRUE(sign_of(decode_exact(enc.sign_bit, dtype)));
  }
}

TEST(correct_rounding, nan_becomes_the_quiet_nan_with_the_same_sign) {
  struct Row {
    Dtype dtype;
    std::uint64_t quiet_nan;  // IEEE 754 canonical quiet NaN: top fraction bit set
  };
  for (const Row& row : {Row{Dtype::f64, 0x7ff8000000000000}, Row{Dtype::f32, 0x7fc00000},
                         Row{Dtype::bf16, 0x7fc0}, Row{Dtype::f16, 0x7e00}}) {
    SCOPED_TRACE(std::string(to_string(row.dtype)));
    const Encoding enc(row.dtype);
    Real nan;
    mpfr_set_nan(nan.backend().data());
    EXPECT_EQ(round_to_bits(nan, row.dtype), row.quiet_nan);
    mpfr_setsign(nan.backend().data(), nan.backend().data(), 1, MPFR_RNDN);
    EXPECT_EQ(round_to_bits(nan, row.dtype), row.quiet_nan | enc.sign_bit);
    EXPECT_TRUE(isnan(decode_exact(row.quiet_nan, row.dtype)));
    EXPECT_TRUE(isnan(decode_exact(enc.inf_magnitude | 1, row.dtype)));  // a signalling NaN
  }
}

TEST(correct_rounding, overflow_starts_exactly_at_the_midpoint_above_max_finite) {
  struct Row {
    Dtype dtype;
    std::uint64_t inf;
    std::uint64_t max_finite;
  };
  for (const Row& row : {Row{Dtype::f64, 0x7ff0000000000000, 0x7fefffffffffffff},
                         Row{Dtype::f32, 0x7f800000, 0x7f7fffff}, Row{Dtype::bf16, 0x7f80, 0x7f7f},
                         Row{Dtype::f16, 0x7c00, 0x7bff}}) {
    SCOPED_TRACE(std::string(to_string(row.dtype)));
    const Encoding enc(row.dtype);
    const DtypeFormat f = format_of(row.dtype);
    // (2 − 2^−p)·2^e_max, the threshold of the contract.
    const Real threshold = times_power_of_two(Real(2), f.max_exponent) -
                           times_power_of_two(Real(1), f.max_exponent - f.precision);
    const Real just_below = threshold - times_power_of_two(Real(1), f.max_exponent - 200);
    // Past the threshold: the binade above max finite, the top of the next one, far away.
    const Real beyond_max = times_power_of_two(Real(1), f.max_exponent + 1);
    const Real top_of_next_binade = times_power_of_two(
        Real(1) - times_power_of_two(Real(1), -200), f.max_exponent + 2);
    const Real huge = times_power_of_two(Real(1), 100000);
    for (const bool neg : {false, true}) {
      const std::uint64_t sign = neg ? enc.sign_bit : 0;
      const auto signed_ = [&](const Real& x) { return neg ? negative(x) : x; };
      EXPECT_EQ(round_to_bits(signed_(threshold), row.dtype), sign | row.inf);
      EXPECT_EQ(round_to_bits(signed_(just_below), row.dtype), sign | row.max_finite);
      for (const Real& x : {beyond_max, top_of_next_binade, huge}) {
        EXPECT_EQ(round_to_bits(signed_(x), row.dtype), sign | row.inf) << hex(signed_(x));
      }
      EXPECT_EQ(round_to_bits(signed_(std::numeric_limits<Real>::infinity()), row.dtype),
                sign | row.inf);
      const Real decoded = decode_exact(sign | row.inf, row.dtype);
      EXPECT_TRUE(isinf(decoded) && sign_of(decoded) == neg);
    }
  }
}

TEST(correct_rounding, every_bf16_pattern_survives_decoding_and_rounding) {
  expect_every_pattern_survives_decoding_and_rounding(Dtype::bf16);
}

TEST(correct_rounding, every_f16_pattern_survives_decoding_and_rounding) {
  expect_every_pattern_survives_decoding_and_rounding(Dtype::f16);
}

TEST(correct_rounding, rounds_to_bf16_once_where_rounding_through_f32_rounds_twice) {
  // 1 + 2^−8 + 2^−38: just above the bf16 midpoint between 1 (0x3f80) and 1 + 2^−7
  // (0x3f81). Through f32 the 2^−38 is rounded away first, leaving the exact midpoint,
  // and ties-to-even then picks 0x3f80 (docs/error-model.md#correct-rounding).
  const Real x(0x1.0100000004p0);
  EXPECT_EQ(round_to_bits(x, Dtype::bf16), 0x3f81U);
  EXPECT_EQ(round_to_bits(x, Dtype::f32), 0x3f808000U) << "through f32: the exact midpoint";
  EXPECT_EQ(bf16_through_f32(x, Dtype::bf16), 0x3f80U) << "the trap, reproduced";
}

// --- Cross-checks with the CPU -------------------------------------------------------------

RC_GTEST_PROP(correct_rounding, f32_agrees_with_the_cpus_conversion_from_double, ()) {
  // x86-64 cvtsd2ss (and AArch64 fcvt) round a double to float in one step, RNE by default.
  const double x = *double_for_converting_to(Dtype::f32);
  RC_ASSERT(round_to_bits(Real(x), Dtype::f32) ==
            std::uint64_t{std::bit_cast<std::uint32_t>(static_cast<float>(x))});
}

#if defined(__FLT16_MANT_DIG__)
RC_GTEST_PROP(correct_rounding, f16_agrees_with_the_compilers_conversion_from_double, ()) {
  // GCC converts double to _Float16 directly (libgcc soft-fp __truncdfhf2, one rounding);
  // it does not go through float.
  const double x = *double_for_converting_to(Dtype::f16);
  RC_ASSERT(round_to_bits(Real(x), Dtype::f16) ==
            std::uint64_t{std::bit_cast<std::uint16_t>(static_cast<_Float16>(x))});
}
#endif

TEST(exact_decoding, every_bf16_and_f16_pattern_decodes_to_the_value_the_cpu_reads) {
  for (std::uint32_t pattern = 0; pattern <= 0xffff; ++pattern) {
    const auto as_f32 = std::bit_cast<float>(pattern << 16);  // bf16 is the top half
    const Real bf16 = decode_exact(pattern, Dtype::bf16);
    if (std::isnan(as_f32)) {
      ASSERT_TRUE(isnan(bf16)) << pattern;
    } else {
      ASSERT_TRUE(bf16 == Real(static_cast<double>(as_f32)) &&
                  sign_of(bf16) == std::signbit(as_f32))
          << "bf16 " << pattern << " decodes to " << hex(bf16);
    }
#if defined(__FLT16_MANT_DIG__)
    const auto as_f16 = static_cast<double>(std::bit_cast<_Float16>(static_cast<std::uint16_t>(pattern)));
    const Real f16 = decode_exact(pattern, Dtype::f16);
    if (std::isnan(as_f16)) {
      ASSERT_TRUE(isnan(f16)) << pattern;
    } else {
      ASSERT_TRUE(f16 == Real(as_f16) && sign_of(f16) == std::signbit(as_f16))
          << "f16 " << pattern << " decodes to " << hex(f16);
    }
#endif
  }
}

RC_GTEST_PROP(exact_decoding, f32_and_f64_patterns_decode_to_the_value_the_cpu_reads, ()) {
  const std::uint64_t b64 = *finite_pattern(Dtype::f64);
  const auto b32 = static_cast<std::uint32_t>(*finite_pattern(Dtype::f32));
  const double d = std::bit_cast<double>(b64);
  const auto f = static_cast<double>(std::bit_cast<float>(b32));
  RC_ASSERT(decode_exact(b64, Dtype::f64) == Real(d));
  RC_ASSERT(sign_of(decode_exact(b64, Dtype::f64)) == std::signbit(d));
  RC_ASSERT(decode_exact(b32, Dtype::f32) == Real(f));
  RC_ASSERT(sign_of(decode_exact(b32, Dtype::f32)) == std::signbit(f));
}

// --- Negative controls: the property must catch each wrong variant ---------------------------

TEST(correct_rounding_negative_controls, double_rounding_through_f32_is_caught) {
  testing::expect_counterexample("bf16 rounded through f32", [] {
    assert_no_violation(
        rounds_correctly_around(Dtype::bf16, *any_finite_bf16_pattern(), &bf16_through_f32));
  });
}

TEST(correct_rounding_negative_controls, truncating_to_bf16_is_caught) {
  testing::expect_counterexample("bf16 by truncating f32", [] {
    assert_no_violation(rounds_correctly_around(Dtype::bf16, *any_finite_bf16_pattern(),
                                                &bf16_by_truncating_f32));
  });
}

TEST(correct_rounding_negative_controls, ties_away_from_zero_is_caught) {
  testing::expect_counterexample("bf16 nearest with ties away from zero", [] {
    assert_no_violation(rounds_correctly_around(Dtype::bf16, *any_finite_bf16_pattern(),
                                                &nearest_ties_away_from_zero));
  });
}

// --- Dtype names ------------------------------------------------------------------------------

TEST(dtype_names, every_name_round_trips_and_unknown_names_are_invalid_input) {
  for (const Dtype dtype : kAllDtypes) EXPECT_EQ(dtype_from_string(to_string(dtype)), dtype);
  for (const char* bad : {"", "F32", "bfloat16", "fp16", "f32 ", "float"}) {
    EXPECT_THROW(dtype_from_string(bad), InvalidInput) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace ropecheck::reference
