#!/usr/bin/env python3
"""Candidate files from a PyTorch RoPE, for `ropecheck check`.

Reads golden files (DESIGN §4: safetensors with x, positions and the spec in the
metadata), applies RoPE in PyTorch the way Hugging Face transformers or Meta's LLaMA code
does it, and writes one candidate file per golden file: safetensors with tensor `out`
[T, H, D] in the golden's output dtype.

  python3 scripts/adapters/torch_rope.py --golden golden/v1 --out /tmp/torch
  ropecheck check --golden golden/v1 --candidate /tmp/torch --profile f32-angle

Styles (--style):
  hf    transformers' LlamaRotaryEmbedding + apply_rotary_pos_emb: inv_freq = 1/base**(arange(0,R,2)/R)
        in float32, freqs = outer(positions, inv_freq), emb = cat(freqs, freqs), cos/sin of emb,
        q*cos + rotate_half(q)*sin. Pairs (x[i], x[i+R/2]): the half_split layout.
  meta  LLaMA's precompute_freqs_cis + apply_rotary_emb: freqs_cis = polar(1, outer(positions, inv_freq))
        in complex64, view_as_complex(x) * freqs_cis. Pairs (x[2i], x[2i+1]): interleaved.
  auto  (default) meta for interleaved golden files, hf for half_split ones.
Everything is computed in float32 (inputs widened exactly) and rounded once to the output
dtype — a correct float32 pipeline, which `check` passes under profile f32-angle. Forcing a
style on the other layout reproduces the classic swapped-layout bug on purpose.

Needs numpy and torch only (Debian: python3-numpy, python3-torch); safetensors files are
read and written here directly.
"""
import argparse
import json
import os
import struct
import sys
import tempfile

import numpy as np
import torch

_NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8"}
_OUT = {"f32": ("F32", torch.float32), "bf16": ("BF16", torch.bfloat16), "f16": ("F16", torch.float16)}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        raw = body[begin:end]
        if info["dtype"] == "BF16":  # bf16 is the upper half of a float32: widen exactly
            array = (np.frombuffer(raw, "<u2").astype("<u4") << 16).view("<f4")
        else:
            array = np.frombuffer(raw, _NUMPY[info["dtype"]])
        tensors[name] = array.reshape(info["shape"])
    return tensors, header.get("__metadata__", {})


def write_safetensors(path, name, dtype_name, shape, raw):
    header = json.dumps({name: {"dtype": dtype_name, "shape": list(shape), "data_offsets": [0, len(raw)]}},
                        separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile(dir=directory, delete=False) as f:  # never a half-written file
        f.write(struct.pack("<Q", len(header)) + header + raw)
    os.replace(f.name, path)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def hf_rope(x, positions, rotary_dim, base):
    inv_freq = 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.int64).float() / rotary_dim))
    freqs = torch.outer(positions.float(), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None, :], emb.sin()[:, None, :]  # [T, 1, R]: broadcast over heads
    rot = x[..., :rotary_dim]
    return torch.cat((rot * cos + rotate_half(rot) * sin, x[..., rotary_dim:]), dim=-1)


def meta_rope(x, positions, rotary_dim, base):
    inv_freq = 1.0 / (base ** (torch.arange(0, rotary_dim, 2)[: rotary_dim // 2].float() / rotary_dim))
    freqs = torch.outer(positions.float(), inv_freq).float()
    freqs_cis = torch.polar(torch.ones_like(freqs), freqs)[:, None, :]  # complex64 [T, 1, R/2]
    rot = x[..., :rotary_dim]
    rot_ = torch.view_as_complex(rot.reshape(*rot.shape[:-1], -1, 2).contiguous())
    out = torch.view_as_real(rot_ * freqs_cis).flatten(-2)
    return torch.cat((out, x[..., rotary_dim:]), dim=-1)


def candidate(golden_path, style):
    tensors, metadata = read_safetensors(golden_path)
    spec = json.loads(metadata["spec"])
    if spec.get("scaling", {}).get("type", "none") != "none":
        raise SystemExit(f"{golden_path}: scaling '{spec['scaling']['type']}' is not implemented by this adapter")
    if style == "auto":
        style = "meta" if spec["layout"] == "interleaved" else "hf"
    x = torch.from_numpy(np.array(tensors["x"], dtype=np.float32))
    positions = torch.from_numpy(np.array(tensors["positions"], dtype=np.int64))
    rope = meta_rope if style == "meta" else hf_rope
    out = rope(x, positions, spec["rotary_dim"], float(spec["base"]))
    dtype_name, dtype = _OUT[metadata["output_dtype"]]
    out = out.to(dtype)  # one rounding, to nearest even
    raw = out.view(torch.int16).numpy().tobytes() if dtype == torch.bfloat16 else out.numpy().tobytes()
    return dtype_name, tuple(out.shape), raw


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--golden", required=True, help="golden file or directory of golden files")
    parser.add_argument("--out", required=True, help="directory for the candidate files")
    parser.add_argument("--style", choices=("auto", "hf", "meta"), default="auto")
    args = parser.parse_args()
    if os.path.isdir(args.golden):
        paths = sorted(os.path.join(args.golden, n) for n in os.listdir(args.golden) if n.endswith(".safetensors"))
    elif os.path.isfile(args.golden):
        paths = [args.golden]
    else:
        print(f"torch_rope.py: {args.golden}: no such file or directory", file=sys.stderr)
        return 2
    if not paths:
        print(f"torch_rope.py: no golden files in {args.golden}", file=sys.stderr)
        return 2
    outputs = [(os.path.join(args.out, os.path.basename(p)), candidate(p, args.style)) for p in paths]
    os.makedirs(args.out, exist_ok=True)
    for path, (dtype_name, shape, raw) in outputs:
        write_safetensors(path, "out", dtype_name, shape, raw)
    print(f"torch_rope.py: wrote {len(outputs)} candidate files (torch {torch.__version__}, style {args.style}) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
