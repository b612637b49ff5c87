#include "ropecheck/props/kernel_cases.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <ostream>
#include <random>

#include "ropecheck/float_codec.h"
#include "ropecheck/props/property_cases.h"

namespace ropecheck::props {
namespace {

int exponent_bits(Dtype d) { return d == Dtype::f16 ? 5 : 8; }
int mantissa_bits(Dtype d) { return format_of(d).precision - 1; }

std::uint32_t compose(Dtype d, std::uint32_t sign, std::uint32_t biased_exponent, std::uint32_t mantissa) {
  const int m = mantissa_bits(d);
  const int e = exponent_bits(d);
  return (sign << (m + e)) | (biased_exponent << m) | mantissa;
}

// A quarter of the largest finite value: its bit pattern (exponent two below the top).
std::uint32_t quarter_max_bits(Dtype d) {
  const auto max_biased = (1u << exponent_bits(d)) - 2;
  return compose(d, 0, max_biased - 2, (1u << mantissa_bits(d)) - 1);
}

std::uint32_t random_element(Dtype d, std::mt19937_64& rng) {
  const int m = mantissa_bits(d);
  const std::uint32_t mantissa_mask = (1u << m) - 1;
  const int bias = (1 << (exponent_bits(d) - 1)) - 1;
  const std::uint32_t sign_bit = 1u << (m + exponent_bits(d));
  std::uniform_real_distribution<double> unit(0, 1);
  const double kind = unit(rng);
  const auto sign = static_cast<std::uint32_t>(rng() & 1);
  if (kind < 0.40) {
    const auto exponent = static_cast<std::uint32_t>(bias - 4 + static_cast<int>(rng() % 9));
    return compose(d, sign, exponent, static_cast<std::uint32_t>(rng()) & mantissa_mask);
  }
  const std::uint32_t quarter_max = quarter_max_bits(d);
  if (kind < 0.85) {
    for (;;) {
      const auto bits = static_cast<std::uint32_t>(rng()) & ((sign_bit << 1) - 1);
      if ((bits & (sign_bit - 1)) <= quarter_max) return bits;
    }
  }
  const std::uint32_t edges[] = {0, 1, mantissa_mask, compose(d, 0, 1, 0), quarter_max};
  return edges[rng() % 5] | (sign ? sign_bit : 0);
}

}  // namespace

std::uint32_t storage_bits(const unsigned char* element, Dtype dtype) {
  if (dtype == Dtype::f32) {
    std::uint32_t bits;
    std::memcpy(&bits, element, 4);
    return bits;
  }
  std::uint16_t bits;
  std::memcpy(&bits, element, 2);
  return bits;
}

void store_bits(unsigned char* element, Dtype dtype, std::uint32_t bits) {
  if (dtype == Dtype::f32) {
    std::memcpy(element, &bits, 4);
  } else {
    const auto narrow = static_cast<std::uint16_t>(bits);
    std::memcpy(element, &narrow, 2);
  }
}

double widen(const unsigned char* element, Dtype dtype) { return decode_bits(storage_bits(element, dtype), dtype); }

std::uint32_t sentinel_bits(Dtype dtype) {
  switch (dtype) {
    case Dtype::f32: return 0x7FA5A5A5u;  // signalling NaN payload: never an output
    case Dtype::bf16: return 0x7FA5u;
    case Dtype::f16: return 0x7DA5u;
    case Dtype::f64: break;
  }
  return 0;
}

std::ostream& operator<<(std::ostream& os, const KernelCase& c) {
  os << "spec " << to_json_text(c.spec) << ", dtype " << to_string(c.dtype) << ", heads " << c.heads
     << ", stride padding " << c.stride_padding << (c.in_place ? ", in place" : ", out of place")
     << ", data seed " << c.data_seed << ", positions [";
  for (std::size_t t = 0; t < c.tokens(); ++t) os << (t ? ", " : "") << format_position(c.position_view(), t);
  return os << "]";
}

namespace {

// The corners of the domain the error model is derived over: the widest head (R = 512,
// ggml's recurrence runs 255 steps) and the narrowest, at the smallest and largest base.
// Drawn on their own one case in ten, since gen_spec reaches each only by a joint draw of
// about one in a thousand.
rc::Gen<RopeSpec> gen_corner_spec() {
  using namespace rc;
  return gen::apply(
      [](std::size_t width, double base, Layout layout) {
        RopeSpec spec;
        spec.head_dim = spec.rotary_dim = width;
        spec.base = base;
        spec.layout = layout;
        return spec;
      },
      gen::element<std::size_t>(2, 512), gen::element(2.0, 1e7), gen::element(Layout::interleaved, Layout::half_split));
}

}  // namespace

rc::Gen<RopeSpec> gen_kernel_spec() {
  return rc::gen::weightedOneOf<RopeSpec>({{9, gen_spec()}, {1, gen_corner_spec()}});
}

rc::Gen<RopeSpec> gen_position_scaled_spec() {
  using namespace rc;
  return gen::apply(
      [](RopeSpec spec, int beta_256ths, std::int64_t floor_scale, bool offset, bool query, bool no_rotation) {
        spec.position_scale = PositionScale{.beta = beta_256ths / 256.0,
                                            .floor_scale = floor_scale,
                                            .position_offset = offset ? 1 : 0,
                                            .applies_to = Role::query};
        spec.role = query ? Role::query : Role::key;
        if (no_rotation) {
          spec.rotary_dim = 0;
          spec.scaling = Scaling{};
        }
        return spec;
      },
      gen_spec(), gen::inRange(1, 17), gen::inRange<std::int64_t>(1, (std::int64_t{1} << 14) + 1), gen::arbitrary<bool>(),
      gen::weightedOneOf<bool>({{3, gen::just(true)}, {1, gen::just(false)}}),
      gen::weightedOneOf<bool>({{1, gen::just(true)}, {3, gen::just(false)}}));
}

rc::Gen<RopeSpec> gen_offset_spec() {
  using namespace rc;
  return gen::apply(
      [](RopeSpec spec, std::size_t offset) {
        spec.rotary_offset = offset;
        spec.head_dim += offset;
        return spec;
      },
      gen_spec(), gen::inRange<std::size_t>(1, 65));
}

rc::Gen<RopeSpec> gen_multi_axis_spec() {
  using namespace rc;
  return gen::apply(
      [](RopeSpec spec, int kind, std::size_t first, std::size_t second) {
        if (kind < 2) {
          // Sections: any split of the R/2 pairs (first, second drawn in [0, 2^16)).
          const std::size_t pairs = spec.pairs();
          const std::size_t s_t = first % (pairs + 1);
          const std::size_t s_h = second % (pairs - s_t + 1);
          spec.mrope_section = std::array<std::size_t, 3>{s_t, s_h, pairs - s_t - s_h};
          spec.mrope_interleaved = kind == 1;
          return spec;
        }
        spec.vision_2d = kind == 2 ? Vision2d::pixtral : Vision2d::qwen_vl;
        spec.scaling = Scaling{};
        spec.rotary_dim = std::max<std::size_t>(4, spec.rotary_dim - spec.rotary_dim % 4);
        spec.head_dim = std::max(spec.head_dim, spec.rotary_dim);
        return spec;
      },
      gen_spec(), gen::inRange(0, 4), gen::inRange<std::size_t>(0, 1 << 16), gen::inRange<std::size_t>(0, 1 << 16));
}

rc::Gen<RopeSpec> gen_interleaved_mrope_spec() {
  return rc::gen::suchThat(gen_multi_axis_spec(), [](const RopeSpec& s) {
    return s.mrope_interleaved && s.pairs() >= 3 && (*s.mrope_section)[1] + (*s.mrope_section)[2] > 0;
  });
}

rc::Gen<KernelCase> gen_kernel_case(Dtype dtype, std::int64_t max_position) {
  return gen_kernel_case(dtype, max_position, gen_kernel_spec());
}

rc::Gen<KernelCase> gen_kernel_case(Dtype dtype, std::int64_t max_position, rc::Gen<RopeSpec> specs) {
  using namespace rc;
  const Gen<std::int64_t> position = gen::weightedOneOf<std::int64_t>({
      {2, gen::inRange<std::int64_t>(0, std::min<std::int64_t>(64, max_position))},
      {3, gen::map(gen::pair(gen::inRange(0, 64), gen::inRange(-1, 2)),
                   [max_position](const std::pair<int, int>& p) {
                     const auto powers = static_cast<int>(std::bit_width(static_cast<std::uint64_t>(max_position)));
                     const std::int64_t m = (std::int64_t{1} << (p.first % powers)) + p.second;
                     return std::clamp<std::int64_t>(m, 0, max_position - 1);
                   })},
      {3, gen::inRange<std::int64_t>(0, max_position)},
  });
  return gen::apply(
      [dtype](RopeSpec spec, bool odd_head_dim, std::size_t heads, std::size_t padding, bool in_place,
              std::vector<std::int64_t> positions, std::uint64_t seed, std::vector<std::int64_t> components) {
        KernelCase c;
        c.spec = spec;
        if (odd_head_dim && spec.head_dim < kMaxHeadDim) c.spec.head_dim += 1;
        c.dtype = dtype;
        c.heads = heads;
        c.stride_padding = padding;
        c.in_place = in_place;
        c.axes = position_axes(spec);
        if (c.axes == 1) {
          c.positions = std::move(positions);
        } else {  // token t: its drawn position, then components from the extra draws
          for (std::size_t t = 0; t < positions.size(); ++t) {
            c.positions.push_back(positions[t]);
            for (std::size_t a = 1; a < c.axes; ++a) c.positions.push_back(components[(t * (c.axes - 1) + a - 1) % components.size()]);
          }
        }
        c.data_seed = seed;
        return c;
      },
      std::move(specs), gen::map(gen::inRange(0, 8), [](int k) { return k == 7; }),
      gen::inRange<std::size_t>(1, 5),
      gen::weightedOneOf<std::size_t>({{3, gen::just(std::size_t{0})}, {1, gen::inRange<std::size_t>(1, 8)}}),
      gen::arbitrary<bool>(),
      gen::suchThat(gen::container<std::vector<std::int64_t>>(position),
                    [](const std::vector<std::int64_t>& p) { return !p.empty() && p.size() <= 5; }),
      gen::arbitrary<std::uint64_t>(), gen::container<std::vector<std::int64_t>>(10, position));
}

KernelBuffers make_buffers(const KernelCase& c) {
  const std::size_t bytes = storage_bytes(c.dtype);
  const std::size_t d = c.spec.head_dim;
  KernelBuffers b;
  b.in.resize(c.storage_elements() * bytes);
  b.x.resize(c.tokens() * c.heads * d);
  std::mt19937_64 rng(c.data_seed);
  for (std::size_t t = 0; t < c.tokens(); ++t) {
    for (std::size_t k = 0; k < c.token_stride(); ++k) {
      unsigned char* element = b.in.data() + (t * c.token_stride() + k) * bytes;
      if (k >= c.heads * d) {
        store_bits(element, c.dtype, sentinel_bits(c.dtype));
        continue;
      }
      store_bits(element, c.dtype, random_element(c.dtype, rng));
      b.x[t * c.heads * d + k] = widen(element, c.dtype);
    }
  }
  return b;
}

KernelCase key_case(const KernelCase& c) {
  KernelCase k = c;
  k.heads = c.kv_heads;
  k.kv_heads = 0;
  k.stride_padding = 0;
  k.in_place = false;
  k.data_seed = c.data_seed ^ 0x6b6579;  // "key": other data than q's
  return k;
}

std::vector<unsigned char> make_output(const KernelCase& c, const KernelBuffers& buffers) {
  if (c.in_place) return buffers.in;
  std::vector<unsigned char> out(buffers.in.size());
  const std::size_t bytes = storage_bytes(c.dtype);
  for (std::size_t k = 0; k < c.storage_elements(); ++k) store_bits(out.data() + k * bytes, c.dtype, sentinel_bits(c.dtype));
  return out;
}

std::vector<double> widen_output(const KernelCase& c, const std::vector<unsigned char>& out) {
  const std::size_t bytes = storage_bytes(c.dtype);
  const std::size_t row = c.heads * c.spec.head_dim;
  std::vector<double> y(c.tokens() * row);
  for (std::size_t t = 0; t < c.tokens(); ++t) {
    for (std::size_t k = 0; k < row; ++k) y[t * row + k] = widen(out.data() + (t * c.token_stride() + k) * bytes, c.dtype);
  }
  return y;
}

std::size_t first_touched_padding(const KernelCase& c, const std::vector<unsigned char>& out) {
  const std::size_t bytes = storage_bytes(c.dtype);
  const std::size_t row = c.heads * c.spec.head_dim;
  for (std::size_t t = 0; t < c.tokens(); ++t) {
    for (std::size_t k = row; k < c.token_stride(); ++k) {
      const std::size_t index = t * c.token_stride() + k;
      if (storage_bits(out.data() + index * bytes, c.dtype) != sentinel_bits(c.dtype)) return index;
    }
  }
  return SIZE_MAX;
}

}  // namespace ropecheck::props
