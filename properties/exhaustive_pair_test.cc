// `ropecheck exhaustive` (props/exhaustive_pair.h): every finite input pair of bf16/f16
// through the built-in kernels against the certified truth, here on shards small enough
// for CI: the kernels pass; a kernel whose table is off by 2^-10 is caught (the negative
// control); the thread count changes nothing; shards have the sizes they should; bad
// requests are InvalidInput.
#include <gtest/gtest.h>

#include <cstdint>

#include "ropecheck/errors.h"
#include "ropecheck/props/exhaustive_pair.h"

namespace ropecheck::props {
namespace {

constexpr std::uint64_t kFiniteBf16 = 65536 - 2 * 128;  // all but exponent field 0xff
constexpr std::uint64_t kFiniteF16 = 65536 - 2 * 1024;  // all but exponent field 0x1f

ExhaustiveRequest llama2(std::size_t pair, std::int64_t position, std::size_t shard_index, std::size_t shard_count) {
  ExhaustiveRequest q;
  q.spec.head_dim = q.spec.rotary_dim = 128;
  q.spec.layout = Layout::half_split;
  q.spec.base = 10000;
  q.pair = pair;
  q.position = position;
  q.shard_index = shard_index;
  q.shard_count = shard_count;
  return q;
}

TEST(exhaustive_pair, the_kernels_pass_shards_of_small_and_large_angles) {
  for (const auto& [pair, position] : {std::pair<std::size_t, std::int64_t>{0, 1}, {63, (1 << 20) - 1}, {17, 65536}}) {
    const ExhaustiveResult r = check_every_input_pair(llama2(pair, position, 7, 2048));
    EXPECT_EQ(r.inputs, 32 * kFiniteBf16) << "a values 6, 2054, … of 65,280: 32 of them";
    EXPECT_EQ(r.elements, 2 * r.inputs);
    EXPECT_EQ(r.beyond_bound, 0u) << "pair " << pair << " at " << position << ", peak " << r.peak_ratio;
    EXPECT_LE(r.peak_ratio, 1.0);
    EXPECT_GT(r.correctly_rounded, r.elements / 2);
  }
  ExhaustiveRequest f16 = llama2(3, 4097, 5, 4096);
  f16.dtype = Dtype::f16;
  const ExhaustiveResult r = check_every_input_pair(f16);
  EXPECT_EQ(r.inputs, 16 * kFiniteF16) << "63,488 finite f16 values: a values 4, 4100, … (16)";
  EXPECT_EQ(r.beyond_bound, 0u) << r.peak_ratio;
}

TEST(exhaustive_pair, negative_control_a_table_off_by_2_to_the_minus_10_is_caught) {
  ExhaustiveRequest q = llama2(5, 1000, 1, 4096);
  q.table_perturbation = 0x1p-10;
  const ExhaustiveResult r = check_every_input_pair(q);
  EXPECT_GT(r.beyond_bound, 0u) << "the check cannot fail";
  ASSERT_TRUE(r.worst.has_value());
  EXPECT_GT(r.worst->ratio, 1.0);
}

TEST(exhaustive_pair, the_thread_count_changes_nothing) {
  ExhaustiveRequest q = llama2(40, 123457, 2, 4096);
  q.threads = 1;
  const ExhaustiveResult one = check_every_input_pair(q);
  q.threads = 3;
  const ExhaustiveResult three = check_every_input_pair(q);
  EXPECT_EQ(one.inputs, three.inputs);
  EXPECT_EQ(one.correctly_rounded, three.correctly_rounded);
  EXPECT_EQ(one.beyond_bound, three.beyond_bound);
  EXPECT_EQ(one.peak_ratio, three.peak_ratio);
  ASSERT_EQ(one.worst.has_value(), three.worst.has_value());
  if (one.worst) {
    EXPECT_EQ(one.worst->a_bits, three.worst->a_bits);
    EXPECT_EQ(one.worst->b_bits, three.worst->b_bits);
    EXPECT_EQ(one.worst->second, three.worst->second);
  }
}

TEST(exhaustive_pair, bad_requests_are_invalid_input) {
  ExhaustiveRequest f32 = llama2(0, 1, 1, 1);
  f32.dtype = Dtype::f32;
  EXPECT_THROW(check_every_input_pair(f32), InvalidInput);
  EXPECT_THROW(check_every_input_pair(llama2(64, 1, 1, 1)), InvalidInput) << "pairs are 0 … 63";
  EXPECT_THROW(check_every_input_pair(llama2(0, 1, 0, 4)), InvalidInput);
  EXPECT_THROW(check_every_input_pair(llama2(0, 1, 5, 4)), InvalidInput);
  EXPECT_THROW(check_every_input_pair(llama2(0, std::int64_t{1} << 40, 1, 1)), InvalidInput)
      << "beyond the accurate table's domain";
}

}  // namespace
}  // namespace ropecheck::props
