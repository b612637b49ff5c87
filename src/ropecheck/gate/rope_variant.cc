#include "ropecheck/gate/rope_variant.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/numeric/ulp.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/position_scale.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::gate {
namespace {

double rounded_to(double v, const std::optional<Dtype>& dtype) {
  if (!dtype || !std::isfinite(v)) return v;
  return static_cast<double>(
      reference::decode_exact(reference::round_to_bits(reference::Real(v), *dtype), *dtype));
}

// Truncation to a dtype moves y toward zero by less than one ulp, so a truncated candidate
// lies within half an ulp of y − ½ulp·sign(y), just as a correctly rounded one lies within
// half an ulp of y: the same bound then fits the one and rejects the other.
// A y the dtype holds exactly is its own truncation.
double truncation_centre(double y, Dtype dtype) {
  if (!std::isfinite(y) || rounded_to(y, dtype) == y) return y;
  return y - std::copysign(0.5 * numeric::ulp_at(y, dtype), y);
}

// llama3's band rule (reference/frequencies.cc) with the smooth factor as a community port
// wrote it: (L/λ)/high − low, which leaves the band's ends discontinuous and can go negative.
double unparenthesized_llama3(double theta, const Scaling& s) {
  const double factor = *s.factor, low = *s.low_freq_factor, high = *s.high_freq_factor;
  const double context = *s.original_max_position_embeddings;
  const double wavelength = 2 * std::numbers::pi / theta;
  if (wavelength < context / high) return theta;
  if (wavelength > context / low) return theta / factor;
  const double smooth = context / wavelength / high - low;
  return (1 - smooth) * theta / factor + smooth * theta;
}

// The position the variant reads for golden position p: shifted, stored in int16 (two's
// complement wrap), then looked up in a cache of L rows (wrapped or clamped).
double variant_position(std::int64_t p, const RopeVariant& v) {
  p += v.position_shift;
  if (v.positions_wrap_int16) p = ((p + 32768) % 65536 + 65536) % 65536 - 32768;
  if (v.cache_length && p >= *v.cache_length) p = v.cache_wraps ? p % *v.cache_length : *v.cache_length - 1;
  return static_cast<double>(p);
}

// The angle a fast sin/cos really evaluates for a float32 angle φ: φ·(1/2π) rounded to
// float32 (both operands float32), its fractional part, times 2π. The relative error of
// that product (≤ 2^-23 with the rounding of 1/2π) is lost in turns of φ: |φ|·2^-23 rad.
double fast_trig_angle(double angle) {
  const float turns = static_cast<float>(angle) * static_cast<float>(0.5 / std::numbers::pi);
  const double fraction = static_cast<double>(turns) - std::nearbyint(static_cast<double>(turns));
  return 2 * std::numbers::pi * fraction;
}

// θ_i for i < rotary_dim/2 as the variant's spec gives them: base^(−2i/theta_dim) scaled
// by the variant's scaling (applied twice: the per-pair factor ρ_i squared). theta_dim ≥
// rotary_dim; a per-pair factor list (longrope) must have theta_dim/2 entries.
std::vector<double> variant_thetas(const RopeSpec& golden_spec, const RopeVariant& v) {
  RopeSpec spec = golden_spec;
  spec.base = v.base;
  spec.rotary_dim = v.theta_dim;
  spec.rotary_offset = 0;  // θ_i do not depend on where the rotated dims sit
  spec.head_dim = std::max(spec.head_dim, spec.rotary_dim);
  spec.scaling = v.scaling;
  validate(spec);
  std::vector<double> thetas;
  if (v.llama3_unparenthesized_smooth) {
    spec.scaling = Scaling{};
    for (const reference::Real& t : reference::frequencies<reference::Real>(spec)) {
      thetas.push_back(unparenthesized_llama3(static_cast<double>(t), v.scaling));
    }
    thetas.resize(v.rotary_dim / 2);
    return thetas;
  }
  for (const reference::Real& t : reference::frequencies<reference::Real>(spec)) thetas.push_back(static_cast<double>(t));
  if (v.scaling_twice) {
    spec.scaling = Scaling{};
    const std::vector<reference::Real> unscaled = reference::frequencies<reference::Real>(spec);
    for (std::size_t i = 0; i < thetas.size(); ++i) thetas[i] *= thetas[i] / static_cast<double>(unscaled[i]);
  }
  thetas.resize(v.rotary_dim / 2);
  return thetas;
}

// The golden's positions [T][A] as `how` reads them (PositionsRead).
std::vector<std::int64_t> positions_read(const golden::Golden& g, PositionsRead how) {
  std::vector<std::int64_t> p = g.positions;
  const std::size_t axes = g.axes, row_length = g.tokens / g.batch_rows;
  for (std::size_t t = 0; t < g.tokens; ++t) {
    std::int64_t* token = &p[t * axes];
    switch (how) {
      case PositionsRead::as_given: break;
      case PositionsRead::height_width_swapped:
        if (axes >= 2) std::swap(token[axes - 2], token[axes - 1]);
        break;
      case PositionsRead::first_component: std::fill(token, token + axes, token[0]); break;
      case PositionsRead::token_index: std::fill(token, token + axes, static_cast<std::int64_t>(t % row_length)); break;
      case PositionsRead::batch_row_0: {
        const std::size_t source = t % row_length;
        std::copy(&g.positions[source * axes], &g.positions[(source + 1) * axes], token);
        break;
      }
    }
  }
  return p;
}

}  // namespace

RopeVariant RopeVariant::of(const golden::Golden& g) {
  RopeVariant v;
  v.layout = g.spec.layout;
  v.rotary_dim = g.spec.rotary_dim;
  v.rotary_offset = g.spec.rotary_offset;
  v.theta_dim = g.spec.rotary_dim;
  v.base = g.spec.base;
  v.scaling = g.spec.scaling;
  v.attention_factor = static_cast<double>(reference::attention_factor<reference::Real>(g.spec));
  if (scales_positions(g.spec)) v.position_scale = g.spec.position_scale;
  v.first_axis = v.second_axis = pair_axes(g.spec);
  return v;
}

VariantOutput evaluate_variant(const golden::Golden& g, const RopeVariant& v) {
  const std::size_t d = g.spec.head_dim, pairs = v.rotary_dim / 2;
  if (v.rotary_offset > d || v.rotary_dim > d - v.rotary_offset) {
    throw InvalidInput(fmt::format("variant: rotary_offset {} + rotary_dim {} exceeds head_dim {}", v.rotary_offset,
                                   v.rotary_dim, d));
  }
  VariantOutput out;
  out.y = g.x;  // pass-through dims
  out.cos.resize(g.tokens * pairs);
  out.sin.resize(g.tokens * pairs);
  std::vector<double> thetas = variant_thetas(g.spec, v);
  out.thetas = thetas;
  for (double& theta : thetas) theta = rounded_to(theta, v.thetas_in);
  out.position_scale.assign(g.tokens, 1);
  const std::size_t axes = g.axes;
  // One axis: every pair reads m, whatever pair count the variant rotates.
  if (axes > 1 && (v.first_axis.size() != pairs || v.second_axis.size() != pairs)) {
    throw InvalidInput(fmt::format("variant: {} pairs with {} and {} pair axes", pairs, v.first_axis.size(),
                                   v.second_axis.size()));
  }
  const std::vector<std::int64_t> read = positions_read(g, v.positions_read);
  // The position component c of token t as the variant reads it.
  const auto at = [&](std::size_t t, std::size_t c) { return rounded_to(variant_position(read[t * axes + c], v), v.positions_in); };
  std::vector<double> cos_second(pairs), sin_second(pairs);  // the second elements' own trig
  for (std::size_t t = 0; t < g.tokens; ++t) {
    const double m = at(t, 0);
    // σ at the position the variant reads; outside its domain (a shift below −offset) HF's
    // log(0) would give −Inf, and such a variant is left unscaled there instead.
    double sigma = 1;
    if (v.position_scale && std::isfinite(m) && m + static_cast<double>(v.position_scale->position_offset) >= 0) {
      sigma = reference::position_scale_double(*v.position_scale, static_cast<std::int64_t>(m));
    }
    out.position_scale[t] = sigma;
    const double factor = sigma * v.attention_factor;  // the row's factor, once per token
    const auto trig = [&](double position, std::size_t i, double& c, double& s) {
      double angle = rounded_to(position * thetas[i], v.angles_in);
      if (v.fast_trig_unreduced) angle = fast_trig_angle(angle);
      if (v.reverse) angle = -angle;
      c = rounded_to(std::cos(angle), v.table_in);
      s = rounded_to(std::sin(angle), v.table_in);
    };
    for (std::size_t i = 0; i < pairs; ++i) {
      trig(axes == 1 ? m : at(t, v.first_axis[i]), i, out.cos[t * pairs + i], out.sin[t * pairs + i]);
      cos_second[i] = out.cos[t * pairs + i];
      sin_second[i] = out.sin[t * pairs + i];
      if (axes > 1 && v.second_axis[i] != v.first_axis[i]) trig(at(t, v.second_axis[i]), i, cos_second[i], sin_second[i]);
    }
    for (std::size_t h = 0; h < g.heads; ++h) {
      const std::size_t row = (t * g.heads + h) * d;
      for (std::size_t i = 0; i < pairs; ++i) {
        auto [ia, ib] = reference::pair_indices(v.layout, v.rotary_dim, i);
        ia += v.rotary_offset;
        ib += v.rotary_offset;
        const double c = factor * out.cos[t * pairs + i];
        const double s = factor * out.sin[t * pairs + i];
        const double c_b = factor * cos_second[i];
        const double s_b = factor * sin_second[i];
        const double a = g.x[row + ia], b = g.x[row + ib];
        const double new_a = a * c - b * s;
        const double new_b = b * c_b + (v.in_place_update ? new_a : a) * s_b;
        auto [oa, ob] = std::pair{ia, ib};
        if (v.output_in_other_pair_order) {
          const auto [other_a, other_b] = reference::pair_indices(
              v.layout == Layout::interleaved ? Layout::half_split : Layout::interleaved, v.rotary_dim, i);
          oa = other_a + v.rotary_offset;
          ob = other_b + v.rotary_offset;
        }
        out.y[row + oa] = new_a;
        out.y[row + ob] = new_b;
      }
      for (std::size_t k = 0; k < d; ++k) {
        if (k < v.rotary_offset || k >= v.rotary_offset + v.rotary_dim) out.y[row + k] *= sigma;
      }
    }
  }
  for (std::size_t k = 0; k < out.y.size(); ++k) {
    const bool rotary = k % d >= v.rotary_offset && k % d < v.rotary_offset + v.rotary_dim;
    if (rotary) out.y[k] *= v.output_scale;
    if (v.truncate_output) out.y[k] = truncation_centre(out.y[k], g.output_dtype);
  }
  return out;
}

}  // namespace ropecheck::gate
