// The certified fast reference (reference/certified_rope.h) against the MPFR path.
//
//  - certified_rope returns exact_rope's result bit for bit: on generated kernel cases of
//    every spec family (scaled, position-scaled, offset, multi-axis), with positions up to
//    2^40 (beyond the fast path's 2^31, so MPFR's share is exercised too), IEEE specials
//    mixed into the inputs, and every output dtype; and on tokens of every catalogue case.
//  - certified_trig keeps its stated bound |ĉ − cos(m·θ̂)| ≤ kTrigRelativeError·|cos| + A
//    (the same for sin), measured at 257 bits, at random angles and at angles next to
//    multiples of π/2. Controls: short polynomials, a double-only table, a two-double
//    reduction, each caught.
//  - round_interval_to_bits is sound: what it decides, both ends of the interval round
//    to. Control: the same test ignoring the error bound is caught. round_double_to_bits
//    equals round_to_bits; control: rounding through float is caught.
//  - The fast path decides: no element of a LLaMA-2 shaped call on normal inputs goes to
//    MPFR, and the counter is live (infinite inputs do reach MPFR).
#include <gtest/gtest.h>
#include <mpfr.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/golden/case_inputs.h"
#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/props/kernel_cases.h"
#include "ropecheck/props/property_cases.h"
#include "ropecheck/reference/certified_lanes.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/reference/certified_trig.h"
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/interval_rounding.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"
#include "support/expect_counterexample.h"

namespace ropecheck::reference {
namespace {

std::uint64_t bits_of(double v) { return std::bit_cast<std::uint64_t>(v); }

// The first field or element where two results differ, or "" when they are identical.
std::string first_difference(const ExactRope& fast, const ExactRope& slow) {
  auto compare = [](const char* what, std::span<const double> a, std::span<const double> b) -> std::string {
    if (a.size() != b.size()) return fmt::format("{}: {} against {} values", what, a.size(), b.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
      if (bits_of(a[k]) != bits_of(b[k])) return fmt::format("{}[{}]: {:a} against MPFR's {:a}", what, k, a[k], b[k]);
    }
    return {};
  };
  for (const std::string& d :
       {compare("expected", fast.expected, slow.expected), compare("cos", fast.cos, slow.cos),
        compare("sin", fast.sin, slow.sin), compare("position_scale", fast.position_scale, slow.position_scale),
        compare("thetas", fast.thetas, slow.thetas)}) {
    if (!d.empty()) return d;
  }
  if (fast.expected_bits != slow.expected_bits) {
    for (std::size_t k = 0; k < fast.expected_bits.size(); ++k) {
      if (fast.expected_bits[k] != slow.expected_bits[k]) {
        return fmt::format("expected_bits[{}]: {:#x} against MPFR's {:#x} (x = {:a})", k, fast.expected_bits[k],
                           slow.expected_bits[k], fast.x[k]);
      }
    }
    return "expected_bits sizes differ";
  }
  if (bits_of(fast.attention_factor) != bits_of(slow.attention_factor)) return "attention_factor";
  return {};
}

rc::Gen<RopeSpec> any_spec_family() {
  return rc::gen::oneOf(props::gen_kernel_spec(), props::gen_scaled_spec(), props::gen_position_scaled_spec(),
                        props::gen_offset_spec(), props::gen_multi_axis_spec());
}

// IEEE specials and extremes mixed into a share of the inputs, from the case's own seed.
void mix_in_specials(std::vector<double>& x, std::uint64_t seed) {
  constexpr double kSpecials[] = {0.0, -0.0, std::numeric_limits<double>::infinity(),
                                  -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(),
                                  -std::numeric_limits<double>::quiet_NaN(), 0x1p-1074, -0x1p-700, 0x1p700, 0x1p-149};
  std::mt19937_64 rng(seed);
  for (double& v : x) {
    if (rng() % 16 == 0) v = kSpecials[rng() % std::size(kSpecials)];
  }
}

RC_GTEST_PROP(certified_rope, identical_to_mpfr_on_generated_calls, ()) {
  const Dtype dtype = *rc::gen::element(Dtype::f32, Dtype::bf16, Dtype::f16);
  const std::int64_t max_position = *rc::gen::element(std::int64_t{1} << 16, (std::int64_t{1} << 31) + 4096,
                                                     std::int64_t{1} << 40);
  const props::KernelCase c = *props::gen_kernel_case(dtype, max_position, any_spec_family());
  const std::optional<Dtype> out = *rc::gen::element<std::optional<Dtype>>(std::nullopt, Dtype::f64, Dtype::f32,
                                                                            Dtype::bf16, Dtype::f16);
  std::vector<double> x = props::make_buffers(c).x;
  if (*rc::gen::inRange(0, 4) == 0) mix_in_specials(x, c.data_seed);
  const ExactRope slow = exact_rope(c.spec, c.position_view(), x, c.heads, out);
  const ExactRope fast = certified_rope(c.spec, c.position_view(), x, c.heads, out);
  const std::string difference = first_difference(fast, slow);
  RC_ASSERT(difference == "");
}

TEST(certified_rope, identical_to_mpfr_on_every_catalogue_case) {
  // The first and last tokens of each case: the edges of its position set and its input
  // kinds (normal, cancellation, edge, ones, unit) at a fraction of MPFR's time.
  constexpr std::size_t kTokensEachEnd = 12;
  const auto cases = golden::read_case_catalogue(std::filesystem::path(ROPECHECK_SOURCE_DIR) / "golden/cases.json");
  ASSERT_FALSE(cases.empty());
  std::map<std::string, CertifiedStats> by_kind;
  for (const golden::GoldenCase& c : cases) {
    CertifiedStats& stats = by_kind[std::string(golden::to_string(c.inputs))];
    const std::vector<std::int64_t> all = golden::case_positions(c);
    const std::size_t axes = position_axes(c.spec);
    const std::vector<double> x_all = golden::case_inputs(c, PositionsView(all, axes));
    const std::size_t tokens = all.size() / axes;
    const std::size_t row = c.heads * c.spec.head_dim;
    std::vector<std::int64_t> positions;
    std::vector<double> x;
    for (std::size_t t = 0; t < tokens; ++t) {
      if (t >= kTokensEachEnd && t + kTokensEachEnd < tokens) continue;
      positions.insert(positions.end(), all.begin() + static_cast<std::ptrdiff_t>(t * axes),
                       all.begin() + static_cast<std::ptrdiff_t>((t + 1) * axes));
      x.insert(x.end(), x_all.begin() + static_cast<std::ptrdiff_t>(t * row),
               x_all.begin() + static_cast<std::ptrdiff_t>((t + 1) * row));
    }
    const PositionsView view(positions, axes);
    const ExactRope slow = exact_rope(c.spec, view, x, c.heads, c.output_dtype);
    const ExactRope fast = certified_rope(c.spec, view, x, c.heads, c.output_dtype, &stats);
    EXPECT_EQ(first_difference(fast, slow), "") << c.id;
  }
  for (const auto& [kind, stats] : by_kind) {
    std::cout << fmt::format("{} inputs: {} elements, {} by MPFR; {} angles, {} undecided, {} outside the fast domain\n",
                             kind, stats.elements, stats.element_fallbacks, stats.angles, stats.angle_fallbacks,
                             stats.uncovered_angles);
  }
}

// Bit for bit on many random elements, in LLaMA-2-shaped calls (8 heads × 128), three input
// kinds: random normal f32 values; pairs aimed at a midpoint of the output dtype
// (a = (M + b·sin φ)/cos φ in double, so y lies within about 2^-53 relative of M); and
// cancellation (a, b) = r·(sin φ, cos φ) rounded to f32, so y ≈ 2^-24·r. Positions are
// uniform below 2^31. CI runs 10^6 elements; the deep run sets ROPECHECK_CERTIFIED_ELEMENTS
// (10^8 and more: about 50 s of MPFR per 10^8 on one core).
TEST(certified_rope, identical_to_mpfr_on_random_near_midpoint_and_cancellation_elements) {
  std::uint64_t wanted = 1'000'000;
  if (const char* env = std::getenv("ROPECHECK_CERTIFIED_ELEMENTS")) wanted = std::strtoull(env, nullptr, 10);
  constexpr std::size_t kHeads = 8, kTokens = 256;
  const std::size_t per_call = kTokens * kHeads * 128;
  std::mt19937_64 rng(20261201);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<std::int64_t> position(0, (std::int64_t{1} << 31) - 1);
  std::uint64_t done = 0, calls = 0, fallbacks = 0;
  while (done < wanted) {
    RopeSpec spec;
    spec.head_dim = spec.rotary_dim = 128;
    spec.layout = calls % 2 == 0 ? Layout::half_split : Layout::interleaved;
    spec.base = calls % 3 == 0 ? 500000 : 10000;
    const Dtype out = std::array{Dtype::bf16, Dtype::f16, Dtype::f32}[calls % 3];
    const int kind = static_cast<int>(calls % 3);  // 0 normal, 1 near a midpoint, 2 cancellation
    std::vector<std::int64_t> positions(kTokens);
    for (auto& m : positions) m = position(rng);
    const std::vector<double> thetas = exact_rope(spec, PositionsView(positions, 1),
                                                  std::vector<double>(kTokens * 128, 0.0), 1).thetas;
    std::vector<double> x(per_call);
    const DtypeFormat f = format_of(out);
    for (std::size_t t = 0; t < kTokens; ++t) {
      for (std::size_t h = 0; h < kHeads; ++h) {
        for (std::size_t i = 0; i < 64; ++i) {
          const auto [ia, ib] = pair_indices(spec.layout, 128, i);
          double& a = x[(t * kHeads + h) * 128 + ia];
          double& b = x[(t * kHeads + h) * 128 + ib];
          const double phi = static_cast<double>(positions[t]) * thetas[i];
          if (kind == 0) {
            a = static_cast<double>(static_cast<float>(normal(rng)));
            b = static_cast<double>(static_cast<float>(normal(rng)));
          } else if (kind == 1) {
            // M: a midpoint of the output dtype near a normal value.
            const double v = normal(rng);
            const int e = std::ilogb(v);
            const double quantum = std::ldexp(1.0, e - f.precision + 1);
            const double midpoint = (std::floor(v / quantum) + 0.5) * quantum;
            b = static_cast<double>(static_cast<float>(normal(rng)));
            a = (midpoint + b * std::sin(phi)) / std::cos(phi);
          } else {
            const double r = normal(rng);
            a = static_cast<double>(static_cast<float>(r * std::sin(phi)));
            b = static_cast<double>(static_cast<float>(r * std::cos(phi)));
          }
        }
      }
    }
    CertifiedStats stats;
    const ExactRope fast = certified_rope(spec, PositionsView(positions, 1), x, kHeads, out, &stats);
    const ExactRope slow = exact_rope(spec, PositionsView(positions, 1), x, kHeads, out);
    ASSERT_EQ(first_difference(fast, slow), "") << "call " << calls << " (input kind " << kind << ")";
    fallbacks += stats.element_fallbacks;
    done += per_call;
    ++calls;
  }
  std::cout << fmt::format("{} elements in {} calls identical to MPFR; {} went to MPFR\n", done, calls, fallbacks);
}

// Every compiled Highway target (vectors where MulAdd is fused, one lane at a time
// elsewhere) gives MPFR's bits, on inputs with specials and on both layouts.
TEST(certified_rope, every_compiled_target_gives_the_same_bits) {
  std::vector<std::int64_t> positions;
  for (std::int64_t m : {0, 1, 2, 3, 1000, 65535, 65536, 123457, 1048575}) positions.push_back(m);
  std::vector<double> x(positions.size() * 3 * 20);
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal;
  for (double& v : x) v = static_cast<double>(normal(rng));
  mix_in_specials(x, 11);
  std::size_t targets = 0;
  for (const Layout layout : {Layout::interleaved, Layout::half_split}) {
    RopeSpec spec;
    spec.head_dim = 20;
    spec.rotary_dim = 18;  // 9 pairs: a vector and a remainder on every target
    spec.layout = layout;
    const ExactRope slow = exact_rope(spec, PositionsView(positions, 1), x, 3, Dtype::bf16);
    for (const std::int64_t target : kernels::available_targets()) {
      kernels::restrict_dispatch(target);
      const ExactRope fast = certified_rope(spec, PositionsView(positions, 1), x, 3, Dtype::bf16);
      EXPECT_EQ(first_difference(fast, slow), "") << kernels::target_name(target) << " (vectors: "
                                                  << certified_lanes_vectorised() << ")";
      ++targets;
    }
    kernels::restrict_dispatch(0);
  }
  EXPECT_GE(targets, 2u) << "at least the best target and the scalar fallback";
}

// Any thread count gives the same result and stats, and the same first error.
TEST(certified_rope, the_thread_count_changes_nothing) {
  RopeSpec spec;
  spec.head_dim = 128;
  spec.rotary_dim = 96;  // pass-through dims too
  spec.layout = Layout::interleaved;
  constexpr std::size_t kTokens = 301, kHeads = 4;  // 154k elements: up to 4 threads
  std::vector<std::int64_t> positions(kTokens);
  std::mt19937_64 rng(3);
  for (auto& m : positions) m = static_cast<std::int64_t>(rng() % (std::uint64_t{1} << 33));  // some beyond 2^31
  std::vector<double> x(kTokens * kHeads * 128);
  std::normal_distribution<float> normal;
  for (double& v : x) v = static_cast<double>(normal(rng));
  mix_in_specials(x, 5);
  CertifiedStats one_stats;
  const ExactRope one = certified_rope(spec, PositionsView(positions, 1), x, kHeads, Dtype::f16, &one_stats, 1);
  for (const unsigned threads : {2u, 3u, 4u, 16u}) {
    CertifiedStats stats;
    const ExactRope many = certified_rope(spec, PositionsView(positions, 1), x, kHeads, Dtype::f16, &stats, threads);
    EXPECT_EQ(first_difference(many, one), "") << threads << " threads";
    EXPECT_EQ(stats.elements, one_stats.elements);
    EXPECT_EQ(stats.element_fallbacks, one_stats.element_fallbacks);
    EXPECT_EQ(stats.uncovered_angles, one_stats.uncovered_angles);
  }
  EXPECT_GT(one_stats.uncovered_angles, 0u) << "positions beyond 2^31 reached MPFR";

  // An invalid position late in the tokens (a position scale's domain starts at 0): the
  // same error, whichever thread meets it.
  RopeSpec scaled = spec;
  scaled.position_scale = PositionScale{};
  scaled.role = Role::query;
  positions[250] = -7;
  std::string messages[2];
  for (const unsigned threads : {1u, 4u}) {
    try {
      (void)certified_rope(scaled, PositionsView(positions, 1), x, kHeads, Dtype::f16, nullptr, threads);
      ADD_FAILURE() << "accepted position -7";
    } catch (const InvalidInput& e) {
      messages[threads == 1 ? 0 : 1] = e.what();
    }
  }
  EXPECT_EQ(messages[0], messages[1]);
  EXPECT_NE(messages[0].find("-7"), std::string::npos) << messages[0];
}

// --- certified_trig's bound -------------------------------------------------------------

struct TrigCase {
  double theta;
  std::int64_t m;
};

// θ spread over (2^-40, 1] (RoPE's θ_i = base^(−2i/R) with bases up to 1e7 and more), and
// positions anywhere below 2^31; one case in three next to a multiple of π/2, where the
// reduction cancels most.
rc::Gen<TrigCase> gen_trig_case() {
  return rc::gen::apply(
      [](double log2_theta, std::int64_t m, bool near_quadrant, std::int64_t quadrant, int nudge) {
        const double theta = std::exp2(-log2_theta);
        if (!near_quadrant) return TrigCase{theta, m};
        const double k = static_cast<double>(quadrant % 1000000);
        const double target = std::nearbyint(k * (M_PI / 2) / theta) + nudge;
        const double limit = 0x1p31 - 1;
        return TrigCase{theta, static_cast<std::int64_t>(std::fmin(std::fabs(target), limit))};
      },
      rc::gen::map(rc::gen::inRange<int>(0, 40000), [](int v) { return v / 1000.0; }),
      rc::gen::inRange<std::int64_t>(-(std::int64_t{1} << 31) + 1, std::int64_t{1} << 31),
      rc::gen::map(rc::gen::inRange(0, 3), [](int v) { return v == 0; }),
      rc::gen::inRange<std::int64_t>(1, std::int64_t{1} << 40), rc::gen::inRange(-2, 3));
}

// "" when ĉ and ŝ are within the bound of MPFR's cos and sin of MPFR's angle Real(m)·θ.
std::string check_trig_bound(const TrigCase& c, TrigFault fault) {
  const Real theta(c.theta);
  const CertifiedFrequencies f(std::span<const Real>(&theta, 1));
  if (!f.covers(0, c.m)) return "not covered";
  const CertifiedCosSin got = f.cos_sin(0, c.m, fault);
  const Real angle = Real(c.m) * theta;
  const Real exact[2] = {cos(angle), sin(angle)};
  const DoubleDouble values[2] = {got.cos, got.sin};
  for (int k = 0; k < 2; ++k) {
    const Real error = abs(Real(values[k].hi) + Real(values[k].lo) - exact[k]);
    const Real bound = Real(kTrigRelativeError) * abs(exact[k]) + Real(got.abs_error);
    if (error > bound) {
      return fmt::format("{} of {}·{:a}: error {:.3e} exceeds the bound {:.3e}", k == 0 ? "cos" : "sin", c.m, c.theta,
                         static_cast<double>(error), static_cast<double>(bound));
    }
  }
  return {};
}

RC_GTEST_PROP(certified_trig, within_its_bound, ()) {
  const TrigCase c = *gen_trig_case();
  const std::string violation = check_trig_bound(c, TrigFault::none);
  RC_ASSERT(violation == "");
}

TEST(certified_trig, exact_at_zero_angles) {
  auto one = [](double theta) {
    const Real t(theta);
    return CertifiedFrequencies(std::span<const Real>(&t, 1));
  };
  const CertifiedCosSin negative = one(0).cos_sin(0, -5);
  EXPECT_TRUE(negative.exact);
  EXPECT_EQ(negative.cos.hi, 1.0);
  EXPECT_TRUE(std::signbit(negative.sin.hi)) << "MPFR's (−5)·0 is −0, and sin(−0) = −0";
  const CertifiedCosSin at_zero = one(0.25).cos_sin(0, 0);
  EXPECT_TRUE(at_zero.exact);
  EXPECT_FALSE(std::signbit(at_zero.sin.hi));
  EXPECT_FALSE(one(1.5).covers(0, 1)) << "θ > 1 is outside the proof's domain";
  EXPECT_FALSE(one(0.5).covers(0, std::int64_t{1} << 31));
}

TEST(certified_trig, negative_controls_are_caught) {
  for (const auto& [name, fault] : {std::pair{"short polynomials", TrigFault::short_polynomials},
                                    std::pair{"double table", TrigFault::double_table},
                                    std::pair{"short reduction", TrigFault::short_reduction}}) {
    ropecheck::testing::expect_counterexample(name, [fault = fault]() {
      const TrigCase c = *gen_trig_case();
      const std::string violation = check_trig_bound(c, fault);
      RC_ASSERT(violation == "");
    });
  }
}

// --- Ziv's test ---------------------------------------------------------------------------

struct IntervalCase {
  Dtype dtype;
  double hi;
  double lo;
  double error;
};

// hi a value or a rounding boundary of the dtype (for f64: a double, lo pushing it to a
// boundary), lo and E from 0 to a few of the dtype's ulps down to 2^-60 of one.
rc::Gen<IntervalCase> gen_interval_case() {
  return rc::gen::apply(
      [](Dtype dtype, std::uint32_t bits, int binade, bool midpoint, int lo_scale, int error_scale, bool negative) {
        const int p = format_of(dtype).precision;
        const double significand = 1.0 + std::ldexp(static_cast<double>(bits % (1u << 23)), -23);
        double hi = std::ldexp(significand, binade);
        const double ulp = std::ldexp(1.0, binade - p + 1);
        if (midpoint && p < 53) hi = std::ldexp(std::nearbyint(std::ldexp(hi, p - 1 - binade)) + 0.5, binade - p + 1);
        double lo = lo_scale == 0 ? 0.0 : std::ldexp(ulp, -lo_scale) * ((bits & 1) != 0 ? 1 : -1);
        if (midpoint && p == 53) lo = std::ldexp(ulp, -1) + lo * 0x1p-40;
        const double error = error_scale == 0 ? 0.0 : std::ldexp(ulp, -error_scale);
        return IntervalCase{dtype, negative ? -hi : hi, negative ? -lo : lo, error};
      },
      rc::gen::element(Dtype::f64, Dtype::f32, Dtype::bf16, Dtype::f16), rc::gen::arbitrary<std::uint32_t>(),
      rc::gen::inRange(-30, 20), rc::gen::arbitrary<bool>(), rc::gen::inRange(0, 60), rc::gen::inRange(0, 60),
      rc::gen::arbitrary<bool>());
}

// "" when a decision (if any) is what both ends of the interval round to.
std::string check_sound(const IntervalCase& c, double error_used) {
  const std::optional<std::uint64_t> decided = round_interval_to_bits({c.hi, c.lo}, error_used, c.dtype);
  if (!decided) return {};
  const Real centre = Real(c.hi) + Real(c.lo);  // exact: the parts are < 257 bits apart
  for (const Real& end : {centre - Real(c.error), centre + Real(c.error)}) {
    const std::uint64_t want = round_to_bits(end, c.dtype);
    if (want != *decided) {
      return fmt::format("{} {:a} + {:a} ± {:a}: decided {:#x}, an end rounds to {:#x}", to_string(c.dtype), c.hi,
                         c.lo, c.error, *decided, want);
    }
  }
  return {};
}

RC_GTEST_PROP(round_interval, decides_only_what_the_whole_interval_rounds_to, ()) {
  const IntervalCase c = *gen_interval_case();
  const std::string violation = check_sound(c, c.error);
  RC_ASSERT(violation == "");
}

TEST(round_interval, negative_control_ignoring_the_bound_is_caught) {
  ropecheck::testing::expect_counterexample("decided without the error bound", []() {
    const IntervalCase c = *gen_interval_case();
    const std::string violation = check_sound(c, 0.0);
    RC_ASSERT(violation == "");
  });
}

TEST(round_interval, decides_far_from_boundaries_and_refuses_at_them) {
  EXPECT_EQ(round_interval_to_bits({1.0, 0x1p-80}, 0x1p-90, Dtype::f64), bits_of(1.0));
  EXPECT_EQ(round_interval_to_bits({1.0, -0x1p-80}, 0x1p-90, Dtype::f64), bits_of(1.0)) << "below a power of two";
  EXPECT_EQ(round_interval_to_bits({1.0, -0x1p-54}, 0x1p-100, Dtype::f64), std::nullopt) << "the midpoint below 1";
  EXPECT_EQ(round_interval_to_bits({1.0 + 0x1p-8, 0x1p-95}, 0x1p-90, Dtype::bf16), std::nullopt) << "a bf16 midpoint";
  EXPECT_EQ(round_interval_to_bits({1.0 + 0x1p-8, 0x1p-60}, 0x1p-61, Dtype::bf16), 0x3f81u) << "just above it";
  EXPECT_EQ(round_interval_to_bits({0x1p-30, 0}, 0, Dtype::f16), std::nullopt) << "rounds to zero: MPFR's";
  EXPECT_EQ(round_interval_to_bits({65520.0, 0}, 0x1p-20, Dtype::f16), std::nullopt) << "reaches Inf: MPFR's";
}

// Any double, or a midpoint of bf16, f16 or f32 a few double ulps either side.
rc::Gen<double> gen_double_near_boundaries() {
  return rc::gen::oneOf(props::gen_element(),
                        rc::gen::apply(
                            [](int precision, std::uint32_t bits, int binade, int steps) {
                              const int fraction_bits = precision - 1;
                              const double fraction = static_cast<double>(bits % (1u << fraction_bits)) + 0.5;
                              double x = std::ldexp(1.0 + std::ldexp(fraction, -fraction_bits), binade);
                              for (; steps > 0; --steps) x = std::nextafter(x, HUGE_VAL);
                              for (; steps < 0; ++steps) x = std::nextafter(x, -HUGE_VAL);
                              return x;
                            },
                            rc::gen::element(8, 11, 24), rc::gen::arbitrary<std::uint32_t>(),
                            rc::gen::inRange(-160, 140), rc::gen::inRange(-2, 3)));
}

RC_GTEST_PROP(round_double, equals_round_to_bits, ()) {
  const double x = *gen_double_near_boundaries();
  for (const Dtype d : {Dtype::f64, Dtype::f32, Dtype::bf16, Dtype::f16}) {
    if (std::isnan(x)) continue;  // MPFR carries no NaN sign; the NaN pattern is tested below
    RC_ASSERT(round_double_to_bits(x, d) == round_to_bits(Real(x), d));
  }
}

TEST(round_double, nan_and_negative_control) {
  EXPECT_EQ(round_double_to_bits(-std::numeric_limits<double>::quiet_NaN(), Dtype::bf16), 0xffc0u);
  EXPECT_EQ(round_double_to_bits(std::numeric_limits<double>::quiet_NaN(), Dtype::f16), 0x7e00u);
  ropecheck::testing::expect_counterexample("bf16 through float (double rounding)", []() {
    const double x = *gen_double_near_boundaries();
    if (std::isnan(x)) return;
    const std::uint64_t through_float = round_double_to_bits(static_cast<double>(static_cast<float>(x)), Dtype::bf16);
    RC_ASSERT(through_float == round_to_bits(Real(x), Dtype::bf16));
  });
}

// --- The fast path decides --------------------------------------------------------------

TEST(certified_rope, decides_every_normal_element_and_counts_the_rest) {
  RopeSpec spec;
  spec.head_dim = 128;
  spec.rotary_dim = 128;
  spec.base = 10000;
  constexpr std::size_t kTokens = 48, kHeads = 8;
  std::vector<std::int64_t> positions(kTokens);
  std::mt19937_64 rng(20261201);
  std::uniform_int_distribution<std::int64_t> position(0, (std::int64_t{1} << 20) - 1);
  for (auto& m : positions) m = position(rng);
  std::normal_distribution<float> normal;
  std::vector<double> x(kTokens * kHeads * 128);
  for (double& v : x) v = static_cast<double>(normal(rng));
  CertifiedStats stats;
  const ExactRope fast = certified_rope(spec, PositionsView(positions, 1), x, kHeads, Dtype::bf16, &stats);
  EXPECT_EQ(stats.elements, x.size());
  EXPECT_EQ(stats.element_fallbacks, 0u);
  EXPECT_EQ(stats.angle_fallbacks, 0u);
  EXPECT_EQ(first_difference(fast, exact_rope(spec, PositionsView(positions, 1), x, kHeads, Dtype::bf16)), "");

  // Control: what the fast path leaves to MPFR (here infinite inputs) is counted, so the
  // zero above can fail.
  std::fill(x.begin(), x.begin() + 256, std::numeric_limits<double>::infinity());
  CertifiedStats infinite;
  (void)certified_rope(spec, PositionsView(positions, 1), x, kHeads, Dtype::bf16, &infinite);
  EXPECT_GE(infinite.element_fallbacks, 256u);
}

}  // namespace
}  // namespace ropecheck::reference
