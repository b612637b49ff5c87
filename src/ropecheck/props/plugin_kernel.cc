#include "ropecheck/props/plugin_kernel.h"

#include <cstring>
#include <vector>

namespace ropecheck::props {

KernelUnderTest plugin_kernel(std::shared_ptr<const harness::Plugin> plugin) {
  KernelUnderTest k;
  k.name = "plugin " + plugin->name();
  // K is the same for fused and unfused arithmetic (numeric/error_model.h).
  k.arithmetic = numeric::Arithmetic::fused;
  k.rotate = [plugin](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                      kernels::ConstTensor in, kernels::MutableTensor out) {
    const std::size_t bytes = storage_bytes(in.dtype);
    const std::size_t row = heads * spec.head_dim;
    const std::size_t in_stride = in.token_stride ? in.token_stride : row;
    const std::size_t out_stride = out.token_stride ? out.token_stride : row;
    std::vector<unsigned char> x(positions.tokens() * row * bytes), y(x.size());
    const auto* src = static_cast<const unsigned char*>(in.data);
    auto* dst = static_cast<unsigned char*>(out.data);
    for (std::size_t t = 0; t < positions.tokens(); ++t) std::memcpy(&x[t * row * bytes], src + t * in_stride * bytes, row * bytes);
    const bool in_place = in.data == out.data;
    plugin->apply(spec, in.dtype, heads, positions, x.data(), in_place ? x.data() : y.data());
    const std::vector<unsigned char>& result = in_place ? x : y;
    for (std::size_t t = 0; t < positions.tokens(); ++t) {
      std::memcpy(dst + t * out_stride * bytes, &result[t * row * bytes], row * bytes);
    }
  };
  return k;
}

}  // namespace ropecheck::props
