#include "ropecheck/reference/frequencies.h"

#include <cmath>

#include <boost/math/constants/constants.hpp>

#include "ropecheck/errors.h"

namespace ropecheck::reference {

namespace {

// Meta's apply_scaling (llama-models) and HF's _compute_llama3_parameters, which agree:
// with wavelength λ = 2π/θ, λ_low = L/low_freq_factor and λ_high = L/high_freq_factor,
// θ stays where λ < λ_high (strict), becomes θ/s where λ > λ_low (strict), and in the band
// λ_high ≤ λ ≤ λ_low (both ends inclusive) becomes (1 − g)·θ/s + g·θ with
// g = (L/λ − low_freq_factor)/(high_freq_factor − low_freq_factor). At the band's ends g
// is 1 and 0, so the three pieces join continuously.
template <class R> R llama3_theta(const R& theta, const Scaling& s) {
  const R factor(*s.factor), low(*s.low_freq_factor), high(*s.high_freq_factor);
  const R context(*s.original_max_position_embeddings);
  const R wavelength = 2 * boost::math::constants::pi<R>() / theta;
  const R low_freq_wavelength = context / low;
  const R high_freq_wavelength = context / high;
  if (wavelength < high_freq_wavelength) return theta;
  if (wavelength > low_freq_wavelength) return theta / factor;
  const R smooth = (context / wavelength - low) / (high - low);
  return (1 - smooth) * theta / factor + smooth * theta;
}

}  // namespace

template <class R> std::vector<R> frequencies(const RopeSpec& spec) {
  const R base(spec.base);
  const R rotary(static_cast<unsigned>(spec.rotary_dim));
  std::vector<R> thetas;
  thetas.reserve(spec.pairs());
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const R exponent = R(static_cast<unsigned>(2 * i)) / rotary;
    const R theta = pow(base, -exponent);
    switch (spec.scaling.type) {
      case ScalingType::none: thetas.push_back(theta); break;
      case ScalingType::linear: thetas.push_back(theta / R(*spec.scaling.factor)); break;
      case ScalingType::llama3: thetas.push_back(llama3_theta(theta, spec.scaling)); break;
      case ScalingType::dynamic:
      case ScalingType::yarn:
      case ScalingType::longrope: throw InvalidInput("spec: this scaling type is not implemented yet");
    }
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
