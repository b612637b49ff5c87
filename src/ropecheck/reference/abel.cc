#include "ropecheck/reference/abel.h"

#include "ropecheck/reference/frequencies.h"

namespace ropecheck::reference {

template <class R>
AbelTerms<R> abel_terms(const RopeSpec& spec, const Vector<R>& q, const Vector<R>& k, const R& delta) {
  using C = Complex<R>;
  const std::vector<R> thetas = frequencies<R>(spec);
  AbelTerms<R> t;
  t.S.push_back(C(0));
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const auto [a, b] = pair_indices(spec.layout, spec.rotary_dim, i);
    t.h.push_back(C(q[a], q[b]) * conj(C(k[a], k[b])));
    t.phase.push_back(polar(R(1), delta * thetas[i]));
    t.S.push_back(t.S.back() + t.phase.back());
  }
  t.h.push_back(C(0));
  return t;
}

template <class R> Complex<R> abel_direct_sum(const AbelTerms<R>& t) {
  Complex<R> sum(0);
  for (std::size_t i = 0; i < t.phase.size(); ++i) sum += t.h[i] * t.phase[i];
  return sum;
}

template <class R> Complex<R> abel_by_parts(const AbelTerms<R>& t) {
  Complex<R> sum(0);
  for (std::size_t i = 0; i < t.phase.size(); ++i) sum += t.S[i + 1] * (t.h[i + 1] - t.h[i]);
  return -sum;
}

template <class R> R abel_bound(const AbelTerms<R>& t) {
  R max_step(0), sum_abs_s(0);
  for (std::size_t i = 0; i < t.phase.size(); ++i) {
    const R step = abs(t.h[i + 1] - t.h[i]);
    if (step > max_step) max_step = step;
    sum_abs_s += abs(t.S[i + 1]);
  }
  return max_step * sum_abs_s;
}

template <class R> R abel_magnitude(const AbelTerms<R>& t) {
  R total(0);
  for (const auto& h : t.h) total += abs(h);
  return total;
}

template <class R> DecayPoint<R> decay_point(const std::vector<R>& thetas, const R& distance) {
  Complex<R> partial(0);
  R total(0);
  for (const R& theta : thetas) {
    partial += polar(R(1), distance * theta);
    total += abs(partial);
  }
  const R pairs(static_cast<unsigned>(thetas.size()));
  return {distance, total, total / pairs};
}

template <class R> DecayPoint<R> decay_point(std::size_t rotary_dim, double base, const R& distance) {
  RopeSpec spec;
  spec.head_dim = rotary_dim;
  spec.rotary_dim = rotary_dim;
  spec.base = base;
  return decay_point(frequencies<R>(spec), distance);
}

#define ROPECHECK_INSTANTIATE(R)                                                                      \
  template AbelTerms<R> abel_terms<R>(const RopeSpec&, const Vector<R>&, const Vector<R>&, const R&); \
  template Complex<R> abel_direct_sum<R>(const AbelTerms<R>&);                                        \
  template Complex<R> abel_by_parts<R>(const AbelTerms<R>&);                                          \
  template R abel_bound<R>(const AbelTerms<R>&);                                                      \
  template R abel_magnitude<R>(const AbelTerms<R>&);                                                  \
  template DecayPoint<R> decay_point<R>(const std::vector<R>&, const R&);                             \
  template DecayPoint<R> decay_point<R>(std::size_t, double, const R&);
ROPECHECK_FOR_EACH_REAL(ROPECHECK_INSTANTIATE)
#undef ROPECHECK_INSTANTIATE

}  // namespace ropecheck::reference
