#include "ropecheck/props/kernel_bug_variants.h"

#include <bit>
#include <cstring>
#include <functional>

#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

namespace ropecheck::props::kernel_bugs {
namespace {

struct Flaws {
  bool update_in_place = false;
  bool truncate_bf16 = false;
};

std::uint32_t narrow(float v, Dtype dtype, bool truncate_bf16) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  switch (dtype) {
    case Dtype::f32: return bits;
    case Dtype::bf16:
      return truncate_bf16 ? bits >> 16
                           : static_cast<std::uint32_t>(reference::round_to_bits(reference::Real(v), Dtype::bf16));
    case Dtype::f16:
      return static_cast<std::uint32_t>(reference::round_to_bits(reference::Real(v), Dtype::f16));
    case Dtype::f64: break;
  }
  return 0;
}

// A plain scalar f32 RoPE over raw storage (no FMA: ISO C++ does not contract).
void scalar_rope(const RopeSpec& spec, PositionsView positions, std::size_t heads,
                 kernels::ConstTensor in, kernels::MutableTensor out, Flaws flaws) {
  const kernels::CosSinTable table = kernels::build_table(spec, positions);
  const std::size_t bytes = storage_bytes(in.dtype);
  const auto* src = static_cast<const unsigned char*>(in.data);
  auto* dst = static_cast<unsigned char*>(out.data);
  const std::size_t pairs = spec.pairs();
  for (std::size_t t = 0; t < positions.tokens(); ++t) {
    for (std::size_t h = 0; h < heads; ++h) {
      const std::size_t in_row = t * in.token_stride + h * spec.head_dim;
      const std::size_t out_row = t * out.token_stride + h * spec.head_dim;
      for (std::size_t i = 0; i < pairs; ++i) {
        const auto [ia, ib] = reference::pair_dims(spec, i);
        const auto a = static_cast<float>(widen(src + (in_row + ia) * bytes, in.dtype));
        const auto b = static_cast<float>(widen(src + (in_row + ib) * bytes, in.dtype));
        const float c = table.cos[t * pairs + i];
        const float s = table.sin[t * pairs + i];
        const float new_a = a * c - b * s;
        const float new_b = b * c + (flaws.update_in_place ? new_a : a) * s;
        store_bits(dst + (out_row + ia) * bytes, out.dtype, narrow(new_a, out.dtype, flaws.truncate_bf16));
        store_bits(dst + (out_row + ib) * bytes, out.dtype, narrow(new_b, out.dtype, flaws.truncate_bf16));
      }
      if (dst != src) {
        for (std::size_t k = 0; k < spec.head_dim; ++k) {
          if (!spec.rotates(k)) std::memcpy(dst + (out_row + k) * bytes, src + (in_row + k) * bytes, bytes);
        }
      }
    }
  }
}

KernelUnderTest scalar_variant(std::string name, Flaws flaws) {
  KernelUnderTest k;
  k.name = std::move(name);
  k.arithmetic = numeric::Arithmetic::unfused;
  k.rotate = [flaws](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                     kernels::ConstTensor in, kernels::MutableTensor out) {
    scalar_rope(spec, positions, heads, in, out, flaws);
  };
  return k;
}

// The best built-in kernel run with its spec changed by `change`.
KernelUnderTest with_spec(std::string suffix, std::function<RopeSpec(RopeSpec)> change) {
  KernelUnderTest k = builtin_kernels().front();
  const RotateFn correct = k.rotate;
  k.name += suffix;
  k.rotate = [correct, change](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                               kernels::ConstTensor in, kernels::MutableTensor out) {
    correct(change(spec), positions, heads, in, out);
  };
  return k;
}

}  // namespace

KernelUnderTest in_place_pair_update() { return scalar_variant("scalar, b from updated a", {.update_in_place = true}); }

KernelUnderTest truncated_bf16_output() { return scalar_variant("scalar, bf16 truncated", {.truncate_bf16 = true}); }

KernelUnderTest swapped_layout() {
  return with_spec(", layout swapped", [](RopeSpec spec) {
    spec.layout = spec.layout == Layout::interleaved ? Layout::half_split : Layout::interleaved;
    return spec;
  });
}

KernelUnderTest bf16_table() {
  KernelUnderTest k = builtin_kernels().front();
  k.name += ", bf16 cos/sin";
  k.rotate = [](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                kernels::ConstTensor in, kernels::MutableTensor out) {
    kernels::CosSinTable table = kernels::build_table(spec, positions);
    for (std::vector<float>* entries : {&table.cos, &table.sin}) {
      for (float& v : *entries) {
        const auto bits = static_cast<std::uint32_t>(reference::round_to_bits(reference::Real(v), Dtype::bf16));
        v = std::bit_cast<float>(bits << 16);
      }
    }
    kernels::apply_rope(kernels::rope_shape(spec, positions.tokens(), heads), table, in, out);
  };
  return k;
}

KernelUnderTest framework_table(kernels::TableMode mode) { return builtin_kernels(mode).front(); }

KernelUnderTest scaling_ignored() {
  return with_spec(", scaling ignored", [](RopeSpec spec) {
    spec.scaling = Scaling{};
    return spec;
  });
}

KernelUnderTest rotary_offset_ignored() {
  return with_spec(", rotary_offset ignored", [](RopeSpec spec) {
    spec.rotary_offset = 0;
    return spec;
  });
}

KernelUnderTest position_scale_on_the_other_role() {
  return with_spec(", position scale on the other role", [](RopeSpec spec) {
    if (spec.role) spec.role = *spec.role == Role::query ? Role::key : Role::query;
    return spec;
  });
}

namespace {

// The best built-in kernel called with positions changed by `change`.
KernelUnderTest with_positions(std::string suffix, std::function<std::vector<std::int64_t>(std::span<const std::int64_t>)> change) {
  KernelUnderTest k = builtin_kernels().front();
  const RotateFn correct = k.rotate;
  k.name += suffix;
  k.rotate = [correct, change](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                               kernels::ConstTensor in, kernels::MutableTensor out) {
    const std::vector<std::int64_t> changed = change(positions.values);  // every component
    correct(spec, PositionsView(changed, positions.axes), heads, in, out);
  };
  return k;
}

}  // namespace

KernelUnderTest bf16_positions() {
  return with_positions(", bf16 positions", [](std::span<const std::int64_t> positions) {
    std::vector<std::int64_t> rounded;
    for (const std::int64_t m : positions) {
      const auto bits = reference::round_to_bits(reference::Real(m), Dtype::bf16);
      rounded.push_back(static_cast<std::int64_t>(reference::decode_exact(bits, Dtype::bf16)));
    }
    return rounded;
  });
}

KernelUnderTest contiguous_positions() {
  return with_positions(", contiguous positions assumed", [](std::span<const std::int64_t> positions) {
    std::vector<std::int64_t> assumed;
    for (std::size_t t = 0; t < positions.size(); ++t) assumed.push_back(positions[0] + static_cast<std::int64_t>(t));
    return assumed;
  });
}

namespace {

// The best built-in kernel with the multi-axis positions (all components) changed by `change`.
KernelUnderTest with_components(std::string suffix,
                                std::function<void(std::vector<std::int64_t>& positions, std::size_t axes)> change) {
  KernelUnderTest k = builtin_kernels().front();
  const RotateFn correct = k.rotate;
  k.name += suffix;
  k.rotate = [correct, change](const RopeSpec& spec, PositionsView positions, std::size_t heads,
                               kernels::ConstTensor in, kernels::MutableTensor out) {
    std::vector<std::int64_t> changed(positions.values.begin(), positions.values.end());
    change(changed, positions.axes);
    correct(spec, PositionsView(changed, positions.axes), heads, in, out);
  };
  return k;
}

}  // namespace

KernelUnderTest mrope_interleaving_ignored() {
  return with_spec(", mrope_interleaved ignored", [](RopeSpec spec) {
    spec.mrope_interleaved = false;
    return spec;
  });
}

void swap_height_width(std::vector<std::int64_t>& positions, std::size_t axes) {
  if (axes < 2) return;
  for (std::size_t t = 0; t < positions.size() / axes; ++t) {
    std::swap(positions[t * axes + axes - 2], positions[t * axes + axes - 1]);
  }
}

void first_component_everywhere(std::vector<std::int64_t>& positions, std::size_t axes) {
  for (std::size_t t = 0; t < positions.size() / axes; ++t) {
    for (std::size_t a = 1; a < axes; ++a) positions[t * axes + a] = positions[t * axes];
  }
}

void token_index_everywhere(std::vector<std::int64_t>& positions, std::size_t axes) {
  for (std::size_t k = 0; k < positions.size(); ++k) positions[k] = static_cast<std::int64_t>(k / axes);
}

KernelUnderTest height_width_swapped() { return with_components(", h and w swapped", swap_height_width); }

KernelUnderTest first_component_for_every_axis() {
  return with_components(", first component for every axis", first_component_everywhere);
}

KernelUnderTest one_dimensional_positions() { return with_components(", 1-D positions", token_index_everywhere); }

}  // namespace ropecheck::props::kernel_bugs
