#include "ropecheck/props/kernel_bug_variants.h"

#include <bit>
#include <cstring>
#include <functional>

#include "ropecheck/reference/exact_rope.h"
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

namespace ropecheck::props {
namespace {

// Input rows (strided) as exact doubles [T][H][D].
std::vector<double> read_rows(const RopeSpec& spec, std::size_t tokens, std::size_t heads, kernels::ConstTensor in) {
  const std::size_t bytes = storage_bytes(in.dtype);
  const std::size_t row = heads * spec.head_dim;
  const std::size_t stride = in.token_stride ? in.token_stride : row;
  const auto* src = static_cast<const unsigned char*>(in.data);
  std::vector<double> x(tokens * row);
  for (std::size_t t = 0; t < tokens; ++t) {
    for (std::size_t e = 0; e < row; ++e) x[t * row + e] = widen(src + (t * stride + e) * bytes, in.dtype);
  }
  return x;
}

// Bit patterns [T][H][D] written at the output's stride.
void write_rows(const RopeSpec& spec, std::size_t tokens, std::size_t heads, std::span<const std::uint64_t> bits,
                kernels::MutableTensor out) {
  const std::size_t bytes = storage_bytes(out.dtype);
  const std::size_t row = heads * spec.head_dim;
  const std::size_t stride = out.token_stride ? out.token_stride : row;
  auto* dst = static_cast<unsigned char*>(out.data);
  for (std::size_t t = 0; t < tokens; ++t) {
    for (std::size_t e = 0; e < row; ++e) {
      store_bits(dst + (t * stride + e) * bytes, out.dtype, static_cast<std::uint32_t>(bits[t * row + e]));
    }
  }
}

// The exact kernel with the positions (every component) changed by `change`.
KernelUnderTest exact_with_positions(std::string suffix, std::function<std::int64_t(std::int64_t)> change) {
  KernelUnderTest k = correctly_rounded_kernel();
  k.name += suffix;
  k.rotate = [change](const RopeSpec& spec, PositionsView positions, std::size_t heads, kernels::ConstTensor in,
                      kernels::MutableTensor out) {
    std::vector<std::int64_t> changed(positions.values.begin(), positions.values.end());
    for (std::int64_t& m : changed) m = change(m);
    const std::vector<double> x = read_rows(spec, positions.tokens(), heads, in);
    const reference::ExactRope e = reference::exact_rope(spec, PositionsView(changed, positions.axes), x, heads, out.dtype);
    write_rows(spec, positions.tokens(), heads, e.expected_bits, out);
  };
  return k;
}

}  // namespace

KernelUnderTest correctly_rounded_kernel() {
  KernelUnderTest k;
  k.name = "correctly rounded reference";
  k.rotate = [](const RopeSpec& spec, PositionsView positions, std::size_t heads, kernels::ConstTensor in,
                kernels::MutableTensor out) {
    const std::vector<double> x = read_rows(spec, positions.tokens(), heads, in);
    const reference::ExactRope e = reference::exact_rope(spec, positions, x, heads, out.dtype);
    write_rows(spec, positions.tokens(), heads, e.expected_bits, out);
  };
  return k;
}

}  // namespace ropecheck::props

namespace ropecheck::props::kernel_bugs {
namespace {

// The token strides of a call's tensors, a stride of 0 meaning dense rows of `row`.
std::pair<std::size_t, std::size_t> token_strides(kernels::ConstTensor in, kernels::MutableTensor out, std::size_t row) {
  return {in.token_stride ? in.token_stride : row, out.token_stride ? out.token_stride : row};
}

}  // namespace

KernelUnderTest int16_positions() {
  return exact_with_positions(", positions in int16", [](std::int64_t m) { return std::int64_t{static_cast<std::int16_t>(m)}; });
}

KernelUnderTest int32_positions() {
  return exact_with_positions(", positions in int32", [](std::int64_t m) { return std::int64_t{static_cast<std::int32_t>(m)}; });
}

KernelUnderTest only_first_head_rotated() {
  KernelUnderTest k = builtin_kernels().front();
  const RotateFn correct = k.rotate;
  k.name += ", only head 0 rotated";
  k.rotate = [correct](const RopeSpec& spec, PositionsView positions, std::size_t heads, kernels::ConstTensor in,
                       kernels::MutableTensor out) {
    const std::size_t bytes = storage_bytes(in.dtype);
    const std::size_t row = heads * spec.head_dim;
    const auto [in_stride, out_stride] = token_strides(in, out, row);
    // The heads after the first, as they came in (the call may be in place).
    const std::size_t rest_bytes = (row - spec.head_dim) * bytes;
    std::vector<unsigned char> rest(positions.tokens() * rest_bytes);
    const auto* src = static_cast<const unsigned char*>(in.data);
    for (std::size_t t = 0; t < positions.tokens(); ++t) {
      if (rest_bytes) std::memcpy(&rest[t * rest_bytes], src + (t * in_stride + spec.head_dim) * bytes, rest_bytes);
    }
    correct(spec, positions, heads, in, out);
    auto* dst = static_cast<unsigned char*>(out.data);
    for (std::size_t t = 0; t < positions.tokens(); ++t) {
      if (rest_bytes) std::memcpy(dst + (t * out_stride + spec.head_dim) * bytes, &rest[t * rest_bytes], rest_bytes);
    }
  };
  return k;
}

KernelUnderTest head_index_added_to_position() {
  KernelUnderTest k = builtin_kernels().front();
  const RotateFn correct = k.rotate;
  k.name += ", head index added to the position";
  k.rotate = [correct](const RopeSpec& spec, PositionsView positions, std::size_t heads, kernels::ConstTensor in,
                       kernels::MutableTensor out) {
    const std::size_t bytes = storage_bytes(in.dtype);
    const std::size_t row = heads * spec.head_dim;
    const auto [in_stride, out_stride] = token_strides(in, out, row);
    // One head at a time, each read from a copy taken before any head is written (in place).
    const std::vector<unsigned char> source(static_cast<const unsigned char*>(in.data),
                                            static_cast<const unsigned char*>(in.data) + positions.tokens() * in_stride * bytes);
    for (std::size_t h = 0; h < heads; ++h) {
      std::vector<std::int64_t> shifted(positions.values.begin(), positions.values.end());
      for (std::int64_t& m : shifted) m += static_cast<std::int64_t>(h);
      const kernels::ConstTensor head_in{source.data() + h * spec.head_dim * bytes, in.dtype, in_stride};
      const kernels::MutableTensor head_out{static_cast<unsigned char*>(out.data) + h * spec.head_dim * bytes, out.dtype, out_stride};
      correct(spec, PositionsView(shifted, positions.axes), 1, head_in, head_out);
    }
  };
  return k;
}

KernelUnderTest first_token_position_for_every_token() {
  return with_positions(", the first token's position for every token", [](std::span<const std::int64_t> positions) {
    return std::vector<std::int64_t>(positions.size(), positions.empty() ? 0 : positions[0]);
  });
}

KernelUnderTest contiguous_input_assumed() {
  KernelUnderTest k = builtin_kernels().front();
  const RotateFn correct = k.rotate;
  k.name += ", contiguous input assumed";
  k.rotate = [correct](const RopeSpec& spec, PositionsView positions, std::size_t heads, kernels::ConstTensor in,
                       kernels::MutableTensor out) {
    // Token t read from element t·heads·head_dim of the buffer, as if it had no stride
    // padding (copied first: the call may be in place); the output goes to its own stride.
    const std::size_t bytes = storage_bytes(in.dtype);
    const auto* buffer = static_cast<const unsigned char*>(in.data);
    const std::vector<unsigned char> assumed(buffer, buffer + positions.tokens() * heads * spec.head_dim * bytes);
    correct(spec, positions, heads, kernels::ConstTensor{assumed.data(), in.dtype, 0}, out);
  };
  return k;
}

KernelUnderTest table_layout_mismatch() {
  KernelUnderTest k = correctly_rounded_kernel();
  k.name = "cos/sin table of the other layout";
  k.rotate = [](const RopeSpec& spec, PositionsView positions, std::size_t heads, kernels::ConstTensor in,
                kernels::MutableTensor out) {
    const std::size_t tokens = positions.tokens();
    const std::vector<double> x = read_rows(spec, tokens, heads, in);
    const reference::ExactRope e = reference::exact_rope(spec, positions, x, heads, out.dtype);
    std::vector<std::uint64_t> bits(e.expected_bits.begin(), e.expected_bits.end());
    const std::size_t pairs = spec.pairs();
    const std::size_t start = spec.rotary_offset;
    // Table entry of rotary dim j as the other layout lays it out: interleaved tables
    // repeat each θ twice (pair ⌊j/2⌋), half_split tables concatenate (pair j mod R/2).
    const auto pair_of_dim = [&](std::size_t j) { return spec.layout == Layout::half_split ? j / 2 : j % pairs; };
    for (std::size_t t = 0; t < tokens; ++t) {
      for (std::size_t h = 0; h < heads; ++h) {
        const std::size_t row = (t * heads + h) * spec.head_dim;
        for (std::size_t i = 0; i < pairs; ++i) {
          const auto [ia, ib] = reference::pair_dims(spec, i);
          const double a = x[row + ia], b = x[row + ib];
          const std::size_t pa = pair_of_dim(ia - start), pb = pair_of_dim(ib - start);
          const double s = e.attention_factor * e.position_scale[t];
          const double ya = s * (a * e.cos[t * pairs + pa] - b * e.sin[t * pairs + pa]);
          const double yb = s * (b * e.cos[t * pairs + pb] + a * e.sin[t * pairs + pb]);
          bits[row + ia] = reference::round_to_bits(reference::Real(ya), out.dtype);
          bits[row + ib] = reference::round_to_bits(reference::Real(yb), out.dtype);
        }
      }
    }
    write_rows(spec, tokens, heads, bits, out);
  };
  return k;
}

KernelUnderTest k_unrotated_with_one_kv_head() {
  KernelUnderTest k = builtin_kernels().front();
  const RotateFn correct = k.rotate;
  k.name += ", k unrotated with one kv head";
  k.rotate_qk = [correct](const RopeSpec& spec, PositionsView positions, std::size_t q_heads, std::size_t k_heads,
                          kernels::ConstTensor q, kernels::MutableTensor q_out, kernels::ConstTensor key,
                          kernels::MutableTensor k_out) {
    correct(spec, positions, q_heads, q, q_out);
    if (k_heads == 1) {
      std::memcpy(k_out.data, key.data, positions.tokens() * spec.head_dim * storage_bytes(key.dtype));
    } else {
      correct(spec, positions, k_heads, key, k_out);
    }
  };
  return k;
}

}  // namespace ropecheck::props::kernel_bugs
