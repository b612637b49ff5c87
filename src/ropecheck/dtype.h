// The floating-point storage types ropecheck reads, writes and rounds to (names as in docs/file-formats.md#conventions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ropecheck {

enum class Dtype { f64, f32, bf16, f16 };

struct DtypeFormat {
  int precision;     // significand bits p, implicit bit included
  int min_exponent;  // e_min: smallest normal is 2^e_min
  int max_exponent;  // e_max: largest finite is (2 − 2^(1−p))·2^e_max
  int storage_bits;
};

constexpr DtypeFormat format_of(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64: return {53, -1022, 1023, 64};
    case Dtype::f32: return {24, -126, 127, 32};
    case Dtype::bf16: return {8, -126, 127, 16};
    case Dtype::f16: return {11, -14, 15, 16};
  }
  return {0, 0, 0, 0};
}

// Bytes one element occupies in storage (files, tensors).
constexpr std::size_t storage_bytes(Dtype dtype) {
  return static_cast<std::size_t>(format_of(dtype).storage_bits / 8);
}

std::string_view to_string(Dtype dtype);
Dtype dtype_from_string(std::string_view name);  // throws InvalidInput

}  // namespace ropecheck
