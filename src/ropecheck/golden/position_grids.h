// Multi-axis position grids for golden cases, built the way multimodal models number
// their tokens (position_axes.h: [tokens][A] in C order).
//
//  - M-RoPE (A = 3: t, h, w), after Qwen2.5-VL's get_rope_index (HF modeling_qwen2_5_vl.py):
//    a text run has p_t = p_h = p_w = st + k; a vision block of t × h × w merged patches
//    starts at base = st (the text before it included) and has (base + τ·step, base + y,
//    base + x), step = second_per_grid_t · tokens_per_second; text resumes at max + 1.
//    Two sequences of 33 tokens each (a batch of two equal rows):
//      1. text 4, an image 1 × 3 × 4, text 3, a video 3 × 2 × 2 with step 2 (the
//         published tokens_per_second 2 at one second per grid), text 2;
//      2. long context: text 2 ending at context − 5, then a video 4 × 2 × 2 whose step
//         is context/2 (a long video at a low frame rate), then text 15 at max + 1. Its
//         temporal components reach ≈ 2.5 × context: beyond the text range, which is why
//         vLLM sizes its M-RoPE cache at 4 × max_position_embeddings.
//  - 2-D vision (A = 2: row, column) on a side of `context` patches: the 4 × 4 block at the
//    origin, then the far corners and edges (row or column side − 1), and a middle patch.
// Every component is < kPositionLimit (the context is capped so the long sequence fits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ropecheck/spec.h"

namespace ropecheck::golden {

// The M-RoPE grid's sequences, of equal length: the golden file's batch rows.
inline constexpr std::size_t kMropeGridRows = 2;

// The context the M-RoPE grid is built for: `context` capped so the long sequence fits.
std::int64_t mrope_grid_context(std::int64_t context);

// The grid for a multi-axis spec and a context (M-RoPE: max_position_embeddings; 2-D
// vision: patches per side). InvalidInput for a single-axis spec or a context < 8.
std::vector<std::int64_t> multi_axis_positions(const RopeSpec& spec, std::int64_t context);

}  // namespace ropecheck::golden
