// Plain data handed from the dispatching .cc files to the per-target kernel bodies
// (*-inl.h). Internal to kernels/; validated before it is built.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ropecheck::kernels::detail {

struct RotateCall {
  std::size_t tokens = 0;
  std::size_t heads = 0;
  std::size_t head_dim = 0;
  std::size_t rotary_dim = 0;
  std::size_t rotary_offset = 0;  // rotated dims [rotary_offset, rotary_offset + rotary_dim)
  bool interleaved = true;
  const float* cos = nullptr;  // [tokens][rotary_dim/2], attention factor folded in
  const float* sin = nullptr;
  // [tokens] the position scale σ(m_t) in f32 for the pass-through dims, or null without
  // one (the table rows already hold it); a token whose σ is 1 copies them bit-exactly.
  const float* scale = nullptr;
  const void* in = nullptr;
  std::size_t in_token_stride = 0;  // elements
  void* out = nullptr;
  std::size_t out_token_stride = 0;
  bool in_place = false;            // out == in with the same stride: pass-through untouched
  bool bf16_instructions = false;   // AVX512-BF16 present and allowed
  bool stream = false;              // non-temporal stores where alignment allows
  float* scratch = nullptr;         // ≥ scratch_floats(rotary_dim) floats
};

// Per-token expanded cos/sin for the interleaved layout.
inline std::size_t scratch_floats(std::size_t rotary_dim) { return 2 * rotary_dim; }

struct AccurateTableCall {
  std::size_t tokens = 0;
  std::size_t pairs = 0;
  const std::int64_t* positions = nullptr;
  const double* theta_hi = nullptr;
  const double* theta_mid = nullptr;
  const double* theta_lo = nullptr;
  double attention_factor = 1;
  const double* row_factor = nullptr;  // [tokens] s·σ(m_t) instead of attention_factor, or null
  double half_pi_1 = 0, half_pi_2 = 0, half_pi_3 = 0;  // π/2 = P1 + P2 + P3, P1/P2 26 bits
  float* cos = nullptr;
  float* sin = nullptr;
};

}  // namespace ropecheck::kernels::detail
