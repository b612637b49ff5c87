#include "ropecheck/props/bug_variants.h"

#include "ropecheck/dtype.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::props::bugs {

// Wrong variants of the reference's own algebra, written in its terms.
using namespace ropecheck::reference;

Matrix<Real> rotation_matrix_in_place_update(const RopeSpec& spec, const Real& position) {
  Matrix<Real> m = identity_matrix<Real>(spec.head_dim);
  const CosSin<Real> cs = cos_sin<Real>(spec, position);
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const auto [a, b] = pair_indices(spec.layout, spec.rotary_dim, i);
    const Real& c = cs.cos[i];
    const Real& s = cs.sin[i];
    // b' = s·(c·a − s·b) + c·b = s·c·a + (c − s²)·b
    m(a, a) = c;
    m(a, b) = -s;
    m(b, a) = s * c;
    m(b, b) = c - s * s;
  }
  return m;
}

Vector<Real> apply_in_place_update(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  return multiply(rotation_matrix_in_place_update(spec, position), x);
}

Matrix<Real> rotation_matrix_attention_twice(const RopeSpec& spec, const Real& position) {
  Matrix<Real> m = rotation_matrix(spec, position);
  const Real s = attention_factor<Real>(spec);
  for (std::size_t i = 0; i < spec.rotary_dim; ++i) {
    for (std::size_t j = 0; j < spec.rotary_dim; ++j) m(i, j) *= s;
  }
  return m;
}

Vector<Real> apply_attention_twice(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  return multiply(rotation_matrix_attention_twice(spec, position), x);
}

namespace {
RopeSpec with_own_length(const RopeSpec& spec, const Real& position) {
  RopeSpec own = spec;
  if (spec.scaling.type == ScalingType::dynamic) own.scaling.sequence_length = static_cast<double>(abs(position)) + 1;
  return own;
}
}  // namespace

Matrix<Real> rotation_matrix_dynamic_base_per_position(const RopeSpec& spec, const Real& position) {
  return rotation_matrix(with_own_length(spec, position), position);
}

Vector<Real> apply_dynamic_base_per_position(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  return apply_rope(with_own_length(spec, position), position, x);
}

Vector<Real> apply_complex_unscaled(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  RopeSpec unscaled = spec;
  unscaled.scaling = Scaling{};
  Vector<Real> y = apply_complex(unscaled, position, x);
  const Real s = attention_factor<Real>(spec);
  for (std::size_t i = 0; i < spec.rotary_dim; ++i) y[i] *= s;
  return y;
}

Real position_in_bf16(const Real& position) {
  return decode_exact(round_to_bits(position, Dtype::bf16), Dtype::bf16);
}

Matrix<Real> rotation_matrix_bf16_positions(const RopeSpec& spec, const Real& position) {
  return rotation_matrix(spec, position_in_bf16(position));
}

Vector<Real> apply_bf16_positions(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  return apply_rope(spec, position_in_bf16(position), x);
}

Vector<Real> apply_reversed(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  return apply_rope(spec, Real(-position), x);
}

Vector<Real> apply_swapped_layout(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  RopeSpec other = spec;
  other.layout = spec.layout == Layout::interleaved ? Layout::half_split : Layout::interleaved;
  return apply_rope(other, position, x);
}

Vector<Real> apply_rotate_half_swapped_halves(const RopeSpec& spec, const Real& position, const Vector<Real>& x) {
  const CosSin<Real> cs = cos_sin<Real>(spec, position);
  const std::size_t half = spec.pairs();
  Vector<Real> y = x;
  for (std::size_t d = 0; d < spec.rotary_dim; ++d) {
    const std::size_t pair = d % half;
    const Real rotated = d < half ? x[d + half] : Real(-x[d - half]);
    y[d] = x[d] * cs.cos[pair] + rotated * cs.sin[pair];
  }
  return y;
}

Complex<Real> abel_by_parts_shifted_partial_sums(const AbelTerms<Real>& t) {
  Complex<Real> sum(0);
  for (std::size_t i = 0; i < t.phase.size(); ++i) sum += t.S[i] * (t.h[i + 1] - t.h[i]);
  return -sum;
}

Real abel_bound_without_boundary_term(const AbelTerms<Real>& t) {
  Real max_step(0), sum_abs_s(0);
  for (std::size_t i = 0; i < t.phase.size(); ++i) {
    if (i + 1 < t.phase.size()) {
      const Real step = abs(t.h[i + 1] - t.h[i]);
      if (step > max_step) max_step = step;
    }
    sum_abs_s += abs(t.S[i + 1]);
  }
  return max_step * sum_abs_s;
}

DecayPoint<Real> decay_point_exclusive_sums(std::size_t rotary_dim, double base, const Real& distance) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = rotary_dim;
  spec.base = base;
  const std::vector<Real> thetas = frequencies<Real>(spec);
  Complex<Real> partial(0);
  Real total(0);
  for (const Real& theta : thetas) {
    total += abs(partial);  // |S_j| added before S_j gains its last term
    partial += polar(Real(1), distance * theta);
  }
  const Real pairs(static_cast<unsigned>(thetas.size()));
  return {distance, total, total / pairs};
}

std::vector<Real> frequencies_inverted_exponent(std::size_t rotary_dim, double base) {
  std::vector<Real> thetas;
  for (std::size_t i = 0; i < rotary_dim / 2; ++i) {
    thetas.push_back(pow(Real(base), Real(static_cast<unsigned>(2 * i)) / Real(static_cast<unsigned>(rotary_dim))));
  }
  return thetas;
}

}  // namespace ropecheck::props::bugs

namespace ropecheck::props::bugs {
DecayPoint<Real> decay_point_real_exponent(std::size_t rotary_dim, double base, const Real& distance) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = rotary_dim;
  spec.base = base;
  Real partial(0), total(0);
  for (const Real& theta : frequencies<Real>(spec)) {
    partial += exp(distance * theta);
    total += abs(partial);
  }
  const Real pairs(static_cast<unsigned>(rotary_dim / 2));
  return {distance, total, total / pairs};
}
}  // namespace ropecheck::props::bugs
