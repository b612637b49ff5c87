// One tensor of a .npy or safetensors file, read piece by piece: for users' own tensors,
// which may be larger than memory (`ropecheck check --x … --positions … --candidate …`).
//
// Contract:
//  - open() reads only the file's beginning (at most kMaxStreamedNpyHeaderBytes of a .npy
//    file, 8 + the header of a safetensors one, itself at most kMaxHeaderBytes) and checks
//    it as the whole-file readers do (npy.h, safetensors.h) against the file's size: every
//    element the header promises is in the file, and nothing else is. A .npy file (by
//    extension) holds one array; a safetensors file gives the tensor named `name`, or its
//    only tensor when it has exactly one. Anything else is InvalidInput, one line, naming
//    the file.
//  - bytes() reads elements [first, first + count) as the file stores them (little-endian);
//    doubles() and int64s() read elements [first, first + count) in C order, widened
//    exactly (safetensors.h's to_doubles / to_int64s rules). A range outside the tensor,
//    or a file that shrank since open(), is InvalidInput; memory is that of the range.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/io/input_file.h"
#include "ropecheck/io/safetensors.h"

namespace ropecheck::io {

class TensorStream {
 public:
  static TensorStream open(const std::filesystem::path& path, std::string_view name, std::string_view what);

  const std::string& source() const { return source_; }  // "<path>" or "<path> (tensor '<name>')"
  StDtype dtype() const { return dtype_; }
  const std::vector<std::uint64_t>& shape() const { return shape_; }
  std::uint64_t elements() const { return elements_; }

  std::vector<unsigned char> bytes(std::uint64_t first, std::uint64_t count) const;  // as stored
  std::vector<double> doubles(std::uint64_t first, std::uint64_t count) const;
  std::vector<std::int64_t> int64s(std::uint64_t first, std::uint64_t count) const;

 private:
  TensorStream(InputFile file, std::string source, StDtype dtype, std::vector<std::uint64_t> shape,
               std::uint64_t offset);
  Tensor piece(std::uint64_t first, std::uint64_t count) const;

  InputFile file_;
  std::string source_;
  StDtype dtype_;
  std::vector<std::uint64_t> shape_;
  std::uint64_t elements_ = 0;
  std::uint64_t offset_ = 0;  // of element 0 in the file
};

}  // namespace ropecheck::io
