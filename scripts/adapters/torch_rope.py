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
Scaling (linear, dynamic, yarn, llama3, longrope) follows modeling_rope_utils.py: θ_i in
float32, the attention factor multiplying cos and sin (Meta style: the modulus of freqs_cis).
A position scale (Llama 4's NoPE temperature, Mistral 3's β) multiplies the query after RoPE.
Multi-axis positions ([T, 3] M-RoPE, [T, 2] vision) form their float32 angles as Qwen2-VL,
Qwen3-VL, GLM-4V, Pixtral and the Qwen-VL ViTs do (multi_axis_freqs).
Everything is computed in float32 (inputs widened exactly) and rounded once to the output
dtype — a correct float32 pipeline, which `check` passes under profile f32-angle. Forcing a
style on the other layout reproduces the classic swapped-layout bug on purpose.

Needs numpy and torch only (Debian: python3-numpy, python3-torch); safetensors files are
read and written here directly.
"""
import argparse
import json
import math
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


def inv_freq_and_attention(spec):
    """θ_i in float32 and the attention factor as transformers' modeling_rope_utils.py
    computes them for the spec's scaling (HF's current semantics, the ropecheck defaults;
    the named options yarn_context/longrope_switch select the older ones)."""
    rotary_dim, base = spec["rotary_dim"], float(spec["base"])
    scaling = spec.get("scaling", {"type": "none"})
    kind = scaling["type"]
    if kind == "dynamic":  # NTK: the base rescaled for max(sequence_length, M)
        context = scaling["max_position_embeddings"]
        length = max(scaling.get("sequence_length", context), context)
        base = base * ((scaling["factor"] * length / context) - (scaling["factor"] - 1)) ** (rotary_dim / (rotary_dim - 2))
    exponent = torch.arange(0, rotary_dim, 2, dtype=torch.int64).float() / rotary_dim
    inv_freq = 1.0 / (base ** exponent)
    attention = 1.0
    if kind == "linear":
        inv_freq = inv_freq / scaling["factor"]
    elif kind == "llama3":
        factor, low, high = scaling["factor"], scaling["low_freq_factor"], scaling["high_freq_factor"]
        context = scaling["original_max_position_embeddings"]
        wavelength = 2 * math.pi / inv_freq
        scaled = torch.where(wavelength > context / low, inv_freq / factor, inv_freq)
        smooth = (context / wavelength - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelength < context / high) * ~(wavelength > context / low)
        inv_freq = torch.where(medium, smoothed, scaled)
    elif kind == "yarn":
        factor = scaling["factor"]
        use_max = scaling.get("yarn_context") == "max_position_embeddings" or "original_max_position_embeddings" not in scaling
        context = scaling["max_position_embeddings" if use_max else "original_max_position_embeddings"]

        def correction_dim(rotations):
            return rotary_dim * math.log(context / (rotations * 2 * math.pi)) / (2 * math.log(base))

        low, high = correction_dim(scaling.get("beta_fast", 32)), correction_dim(scaling.get("beta_slow", 1))
        if scaling.get("truncate", True):
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, rotary_dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(rotary_dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1)
        extrapolation = 1 - ramp
        inv_freq = (1.0 / (factor * base ** exponent)) * (1 - extrapolation) + inv_freq * extrapolation

        def mscale(m):
            return 1.0 if factor <= 1 else 0.1 * m * math.log(factor) + 1

        if "attention_factor" in scaling:
            attention = scaling["attention_factor"]
        elif scaling.get("mscale") and scaling.get("mscale_all_dim"):
            attention = mscale(scaling["mscale"]) / mscale(scaling["mscale_all_dim"])
        else:
            attention = mscale(1)
    elif kind == "longrope":
        original = scaling["original_max_position_embeddings"]
        if scaling.get("longrope_switch") == "expanded_context":
            use_long = scaling.get("max_position_embeddings", original * scaling.get("factor", 1)) > original
        else:
            use_long = scaling.get("sequence_length", 0) > original
        ext = torch.tensor(scaling["long_factor" if use_long else "short_factor"], dtype=torch.float32)
        inv_freq = 1.0 / (ext * base ** exponent)
        f = scaling.get("factor", scaling.get("max_position_embeddings", original) / original)
        attention = scaling.get("attention_factor", 1.0 if f <= 1 else math.sqrt(1 + math.log(f) / math.log(original)))
    elif kind not in ("none", "dynamic"):
        raise SystemExit(f"scaling '{kind}' is not implemented by this adapter")
    return inv_freq, attention


def multi_axis_freqs(positions, spec, inv_freq):
    """The float32 angles [T, R/2] of a multi-axis spec, formed the way HF's models do.
    M-RoPE: one row of angles per axis (inv_freq @ position_ids per axis), then Qwen2-VL's
    split by mrope_section (cos.split(mrope_section * 2), chunk i from axis i % 3, is the
    same selection on each half of the width-R table) or Qwen3-VL's apply_interleaved_mrope
    (freqs_t[..., offset:3*section:3] = freqs[axis]). Vision: Pixtral's freqs[::2] on rows
    and freqs[1::2] on columns; Qwen-VL's VisionRotaryEmbedding(D/2) for rows then columns."""
    rotary_dim = spec["rotary_dim"]
    if "mrope_section" in spec:
        section = spec["mrope_section"]
        freqs = [torch.outer(positions[:, a].float(), inv_freq) for a in range(3)]
        if spec.get("mrope_interleaved"):
            freqs_t = freqs[0].clone()
            for dim, offset in ((1, 1), (2, 2)):
                idx = slice(offset, section[dim] * 3, 3)
                freqs_t[..., idx] = freqs[dim][..., idx]
            return freqs_t
        return torch.cat([m[i % 3] for i, m in enumerate(torch.stack(freqs).split(section, dim=-1))], dim=-1)
    base = spec["base"]
    rows, columns = positions[:, 0].float(), positions[:, 1].float()
    if spec["vision_2d"] == "pixtral":
        freqs = 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.float32) / rotary_dim))
        return torch.cat((torch.outer(rows, freqs[::2]), torch.outer(columns, freqs[1::2])), dim=-1)
    dim = rotary_dim // 2
    inv = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    return torch.cat((torch.outer(rows, inv), torch.outer(columns, inv)), dim=-1)


def angles(positions, spec, inv_freq):
    if positions.dim() == 2:
        return multi_axis_freqs(positions, spec, inv_freq)
    return torch.outer(positions.float(), inv_freq)


def hf_rope(x, positions, spec):
    rotary_dim = spec["rotary_dim"]
    inv_freq, attention = inv_freq_and_attention(spec)
    freqs = angles(positions, spec, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = (emb.cos() * attention)[:, None, :], (emb.sin() * attention)[:, None, :]  # [T, 1, R]
    start = spec.get("rotary_offset", 0)
    rot = x[..., start:start + rotary_dim]
    return torch.cat((x[..., :start], rot * cos + rotate_half(rot) * sin, x[..., start + rotary_dim:]), dim=-1)


def meta_rope(x, positions, spec):
    """Interleaved pairs: Meta's complex form; GLM-4V's repeat_interleave of the same angles."""
    rotary_dim = spec["rotary_dim"]
    inv_freq, attention = inv_freq_and_attention(spec)
    freqs = angles(positions, spec, inv_freq).float()
    freqs_cis = torch.polar(torch.full_like(freqs, attention), freqs)[:, None, :]  # complex64 [T, 1, R/2]
    start = spec.get("rotary_offset", 0)  # DeepSeek MLA: q_pe after q_nope
    rot = x[..., start:start + rotary_dim]
    rot_ = torch.view_as_complex(rot.reshape(*rot.shape[:-1], -1, 2).contiguous())
    out = torch.view_as_real(rot_ * freqs_cis).flatten(-2)
    return torch.cat((x[..., :start], out, x[..., start + rotary_dim:]), dim=-1)


def position_scale(out, positions, spec):
    """The spec's position scale on its role's tensor, after RoPE, as HF applies it: Llama 4's
    NoPE temperature log(floor((cache_position + 1) / floor_scale) + 1) * attn_scale + 1
    (offset 1) and Mistral 3's 1 + beta * log(1 + floor(positions / original)) (offset 0),
    computed in float32 and multiplied in float32."""
    scale = spec.get("position_scale")
    if scale is None or spec.get("role") != scale["applies_to"]:
        return out
    steps = torch.floor((positions.float() + scale["position_offset"]) / scale["floor_scale"])
    sigma = torch.log(steps + 1.0) * scale["beta"] + 1.0
    return out * sigma[:, None, None]


def candidate(golden_path, style):
    tensors, metadata = read_safetensors(golden_path)
    spec = json.loads(metadata["spec"])
    if style == "auto":
        style = "meta" if spec["layout"] == "interleaved" else "hf"
    x = torch.from_numpy(np.array(tensors["x"], dtype=np.float32))
    positions = torch.from_numpy(np.array(tensors["positions"], dtype=np.int64))
    rope = meta_rope if style == "meta" else hf_rope
    out = position_scale(rope(x, positions, spec), positions, spec)
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
