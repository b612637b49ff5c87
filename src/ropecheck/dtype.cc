#include "ropecheck/dtype.h"

#include <array>
#include <utility>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck {
namespace {

constexpr std::array<std::pair<Dtype, std::string_view>, 4> kDtypeNames{{
    {Dtype::f64, "f64"},
    {Dtype::f32, "f32"},
    {Dtype::bf16, "bf16"},
    {Dtype::f16, "f16"},
}};

}  // namespace

std::string_view to_string(Dtype dtype) {
  for (const auto& [value, name] : kDtypeNames) {
    if (value == dtype) return name;
  }
  return "unknown-dtype";
}

Dtype dtype_from_string(std::string_view name) {
  for (const auto& [value, known] : kDtypeNames) {
    if (known == name) return value;
  }
  throw InvalidInput(
      fmt::format("dtype: '{}' is not one of f64, f32, bf16, f16 (names are lower case)", name));
}

}  // namespace ropecheck
