#include "ropecheck/reference/forms.h"

#include <cassert>

#include "ropecheck/reference/frequencies.h"

namespace ropecheck::reference {

template <class R> Matrix<R> identity_matrix(std::size_t n) {
  Matrix<R> m(n);
  for (std::size_t i = 0; i < n; ++i) m(i, i) = R(1);
  return m;
}

template <class R> Matrix<R> rotation_matrix(const RopeSpec& spec, const R& position) {
  Matrix<R> m = identity_matrix<R>(spec.head_dim);
  const CosSin<R> cs = cos_sin<R>(spec, position);
  const R s = attention_factor<R>(spec);
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const auto [a, b] = pair_dims(spec, i);
    m(a, a) = s * cs.cos[i];
    m(a, b) = -(s * cs.sin[i]);
    m(b, a) = s * cs.sin[i];
    m(b, b) = s * cs.cos[i];
  }
  return m;
}

template <class R> Matrix<R> transpose(const Matrix<R>& m) {
  Matrix<R> t(m.n);
  for (std::size_t i = 0; i < m.n; ++i) {
    for (std::size_t j = 0; j < m.n; ++j) t(j, i) = m(i, j);
  }
  return t;
}

template <class R> Matrix<R> multiply(const Matrix<R>& a, const Matrix<R>& b) {
  assert(a.n == b.n);
  Matrix<R> c(a.n);
  for (std::size_t i = 0; i < a.n; ++i) {
    for (std::size_t k = 0; k < a.n; ++k) {
      if (a(i, k) == 0) continue;  // block-sparse: the zeros contribute exactly nothing
      for (std::size_t j = 0; j < a.n; ++j) {
        if (b(k, j) != 0) c(i, j) += a(i, k) * b(k, j);
      }
    }
  }
  return c;
}

template <class R> Vector<R> multiply(const Matrix<R>& a, const Vector<R>& x) {
  assert(a.n == x.size());
  Vector<R> y(a.n, R(0));
  for (std::size_t i = 0; i < a.n; ++i) {
    for (std::size_t k = 0; k < a.n; ++k) {
      if (a(i, k) != 0) y[i] += a(i, k) * x[k];
    }
  }
  return y;
}

template <class R> Matrix<R> deinterleave_permutation(const RopeSpec& spec) {
  Matrix<R> p(spec.head_dim);
  const std::size_t half = spec.pairs();
  for (std::size_t i = 0; i < half; ++i) {
    p(i, 2 * i) = R(1);
    p(i + half, 2 * i + 1) = R(1);
  }
  for (std::size_t d = spec.rotary_dim; d < spec.head_dim; ++d) p(d, d) = R(1);
  return p;
}

template <class R> Vector<R> apply_dense(const RopeSpec& spec, const R& position, const Vector<R>& x) {
  return multiply(rotation_matrix(spec, position), x);
}

template <class R> Vector<R> apply_sparse(const RopeSpec& spec, const R& position, const Vector<R>& x) {
  const CosSin<R> cs = cos_sin<R>(spec, position);
  const R s = attention_factor<R>(spec);
  Vector<R> y = x;
  // Su's vectors: cos and sin repeated per pair, rotate(x) = (−x1, x0, −x3, x2, …).
  for (std::size_t d = 0; d < spec.rotary_dim; ++d) {
    const std::size_t pair = d / 2;
    const R rotated = d % 2 == 0 ? R(-x[d + 1]) : x[d - 1];
    y[d] = s * (x[d] * cs.cos[pair] + rotated * cs.sin[pair]);
  }
  return y;
}

template <class R> Vector<R> apply_complex(const RopeSpec& spec, const R& position, const Vector<R>& x) {
  using C = Complex<R>;
  const R base(spec.base);
  const R rotary(static_cast<unsigned>(spec.rotary_dim));
  const R s = attention_factor<R>(spec);
  const std::vector<R> scaled = spec.scaling.type == ScalingType::none ? std::vector<R>{} : frequencies<R>(spec);
  Vector<R> y = x;
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    // freqs = 1.0 / (theta ** (torch.arange(0, dim, 2) / dim)); freqs_cis = polar(1, t·freqs);
    // a scaled spec's freqs are the scaled θ_i (llama-models applies apply_scaling to freqs).
    const R freq = scaled.empty() ? R(1) / pow(base, R(static_cast<unsigned>(2 * i)) / rotary) : scaled[i];
    const C cis = polar(R(1), position * freq);
    const C pair(x[2 * i], x[2 * i + 1]);
    const C rotated = pair * cis;
    y[2 * i] = s * real(rotated);
    y[2 * i + 1] = s * imag(rotated);
  }
  return y;
}

template <class R> Vector<R> apply_rotate_half(const RopeSpec& spec, const R& position, const Vector<R>& x) {
  const CosSin<R> cs = cos_sin<R>(spec, position);
  const R s = attention_factor<R>(spec);
  const std::size_t half = spec.pairs();
  Vector<R> y = x;
  // emb = cat(freqs, freqs): element d uses pair d mod R/2; rotate_half(x) = cat(−x2, x1).
  for (std::size_t d = 0; d < spec.rotary_dim; ++d) {
    const std::size_t pair = d % half;
    const R rotated = d < half ? R(-x[d + half]) : x[d - half];
    y[d] = s * (x[d] * cs.cos[pair] + rotated * cs.sin[pair]);
  }
  return y;
}

template <class R> Vector<R> apply_rope(const RopeSpec& spec, const R& position, const Vector<R>& x) {
  return spec.layout == Layout::interleaved ? apply_sparse(spec, position, x) : apply_rotate_half(spec, position, x);
}

#define ROPECHECK_INSTANTIATE(R)                                                        \
  template Matrix<R> rotation_matrix<R>(const RopeSpec&, const R&);                     \
  template Matrix<R> identity_matrix<R>(std::size_t);                                   \
  template Matrix<R> transpose<R>(const Matrix<R>&);                                    \
  template Matrix<R> multiply<R>(const Matrix<R>&, const Matrix<R>&);                   \
  template Vector<R> multiply<R>(const Matrix<R>&, const Vector<R>&);                   \
  template Matrix<R> deinterleave_permutation<R>(const RopeSpec&);                      \
  template Vector<R> apply_dense<R>(const RopeSpec&, const R&, const Vector<R>&);       \
  template Vector<R> apply_sparse<R>(const RopeSpec&, const R&, const Vector<R>&);      \
  template Vector<R> apply_complex<R>(const RopeSpec&, const R&, const Vector<R>&);     \
  template Vector<R> apply_rotate_half<R>(const RopeSpec&, const R&, const Vector<R>&); \
  template Vector<R> apply_rope<R>(const RopeSpec&, const R&, const Vector<R>&);
ROPECHECK_FOR_EACH_REAL(ROPECHECK_INSTANTIATE)
#undef ROPECHECK_INSTANTIATE

}  // namespace ropecheck::reference
