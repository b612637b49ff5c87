// The certified fast reference: exact_rope's result (exact_rope.h), bit for bit, from
// double-double arithmetic with a proven error bound, Ziv's rounding test, and MPFR where
// the test cannot decide.
//
// Contract: certified_rope(spec, positions, x, heads, rounded_to) returns what exact_rope
// returns for the same arguments, every field and every bit, and throws what it throws.
// Per rotated element the fast path computes, in double-double,
//   ŷ = a·Ĉ − b·Ŝ (first of a pair) or b·Ĉ + a·Ŝ (second),   Ĉ = f·ĉ, Ŝ = f·ŝ,
// with f the row's factor σ(m)·s (MPFR's 257-bit value, rounded to double-double) and
// (ĉ, ŝ) certified_trig's cos/sin, and bounds its distance to the exact value y of the
// same expression with MPFR's angle, factor and inputs by
//   E = kElementRelativeError·(|a·Ĉ| + |b·Ŝ|) + (|a| + |b|)·|f|·A,
// A the angle's absolute error bound (certified_trig.h). The MPFR path's 257-bit value lies
// within 2^-250·(|a·Ĉ| + |b·Ŝ|) of y as well (four roundings at 257 bits after the angle),
// and that is inside E's budget, so when round_interval_to_bits decides [ŷ − E, ŷ + E], its
// answer is the MPFR path's rounding too: `expected` (f64) and `expected_bits` alike. A
// pass-through dim is x (σ = 1, rounded exactly in double) or σ·x in double-double. cos and
// sin are decided the same way with their own bound.
// Whatever the test cannot decide goes to MPFR, through exact_rope's own per-element code
// (exact_pair_values): near rounding boundaries, results that round towards zero or Inf,
// heavy cancellation (|y| ≪ E's scale), non-finite inputs, magnitudes outside
// [2^-600, 2^600] (which keep every double-double part normal), and angles outside
// certified_trig's domain (|m| ≥ 2^31, θ > 1), whose whole pair is computed by MPFR.
//
// kElementRelativeError's budget (u = 2^-53; 2^-99 = 128u²; proofs/README.md composes it):
// kTrigRelativeError (ĉ, ŝ) + u² (f to double-double) + 5u² (f·ĉ) + 17u² (the two products
// and their sum, dot2 in certified_rope.cc, relative to |a·Ĉ| + |b·Ŝ|; proved by Gappa,
// proofs/certified_element.g) + 2^-250 (the MPFR path) plus second-order terms:
// < 152u² ≤ 160u² = 1.25·2^-99.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "ropecheck/dtype.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/certified_lanes.h"  // kElementRelativeError
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/spec.h"

namespace ropecheck::reference {

// What the fast path decided and what went to MPFR.
struct CertifiedStats {
  std::uint64_t elements = 0;           // output elements (rotated and pass-through)
  std::uint64_t element_fallbacks = 0;  // of them, computed by MPFR
  std::uint64_t element_fix_ups = 0;    // of them, left by the vector lanes (decided after, or by MPFR)
  std::uint64_t angles = 0;             // (token, pair) cos/sin values
  std::uint64_t angle_fallbacks = 0;    // of them, cos or sin undecided: MPFR
  std::uint64_t uncovered_angles = 0;   // outside certified_trig's domain: the pair by MPFR

  CertifiedStats& operator+=(const CertifiedStats& other);
};

// `threads` (0: truth_threads()) split the tokens into contiguous ranges, one thread each;
// calls under 2^15 elements run on the calling thread alone. The result, the stats and
// any exception (the first token's in order, as one thread would meet it) are the same
// whatever the count.
ExactRope certified_rope(const RopeSpec& spec, PositionsView positions, std::span<const double> x,
                         std::size_t heads, std::optional<Dtype> rounded_to = std::nullopt,
                         CertifiedStats* stats = nullptr, unsigned threads = 0);

// Pair `pair` of `spec` at one position m (every position component m) for many inputs:
// ab holds (a_0, b_0, a_1, b_1, …), and expected and bits (when `rounded_to`; else
// empty) receive both outputs of each, interleaved the same way, exactly as certified_rope
// gives that pair's elements in a call whose tokens sit at m. For exhaustive checks over
// every input pair of a dtype. Returns the exact cos and sin of the angle, rounded to
// double, and the row factor (attention factor times σ(m)).
struct PairAngle {
  double cos = 1;
  double sin = 0;
  double factor = 1;
  double theta = 0;
};
PairAngle certified_pair(const RopeSpec& spec, std::size_t pair, std::int64_t position, std::span<const double> ab,
                         std::optional<Dtype> rounded_to, std::span<double> expected, std::span<std::uint64_t> bits,
                         CertifiedStats* stats = nullptr);

// The process's default thread count for the truth: every core unless set (the CLI's
// --threads). set_truth_threads(0) restores every core.
unsigned truth_threads();
void set_truth_threads(unsigned threads);

}  // namespace ropecheck::reference
