// .npy reading for candidate files (DESIGN §4: a candidate is safetensors or .npy).
//
// Format (NumPy NEP 1, versions 1.0, 2.0, 3.0): "\x93NUMPY", major, minor, header length
// (u16 LE in 1.0, u32 LE in 2.0/3.0), then the header — a Python dict literal with keys
// 'descr', 'fortran_order', 'shape', padded with spaces and a newline (latin-1 in 1.0/2.0,
// UTF-8 in 3.0) — then the raw elements.
//
// Contract:
//  - Accepted: little-endian floats, descr '<f8', '<f4', '<f2' (→ StDtype F64, F32, F16),
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

#include <filesystem>
#include <span>
#include <string_view>

#include "ropecheck/io/safetensors.h"

namespace ropecheck::io {

Tensor parse_npy(std::span<const unsigned char> bytes, std::string_view source);  // name "out"
Tensor read_npy(const std::filesystem::path& path);

}  // namespace ropecheck::io
