// Per-target body of the RoPE kernels (Highway skeleton: compiled once per target by
// foreach_target from rope_kernels.cc; the contract lives in rope_kernels.h).
//
// Rotation of a pair (a, b) with table entries ĉ = s·cos φ, ŝ = s·sin φ (float32):
//   a' = RN(a·ĉ − RN(b·ŝ)),  b' = RN(b·ĉ + RN(a·ŝ))      (MulSub / MulAdd of Highway)
// fused into one rounding on FMA targets, two otherwise (HWY_NATIVE_FMA); both layouts
// run the same operation sequence, so their results are bit-identical on one target.
// Interleaved f32/f16 rows use a per-token expanded table (ĉ0 ĉ0 ĉ1 ĉ1 …, −ŝ0 ŝ0 −ŝ1 ŝ1 …)
// and a lane swap (Reverse2); interleaved bf16 rows are read as one 32-bit word per pair
// (Form::kPairWords); half_split rows and pair words load the table row directly. Narrow dtypes are
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
#include <type_traits>
#include <utility>

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
// Returns the bf16 bits in the low half of 32-bit lanes (upper half zero).
HWY_INLINE hn::Vec<hn::RebindToUnsigned<DF>> Bf16WordsRne(VF v) {
  const hn::RebindToUnsigned<DF> du;
  const auto bits = hn::BitCast(du, v);
  const auto kept_lsb = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 1u));
  const auto rounded = hn::ShiftRight<16>(hn::Add(bits, hn::Add(hn::Set(du, 0x7FFFu), kept_lsb)));
  const auto quiet_nan = hn::Or(hn::ShiftRight<16>(bits), hn::Set(du, 0x0040u));
  return hn::IfThenElse(hn::RebindMask(du, hn::Ne(v, v)), quiet_nan, rounded);
}

HWY_INLINE hn::Vec<hn::Rebind<uint16_t, DF>> Bf16BitsRne(VF v) {
  const hn::RebindToSigned<DF> di;
  const hn::Rebind<uint16_t, DF> du16;
  // Values are ≤ 0xFFFF, so the saturating i32 → u16 demotion is exact.
  return hn::DemoteTo(du16, hn::BitCast(di, Bf16WordsRne(v)));
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

  // Interleaved bf16 pairs read as 32-bit words (b << 16) | a: a vector of words widens to
  // a vector of a's and one of b's with two bit operations, no lane permutation, and the
  // pairs rotate with the half_split arithmetic and the table row as it is.
  static HWY_INLINE void LoadPairWords(DF df, const Raw* HWY_RESTRICT p, VF& a, VF& b) {
    const hn::RebindToUnsigned<DF> du;
    const auto words = hn::LoadU(du, reinterpret_cast<const uint32_t*>(p));
    a = hn::BitCast(df, hn::ShiftLeft<16>(words));
    b = hn::BitCast(df, hn::And(words, hn::Set(du, 0xFFFF0000u)));
  }
  // r[2k] = rotated a's and r[2k + 1] = rotated b's of the pairs starting at dest(k).
  template <bool kStream, std::size_t kN, class Dest>
  static HWY_INLINE void StorePairWords(DF, const VF (&r)[kN], const Dest& dest) {
    const hn::RebindToUnsigned<DF> du;
    HWY_UNROLL(16)
    for (std::size_t k = 0; k < kN / 2; ++k) {
      const auto words = hn::Or(Bf16WordsRne(r[2 * k]), hn::ShiftLeft<16>(Bf16WordsRne(r[2 * k + 1])));
      StoreVec<kStream>(du, words, reinterpret_cast<uint32_t*>(dest(k)));
    }
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
    const VF one[1] = {v};
    StoreGroup<kStream, 1>(df, one, [p](std::size_t) { return p; });
  }
  // A group of results, vector i to dest(i), in runs of kRun vectors adjacent in memory.
  // Two adjacent vectors are converted by one VCVTNE2PS2BF16 and stored as one 64-byte
  // vector. Subnormal results are looked for once per group, not per vector (a test and
  // branch per vector made the bf16 kernel 1.6× slower in cache: 3.36 vs 2.09 µs), and only when a
  // converted value is ±0, which a flushed subnormal becomes: one VPTESTNMW per 32 results
  // instead of two VFPCLASSPS (in cache 2.3 → 2.1 µs half_split, 2.0 → 1.9 µs interleaved).
  // Exact zeros therefore cost a second test, and groups with a subnormal the by-hand path.
  template <bool kStream, std::size_t kN, std::size_t kRun = 1, class Dest>
  static HWY_INLINE void StoreGroup(DF df, const VF (&r)[kN], const Dest& dest) {
    if constexpr (kRun % 2 == 0) {
      __m512i packed[kN / 2];
      HWY_UNROLL(16)
      for (std::size_t i = 0; i < kN; i += 2) packed[i / 2] = ConvertTwo(r[i], r[i + 1]);
      if (HWY_UNLIKELY(AnyZero(packed) && AnySubnormal(r))) {
        HWY_UNROLL(16)
        for (std::size_t i = 0; i < kN; ++i) Bf16SoftwareCodec::Store<kStream>(df, r[i], dest(i));
        return;
      }
      const hn::RebindToUnsigned<DF> du;
      HWY_UNROLL(16)
      for (std::size_t i = 0; i < kN; i += 2) {
        StoreVec<kStream>(du, hn::Vec<decltype(du)>{packed[i / 2]}, reinterpret_cast<uint32_t*>(dest(i)));
      }
    } else {
      if (HWY_UNLIKELY(AnySubnormal(r))) {
        HWY_UNROLL(16)
        for (std::size_t i = 0; i < kN; ++i) Bf16SoftwareCodec::Store<kStream>(df, r[i], dest(i));
        return;
      }
      const hn::Rebind<Raw, DF> dh;
      HWY_UNROLL(16)
      for (std::size_t i = 0; i < kN; ++i) {
        __m256i packed;
        asm("vcvtneps2bf16 %1, %0" : "=v"(packed) : "v"(r[i].raw));
        StoreVec<kStream>(dh, hn::Vec256<Raw>{packed}, dest(i));
      }
    }
  }

  static HWY_INLINE void LoadPairWords(DF df, const Raw* HWY_RESTRICT p, VF& a, VF& b) {
    Bf16SoftwareCodec::LoadPairWords(df, p, a, b);
  }
  // As Bf16SoftwareCodec's; VCVTNE2PS2BF16 gives the a's then the b's, and one VPERMW
  // interleaves them back into pairs. Subnormals are looked for as in StoreGroup.
  template <bool kStream, std::size_t kN, class Dest>
  static HWY_INLINE void StorePairWords(DF df, const VF (&r)[kN], const Dest& dest) {
    __m512i packed[kN / 2];
    HWY_UNROLL(16)
    for (std::size_t k = 0; k < kN / 2; ++k) packed[k] = ConvertTwo(r[2 * k], r[2 * k + 1]);
    if (HWY_UNLIKELY(AnyZero(packed) && AnySubnormal(r))) {
      Bf16SoftwareCodec::StorePairWords<kStream>(df, r, dest);
      return;
    }
    alignas(64) static constexpr uint16_t kInterleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,
                                                             21, 6, 22, 7, 23, 8,  24, 9,  25, 10, 26,
                                                             11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i interleave = _mm512_load_si512(kInterleave);
    const hn::RebindToUnsigned<DF> du;
    HWY_UNROLL(16)
    for (std::size_t k = 0; k < kN / 2; ++k) {
      const __m512i pairs = _mm512_permutexvar_epi16(interleave, packed[k]);
      StoreVec<kStream>(du, hn::Vec<decltype(du)>{pairs}, reinterpret_cast<uint32_t*>(dest(k)));
    }
  }

 private:
  // Whether any bf16 of the packed vectors is ±0.
  template <std::size_t kN>
  static HWY_INLINE bool AnyZero(const __m512i (&packed)[kN]) {
    const __m512i magnitude = _mm512_set1_epi16(0x7FFF);
    __mmask32 zero = 0;
    HWY_UNROLL(16)
    for (std::size_t i = 0; i < kN; ++i) zero |= _mm512_testn_epi16_mask(packed[i], magnitude);
    return zero != 0;
  }
  // VFPCLASSPS class 0x20 = subnormal: one instruction instead of |v| < 2^-126 && v ≠ 0.
  template <std::size_t kN>
  static HWY_INLINE bool AnySubnormal(const VF (&r)[kN]) {
    __mmask16 subnormal = 0;
    HWY_UNROLL(16)
    for (std::size_t i = 0; i < kN; ++i) subnormal |= _mm512_fpclass_ps_mask(r[i].raw, 0x20);
    return subnormal != 0;
  }
  // 32 bf16: lower ← low (16 lanes), upper ← high. VCVTNE2PS2BF16 takes the lower half from
  // its last (AT&T: first) operand.
  static HWY_INLINE __m512i ConvertTwo(VF low, VF high) {
    __m512i packed;
    asm("vcvtne2ps2bf16 %1, %2, %0" : "=v"(packed) : "v"(low.raw), "v"(high.raw));
    return packed;
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

// The rotation itself, shared by every path so that all round alike.
// Interleaved lanes: (a, b) pairs, c = ĉ duplicated, s = ∓ŝ.
HWY_INLINE VF RotatedPairs(DF df, VF v, VF c, VF s) {
  return hn::MulAdd(v, c, hn::Mul(hn::Reverse2(df, v), s));
}
// Separate vectors of a's and b's of the same pairs (half_split, or pair words).
HWY_INLINE VF RotatedA(VF a, VF b, VF c, VF s) { return hn::MulSub(a, c, hn::Mul(b, s)); }
HWY_INLINE VF RotatedB(VF a, VF b, VF c, VF s) { return hn::MulAdd(b, c, hn::Mul(a, s)); }

// GCC folds the load of an interleaved f32 vector into both the lane swap and the FMA,
// loading it twice; an empty asm makes the loaded value opaque, so it is loaded once
// (f32 interleaved in place: 2.20 → 2.02 µs in cache, 0.88 → 0.94 of the scale baseline
// from DRAM).
HWY_INLINE VF LoadOnce(VF v) {
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR
  asm("" : "+v"(v.raw));
#endif
  return v;
}

// How a vector of a row maps to pairs.
enum class Form {
  kPairLanes,  // interleaved: a vector holds n/2 pairs; per-token expanded table
  kHalves,     // half_split: a vector of a's at j, the b's at j + pairs; table row as is
  kPairWords,  // interleaved bf16: a 32-bit word per pair, n pairs per vector; table row as is
};

// bf16 codecs read interleaved pairs as words (Bf16SoftwareCodec::LoadPairWords).
template <class Codec>
constexpr bool kRotatesPairWords = std::is_same_v<typename Codec::Raw, hwy::bfloat16_t>;

// Whether a codec stores a group of vectors at once (StoreGroup) rather than one by one.
template <class Codec>
constexpr bool kStoresGroups = false;
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
template <>
constexpr bool kStoresGroups<Bf16HardwareCodec> = true;
#endif

// Stores r[i] at dest(i); dest is made of runs of kRun vectors adjacent in memory.
template <class Codec, bool kStream, std::size_t kRun, std::size_t kN, class Dest>
HWY_INLINE void StoreResults(DF df, const VF (&r)[kN], const Dest& dest) {
  if constexpr (kStoresGroups<Codec>) {
    Codec::template StoreGroup<kStream, kN, kRun>(df, r, dest);
  } else {
    HWY_UNROLL(16)
    for (std::size_t i = 0; i < kN; ++i) Codec::template Store<kStream>(df, r[i], dest(i));
  }
}

// Rows of one token: x(h) = x_token + h·head_dim, likewise y.
template <class Raw>
struct TokenRows {
  const Raw* HWY_RESTRICT x;
  Raw* HWY_RESTRICT y;
  std::size_t heads;
  std::size_t head_dim;
};

// Rotates kCount vectors of one head starting at x with the block's cos/sin vectors cv,
// sv. In place x == y, so a vector is always loaded before its results are stored. Vector k covers elements
// x + k·n (kPairLanes), x + k·n and x + pairs + k·n (kHalves), x + 2k·n (kPairWords).
template <class Codec, bool kStream, Form kForm, std::size_t kCount>
HWY_INLINE void RotateHeadBlock(DF df, const typename Codec::Raw* HWY_RESTRICT x,
                                typename Codec::Raw* HWY_RESTRICT y, std::size_t pairs,
                                const VF (&cv)[kCount], const VF (&sv)[kCount]) {
  const std::size_t n = hn::Lanes(df);
  if constexpr (kForm == Form::kPairLanes) {
    VF r[kCount];
    HWY_UNROLL(8)
    for (std::size_t k = 0; k < kCount; ++k) r[k] = RotatedPairs(df, LoadOnce(Codec::Load(df, x + k * n)), cv[k], sv[k]);
    StoreResults<Codec, kStream, kCount>(df, r, [y, n](std::size_t i) { return y + i * n; });
  } else if constexpr (kForm == Form::kHalves && !kStoresGroups<Codec>) {
    // Each vector's a's and b's are stored as soon as computed: loading the whole block
    // first measured 8% slower for f32 in cache and 10% from DRAM.
    HWY_UNROLL(8)
    for (std::size_t k = 0; k < kCount; ++k) {
      const VF a = Codec::Load(df, x + k * n);
      const VF b = Codec::Load(df, x + pairs + k * n);
      Codec::template Store<kStream>(df, RotatedA(a, b, cv[k], sv[k]), y + k * n);
      Codec::template Store<kStream>(df, RotatedB(a, b, cv[k], sv[k]), y + pairs + k * n);
    }
  } else if constexpr (kForm == Form::kHalves) {
    VF r[2 * kCount];  // the block's a results, then its b results
    HWY_UNROLL(8)
    for (std::size_t k = 0; k < kCount; ++k) {
      const VF a = Codec::Load(df, x + k * n);
      const VF b = Codec::Load(df, x + pairs + k * n);
      r[k] = RotatedA(a, b, cv[k], sv[k]);
      r[kCount + k] = RotatedB(a, b, cv[k], sv[k]);
    }
    StoreResults<Codec, kStream, kCount>(df, r, [y, n, pairs](std::size_t i) {
      return i < kCount ? y + i * n : y + pairs + (i - kCount) * n;
    });
  } else {
    VF r[2 * kCount];  // a and b results of each vector of pairs in turn
    HWY_UNROLL(8)
    for (std::size_t k = 0; k < kCount; ++k) {
      VF a, b;
      Codec::LoadPairWords(df, x + 2 * k * n, a, b);
      r[2 * k] = RotatedA(a, b, cv[k], sv[k]);
      r[2 * k + 1] = RotatedB(a, b, cv[k], sv[k]);
    }
    Codec::template StorePairWords<kStream>(df, r, [y, n](std::size_t k) { return y + 2 * k * n; });
  }
}

// Loop order: for each token, for each block of 8, 4 or 1 vectors of the rotary dims, the
// block's cos/sin vectors are loaded once and kept in registers while every head of the
// token is rotated. Rotating head by head instead costs three loads per output vector
// (x, cos, sin) and makes the kernel load-port bound in cache; this way it is one load
// plus 2/heads. The largest blocks first, so a 128-dim head at 16 f32 lanes is one pass
// per token (interleaved: one block of 8; half_split: one block of 4 covering lo and hi):
// splitting a row over several passes measured up to 1.7× slower from DRAM.
// `lane` indexes the table (c, s): elements for kPairLanes, pairs otherwise.
template <class Codec, bool kStream, Form kForm, std::size_t kCount>
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
  const std::size_t offset = kForm == Form::kPairWords ? 2 * lane : lane;
  for (std::size_t h = 0; h < rows.heads; ++h) {
    RotateHeadBlock<Codec, kStream, kForm, kCount>(df, rows.x + h * rows.head_dim + offset,
                                                   rows.y + h * rows.head_dim + offset, pairs, cv, sv);
  }
}

// The last partial vector of every head, through zero-padded buffers and the same
// vector code: `rest` table entries from `lane` on (as in RotateBlock).
template <class Codec, Form kForm>
HWY_INLINE void RotateTail(DF df, const TokenRows<typename Codec::Raw>& rows, std::size_t lane,
                           std::size_t rest, std::size_t pairs, const float* HWY_RESTRICT c,
                           const float* HWY_RESTRICT s) {
  using Raw = typename Codec::Raw;
  float c_tail[kMaxFloatLanes] = {}, s_tail[kMaxFloatLanes] = {};
  std::memcpy(c_tail, c + lane, rest * sizeof(float));
  std::memcpy(s_tail, s + lane, rest * sizeof(float));
  const VF cv[1] = {hn::LoadU(df, c_tail)};
  const VF sv[1] = {hn::LoadU(df, s_tail)};
  // The padded row: kHalves keeps its b's at kMaxFloatLanes, kPairWords has two per pair.
  constexpr std::size_t kPadded = kForm == Form::kPairLanes ? kMaxFloatLanes : 2 * kMaxFloatLanes;
  const std::size_t padded_pairs = kForm == Form::kHalves ? kMaxFloatLanes : 0;
  const std::size_t offset = kForm == Form::kPairWords ? 2 * lane : lane;
  const std::size_t count = kForm == Form::kPairWords ? 2 * rest : rest;
  for (std::size_t h = 0; h < rows.heads; ++h) {
    const Raw* x = rows.x + h * rows.head_dim + offset;
    Raw* y = rows.y + h * rows.head_dim + offset;
    Raw in[kPadded] = {};
    Raw out[kPadded];
    std::memcpy(in, x, count * sizeof(Raw));
    if constexpr (kForm == Form::kHalves) std::memcpy(in + padded_pairs, x + pairs, rest * sizeof(Raw));
    RotateHeadBlock<Codec, false, kForm, 1>(df, in, out, padded_pairs, cv, sv);
    std::memcpy(y, out, count * sizeof(Raw));
    if constexpr (kForm == Form::kHalves) std::memcpy(y + pairs, out + padded_pairs, rest * sizeof(Raw));
  }
}

// Covers `width` table entries of every head of a token with blocks, then the tail.
template <class Codec, bool kStream, Form kForm>
HWY_INLINE void RotateRows(DF df, const TokenRows<typename Codec::Raw>& rows, std::size_t width,
                           std::size_t pairs, const float* HWY_RESTRICT c, const float* HWY_RESTRICT s) {
  const std::size_t n = hn::Lanes(df);
  std::size_t lane = 0;
  for (; lane + 8 * n <= width; lane += 8 * n) RotateBlock<Codec, kStream, kForm, 8>(df, rows, lane, pairs, c, s);
  for (; lane + 4 * n <= width; lane += 4 * n) RotateBlock<Codec, kStream, kForm, 4>(df, rows, lane, pairs, c, s);
  for (; lane + n <= width; lane += n) RotateBlock<Codec, kStream, kForm, 1>(df, rows, lane, pairs, c, s);
  if (lane < width) RotateTail<Codec, kForm>(df, rows, lane, width - lane, pairs, c, s);
}

// c, s: the table row, or for kPairLanes the expanded one (ExpandInterleaved).
template <class Codec, bool kStream>
HWY_INLINE void RotateToken(DF df, const TokenRows<typename Codec::Raw>& rows, bool interleaved,
                            std::size_t rotary_dim, const float* HWY_RESTRICT c,
                            const float* HWY_RESTRICT s) {
  const std::size_t pairs = rotary_dim / 2;
  if (!interleaved) return RotateRows<Codec, kStream, Form::kHalves>(df, rows, pairs, pairs, c, s);
  if constexpr (kRotatesPairWords<Codec>) {
    return RotateRows<Codec, kStream, Form::kPairWords>(df, rows, pairs, pairs, c, s);
  }
#if HWY_TARGET == HWY_SCALAR
  // One lane cannot hold a pair: interleaved pairs are rotated as one-element half_split
  // steps, the same operations (a·ĉ − b·ŝ equals a·ĉ + b·(−ŝ) bit for bit).
  for (std::size_t h = 0; h < rows.heads; ++h) {
    const auto* x = rows.x + h * rows.head_dim;
    auto* y = rows.y + h * rows.head_dim;
    for (std::size_t j = 0; j < rotary_dim; j += 2) {
      const VF cv[1] = {hn::LoadU(df, c + j)};
      const VF sv[1] = {hn::LoadU(df, s + j + 1)};
      RotateHeadBlock<Codec, kStream, Form::kHalves, 1>(df, x + j, y + j, 1, cv, sv);
    }
  }
#else
  RotateRows<Codec, kStream, Form::kPairLanes>(df, rows, rotary_dim, pairs, c, s);
#endif
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

// y[k] = RN(x[k]·σ) for k < count, through the codec (one f32 product, one rounding to
// the dtype), the last partial vector through a zero-padded buffer. x may equal y. Never
// streamed: a pass-through run starts at rotary_dim, which streaming does not align.
template <class Codec>
HWY_INLINE void ScaleRun(DF df, const typename Codec::Raw* x, typename Codec::Raw* y, std::size_t count,
                         float sigma) {
  using Raw = typename Codec::Raw;
  const std::size_t n = hn::Lanes(df);
  const VF scale = hn::Set(df, sigma);
  std::size_t k = 0;
  for (; k + n <= count; k += n) Codec::template Store<false>(df, hn::Mul(Codec::Load(df, x + k), scale), y + k);
  if (k < count) {
    Raw in[kMaxFloatLanes] = {};
    Raw out[kMaxFloatLanes];
    std::memcpy(in, x + k, (count - k) * sizeof(Raw));
    Codec::template Store<false>(df, hn::Mul(Codec::Load(df, in), scale), out);
    std::memcpy(y + k, out, (count - k) * sizeof(Raw));
  }
}

template <class Codec, bool kStream>
HWY_NOINLINE void RotateAll(const detail::RotateCall& call) {
  using Raw = typename Codec::Raw;
  const DF df;
  const std::size_t pairs = call.rotary_dim / 2;
  // Pass-through runs: [0, rotary_offset) and [rotary_offset + rotary_dim, head_dim).
  const std::size_t before = call.rotary_offset;
  const std::size_t after_at = call.rotary_offset + call.rotary_dim;
  const std::size_t after = call.head_dim - after_at;
  const Raw* in = static_cast<const Raw*>(call.in);
  Raw* out = static_cast<Raw*>(call.out);
  // Interleaved: per-token cos duplicated (ĉ0 ĉ0 ĉ1 ĉ1 …) and sine signed (−ŝ0 ŝ0 …).
  float* c_dup = call.scratch;
  float* s_signed = call.scratch + call.rotary_dim;
  for (std::size_t t = 0; t < call.tokens; ++t) {
    const float* c = call.cos + t * pairs;
    const float* s = call.sin + t * pairs;
    if (call.interleaved && !kRotatesPairWords<Codec>) {
      ExpandInterleaved(df, c, s, pairs, c_dup, s_signed);
      c = c_dup;
      s = s_signed;
    }
    const Raw* x = in + t * call.in_token_stride;
    Raw* y = out + t * call.out_token_stride;
    // The rotated block of every head starts rotary_offset dims in: the same head stride.
    const TokenRows<Raw> rows{x + call.rotary_offset, y + call.rotary_offset, call.heads, call.head_dim};
    RotateToken<Codec, kStream>(df, rows, call.interleaved, call.rotary_dim, c, s);
    const bool scaled = call.scale != nullptr && call.scale[t] != 1.0f;
    if (scaled || !call.in_place) {
      for (std::size_t h = 0; h < call.heads; ++h) {
        for (const auto& [first, count] : {std::pair{h * call.head_dim, before}, std::pair{h * call.head_dim + after_at, after}}) {
          if (count == 0) continue;
          if (scaled) {
            ScaleRun<Codec>(df, x + first, y + first, count, call.scale[t]);
          } else {
            std::memcpy(y + first, x + first, count * sizeof(Raw));
          }
        }
      }
    }
  }
}

// Non-temporal stores skip the read-for-ownership of output lines that a large
// out-of-place call would otherwise pay, as glibc's memcpy does for large copies (on the
// development machine, with its large L3, it made no measurable difference). They need every vector
// store aligned: the output base, the token and head strides, and the half_split offset,
// to the widest store any codec makes (bf16 stores two vectors' worth, pairs or halves, at once).
template <class Codec>
HWY_INLINE bool CanStream(const detail::RotateCall& call) {
  using Raw = typename Codec::Raw;
  const DF df;
  const std::size_t vector_bytes = hn::Lanes(df) * sizeof(float);
  const auto aligned = [&](std::size_t bytes) { return bytes % vector_bytes == 0; };
  return call.stream && !call.in_place &&
         aligned(reinterpret_cast<std::uintptr_t>(call.out)) &&
         aligned(call.out_token_stride * sizeof(Raw)) && aligned(call.head_dim * sizeof(Raw)) &&
         aligned(call.rotary_offset * sizeof(Raw)) &&
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
