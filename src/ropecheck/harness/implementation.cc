#include "ropecheck/harness/implementation.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace ropecheck::harness {
namespace {

template <class T>
bool contains(const std::vector<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool Implementation::supports(Dtype dtype) const { return contains(capabilities().dtypes, dtype); }

void Implementation::apply_qk(const RopeCall& q, const RopeCall& k, void* q_out, void* k_out) const {
  apply(q, q_out);
  apply(k, k_out);
}

std::optional<std::string> outside_capabilities(const Capabilities& c, const RopeCall& call) {
  if (!contains(c.dtypes, call.dtype)) return fmt::format("it does not declare dtype {}", to_string(call.dtype));
  if (call.spec.rotary_dim > 0 && !contains(c.layouts, call.spec.layout)) {
    return fmt::format("it does not declare layout {}", to_string(call.spec.layout));
  }
  if (!contains(c.scaling_types, call.spec.scaling.type)) {
    return fmt::format("it does not declare scaling type {}", to_string(call.spec.scaling.type));
  }
  if (call.spec.position_scale && !c.position_scale) return std::string("it does not declare position_scale");
  if (call.positions.axes > 1 && !c.multi_axis) return std::string("it does not declare multi-axis positions");
  for (const std::int64_t m : call.positions.values) {
    if (m > c.max_position) return fmt::format("position {} is above its max_position {}", m, c.max_position);
  }
  if (call.in_place && !c.in_place) return std::string("it does not declare an in-place path");
  return std::nullopt;
}

std::vector<unsigned char> pack_dense(const RopeCall& call) {
  const std::size_t bytes = storage_bytes(call.dtype);
  const std::size_t row = call.row_elements() * bytes;
  const std::size_t tokens = call.positions.tokens();
  std::vector<unsigned char> dense(tokens * row);
  const auto* x = static_cast<const unsigned char*>(call.x);
  for (std::size_t t = 0; t < tokens; ++t) {
    if (row) std::memcpy(&dense[t * row], x + t * call.x_token_stride * bytes, row);
  }
  return dense;
}

}  // namespace ropecheck::harness
