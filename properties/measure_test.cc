// The measuring path every verdict goes through (numeric/ulp.h, error_stats.h, measure.h):
//  - ulp_at against the dtype's own spacing at every finite f16 and bf16 value and at the
//    binade edges of f32 (subnormals, the smallest normal, powers of two, the largest
//    finite value), and at exact values between representable ones;
//  - ulp_error's non-finite rules;
//  - measure's rules: pass-through dims bit for bit, overflow to the correctly rounded Inf,
//    peaks keeping the first element that reached them, RMS over every element;
//  - ErrorStats::merge equal to adding the elements one by one.
// Each rule is written once as a checker returning its first violation; the real function
// passes it and a wrong variant of it (a binade off by one at powers of two, subnormals
// measured as if normal, NaN compared by value, a merge that forgets the token offset)
// fails it.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/dtype.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/numeric/error_stats.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/numeric/ulp.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/spec.h"

using namespace ropecheck;
using namespace ropecheck::numeric;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using UlpFn = std::function<double(double, Dtype)>;

// The value of a 16-bit pattern of f16 or bf16 (exact in double).
double decode16(std::uint16_t bits, Dtype dtype) {
  if (dtype == Dtype::bf16) return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
  const int exponent = (bits >> 10) & 0x1f;
  const int mantissa = bits & 0x3ff;
  const double sign = (bits & 0x8000) ? -1.0 : 1.0;
  if (exponent == 0x1f) return mantissa ? kNaN : sign * kInf;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  return sign * std::ldexp(1024 + mantissa, exponent - 25);
}

// The non-negative finite values of a dtype in increasing order: every one for f16 and
// bf16; for f32 the neighbourhoods of every binade edge (its first and last 3 values).
std::vector<double> ascending_values(Dtype dtype) {
  std::vector<double> values;
  if (dtype == Dtype::f32) {
    std::vector<std::uint32_t> bits;
    for (std::uint32_t e = 0; e < 255; ++e) {
      for (std::uint32_t m : {0u, 1u, 2u, 0x7ffffdu, 0x7ffffeu, 0x7fffffu}) bits.push_back((e << 23) | m);
    }
    for (const std::uint32_t b : bits) values.push_back(std::bit_cast<float>(b));
    return values;
  }
  for (std::uint32_t b = 0; b < 0x7c00u || (dtype == Dtype::bf16 && b < 0x7f80u); ++b) {
    values.push_back(decode16(static_cast<std::uint16_t>(b), dtype));
  }
  return values;
}

// The rule ulp_at must keep, or the first value where `ulp` breaks it: at each finite
// value v ≥ 0, ulp(v) is the gap to the next value up (at the largest finite value, the
// gap below it), the same for −v, and every exact value strictly between v and the next
// value up in the same binade has v's ulp.
std::optional<std::string> ulp_rule_violation(const UlpFn& ulp, Dtype dtype) {
  const std::vector<double> v = ascending_values(dtype);
  for (std::size_t k = 0; k < v.size(); ++k) {
    const bool contiguous = k + 1 < v.size() && (dtype != Dtype::f32 || std::bit_cast<std::uint32_t>(static_cast<float>(v[k + 1])) ==
                                                                           std::bit_cast<std::uint32_t>(static_cast<float>(v[k])) + 1);
    double gap = 0;
    if (contiguous) {
      gap = v[k + 1] - v[k];
    } else if (k + 1 == v.size()) {
      gap = v[k] - v[k - 1];
    } else if (dtype == Dtype::f32) {
      gap = static_cast<double>(std::nextafter(static_cast<float>(v[k]), std::numeric_limits<float>::infinity())) - v[k];
    }
    for (const double y : {v[k], -v[k]}) {
      if (ulp(y, dtype) != gap) {
        return fmt::format("{}: ulp at {:a} is {:a}, the spacing there is {:a}", to_string(dtype), y, ulp(y, dtype), gap);
      }
    }
    const double inside = v[k] + 0.375 * gap;  // exact in double: not a value of the dtype
    if (k + 1 < v.size() && ulp(inside, dtype) != gap) {
      return fmt::format("{}: ulp at {:a} (between values) is {:a}, expected {:a}", to_string(dtype), inside,
                         ulp(inside, dtype), gap);
    }
  }
  return std::nullopt;
}

// Wrong variants: the binade taken from the value's ceiling log2, and subnormals given
// the spacing their exponent would have if they were normal.
double ulp_ceiling_binade(double y, Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  const double m = std::fabs(y);
  if (m < std::ldexp(1.0, f.min_exponent)) return std::ldexp(1.0, f.min_exponent - f.precision + 1);
  const int e = std::min(static_cast<int>(std::ceil(std::log2(m))), f.max_exponent);
  return std::ldexp(1.0, e - f.precision + 1);
}
double ulp_subnormals_as_normal(double y, Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  const double m = std::fabs(y);
  if (m == 0) return std::ldexp(1.0, f.min_exponent - f.precision + 1);
  return std::ldexp(1.0, std::min(std::ilogb(m), f.max_exponent) - f.precision + 1);
}

}  // namespace

TEST(ulp, spacing_at_every_f16_and_bf16_value_and_every_f32_binade_edge) {
  for (const Dtype dtype : {Dtype::f16, Dtype::bf16, Dtype::f32}) {
    const std::optional<std::string> broken = ulp_rule_violation(ulp_at, dtype);
    EXPECT_FALSE(broken) << *broken;
  }
  // Beyond the largest finite value, and at ±Inf: the top binade's spacing.
  EXPECT_EQ(ulp_at(70000.0, Dtype::f16), 32.0);
  EXPECT_EQ(ulp_at(kInf, Dtype::f16), 32.0);
}

// The controls: each wrong yardstick breaks the rule somewhere in each dtype.
TEST(ulp, controls_a_binade_off_by_one_and_subnormals_measured_as_normal_are_caught) {
  for (const Dtype dtype : {Dtype::f16, Dtype::bf16, Dtype::f32}) {
    EXPECT_TRUE(ulp_rule_violation(ulp_ceiling_binade, dtype)) << to_string(dtype);
    EXPECT_TRUE(ulp_rule_violation(ulp_subnormals_as_normal, dtype)) << to_string(dtype);
  }
}

namespace {

using UlpErrorFn = std::function<double(double, double, Dtype)>;

// ulp_error's rules for non-finite values, and half an ulp where a rounding allows it.
std::optional<std::string> ulp_error_rule_violation(const UlpErrorFn& error) {
  struct Case {
    double candidate, exact, expected;
  };
  const Case cases[] = {
      {kNaN, kNaN, 0},     {-kNaN, kNaN, 0},  {kNaN, 1.0, kInf},  {1.0, kNaN, kInf},     {kInf, kInf, 0},
      {-kInf, -kInf, 0},   {kInf, -kInf, kInf}, {65504, kInf, kInf}, {kInf, 65504, kInf}, {1.0, 1.0, 0},
      {1.0 + std::ldexp(1.0, -10), 1.0, 1.0},  // f16: one ulp above 1
      {1.0, 1.0 - std::ldexp(1.0, -12), 0.5},  // below 1 the spacing halves: half an ulp there
  };
  for (const Case& c : cases) {
    const double got = error(c.candidate, c.exact, Dtype::f16);
    if (!(got == c.expected)) {
      return fmt::format("ulp_error({}, {}) = {}, expected {}", c.candidate, c.exact, got, c.expected);
    }
  }
  return std::nullopt;
}

}  // namespace

TEST(ulp, error_rules_for_non_finite_values_with_a_control) {
  const std::optional<std::string> broken = ulp_error_rule_violation(ulp_error);
  EXPECT_FALSE(broken) << *broken;
  // Control: NaN compared by value (NaN ≠ NaN) is caught.
  EXPECT_TRUE(ulp_error_rule_violation([](double c, double e, Dtype d) {
    if (std::isinf(c) || std::isinf(e)) return c == e ? 0.0 : kInf;
    return std::fabs(c - e) / ulp_at(e, d);
  }));
}

namespace {

// A small exact result to measure against: 3 tokens × 2 heads of head_dim 8 with 4
// rotated dims (4 pass-through), f16 output.
reference::ExactRope small_exact() {
  RopeSpec spec;
  spec.head_dim = 8;
  spec.rotary_dim = 4;
  spec.layout = Layout::half_split;
  spec.base = 10000;
  const std::vector<std::int64_t> positions{0, 7, 1000};
  std::vector<double> x;
  for (int k = 0; k < 48; ++k) x.push_back(std::ldexp(static_cast<double>((k * 37) % 61) - 30, -4));
  return reference::certified_rope(spec, PositionsView(positions), x, 2, Dtype::f16);
}

std::vector<double> rounded_result(const reference::ExactRope& e) {
  std::vector<double> out;
  for (std::size_t k = 0; k < e.expected_bits.size(); ++k) {
    out.push_back(decode16(static_cast<std::uint16_t>(e.expected_bits[k]), Dtype::f16));
  }
  return out;
}

}  // namespace

TEST(measure, rules_for_pass_through_dims_overflow_peaks_and_rms) {
  const reference::ExactRope exact = small_exact();
  const ErrorModel model = error_model(Profile::exact, Dtype::f16, Arithmetic::fused);
  std::vector<double> candidate = rounded_result(exact);
  ErrorStats correct = measure(exact, candidate, model);
  EXPECT_TRUE(correct.within_bound());
  EXPECT_EQ(correct.count(), 48u);
  EXPECT_LE(correct.peak_ulps(), 0.5);

  // A pass-through dim (dims 4 … 7 are not rotated) must be x bit for bit: −0 for +0 fails.
  const std::size_t pass_through = 1 * 16 + 0 * 8 + 5;  // token 1, head 0, dim 5
  ASSERT_EQ(exact.x[pass_through], exact.expected[pass_through]);
  std::vector<double> signed_zero = candidate;
  signed_zero[pass_through] = exact.x[pass_through] == 0 ? -0.0 : std::nextafter(exact.x[pass_through], kInf);
  const ErrorStats broken = measure(exact, signed_zero, model);
  EXPECT_FALSE(broken.within_bound());
  EXPECT_EQ(broken.worst_by_ratio().where.token, 1u);
  EXPECT_EQ(broken.worst_by_ratio().where.dim, 5u);

  // Peaks keep the first element that reached them; RMS is over every element.
  std::vector<double> two_peaks = candidate;
  const std::size_t first = 0 * 16 + 1 * 8 + 0, second = 2 * 16 + 0 * 8 + 1;  // rotated dims
  for (const std::size_t k : {first, second}) two_peaks[k] += 4 * ulp_at(exact.expected[k], Dtype::f16);
  std::vector<ElementError> seen;
  const ErrorStats peaks = measure(exact, two_peaks, model, [&](const ElementError& e) { seen.push_back(e); });
  ASSERT_EQ(seen.size(), 48u);
  double sum_sq = 0, peak = 0;
  std::size_t peak_at = 0;
  for (std::size_t k = 0; k < seen.size(); ++k) {
    sum_sq += seen[k].ratio * seen[k].ratio;
    if (seen[k].ratio > peak) {
      peak = seen[k].ratio;
      peak_at = k;
    }
  }
  EXPECT_DOUBLE_EQ(peaks.rms_ratio(), std::sqrt(sum_sq / 48));
  EXPECT_EQ(peaks.peak_ratio(), peak);
  EXPECT_EQ(peaks.worst_by_ratio().where.token, seen[peak_at].where.token);
  EXPECT_EQ(peaks.worst_by_ratio().where.dim, seen[peak_at].where.dim);
}

// The overflow rule: an exact value that rounds to ±Inf in the output dtype, held as that
// Inf, is correct; the other Inf, or the largest finite value, is not.
TEST(measure, overflow_to_the_correctly_rounded_infinity_is_no_error) {
  reference::ExactRope exact = small_exact();
  const ErrorModel model = error_model(Profile::exact, Dtype::f16, Arithmetic::fused);
  std::vector<double> candidate = rounded_result(exact);
  const std::size_t k = 2 * 16 + 1 * 8 + 2;  // a rotated dim
  exact.expected[k] = 70000;                  // beyond f16's 65504 + half its top ulp
  candidate[k] = kInf;
  EXPECT_TRUE(measure(exact, candidate, model).within_bound());
  candidate[k] = -kInf;
  EXPECT_FALSE(measure(exact, candidate, model).within_bound());
  candidate[k] = 65504;
  EXPECT_FALSE(measure(exact, candidate, model).within_bound());
}

// Several models in one pass count what each alone counts, over any token range.
TEST(measure, every_model_in_one_pass_equals_each_alone) {
  const reference::ExactRope exact = small_exact();
  std::vector<double> candidate = rounded_result(exact);
  candidate[3] += 3 * ulp_at(exact.expected[3], Dtype::f16);
  std::vector<ErrorModel> models;
  for (const Profile p : kProfiles) models.push_back(error_model(p, Dtype::f16, Arithmetic::fused));
  const std::vector<ErrorStats> together = measure(exact, candidate, models);
  for (std::size_t k = 0; k < models.size(); ++k) {
    const ErrorStats alone = measure(exact, candidate, models[k]);
    EXPECT_EQ(together[k].summary(), alone.summary()) << k;
    EXPECT_EQ(together[k].rms_ratio(), alone.rms_ratio()) << k;
  }
  const std::vector<ErrorStats> tail = measure(exact, candidate, models, 1, 3);
  EXPECT_EQ(tail[0].count(), 32u);
}

namespace {

using MergeFn = std::function<void(ErrorStats&, const ErrorStats&, std::size_t)>;

// Merging chunk statistics, tokens shifted, gives what adding every element in order gives.
std::optional<std::string> merge_rule_violation(const MergeFn& merge) {
  std::vector<ElementError> elements;
  for (std::size_t t = 0; t < 12; ++t) {
    ElementError e;
    e.where.token = t;
    // Both peaks are first reached in the second chunk and then repeated: the first stays.
    e.ulps = static_cast<double>(std::min<std::size_t>(t, 8));
    e.ratio = static_cast<double>(t % 7) / 4;
    elements.push_back(e);
  }
  ErrorStats one_by_one, merged;
  for (const ElementError& e : elements) one_by_one.add(e);
  for (std::size_t first = 0; first < elements.size(); first += 5) {
    ErrorStats chunk;
    for (std::size_t t = first; t < std::min(first + 5, elements.size()); ++t) {
      ElementError local = elements[t];
      local.where.token -= first;
      chunk.add(local);
    }
    merge(merged, chunk, first);
  }
  if (merged.summary() != one_by_one.summary()) {
    return fmt::format("merged: {}\none by one: {}", merged.summary(), one_by_one.summary());
  }
  return std::nullopt;
}

}  // namespace

TEST(error_stats, merge_equals_adding_one_by_one_with_a_control) {
  const std::optional<std::string> broken =
      merge_rule_violation([](ErrorStats& s, const ErrorStats& later, std::size_t offset) { s.merge(later, offset); });
  EXPECT_FALSE(broken) << *broken;
  // Control: a merge that forgets the chunk's token offset names the wrong worst element.
  EXPECT_TRUE(merge_rule_violation([](ErrorStats& s, const ErrorStats& later, std::size_t) { s.merge(later, 0); }));
}
