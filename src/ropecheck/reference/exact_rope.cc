#include "ropecheck/reference/exact_rope.h"

#include <fmt/format.h>

#include <algorithm>

#include "ropecheck/errors.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/position_scale.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::reference {

ExactPairValues exact_pair_values(double a, double b, const Real& scaled_cos, const Real& scaled_sin) {
  const Real ra(a);
  const Real rb(b);
  return {ra * scaled_cos - rb * scaled_sin, rb * scaled_cos + ra * scaled_sin};
}

Real exact_pass_through(double x, const Real& sigma) { return sigma == 1 ? Real(x) : sigma * Real(x); }

void validate_rope_call(const RopeSpec& spec, PositionsView positions, std::span<const double> x, std::size_t heads) {
  validate(spec);
  check_position_axes(spec, positions);
  if (x.size() != positions.tokens() * heads * spec.head_dim) {
    throw InvalidInput(fmt::format("x has {} elements, expected tokens {} × heads {} × head_dim {}", x.size(),
                                   positions.tokens(), heads, spec.head_dim));
  }
}

ExactRope result_header(const RopeSpec& spec, PositionsView positions, std::size_t heads) {
  ExactRope r;
  r.spec = spec;
  r.tokens = positions.tokens();
  r.heads = heads;
  r.axes = positions.axes;
  r.positions.assign(positions.values.begin(), positions.values.end());
  return r;
}

ExactRope exact_rope(const RopeSpec& spec, PositionsView positions,
                     std::span<const double> x, std::size_t heads, std::optional<Dtype> rounded_to) {
  validate_rope_call(spec, positions, x, heads);
  const std::size_t d = spec.head_dim;
  const std::size_t pairs = spec.pairs();
  ExactRope r = result_header(spec, positions, heads);
  r.x.assign(x.begin(), x.end());
  r.expected.assign(x.begin(), x.end());  // pass-through dims stay x (times σ below)
  r.cos.resize(r.tokens * pairs);
  r.sin.resize(r.tokens * pairs);
  if (rounded_to) r.expected_bits.resize(x.size());

  const std::vector<Real> thetas = frequencies<Real>(spec);
  const Real s = attention_factor<Real>(spec);
  r.attention_factor = static_cast<double>(s);
  for (const Real& theta : thetas) r.thetas.push_back(static_cast<double>(theta));

  r.position_scale.resize(r.tokens);
  const std::vector<std::size_t> axis = pair_axes(spec);
  for (std::size_t t = 0; t < r.tokens; ++t) {
    const std::span<const std::int64_t> components = positions.token(t);
    const CosSin<Real> cs = cos_sin(thetas, axis, components);  // one axis: a(i) = 0 for every pair
    // A position scale takes one axis (validate_position_axes): component 0 is m.
    const Real sigma = position_scale<Real>(spec, components[0]);
    r.position_scale[t] = static_cast<double>(sigma);
    const Real factor = sigma * s;  // the row's factor, once per token
    std::vector<Real> scaled_cos(pairs), scaled_sin(pairs);
    for (std::size_t i = 0; i < pairs; ++i) {
      r.cos[t * pairs + i] = static_cast<double>(cs.cos[i]);
      r.sin[t * pairs + i] = static_cast<double>(cs.sin[i]);
      scaled_cos[i] = factor * cs.cos[i];
      scaled_sin[i] = factor * cs.sin[i];
    }
    for (std::size_t h = 0; h < heads; ++h) {
      const std::size_t row = (t * heads + h) * d;
      for (std::size_t dim = 0; dim < d; ++dim) {
        if (spec.rotates(dim)) continue;
        // σ = 1 keeps x itself, bit for bit (a NaN's sign too, which MPFR does not carry).
        const Real y = exact_pass_through(x[row + dim], sigma);
        if (sigma != 1) r.expected[row + dim] = static_cast<double>(y);
        if (rounded_to) r.expected_bits[row + dim] = round_to_bits(y, *rounded_to);
      }
      for (std::size_t i = 0; i < pairs; ++i) {
        const auto [ia, ib] = pair_dims(spec, i);
        const auto [new_a, new_b] = exact_pair_values(x[row + ia], x[row + ib], scaled_cos[i], scaled_sin[i]);
        r.expected[row + ia] = static_cast<double>(new_a);
        r.expected[row + ib] = static_cast<double>(new_b);
        if (rounded_to) {
          r.expected_bits[row + ia] = round_to_bits(new_a, *rounded_to);
          r.expected_bits[row + ib] = round_to_bits(new_b, *rounded_to);
        }
      }
    }
  }
  return r;
}

}  // namespace ropecheck::reference
