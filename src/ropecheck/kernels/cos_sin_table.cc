// Table builders: frequencies at reference precision, the accurate SIMD builder's
// dispatch (cos_sin_table-inl.h), and the framework-style float32 builders.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ropecheck/kernels/cos_sin_table.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ropecheck/kernels/cos_sin_table-inl.h"

#if HWY_ONCE

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "ropecheck/errors.h"
#include "ropecheck/kernels/cos_sin_table.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/position_scale.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::kernels {

HWY_EXPORT(BuildAccurateRows);

namespace {

using reference::Real;

// x rounded to `bits` significant bits (nearest), at reference precision.
Real round_to_significant_bits(const Real& x, int bits) {
  if (x == 0) return x;
  int exponent = 0;
  const Real fraction = frexp(x, &exponent);  // x = fraction·2^exponent, |fraction| ∈ [0.5, 1)
  return ldexp(round(ldexp(fraction, bits)), exponent - bits);
}

struct SplitDouble {
  double hi, mid, lo;
};

// x = hi + mid + lo with hi, mid of ≤ 26 significant bits: m·hi and m·mid are then exact
// in double for |m| < 2^26 (26 + 27 ≤ 53 bits), and lo carries the rest to 2^-105·|x|.
SplitDouble split26(const Real& x) {
  const Real hi = round_to_significant_bits(x, 26);
  const Real mid = round_to_significant_bits(x - hi, 26);
  return {static_cast<double>(hi), static_cast<double>(mid), static_cast<double>(x - hi - mid)};
}

const SplitDouble& half_pi_split() {
  static const SplitDouble split = split26(boost::math::constants::half_pi<Real>());
  return split;
}

double position_scale_of(const TableFrequencies& f, std::int64_t position) {
  return reference::position_scale_double(*f.position_scale, position);
}

void check_positions(const TableFrequencies& f, std::span<const std::int64_t> positions) {
  for (const std::int64_t m : positions) {
    if (std::fabs(static_cast<double>(m)) * f.max_theta >= kAccurateAngleLimit) {
      throw InvalidInput(fmt::format(
          "position {} times max θ {} reaches 2^26 rad, beyond the accurate table's exact angle reduction",
          m, f.max_theta));
    }
  }
}

void build_accurate(const TableFrequencies& f, std::span<const std::int64_t> positions,
                    CosSinTable& table) {
  check_positions(f, positions);
  detail::AccurateTableCall call;
  call.tokens = positions.size();
  call.pairs = f.pairs;
  call.positions = positions.data();
  call.theta_hi = f.theta_hi.data();
  call.theta_mid = f.theta_mid.data();
  call.theta_lo = f.theta_lo.data();
  call.attention_factor = f.attention_factor;
  std::vector<double> row_factor;
  if (f.position_scale) {
    for (const std::int64_t m : positions) row_factor.push_back(f.attention_factor * position_scale_of(f, m));
    call.row_factor = row_factor.data();
  }
  const SplitDouble& half_pi = half_pi_split();
  call.half_pi_1 = half_pi.hi;
  call.half_pi_2 = half_pi.mid;
  call.half_pi_3 = half_pi.lo;
  call.cos = table.cos.data();
  call.sin = table.sin.data();
  HWY_DYNAMIC_DISPATCH(BuildAccurateRows)(call);
}

// The framework modes' f32 factor of a row: s, or s·σ(m) rounded once to f32.
float row_attention(const TableFrequencies& f, std::int64_t position) {
  return static_cast<float>(f.position_scale ? f.attention_factor * position_scale_of(f, position) : f.attention_factor);
}

// cos/sin of a float32 angle, evaluated accurately and rounded once: isolates the error
// of forming the angle in float32, which is what the f32_angle mode is there to show.
float accurate_cos(float angle) { return static_cast<float>(std::cos(static_cast<double>(angle))); }
float accurate_sin(float angle) { return static_cast<float>(std::sin(static_cast<double>(angle))); }

void build_f32_angle(const TableFrequencies& f, std::span<const std::int64_t> positions,
                     CosSinTable& table) {
  std::vector<float> angles(f.pairs);
  for (std::size_t t = 0; t < positions.size(); ++t) {
    const float attention = row_attention(f, positions[t]);
    framework_angles(f, positions[t], TableMode::f32_angle, angles);
    for (std::size_t i = 0; i < f.pairs; ++i) {
      table.cos[t * f.pairs + i] = accurate_cos(angles[i]) * attention;
      table.sin[t * f.pairs + i] = accurate_sin(angles[i]) * attention;
    }
  }
}

void build_f32_recurrence(const TableFrequencies& f, std::span<const std::int64_t> positions,
                          CosSinTable& table) {
  std::vector<float> angles(f.pairs);
  for (std::size_t t = 0; t < positions.size(); ++t) {
    const float attention = row_attention(f, positions[t]);
    framework_angles(f, positions[t], TableMode::f32_recurrence, angles);
    for (std::size_t i = 0; i < f.pairs; ++i) {
      table.cos[t * f.pairs + i] = std::cos(angles[i]) * attention;  // cosf/sinf, as ggml
      table.sin[t * f.pairs + i] = std::sin(angles[i]) * attention;
    }
  }
}

}  // namespace

void framework_angles(const TableFrequencies& f, std::int64_t position, TableMode mode, std::span<float> angles) {
  const float m = static_cast<float>(position);  // torch: position_ids.float(); ggml: theta = p
  if (mode == TableMode::f32_angle) {
    for (std::size_t i = 0; i < f.pairs; ++i) angles[i] = m * f.theta_f32[i];  // torch.outer in f32
    return;
  }
  if (mode != TableMode::f32_recurrence) throw InvalidInput("framework_angles: the accurate mode forms no float32 angles");
  if (!f.geometric) {
    throw InvalidInput("table mode f32_recurrence needs geometric frequencies (scaling none)");
  }
  // ggml: theta_scale = powf(freq_base, -2.0f/n_dims); theta = p; … theta *= theta_scale.
  const float theta_scale = std::pow(static_cast<float>(f.base), -2.0f / static_cast<float>(f.rotary_dim));
  float theta = m;
  for (std::size_t i = 0; i < f.pairs; ++i) {
    angles[i] = theta;
    theta *= theta_scale;
  }
}

bool geometric_frequencies(const RopeSpec& spec) {
  // 2-D vision reorders the frequencies (position_axes.h): no longer one geometric chain.
  return spec.scaling.type == ScalingType::none && !spec.vision_2d;
}

TableFrequencies table_frequencies(const RopeSpec& spec) {
  validate(spec);
  TableFrequencies f;
  f.pairs = spec.pairs();
  f.base = spec.base;
  f.rotary_dim = spec.rotary_dim;
  f.geometric = geometric_frequencies(spec);
  f.axes = position_axes(spec);
  f.pair_axis = pair_axes(spec);
  f.attention_factor = static_cast<double>(reference::attention_factor<Real>(spec));
  if (scales_positions(spec)) f.position_scale = spec.position_scale;
  for (const Real& theta : reference::frequencies<Real>(spec)) {
    const SplitDouble split = split26(theta);
    f.theta.push_back(static_cast<double>(theta));
    f.theta_hi.push_back(split.hi);
    f.theta_mid.push_back(split.mid);
    f.theta_lo.push_back(split.lo);
    f.max_theta = std::max(f.max_theta, f.theta.back());
  }
  for (std::size_t i = 0; i < f.pairs; ++i) {
    if (spec.scaling.type == ScalingType::none) {
      // HF: 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim)), all in float32. 2-D
      // vision takes entry k(i) of that list (Qwen-VL's dim R/2 gives 2j/(R/2), the same
      // correctly rounded quotient as 4j/R).
      const std::size_t k = frequency_index_of_pair(spec, i);
      const float exponent = static_cast<float>(2 * k) / static_cast<float>(spec.rotary_dim);
      f.theta_f32.push_back(1.0f / std::pow(static_cast<float>(spec.base), exponent));
    } else {
      f.theta_f32.push_back(static_cast<float>(f.theta[i]));
    }
  }
  return f;
}

namespace {

void build_single_axis(const TableFrequencies& freqs, std::span<const std::int64_t> positions, TableMode mode,
                       CosSinTable& table) {
  table.tokens = positions.size();
  table.pairs = freqs.pairs;
  table.cos.resize(table.tokens * table.pairs);
  table.sin.resize(table.tokens * table.pairs);
  table.scale.clear();
  if (freqs.position_scale) {
    for (const std::int64_t m : positions) table.scale.push_back(static_cast<float>(position_scale_of(freqs, m)));
  }
  switch (mode) {
    case TableMode::accurate: build_accurate(freqs, positions, table); return;
    case TableMode::f32_angle: build_f32_angle(freqs, positions, table); return;
    case TableMode::f32_recurrence: build_f32_recurrence(freqs, positions, table); return;
  }
}

}  // namespace

void build_table(const TableFrequencies& freqs, PositionsView positions, TableMode mode, CosSinTable& table) {
  if (positions.axes != freqs.axes || positions.values.size() % freqs.axes != 0) {
    throw InvalidInput(fmt::format("table: {} position values with {} axes per token, the spec needs {}",
                                   positions.values.size(), positions.axes, freqs.axes));
  }
  if (freqs.axes == 1) {
    build_single_axis(freqs, positions.values, mode, table);
    return;
  }
  // Each component as a token of its own (HF's per-axis cos/sin), then the gather.
  CosSinTable components;
  build_single_axis(freqs, positions.values, mode, components);
  const std::size_t tokens = positions.tokens(), pairs = freqs.pairs, axes = freqs.axes;
  table.tokens = tokens;
  table.pairs = pairs;
  table.cos.resize(tokens * pairs);
  table.sin.resize(tokens * pairs);
  table.scale.clear();  // no position scale with several axes (validate_position_axes)
  for (std::size_t t = 0; t < tokens; ++t) {
    for (std::size_t i = 0; i < pairs; ++i) {
      const std::size_t source = (t * axes + freqs.pair_axis[i]) * pairs + i;
      table.cos[t * pairs + i] = components.cos[source];
      table.sin[t * pairs + i] = components.sin[source];
    }
  }
}

CosSinTable build_table(const RopeSpec& spec, PositionsView positions, TableMode mode) {
  CosSinTable table;
  build_table(table_frequencies(spec), positions, mode, table);
  return table;
}

std::string_view to_string(TableMode mode) {
  switch (mode) {
    case TableMode::accurate: return "accurate";
    case TableMode::f32_angle: return "f32_angle";
    case TableMode::f32_recurrence: return "f32_recurrence";
  }
  return "?";
}

}  // namespace ropecheck::kernels

#endif  // HWY_ONCE
