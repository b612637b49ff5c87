// The four forms of RoPE at reference precision (docs/mathematics.md#the-four-forms).
//
// y = s·R_m·x for one head vector x of length D at position m. In exact arithmetic all
// forms agree; computed here they differ by the rounding analysed in
// props/reference_properties.cc. Every form passes the last D − R dims through unchanged.
//  - rotation_matrix: the dense D×D matrix R_m for the spec's layout — block-diagonal
//    2×2 blocks [[c, −s], [s, c]] on pairs (2i, 2i+1) for interleaved; the same blocks
//    on rows/columns (i, i+R/2) for half_split, written out directly (not by permuting)
//    so that half_split = P·R_m·P⁻¹ is a check, not a definition.
//  - apply_sparse: Su's form x⊗cos + rotate(x)⊗sin, rotate(x) = (−x1, x0, −x3, x2, …);
//    interleaved pairing whatever spec.layout says.
//  - apply_complex: Meta's precompute_freqs_cis / apply_rotary_emb: freqs = 1/base^(2i/R),
//    cis = polar(1, m·freq), pairs viewed as complex x[2i] + i·x[2i+1] and multiplied in
//    MPC (or Boost complex) arithmetic; interleaved pairing whatever spec.layout says.
//    A scaled spec's freqs are the scaled θ_i (frequencies.h), as llama-models applies
//    apply_scaling to freqs before polar.
//  - apply_rotate_half: HF's q·cos + rotate_half(q)·sin with cos = cat(cos, cos) and
//    rotate_half(x) = cat(−x2, x1); half_split pairing whatever spec.layout says.
//  - apply_rope: the reference's RoPE for spec.layout (sparse or rotate_half).
// Matrix products skip zero entries of the left factor: the result is the dense product,
// at O(D²) instead of O(D³) cost for these block-sparse matrices.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "ropecheck/reference/real.h"
#include "ropecheck/spec.h"

namespace ropecheck::reference {

template <class R> using Vector = std::vector<R>;

template <class R> struct Matrix {
  std::size_t n = 0;
  std::vector<R> a;  // row-major n×n
  explicit Matrix(std::size_t size = 0) : n(size), a(size * size, R(0)) {}
  R& operator()(std::size_t row, std::size_t col) { return a[row * n + col]; }
  const R& operator()(std::size_t row, std::size_t col) const { return a[row * n + col]; }
};

// Element indices (first, second) of pair i under a layout: (2i, 2i+1) or (i, i+R/2).
inline std::pair<std::size_t, std::size_t> pair_indices(Layout layout, std::size_t rotary_dim, std::size_t i) {
  return layout == Layout::interleaved ? std::pair{2 * i, 2 * i + 1} : std::pair{i, i + rotary_dim / 2};
}

// The head dims of pair i of a spec: pair_indices shifted by the spec's rotary_offset.
inline std::pair<std::size_t, std::size_t> pair_dims(const RopeSpec& spec, std::size_t i) {
  const auto [a, b] = pair_indices(spec.layout, spec.rotary_dim, i);
  return {a + spec.rotary_offset, b + spec.rotary_offset};
}

// The pair a rotary dim belongs to (dim < rotary_dim): dim/2 or dim mod R/2.
inline std::size_t pair_of_dim(Layout layout, std::size_t rotary_dim, std::size_t dim) {
  return layout == Layout::interleaved ? dim / 2 : dim % (rotary_dim / 2);
}

template <class R> Matrix<R> rotation_matrix(const RopeSpec& spec, const R& position);
template <class R> Matrix<R> identity_matrix(std::size_t n);
template <class R> Matrix<R> transpose(const Matrix<R>& m);
template <class R> Matrix<R> multiply(const Matrix<R>& a, const Matrix<R>& b);
template <class R> Vector<R> multiply(const Matrix<R>& a, const Vector<R>& x);
// P: the de-interleaving permutation, (P·z)[i] = z[2i], (P·z)[i + R/2] = z[2i+1] for
// i < R/2, identity on pass-through dims. It maps an interleaved arrangement of pairs to
// the half_split arrangement of the same pairs.
template <class R> Matrix<R> deinterleave_permutation(const RopeSpec& spec);

template <class R> Vector<R> apply_dense(const RopeSpec& spec, const R& position, const Vector<R>& x);
template <class R> Vector<R> apply_sparse(const RopeSpec& spec, const R& position, const Vector<R>& x);
template <class R> Vector<R> apply_complex(const RopeSpec& spec, const R& position, const Vector<R>& x);
template <class R> Vector<R> apply_rotate_half(const RopeSpec& spec, const R& position, const Vector<R>& x);
template <class R> Vector<R> apply_rope(const RopeSpec& spec, const R& position, const Vector<R>& x);

}  // namespace ropecheck::reference
