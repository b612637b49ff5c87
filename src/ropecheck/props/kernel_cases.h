// Generated inputs of the kernel properties: a RoPE call on a raw f32/bf16/f16 tensor.
//
// What is generated, and why:
//  - specs from gen_spec() (head_dim 2…512, partial rotary, both layouts, bases 2…1e7),
//    one case in ten instead a corner of that domain (R = 2 or 512 with base 2 or 1e7),
//    one case in eight with an odd head_dim (an odd pass-through dim);
//  - 1–5 tokens, 1–4 heads, a token stride padded by 0–7 elements (q/k slices of a fused
//    qkv buffer), in place or out of place;
//  - positions in [0, max_position): small ones, powers of two and their neighbours
//    (where float32 angle pipelines change binade), and uniform ones;
//  - element values from a seeded stream (a tensor of thousands of elements does not
//    shrink element by element usefully; the case's shape and positions do shrink):
//    40% ordinary magnitudes 2^-4…2^4, 45% uniform finite bit patterns up to a quarter of
//    the dtype's largest value (so no exact result can overflow), 15% edge values (±0,
//    smallest and largest subnormals, smallest normal, max/4). IEEE specials (Inf, NaN)
//    have their own tests.
// Stride padding and, out of place, the whole output start as a sentinel NaN pattern so a
// stray write shows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <vector>

#include <rapidcheck.h>

#include "ropecheck/dtype.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/spec.h"

namespace ropecheck::props {

struct KernelCase {
  RopeSpec spec;
  Dtype dtype = Dtype::f32;
  std::size_t heads = 1;
  std::size_t stride_padding = 0;
  bool in_place = false;
  std::size_t axes = 1;                // position components per token (position_axes.h)
  std::size_t kv_heads = 0;            // > 0: a q and k case (GQA): k has this many heads, dense
  std::vector<std::int64_t> positions;  // [tokens][axes]
  std::uint64_t data_seed = 0;

  std::size_t tokens() const { return positions.size() / axes; }
  PositionsView position_view() const { return {positions, axes}; }
  std::size_t token_stride() const { return heads * spec.head_dim + stride_padding; }
  std::size_t storage_elements() const { return tokens() * token_stride(); }
};

std::ostream& operator<<(std::ostream& os, const KernelCase& c);

// The specs gen_kernel_case draws by default: gen_spec(), and one case in ten a corner.
rc::Gen<RopeSpec> gen_kernel_spec();
rc::Gen<KernelCase> gen_kernel_case(Dtype dtype, std::int64_t max_position);
// gen_spec() with a position scale (spec.h): beta in [1/256, 1/16], floor_scale 1…2^14,
// offset 0 or 1, role query or key; one in four without rotation (Llama 4's NoPE layers).
// σ ≤ 1 + ln(1 + 2^24)/16 < 2.1 below position 2^24 (Llama 4's and Mistral 3's 0.1 with
// floor 8192 or 16384 stays under 1.8), so σ·√2·max/4 keeps every exact result finite.
rc::Gen<RopeSpec> gen_position_scaled_spec();
// gen_spec() with its rotated dims moved 1…64 dims into the head (DeepSeek MLA's q_pe
// after q_nope): rotary_offset o, head_dim D + o, so dims before and after pass through.
rc::Gen<RopeSpec> gen_offset_spec();
// gen_spec() with multi-axis positions (position_axes.h), one kind in four each: chunked
// M-RoPE sections, interleaved ones (both any split of R/2, zeros included, scaling
// kept), pixtral and qwen_vl 2-D vision (R rounded down to a multiple of 4, at least 4;
// scaling none). A case's extra components are drawn like its first.
rc::Gen<RopeSpec> gen_multi_axis_spec();
// Its interleaved M-RoPE specs with an h or w pair the chunked mapping reads otherwise.
rc::Gen<RopeSpec> gen_interleaved_mrope_spec();
// The same with specs from `specs` (e.g. gen_scaled_spec()).
rc::Gen<KernelCase> gen_kernel_case(Dtype dtype, std::int64_t max_position, rc::Gen<RopeSpec> specs);

// Raw storage of one dtype (storage_bytes(dtype) each) and its exact values.
double widen(const unsigned char* element, Dtype dtype);           // exact
std::uint32_t storage_bits(const unsigned char* element, Dtype dtype);
void store_bits(unsigned char* element, Dtype dtype, std::uint32_t bits);
std::uint32_t sentinel_bits(Dtype dtype);                          // a NaN payload never produced

struct KernelBuffers {
  std::vector<unsigned char> in;   // storage_elements() raw elements, padding = sentinel
  std::vector<double> x;           // [tokens][heads][head_dim] exact input values
};

KernelBuffers make_buffers(const KernelCase& c);
// The k tensor of a q and k case: kv_heads heads, dense, out of place, its own data.
KernelCase key_case(const KernelCase& c);
// A fresh output buffer: the input itself in place, all sentinel out of place.
std::vector<unsigned char> make_output(const KernelCase& c, const KernelBuffers& buffers);
// Dense [tokens][heads][head_dim] exact values of a raw output.
std::vector<double> widen_output(const KernelCase& c, const std::vector<unsigned char>& out);
// The storage index of the first stride-padding element that no longer holds the
// sentinel, or SIZE_MAX when every one does.
std::size_t first_touched_padding(const KernelCase& c, const std::vector<unsigned char>& out);

}  // namespace ropecheck::props
