"""The client's exact conversions: bf16 rounded once from float64 (never twice through
float32), numpy's own rounding for f32/f16, and the codec's round trip."""
import random
import struct
from fractions import Fraction

import numpy as np
import pytest

from ropecheck_worker import dtypes
from ropecheck_worker.safetensors_codec import decode, encode


def bf16_by_fractions(value):
    """Round-to-nearest-even to bf16 (8 significant bits, normal range), exactly."""
    if value == 0:
        return 0.0
    exact = Fraction(value)
    exponent = 0
    magnitude = abs(exact)
    while magnitude >= 2:
        magnitude /= 2
        exponent += 1
    while magnitude < 1:
        magnitude *= 2
        exponent -= 1
    scaled = abs(exact) * Fraction(2) ** (7 - exponent)
    rounded = round(scaled)  # Fraction rounds half to even
    return float(np.sign(value) * Fraction(rounded) * Fraction(2) ** (exponent - 7))


def test_bf16_from_float64_rounds_once():
    # 1 + 2^-8 + 2^-30: float32 rounds it to 1 + 2^-8 (a tie for bf16, which then goes to
    # even: 1); the value is above the tie, so bf16 must give 1 + 2^-7.
    value = np.array([1 + 2.0 ** -8 + 2.0 ** -30])
    assert dtypes.narrow("bf16", value)[0] == 0x3F81
    assert dtypes.narrow("bf16", value.astype(np.float32))[0] == 0x3F80  # what double rounding gives


def test_bf16_matches_exact_rounding_on_random_and_tie_values():
    rng = random.Random(20261201)
    values = []
    for _ in range(20000):
        values.append(rng.uniform(-1, 1) * 2.0 ** rng.randint(-100, 100))
    for _ in range(2000):  # exact ties and their neighbours
        tie = (1 + (2 * rng.randint(0, 127) + 1) / 256.0) * 2.0 ** rng.randint(-60, 60)
        values += [tie, np.nextafter(tie, 0), np.nextafter(tie, 2 * tie)]
    got = dtypes.widen("bf16", dtypes.narrow("bf16", np.array(values, dtype=np.float64)))
    for v, g in zip(values, got):
        assert float(g) == bf16_by_fractions(v), v.hex()


def test_bf16_specials_and_overflow():
    bits = dtypes.narrow("bf16", np.array([np.inf, -np.inf, np.nan, 3.4e38, 3.3895e38, -0.0, 1e-45]))
    assert list(bits[:2]) == [0x7F80, 0xFF80]
    assert (bits[2] & 0x7F80) == 0x7F80 and (bits[2] & 0x7F) != 0
    assert bits[3] == 0x7F80  # above bf16's largest finite value plus half an ulp
    assert bits[4] == 0x7F7F
    assert bits[5] == 0x8000
    assert bits[6] == 0  # far below half of bf16's smallest subnormal


def test_codec_round_trip_is_deterministic():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    blob = encode({"x": ("F32", x), "p": ("I64", np.array([1, 2, 3], dtype=np.int64))}, {"op": "apply", "id": "3"})
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0
    tensors, meta = decode(blob)
    assert meta == {"op": "apply", "id": "3"}
    assert np.array_equal(tensors["x"][1], x)
    assert encode({"x": ("F32", tensors["x"][1]), "p": tensors["p"]}, meta) == blob


def test_codec_rejects_a_short_message():
    from ropecheck_worker.safetensors_codec import ProtocolError

    with pytest.raises(ProtocolError):
        decode(b"\x01\x02")
