#include "ropecheck/golden/case_inputs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "ropecheck/golden/position_grids.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::golden {
namespace {

using reference::Real;

// Uniform in [0, n), n ≤ 2^24: deterministic, biased by less than n/2^64.
std::uint64_t below(std::mt19937_64& rng, std::uint64_t n) { return rng() % n; }

// The value of dtype nearest to x, as a double (exact: every dtype here widens exactly).
double rounded(const Real& x, Dtype dtype) {
  return static_cast<double>(reference::decode_exact(reference::round_to_bits(x, dtype), dtype));
}

// Irwin–Hall(12) − 6: the sum of twelve 53-bit uniforms is an integer below 12·2^53 < 2^57,
// exact in uint64; converting it to double is one IEEE rounding, the same everywhere.
double irwin_hall(std::mt19937_64& rng) {
  std::uint64_t sum = 0;
  for (int k = 0; k < 12; ++k) sum += rng() >> 11;
  return std::ldexp(static_cast<double>(sum), -53) - 6.0;
}

double normal_value(std::mt19937_64& rng, Dtype dtype) { return rounded(Real(irwin_hall(rng)), dtype); }

}  // namespace

std::vector<std::int64_t> case_positions(const GoldenCase& c) {
  const PositionRecipe& p = c.positions;
  if (!p.values.empty()) return p.values;
  if (position_axes(c.spec) > 1) return multi_axis_positions(c.spec, p.max + 1);
  std::vector<std::int64_t> positions;
  if (p.special) {
    std::set<std::int64_t> special;
    for (const std::int64_t m : {0, 1, 2}) special.insert(m);
    for (std::int64_t power = 4; power - 1 <= p.max; power *= 2) {
      for (const std::int64_t m : {power - 1, power, power + 1}) special.insert(m);
    }
    for (const std::int64_t m : special) {
      if (m <= p.max) positions.push_back(m);
    }
  }
  std::mt19937_64 rng(c.seed ^ 0x706f736974696f6eULL);  // "position": a stream apart from the inputs'
  for (std::size_t k = 0; k < p.random; ++k) {
    positions.push_back(static_cast<std::int64_t>(below(rng, static_cast<std::uint64_t>(p.max) + 1)));
  }
  return positions;
}

std::vector<double> edge_values(Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  const double min_subnormal = std::ldexp(1.0, f.min_exponent - f.precision + 1);
  const double max_subnormal = std::ldexp(1.0, f.min_exponent) - min_subnormal;
  const double max_finite = std::ldexp(2.0 - std::ldexp(1.0, 1 - f.precision), f.max_exponent);
  const double inf = std::numeric_limits<double>::infinity();
  return {0.0, -0.0, min_subnormal, -max_subnormal, inf, -inf, std::numeric_limits<double>::quiet_NaN(),
          max_finite, 1.0, -1.5};
}

std::vector<double> case_inputs(const GoldenCase& c, PositionsView positions) { return CaseInputStream(c).next(positions); }

CaseInputStream::CaseInputStream(const GoldenCase& c) : case_(c), rng_(c.seed) {}

std::vector<double> CaseInputStream::next(PositionsView positions) {
  const GoldenCase& c = case_;
  std::mt19937_64& rng = rng_;
  const std::size_t d = c.spec.head_dim, heads = c.heads, pairs = c.spec.pairs(), tokens = positions.tokens();
  std::vector<double> x(tokens * heads * d, 0.0);
  switch (c.inputs) {
    case InputKind::normal:
      for (double& v : x) v = normal_value(rng, c.input_dtype);
      break;
    case InputKind::ones:
      std::fill(x.begin(), x.end(), 1.0);
      break;
    case InputKind::unit:
      for (std::size_t row = 0; row < tokens * heads; ++row) x[row * d + (rows_ + row) % d] = 1.0;
      break;
    case InputKind::cancellation: {
      const std::vector<Real> thetas = reference::frequencies<Real>(c.spec);
      const std::vector<std::size_t> axis = pair_axes(c.spec);
      for (std::size_t t = 0; t < tokens; ++t) {
        const reference::CosSin<Real> cs =
            reference::cos_sin(thetas, axis, positions.token(t));
        for (std::size_t h = 0; h < heads; ++h) {
          double* row = &x[(t * heads + h) * d];
          for (std::size_t i = 0; i < pairs; ++i) {
            const auto [ia, ib] = reference::pair_dims(c.spec, i);
            const Real r(irwin_hall(rng));
            row[ia] = rounded(r * cs.sin[i], c.input_dtype);
            row[ib] = rounded(r * cs.cos[i], c.input_dtype);
          }
          for (std::size_t k = 0; k < d; ++k) {
            if (!c.spec.rotates(k)) row[k] = normal_value(rng, c.input_dtype);
          }
        }
      }
      break;
    }
    case InputKind::edge: {
      const std::vector<double> table = edge_values(c.input_dtype);
      const std::size_t n = table.size();
      std::size_t& pair = edge_pair_;
      std::size_t& pass = edge_pass_;
      for (std::size_t row = 0; row < tokens * heads; ++row) {
        for (std::size_t i = 0; i < pairs; ++i, ++pair) {
          const auto [ia, ib] = reference::pair_dims(c.spec, i);
          x[row * d + ia] = table[pair % n];
          x[row * d + ib] = table[(pair / n) % n];
        }
        for (std::size_t k = 0; k < d; ++k) {
          if (!c.spec.rotates(k)) x[row * d + k] = table[pass++ % n];
        }
      }
      break;
    }
  }
  rows_ += tokens * heads;
  return x;
}

}  // namespace ropecheck::golden
