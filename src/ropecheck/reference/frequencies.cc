#include "ropecheck/reference/frequencies.h"

#include <cmath>

namespace ropecheck::reference {

template <class R> std::vector<R> frequencies(const RopeSpec& spec) {
  const R base(spec.base);
  const R rotary(static_cast<unsigned>(spec.rotary_dim));
  std::vector<R> thetas;
  thetas.reserve(spec.pairs());
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const R exponent = R(static_cast<unsigned>(2 * i)) / rotary;
    thetas.push_back(pow(base, -exponent));
  }
  return thetas;
}

template <class R> R attention_factor(const RopeSpec& /*spec*/) { return R(1); }

template <class R> CosSin<R> cos_sin(const std::vector<R>& thetas, const R& position) {
  CosSin<R> cs;
  cs.cos.reserve(thetas.size());
  cs.sin.reserve(thetas.size());
  for (const R& theta : thetas) {
    const R angle = position * theta;
    cs.cos.push_back(cos(angle));
    cs.sin.push_back(sin(angle));
  }
  return cs;
}

template <class R> CosSin<R> cos_sin(const RopeSpec& spec, const R& position) {
  return cos_sin(frequencies<R>(spec), position);
}

double frequency_error_units(const RopeSpec& spec) { return 1.0 + std::log(spec.base); }

#define ROPECHECK_INSTANTIATE(R)                                           \
  template std::vector<R> frequencies<R>(const RopeSpec&);                 \
  template R attention_factor<R>(const RopeSpec&);                         \
  template CosSin<R> cos_sin<R>(const RopeSpec&, const R&);                \
  template CosSin<R> cos_sin<R>(const std::vector<R>&, const R&);
ROPECHECK_FOR_EACH_REAL(ROPECHECK_INSTANTIATE)
#undef ROPECHECK_INSTANTIATE

}  // namespace ropecheck::reference
