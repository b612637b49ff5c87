// Per-target body of the RoPE kernels (Highway skeleton: compiled once per target by
// foreach_target from rope_kernels.cc; the contract lives in rope_kernels.h).
//
// Rotation of a pair (a, b) with table entries ĉ = s·cos φ, ŝ = s·sin φ (float32):
//   a' = RN(a·ĉ − RN(b·ŝ)),  b' = RN(b·ĉ + RN(a·ŝ))      (MulSub / MulAdd of Highway)
// fused into one rounding on FMA targets, two otherwise (HWY_NATIVE_FMA); both layouts
// run the same operation sequence, so their results are bit-identical on one target.
// Interleaved rows use a per-token expanded table (ĉ0 ĉ0 ĉ1 ĉ1 …, −ŝ0 ŝ0 −ŝ1 ŝ1 …) and a
// lane swap (Reverse2); half_split rows load the table row directly. Narrow dtypes are
// widened exactly to f32, computed, and rounded once to nearest even (codecs below).
// Row tails shorter than a vector go through a zero-padded buffer and the same vector
// code, so a tail rounds exactly like the body. HWY_SCALAR (one lane) rotates interleaved
// pairs with the half_split step. Loop order: see RotateBlock.

#if defined(ROPECHECK_KERNELS_ROPE_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ROPECHECK_KERNELS_ROPE_KERNELS_INL_H_
#undef ROPECHECK_KERNELS_ROPE_KERNELS_INL_H_
#else
#define ROPECHECK_KERNELS_ROPE_KERNELS_INL_H_
#endif

#include <cstring>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "ropecheck/kernels/kernel_call.h"

HWY_BEFORE_NAMESPACE();
namespace ropecheck::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;

// Highway 1.0.3 converts f16 in hardware (F16C, round to nearest even) only on x86
// targets from AVX2 up; elsewhere its emulation truncates on demotion and maps f16
// Inf/NaN to finite values on promotion, so those targets use the codecs below.
#undef ROPECHECK_HARDWARE_F16
#if HWY_ARCH_X86 && HWY_TARGET < HWY_SSE4 && !defined(HWY_DISABLE_F16C)
#define ROPECHECK_HARDWARE_F16 1
#else
#define ROPECHECK_HARDWARE_F16 0
#endif

// Streams only vectors of at least 16 bytes: x86's 128-bit stream instruction would write
// past a narrower partial vector (Highway 1.0.3 does not guard this).
template <bool kStream, class D, typename T>
HWY_INLINE void StoreVec(D d, hn::Vec<D> v, T* HWY_RESTRICT p) {
  if constexpr (kStream && hn::MaxLanes(D()) * sizeof(T) >= 16) {
    hn::Stream(v, d, p);
  } else {
    hn::StoreU(v, d, p);
  }
}

// f32 → bf16, round to nearest even, by hand: Highway 1.0.3's DemoteTo(bf16) truncates
// and turns NaN into Inf. Adding 0x7FFF plus the lowest kept bit rounds ties to even;
// carries into the exponent give the next binade or ±Inf exactly as RNE does. NaN keeps
// its sign and becomes quiet (0x0040 set) so it cannot round to Inf.
HWY_INLINE hn::Vec<hn::Rebind<uint16_t, DF>> Bf16BitsRne(VF v) {
  const DF df;
  const hn::RebindToUnsigned<DF> du;
  const hn::RebindToSigned<DF> di;
  const hn::Rebind<uint16_t, DF> du16;
  const auto bits = hn::BitCast(du, v);
  const auto kept_lsb = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 1u));
  const auto rounded = hn::ShiftRight<16>(hn::Add(bits, hn::Add(hn::Set(du, 0x7FFFu), kept_lsb)));
  const auto quiet_nan = hn::Or(hn::ShiftRight<16>(bits), hn::Set(du, 0x0040u));
  const auto nan = hn::RebindMask(du, hn::Ne(v, v));
  (void)df;
  // Values are ≤ 0xFFFF, so the saturating i32 → u16 demotion is exact.
  return hn::DemoteTo(du16, hn::BitCast(di, hn::IfThenElse(nan, quiet_nan, rounded)));
}

struct F32Codec {
  using Raw = float;
  static HWY_INLINE VF Load(DF df, const float* HWY_RESTRICT p) { return hn::LoadU(df, p); }
  template <bool kStream>
  static HWY_INLINE void Store(DF df, VF v, float* HWY_RESTRICT p) {
    StoreVec<kStream>(df, v, p);
  }
};

struct Bf16SoftwareCodec {
  using Raw = hwy::bfloat16_t;
  static HWY_INLINE VF Load(DF df, const Raw* HWY_RESTRICT p) {
    const hn::Rebind<Raw, DF> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, p));  // exact: bf16 is the top half of f32
  }
  template <bool kStream>
  static HWY_INLINE void Store(DF, VF v, Raw* HWY_RESTRICT p) {
    const hn::Rebind<Raw, DF> dh;
    StoreVec<kStream>(dh, hn::BitCast(dh, Bf16BitsRne(v)), p);
  }
};

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// AVX512-BF16's VCVTNEPS2BF16 rounds to nearest even and quiets NaN, but always treats
// f32 subnormals as zero (DAZ/FTZ regardless of MXCSR): a vector holding a nonzero value
// below 2^-126 takes the by-hand path, which rounds it to the correct bf16 subnormal.
// Emitted with inline asm so the target needs no avx512bf16 compile flag; it only runs
// when the CPU reports AVX512_BF16 (rope_kernels.cc checks, tests can switch it off).
struct Bf16HardwareCodec {
  using Raw = hwy::bfloat16_t;
  static HWY_INLINE VF Load(DF df, const Raw* HWY_RESTRICT p) {
    return Bf16SoftwareCodec::Load(df, p);
  }
  template <bool kStream>
  static HWY_INLINE void Store(DF df, VF v, Raw* HWY_RESTRICT p) {
    // VFPCLASSPS class 0x20 = subnormal: one instruction instead of |v| < 2^-126 && v ≠ 0.
    const __mmask16 subnormal = _mm512_fpclass_ps_mask(v.raw, 0x20);
    if (HWY_UNLIKELY(subnormal != 0)) {
      Bf16SoftwareCodec::Store<kStream>(df, v, p);
      return;
    }
    __m256i packed;
    asm("vcvtneps2bf16 %1, %0" : "=v"(packed) : "v"(v.raw));
    const hn::Rebind<Raw, DF> dh;
    StoreVec<kStream>(dh, hn::Vec256<Raw>{packed}, p);
  }
};
#endif

struct F16Codec {
  using Raw = hwy::float16_t;
  static HWY_INLINE VF Load(DF df, const Raw* HWY_RESTRICT p) {
    const hn::Rebind<Raw, DF> dh;
#if ROPECHECK_HARDWARE_F16
    return hn::PromoteTo(df, hn::LoadU(dh, p));
#else
    // Exact widening by fields: normal, subnormal (mantissa·2^-24, exact in f32), Inf/NaN.
    const hn::RebindToUnsigned<DF> du;
    const hn::RebindToSigned<DF> di;
    const hn::Rebind<uint16_t, DF> du16;
    const auto bits = hn::PromoteTo(du, hn::BitCast(du16, hn::LoadU(dh, p)));
    const auto sign = hn::ShiftLeft<16>(hn::And(bits, hn::Set(du, 0x8000u)));
    const auto exponent = hn::And(hn::ShiftRight<10>(bits), hn::Set(du, 0x1Fu));
    const auto mantissa = hn::And(bits, hn::Set(du, 0x3FFu));
    const auto normal = hn::Or(hn::ShiftLeft<23>(hn::Add(exponent, hn::Set(du, 112u))),
                               hn::ShiftLeft<13>(mantissa));
    const auto special = hn::Or(hn::Set(du, 0x7F800000u), hn::ShiftLeft<13>(mantissa));
    const auto subnormal = hn::BitCast(
        du, hn::Mul(hn::ConvertTo(df, hn::BitCast(di, mantissa)), hn::Set(df, 0x1p-24f)));
    const auto magnitude =
        hn::IfThenElse(hn::Eq(exponent, hn::Zero(du)), subnormal,
                       hn::IfThenElse(hn::Eq(exponent, hn::Set(du, 0x1Fu)), special, normal));
    return hn::BitCast(df, hn::Or(magnitude, sign));
#endif
  }
  template <bool kStream>
  static HWY_INLINE void Store(DF df, VF v, Raw* HWY_RESTRICT p) {
    const hn::Rebind<Raw, DF> dh;
#if ROPECHECK_HARDWARE_F16
    (void)df;
    StoreVec<kStream>(dh, hn::DemoteTo(dh, v), p);  // VCVTPS2PH, immediate RNE
#else
    // RNE by hand. Below 2^-14 (f16 subnormal or zero) adding 0.5 aligns the value to
    // f16's subnormal quantum 2^-24 and the f32 addition does the ties-to-even rounding;
    // above, adding 0xFFF plus the lowest kept bit before dropping 13 bits does, with
    // carries reaching 0x7C00 (Inf) from 65520 up as RNE does. ≥ 65536 is Inf, NaN stays a
    // quiet NaN (0x7E00) with its sign.
    const hn::RebindToUnsigned<DF> du;
    const hn::RebindToSigned<DF> di;
    const hn::Rebind<uint16_t, DF> du16;
    const auto bits = hn::BitCast(du, v);
    const auto sign = hn::And(bits, hn::Set(du, 0x80000000u));
    const auto magnitude = hn::Xor(bits, sign);
    const auto signed_magnitude = hn::BitCast(di, magnitude);
    const auto nan = hn::RebindMask(du, hn::Gt(signed_magnitude, hn::Set(di, 0x7F800000)));
    const auto overflow = hn::RebindMask(du, hn::Gt(signed_magnitude, hn::Set(di, 0x477FFFFF)));
    const auto small = hn::RebindMask(du, hn::Lt(signed_magnitude, hn::Set(di, 0x38800000)));
    const auto tiny = hn::Sub(hn::BitCast(du, hn::Add(hn::BitCast(df, magnitude), hn::Set(df, 0.5f))),
                              hn::Set(du, 0x3F000000u));
    const auto kept_lsb = hn::And(hn::ShiftRight<13>(magnitude), hn::Set(du, 1u));
    // 0xC8000FFF = (15 − 127) << 23 (rebias, modulo 2^32) + 0xFFF (half ulp minus one).
    const auto normal =
        hn::ShiftRight<13>(hn::Add(hn::Add(magnitude, hn::Set(du, 0xC8000FFFu)), kept_lsb));
    const auto huge = hn::IfThenElse(nan, hn::Set(du, 0x7E00u), hn::Set(du, 0x7C00u));
    const auto result = hn::Or(hn::IfThenElse(overflow, huge, hn::IfThenElse(small, tiny, normal)),
                               hn::ShiftRight<16>(sign));
    StoreVec<kStream>(dh, hn::BitCast(dh, hn::DemoteTo(du16, hn::BitCast(di, result))), p);
#endif
  }
};

constexpr std::size_t kMaxFloatLanes = HWY_MAX_BYTES / sizeof(float);

// Loop order: for each token, for each block of 8, 4 or 1 vectors of the rotary dims, the
// block's cos/sin vectors are loaded once and kept in registers while every head of the
// token is rotated. Rotating head by head instead costs three loads per output vector
// (x, cos, sin) and makes the kernel load-port bound in cache; this way it is one load
// plus 2/heads. The largest blocks first, so a 128-dim head at 16 f32 lanes is one pass
// per token (interleaved: one block of 8; half_split: one block of 4 covering lo and hi):
// splitting a row over several passes measured up to 1.7× slower from DRAM.
// One vector of an interleaved row: lanes (a, b) pairs, c = ĉ duplicated, s = ∓ŝ.
template <class Codec, bool kStream>
HWY_INLINE void RotateInterleavedVector(DF df, const typename Codec::Raw* HWY_RESTRICT x,
                                        typename Codec::Raw* HWY_RESTRICT y, VF c, VF s) {
  const VF v = Codec::Load(df, x);
  Codec::template Store<kStream>(df, hn::MulAdd(v, c, hn::Mul(hn::Reverse2(df, v), s)), y);
}

// One vector of a half_split row: lo = a's, hi = b's of the same pairs.
template <class Codec, bool kStream>
HWY_INLINE void RotateHalfSplitVector(DF df, const typename Codec::Raw* HWY_RESTRICT x_lo,
                                      const typename Codec::Raw* HWY_RESTRICT x_hi,
                                      typename Codec::Raw* HWY_RESTRICT y_lo,
                                      typename Codec::Raw* HWY_RESTRICT y_hi, VF c, VF s) {
  const VF lo = Codec::Load(df, x_lo);
  const VF hi = Codec::Load(df, x_hi);
  Codec::template Store<kStream>(df, hn::MulSub(lo, c, hn::Mul(hi, s)), y_lo);
  Codec::template Store<kStream>(df, hn::MulAdd(hi, c, hn::Mul(lo, s)), y_hi);
}

// Rows of one token: x(h) = x_token + h·head_dim, likewise y.
template <class Raw>
struct TokenRows {
  const Raw* HWY_RESTRICT x;
  Raw* HWY_RESTRICT y;
  std::size_t heads;
  std::size_t head_dim;
};

// Rotates kCount vectors at element offset `lane` of every head; the block's cos/sin start
// at the same offset in c and s (interleaved: the expanded arrays; half_split: the table
// row, and each head's hi half is lo + pairs).
template <class Codec, bool kStream, bool kInterleaved, std::size_t kCount>
HWY_INLINE void RotateBlock(DF df, const TokenRows<typename Codec::Raw>& rows, std::size_t lane,
                            std::size_t pairs, const float* HWY_RESTRICT c,
                            const float* HWY_RESTRICT s) {
  const std::size_t n = hn::Lanes(df);
  // Fully unrolled so the cos/sin vectors live in registers across the heads loop.
  VF cv[kCount], sv[kCount];
  HWY_UNROLL(8)
  for (std::size_t k = 0; k < kCount; ++k) {
    cv[k] = hn::LoadU(df, c + lane + k * n);
    sv[k] = hn::LoadU(df, s + lane + k * n);
  }
  for (std::size_t h = 0; h < rows.heads; ++h) {
    const auto* x = rows.x + h * rows.head_dim + lane;
    auto* y = rows.y + h * rows.head_dim + lane;
    HWY_UNROLL(8)
    for (std::size_t k = 0; k < kCount; ++k) {
      if constexpr (kInterleaved) {
        RotateInterleavedVector<Codec, kStream>(df, x + k * n, y + k * n, cv[k], sv[k]);
      } else {
        RotateHalfSplitVector<Codec, kStream>(df, x + k * n, x + pairs + k * n, y + k * n, y + pairs + k * n,
                                              cv[k], sv[k]);
      }
    }
  }
}

// The last partial vector of every head, through zero-padded buffers and the same
// vector code. `rest` elements (interleaved) or pairs (half_split) from `lane` on.
template <class Codec>
HWY_INLINE void RotateTail(DF df, const TokenRows<typename Codec::Raw>& rows, bool interleaved,
                           std::size_t lane, std::size_t rest, std::size_t pairs,
                           const float* HWY_RESTRICT c, const float* HWY_RESTRICT s) {
  using Raw = typename Codec::Raw;
  float c_tail[kMaxFloatLanes] = {}, s_tail[kMaxFloatLanes] = {};
  std::memcpy(c_tail, c + lane, rest * sizeof(float));
  std::memcpy(s_tail, s + lane, rest * sizeof(float));
  const VF cv = hn::LoadU(df, c_tail);
  const VF sv = hn::LoadU(df, s_tail);
  for (std::size_t h = 0; h < rows.heads; ++h) {
    const Raw* x = rows.x + h * rows.head_dim + lane;
    Raw* y = rows.y + h * rows.head_dim + lane;
    Raw lo[kMaxFloatLanes] = {}, hi[kMaxFloatLanes] = {};
    Raw new_lo[kMaxFloatLanes], new_hi[kMaxFloatLanes];
    std::memcpy(lo, x, rest * sizeof(Raw));
    if (interleaved) {
      RotateInterleavedVector<Codec, false>(df, lo, new_lo, cv, sv);
    } else {
      std::memcpy(hi, x + pairs, rest * sizeof(Raw));
      RotateHalfSplitVector<Codec, false>(df, lo, hi, new_lo, new_hi, cv, sv);
      std::memcpy(y + pairs, new_hi, rest * sizeof(Raw));
    }
    std::memcpy(y, new_lo, rest * sizeof(Raw));
  }
}

template <class Codec, bool kStream>
HWY_INLINE void RotateToken(DF df, const TokenRows<typename Codec::Raw>& rows, bool interleaved,
                            std::size_t rotary_dim, const float* HWY_RESTRICT c,
                            const float* HWY_RESTRICT s) {
  const std::size_t pairs = rotary_dim / 2;
  const std::size_t width = interleaved ? rotary_dim : pairs;  // lanes to cover
#if HWY_TARGET == HWY_SCALAR
  // One lane cannot hold a pair: interleaved pairs are rotated as one-element half_split
  // steps, the same operations (a·ĉ − b·ŝ equals a·ĉ + b·(−ŝ) bit for bit).
  if (interleaved) {
    for (std::size_t h = 0; h < rows.heads; ++h) {
      const auto* x = rows.x + h * rows.head_dim;
      auto* y = rows.y + h * rows.head_dim;
      for (std::size_t j = 0; j < rotary_dim; j += 2) {
        RotateHalfSplitVector<Codec, kStream>(df, x + j, x + j + 1, y + j, y + j + 1, hn::LoadU(df, c + j),
                                              hn::LoadU(df, s + j + 1));
      }
    }
    return;
  }
#endif
  const std::size_t n = hn::Lanes(df);
  std::size_t lane = 0;
  if (interleaved) {
    for (; lane + 8 * n <= width; lane += 8 * n) RotateBlock<Codec, kStream, true, 8>(df, rows, lane, pairs, c, s);
    for (; lane + 4 * n <= width; lane += 4 * n) RotateBlock<Codec, kStream, true, 4>(df, rows, lane, pairs, c, s);
    for (; lane + n <= width; lane += n) RotateBlock<Codec, kStream, true, 1>(df, rows, lane, pairs, c, s);
  } else {
    for (; lane + 8 * n <= width; lane += 8 * n) RotateBlock<Codec, kStream, false, 8>(df, rows, lane, pairs, c, s);
    for (; lane + 4 * n <= width; lane += 4 * n) RotateBlock<Codec, kStream, false, 4>(df, rows, lane, pairs, c, s);
    for (; lane + n <= width; lane += n) RotateBlock<Codec, kStream, false, 1>(df, rows, lane, pairs, c, s);
  }
  if (lane < width) RotateTail<Codec>(df, rows, interleaved, lane, width - lane, pairs, c, s);
}

// Interleaved tables per token: ĉ0 ĉ0 ĉ1 ĉ1 … and −ŝ0 ŝ0 −ŝ1 ŝ1 …, a full vector of pairs
// at a time with two lane permutations, the remaining pairs one by one.
HWY_INLINE void ExpandInterleaved(DF df, const float* HWY_RESTRICT c, const float* HWY_RESTRICT s,
                                  std::size_t pairs, float* HWY_RESTRICT c_dup, float* HWY_RESTRICT s_signed) {
  const std::size_t n = hn::Lanes(df);
  std::size_t i = 0;
#if HWY_TARGET != HWY_SCALAR
  const hn::RebindToSigned<DF> di;
  const auto lane = hn::Iota(di, 0);
  const auto lower = hn::IndicesFromVec(df, hn::ShiftRight<1>(lane));  // 0 0 1 1 …
  const auto upper = hn::IndicesFromVec(df, hn::Add(hn::ShiftRight<1>(lane), hn::Set(di, static_cast<int32_t>(n / 2))));
  for (; i + n <= pairs; i += n) {
    const VF cv = hn::LoadU(df, c + i);
    const VF sv = hn::LoadU(df, s + i);
    const VF s_lower = hn::TableLookupLanes(sv, lower);
    const VF s_upper = hn::TableLookupLanes(sv, upper);
    hn::StoreU(hn::TableLookupLanes(cv, lower), df, c_dup + 2 * i);
    hn::StoreU(hn::TableLookupLanes(cv, upper), df, c_dup + 2 * i + n);
    hn::StoreU(hn::OddEven(s_lower, hn::Neg(s_lower)), df, s_signed + 2 * i);
    hn::StoreU(hn::OddEven(s_upper, hn::Neg(s_upper)), df, s_signed + 2 * i + n);
  }
#else
  (void)df;
  (void)n;
#endif
  for (; i < pairs; ++i) {
    c_dup[2 * i] = c_dup[2 * i + 1] = c[i];
    s_signed[2 * i] = -s[i];
    s_signed[2 * i + 1] = s[i];
  }
}

template <class Codec, bool kStream>
HWY_NOINLINE void RotateAll(const detail::RotateCall& call) {
  using Raw = typename Codec::Raw;
  const DF df;
  const std::size_t pairs = call.rotary_dim / 2;
  const std::size_t pass_through = call.head_dim - call.rotary_dim;
  const Raw* in = static_cast<const Raw*>(call.in);
  Raw* out = static_cast<Raw*>(call.out);
  // Interleaved: per-token cos duplicated (ĉ0 ĉ0 ĉ1 ĉ1 …) and sine signed (−ŝ0 ŝ0 …).
  float* c_dup = call.scratch;
  float* s_signed = call.scratch + call.rotary_dim;
  for (std::size_t t = 0; t < call.tokens; ++t) {
    const float* c = call.cos + t * pairs;
    const float* s = call.sin + t * pairs;
    if (call.interleaved) {
      ExpandInterleaved(df, c, s, pairs, c_dup, s_signed);
      c = c_dup;
      s = s_signed;
    }
    const TokenRows<Raw> rows{in + t * call.in_token_stride, out + t * call.out_token_stride, call.heads,
                              call.head_dim};
    RotateToken<Codec, kStream>(df, rows, call.interleaved, call.rotary_dim, c, s);
    if (!call.in_place && pass_through != 0) {
      for (std::size_t h = 0; h < call.heads; ++h) {
        std::memcpy(rows.y + h * call.head_dim + call.rotary_dim, rows.x + h * call.head_dim + call.rotary_dim,
                    pass_through * sizeof(Raw));
      }
    }
  }
}

// Non-temporal stores skip the read-for-ownership of output lines that a large
// out-of-place call would otherwise pay, as glibc's memcpy does for large copies (on the
// development machine, with its large L3, it made no measurable difference). They need every vector
// store aligned: the output base, the token and head strides, and the half_split offset.
template <class Codec>
HWY_INLINE bool CanStream(const detail::RotateCall& call) {
  using Raw = typename Codec::Raw;
  const DF df;
  const std::size_t vector_bytes = hn::Lanes(df) * sizeof(Raw);
  const auto aligned = [&](std::size_t bytes) { return bytes % vector_bytes == 0; };
  return call.stream && !call.in_place &&
         aligned(reinterpret_cast<std::uintptr_t>(call.out)) &&
         aligned(call.out_token_stride * sizeof(Raw)) && aligned(call.head_dim * sizeof(Raw)) &&
         (call.interleaved || aligned(call.rotary_dim / 2 * sizeof(Raw)));
}

template <class Codec>
HWY_INLINE void Rotate(const detail::RotateCall& call) {
  if (CanStream<Codec>(call)) {
    RotateAll<Codec, true>(call);
    hwy::FlushStream();
  } else {
    RotateAll<Codec, false>(call);
  }
}

void RotateF32(const detail::RotateCall& call) { Rotate<F32Codec>(call); }

void RotateBF16(const detail::RotateCall& call) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  if (call.bf16_instructions) {
    Rotate<Bf16HardwareCodec>(call);
    return;
  }
#endif
  Rotate<Bf16SoftwareCodec>(call);
}

void RotateF16(const detail::RotateCall& call) { Rotate<F16Codec>(call); }

// Properties pick K by this (numeric::Arithmetic).
bool FusesMultiplyAdd() { return HWY_NATIVE_FMA != 0; }

// Whether this target's bf16 path can use AVX512-BF16 at all.
bool HasBf16Instructions() {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  return true;
#else
  return false;
#endif
}

}  // namespace ropecheck::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard
