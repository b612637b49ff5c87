#include "ropecheck/numeric/measure.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "ropecheck/errors.h"
#include "ropecheck/numeric/ulp.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/forms.h"

namespace ropecheck::numeric {

namespace {
constexpr double kInfinity = std::numeric_limits<double>::infinity();
}  // namespace
namespace {

// Whether token t's output is multiplied by a position scale σ ≠ 1 (its pass-through dims
// then carry a rounding error like the rotated ones).
bool scaled_token(const reference::ExactRope& exact, std::size_t t) {
  return t < exact.position_scale.size() && exact.position_scale[t] != 1;
}

// The position component an element's angle reads: pair i's axis a(i) for a rotated dim
// (position_axes.h), component 0 for a pass-through dim.
std::int64_t position_of_dim(const reference::ExactRope& exact, std::size_t token, std::size_t dim) {
  const RopeSpec& spec = exact.spec;
  std::size_t axis = 0;
  if (exact.axes > 1 && spec.rotates(dim)) {
    axis = axis_of_pair(spec, reference::pair_of_dim(spec.layout, spec.rotary_dim, dim - spec.rotary_offset));
  }
  return exact.positions[token * exact.axes + axis];
}

bool same_value(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
}

double ratio_to_bound(double candidate, double exact, double bound) {
  if (std::isnan(exact) || std::isnan(candidate) || std::isinf(exact) || std::isinf(candidate)) {
    return same_value(candidate, exact) ? 0.0 : kInfinity;
  }
  const double error = std::fabs(candidate - exact);
  if (error == 0) return 0.0;
  return bound > 0 ? error / bound : kInfinity;
}

}  // namespace

namespace {

// The one measuring loop: each element's error under every model, `each` (if any) seeing
// model 0's. The element's position and pair terms and its ulp error (per output dtype)
// are formed once for all the models.
void measure_into(const reference::ExactRope& exact, std::span<const double> candidate,
                  std::span<const ErrorModel> models, std::span<ErrorStats> stats,
                  const std::function<void(const ElementError&)>& each, std::size_t token_begin,
                  std::size_t token_end) {
  if (candidate.size() != exact.expected.size()) {
    throw InvalidInput(fmt::format("candidate has {} elements, the reference {}", candidate.size(),
                                   exact.expected.size()));
  }
  const RopeSpec& spec = exact.spec;
  const std::size_t d = spec.head_dim;
  for (std::size_t t = token_begin; t < std::min(token_end, exact.tokens); ++t) {
    const bool scaled = scaled_token(exact, t);
    for (std::size_t h = 0; h < exact.heads; ++h) {
      const std::size_t row = (t * exact.heads + h) * d;
      for (std::size_t dim = 0; dim < d; ++dim) {
        const double got = candidate[row + dim];
        const double want = exact.expected[row + dim];
        ElementError e;
        e.where = {t, h, dim, position_of_dim(exact, t, dim)};
        e.candidate = got;
        e.exact = want;
        const bool pass_through = !spec.rotates(dim) && !scaled;
        std::optional<PairTerms> terms;
        std::optional<Dtype> ulps_in;
        for (std::size_t k = 0; k < models.size(); ++k) {
          const ErrorModel& model = models[k];
          if (pass_through) {
            e.ulps = same_value(got, want) ? 0.0 : kInfinity;
            e.ratio = e.ulps;
          } else if (std::isinf(got) && std::isfinite(want) && rounds_to_infinity(want, model.output) &&
                     std::signbit(got) == std::signbit(want)) {
            // The correctly rounded result of an overflowing element: nothing to measure.
            e.ulps = 0;
            e.ratio = 0;
            ulps_in.reset();
          } else {
            if (ulps_in != model.output) {
              e.ulps = ulp_error(got, want, model.output);
              ulps_in = model.output;
            }
            if (!terms) terms = pair_terms(exact, t, h, dim);
            e.ratio = ratio_to_bound(got, want, element_bound(model, want, *terms));
          }
          stats[k].add(e);
          if (k == 0 && each) each(e);
        }
      }
    }
  }
}

}  // namespace

ErrorStats measure(const reference::ExactRope& exact, std::span<const double> candidate,
                   const ErrorModel& model, const std::function<void(const ElementError&)>& each) {
  ErrorStats stats;
  measure_into(exact, candidate, std::span(&model, 1), std::span(&stats, 1), each, 0, exact.tokens);
  return stats;
}

std::vector<ErrorStats> measure(const reference::ExactRope& exact, std::span<const double> candidate,
                                std::span<const ErrorModel> models, std::size_t token_begin, std::size_t token_end) {
  std::vector<ErrorStats> stats(models.size());
  measure_into(exact, candidate, models, stats, nullptr, token_begin, token_end);
  return stats;
}

PairTerms pair_terms(const reference::ExactRope& exact, std::size_t token, std::size_t head, std::size_t dim) {
  const RopeSpec& spec = exact.spec;
  const std::size_t row = (token * exact.heads + head) * spec.head_dim;
  PairTerms pair;
  pair.position_scaled = scaled_token(exact, token);
  const double sigma = pair.position_scaled ? exact.position_scale[token] : 1;
  if (!spec.rotates(dim)) {  // a scaled pass-through dim: σ·x, a rotation by angle 0
    pair.position = static_cast<double>(exact.positions[token * exact.axes]);
    pair.a = exact.x[row + dim];
    pair.attention = sigma;
    pair.theta = 0;
    return pair;
  }
  const std::size_t i = reference::pair_of_dim(spec.layout, spec.rotary_dim, dim - spec.rotary_offset);
  const auto [ia, ib] = reference::pair_dims(spec, i);
  pair.position = static_cast<double>(exact.positions[token * exact.axes + (exact.axes > 1 ? axis_of_pair(spec, i) : 0)]);
  pair.a = exact.x[row + ia];
  pair.b = exact.x[row + ib];
  pair.cos = exact.cos[token * spec.pairs() + i];
  pair.sin = exact.sin[token * spec.pairs() + i];
  pair.attention = exact.attention_factor * sigma;
  pair.theta = i < exact.thetas.size() ? exact.thetas[i] : 0;
  pair.pair = frequency_index_of_pair(spec, i);  // the exponent 2k/R its θ̂ was formed with
  pair.second = dim == ib;
  return pair;
}

}  // namespace ropecheck::numeric
