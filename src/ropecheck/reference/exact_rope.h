// The exact result of one RoPE call on a [tokens, heads, head_dim] tensor (docs/error-model.md#the-exact-result):
// what golden files store and what every fast implementation is measured against.
//
// Contract: computed at reference precision (Real, 257 bits) from the spec's θ_i and
// attention factor; `expected` is the exact s(a·cos φ − b·sin φ) (pass-through dims: x
// itself) rounded once to nearest double, `cos`/`sin` the exact trig of φ = m·θ_i rounded
// once to double; with multi-axis positions (position_axes.h) pair i's angle is
// φ = p_{a(i)}·θ_i, the component its axis names. A position scale σ(m_t) (spec.h, position_scale.h) multiplies the whole
// output vector of token t, pass-through dims included: y = σ·s(a·c − b·sin φ), σ·x.
// Inputs are exact doubles (f32/bf16/f16 values widen exactly). Non-finite
// inputs follow MPFR's IEEE semantics (Inf·c − Inf·s is NaN). Rounding the reference to
// double adds ≤ 2^-53·|y|, far below any tolerance built on it (≥ 2^-24·|y|).
// With `rounded_to`, `expected_bits` also holds the exact result correctly rounded to that
// dtype in one step from reference precision (rounding `expected` instead would round
// twice); pass-through dims are σ·x rounded the same way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <memory>
#include <span>
#include <utility>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/spec.h"

namespace ropecheck::reference {

// An allocator whose resize leaves new doubles and integers uninitialised: the result
// arrays are written element by element, by several threads (certified_rope.h), and a
// value-initialising resize would be a serial pass over all of them first.
template <class T> struct UninitializedAllocator : std::allocator<T> {
  using value_type = T;
  UninitializedAllocator() noexcept = default;
  template <class U> UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U> struct rebind {
    using other = UninitializedAllocator<U>;
  };
  template <class U> void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
  template <class U, class... Args> void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T> using ResultVector = std::vector<T, UninitializedAllocator<T>>;

struct ExactRope {
  RopeSpec spec;
  std::size_t tokens = 0;
  std::size_t heads = 0;
  std::size_t axes = 1;                 // position components per token (position_axes.h)
  std::vector<std::int64_t> positions;  // [tokens][axes]
  ResultVector<double> x;               // [tokens][heads][head_dim]
  ResultVector<double> expected;        // [tokens][heads][head_dim]
  std::vector<double> cos;              // [tokens][rotary_dim/2]
  std::vector<double> sin;              // [tokens][rotary_dim/2]
  double attention_factor = 1;
  std::vector<double> position_scale;   // [tokens] σ(m_t) rounded to double (1 without a position scale)
  std::vector<double> thetas;           // [rotary_dim/2] θ_i rounded to double (the f32-angle bound grows with each)
  ResultVector<std::uint64_t> expected_bits;  // [tokens][heads][head_dim] when rounded_to was given
};

// The per-element steps of exact_rope, shared with the certified path's MPFR fallback
// (certified_rope.h) so that both perform the same operations in the same order:
//  - a rotated pair (a, b) ↦ (a·ŝc − b·ŝs, b·ŝc + a·ŝs), ŝc = factor·cos φ, ŝs = factor·sin φ;
//  - a pass-through dim x ↦ σ·x (x itself when σ = 1, a NaN's sign included).
struct ExactPairValues {
  Real first;
  Real second;
};
ExactPairValues exact_pair_values(double a, double b, const Real& scaled_cos, const Real& scaled_sin);
Real exact_pass_through(double x, const Real& sigma);

// The checks both paths make of a call before any work (InvalidInput, one line): a valid
// spec, positions with its axes, x of tokens·heads·head_dim elements.
void validate_rope_call(const RopeSpec& spec, PositionsView positions, std::span<const double> x, std::size_t heads);
// A result with its spec, shape and positions filled in, its arrays empty.
ExactRope result_header(const RopeSpec& spec, PositionsView positions, std::size_t heads);

// Throws InvalidInput when the positions' axes are not the spec's (check_position_axes) or
// x.size() != tokens·heads·head_dim.
ExactRope exact_rope(const RopeSpec& spec, PositionsView positions,
                     std::span<const double> x, std::size_t heads,
                     std::optional<Dtype> rounded_to = std::nullopt);

}  // namespace ropecheck::reference
