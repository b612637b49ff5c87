// Exact conversions between a storage dtype's bit patterns and double: the one codec of
// f64, f32, bf16 and f16 that files, kernels' outputs and reports are read and written with.
//
// Contract:
//  - decode_bits(bits, dtype): the pattern's value, exactly (every f32, bf16 and f16 value
//    is a double). ±Inf stay infinite; a NaN stays a NaN with its sign, its payload moved to
//    the top of the double's (f16, bf16, f32).
//  - exact_bits(v, dtype): the pattern of v when v is exactly a value of the dtype, else
//    nullopt (never rounds). NaN gives the dtype's quiet NaN with v's sign (payload not
//    kept); ±Inf and ±0 keep their signs.
#pragma once

#include <cstdint>
#include <optional>

#include "ropecheck/dtype.h"

namespace ropecheck {

double decode_bits(std::uint64_t bits, Dtype dtype);
std::optional<std::uint64_t> exact_bits(double v, Dtype dtype);

}  // namespace ropecheck
