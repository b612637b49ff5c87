#include "ropecheck/props/shipped_bug_cases.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "ropecheck/position_axes.h"

namespace ropecheck::props {
namespace {


// `count` positions built from a drawn list: cycled, each pass shifted by one, clamped to
// the ordinary domain, so tokens differ and stay below 2^24.
std::vector<std::int64_t> spread_positions(const std::vector<std::int64_t>& drawn, std::size_t count) {
  std::vector<std::int64_t> positions;
  positions.reserve(count);
  for (std::size_t t = 0; t < count; ++t) {
    const std::int64_t m = drawn[t % drawn.size()] + static_cast<std::int64_t>(t / drawn.size());
    positions.push_back(std::min(m, kOrdinaryPositionLimit - 1));
  }
  return positions;
}

}  // namespace

rc::Gen<KernelCase> gen_high_position_case(Dtype dtype) {
  return rc::gen::exec([dtype] {
    KernelCase c = *gen_kernel_case(dtype, 64, gen_kernel_spec());
    const int exponent = *rc::gen::element(15, 16, 31, 32);
    c.spec.base = std::pow(10.0, 4 + *rc::gen::inRange(0, 3001) / 1000.0);
    const std::int64_t boundary = std::int64_t{1} << exponent;
    // At and across the boundary always; up to three more tokens within 4 of it.
    c.positions = {boundary - 1, boundary};
    for (const int d : *rc::gen::container<std::vector<int>>(rc::gen::inRange(-4, 5))) {
      if (c.positions.size() < 5) c.positions.push_back(boundary + d);
    }
    return c;
  });
}

rc::Gen<KernelCase> gen_many_heads_case(Dtype dtype) {
  return rc::gen::exec([dtype] {
    KernelCase c = *gen_kernel_case(dtype, kOrdinaryPositionLimit, gen_kernel_spec());
    std::size_t heads = *rc::gen::element<std::size_t>(1, 2, 3, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 40);
    std::size_t tokens = 0;
    if (*rc::gen::inRange(0, 16) == 0) {
      // Past vLLM #51049's threshold: tokens × heads ≥ 10240, with narrow heads.
      c.spec.head_dim = c.spec.rotary_dim = *rc::gen::element<std::size_t>(2, 4);
      c.spec.rotary_offset = 0;
      heads = std::max<std::size_t>(heads, 8);
      tokens = (kManyRowsThreshold + heads - 1) / heads;
    } else {
      heads = std::min(heads, std::max<std::size_t>(1, kMaxManyHeadsElements / c.spec.head_dim));
      tokens = std::min<std::size_t>(*rc::gen::inRange<std::size_t>(1, 25),
                                     std::max<std::size_t>(1, kMaxManyHeadsElements / (heads * c.spec.head_dim)));
    }
    c.heads = heads;
    c.positions = spread_positions(c.positions, tokens);
    return c;
  });
}

rc::Gen<KernelCase> gen_fused_qkv_case(Dtype dtype) {
  return rc::gen::exec([dtype] {
    KernelCase c = *gen_kernel_case(dtype, kOrdinaryPositionLimit, gen_kernel_spec());
    const std::size_t kv_heads = *rc::gen::element<std::size_t>(1, 2, 4);
    std::size_t group = *rc::gen::inRange<std::size_t>(1, 5);
    while (group > 1 && kv_heads * group * c.spec.head_dim > kMaxManyHeadsElements / 2) --group;
    c.heads = kv_heads * group;
    c.stride_padding = 2 * kv_heads * c.spec.head_dim;  // the k and v heads after q
    return c;
  });
}

rc::Gen<KernelCase> gen_two_layout_case(Dtype dtype) {
  return rc::gen::map(gen_kernel_case(dtype, kOrdinaryPositionLimit, gen_kernel_spec()), [](KernelCase c) {
    if (c.spec.rotary_dim < 4) {
      c.spec.rotary_dim = 4;
      c.spec.head_dim = std::max<std::size_t>(c.spec.head_dim, 4 + c.spec.rotary_offset);
    }
    return c;
  });
}

rc::Gen<KernelCase> gen_gqa_case(Dtype dtype) {
  return rc::gen::exec([dtype] {
    KernelCase c = *gen_kernel_case(dtype, kOrdinaryPositionLimit, gen_kernel_spec());
    c.kv_heads = *rc::gen::element<std::size_t>(1, 2, 4, 8);
    std::size_t group = *rc::gen::inRange<std::size_t>(1, 9);
    while (group > 1 && (group + 1) * c.kv_heads * c.spec.head_dim > kMaxManyHeadsElements) --group;
    c.heads = group * c.kv_heads;
    c.stride_padding = 0;
    c.in_place = false;
    return c;
  });
}

}  // namespace ropecheck::props
