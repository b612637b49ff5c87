// IEEE special values through the kernels on every target, and exhaustive sweeps of all
// 65,536 bf16 and f16 inputs in one pair at several angles (docs/testing.md#exhaustive-checks: exhaustive where it
// is feasible). Documented behaviour (rope_kernels.h):
//  - NaN in a pair makes both of its outputs NaN (quiet), other pairs are unaffected;
//  - ±Inf in a pair makes both of its outputs non-finite (Inf, or NaN where IEEE
//    arithmetic gives Inf·0 or Inf − Inf);
//  - a zero pair gives zeros; subnormal inputs and outputs are rounded like any other
//    value (no flush to zero, also on the AVX512-BF16 path);
//  - a result beyond the output dtype's range becomes ±Inf, as correct rounding says;
//  - pass-through dims are copied bit for bit, NaN payloads included.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

using namespace ropecheck;
using namespace ropecheck::props;

namespace {

const std::vector<KernelUnderTest>& all_targets() {
  static const std::vector<KernelUnderTest> kernels = builtin_kernels();
  return kernels;
}

constexpr Dtype kDtypes[] = {Dtype::f32, Dtype::bf16, Dtype::f16};

std::uint32_t bits_of(double v, Dtype dtype) {
  return static_cast<std::uint32_t>(reference::round_to_bits(reference::Real(v), dtype));
}

// One token, one head, head_dim 10 with rotary_dim 8 (4 pairs, 2 pass-through dims).
KernelCase small_case(Dtype dtype, Layout layout, std::int64_t position) {
  KernelCase c;
  c.spec.head_dim = 10;
  c.spec.rotary_dim = 8;
  c.spec.layout = layout;
  c.dtype = dtype;
  c.positions = {position};
  return c;
}

KernelBuffers buffers_with(const KernelCase& c, const std::vector<std::uint32_t>& bits) {
  KernelBuffers b;
  const std::size_t bytes = storage_bytes(c.dtype);
  b.in.resize(c.storage_elements() * bytes);
  for (std::size_t k = 0; k < bits.size(); ++k) store_bits(b.in.data() + k * bytes, c.dtype, bits[k]);
  for (std::size_t k = 0; k < bits.size(); ++k) b.x.push_back(widen(b.in.data() + k * bytes, c.dtype));
  return b;
}

std::uint32_t nan_with_payload(Dtype dtype) {
  switch (dtype) {
    case Dtype::f32: return 0x7FC12345u;
    case Dtype::bf16: return 0x7FC5u;
    default: return 0x7E15u;
  }
}

}  // namespace

TEST(rope_kernel_special_values, nan_and_inf_poison_their_pair_only_and_pass_through_is_bitwise) {
  for (const Dtype dtype : kDtypes) {
    for (const Layout layout : {Layout::interleaved, Layout::half_split}) {
      for (const std::int64_t position : {std::int64_t{0}, std::int64_t{3}}) {
        const KernelCase c = small_case(dtype, layout, position);
        const double inf = std::numeric_limits<double>::infinity();
        // Pairs: 0 = (NaN, 1), 1 = (+Inf, 1), 2 = (−Inf, −Inf), 3 = (0.5, −2); pass-through NaN payload, −0.
        std::vector<double> pair_a{NAN, inf, -inf, 0.5}, pair_b{1, 1, -inf, -2};
        std::vector<std::uint32_t> bits(10);
        for (std::size_t i = 0; i < 4; ++i) {
          const auto [ia, ib] = reference::pair_indices(layout, 8, i);
          bits[ia] = i == 0 ? nan_with_payload(dtype) : bits_of(pair_a[i], dtype);
          bits[ib] = bits_of(pair_b[i], dtype);
        }
        bits[8] = nan_with_payload(dtype);
        bits[9] = bits_of(-0.0, dtype);
        const KernelBuffers buffers = buffers_with(c, bits);
        for (const KernelUnderTest& k : all_targets()) {
          const std::vector<unsigned char> out = run_kernel(c, buffers, k);
          const std::vector<double> y = widen_output(c, out);
          const std::string where = fmt::format("{} {} {} position {}", k.name, to_string(dtype),
                                                layout == Layout::interleaved ? "interleaved" : "half_split", position);
          for (std::size_t i = 0; i < 4; ++i) {
            const auto [ia, ib] = reference::pair_indices(layout, 8, i);
            if (i == 0) {
              EXPECT_TRUE(std::isnan(y[ia]) && std::isnan(y[ib])) << where << ": NaN pair";
            } else if (i < 3) {
              EXPECT_FALSE(std::isfinite(y[ia]) || std::isfinite(y[ib])) << where << ": Inf pair " << i;
            } else {
              EXPECT_TRUE(std::isfinite(y[ia]) && std::isfinite(y[ib])) << where << ": finite pair";
            }
          }
          const std::size_t bytes = storage_bytes(dtype);
          EXPECT_EQ(storage_bits(out.data() + 8 * bytes, dtype), nan_with_payload(dtype)) << where << ": NaN payload";
          EXPECT_EQ(storage_bits(out.data() + 9 * bytes, dtype), bits_of(-0.0, dtype)) << where << ": −0";
        }
      }
    }
  }
}

TEST(rope_kernel_special_values, zero_pairs_give_zeros) {
  for (const Dtype dtype : kDtypes) {
    const KernelCase c = small_case(dtype, Layout::interleaved, 12345);
    const std::vector<std::uint32_t> bits{bits_of(0.0, dtype), bits_of(-0.0, dtype), bits_of(-0.0, dtype),
                                          bits_of(-0.0, dtype), bits_of(0.0, dtype), bits_of(0.0, dtype),
                                          bits_of(-0.0, dtype), bits_of(0.0, dtype), 0, 0};
    const KernelBuffers buffers = buffers_with(c, bits);
    for (const KernelUnderTest& k : all_targets()) {
      for (const double v : widen_output(c, run_kernel(c, buffers, k))) EXPECT_EQ(v, 0.0) << k.name;
    }
  }
}

TEST(rope_kernel_special_values, subnormals_survive_a_zero_angle_exactly) {
  // At position 0 the table holds cos = 1, sin = 0 exactly, so every output must equal its
  // input bit for bit: catches flush-to-zero (VCVTNEPS2BF16 flushes f32 subnormals).
  for (const Dtype dtype : kDtypes) {
    const DtypeFormat f = format_of(dtype);
    const std::uint32_t largest_subnormal = (1u << (f.precision - 1)) - 1;
    const std::uint32_t sign = 1u << (f.storage_bits - 1);
    KernelCase c;
    c.spec.head_dim = c.spec.rotary_dim = 64;
    c.dtype = dtype;
    c.positions = {0};
    std::vector<std::uint32_t> bits(64);
    for (std::uint32_t k = 0; k < 64; ++k) bits[k] = (1 + k * (largest_subnormal / 64)) | (k % 2 ? sign : 0);
    const KernelBuffers buffers = buffers_with(c, bits);
    for (const KernelUnderTest& k : all_targets()) {
      const std::vector<unsigned char> out = run_kernel(c, buffers, k);
      for (std::size_t e = 0; e < 64; ++e) {
        EXPECT_EQ(storage_bits(out.data() + e * storage_bytes(dtype), dtype), bits[e])
            << k.name << " " << to_string(dtype) << " element " << e;
      }
    }
  }
}

TEST(rope_kernel_special_values, results_beyond_the_range_round_to_infinity) {
  for (const Dtype dtype : {Dtype::bf16, Dtype::f16}) {
    // (max, max) at an angle near π/4: |b'| ≈ √2·max, beyond the range: +Inf.
    KernelCase c;
    c.spec.head_dim = c.spec.rotary_dim = 2;
    c.dtype = dtype;
    c.positions = {1};  // θ_0 = 1: angle 1 rad, cos + sin ≈ 1.38
    const DtypeFormat f = format_of(dtype);
    const double max = std::ldexp(2.0 - std::ldexp(1.0, 1 - f.precision), f.max_exponent);
    const KernelBuffers buffers = buffers_with(c, {bits_of(max, dtype), bits_of(max, dtype)});
    const auto exact = reference::exact_rope(c.spec, c.positions, buffers.x, 1);
    ASSERT_EQ(bits_of(exact.expected[1], dtype), bits_of(INFINITY, dtype));
    for (const KernelUnderTest& k : all_targets()) {
      const std::vector<double> y = widen_output(c, run_kernel(c, buffers, k));
      EXPECT_EQ(y[1], std::numeric_limits<double>::infinity()) << k.name << " " << to_string(dtype);
      EXPECT_TRUE(std::isfinite(y[0])) << k.name;
    }
  }
}

// Every 16-bit pattern as a in a pair (a, b), b ∈ {0, 1.5, −2^-3}, at positions 1, 1000
// and 2^20 + 1 (θ_0 = 1): all within the exact bound on every target (NaN → NaN,
// ±Inf → the exact ±Inf), and the share that is correctly rounded is printed.
TEST(rope_kernel_exhaustive, every_bf16_and_f16_input_is_within_the_exact_bound) {
  for (const Dtype dtype : {Dtype::bf16, Dtype::f16}) {
    KernelCase c;
    c.spec.head_dim = c.spec.rotary_dim = 2;
    c.dtype = dtype;
    c.heads = 3 * 65536;
    c.positions = {1, 1000, (1 << 20) + 1};
    std::vector<std::uint32_t> bits;
    for (const double b : {0.0, 1.5, -0.125}) {
      for (std::uint32_t a = 0; a < 65536; ++a) {
        bits.push_back(a);
        bits.push_back(bits_of(b, dtype));
      }
    }
    std::vector<std::uint32_t> all_tokens;
    for (std::size_t t = 0; t < c.positions.size(); ++t) all_tokens.insert(all_tokens.end(), bits.begin(), bits.end());
    const KernelBuffers buffers = buffers_with(c, all_tokens);
    const auto exact = reference::exact_rope(c.spec, c.positions, buffers.x, c.heads);
    for (const KernelUnderTest& k : all_targets()) {
      const std::vector<double> y = widen_output(c, run_kernel(c, buffers, k));
      const auto stats = numeric::measure(exact, y, numeric::error_model(numeric::Profile::exact, dtype, k.arithmetic));
      std::size_t correctly_rounded = 0;
      for (std::size_t e = 0; e < y.size(); ++e) {
        const std::uint32_t want = bits_of(exact.expected[e], dtype);
        if ((std::isnan(y[e]) && std::isnan(exact.expected[e])) || bits_of(y[e], dtype) == want) ++correctly_rounded;
      }
      std::cout << fmt::format("{} {}: {} of {} outputs correctly rounded; {}\n", k.name, to_string(dtype),
                               correctly_rounded, y.size(), stats.summary());
      EXPECT_TRUE(stats.within_bound()) << k.name << " " << to_string(dtype) << ": " << stats.summary();
    }
  }
}
