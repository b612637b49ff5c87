#!/usr/bin/env python3
"""A RoPE in numpy (float64 angles and arithmetic, one rounding to the output dtype) as a
ropecheck worker: the smallest complete example of the worker protocol's Python client.

    ropecheck props --exec 'python3 python/examples/numpy_rope_worker.py' --profile f32-angle

It implements unscaled RoPE of both layouts, partial rotary and rotary_offset, in f32,
bf16 and f16, and declares exactly that; scaled, position-scaled and multi-axis specs are
reported as skipped (unsupported). --bug NAME plants one of the one-line bugs that real
implementations shipped, so that tests can show the battery catching each:
  bf16-positions          positions rounded to bf16 before the angle is formed
  in-place-pair-update    b' computed from the already-rotated a'
  only-head-0             heads after the first left unrotated
  int16-positions         positions wrapped to int16
  k-unrotated-one-kv-head in its q and k call, k returned as it came when it has one head
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from ropecheck_worker import dtypes, serve  # noqa: E402

BUGS = ("bf16-positions", "in-place-pair-update", "only-head-0", "int16-positions", "k-unrotated-one-kv-head")


def rope(spec, x, positions, bug=None):
    x = np.asarray(x, dtype=np.float64)  # exact: every input dtype widens exactly
    rotary = int(spec["rotary_dim"])
    offset = int(spec.get("rotary_offset", 0))
    half = rotary // 2
    m = np.asarray(positions, dtype=np.int64)
    if bug == "int16-positions":
        m = m.astype(np.int16)
    m = m.astype(np.float64)
    if bug == "bf16-positions":
        m = dtypes.widen("bf16", dtypes.narrow("bf16", m)).astype(np.float64)
    theta = float(spec["base"]) ** (-2.0 * np.arange(half) / rotary)
    angle = m[:, None] * theta[None, :]
    c, s = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
    if spec["layout"] == "interleaved":
        first, second = slice(offset, offset + rotary, 2), slice(offset + 1, offset + rotary, 2)
    else:
        first, second = slice(offset, offset + half), slice(offset + half, offset + rotary)
    a, b = x[..., first], x[..., second]
    y = x.copy()
    y[..., first] = a * c - b * s
    y[..., second] = (y[..., first] if bug == "in-place-pair-update" else a) * s + b * c
    if bug == "only-head-0":
        y[:, 1:, :] = x[:, 1:, :]
    return y


def rope_qk(spec, q, k, positions, bug=None):
    """q and k of one layer in one call (k may have fewer heads: GQA)."""
    if bug == "k-unrotated-one-kv-head" and np.shape(k)[1] == 1:
        return rope(spec, q, positions), np.asarray(k, dtype=np.float64)
    return rope(spec, q, positions, bug), rope(spec, k, positions, bug)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bug", choices=BUGS)
    args = parser.parse_args()
    supports = {"dtypes": ["f32", "bf16", "f16"], "scaling": ["none"], "position_scale": False,
                "multi_axis": False, "strides": True}
    name = "numpy float64" + (" with bug " + args.bug if args.bug else "")
    return serve(lambda spec, x, positions: rope(spec, x, positions, args.bug), supports=supports, name=name,
                 apply_qk_fn=lambda spec, q, k, positions: rope_qk(spec, q, k, positions, args.bug))


if __name__ == "__main__":
    sys.exit(main())
