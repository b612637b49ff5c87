// The speed targets the ratio table checks, as data: kernel time measured against a
// same-run baseline (ratio = baseline time / kernel time, so 1 is baseline speed).
// The first rule that matches a kernel row applies; a row no rule matches has no target.
// The numbers: docs/benchmarks.md#targets.
#pragma once

#include <optional>
#include <string_view>

#include "bench/bench_cases.h"
#include "ropecheck/dtype.h"

namespace ropecheck::bench {

enum class Baseline { memcpy, scale_in_place };

std::string_view to_string(Baseline baseline);

struct KernelTarget {
  std::string_view shape;              // a BenchShape name
  std::optional<Dtype> dtype;          // nullopt: every dtype
  std::optional<Placement> placement;  // nullopt: both
  Baseline baseline;
  double min_ratio;
  // docs/benchmarks.md#targets: in cache, bf16 reaches 0.5× memcpy only with AVX512-BF16's conversion
  // instructions, so on CPUs without them the target is not checked.
  bool needs_avx512_bf16 = false;
};

inline constexpr KernelTarget kKernelTargets[] = {
    // From DRAM the kernel's arithmetic hides behind the memory traffic it shares with
    // the baseline: it should nearly match it.
    {"dram", std::nullopt, Placement::in_place, Baseline::scale_in_place, 0.90},
    {"dram", std::nullopt, Placement::out_of_place, Baseline::memcpy, 0.95},
    // In cache the rotation's extra work (table loads, pair shuffles, a multiply and an
    // FMA per element) is no longer hidden, so only f32 in place keeps a tight target.
    {"cache", Dtype::f32, Placement::in_place, Baseline::scale_in_place, 0.90},
    {"cache", Dtype::bf16, std::nullopt, Baseline::memcpy, 0.50, true},
};

// The accurate table (double angles, exact reduction) must not be slower to build than
// the float sinf/cosf loop it replaces.
inline constexpr double kAccurateTableMinRatio = 1.0;

// nullptr when no rule matches.
const KernelTarget* kernel_target(const BenchShape& shape, Dtype dtype, Placement placement);

}  // namespace ropecheck::bench
