#!/usr/bin/env python3
"""A PyTorch RoPE for ropecheck: candidate files for `ropecheck check`, or a worker.

Reads golden files (docs/file-formats.md#golden-files: safetensors with x, positions and the spec in the
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

As a worker (--serve; docs/worker-protocol.md) the same pipelines answer `ropecheck props`,
`report` and `check` directly, on the device given:

  ropecheck props --exec 'python3 scripts/adapters/torch_rope.py --serve --style hf' --profile f32-angle
  ropecheck props --exec 'python3 scripts/adapters/torch_rope.py --serve --device cuda' --profile f32-angle

Worker styles: hf, meta and auto as above, and
  vllm  vLLM's RotaryEmbedding.forward_native (vllm/model_executor/layers/rotary_embedding/
        base.py): a cos/sin cache cat(cos, sin) of float32 angles for positions
        0 … max_position − 1, stored in the model dtype, rows picked with index_select,
        cos/sin cast to x's dtype and the rotation computed in it (chunk for neox, ::2 and
        1::2 for GPT-J). Unscaled specs; positions beyond the cache are declared
        unsupported (--max-position, the cache length). bf16 and f16 inputs are therefore
        computed in bf16/f16: it passes bf16-compute/f16-compute, not f32-angle.
--device cuda tests the same code on a GPU (torch with CUDA); CI runs the CPU.
--bug bf16-positions plants HF #29285's bug (positions in the inverse frequencies' bf16).
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


_VLLM_CACHES = {}


def vllm_cos_sin_cache(base, rotary_dim, max_position, dtype, device):
    """vLLM's _compute_cos_sin_cache, built once per (base, R, length, dtype, device) as a
    model builds it once per layer."""
    key = (base, rotary_dim, max_position, dtype, str(device))
    if key not in _VLLM_CACHES:
        inv_freq = 1.0 / (float(base) ** (torch.arange(0, rotary_dim, 2, dtype=torch.float) / rotary_dim))
        t = torch.arange(max_position, dtype=torch.float)
        freqs = torch.einsum("i,j -> ij", t, inv_freq)
        _VLLM_CACHES.clear()  # one spec at a time: bounded memory
        _VLLM_CACHES[key] = torch.cat((freqs.cos(), freqs.sin()), dim=-1).to(dtype).to(device)
    return _VLLM_CACHES[key]


def vllm_rope(x, positions, spec, max_position):
    """vLLM's forward_native: index_select from a cos/sin cache in the model dtype, the
    rotation in x's dtype."""
    rotary_dim = spec["rotary_dim"]
    cache = vllm_cos_sin_cache(spec["base"], rotary_dim, max_position, x.dtype, x.device)
    cos, sin = cache.index_select(0, positions.to(x.device)).chunk(2, dim=-1)
    cos, sin = cos.unsqueeze(-2).to(x.dtype), sin.unsqueeze(-2).to(x.dtype)
    rot, rest = x[..., :rotary_dim], x[..., rotary_dim:]
    if spec["layout"] == "half_split":
        x1, x2 = torch.chunk(rot, 2, dim=-1)
    else:
        x1, x2 = rot[..., ::2], rot[..., 1::2]
    o1 = x1 * cos - x2 * sin
    o2 = x2 * cos + x1 * sin
    out = torch.cat((o1, o2), dim=-1) if spec["layout"] == "half_split" else torch.stack((o1, o2), dim=-1).flatten(-2)
    return torch.cat((out, rest), dim=-1)


def serve_worker(style, device, max_position, bug, dtypes):
    """The worker loop (python/ropecheck_worker): each call runs this module's pipelines."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    from ropecheck_worker import Unsupported, serve

    def apply(spec, x, positions):
        scaling = spec["scaling"]
        if scaling["type"] == "dynamic" and spec["rotary_dim"] == 2:
            raise Unsupported("dynamic NTK with rotary_dim 2: HF's exponent dim / (dim - 2) divides by zero")
        if bug == "bf16-positions":  # HF #29285: t = arange(..., dtype=inv_freq.dtype) with a bf16 inv_freq
            positions = positions.to(torch.bfloat16).to(torch.int64)
        if style == "vllm":
            return vllm_rope(x.to(device), positions, spec, max_position).cpu()
        use = style if style != "auto" else ("meta" if spec["layout"] == "interleaved" else "hf")
        rope = meta_rope if use == "meta" else hf_rope
        wide = x.to(device=device, dtype=torch.float32)  # exact; computed in float32 as the pipelines do
        on_device = positions.to(device)
        out = position_scale(rope(wide, on_device, spec), on_device, spec)
        return out.to(x.dtype).cpu()  # one rounding to the output dtype

    layouts = {"hf": ["half_split"], "meta": ["interleaved"], "auto": ["interleaved", "half_split"],
               "vllm": ["interleaved", "half_split"]}[style]
    # PyTorch's CPU cos/sin take a vector or a scalar path by an element's place in the
    # tensor (1 ulp apart): a whole-sequence call is not bit-equal to token-by-token ones.
    supports = {"dtypes": dtypes, "layouts": layouts, "strides": True, "device": device,
                "batch_invariant": False,
                "scaling": ["none"] if style == "vllm" else ["none", "linear", "dynamic", "yarn", "llama3", "longrope"],
                "position_scale": style != "vllm", "multi_axis": style != "vllm"}
    if style == "vllm":
        supports["max_position"] = max_position - 1
    name = "torch %s %s (%s)" % (torch.__version__, style, device) + (" with bug " + bug if bug else "")
    return serve(apply, supports=supports, name=name, array_type="torch")


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
    parser.add_argument("--golden", help="golden file or directory of golden files")
    parser.add_argument("--out", help="directory for the candidate files")
    parser.add_argument("--style", choices=("auto", "hf", "meta", "vllm"), default="auto")
    parser.add_argument("--serve", action="store_true", help="run as a ropecheck worker on stdin/stdout")
    parser.add_argument("--device", default="cpu", help="worker: torch device (cpu, cuda, cuda:1, ...)")
    parser.add_argument("--max-position", type=int, default=1 << 17, help="worker, vllm style: the cache length")
    parser.add_argument("--bug", choices=("bf16-positions",), help="worker: plant a known bug")
    parser.add_argument("--dtypes", default="f32,bf16,f16",
                        help="worker: the dtypes to declare, comma-separated (a vllm-style run checks bf16 under "
                             "bf16-compute and f16 under f16-compute, one profile per run)")
    args = parser.parse_args()
    if args.serve:
        if args.golden or args.out:
            parser.error("--serve takes no --golden or --out")
        if args.device.startswith("cuda") and not torch.cuda.is_available():
            print(f"torch_rope.py: --device {args.device}: this torch has no CUDA device", file=sys.stderr)
            return 2
        dtypes = [d for d in args.dtypes.split(",") if d]
        if not dtypes or any(d not in ("f32", "bf16", "f16") for d in dtypes):
            parser.error("--dtypes takes f32, bf16 and f16, comma-separated")
        return serve_worker(args.style, args.device, args.max_position, args.bug, dtypes)
    if not args.golden or not args.out:
        parser.error("--golden and --out are required (or --serve)")
    if args.style == "vllm":
        parser.error("--style vllm is a worker style (--serve)")
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
