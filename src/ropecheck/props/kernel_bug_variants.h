// Deliberately wrong RoPE implementations, written the way real projects shipped them,
// for the kernel properties' negative controls (and later the gate's diagnosis tests).
// Each is a KernelUnderTest that some property must catch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ropecheck/props/kernel_properties.h"

namespace ropecheck::props::kernel_bugs {

// `x[a] = a·c − b·s; x[b] = b·c + x[a]·s`: the second element reads the updated first
// (a scalar loop rotating in place without a temporary). Changes norms.
KernelUnderTest in_place_pair_update();

// Correct f32 result, narrowed to bf16 by dropping the low 16 bits (what Highway 1.0.3's
// DemoteTo does): up to 1 ulp off instead of 0.5.
KernelUnderTest truncated_bf16_output();

// The best built-in kernel run with the other pairing (interleaved ↔ half_split).
KernelUnderTest swapped_layout();

// The best built-in kernel with cos/sin tables rounded to bf16 (a bf16 rotary cache).
KernelUnderTest bf16_table();

// The best built-in kernel with a framework-style table (f32 angles): passes f32-angle,
// fails exact at large positions.
KernelUnderTest framework_table(kernels::TableMode mode);

// The best built-in kernel with positions rounded to bf16 before the table is built
// (`t = arange(n, dtype=inv_freq.dtype)` with a bf16 inv_freq): breaks the relative-
// position property beyond position 256.
KernelUnderTest bf16_positions();

// The best built-in kernel told positions[0], positions[0] + 1, … whatever the positions
// are (a decode path that assumes one contiguous range): a whole call disagrees with
// token-by-token calls as soon as the positions are not contiguous.
KernelUnderTest contiguous_positions();

// The best built-in kernel with the spec's scaling dropped (plain θ_i, attention 1): a
// port that reads rope_theta but not rope_scaling (llama.cpp #8650, unsloth PR #6197).
KernelUnderTest scaling_ignored();

// The best built-in kernel with a position scale applied to the other role: the query's
// scale left out, or applied to the key as well (Llama 4's temperature, Mistral 3's β).
KernelUnderTest position_scale_on_the_other_role();

// The best built-in kernel rotating the first R dims of the head instead of those at the
// spec's rotary_offset (MLA's rotation applied to the nope part).
KernelUnderTest rotary_offset_ignored();

// The position changes of the multi-axis variants below, on whole tokens of `axes`
// components, so that controls at reference precision make the same mistakes.
void swap_height_width(std::vector<std::int64_t>& positions, std::size_t axes);     // last two axes
void first_component_everywhere(std::vector<std::int64_t>& positions, std::size_t axes);
void token_index_everywhere(std::vector<std::int64_t>& positions, std::size_t axes);  // 0, 1, …, T − 1

// Multi-axis positions (position_axes.h), each the way a shipped port got them wrong:
// Qwen3-VL's interleaved sections run with the chunked mapping (vllm-gaudi #1437).
KernelUnderTest mrope_interleaving_ignored();
// The h and w components exchanged (rows for columns in 2-D vision).
KernelUnderTest height_width_swapped();
// Every pair reads the first component (t, or the row): positions of a text-only path.
KernelUnderTest first_component_for_every_axis();
// The multi-axis spec run as plain RoPE over 1-D positions 0, 1, …, T − 1 (the sequence
// index an engine passes when it never builds the 3-D grid, mlx-lm #1768).
KernelUnderTest one_dimensional_positions();

}  // namespace ropecheck::props::kernel_bugs

namespace ropecheck::props {

// The exact result correctly rounded to the output dtype (reference::exact_rope at 257
// bits), as a KernelUnderTest: a correct implementation at every position an int64 holds,
// where the built-in kernels' accurate table stops at 2^24. The wrong variants below that
// reach beyond 2^24 are made from it, so they are wrong only in their one flaw.
KernelUnderTest correctly_rounded_kernel();

}  // namespace ropecheck::props

namespace ropecheck::props::kernel_bugs {

// Positions narrowed to int16 / int32 before the angle is formed, as kernels that store
// position indices compactly do (tpu-inference #2755: int16 positions wrap beyond 32767,
// 37500 → −28036; sglang #4267 removed a cast of int64 positions to int32): exact otherwise.
KernelUnderTest int16_positions();
KernelUnderTest int32_positions();

// Only head 0 of each token rotated; the others copied through (aprender #2079: a flat
// launch grid collapsed every head into block 0; vLLM #51049: only the first head of each
// warp chunk right once tokens × heads ≥ 10240).
KernelUnderTest only_first_head_rotated();
// Head h rotated at position m + h (emlx #121: mlx::core::fast::rope iterating its
// sequence axis over the heads of a row-contiguous {B, T, H, D} tensor).
KernelUnderTest head_index_added_to_position();
// Every token rotated at the first token's position: row 0 right, the others not (MLX
// #3795: rows > 0 of a single-token batch; Megatron-LM #5243: packed sequences reusing
// the first sequence's positions).
KernelUnderTest first_token_position_for_every_token();
// The input read as if dense (its token stride ignored) while the output is written at
// its own stride: a kernel that assumes a contiguous q, given a slice of a fused qkv
// (vLLM #17091: the CUDA kernel ignored the first dimension's stride of an MLA q slice).
KernelUnderTest contiguous_input_assumed();
// half_split (rotate_half) applied with a cos/sin table laid out for interleaved pairs:
// dim j reads θ_{⌊j/2⌋} (repeat_interleave) instead of θ_{j mod R/2} (cat(f, f)), so the
// two elements of a pair turn by different angles (transformers #47328: Qwen2.5-Omni's
// Token2Wav built half-split cos/sin for an interleaved rotation). Interleaved specs get
// the converse mistake.
KernelUnderTest table_layout_mismatch();

// A fused q/k call (rotate_qk) whose k comes back as it went in when it has one head, q
// rotated correctly (Liger-Kernel #342: num_kv_heads = 1).
KernelUnderTest k_unrotated_with_one_kv_head();

}  // namespace ropecheck::props::kernel_bugs
