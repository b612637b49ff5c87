"""Exact conversions between the protocol's element encodings and numpy arrays.

f32 and f16 travel as themselves. bf16 travels as uint16 bit patterns: widening to
float32 is exact (a bf16 is the upper half of a float32), and narrowing rounds once to
nearest even — from float64 through round-to-odd float32, so a float64 result is not
rounded twice (rounding float64 -> float32 -> bf16 by nearest twice is wrong for values
like 1 + 2^-8 + 2^-30).
"""
import numpy as np

STORAGE = {"f32": "F32", "bf16": "BF16", "f16": "F16"}
WIDE = {"f32": np.float32, "bf16": np.float32, "f16": np.float16}


def widen(dtype, stored):
    """The values of stored elements (bf16 bits -> exact float32)."""
    if dtype == "bf16":
        return (stored.astype(np.uint32) << np.uint32(16)).view(np.float32)
    return stored


def _round_to_odd_f32(values):
    """float64 -> float32 rounded to odd: exact values unchanged, inexact ones truncated
    toward zero with the last significand bit set (preserves the sticky information)."""
    nearest = values.astype(np.float32)
    wide = nearest.astype(np.float64)
    finite = np.isfinite(values)
    # Nearest overshot the magnitude (or overflowed): step one float32 toward zero.
    over = finite & (np.abs(wide) > np.abs(values))
    truncated = np.where(over, np.nextafter(nearest, np.float32(0)), nearest).astype(np.float32)
    inexact = finite & (truncated.astype(np.float64) != values)
    bits = truncated.view(np.uint32).copy()
    bits[inexact] |= np.uint32(1)
    return bits.view(np.float32)


def _f32_to_bf16_bits(values):
    bits = values.astype(np.float32).view(np.uint32)
    nan = np.isnan(values)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
    quiet = ((bits >> np.uint32(16)) | np.uint32(0x0040)) & np.uint32(0xFFFF)
    return np.where(nan, quiet, rounded).astype(np.uint16)


def narrow(dtype, values):
    """Stored elements of `dtype` from computed values (numpy float16/32/64), rounded once."""
    values = np.asarray(values)
    if dtype == "bf16":
        if values.dtype == np.uint16:
            return values  # already bf16 bit patterns
        if values.dtype == np.float64:
            return _f32_to_bf16_bits(_round_to_odd_f32(values))
        return _f32_to_bf16_bits(values.astype(np.float32))
    # numpy rounds float64 -> float32/float16 and float32 -> float16 once, to nearest even.
    return values.astype(WIDE[dtype])
