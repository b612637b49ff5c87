#include "bench/bench_cases.h"

#include <fmt/format.h>

namespace ropecheck::bench {

std::string_view to_string(Placement placement) {
  switch (placement) {
    case Placement::in_place: return "in_place";
    case Placement::out_of_place: return "out_of_place";
  }
  return "?";
}

RopeSpec bench_spec(Layout layout) {
  RopeSpec spec;
  spec.head_dim = 128;
  spec.rotary_dim = 128;
  spec.layout = layout;
  spec.base = 10000.0;
  return spec;
}

std::string kernel_name(const BenchShape& shape, Dtype dtype, Layout layout, Placement placement) {
  return fmt::format("rope/{}/{}/{}/{}", shape.name, ropecheck::to_string(dtype),
                     ropecheck::to_string(layout), to_string(placement));
}

std::string memcpy_name(const BenchShape& shape, Dtype dtype) {
  return fmt::format("baseline/{}/{}/memcpy", shape.name, ropecheck::to_string(dtype));
}

std::string scale_name(const BenchShape& shape, Dtype dtype) {
  return fmt::format("baseline/{}/{}/scale_in_place", shape.name, ropecheck::to_string(dtype));
}

std::string table_name(kernels::TableMode mode) {
  return fmt::format("table/{}", kernels::to_string(mode));
}

std::string scalar_table_name() { return "table/scalar_sinf_cosf"; }

}  // namespace ropecheck::bench
