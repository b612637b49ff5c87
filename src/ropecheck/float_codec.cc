#include "ropecheck/float_codec.h"

#include <bit>
#include <cmath>
#include <limits>

namespace ropecheck {
namespace {

double f16_to_double(std::uint16_t h) {
  const bool negative = (h & 0x8000U) != 0;
  const unsigned exponent = (h >> 10) & 0x1FU;
  const std::uint64_t mantissa = h & 0x3FFU;
  std::uint64_t bits = 0;
  if (exponent == 0x1FU) {
    // Inf or NaN: the payload moves to the top of the f64 mantissa.
    bits = (std::uint64_t{0x7FF} << 52) | (mantissa << 42);
  } else if (exponent != 0) {
    bits = (std::uint64_t{exponent - 15U + 1023U} << 52) | (mantissa << 42);
  } else {
    // Subnormal: mantissa · 2^-24, an exact double.
    const double magnitude = std::ldexp(static_cast<double>(mantissa), -24);
    return negative ? -magnitude : magnitude;
  }
  if (negative) bits |= std::uint64_t{1} << 63;
  return std::bit_cast<double>(bits);
}

// The f16 bits of v, or nullopt when v is not exactly an f16.
std::optional<std::uint16_t> exact_f16(double v) {
  const std::uint16_t sign = std::signbit(v) ? 0x8000U : 0U;
  if (std::isnan(v)) return static_cast<std::uint16_t>(sign | 0x7E00U);
  if (std::isinf(v)) return static_cast<std::uint16_t>(sign | 0x7C00U);
  const double a = std::fabs(v);
  if (a == 0.0) return sign;
  const int k = std::ilogb(a);  // 2^k ≤ a < 2^(k+1)
  if (k > 15) return std::nullopt;
  // Scaling by a power of two is exact here, so `scaled` is an integer iff v is an f16.
  const double scaled = k >= -14 ? std::ldexp(a, 10 - k) : std::ldexp(a, 24);
  if (scaled != std::floor(scaled)) return std::nullopt;
  const auto m = static_cast<std::uint16_t>(scaled);
  if (k < -14) return static_cast<std::uint16_t>(sign | m);  // subnormal: m < 2^10
  return static_cast<std::uint16_t>(sign | (static_cast<unsigned>(k + 15) << 10) | (m - 0x400U));
}

// The f32 bits of v, or nullopt when v is not exactly an f32.
std::optional<std::uint32_t> exact_f32(double v) {
  if (std::isnan(v)) return std::signbit(v) ? 0xFFC00000U : 0x7FC00000U;
  // Converting a finite double beyond the float range is undefined behaviour.
  if (std::isfinite(v) && std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max())) return std::nullopt;
  const auto f = static_cast<float>(v);
  if (static_cast<double>(f) != v) return std::nullopt;
  return std::bit_cast<std::uint32_t>(f);
}

std::optional<std::uint16_t> exact_bf16(double v) {
  if (std::isnan(v)) return static_cast<std::uint16_t>(std::signbit(v) ? 0xFFC0U : 0x7FC0U);
  const auto bits = exact_f32(v);
  if (!bits || (*bits & 0xFFFFU) != 0) return std::nullopt;
  return static_cast<std::uint16_t>(*bits >> 16);
}

}  // namespace

double decode_bits(std::uint64_t bits, Dtype dtype) {
  switch (dtype) {
    case Dtype::f64: return std::bit_cast<double>(bits);
    case Dtype::f32: return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(bits)));
    case Dtype::bf16: return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>((bits & 0xFFFFU) << 16)));
    case Dtype::f16: return f16_to_double(static_cast<std::uint16_t>(bits));
  }
  return std::numeric_limits<double>::quiet_NaN();
}

std::optional<std::uint64_t> exact_bits(double v, Dtype dtype) {
  switch (dtype) {
    case Dtype::f64: return std::bit_cast<std::uint64_t>(v);
    case Dtype::f32: return exact_f32(v);
    case Dtype::bf16: return exact_bf16(v);
    case Dtype::f16: return exact_f16(v);
  }
  return std::nullopt;
}

}  // namespace ropecheck
