// Correct rounding of a reference value to f64, f32, bf16 and f16 (docs/error-model.md#correct-rounding).
//
// Contract: round_to_bits(x, dtype) returns the bit pattern (in the low storage_bits) of
// the dtype value nearest to the exact x, ties to even (IEEE 754 roundTiesToEven), in ONE
// rounding step: subnormals are rounded at their own fixed quantum 2^(e_min − p + 1), a
// magnitude ≥ (2 − 2^−p)·2^e_max becomes ±Inf, the sign of zero is kept (a tiny negative
// value gives −0), NaN gives the dtype's quiet NaN with x's sign. Never double rounding:
// rounding a 257-bit value to bf16 through float can move a value that lies just above a
// bf16 midpoint onto it, and ties-to-even then picks the wrong neighbour
// (0x1.0100000004p0 → 0x3f80 through float, correct 0x3f81).
// decode_exact(bits, dtype) is the exact value of a finite pattern (±Inf/NaN as Real's).
#pragma once

#include <cstdint>

#include "ropecheck/dtype.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::reference {

std::uint64_t round_to_bits(const Real& x, Dtype dtype);
Real decode_exact(std::uint64_t bits, Dtype dtype);

}  // namespace ropecheck::reference
