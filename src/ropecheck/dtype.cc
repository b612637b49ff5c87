#include "ropecheck/dtype.h"

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/name_table.h"

namespace ropecheck {
namespace {

constexpr NameTable<Dtype, 4> kDtypeNames{{
    {Dtype::f64, "f64"},
    {Dtype::f32, "f32"},
    {Dtype::bf16, "bf16"},
    {Dtype::f16, "f16"},
}};

}  // namespace

std::string_view to_string(Dtype dtype) { return name_of(kDtypeNames, dtype, "unknown-dtype"); }

Dtype dtype_from_string(std::string_view name) {
  if (const auto dtype = value_named(kDtypeNames, name)) return *dtype;
  throw InvalidInput(
      fmt::format("dtype: '{}' is not one of f64, f32, bf16, f16 (names are lower case)", name));
}

}  // namespace ropecheck
