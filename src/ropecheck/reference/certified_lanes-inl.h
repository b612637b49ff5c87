// Per-target body of the certified fast path's two hot loops (certified_lanes.h): the
// trigonometric lanes of certified_trig.h and the element lanes of certified_rope.h,
// written once over an operations policy and compiled for every Highway target.
//
// Why one source and two policies: the error bounds are proofs about an exact sequence of
// IEEE operations, fused multiply-adds included (double_double.h). Targets whose MulAdd is
// a fused instruction (x86 AVX2 and AVX-512) run the sequence on vectors of doubles
// (VectorOps); the others may emulate MulAdd with two roundings, so they run the same
// sequence one lane at a time on doubles with std::fma (ScalarOps), which is exact
// everywhere. Both perform the same operations on every lane, so every target computes the
// same bits (properties/certified_reference_test.cc compares them target by target).
// The double-double steps are those of double_double.h, spelled over the policy.

#if defined(ROPECHECK_REFERENCE_CERTIFIED_LANES_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ROPECHECK_REFERENCE_CERTIFIED_LANES_INL_H_
#undef ROPECHECK_REFERENCE_CERTIFIED_LANES_INL_H_
#else
#define ROPECHECK_REFERENCE_CERTIFIED_LANES_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/highway.h"
#include "ropecheck/reference/certified_lanes.h"

HWY_BEFORE_NAMESPACE();
namespace ropecheck::reference::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// --- The policies ---------------------------------------------------------------------

// Vectors where MulAdd is one fused instruction: Highway's AVX2 and AVX-512 targets (both
// require FMA). Elsewhere (SSE4, SSSE3, the emulated targets, and other architectures,
// checked for none of them here) one lane at a time.
#undef ROPECHECK_CERTIFIED_VECTORS
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2
#define ROPECHECK_CERTIFIED_VECTORS 1
#else
#define ROPECHECK_CERTIFIED_VECTORS 0
#endif

struct ScalarOps {
  using V = double;
  using M = bool;
  using U = std::int64_t;
  static constexpr std::size_t kLanes = 1;
  static V load(const double* p) { return *p; }
  static void store(V v, double* p) { *p = v; }
  static U load_u(const std::int64_t* p) { return *p; }
  static void store_u(U v, std::int64_t* p) { *p = v; }
  static V set(double x) { return x; }
  static U set_u(std::int64_t x) { return x; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V fma(V a, V b, V c) { return std::fma(a, b, c); }
  static V neg(V a) { return -a; }
  static V abs(V a) { return std::fabs(a); }
  static M lt(V a, V b) { return a < b; }
  static M le(V a, V b) { return a <= b; }
  static M eq(V a, V b) { return a == b; }
  static M both(M a, M b) { return a && b; }
  static M either(M a, M b) { return a || b; }
  static M negation(M a) { return !a; }
  static V select(M m, V a, V b) { return m ? a : b; }
  static V gather(const double* base, V index) { return base[static_cast<std::size_t>(index)]; }
  // Pair i of a head row (ElementLanesCall's layouts).
  static void load_pair(const ElementLanesCall& c, std::size_t i, V& a, V& b) {
    a = c.x[c.interleaved ? c.offset + 2 * i : c.offset + i];
    b = c.x[c.interleaved ? c.offset + 2 * i + 1 : c.offset + c.half + i];
  }
  template <class T> static void store_pair(const ElementLanesCall& c, std::size_t i, T a, T b, T* out) {
    out[c.interleaved ? c.offset + 2 * i : c.offset + i] = a;
    out[c.interleaved ? c.offset + 2 * i + 1 : c.offset + c.half + i] = b;
  }
  static void store_pair_u(const ElementLanesCall& c, std::size_t i, U a, U b, std::uint64_t* out) {
    store_pair<std::uint64_t>(c, i, static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b), out);
  }
  static std::size_t count_false(M m) { return m ? 0 : 1; }
  static void store_flags(M first_ok, M second_ok, unsigned char* out) {
    *out = static_cast<unsigned char>((first_ok ? 0 : 1) | (second_ok ? 0 : 2));
  }
  static U bits(V v) {
    U u;
    std::memcpy(&u, &v, sizeof u);
    return u;
  }
  static V from_bits(U u) {
    V v;
    std::memcpy(&v, &u, sizeof v);
    return v;
  }
  static U and_u(U a, U b) { return a & b; }
  static U or_u(U a, U b) { return a | b; }
  static U add_u(U a, U b) { return a + b; }
  static U sub_u(U a, U b) { return a - b; }
  static U shr_u(U a, int n) { return static_cast<U>(static_cast<std::uint64_t>(a) >> n); }
  static U shl_u(U a, int n) { return static_cast<U>(static_cast<std::uint64_t>(a) << n); }
  static M lt_u(U a, U b) { return a < b; }
  static M eq_u(U a, U b) { return a == b; }
  static U select_u(M m, U a, U b) { return m ? a : b; }
};

#if ROPECHECK_CERTIFIED_VECTORS
struct VectorOps {
  using D = hn::ScalableTag<double>;
  using DU = hn::RebindToSigned<D>;
  using V = hn::Vec<D>;
  using M = hn::Mask<D>;
  using U = hn::Vec<DU>;
  static std::size_t lanes() { return hn::Lanes(D()); }
  static V load(const double* p) { return hn::LoadU(D(), p); }
  static void store(V v, double* p) { hn::StoreU(v, D(), p); }
  static U load_u(const std::int64_t* p) { return hn::LoadU(DU(), p); }
  static void store_u(U v, std::int64_t* p) { hn::StoreU(v, DU(), p); }
  static V set(double x) { return hn::Set(D(), x); }
  static U set_u(std::int64_t x) { return hn::Set(DU(), x); }
  static V add(V a, V b) { return hn::Add(a, b); }
  static V sub(V a, V b) { return hn::Sub(a, b); }
  static V mul(V a, V b) { return hn::Mul(a, b); }
  static V fma(V a, V b, V c) { return hn::MulAdd(a, b, c); }  // fused: HWY_NATIVE_FMA
  static V neg(V a) { return hn::Neg(a); }
  static V abs(V a) { return hn::Abs(a); }
  static M lt(V a, V b) { return hn::Lt(a, b); }
  static M le(V a, V b) { return hn::Le(a, b); }
  static M eq(V a, V b) { return hn::Eq(a, b); }
  static M both(M a, M b) { return hn::And(a, b); }
  static M either(M a, M b) { return hn::Or(a, b); }
  static M negation(M a) { return hn::Not(a); }
  static V select(M m, V a, V b) { return hn::IfThenElse(m, a, b); }
  static V gather(const double* base, V index) { return hn::GatherIndex(D(), base, hn::ConvertTo(DU(), index)); }
  // Pair i.. of a head row: contiguous (half_split) or interleaved loads and stores.
  static void load_pair(const ElementLanesCall& c, std::size_t i, V& a, V& b) {
    if (c.interleaved) {
      hn::LoadInterleaved2(D(), c.x + c.offset + 2 * i, a, b);
    } else {
      a = hn::LoadU(D(), c.x + c.offset + i);
      b = hn::LoadU(D(), c.x + c.offset + c.half + i);
    }
  }
  static void store_pair(const ElementLanesCall& c, std::size_t i, V a, V b, double* out) {
    if (c.interleaved) {
      hn::StoreInterleaved2(a, b, D(), out + c.offset + 2 * i);
    } else {
      hn::StoreU(a, D(), out + c.offset + i);
      hn::StoreU(b, D(), out + c.offset + c.half + i);
    }
  }
  static void store_pair_u(const ElementLanesCall& c, std::size_t i, U a, U b, std::uint64_t* out) {
    const hn::RebindToUnsigned<D> du;
    if (c.interleaved) {
      hn::StoreInterleaved2(hn::BitCast(du, a), hn::BitCast(du, b), du, out + c.offset + 2 * i);
    } else {
      hn::StoreU(hn::BitCast(du, a), du, out + c.offset + i);
      hn::StoreU(hn::BitCast(du, b), du, out + c.offset + c.half + i);
    }
  }
  static std::size_t count_false(M m) { return hn::CountTrue(D(), hn::Not(m)); }
  static void store_flags(M first_ok, M second_ok, unsigned char* out) {
    const auto one = hn::Set(DU(), 1), two = hn::Set(DU(), 2), zero = hn::Zero(DU());
    const auto flags = hn::Or(hn::IfThenElse(hn::RebindMask(DU(), first_ok), zero, one),
                              hn::IfThenElse(hn::RebindMask(DU(), second_ok), zero, two));
    alignas(64) std::int64_t lanes[HWY_MAX_BYTES / sizeof(std::int64_t)];
    hn::Store(flags, DU(), lanes);
    for (std::size_t i = 0; i < hn::Lanes(DU()); ++i) out[i] = static_cast<unsigned char>(lanes[i]);
  }
  static U bits(V v) { return hn::BitCast(DU(), v); }
  static V from_bits(U u) { return hn::BitCast(D(), u); }
  static U and_u(U a, U b) { return hn::And(a, b); }
  static U or_u(U a, U b) { return hn::Or(a, b); }
  static U add_u(U a, U b) { return hn::Add(a, b); }
  static U sub_u(U a, U b) { return hn::Sub(a, b); }
  static U shr_u(U a, int n) { return hn::BitCast(DU(), hn::ShiftRightSame(hn::BitCast(hn::RebindToUnsigned<D>(), a), n)); }
  static U shl_u(U a, int n) { return hn::ShiftLeftSame(a, n); }
  static M lt_u(U a, U b) { return hn::RebindMask(D(), hn::Lt(a, b)); }
  static M eq_u(U a, U b) { return hn::RebindMask(D(), hn::Eq(a, b)); }
  static U select_u(M m, U a, U b) { return hn::IfThenElse(hn::RebindMask(DU(), m), a, b); }
};
#endif

// --- Double-double over a policy (double_double.h has the contract and the bounds) -----

template <class O> struct DD {
  typename O::V hi, lo;
};

template <class O> HWY_INLINE DD<O> TwoSum(typename O::V a, typename O::V b) {
  const auto s = O::add(a, b);
  const auto a1 = O::sub(s, b);
  const auto b1 = O::sub(s, a1);
  return {s, O::add(O::sub(a, a1), O::sub(b, b1))};
}
template <class O> HWY_INLINE DD<O> FastTwoSum(typename O::V a, typename O::V b) {
  const auto s = O::add(a, b);
  return {s, O::sub(b, O::sub(s, a))};
}
template <class O> HWY_INLINE DD<O> TwoProd(typename O::V a, typename O::V b) {
  const auto p = O::mul(a, b);
  return {p, O::fma(a, b, O::neg(p))};
}
template <class O> HWY_INLINE DD<O> Negate(DD<O> x) { return {O::neg(x.hi), O::neg(x.lo)}; }
template <class O> HWY_INLINE DD<O> Select(typename O::M m, DD<O> a, DD<O> b) {
  return {O::select(m, a.hi, b.hi), O::select(m, a.lo, b.lo)};
}
template <class O> HWY_INLINE DD<O> AddD(DD<O> x, typename O::V y) {  // Algorithm 4
  const DD<O> s = TwoSum<O>(x.hi, y);
  return FastTwoSum<O>(s.hi, O::add(x.lo, s.lo));
}
template <class O> HWY_INLINE DD<O> AddDD(DD<O> x, DD<O> y) {  // Algorithm 6
  const DD<O> s = TwoSum<O>(x.hi, y.hi);
  const DD<O> t = TwoSum<O>(x.lo, y.lo);
  const DD<O> v = FastTwoSum<O>(s.hi, O::add(s.lo, t.hi));
  return FastTwoSum<O>(v.hi, O::add(t.lo, v.lo));
}
template <class O> HWY_INLINE DD<O> MulD(DD<O> x, typename O::V y) {  // Algorithm 9
  const DD<O> c = TwoProd<O>(x.hi, y);
  return FastTwoSum<O>(c.hi, O::fma(x.lo, y, c.lo));
}
template <class O> HWY_INLINE DD<O> MulDD(DD<O> x, DD<O> y) {  // Algorithm 12
  const DD<O> c = TwoProd<O>(x.hi, y.hi);
  const auto tl0 = O::mul(x.lo, y.lo);
  const auto tl1 = O::fma(x.hi, y.lo, tl0);
  const auto cl2 = O::fma(x.lo, y.hi, tl1);
  return FastTwoSum<O>(c.hi, O::add(c.lo, cl2));
}
template <class O> HWY_INLINE typename O::V RoundToInteger(typename O::V x) {  // |x| < 2^51, ties to even
  const auto shifter = O::set(0x1.8p52);
  return O::sub(O::add(x, shifter), shifter);
}
template <class O> HWY_INLINE DD<O> Constant(const DoubleDouble& c) { return {O::set(c.hi), O::set(c.lo)}; }

// --- The trigonometric lanes (certified_trig.h, steps 1–5) ----------------------------

template <class O> HWY_INLINE void SinCosSmall(DD<O> z, const TrigConstants& k, DD<O>& s, DD<O>& c) {
  const DD<O> w = MulDD<O>(z, z);
  const auto sq = O::add(O::set(k.sin7), O::mul(w.hi, O::add(O::set(k.sin9), O::mul(w.hi, O::set(k.sin11)))));
  const DD<O> s2 = AddDD<O>(Constant<O>(k.sin5), MulD<O>(w, sq));
  const DD<O> s1 = AddDD<O>(Constant<O>(k.sin3), MulDD<O>(w, s2));
  s = MulDD<O>(z, AddD<O>(MulDD<O>(w, s1), O::set(1.0)));
  const auto cq = O::add(O::set(k.cos6), O::mul(w.hi, O::add(O::set(k.cos8), O::mul(w.hi, O::set(k.cos10)))));
  const DD<O> c2 = AddDD<O>(Constant<O>(k.cos4), MulD<O>(w, cq));
  const DD<O> c1 = AddD<O>(MulDD<O>(w, c2), O::set(-0.5));
  c = AddD<O>(MulDD<O>(w, c1), O::set(1.0));
}

template <class O> HWY_INLINE void CosSinLane(const TrigLanesCall& call, std::size_t i) {
  const TrigConstants& k = *call.constants;
  const auto m = O::load(call.positions + i);
  const DD<O> p0 = TwoProd<O>(m, O::load(call.t0 + i));
  const DD<O> p1 = TwoProd<O>(m, O::load(call.t1 + i));
  const DD<O> p2 = TwoProd<O>(m, O::load(call.t2 + i));
  const auto p3 = O::mul(m, O::load(call.t3 + i));
  const auto quadrants = RoundToInteger<O>(p0.hi);   // |p0| < 2^31
  const auto d0 = O::sub(p0.hi, quadrants);          // exact: a multiple of ulp(p0), |d0| ≤ 1/2
  const auto small = O::add(O::add(O::add(p2.lo, p3), p2.hi), p1.lo);
  DD<O> fraction = TwoSum<O>(p1.hi, small);
  fraction = AddD<O>(fraction, p0.lo);
  fraction = AddD<O>(fraction, d0);
  const DD<O> signed_r = MulDD<O>(fraction, Constant<O>(k.half_pi));

  const auto negative = O::lt(signed_r.hi, O::set(0.0));
  const DD<O> r = Select<O>(negative, Negate<O>(signed_r), signed_r);
  const auto j_near = RoundToInteger<O>(O::mul(r.hi, O::set(kTrigTableSteps)));
  const auto last = O::set(kTrigTableEntries - 1.0);
  const auto j = O::select(O::lt(last, j_near), last, j_near);  // a guard: j ≤ 50 by the bound
  const DD<O> z = TwoSum<O>(O::sub(r.hi, O::mul(j, O::set(1.0 / kTrigTableSteps))), r.lo);  // exact (Sterbenz)
  DD<O> sin_z, cos_z;
  SinCosSmall<O>(z, k, sin_z, cos_z);
  const DD<O> sin_j{O::gather(k.sin_j_hi, j), O::gather(k.sin_j_lo, j)};
  const DD<O> cos_j{O::gather(k.cos_j_hi, j), O::gather(k.cos_j_lo, j)};
  // j = 0: S_0 = 0 and C_0 = 1 exactly, and the sums return sin z and cos z unchanged
  // (x·1 and x + 0 are exact in double-double), so no lane needs a branch.
  const DD<O> sin_abs = AddDD<O>(MulDD<O>(sin_j, cos_z), MulDD<O>(cos_j, sin_z));
  const DD<O> cos_r = AddDD<O>(MulDD<O>(cos_j, cos_z), Negate<O>(MulDD<O>(sin_j, sin_z)));
  const DD<O> sin_r = Select<O>(negative, Negate<O>(sin_abs), sin_abs);

  // The quadrant k mod 4, exactly (|k| < 2^31; k/4 − 3/8 never ties): cos, sin of r + qπ/2.
  const auto q = O::sub(quadrants, O::mul(O::set(4.0), RoundToInteger<O>(O::sub(O::mul(quadrants, O::set(0.25)),
                                                                                 O::set(0.375)))));
  const auto q1 = O::eq(q, O::set(1.0)), q2 = O::eq(q, O::set(2.0)), q3 = O::eq(q, O::set(3.0));
  const auto odd = O::either(q1, q3);
  const DD<O> c0 = Select<O>(odd, sin_r, cos_r);
  const DD<O> s0 = Select<O>(odd, cos_r, sin_r);
  const DD<O> c = Select<O>(O::either(q1, q2), Negate<O>(c0), c0);
  const DD<O> s = Select<O>(O::either(q2, q3), Negate<O>(s0), s0);
  O::store(c.hi, call.cos_hi + i);
  O::store(c.lo, call.cos_lo + i);
  O::store(s.hi, call.sin_hi + i);
  O::store(s.lo, call.sin_lo + i);
}

// --- The element lanes (certified_rope.h) ------------------------------------------------

// round_interval_to_f64 (interval_rounding.h), lane-wise: ok, and the side of hi the
// interval lies on (+1 above, −1 below, 0 containing it).
template <class O> HWY_INLINE typename O::M DecideF64(DD<O> y, typename O::V bound, typename O::V& side) {
  const auto bits = O::bits(y.hi);
  const auto field = O::and_u(O::shr_u(bits, 52), O::set_u(0x7ff));
  const auto in_range = O::both(O::negation(O::lt_u(field, O::set_u(63))), O::lt_u(field, O::set_u(0x7fe)));
  const auto exponent = O::select_u(in_range, O::sub_u(field, O::set_u(53)), O::set_u(1023));
  const auto half_ulp = O::from_bits(O::shl_u(exponent, 52));
  const auto power_of_two = O::eq_u(O::and_u(bits, O::set_u(0xfffffffffffff)), O::set_u(0));
  const auto toward_zero = O::select(power_of_two, O::mul(half_ulp, O::set(0.5)), half_ulp);
  const auto lo = O::select(O::lt(y.hi, O::set(0.0)), O::neg(y.lo), y.lo);
  const auto ok = O::both(in_range, O::both(O::lt(O::add(lo, bound), half_ulp),
                                            O::lt(O::neg(toward_zero), O::sub(lo, bound))));
  side = O::select(O::lt(O::set(0.0), O::sub(y.lo, bound)), O::set(1.0),
                   O::select(O::lt(O::add(y.lo, bound), O::set(0.0)), O::set(-1.0), O::set(0.0)));
  return ok;
}

// round_f64_decided_to_bits (interval_rounding.h), lane-wise, for f32, bf16 and f16.
template <class O>
HWY_INLINE typename O::U DecidedToBits(typename O::V value, typename O::V side, const DtypeFormat& f,
                                       typename O::M& ok) {
  const auto bits = O::bits(value);
  const auto exponent = O::sub_u(O::and_u(O::shr_u(bits, 52), O::set_u(0x7ff)), O::set_u(1023));
  const auto normal = O::both(O::negation(O::lt_u(exponent, O::set_u(f.min_exponent))),
                              O::negation(O::lt_u(O::set_u(f.max_exponent), exponent)));
  const int dropped = 53 - f.precision;
  const auto significand = O::or_u(O::and_u(bits, O::set_u(0xfffffffffffff)), O::set_u(std::int64_t{1} << 52));
  const auto rest = O::and_u(significand, O::set_u((std::int64_t{1} << dropped) - 1));
  const auto half = O::set_u(std::int64_t{1} << (dropped - 1));
  const auto negative = O::lt(value, O::set(0.0));
  const auto midpoint = O::eq_u(rest, half);
  // At a midpoint the interval's side decides, in |value|'s frame: up iff side points away from 0.
  const auto away = O::either(O::both(O::lt(O::set(0.0), side), O::negation(negative)),
                              O::both(O::lt(side, O::set(0.0)), negative));
  const auto up = O::either(O::both(midpoint, away), O::both(O::negation(midpoint), O::lt_u(half, rest)));
  const auto kept = O::add_u(O::shr_u(significand, dropped), O::select_u(up, O::set_u(1), O::set_u(0)));
  const int fraction_bits = f.precision - 1;
  const auto biased = O::add_u(exponent, O::set_u(f.max_exponent));
  const auto magnitude =
      O::sub_u(O::add_u(O::shl_u(biased, fraction_bits), kept), O::set_u(std::int64_t{1} << fraction_bits));
  const auto inf_magnitude = O::set_u(((std::int64_t{1} << (f.storage_bits - 1 - fraction_bits)) - 1) << fraction_bits);
  const auto side_known = O::negation(O::eq(side, O::set(0.0)));
  ok = O::both(O::both(normal, O::lt_u(magnitude, inf_magnitude)),
               O::either(O::negation(midpoint), side_known));
  const auto sign = O::select_u(negative, O::set_u(std::int64_t{1} << (f.storage_bits - 1)), O::set_u(0));
  return O::or_u(sign, magnitude);
}

// dot2 of certified_rope.cc: a·C + b·S.
template <class O> HWY_INLINE DD<O> Dot2(typename O::V a, DD<O> c, typename O::V b, DD<O> s) {
  const DD<O> p = TwoProd<O>(a, c.hi);
  const DD<O> q = TwoProd<O>(b, s.hi);
  const DD<O> sum = TwoSum<O>(p.hi, q.hi);
  const auto tail = O::add(O::fma(a, c.lo, O::fma(b, s.lo, O::add(p.lo, q.lo))), sum.lo);
  return TwoSum<O>(sum.hi, tail);
}

// Whether v is 0 or of magnitude in [2^-600, 2^600] (false for Inf and NaN).
template <class O> HWY_INLINE typename O::M FastMagnitude(typename O::V v) {
  const auto m = O::abs(v);
  return O::either(O::eq(m, O::set(0.0)), O::both(O::le(O::set(0x1p-600), m), O::le(m, O::set(0x1p600))));
}

template <class O> HWY_INLINE std::size_t ElementLane(const ElementLanesCall& call, std::size_t i) {
  typename O::V a, b;
  O::load_pair(call, i, a, b);
  const auto fast = O::both(O::eq(O::load(call.fast + i), O::set(1.0)), O::both(FastMagnitude<O>(a), FastMagnitude<O>(b)));
  const DD<O> c{O::load(call.c_hi + i), O::load(call.c_lo + i)};
  const DD<O> s{O::load(call.s_hi + i), O::load(call.s_lo + i)};
  const auto abs_a = O::abs(a), abs_b = O::abs(b);
  const auto abs_c = O::abs(c.hi), abs_s = O::abs(s.hi);
  const auto scale = O::mul(O::add(abs_a, abs_b), O::load(call.angle_term + i));
  const auto relative = O::set(kElementRelativeError);
  const auto margin = O::set(kBoundRoundingMargin);
  const auto e1 = O::mul(O::add(O::mul(relative, O::add(O::mul(abs_a, abs_c), O::mul(abs_b, abs_s))), scale), margin);
  const auto e2 = O::mul(O::add(O::mul(relative, O::add(O::mul(abs_b, abs_c), O::mul(abs_a, abs_s))), scale), margin);
  typename O::V side1, side2;
  const DD<O> y1 = Dot2<O>(a, c, O::neg(b), s);
  const DD<O> y2 = Dot2<O>(b, c, a, s);
  auto ok1 = O::both(fast, DecideF64<O>(y1, e1, side1));
  auto ok2 = O::both(fast, DecideF64<O>(y2, e2, side2));
  O::store_pair(call, i, y1.hi, y2.hi, call.expected);
  if (call.bits != nullptr) {
    if (call.format.precision != 53) {
      typename O::M bits_ok1, bits_ok2;
      const auto bits1 = DecidedToBits<O>(y1.hi, side1, call.format, bits_ok1);
      const auto bits2 = DecidedToBits<O>(y2.hi, side2, call.format, bits_ok2);
      O::store_pair_u(call, i, bits1, bits2, call.bits);
      ok1 = O::both(ok1, bits_ok1);
      ok2 = O::both(ok2, bits_ok2);
    } else {
      O::store_pair_u(call, i, O::bits(y1.hi), O::bits(y2.hi), call.bits);
    }
  }
  O::store_flags(ok1, ok2, call.undecided + i);
  return O::count_false(O::both(ok1, ok2));
}

// --- The loops -----------------------------------------------------------------------------

void CosSinLanesTarget(const TrigLanesCall& call) {
#if ROPECHECK_CERTIFIED_VECTORS
  const std::size_t lanes = VectorOps::lanes();
  std::size_t i = 0;
  for (; i + lanes <= call.n; i += lanes) CosSinLane<VectorOps>(call, i);
  for (; i < call.n; ++i) CosSinLane<ScalarOps>(call, i);
#else
  for (std::size_t i = 0; i < call.n; ++i) CosSinLane<ScalarOps>(call, i);
#endif
}

std::size_t ElementLanesTarget(const ElementLanesCall& call) {
  std::size_t undecided = 0;
  std::size_t i = 0;
#if ROPECHECK_CERTIFIED_VECTORS
  const std::size_t lanes = VectorOps::lanes();
  for (; i + lanes <= call.n; i += lanes) undecided += ElementLane<VectorOps>(call, i);
#endif
  for (; i < call.n; ++i) undecided += ElementLane<ScalarOps>(call, i);
  return undecided;
}

bool VectorisedTarget() {
#if ROPECHECK_CERTIFIED_VECTORS
  return true;
#else
  return false;
#endif
}

}  // namespace ropecheck::reference::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // include guard toggle
