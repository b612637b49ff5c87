// Scalar f32 ↔ bf16/f16 conversions on raw uint16_t storage, round-to-nearest-even, for
// the benchmark's input data and its in-place baselines. Written for speed on ordinary
// values, not as a reference: numeric/ and reference/ hold the checked conversions.
#pragma once

#include <bit>
#include <cstdint>

namespace ropecheck::bench {

// RNE by integer addition: adding 0x7FFF plus the lowest kept bit carries into the kept
// half exactly when the dropped half is above one half, or equal to it with an odd kept
// half. Finite inputs only (a NaN could round to Inf), which is all the benchmarks feed.
inline std::uint16_t bf16_from_f32_finite(float f) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
  return static_cast<std::uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

inline float f32_from_bf16(std::uint16_t h) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(std::uint32_t{h} << 16));
}

// GCC 12 rounds float → _Float16 to nearest even (F16C's VCVTPS2PH where the target has
// it, libgcc otherwise).
inline std::uint16_t f16_from_f32(float f) {
  return std::bit_cast<std::uint16_t>(static_cast<_Float16>(f));
}

inline float f32_from_f16(std::uint16_t h) {
  return static_cast<float>(std::bit_cast<_Float16>(h));
}

}  // namespace ropecheck::bench
