#include "ropecheck/reference/position_scale.h"

#include <fmt/format.h>

#include <cmath>

#include "ropecheck/errors.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::reference {

std::int64_t position_scale_step(const PositionScale& scale, std::int64_t position) {
  if (position > kMaxScaledPosition || position + scale.position_offset < 0) {
    throw InvalidInput(fmt::format("position {} is outside the position scale's domain [{}, 2^62]", position,
                                   -scale.position_offset));
  }
  return (position + scale.position_offset) / scale.floor_scale;  // both ≥ 0: the floor
}

template <class R> R position_scale(const RopeSpec& spec, std::int64_t position) {
  if (!scales_positions(spec)) return R(1);
  const PositionScale& scale = *spec.position_scale;
  const std::int64_t k = position_scale_step(scale, position);
  if (k == 0) return R(1);
  return R(1) + R(scale.beta) * log(R(1) + R(k));  // 1 + k is exact at reference precision
}

double position_scale_double(const RopeSpec& spec, std::int64_t position) {
  return scales_positions(spec) ? position_scale_double(*spec.position_scale, position) : 1;
}

double position_scale_double(const PositionScale& scale, std::int64_t position) {
  const std::int64_t k = position_scale_step(scale, position);
  if (k == 0) return 1;
  return 1 + scale.beta * std::log1p(static_cast<double>(k));
}

#define ROPECHECK_INSTANTIATE(R) template R position_scale<R>(const RopeSpec&, std::int64_t);
ROPECHECK_FOR_EACH_REAL(ROPECHECK_INSTANTIATE)
#undef ROPECHECK_INSTANTIATE

}  // namespace ropecheck::reference
