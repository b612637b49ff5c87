// Fast RoPE kernels: float32, bfloat16 and float16 tensors rotated with a cos/sin table,
// SIMD through Google Highway with run-time dispatch over every compiled target.
//
// Formula (RoFormer, arXiv 2104.09864; docs/mathematics.md#the-rotation): for pair i of token t with table
// entries ĉ = s·cos(m_t·θ_i), ŝ = s·sin(m_t·θ_i) (cos_sin_table.h; s = attention factor)
//   a' = a·ĉ − b·ŝ,   b' = b·ĉ + a·ŝ
// with pairs (x[2i], x[2i+1]) for Layout::interleaved (Meta, GPT-J, ggml NORMAL) and
// (x[i], x[i+R/2]) for Layout::half_split (HF rotate_half, GPT-NeoX, ggml NEOX).
//
// Tensors are [tokens, heads, head_dim] in C order with heads contiguous inside a token
// and any token stride ≥ heads·head_dim (in elements), so the q or k slice of a fused qkv
// buffer can be rotated where it lies. Dims outside [rotary_offset, rotary_offset +
// rotary_dim) (by default [rotary_dim, head_dim)) pass through: copied
// bit-exactly out of place, untouched in place; for a token whose table row carries a
// position scale σ ≠ 1 (cos_sin_table.h) they are x·σ̂ in f32, rounded once to the dtype. In place means out.data == in.data with
// the same stride; any other overlap is rejected.
//
// Dtypes: f32 → f32, bf16 → bf16, f16 → f16. Narrow inputs widen exactly to f32, the
// pair is computed in f32 and rounded ONCE to the output dtype, round-to-nearest-even
// (AVX512-BF16's VCVTNEPS2BF16 where the CPU has it, with subnormals fixed up; F16C's
// VCVTPS2PH on x86 from AVX2; a correct RNE by hand elsewhere). NaN stays NaN (quiet,
// sign kept); an Inf input gives a non-finite output in each element it enters.
// Accuracy: numeric/error_model.h (profile `exact` with the accurate table).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/kernels/cos_sin_table.h"
#include "ropecheck/spec.h"

namespace ropecheck::kernels {

struct RopeShape {
  std::size_t tokens = 0;
  std::size_t heads = 0;
  std::size_t head_dim = 0;
  std::size_t rotary_dim = 0;  // even, ≤ head_dim
  Layout layout = Layout::interleaved;
  std::size_t rotary_offset = 0;  // the rotated dims are [rotary_offset, rotary_offset + rotary_dim)
};

RopeShape rope_shape(const RopeSpec& spec, std::size_t tokens, std::size_t heads);

struct ConstTensor {
  const void* data = nullptr;
  Dtype dtype = Dtype::f32;
  std::size_t token_stride = 0;  // elements between tokens; 0 means heads·head_dim
};

struct MutableTensor {
  void* data = nullptr;
  Dtype dtype = Dtype::f32;
  std::size_t token_stride = 0;
};

enum class Bf16Conversion {
  automatic,  // AVX512-BF16 instructions when the CPU and the dispatched target have them
  software,   // always the by-hand RNE (tests compare the two)
};

enum class Streaming {
  automatic,  // non-temporal stores for out-of-place outputs ≥ kStreamingThresholdBytes
  never,
  always,
};

// Out-of-place outputs this large are unlikely to be read back from cache by the caller,
// so they are streamed past it (no read-for-ownership of the output lines).
inline constexpr std::size_t kStreamingThresholdBytes = std::size_t{8} << 20;

struct KernelOptions {
  Bf16Conversion bf16 = Bf16Conversion::automatic;
  Streaming streaming = Streaming::automatic;
};

// Rotates `in` into `out` with the table's row t for token t. Throws InvalidInput for a
// dtype other than f32/bf16/f16, in/out dtypes that differ, a table of another shape, an
// odd or too large rotary_dim, a stride below heads·head_dim, null data or a partial overlap.
void apply_rope(const RopeShape& shape, const CosSinTable& table, ConstTensor in,
                MutableTensor out, const KernelOptions& options = {});

// Convenience: builds the accurate table for `positions` and rotates.
void apply_rope(const RopeSpec& spec, PositionsView positions, std::size_t heads,
                ConstTensor in, MutableTensor out, const KernelOptions& options = {});

// The Highway targets this build dispatches over, as far as this CPU supports them
// (best first), and their names.
std::vector<std::int64_t> available_targets();
std::string target_name(std::int64_t target);

// Restricts dispatch to one target (tests and benchmarks); 0 restores all supported.
void restrict_dispatch(std::int64_t target);

// Properties of the target dispatch currently selects.
bool dispatched_target_fuses_multiply_add();
bool dispatched_target_has_bf16_instructions();  // target can emit them and the CPU has them

bool cpu_has_avx512_bf16();

}  // namespace ropecheck::kernels
