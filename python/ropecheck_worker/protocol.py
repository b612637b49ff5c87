"""The worker side of ropecheck's worker protocol (docs/worker-protocol.md)."""
import json
import os
import struct
import sys
import traceback

import numpy as np

from . import dtypes
from .safetensors_codec import ProtocolError, decode, encode

PROTOCOL_VERSION = "1"

# What serve() declares when `supports` leaves a field out: the dtypes are required.
_SUPPORT_FIELDS = ("dtypes", "layouts", "scaling", "position_scale", "multi_axis", "max_position", "in_place",
                   "strides", "batch_invariant", "qk", "device")


class Unsupported(Exception):
    """Raise from an apply function to decline one call: ropecheck reports the property as
    skipped (unsupported), never as passed."""


def _read_exact(stream, n):
    chunks = []
    while n:
        chunk = stream.read(n)
        if not chunk:
            return None
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _write(stream, blob):
    stream.write(struct.pack("<Q", len(blob)))
    stream.write(blob)
    stream.flush()


def _call_arrays(tensors, metadata, spec, array_type):
    """x as the function sees it: [T, H, D], a strided view when the request was strided."""
    dtype = metadata["dtype"]
    heads = int(metadata["heads"])
    head_dim = int(spec["head_dim"])
    _, stored = tensors["x"]
    values = dtypes.widen(dtype, stored)
    tokens = stored.shape[0]
    view = None  # (shape, strides in elements) of a strided request
    if "strides" in tensors:
        view = ((tokens, heads, head_dim), tuple(int(s) for s in tensors["strides"][1]))
    positions = tensors["positions"][1].astype(np.int64)
    if array_type == "torch":
        import torch  # optional: only workers that ask for torch tensors need it

        flat = torch.from_numpy(np.array(values).reshape(-1))
        if dtype == "bf16":
            flat = flat.to(torch.bfloat16)  # exact: the values are bf16's
        x = flat.as_strided(*view) if view else flat.reshape(tokens, heads, head_dim)
        return x, torch.from_numpy(np.array(positions))
    if view:
        flat = np.ascontiguousarray(values).reshape(-1)
        item = flat.itemsize
        x = np.lib.stride_tricks.as_strided(flat, shape=view[0], strides=tuple(s * item for s in view[1]),
                                            writeable=False)
    else:
        x = values
    return x, positions


def _answer_qk(apply_qk_fn, tensors, metadata, array_type):
    call_id = metadata["id"]
    try:
        if apply_qk_fn is None:
            raise Unsupported("no q and k path")
        spec = json.loads(metadata["spec"])
        q, k, positions = _qk_arrays(tensors, metadata, spec, array_type)
        q_out, k_out = apply_qk_fn(spec, q, k, positions)
        outputs = {}
        for name, out, heads in (("q_out", q_out, metadata["heads_q"]), ("k_out", k_out, metadata["heads_k"])):
            stored = _stored_output(metadata["dtype"], out)
            expected = (int(positions.shape[0]), int(heads), int(spec["head_dim"]))
            if tuple(stored.shape) != expected:
                raise ValueError("%s has shape %s, expected %s" % (name, tuple(stored.shape), expected))
            outputs[name] = (dtypes.STORAGE[metadata["dtype"]], stored)
        return encode(outputs, {"op": "apply_qk", "id": call_id})
    except Unsupported as e:
        return encode({}, {"op": "apply_qk", "id": call_id, "unsupported": str(e) or "unsupported"})
    except Exception as e:  # reported to ropecheck as this call's failure
        traceback.print_exc(file=sys.stderr)
        sys.stderr.flush()
        return encode({}, {"op": "apply_qk", "id": call_id, "error": "%s: %s" % (type(e).__name__, e)})


def _stored_output(dtype, out):
    """Stored elements from what the function returned (numpy array or torch tensor)."""
    if hasattr(out, "detach"):  # a torch tensor
        import torch

        out = out.detach().cpu()
        if out.dtype == torch.bfloat16:
            return out.contiguous().view(torch.int16).numpy().view(np.uint16)
        out = out.numpy()
    return dtypes.narrow(dtype, out)


def _qk_arrays(tensors, metadata, spec, array_type):
    """q [T, Hq, D] and k [T, Hk, D] of an apply_qk request, as _call_arrays gives x."""
    arrays = []
    for name, heads in (("q", metadata["heads_q"]), ("k", metadata["heads_k"])):
        single = dict(metadata, heads=heads)
        x, positions = _call_arrays({"x": tensors[name], "positions": tensors["positions"]}, single, spec, array_type)
        arrays.append(x)
    return arrays[0], arrays[1], positions


def serve(apply_fn, supports, name=None, in_place_fn=None, array_type="numpy", stdin=None, stdout=None,
          apply_qk_fn=None):
    """Runs a worker until ropecheck closes its input; returns the exit status (0).

    apply_fn(spec, x, positions) -> out. spec is the RopeSpec as a dict; x is [T, H, D]
    (float32 for f32 and bf16 requests, bf16 values widened exactly; float16 for f16), a
    read-only strided view when the request was strided; positions are int64 [T] or
    [T, A]. out is [T, H, D], numpy or torch: float values are rounded once to the
    request's dtype (float64 too, without double rounding), bf16 tensors are taken as
    they are. With array_type="torch" x and positions arrive as torch tensors (bf16 as
    torch.bfloat16).
    in_place_fn(spec, x, positions), when given, is the in-place path: it gets a writable
    x, must rotate it in place, and in_place is declared.
    apply_qk_fn(spec, q, k, positions) -> (q_out, k_out), when given, takes q and k of one
    layer in one call (k may have fewer heads: GQA), and qk is declared.
    supports: the capabilities (docs/worker-protocol.md); "dtypes" is required.
    Raise Unsupported(reason) to decline a call; any other exception is reported to
    ropecheck as the call's error (a failure) and its traceback goes to stderr.
    Anything the functions print goes to stderr: stdout carries only the protocol.
    """
    for key in supports:
        if key not in _SUPPORT_FIELDS:
            raise ValueError("unknown capability %r (known: %s)" % (key, ", ".join(_SUPPORT_FIELDS)))
    if "dtypes" not in supports:
        raise ValueError("supports must name the dtypes the implementation takes")
    declared = dict(supports)
    if in_place_fn is not None:
        declared["in_place"] = True
    else:
        declared.setdefault("in_place", False)
    declared["qk"] = apply_qk_fn is not None
    inp = stdin or sys.stdin.buffer
    out_stream = stdout or sys.stdout.buffer
    if stdout is None:
        sys.stdout = sys.stderr  # a stray print must not corrupt the protocol stream
    label = name or os.path.basename(sys.argv[0] or "python worker")
    while True:
        prefix = _read_exact(inp, 8)
        if prefix is None:
            return 0
        (n,) = struct.unpack("<Q", prefix)
        blob = _read_exact(inp, n)
        if blob is None:
            return 0
        tensors, metadata = decode(blob)
        op = metadata.get("op")
        if op == "hello":
            _write(out_stream, encode({}, {"op": "hello", "id": metadata.get("id", "0"), "protocol": PROTOCOL_VERSION,
                                           "name": label, "supports": json.dumps(declared, sort_keys=True)}))
            continue
        if op not in ("apply", "apply_qk"):
            raise ProtocolError("unknown op %r" % op)
        call_id = metadata["id"]
        if op == "apply_qk":
            _write(out_stream, _answer_qk(apply_qk_fn, tensors, metadata, array_type))
            continue
        try:
            spec = json.loads(metadata["spec"])
            x, positions = _call_arrays(tensors, metadata, spec, array_type)
            if metadata.get("in_place") == "true":
                if in_place_fn is None:
                    raise Unsupported("no in-place path")
                x = x.clone() if hasattr(x, "clone") else np.array(x)
                in_place_fn(spec, x, positions)
                result = x
            else:
                result = apply_fn(spec, x, positions)
            stored = _stored_output(metadata["dtype"], result)
            expected = (int(positions.shape[0]), int(metadata["heads"]), int(spec["head_dim"]))
            if tuple(stored.shape) != expected:
                raise ValueError("the function returned shape %s, expected %s" % (tuple(stored.shape), expected))
            reply = encode({"out": (dtypes.STORAGE[metadata["dtype"]], stored)}, {"op": "apply", "id": call_id})
        except Unsupported as e:
            reply = encode({}, {"op": "apply", "id": call_id, "unsupported": str(e) or "unsupported"})
        except Exception as e:  # reported to ropecheck as this call's failure
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            reply = encode({}, {"op": "apply", "id": call_id, "error": "%s: %s" % (type(e).__name__, e)})
        _write(out_stream, reply)
