// The kernel API as the README shows it: rotating the q slice of a fused qkv buffer in
// place gives the same bits as rotating a dense copy out of place, and leaves k and v
// alone; bad calls are InvalidInput.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ropecheck/errors.h"
#include "ropecheck/kernels/rope_kernels.h"

using namespace ropecheck;
namespace k = ropecheck::kernels;

namespace {

constexpr std::size_t kHeads = 4, kHeadDim = 128, kTokens = 5;

std::vector<std::uint16_t> bf16_values(std::size_t n) {
  std::vector<std::uint16_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint16_t>(0x3C00u + (i * 37u) % 0x800u);  // 2^-7 … 2^9
  return v;
}

}  // namespace

TEST(rope_kernel_api, q_slice_of_a_fused_qkv_buffer_rotates_in_place_like_a_dense_copy) {
  const RopeSpec spec = spec_from_json_text(
      R"({"head_dim":128,"rotary_dim":128,"layout":"half_split","base":10000,"scaling":{"type":"none"}})");
  const std::vector<std::int64_t> positions = {0, 1, 2, 3, 70000};
  const std::size_t row = kHeads * kHeadDim;
  std::vector<std::uint16_t> qkv = bf16_values(kTokens * 3 * row);
  const std::vector<std::uint16_t> before = qkv;
  std::vector<std::uint16_t> dense_q(kTokens * row), rotated(kTokens * row);
  for (std::size_t t = 0; t < kTokens; ++t) std::memcpy(&dense_q[t * row], &qkv[t * 3 * row], row * 2);

  k::ConstTensor in{qkv.data(), Dtype::bf16, 3 * row};
  k::MutableTensor out{qkv.data(), Dtype::bf16, 3 * row};
  k::apply_rope(spec, positions, kHeads, in, out);

  const k::CosSinTable table = k::build_table(spec, positions);
  k::apply_rope(k::rope_shape(spec, kTokens, kHeads), table, k::ConstTensor{dense_q.data(), Dtype::bf16, 0},
                k::MutableTensor{rotated.data(), Dtype::bf16, 0});
  for (std::size_t t = 0; t < kTokens; ++t) {
    EXPECT_EQ(0, std::memcmp(&qkv[t * 3 * row], &rotated[t * row], row * 2)) << "q of token " << t;
    EXPECT_EQ(0, std::memcmp(&qkv[t * 3 * row + row], &before[t * 3 * row + row], 2 * row * 2)) << "k, v of token " << t;
  }
  EXPECT_NE(0, std::memcmp(&qkv[3 * 3 * row], &before[3 * 3 * row], row * 2)) << "token 3 was rotated";
}

TEST(rope_kernel_api, bad_calls_are_invalid_input) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = 8;
  const std::vector<std::int64_t> positions = {0, 1};
  std::vector<float> x(2 * 8), y(2 * 8);
  const k::CosSinTable table = k::build_table(spec, positions);
  const k::RopeShape shape = k::rope_shape(spec, 2, 1);
  EXPECT_THROW(k::apply_rope(shape, table, {x.data(), Dtype::f32, 0}, {y.data(), Dtype::bf16, 0}), InvalidInput);
  EXPECT_THROW(k::apply_rope(shape, table, {x.data(), Dtype::f64, 0}, {y.data(), Dtype::f64, 0}), InvalidInput);
  EXPECT_THROW(k::apply_rope(shape, table, {x.data(), Dtype::f32, 4}, {y.data(), Dtype::f32, 0}), InvalidInput);
  EXPECT_THROW(k::apply_rope(shape, table, {x.data(), Dtype::f32, 0}, {x.data() + 1, Dtype::f32, 0}), InvalidInput);
  EXPECT_THROW(k::apply_rope(k::rope_shape(spec, 3, 1), table, {x.data(), Dtype::f32, 0}, {y.data(), Dtype::f32, 0}),
               InvalidInput);
  EXPECT_NO_THROW(k::apply_rope(shape, table, {x.data(), Dtype::f32, 0}, {y.data(), Dtype::f32, 0}));
}
