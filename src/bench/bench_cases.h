// The benchmark matrix (docs/benchmarks.md#matrix) and the names of its benchmarks. The benchmarks are
// registered from this list and the ratio table looks their times up by the same names,
// so the two cannot drift apart.
//
// Names: rope/<shape>/<dtype>/<layout>/<placement>, baseline/<shape>/<dtype>/memcpy,
// baseline/<shape>/<dtype>/scale_in_place, table/<mode> and table/scalar_sinf_cosf.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ropecheck/dtype.h"
#include "ropecheck/kernels/cos_sin_table.h"
#include "ropecheck/spec.h"

namespace ropecheck::bench {

// [tokens, heads, head_dim]: "dram" is far larger than any cache (64 MiB in f32), "cache"
// fits in L2 with its output (256 KiB in f32), so the two bound the kernel from both sides.
struct BenchShape {
  std::string_view name;
  std::size_t tokens;
  std::size_t heads;
  std::size_t head_dim;

  std::size_t elements() const { return tokens * heads * head_dim; }
};

inline constexpr BenchShape kShapes[] = {
    {"dram", 4096, 32, 128},
    {"cache", 16, 32, 128},
};

inline constexpr Dtype kDtypes[] = {Dtype::f32, Dtype::bf16, Dtype::f16};
inline constexpr Layout kLayouts[] = {Layout::interleaved, Layout::half_split};

enum class Placement { in_place, out_of_place };
inline constexpr Placement kPlacements[] = {Placement::in_place, Placement::out_of_place};

std::string_view to_string(Placement placement);

// Table construction is timed for this many positions (0 … kTableTokens − 1).
inline constexpr std::size_t kTableTokens = 4096;

inline constexpr kernels::TableMode kTableModes[] = {
    kernels::TableMode::accurate, kernels::TableMode::f32_angle,
    kernels::TableMode::f32_recurrence};

// The spec every benchmark rotates with: R = D = 128, base 10000, no scaling.
RopeSpec bench_spec(Layout layout);

std::string kernel_name(const BenchShape& shape, Dtype dtype, Layout layout, Placement placement);
std::string memcpy_name(const BenchShape& shape, Dtype dtype);
std::string scale_name(const BenchShape& shape, Dtype dtype);
std::string table_name(kernels::TableMode mode);
std::string scalar_table_name();

}  // namespace ropecheck::bench
