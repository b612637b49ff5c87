"""The safetensors blobs of the worker protocol, in pure Python and numpy.

A blob is a u64 little-endian header length N, N bytes of JSON ({name: {dtype, shape,
data_offsets}} plus an optional "__metadata__" of strings), then the tensors' bytes.
bf16 has no numpy dtype: its elements travel as raw uint16 bit patterns (see dtypes.py).
"""
import json
import struct

import numpy as np

# safetensors dtype name -> numpy dtype of the stored elements (little-endian).
NUMPY_OF = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # raw bits
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U8": np.dtype("u1"),
}


class ProtocolError(Exception):
    """A message that does not follow the protocol."""


def decode(blob):
    """(tensors, metadata): tensors maps names to (dtype name, numpy array)."""
    if len(blob) < 8:
        raise ProtocolError("message shorter than its header length")
    (n,) = struct.unpack_from("<Q", blob, 0)
    if 8 + n > len(blob):
        raise ProtocolError("header longer than the message")
    header = json.loads(bytes(blob[8 : 8 + n]).decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    data = memoryview(blob)[8 + n :]
    tensors = {}
    for name, info in header.items():
        dtype = NUMPY_OF.get(info["dtype"])
        if dtype is None:
            raise ProtocolError("tensor %r has unsupported dtype %s" % (name, info["dtype"]))
        begin, end = info["data_offsets"]
        shape = tuple(int(s) for s in info["shape"])
        array = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        tensors[name] = (info["dtype"], array)
    return tensors, metadata


def encode(tensors, metadata):
    """A blob from {name: (dtype name, numpy array)} and {key: str}; deterministic."""
    header = {}
    chunks = []
    offset = 0
    for name in tensors:
        dtype, array = tensors[name]
        raw = np.ascontiguousarray(array, dtype=NUMPY_OF[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)
