#include "ropecheck/numeric/ulp.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ropecheck::numeric {

namespace {
constexpr double kInfinity = std::numeric_limits<double>::infinity();
}  // namespace

double ulp_at(double y, Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  const double magnitude = std::fabs(y);
  int exponent = f.min_exponent;
  if (std::isfinite(magnitude) && magnitude >= std::ldexp(1.0, f.min_exponent)) {
    exponent = std::ilogb(magnitude);
  } else if (!std::isfinite(magnitude)) {
    exponent = f.max_exponent;
  }
  exponent = std::min(exponent, f.max_exponent);
  return std::ldexp(1.0, exponent - f.precision + 1);
}

double ulp_error(double candidate, double exact, Dtype dtype) {
  if (std::isnan(exact) || std::isnan(candidate)) {
    return std::isnan(exact) && std::isnan(candidate) ? 0.0 : kInfinity;
  }
  if (std::isinf(exact) || std::isinf(candidate)) return candidate == exact ? 0.0 : kInfinity;
  return std::fabs(candidate - exact) / ulp_at(exact, dtype);
}

double unit_roundoff(Dtype dtype) { return std::ldexp(1.0, -format_of(dtype).precision); }

double underflow_half_quantum(Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  return std::ldexp(1.0, f.min_exponent - f.precision);
}

bool rounds_to_infinity(double y, Dtype dtype) {
  const DtypeFormat f = format_of(dtype);
  return std::fabs(y) >= std::ldexp(2.0 - std::ldexp(1.0, -f.precision), f.max_exponent);
}

}  // namespace ropecheck::numeric
