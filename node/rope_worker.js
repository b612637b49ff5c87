#!/usr/bin/env node
// A RoPE in JavaScript as a ropecheck worker: the worker protocol (docs/worker-protocol.md)
// with nothing but Node's standard library, to show that it does not depend on Python.
//
//   ropecheck props --exec 'node node/rope_worker.js' --profile f32-angle
//
// It implements unscaled RoPE of both layouts (partial rotary and rotary_offset included)
// in f32 and bf16, computed in double and rounded once to the output dtype, and declares
// exactly that. `--bug only-head-0` leaves every head after the first unrotated, so a test
// can show the battery catching it.
'use strict';

const bug = process.argv.includes('--bug') ? process.argv[process.argv.indexOf('--bug') + 1] : null;
const SUPPORTS = { dtypes: ['f32', 'bf16'], scaling: ['none'], position_scale: false, multi_axis: false };

// --- safetensors blobs -------------------------------------------------------------------
const ELEMENT_BYTES = { F32: 4, BF16: 2, F16: 2, I64: 8 };

function decode(blob) {
  const n = Number(blob.readBigUInt64LE(0));
  const header = JSON.parse(blob.subarray(8, 8 + n).toString('utf8'));
  const metadata = header.__metadata__ || {};
  delete header.__metadata__;
  const data = blob.subarray(8 + n);
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    const [begin, end] = info.data_offsets;
    tensors[name] = { dtype: info.dtype, shape: info.shape, bytes: data.subarray(begin, end) };
  }
  return { tensors, metadata };
}

function encode(tensors, metadata) {
  const header = {};
  let offset = 0;
  const chunks = [];
  for (const name of Object.keys(tensors).sort()) {
    const t = tensors[name];
    header[name] = { data_offsets: [offset, offset + t.bytes.length], dtype: t.dtype, shape: t.shape };
    chunks.push(t.bytes);
    offset += t.bytes.length;
  }
  if (metadata) header.__metadata__ = metadata;
  let text = JSON.stringify(header);
  while (Buffer.byteLength(text) % 8) text += ' ';
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  return Buffer.concat([length, Buffer.from(text, 'utf8'), ...chunks]);
}

function send(blob) {
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(blob.length));
  process.stdout.write(Buffer.concat([length, blob]));
}

// --- exact element conversions ------------------------------------------------------------
const scratch = new DataView(new ArrayBuffer(4));

function f32Bits(value) {
  scratch.setFloat32(0, value, true);
  return scratch.getUint32(0, true);
}

function read(t, k) {
  if (t.dtype === 'F32') return t.bytes.readFloatLE(4 * k);
  // bf16: the upper half of a float32, widened exactly
  scratch.setUint32(0, t.bytes.readUInt16LE(2 * k) << 16, true);
  return scratch.getFloat32(0, true);
}

// double -> bf16 rounded once to nearest even: round to odd in float32 first (which keeps
// the sticky information), then round the float32 bits to nearest even.
function bf16Bits(value) {
  if (Number.isNaN(value)) return 0x7fc0;
  let f = Math.fround(value);
  let bits = f32Bits(f);
  if (Number.isFinite(value) && Math.abs(f) > Math.abs(value)) bits -= 1;  // step toward zero
  scratch.setUint32(0, bits, true);
  if (Number.isFinite(value) && scratch.getFloat32(0, true) !== value) bits |= 1;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

// --- RoPE -----------------------------------------------------------------------------------
function rope(spec, x, positions, heads) {
  const D = spec.head_dim, R = spec.rotary_dim, o = spec.rotary_offset || 0, half = R / 2;
  const T = positions.length;
  const y = new Float64Array(T * heads * D);
  for (let t = 0; t < T; ++t) {
    for (let h = 0; h < heads; ++h) {
      const base = (t * heads + h) * D;
      for (let d = 0; d < D; ++d) y[base + d] = x(base + d);
      if (bug === 'only-head-0' && h > 0) continue;
      for (let i = 0; i < half; ++i) {
        const angle = positions[t] * Math.pow(spec.base, (-2 * i) / R);
        const c = Math.cos(angle), s = Math.sin(angle);
        const a = spec.layout === 'interleaved' ? base + o + 2 * i : base + o + i;
        const b = spec.layout === 'interleaved' ? a + 1 : a + half;
        const xa = x(a), xb = x(b);
        y[a] = xa * c - xb * s;
        y[b] = xb * c + xa * s;
      }
    }
  }
  return y;
}

function apply(tensors, metadata) {
  const spec = JSON.parse(metadata.spec);
  const heads = Number(metadata.heads);
  const dtype = metadata.dtype;
  if (spec.scaling.type !== 'none' || spec.position_scale || spec.mrope_section || spec.vision_2d) {
    return { unsupported: 'scaled, position-scaled and multi-axis specs are not implemented' };
  }
  const x = tensors.x;
  const p = tensors.positions;
  const positions = [];
  for (let k = 0; k < p.bytes.length / 8; ++k) positions.push(Number(p.bytes.readBigInt64LE(8 * k)));
  const y = rope(spec, (k) => read(x, k), positions, heads);
  const size = dtype === 'f32' ? 4 : 2;
  const out = Buffer.alloc(y.length * size);
  for (let k = 0; k < y.length; ++k) {
    if (dtype === 'f32') out.writeFloatLE(Math.fround(y[k]), 4 * k);
    else out.writeUInt16LE(bf16Bits(y[k]), 2 * k);
  }
  return { out: { dtype: dtype === 'f32' ? 'F32' : 'BF16', shape: [positions.length, heads, spec.head_dim], bytes: out } };
}

// --- the message loop -------------------------------------------------------------------------
let pending = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 8) {
    const n = Number(pending.readBigUInt64LE(0));
    if (pending.length < 8 + n) break;
    const { tensors, metadata } = decode(pending.subarray(8, 8 + n));
    pending = pending.subarray(8 + n);
    if (metadata.op === 'hello') {
      send(encode({}, { op: 'hello', id: metadata.id, protocol: '1', name: 'node float64' + (bug ? ' with bug ' + bug : ''),
                        supports: JSON.stringify(SUPPORTS) }));
      continue;
    }
    let reply;
    try {
      const result = apply(tensors, metadata);
      reply = result.unsupported ? encode({}, { op: 'apply', id: metadata.id, unsupported: result.unsupported })
                                 : encode({ out: result.out }, { op: 'apply', id: metadata.id });
    } catch (e) {
      process.stderr.write(String(e.stack) + '\n');
      reply = encode({}, { op: 'apply', id: metadata.id, error: String(e) });
    }
    send(reply);
  }
});
process.stdin.on('end', () => process.exit(0));
