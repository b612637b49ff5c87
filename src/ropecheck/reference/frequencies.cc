#include "ropecheck/reference/frequencies.h"

#include <cmath>

#include <boost/math/constants/constants.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/position_axes.h"

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
  // Equal factors: the band is λ = L alone, where g is 0/0 (Meta's apply_scaling asserts
  // against it). λ = 2π/θ is transcendental and L an integer, so only a spec whose θ_i
  // rounds onto it at this precision gets here: refuse it rather than pick a value.
  if (high == low) {
    throw InvalidInput("spec: llama3 with high_freq_factor = low_freq_factor has a wavelength equal to the context");
  }
  const R smooth = (context / wavelength - low) / (high - low);
  return (1 - smooth) * theta / factor + smooth * theta;
}

// YaRN (HF _compute_yarn_parameters, as of the version where an explicit factor is kept
// and original_max_position_embeddings is the context; DeepSeek's own code agrees; with
// yarn_context = max_position_embeddings the context of HF ≤ 4.47):
// the correction dim of n rotations over the context L is d(n) = R·ln(L/(2πn)) / (2 ln b);
// low = d(beta_fast), high = d(beta_slow), floored and ceiled unless truncate is false,
// clamped to [0, R − 1]; equal bounds get high += 0.001 (HF's guard, a double). The ramp
// r_j = clamp((j − low)/(high − low), 0, 1) blends θ_j/s (interpolation) with θ_j
// (extrapolation): θ'_j = r_j·θ_j/s + (1 − r_j)·θ_j — high frequencies (j ≤ low) keep θ_j.
template <class R> struct YarnRange {
  R low, high;
};

template <class R> YarnRange<R> yarn_range(const RopeSpec& spec) {
  const Scaling& s = spec.scaling;
  const bool original = s.yarn_context.value_or(YarnContext::original) == YarnContext::original &&
                        s.original_max_position_embeddings.has_value();
  const R context(original ? *s.original_max_position_embeddings : *s.max_position_embeddings);
  const R rotary(static_cast<unsigned>(spec.rotary_dim));
  const R two_pi = 2 * boost::math::constants::pi<R>();
  const R log_base = log(R(spec.base));
  const auto correction_dim = [&](double rotations) {
    return rotary * log(context / (two_pi * R(rotations))) / (2 * log_base);
  };
  YarnRange<R> range{correction_dim(s.beta_fast.value_or(32)), correction_dim(s.beta_slow.value_or(1))};
  if (s.truncate.value_or(true)) {
    range.low = floor(range.low);
    range.high = ceil(range.high);
  }
  if (range.low < 0) range.low = 0;
  if (range.high > rotary - 1) range.high = rotary - 1;
  if (range.low == range.high) range.high += R(0.001);
  return range;
}

template <class R> R yarn_ramp(const YarnRange<R>& range, std::size_t j) {
  const R r = (R(static_cast<unsigned>(j)) - range.low) / (range.high - range.low);
  return r < 0 ? R(0) : (r > 1 ? R(1) : r);
}

// HF get_mscale: 1 for s ≤ 1, else 0.1·m·ln(s) + 1.
template <class R> R yarn_mscale(const R& factor, const R& m) {
  return factor <= 1 ? R(1) : R(0.1) * m * log(factor) + 1;
}

// Dynamic NTK (HF _compute_dynamic_ntk_parameters): with M = max_position_embeddings and
// L = max(sequence_length, M) (M when no length is given), the base becomes
// b·(s·L/M − (s − 1))^(R/(R−2)). With R = 2 the only pair has θ_0 = 1 whatever the base.
template <class R> R dynamic_base(const RopeSpec& spec) {
  const Scaling& s = spec.scaling;
  const R factor(*s.factor), context(*s.max_position_embeddings);
  const R length = s.sequence_length && *s.sequence_length > *s.max_position_embeddings ? R(*s.sequence_length) : context;
  if (spec.rotary_dim == 2) return R(spec.base);
  const R rotary(static_cast<unsigned>(spec.rotary_dim));
  return R(spec.base) * pow(factor * length / context - (factor - 1), rotary / (rotary - 2));
}

// LongRoPE (HF _compute_longrope_parameters, Phi-3's modeling code): θ_i/ext_i with the
// long factors when the sequence is longer than the original context (strictly), the
// short ones otherwise (also when no length is given, as HF initialises). With
// longrope_switch = expanded_context (HF 4.43–4.44): long iff the expanded context,
// max_position_embeddings or else original·factor, exceeds the original one.
const std::vector<double>& longrope_factors(const Scaling& s) {
  const double original = *s.original_max_position_embeddings;
  bool use_long = false;
  if (s.longrope_switch.value_or(LongropeSwitch::sequence_length) == LongropeSwitch::expanded_context) {
    use_long = (s.max_position_embeddings ? *s.max_position_embeddings : original * *s.factor) > original;
  } else {
    use_long = s.sequence_length && *s.sequence_length > original;
  }
  return use_long ? *s.long_factor : *s.short_factor;
}

}  // namespace

template <class R> std::vector<R> yarn_ramp_of(const RopeSpec& spec) {
  const YarnRange<R> range = yarn_range<R>(spec);
  std::vector<R> ramp;
  for (std::size_t j = 0; j < spec.pairs(); ++j) ramp.push_back(yarn_ramp(range, j));
  return ramp;
}

template <class R> std::vector<R> frequencies(const RopeSpec& spec) {
  const R base(spec.base);
  const R rotary(static_cast<unsigned>(spec.rotary_dim));
  std::vector<R> thetas;
  thetas.reserve(spec.pairs());
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    // k(i) = i except for 2-D vision, whose pairs take the standard frequencies reordered.
    const R exponent = R(static_cast<unsigned>(2 * frequency_index_of_pair(spec, i))) / rotary;
    const R theta = pow(base, -exponent);
    switch (spec.scaling.type) {
      case ScalingType::none: thetas.push_back(theta); break;
      case ScalingType::linear: thetas.push_back(theta / R(*spec.scaling.factor)); break;
      case ScalingType::llama3: thetas.push_back(llama3_theta(theta, spec.scaling)); break;
      case ScalingType::yarn: thetas.push_back(theta); break;  // blended below
      case ScalingType::dynamic: thetas.push_back(pow(dynamic_base<R>(spec), -exponent)); break;
      case ScalingType::longrope: thetas.push_back(theta / R(longrope_factors(spec.scaling)[i])); break;
      // Gemma 4 (HF _compute_proportional_rope_parameters): base^(−2i/R) with R the whole
      // head dim for the first pairs, θ = 0 (cos 1, sin 0: pass-through) for the rest.
      case ScalingType::proportional:
        thetas.push_back(i < proportional_rotating_pairs(spec) ? theta / R(spec.scaling.factor.value_or(1)) : R(0));
        break;
    }
  }
  if (spec.scaling.type == ScalingType::yarn) {
    const std::vector<R> ramp = yarn_ramp_of<R>(spec);
    const R factor(*spec.scaling.factor);
    for (std::size_t j = 0; j < thetas.size(); ++j) {
      thetas[j] = ramp[j] * (thetas[j] / factor) + (1 - ramp[j]) * thetas[j];
    }
  }
  return thetas;
}

// YaRN: an explicit attention_factor; else, when mscale and mscale_all_dim are both
// nonzero, get_mscale(s, mscale)/get_mscale(s, mscale_all_dim) (DeepSeek); else
// get_mscale(s, 1) = 0.1·ln(s) + 1. The other types: 1.
template <class R> R attention_factor(const RopeSpec& spec) {
  const Scaling& s = spec.scaling;
  if (s.type == ScalingType::longrope) {
    // sqrt(1 + ln f / ln L_orig), f = factor or max_position_embeddings / L_orig; 1 if f ≤ 1.
    if (s.attention_factor) return R(*s.attention_factor);
    const R original(*s.original_max_position_embeddings);
    const R f = s.factor ? R(*s.factor) : R(*s.max_position_embeddings) / original;
    return f <= 1 ? R(1) : sqrt(1 + log(f) / log(original));
  }
  if (s.type != ScalingType::yarn) return R(1);
  if (s.attention_factor) return R(*s.attention_factor);
  const R factor(*s.factor);
  if (s.mscale.value_or(0) != 0 && s.mscale_all_dim.value_or(0) != 0) {
    return yarn_mscale(factor, R(*s.mscale)) / yarn_mscale(factor, R(*s.mscale_all_dim));
  }
  return yarn_mscale(factor, R(1));
}

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

template <class R>
CosSin<R> cos_sin(const std::vector<R>& thetas, std::span<const std::size_t> pair_axis,
                  std::span<const std::int64_t> components) {
  CosSin<R> cs;
  cs.cos.reserve(thetas.size());
  cs.sin.reserve(thetas.size());
  for (std::size_t i = 0; i < thetas.size(); ++i) {
    const R angle = R(components[pair_axis[i]]) * thetas[i];
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
  template std::vector<R> yarn_ramp_of<R>(const RopeSpec&);                \
  template CosSin<R> cos_sin<R>(const RopeSpec&, const R&);                \
  template CosSin<R> cos_sin<R>(const std::vector<R>&, const R&);               \
  template CosSin<R> cos_sin<R>(const std::vector<R>&, std::span<const std::size_t>, std::span<const std::int64_t>);
ROPECHECK_FOR_EACH_REAL(ROPECHECK_INSTANTIATE)
#undef ROPECHECK_INSTANTIATE

}  // namespace ropecheck::reference
