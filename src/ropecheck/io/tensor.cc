#include "ropecheck/io/tensor.h"

#include <limits>
#include <utility>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/float_codec.h"
#include "ropecheck/io/little_endian.h"
#include "ropecheck/io/utf8.h"
#include "ropecheck/name_table.h"

namespace ropecheck::io {
namespace {

constexpr NameTable<StDtype, 13> kStDtypeNames{{
    {StDtype::BOOL, "BOOL"},
    {StDtype::U8, "U8"},
    {StDtype::I8, "I8"},
    {StDtype::U16, "U16"},
    {StDtype::I16, "I16"},
    {StDtype::U32, "U32"},
    {StDtype::I32, "I32"},
    {StDtype::U64, "U64"},
    {StDtype::I64, "I64"},
    {StDtype::F16, "F16"},
    {StDtype::BF16, "BF16"},
    {StDtype::F32, "F32"},
    {StDtype::F64, "F64"},
}};

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return std::nullopt;
  return a * b;
}

// The bytes a tensor's data must hold, or InvalidInput naming `who`.
std::uint64_t required_bytes(StDtype dtype, std::span<const std::uint64_t> shape, const std::string& who) {
  const auto bytes = byte_size(dtype, shape);
  if (!bytes) {
    throw InvalidInput(fmt::format("{}: size overflow: shape {} of {} has more than 2^64 bytes", who,
                                   shape_text(shape), to_string(dtype)));
  }
  return *bytes;
}

std::string tensor_who(std::string_view source, const Tensor& t) {
  return source.empty() ? "tensor " + quoted_utf8(t.name) : fmt::format("{}: tensor {}", source, quoted_utf8(t.name));
}

}  // namespace

std::string_view to_string(StDtype dtype) { return name_of(kStDtypeNames, dtype, "unknown-dtype"); }

std::optional<StDtype> st_dtype_from_string(std::string_view name) { return value_named(kStDtypeNames, name); }

std::size_t element_bytes(StDtype dtype) {
  switch (dtype) {
    case StDtype::BOOL:
    case StDtype::U8:
    case StDtype::I8: return 1;
    case StDtype::U16:
    case StDtype::I16:
    case StDtype::F16:
    case StDtype::BF16: return 2;
    case StDtype::U32:
    case StDtype::I32:
    case StDtype::F32: return 4;
    case StDtype::U64:
    case StDtype::I64:
    case StDtype::F64: return 8;
  }
  return 0;
}

StDtype st_dtype_of(Dtype dtype) {
  switch (dtype) {
    case Dtype::f64: return StDtype::F64;
    case Dtype::f32: return StDtype::F32;
    case Dtype::bf16: return StDtype::BF16;
    case Dtype::f16: return StDtype::F16;
  }
  return StDtype::F64;
}

std::optional<Dtype> float_dtype_of(StDtype dtype) {
  switch (dtype) {
    case StDtype::F64: return Dtype::f64;
    case StDtype::F32: return Dtype::f32;
    case StDtype::BF16: return Dtype::bf16;
    case StDtype::F16: return Dtype::f16;
    default: return std::nullopt;
  }
}

std::string shape_text(std::span<const std::uint64_t> shape) {
  constexpr std::size_t kShown = 8;
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size() && i < kShown; ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() > kShown) out += fmt::format(", … ({} dims)", shape.size());
  out += "]";
  return out;
}

std::optional<std::uint64_t> byte_size(StDtype dtype, std::span<const std::uint64_t> shape) {
  const auto count = element_count(shape);
  return count ? checked_mul(*count, element_bytes(dtype)) : std::nullopt;
}

std::optional<std::uint64_t> element_count(std::span<const std::uint64_t> shape) {
  // Folded in order without stopping at a zero dimension, like the reference's checked
  // product: [2^40, 2^40, 0] overflows there too, so both reject it.
  std::uint64_t count = 1;
  for (const std::uint64_t dim : shape) {
    const auto next = checked_mul(count, dim);
    if (!next) return std::nullopt;
    count = *next;
  }
  return count;
}

void check_tensor_size(const Tensor& t, const std::string& who) {
  const std::uint64_t need = required_bytes(t.dtype, t.shape, who);
  if (need != t.data.size()) {
    throw InvalidInput(fmt::format("{}: size mismatch: shape {} of {} needs {} bytes, data has {}", who,
                                   shape_text(t.shape), to_string(t.dtype), need, t.data.size()));
  }
}

Tensor make_tensor(std::string name, StDtype dtype, std::vector<std::uint64_t> shape, std::vector<unsigned char> data) {
  Tensor t{std::move(name), dtype, std::move(shape), std::move(data)};
  check_tensor_size(t, "tensor " + quoted_utf8(t.name));
  return t;
}

Tensor tensor_from_doubles(std::string name, StDtype dtype, std::vector<std::uint64_t> shape,
                           std::span<const double> values) {
  const std::string who = "tensor " + quoted_utf8(name);
  if (!float_dtype_of(dtype)) {
    throw InvalidInput(fmt::format("{}: dtype {} is not a float dtype (F64, F32, BF16, F16)", who, to_string(dtype)));
  }
  const std::size_t width = element_bytes(dtype);
  std::vector<unsigned char> data;
  data.reserve(values.size() * width);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    const std::optional<std::uint64_t> bits = exact_bits(v, *float_dtype_of(dtype));
    if (!bits) {
      throw InvalidInput(fmt::format("{}: element {} = {} is not exactly representable in {}", who, i, v,
                                     to_string(dtype)));
    }
    store_le(data, *bits, width);
  }
  return make_tensor(std::move(name), dtype, std::move(shape), std::move(data));
}

Tensor tensor_from_int64s(std::string name, std::vector<std::uint64_t> shape, std::span<const std::int64_t> values) {
  std::vector<unsigned char> data;
  data.reserve(values.size() * 8);
  for (const std::int64_t v : values) store_le(data, static_cast<std::uint64_t>(v), 8);
  return make_tensor(std::move(name), StDtype::I64, std::move(shape), std::move(data));
}

std::vector<double> to_doubles(const Tensor& t, std::string_view source) {
  const std::string who = tensor_who(source, t);
  if (!float_dtype_of(t.dtype)) {
    throw InvalidInput(
        fmt::format("{} has dtype {}, expected a float dtype (F64, F32, BF16, F16)", who, to_string(t.dtype)));
  }
  check_tensor_size(t, who);
  const Dtype dtype = *float_dtype_of(t.dtype);
  const std::size_t width = element_bytes(t.dtype);
  std::vector<double> out(t.data.size() / width);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = decode_bits(load_le(t.data.data() + i * width, width), dtype);
  }
  return out;
}

std::vector<std::int64_t> to_int64s(const Tensor& t, std::string_view source) {
  const std::string who = tensor_who(source, t);
  bool is_signed = false;
  switch (t.dtype) {
    case StDtype::I8:
    case StDtype::I16:
    case StDtype::I32:
    case StDtype::I64: is_signed = true; break;
    case StDtype::U8:
    case StDtype::U16:
    case StDtype::U32:
    case StDtype::U64: break;
    default:
      throw InvalidInput(fmt::format("{} has dtype {}, expected an integer dtype (I64, I32, I16, I8, U64, U32, U16, U8)",
                                     who, to_string(t.dtype)));
  }
  check_tensor_size(t, who);
  const std::size_t width = element_bytes(t.dtype);
  const unsigned shift = static_cast<unsigned>(64 - 8 * width);
  std::vector<std::int64_t> out(t.data.size() / width);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint64_t bits = load_le(t.data.data() + i * width, width);
    if (is_signed) {
      // Sign-extend: move the element's sign bit to bit 63, then shift back arithmetically.
      out[i] = static_cast<std::int64_t>(bits << shift) >> shift;
    } else if (bits > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      throw InvalidInput(fmt::format("{}: element {} = {} (U64) does not fit in int64", who, i, bits));
    } else {
      out[i] = static_cast<std::int64_t>(bits);
    }
  }
  return out;
}

}  // namespace ropecheck::io
