// .npy reading for candidate files (a candidate is safetensors or .npy: docs/file-formats.md#candidate-files).
//
// Format (NumPy NEP 1, versions 1.0, 2.0, 3.0): "\x93NUMPY", major, minor, header length
// (u16 LE in 1.0, u32 LE in 2.0/3.0), then the header — a Python dict literal with keys
// 'descr', 'fortran_order', 'shape', padded with spaces and a newline (latin-1 in 1.0/2.0,
// UTF-8 in 3.0) — then the raw elements.
//
// Contract:
//  - Accepted: little-endian floats, descr '<f8', '<f4', '<f2' (→ StDtype F64, F32, F16),
//    and integers '<i8', '<i4' (→ I64, I32: positions; a candidate must be a float),
//    C order (fortran_order False), any shape including () and zero-size ones. The three
//    keys in any order, a trailing comma, either quote style, any whitespace between
//    tokens. The result is a Tensor named "out" holding the bytes as they are in the file.
//  - Rejected, each with InvalidInput "<source>: npy: <rule>: <detail>" (one line, naming
//    the rule): bad magic; versions other than 1.0, 2.0, 3.0; header past the end of the
//    file; a 3.0 header that is not UTF-8; anything but a dict literal of exactly those
//    three keys (a repeated key too, which Python would silently collapse); every other
//    descr (big-endian, other types, object arrays, structured dtypes); fortran_order
//    True; a shape that is not a tuple of non-negative integers; a byte size that
//    overflows 64 bits; a data section shorter or longer than product(shape) × itemsize.
//  - Never a crash or UB; the header is parsed in place, without recursion, and nothing is
//    allocated beyond the shape and a copy of the data whose size has been checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "ropecheck/io/safetensors.h"

namespace ropecheck::io {

Tensor parse_npy(std::span<const unsigned char> bytes, std::string_view source);  // name "out"

// The same checks on the file's beginning alone, for a file read piece by piece
// (tensor_stream.h): `bytes` holds at least the preamble and the header (a header longer
// than `bytes` is "header too large"), file_size is the whole file's. The elements are
// the file's bytes [data_begin, file_size).
struct NpyLayout {
  StDtype dtype = StDtype::F64;
  std::vector<std::uint64_t> shape;
  std::uint64_t data_begin = 0;
};
NpyLayout parse_npy_layout(std::span<const unsigned char> bytes, std::uint64_t file_size, std::string_view source);
// The most of a file's beginning that parse_npy_layout needs from a streamed file: NumPy
// itself refuses headers above 10,000 bytes (numpy.load's max_header_size).
inline constexpr std::uint64_t kMaxStreamedNpyHeaderBytes = std::uint64_t{1} << 16;
Tensor read_npy(const std::filesystem::path& path);

}  // namespace ropecheck::io
