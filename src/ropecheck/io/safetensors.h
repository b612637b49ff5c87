// safetensors reading and writing, with the validation of the reference implementation
// (huggingface/safetensors, Rust `SafeTensors::deserialize` and `Metadata::validate`).
//
// Format: u64 LE header length N | N bytes of UTF-8 JSON | data. The JSON object maps each
// tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
// start of the data, little-endian C-order elements), plus an optional "__metadata__"
// object of string values.
//
// Contract:
//  - parse_safetensors accepts exactly the files the reference accepts, with these
//    deliberate differences, each stricter: the header starts with '{' (the reference's
//    check is written but commented out "until 0.4.0", so it takes leading whitespace);
//    an entry carries exactly the three fields (the reference ignores extra ones);
//    "__metadata__" is an object (the reference also takes null); no key repeats within
//    an object (the reference keeps the last of a repeated tensor name or metadata key);
//    JSON nests at most kMaxJsonDepth deep (a valid header nests 3). Everything the
//    reference rejects is rejected: file < 8 bytes; N > kMaxHeaderBytes; 8 + N > file
//    size; header not UTF-8 or not JSON (trailing whitespace is JSON; a NUL byte is not,
//    although nlohmann's lexer takes NUL for the end of input); unknown dtype; shape not
//    an array of non-negative integers; data_offsets not [begin, end] with begin ≤ end;
//    entries, sorted by offsets, not tiling the data from 0 without gap or overlap; a
//    byte size (product(shape) × element size) that overflows 64 bits or differs from
//    end − begin; the last end not equal to the data size.
//  - Reading takes time linear in the header's size, up to a log factor for the lookup of
//    repeated keys: no header, however many entries it lists, makes the parser quadratic.
//  - Every violation throws InvalidInput, one line: "<source>: safetensors: <rule>: <detail>".
//    Never a crash or UB, whatever the bytes; nothing is allocated in proportion to a
//    number read from the file before that number is checked against the file's size.
//  - serialize_safetensors is deterministic to the byte: the header is nlohmann's compact
//    dump (std::map orders every key), padded with spaces to a multiple of 8 bytes as the
//    reference writer pads it; data follows in the order of `tensors`. It rejects what
//    the reader would reject (size mismatch, duplicate or reserved names, non-UTF-8
//    strings, an oversized header), so whatever it writes reads back equal.
//  - Element values are never reinterpreted: bytes are copied as they are in the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/io/tensor.h"
#include "ropecheck/io/utf8.h"

namespace ropecheck::io {

// The largest header the reference reads (its MAX_HEADER_SIZE).
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// Deepest JSON nesting accepted. A valid header nests 3 (object, entry, shape); the limit
// only keeps a hostile header from driving nlohmann's recursive routines deep.
inline constexpr int kMaxJsonDepth = 64;

struct SafetensorsFile {
  std::vector<Tensor> tensors;                  // after reading: in file order (by data offset)
  std::map<std::string, std::string> metadata;  // "__metadata__" (strings only)

  const Tensor* find(std::string_view name) const;
  // throws InvalidInput "<source>: no tensor '<name>'"
  const Tensor& get(std::string_view name, std::string_view source) const;
};

SafetensorsFile parse_safetensors(std::span<const unsigned char> bytes, std::string_view source);

// The same checks on the header alone, for a file read piece by piece (tensor_stream.h):
// `bytes` holds at least the 8-byte length and the header, file_size is the whole file's.
// Each tensor's elements are the file's bytes data_begin + [begin, end).
struct TensorEntry {
  std::string name;
  StDtype dtype = StDtype::F64;
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0, end = 0;
};
struct SafetensorsLayout {
  std::vector<TensorEntry> tensors;             // in file order
  std::map<std::string, std::string> metadata;
  std::uint64_t data_begin = 0;                 // 8 + header length
};
SafetensorsLayout parse_safetensors_layout(std::span<const unsigned char> bytes, std::uint64_t file_size,
                                           std::string_view source);
SafetensorsFile read_safetensors(const std::filesystem::path& path);  // unreadable → InvalidInput
std::vector<unsigned char> serialize_safetensors(const SafetensorsFile& file);  // throws InvalidInput

// Files are read through input_file.h and written through output_file.h.

}  // namespace ropecheck::io
