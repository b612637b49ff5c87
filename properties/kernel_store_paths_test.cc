// The kernels' store paths give the same bits whichever is taken. Random shapes in
// kernel_properties rarely reach the rarer ones, so they are forced here on every target:
//  - non-temporal (streamed) stores against ordinary ones: streaming needs an aligned
//    output (rope_kernels-inl.h, CanStream: base, token and head strides and the
//    half_split offset multiples of the widest vector store, 64 bytes with AVX-512);
//  - blocks of 8, 4 and 1 vectors and the tail in one row, for both layouts, with
//    subnormal results in some vectors of a block: the AVX512-BF16 path tests a block at
//    once and rounds the whole block by hand when one result is subnormal.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

using namespace ropecheck;
namespace k = ropecheck::kernels;

namespace {

constexpr Dtype kDtypes[] = {Dtype::f32, Dtype::bf16, Dtype::f16};
constexpr k::Bf16Conversion kConversions[] = {k::Bf16Conversion::automatic, k::Bf16Conversion::software};

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using AlignedBytes = std::unique_ptr<unsigned char, FreeDeleter>;

// 256-byte aligned (any vector store of any target is aligned then), zero-filled.
AlignedBytes aligned_bytes(std::size_t bytes) {
  const std::size_t rounded = (bytes + 255) / 256 * 256;
  AlignedBytes p(static_cast<unsigned char*>(std::aligned_alloc(256, rounded)));
  std::memset(p.get(), 0, rounded);
  return p;
}

// Element e of a dtype: normal values of both signs spread over a few binades; with
// `subnormal_every` > 0, every such element is the dtype's subnormal instead.
std::uint32_t element_bits(Dtype dtype, std::size_t e, std::size_t subnormal_every) {
  const DtypeFormat f = format_of(dtype);
  const std::uint32_t sign = e % 3 == 1 ? 1u << (f.storage_bits - 1) : 0;
  if (subnormal_every != 0 && e % subnormal_every == 0) {
    const std::uint32_t largest_subnormal = (1u << (f.precision - 1)) - 1;
    return sign | (1 + static_cast<std::uint32_t>(e * 7919) % largest_subnormal);
  }
  const double value = (1.0 + static_cast<double>(e % 97) / 97.0) * std::ldexp(1.0, static_cast<int>(e % 9) - 4);
  return sign | static_cast<std::uint32_t>(reference::round_to_bits(reference::Real(value), dtype));
}

void fill(unsigned char* data, Dtype dtype, std::size_t elements, std::size_t subnormal_every) {
  const std::size_t bytes = storage_bytes(dtype);
  for (std::size_t e = 0; e < elements; ++e) {
    const std::uint32_t bits = element_bits(dtype, e, subnormal_every);
    std::memcpy(data + e * bytes, &bits, bytes);  // little-endian: the low bytes hold the value
  }
}

struct DispatchScope {
  explicit DispatchScope(std::int64_t target) { k::restrict_dispatch(target); }
  ~DispatchScope() { k::restrict_dispatch(0); }
};

}  // namespace

TEST(rope_kernel_store_paths, streamed_stores_give_the_same_bits_as_cached_ones) {
  constexpr std::size_t kTokens = 3, kHeads = 2, kHeadDim = 256;
  const std::vector<std::int64_t> positions = {0, 4097, 1048575};
  for (const std::int64_t target : k::available_targets()) {
    const DispatchScope scope(target);
    for (const Dtype dtype : kDtypes) {
      for (const Layout layout : {Layout::interleaved, Layout::half_split}) {
        RopeSpec spec;
        spec.head_dim = spec.rotary_dim = kHeadDim;
        spec.layout = layout;
        const std::size_t bytes = kTokens * kHeads * kHeadDim * storage_bytes(dtype);
        const AlignedBytes in = aligned_bytes(bytes), cached = aligned_bytes(bytes), streamed = aligned_bytes(bytes);
        fill(in.get(), dtype, kTokens * kHeads * kHeadDim, 0);
        for (const k::Bf16Conversion conversion : kConversions) {
          k::apply_rope(spec, positions, kHeads, {in.get(), dtype, 0}, {cached.get(), dtype, 0},
                        {conversion, k::Streaming::never});
          k::apply_rope(spec, positions, kHeads, {in.get(), dtype, 0}, {streamed.get(), dtype, 0},
                        {conversion, k::Streaming::always});
          EXPECT_EQ(0, std::memcmp(cached.get(), streamed.get(), bytes))
              << k::target_name(target) << " " << to_string(dtype) << " " << to_string(layout);
          EXPECT_NE(0, std::memcmp(in.get(), streamed.get(), bytes)) << "rotated at all";
        }
      }
    }
  }
}

// At position 0 the table is cos = 1, sin = 0 exactly, so every output equals its input
// bit for bit, subnormals included. 213 pairs = 128 + 64 + 16 + 5 make blocks of 8, 4
// and 1 sixteen-pair vectors and a tail (and other splits at other widths).
TEST(rope_kernel_store_paths, blocks_with_some_subnormal_results_round_every_element) {
  constexpr std::size_t kHeads = 3, kHeadDim = 426;
  const std::vector<std::int64_t> positions = {0};
  for (const std::int64_t target : k::available_targets()) {
    const DispatchScope scope(target);
    for (const Dtype dtype : kDtypes) {
      for (const Layout layout : {Layout::interleaved, Layout::half_split}) {
        for (const std::size_t subnormal_every : {std::size_t{37}, std::size_t{1}}) {
          RopeSpec spec;
          spec.head_dim = spec.rotary_dim = kHeadDim;
          spec.layout = layout;
          const std::size_t elements = kHeads * kHeadDim, bytes = elements * storage_bytes(dtype);
          const AlignedBytes in = aligned_bytes(bytes), out = aligned_bytes(bytes);
          fill(in.get(), dtype, elements, subnormal_every);
          for (const k::Bf16Conversion conversion : kConversions) {
            std::memset(out.get(), 0, bytes);
            k::apply_rope(spec, positions, kHeads, {in.get(), dtype, 0}, {out.get(), dtype, 0}, {conversion});
            for (std::size_t e = 0; e < elements; ++e) {
              const std::size_t b = storage_bytes(dtype);
              ASSERT_EQ(0, std::memcmp(in.get() + e * b, out.get() + e * b, b))
                  << k::target_name(target) << " " << to_string(dtype) << " " << to_string(layout)
                  << " subnormal every " << subnormal_every << ": element " << e;
            }
          }
        }
      }
    }
  }
}
