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
// pairs with the half_split step.

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
    const auto subnormal = hn::And(hn::Lt(hn::Abs(v), hn::Set(df, 0x1p-126f)), hn::Ne(v, hn::Zero(df)));
    if (HWY_UNLIKELY(!hn::AllFalse(df, subnormal))) {
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

// One vector of an interleaved row: lanes (a, b) pairs, c = ĉ duplicated, s = ∓ŝ.
template <class Codec, bool kStream>
HWY_INLINE void RotateInterleavedVector(DF df, const typename Codec::Raw* HWY_RESTRICT x,
                                        typename Codec::Raw* HWY_RESTRICT y,
                                        const float* HWY_RESTRICT c, const float* HWY_RESTRICT s) {
  const VF v = Codec::Load(df, x);
  const VF swapped_products = hn::Mul(hn::Reverse2(df, v), hn::LoadU(df, s));
  Codec::template Store<kStream>(df, hn::MulAdd(v, hn::LoadU(df, c), swapped_products), y);
}

// One vector of a half_split row: lo = a's, hi = b's of the same pairs.
template <class Codec, bool kStream>
HWY_INLINE void RotateHalfSplitVector(DF df, const typename Codec::Raw* HWY_RESTRICT x_lo,
                                      const typename Codec::Raw* HWY_RESTRICT x_hi,
                                      typename Codec::Raw* HWY_RESTRICT y_lo,
                                      typename Codec::Raw* HWY_RESTRICT y_hi,
                                      const float* HWY_RESTRICT c, const float* HWY_RESTRICT s) {
  const VF lo = Codec::Load(df, x_lo);
  const VF hi = Codec::Load(df, x_hi);
  const VF cv = hn::LoadU(df, c);
  const VF sv = hn::LoadU(df, s);
  const VF new_lo = hn::MulSub(lo, cv, hn::Mul(hi, sv));
  const VF new_hi = hn::MulAdd(hi, cv, hn::Mul(lo, sv));
  Codec::template Store<kStream>(df, new_lo, y_lo);
  Codec::template Store<kStream>(df, new_hi, y_hi);
}

template <class Codec, bool kStream>
HWY_INLINE void RotateInterleavedRow(DF df, const typename Codec::Raw* HWY_RESTRICT x,
                                     typename Codec::Raw* HWY_RESTRICT y, std::size_t rotary_dim,
                                     const float* HWY_RESTRICT c_dup,
                                     const float* HWY_RESTRICT s_signed) {
  using Raw = typename Codec::Raw;
#if HWY_TARGET == HWY_SCALAR
  // One lane cannot hold a pair: rotate each pair as a one-element half_split step, the
  // same operations (a·ĉ − b·ŝ equals a·ĉ + b·(−ŝ) bit for bit).
  for (std::size_t j = 0; j < rotary_dim; j += 2) {
    RotateHalfSplitVector<Codec, kStream>(df, x + j, x + j + 1, y + j, y + j + 1, c_dup + j, s_signed + j + 1);
  }
  return;
#endif
  const std::size_t n = hn::Lanes(df);
  std::size_t j = 0;
  for (; j + n <= rotary_dim; j += n) {
    RotateInterleavedVector<Codec, kStream>(df, x + j, y + j, c_dup + j, s_signed + j);
  }
  if (j < rotary_dim) {
    // c_dup/s_signed are zero-padded past rotary_dim by the caller.
    const std::size_t rest = rotary_dim - j;
    Raw x_tail[kMaxFloatLanes] = {};
    Raw y_tail[kMaxFloatLanes];
    std::memcpy(x_tail, x + j, rest * sizeof(Raw));
    RotateInterleavedVector<Codec, false>(df, x_tail, y_tail, c_dup + j, s_signed + j);
    std::memcpy(y + j, y_tail, rest * sizeof(Raw));
  }
}

template <class Codec, bool kStream>
HWY_INLINE void RotateHalfSplitRow(DF df, const typename Codec::Raw* HWY_RESTRICT x,
                                   typename Codec::Raw* HWY_RESTRICT y, std::size_t pairs,
                                   const float* HWY_RESTRICT c, const float* HWY_RESTRICT s) {
  using Raw = typename Codec::Raw;
  const std::size_t n = hn::Lanes(df);
  std::size_t i = 0;
  for (; i + n <= pairs; i += n) {
    RotateHalfSplitVector<Codec, kStream>(df, x + i, x + pairs + i, y + i, y + pairs + i, c + i, s + i);
  }
  if (i < pairs) {
    const std::size_t rest = pairs - i;
    Raw lo[kMaxFloatLanes] = {}, hi[kMaxFloatLanes] = {};
    Raw new_lo[kMaxFloatLanes], new_hi[kMaxFloatLanes];
    float c_tail[kMaxFloatLanes] = {}, s_tail[kMaxFloatLanes] = {};
    std::memcpy(lo, x + i, rest * sizeof(Raw));
    std::memcpy(hi, x + pairs + i, rest * sizeof(Raw));
    std::memcpy(c_tail, c + i, rest * sizeof(float));
    std::memcpy(s_tail, s + i, rest * sizeof(float));
    RotateHalfSplitVector<Codec, false>(df, lo, hi, new_lo, new_hi, c_tail, s_tail);
    std::memcpy(y + i, new_lo, rest * sizeof(Raw));
    std::memcpy(y + pairs + i, new_hi, rest * sizeof(Raw));
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
  // Interleaved expansion buffers, zero-padded by one vector for the row tail.
  float* c_dup = call.scratch;
  float* s_signed = call.scratch + call.rotary_dim + kMaxFloatLanes;
  if (call.interleaved) {
    std::memset(call.scratch, 0, detail::scratch_floats(call.rotary_dim) * sizeof(float));
  }
  for (std::size_t t = 0; t < call.tokens; ++t) {
    const float* c = call.cos + t * pairs;
    const float* s = call.sin + t * pairs;
    if (call.interleaved) {
      for (std::size_t i = 0; i < pairs; ++i) {
        c_dup[2 * i] = c_dup[2 * i + 1] = c[i];
        s_signed[2 * i] = -s[i];
        s_signed[2 * i + 1] = s[i];
      }
    }
    const Raw* x_token = in + t * call.in_token_stride;
    Raw* y_token = out + t * call.out_token_stride;
    for (std::size_t h = 0; h < call.heads; ++h) {
      const Raw* x = x_token + h * call.head_dim;
      Raw* y = y_token + h * call.head_dim;
      if (call.interleaved) {
        RotateInterleavedRow<Codec, kStream>(df, x, y, call.rotary_dim, c_dup, s_signed);
      } else {
        RotateHalfSplitRow<Codec, kStream>(df, x, y, pairs, c, s);
      }
      if (!call.in_place && pass_through != 0) {
        std::memcpy(y + call.rotary_dim, x + call.rotary_dim, pass_through * sizeof(Raw));
      }
    }
  }
}

// Non-temporal stores skip the read-for-ownership of output lines that a large
// out-of-place call would otherwise pay (memcpy does the same). They need every vector
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
