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
