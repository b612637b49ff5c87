// Tensors as files hold them: the safetensors dtype names, element sizes, and exact
// conversions of elements to and from double and int64 (through the one float codec,
// ropecheck/float_codec.h). The formats themselves: safetensors.h, npy.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/dtype.h"

namespace ropecheck::io {

// The dtype names of the safetensors format (the FP8 types are not supported).
enum class StDtype { BOOL, U8, I8, U16, I16, U32, I32, U64, I64, F16, BF16, F32, F64 };

std::string_view to_string(StDtype dtype);  // "F32", "BF16", ...
std::optional<StDtype> st_dtype_from_string(std::string_view name);
std::size_t element_bytes(StDtype dtype);
StDtype st_dtype_of(Dtype dtype);
std::optional<Dtype> float_dtype_of(StDtype dtype);  // F64/F32/BF16/F16, else nullopt

struct Tensor {
  std::string name;
  StDtype dtype = StDtype::F64;
  std::vector<std::uint64_t> shape;
  std::vector<unsigned char> data;  // little-endian, C order; size = element_bytes * product(shape)
};

// product(shape), or nullopt when it overflows 64 bits.
std::optional<std::uint64_t> element_count(std::span<const std::uint64_t> shape);
// element_bytes(dtype) · product(shape), or nullopt when it overflows 64 bits.
std::optional<std::uint64_t> byte_size(StDtype dtype, std::span<const std::uint64_t> shape);
// "[2, 3, 4]" (the first 8 dims, then their count), for messages.
std::string shape_text(std::span<const std::uint64_t> shape);

// Checks data.size() == element_bytes(dtype) · product(shape) (no overflow); InvalidInput
// "<who>: size overflow: …" or "<who>: size mismatch: …".
void check_tensor_size(const Tensor& t, const std::string& who);
// Checks the size as check_tensor_size does; InvalidInput.
Tensor make_tensor(std::string name, StDtype dtype, std::vector<std::uint64_t> shape,
                   std::vector<unsigned char> data);
// Encodes values (C order) exactly in a float dtype; a value the dtype cannot represent
// exactly is InvalidInput (this layer never rounds). NaN keeps its sign, not its payload.
Tensor tensor_from_doubles(std::string name, StDtype dtype, std::vector<std::uint64_t> shape,
                           std::span<const double> values);
Tensor tensor_from_int64s(std::string name, std::vector<std::uint64_t> shape,
                          std::span<const std::int64_t> values);  // dtype I64

// F64/F32/BF16/F16, exact widening (NaN stays NaN with its sign); other dtypes InvalidInput.
std::vector<double> to_doubles(const Tensor& t, std::string_view source);
// I64, I32, I16, I8, U8, U16, U32, and U64 when every value fits; else InvalidInput.
std::vector<std::int64_t> to_int64s(const Tensor& t, std::string_view source);

}  // namespace ropecheck::io
