// The same-run baselines the kernels are reported against (docs/benchmarks.md#method). A kernel reads and
// writes its tensor once, so its speed limit is a pass that does the same memory traffic
// with the least arithmetic: glibc memcpy for out-of-place, and for in-place an `x *= s`
// over the same buffer that does the same dtype work a minimal kernel must do (widen to
// f32, multiply, narrow once with round-to-nearest-even).
//
// The loops are compiled for the best x86-64 level the CPU has (like the kernels, which
// Highway dispatches at run time): a baseline held at SSE2 by the portable build flags
// would flatter every ratio measured against it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ropecheck/dtype.h"

namespace ropecheck::bench {

// x[i] *= s over n elements of `dtype` (f32, bf16 or f16 storage) in place.
void scale_in_place(Dtype dtype, void* data, std::size_t n, float s);

void scale_in_place_f32(float* x, std::size_t n, float s);
void scale_in_place_bf16(std::uint16_t* x, std::size_t n, float s);
void scale_in_place_f16(std::uint16_t* x, std::size_t n, float s);

// The cos/sin table the simplest way a framework builds it, for comparison with the
// accurate table: for row m, pair i, angle = float(m) · inv_freq[i] in float32, then libm
// cosf/sinf one entry at a time. cos and sin are [tokens][inv_freq.size()].
void build_scalar_table(std::span<const float> inv_freq, std::size_t tokens, std::span<float> cos,
                        std::span<float> sin);

}  // namespace ropecheck::bench
