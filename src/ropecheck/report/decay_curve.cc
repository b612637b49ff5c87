#include "ropecheck/report/decay_curve.h"

#include "ropecheck/golden/case_inputs.h"
#include "ropecheck/reference/abel.h"

namespace ropecheck::report {

DecayCurve decay_curve(std::size_t rotary_dim, double base, std::uint64_t seed, const std::vector<std::int64_t>& distances) {
  using reference::Real;
  DecayCurve curve;
  curve.rotary_dim = rotary_dim;
  curve.base = base;
  curve.seed = seed;
  golden::GoldenCase c;
  c.spec.head_dim = c.spec.rotary_dim = rotary_dim;
  c.spec.base = base;
  c.heads = 1;
  c.seed = seed;
  const std::vector<std::int64_t> two_tokens{0, 0};  // q and k: two head vectors
  const std::vector<double> x = golden::case_inputs(c, two_tokens);
  reference::Vector<Real> q, k;
  for (std::size_t i = 0; i < rotary_dim; ++i) {
    q.push_back(Real(x[i]));
    k.push_back(Real(x[rotary_dim + i]));
  }
  for (const std::int64_t delta : distances) {
    const Real d(static_cast<double>(delta));
    const reference::DecayPoint<Real> point = reference::decay_point<Real>(rotary_dim, base, d);
    const reference::AbelTerms<Real> terms = reference::abel_terms<Real>(c.spec, q, k, d);
    curve.distance.push_back(delta);
    curve.f.push_back(static_cast<double>(point.f));
    curve.abel_bound.push_back(static_cast<double>(reference::abel_bound(terms)));
    curve.score.push_back(static_cast<double>(Real(real(reference::abel_direct_sum(terms)))));
  }
  return curve;
}

}  // namespace ropecheck::report
