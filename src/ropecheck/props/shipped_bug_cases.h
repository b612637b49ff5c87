// Kernel cases aimed at the bug classes RoPE kernels keep shipping, for the properties
// every plugin and worker runs (battery.h), each with its negative control
// (kernel_bug_variants.h):
//  - gen_high_position_case: every token within 4 of one of 2^15, 2^16, 2^31, 2^32, on
//    both sides of it, so an int16 or int32 position wraps to a far other angle; bases
//    1e4…1e7 (models' own), whose slowest pairs keep an f32-angle allowance far below a
//    radian even at 2^32;
//  - gen_many_heads_case: 1–40 heads (mostly not powers of two, where tiling goes wrong)
//    and 1–24 tokens, at most kMaxManyHeadsElements elements; one case in sixteen has
//    tokens × heads ≥ 10240 (vLLM #51049's threshold) with head_dim 2 or 4;
//  - gen_fused_qkv_case: a q slice of a fused [T, (Hq + 2·Hkv)·D] qkv buffer: token stride
//    (Hq + 2·Hkv)·D, Hq a multiple of Hkv (GQA);
//  - gen_two_layout_case: rotary_dim ≥ 4 (the table layouts differ), either layout;
//  - gen_gqa_case: q and k in one call, Hk ∈ {1, 2, 4, 8} and Hq = g·Hk, g ∈ 1…8 (Liger
//    #342: with one kv head, k came back unrotated).
// Positions other than the high ones stay below 2^24 (the built-in kernels' domain).
#pragma once

#include <cstddef>

#include <rapidcheck.h>

#include "ropecheck/dtype.h"
#include "ropecheck/props/kernel_cases.h"

namespace ropecheck::props {

// The 257-bit reference runs at about 0.5 M elements/s (golden generation's measured
// rate): this many keeps a case near 10 ms.
inline constexpr std::size_t kMaxManyHeadsElements = 6144;
// vLLM #51049's multi-head-per-warp path starts at tokens × heads ≥ 10240.
inline constexpr std::size_t kManyRowsThreshold = 10240;

rc::Gen<KernelCase> gen_high_position_case(Dtype dtype);
rc::Gen<KernelCase> gen_many_heads_case(Dtype dtype);
rc::Gen<KernelCase> gen_fused_qkv_case(Dtype dtype);
rc::Gen<KernelCase> gen_two_layout_case(Dtype dtype);
rc::Gen<KernelCase> gen_gqa_case(Dtype dtype);

}  // namespace ropecheck::props
