#include "ropecheck/props/implementation_kernel.h"

#include <cstring>
#include <vector>

namespace ropecheck::props {

KernelUnderTest implementation_kernel(std::shared_ptr<const harness::Implementation> implementation) {
  KernelUnderTest k;
  k.name = std::string(implementation->kind()) + " " + implementation->name();
  // K is the same for fused and unfused arithmetic (numeric/error_model.h).
  k.arithmetic = numeric::Arithmetic::fused;
  k.declared = implementation->capabilities();
  k.rotate = [implementation](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                              kernels::ConstTensor in, kernels::MutableTensor out) {
    const std::size_t bytes = storage_bytes(in.dtype);
    const std::size_t row = heads * spec.head_dim;
    const std::size_t in_stride = in.token_stride ? in.token_stride : row;
    const std::size_t out_stride = out.token_stride ? out.token_stride : row;
    const harness::RopeCall call{spec, in.dtype, heads, positions, in.data, in_stride, in.data == out.data};
    std::vector<unsigned char> result(positions.tokens() * row * bytes);
    implementation->apply(call, result.data());
    auto* dst = static_cast<unsigned char*>(out.data);
    for (std::size_t t = 0; t < positions.tokens(); ++t) {
      if (row) std::memcpy(dst + t * out_stride * bytes, &result[t * row * bytes], row * bytes);
    }
  };
  k.rotate_qk = [implementation](const RopeSpec& spec, PositionsView positions, std::size_t q_heads, std::size_t k_heads,
                                 kernels::ConstTensor q, kernels::MutableTensor q_out, kernels::ConstTensor key,
                                 kernels::MutableTensor k_out) {
    const harness::RopeCall q_call{spec, q.dtype, q_heads, positions, q.data, q_heads * spec.head_dim, false};
    const harness::RopeCall k_call{spec, key.dtype, k_heads, positions, key.data, k_heads * spec.head_dim, false};
    implementation->apply_qk(q_call, k_call, q_out.data, k_out.data);
  };
  return k;
}

}  // namespace ropecheck::props
