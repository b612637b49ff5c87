#include "ropecheck/reference/attention.h"

#include <cassert>

namespace ropecheck::reference {

template <class R> R dot(const Vector<R>& a, const Vector<R>& b) {
  assert(a.size() == b.size());
  R sum(0);
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

template <class R>
R score(const Encoding<R>& enc, const RopeSpec& spec, const Vector<R>& q, const R& m, const Vector<R>& k, const R& n) {
  return dot(enc(spec, m, q), enc(spec, n, k));
}

template <class R> Vector<R> elu_plus_one(const Vector<R>& x) {
  Vector<R> y;
  y.reserve(x.size());
  for (const R& e : x) y.push_back(e > 0 ? R(e + 1) : R(exp(e)));
  return y;
}

namespace {
template <class R> Vector<R> weighted_sum(const std::vector<R>& w, const std::vector<Vector<R>>& v) {
  Vector<R> out(v.front().size(), R(0));
  for (std::size_t j = 0; j < v.size(); ++j) {
    for (std::size_t d = 0; d < out.size(); ++d) out[d] += w[j] * v[j][d];
  }
  return out;
}
}  // namespace

template <class R>
std::vector<Vector<R>> softmax_attention(const Encoding<R>& enc, const RopeSpec& spec, const Sequence<R>& seq) {
  const std::size_t t = seq.q.size();
  std::vector<Vector<R>> qe, ke;
  for (std::size_t i = 0; i < t; ++i) {
    qe.push_back(enc(spec, seq.positions[i], seq.q[i]));
    ke.push_back(enc(spec, seq.positions[i], seq.k[i]));
  }
  const R scale = 1 / sqrt(R(static_cast<unsigned>(spec.head_dim)));
  std::vector<Vector<R>> out;
  for (std::size_t i = 0; i < t; ++i) {
    std::vector<R> logits;
    for (std::size_t j = 0; j < t; ++j) logits.push_back(dot(qe[i], ke[j]) * scale);
    R peak = logits.front();
    for (const R& l : logits) peak = l > peak ? l : peak;
    R total(0);
    for (R& l : logits) {
      l = exp(l - peak);
      total += l;
    }
    for (R& l : logits) l /= total;
    out.push_back(weighted_sum(logits, seq.v));
  }
  return out;
}

template <class R>
std::vector<Vector<R>> linear_attention(const Encoding<R>& enc, const RopeSpec& spec, const Sequence<R>& seq) {
  const std::size_t t = seq.q.size();
  std::vector<Vector<R>> fq, fk, qe, ke;
  for (std::size_t i = 0; i < t; ++i) {
    fq.push_back(elu_plus_one(seq.q[i]));
    fk.push_back(elu_plus_one(seq.k[i]));
    qe.push_back(enc(spec, seq.positions[i], fq.back()));
    ke.push_back(enc(spec, seq.positions[i], fk.back()));
  }
  std::vector<Vector<R>> out;
  for (std::size_t i = 0; i < t; ++i) {
    std::vector<R> weights;
    R denominator(0);
    for (std::size_t j = 0; j < t; ++j) {
      weights.push_back(dot(qe[i], ke[j]));
      denominator += dot(fq[i], fk[j]);
    }
    for (R& w : weights) w /= denominator;
    out.push_back(weighted_sum(weights, seq.v));
  }
  return out;
}

#define ROPECHECK_INSTANTIATE(R)                                                                                   \
  template R dot<R>(const Vector<R>&, const Vector<R>&);                                                           \
  template R score<R>(const Encoding<R>&, const RopeSpec&, const Vector<R>&, const R&, const Vector<R>&, const R&); \
  template std::vector<Vector<R>> softmax_attention<R>(const Encoding<R>&, const RopeSpec&, const Sequence<R>&);   \
  template std::vector<Vector<R>> linear_attention<R>(const Encoding<R>&, const RopeSpec&, const Sequence<R>&);    \
  template Vector<R> elu_plus_one<R>(const Vector<R>&);
ROPECHECK_FOR_EACH_REAL(ROPECHECK_INSTANTIATE)
#undef ROPECHECK_INSTANTIATE

}  // namespace ropecheck::reference
