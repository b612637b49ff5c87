// The layout of an IEEE 754 binary interchange format (f64, f32, bf16, f16), derived from
// DtypeFormat, for the code that rounds to it and encodes its bit patterns (rounding.cc,
// interval_rounding.cc).
#pragma once

#include <cstdint>

#include "ropecheck/dtype.h"

namespace ropecheck::reference {

// The layout of an IEEE 754 binary interchange format, derived from DtypeFormat.
// `min_quantum` is the subnormals' fixed spacing 2^(e_min − p + 1); every finite value is
// an integer multiple N·2^q with q ≥ min_quantum.
struct BinaryFormat {
  int precision;
  long min_quantum;
  long max_exponent;
  int fraction_bits;
  std::uint64_t sign_bit;
  std::uint64_t inf_magnitude;  // exponent field all ones, fraction 0
  std::uint64_t quiet_bit;      // top fraction bit
  std::uint64_t magnitude_mask;
};

inline BinaryFormat binary_format_of(Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  const int fraction_bits = f.precision - 1;
  const int exponent_bits = f.storage_bits - 1 - fraction_bits;
  const std::uint64_t sign_bit = std::uint64_t{1} << (f.storage_bits - 1);
  return {f.precision,
          static_cast<long>(f.min_exponent) + 1 - f.precision,
          f.max_exponent,
          fraction_bits,
          sign_bit,
          ((std::uint64_t{1} << exponent_bits) - 1) << fraction_bits,
          std::uint64_t{1} << (fraction_bits - 1),
          sign_bit - 1};
}

}  // namespace ropecheck::reference
