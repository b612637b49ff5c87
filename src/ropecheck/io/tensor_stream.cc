#include "ropecheck/io/tensor_stream.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/io/little_endian.h"
#include "ropecheck/io/npy.h"
#include "ropecheck/io/quoted_text.h"

namespace ropecheck::io {
namespace {

std::vector<unsigned char> read_beginning(const InputFile& file, std::uint64_t bytes) {
  std::vector<unsigned char> out(static_cast<std::size_t>(std::min(bytes, file.size())));
  file.read_at(0, out);
  return out;
}

}  // namespace

TensorStream::TensorStream(InputFile file, std::string source, StDtype dtype, std::vector<std::uint64_t> shape,
                           std::uint64_t offset)
    : file_(std::move(file)), source_(std::move(source)), dtype_(dtype), shape_(std::move(shape)), offset_(offset) {
  elements_ = element_count(shape_).value_or(0);  // the layout parsers checked the size
}

TensorStream TensorStream::open(const std::filesystem::path& path, std::string_view name, std::string_view what) {
  InputFile file = InputFile::open(path, what);
  const std::string source = path.string();
  if (path.extension() == ".npy") {
    const std::vector<unsigned char> head = read_beginning(file, kMaxStreamedNpyHeaderBytes);
    NpyLayout layout = parse_npy_layout(head, file.size(), source);
    return TensorStream(std::move(file), source, layout.dtype, std::move(layout.shape), layout.data_begin);
  }
  std::vector<unsigned char> head = read_beginning(file, 8);
  if (head.size() == 8) {
    // Only as much of the header as the file can hold: a lying length costs nothing.
    head = read_beginning(file, 8 + std::min(load_le(head.data(), 8), kMaxHeaderBytes));
  }
  SafetensorsLayout layout = parse_safetensors_layout(head, file.size(), source);
  const auto named = std::find_if(layout.tensors.begin(), layout.tensors.end(),
                                  [&](const TensorEntry& e) { return e.name == name; });
  TensorEntry* chosen = named != layout.tensors.end() ? &*named : nullptr;
  if (!chosen && layout.tensors.size() == 1) chosen = &layout.tensors.front();
  if (!chosen) {
    throw InvalidInput(fmt::format("{}: no tensor {}, and not exactly one tensor to take instead ({} in the file)",
                                   source, single_quoted(name), layout.tensors.size()));
  }
  // The name is the file's own text only when it is the one asked for, so it is printable.
  std::string described = chosen->name == name ? fmt::format("{} (tensor {})", source, single_quoted(name)) : source;
  return TensorStream(std::move(file), std::move(described), chosen->dtype, std::move(chosen->shape),
                      layout.data_begin + chosen->begin);
}

std::vector<unsigned char> TensorStream::bytes(std::uint64_t first, std::uint64_t count) const {
  if (first > elements_ || count > elements_ - first) {
    throw InvalidInput(fmt::format("{}: elements [{}, {}) lie outside its {} elements", source_, first, first + count,
                                   elements_));
  }
  const std::size_t size = element_bytes(dtype_);
  std::vector<unsigned char> out(static_cast<std::size_t>(count) * size);
  file_.read_at(offset_ + first * size, out);
  return out;
}

Tensor TensorStream::piece(std::uint64_t first, std::uint64_t count) const {
  return make_tensor("piece", dtype_, {count}, bytes(first, count));
}

std::vector<double> TensorStream::doubles(std::uint64_t first, std::uint64_t count) const {
  return to_doubles(piece(first, count), source_);
}

std::vector<std::int64_t> TensorStream::int64s(std::uint64_t first, std::uint64_t count) const {
  return to_int64s(piece(first, count), source_);
}

}  // namespace ropecheck::io
