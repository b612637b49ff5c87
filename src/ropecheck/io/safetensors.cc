#include "ropecheck/io/safetensors.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/little_endian.h"
#include "ropecheck/io/utf8.h"

namespace ropecheck::io {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kMetadataKey = "__metadata__";

std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  if (b > std::numeric_limits<std::uint64_t>::max() - a) return std::nullopt;
  return a + b;
}

// ---- Reading ---------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(std::string_view rule, const std::string& detail) const {
    throw InvalidInput(fmt::format("{}: safetensors: {}: {}", source_, rule, detail));
  }

 private:
  std::string_view source_;
};

// The header's DOM, built from the events of nlohmann::json::sax_parse. nlohmann's own DOM
// parsers keep the last of repeated keys and recurse in some routines; this handler sees
// every key and container as it is parsed, so it rejects both before the rest of the
// header is read. (nlohmann's callback parser, Json::parse with a callback, would do the
// same checks but walks the parent object again after every nested one closes: a header
// of n entries then costs O(n²), minutes for 20 MB. Here each event costs at most one
// insertion into its object, so the whole header costs O(n log n).)
class HeaderBuilder {
 public:
  // The types sax_parse requires a handler to name.
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  HeaderBuilder(const Reader& reader, Json& root) : reader_(reader), root_(root) {}

  bool null() { return add(Json(nullptr)); }
  bool boolean(bool value) { return add(Json(value)); }
  bool number_integer(number_integer_t value) { return add(Json(value)); }
  bool number_unsigned(number_unsigned_t value) { return add(Json(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) { return add(Json(value)); }
  bool string(string_t& value) { return add(Json(std::move(value))); }
  bool binary(binary_t& value) { return add(Json(std::move(value))); }  // not produced by JSON text

  bool start_object(std::size_t /*elements: unknown for JSON text*/) {
    open(Json::object());
    return true;
  }

  bool key(string_t& name) {
    Frame& frame = open_.back();
    // The object itself tells whether the key is new: no second set of keys to keep.
    const auto [it, inserted] = frame.container->get_ref<Json::object_t&>().try_emplace(std::move(name));
    if (!inserted) {
      reader_.fail("duplicate key", fmt::format("key {} appears twice in {}", quoted_utf8(it->first), owner_text()));
    }
    frame.slot = &it->second;
    frame.last_key = &it->first;
    return true;
  }

  bool end_object() {
    open_.pop_back();
    return true;
  }

  bool start_array(std::size_t /*elements: unknown for JSON text*/) {
    open(Json::array());
    return true;
  }

  bool end_array() {
    open_.pop_back();
    return true;
  }

  // A syntax error, thrown as nlohmann's own parsers throw it (the caller words it).
  template <class Exception>
  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/, const Exception& error) {
    throw error;
  }

 private:
  struct Frame {
    Json* container = nullptr;              // the open array or object
    Json* slot = nullptr;                   // object: where the value of the last key goes
    const std::string* last_key = nullptr;  // object: the last key read (a map key, stable)
  };

  // Puts `value` where the parser stands: the root, the end of the open array, or the
  // slot of the open object's last key; returns where it now lives. Pointers into an
  // array stay valid while it is open: only the innermost container grows.
  Json* place(Json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& frame = open_.back();
    if (frame.container->is_array()) {
      auto& elements = frame.container->get_ref<Json::array_t&>();
      elements.push_back(std::move(value));
      return &elements.back();
    }
    *frame.slot = std::move(value);
    return frame.slot;
  }

  bool add(Json value) {
    place(std::move(value));
    return true;
  }

  void open(Json container) {
    // open_.size() containers surround the new one: 0 for the header, 1 for an entry.
    if (open_.size() >= static_cast<std::size_t>(kMaxJsonDepth)) {
      reader_.fail("header nested too deep",
                   fmt::format("JSON nests more than {} levels (a valid header nests 3)", kMaxJsonDepth));
    }
    open_.push_back(Frame{place(std::move(container))});
  }

  // The innermost open container, an object whenever a key is read, named for a message.
  std::string owner_text() const {
    const std::size_t depth = open_.size() - 1;
    if (depth == 0) return "the header";
    if (depth > 1) return "a nested object";
    // Directly under the header, an object is the value of the header's last key.
    const std::string& owner = *open_.front().last_key;
    if (owner == kMetadataKey) return "__metadata__";
    return "the entry of tensor " + quoted_utf8(owner);
  }

  const Reader& reader_;
  Json& root_;
  std::vector<Frame> open_;  // the containers being parsed, outermost first
};

// A JSON value named for a message: numbers by their text (short, and what the user
// wrote), everything else by its kind — never dumped whole, it may be megabytes deep.
std::string describe(const Json& v) {
  switch (v.type()) {
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return v.dump();
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case Json::value_t::null: return "null";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    default: return "an unexpected value";
  }
}

// A non-negative JSON integer, as the reference's usize takes it. nlohmann types every
// integer literal without a minus sign as unsigned; "-0" is not one (serde_json reads it
// as the float −0.0, which usize refuses).
std::optional<std::uint64_t> as_count(const Json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  return std::nullopt;
}

TensorEntry parse_entry(const Reader& reader, const std::string& name, const Json& v) {
  const std::string who = "tensor " + quoted_utf8(name);
  if (!v.is_object()) {
    reader.fail("invalid tensor entry",
                fmt::format("{}: expected an object with dtype, shape and data_offsets, got {}", who, describe(v)));
  }
  for (const auto& [field, value] : v.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets") {
      reader.fail("invalid tensor entry",
                  fmt::format("{}: unexpected field {} (an entry has exactly dtype, shape, data_offsets)", who,
                              quoted_utf8(field)));
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!v.contains(field)) reader.fail("invalid tensor entry", fmt::format("{}: missing '{}'", who, field));
  }

  TensorEntry e;
  e.name = name;
  const Json& dtype = v.at("dtype");
  const auto parsed_dtype = dtype.is_string() ? st_dtype_from_string(dtype.get_ref<const std::string&>()) : std::nullopt;
  if (!parsed_dtype) {
    reader.fail("unknown dtype",
                fmt::format("{}: dtype {} is not one of BOOL, U8, I8, U16, I16, U32, I32, U64, I64, F16, BF16, F32, F64",
                            who, dtype.is_string() ? quoted_utf8(dtype.get_ref<const std::string&>()) : describe(dtype)));
  }
  e.dtype = *parsed_dtype;

  const Json& shape = v.at("shape");
  if (!shape.is_array()) {
    reader.fail("invalid shape", fmt::format("{}: shape must be an array of non-negative integers, got {}", who,
                                             describe(shape)));
  }
  e.shape.reserve(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const auto dim = as_count(shape[i]);
    if (!dim) {
      reader.fail("invalid shape",
                  fmt::format("{}: shape[{}] is {}, not a non-negative integer", who, i, describe(shape[i])));
    }
    e.shape.push_back(*dim);
  }

  const Json& offsets = v.at("data_offsets");
  bool pair = offsets.is_array() && offsets.size() == 2;
  for (std::size_t i = 0; pair && i < 2; ++i) {
    const auto bound = as_count(offsets[i]);
    pair = bound.has_value();
    (i == 0 ? e.begin : e.end) = bound.value_or(0);
  }
  if (!pair) {
    reader.fail("invalid data_offsets", fmt::format("{}: data_offsets must be [begin, end], two non-negative integers", who));
  }
  if (e.begin > e.end) {
    reader.fail("invalid data_offsets", fmt::format("{}: data_offsets begin {} > end {}", who, e.begin, e.end));
  }
  return e;
}

std::map<std::string, std::string> parse_metadata(const Reader& reader, const Json& v) {
  if (!v.is_object()) {
    reader.fail("invalid __metadata__", fmt::format("__metadata__ must be an object of strings, got {}", describe(v)));
  }
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : v.items()) {
    if (!value.is_string()) {
      reader.fail("invalid __metadata__",
                  fmt::format("value of {} is {}, expected a string", quoted_utf8(key), describe(value)));
    }
    metadata.emplace(key, value.get<std::string>());
  }
  return metadata;
}

std::string json_error_text(const Json::exception& e) {
  // Drop nlohmann's "[json.exception.parse_error.101] " tag: the rule names the class.
  std::string_view what = e.what();
  if (const auto close = what.find("] "); !what.empty() && what.front() == '[' && close != std::string_view::npos) {
    what.remove_prefix(close + 2);
  }
  return printable_utf8(what, 4 * kMaxQuotedBytes);
}

[[noreturn]] void writer_fail(std::string_view rule, const std::string& detail) {
  throw InvalidInput(fmt::format("safetensors writer: {}: {}", rule, detail));
}

}  // namespace

// ---- SafetensorsFile ---------------------------------------------------------------------

const Tensor* SafetensorsFile::find(std::string_view name) const {
  for (const Tensor& t : tensors) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

const Tensor& SafetensorsFile::get(std::string_view name, std::string_view source) const {
  if (const Tensor* t = find(name)) return *t;
  throw InvalidInput(fmt::format("{}: no tensor {}", source, quoted_utf8(name)));
}

SafetensorsLayout parse_safetensors_layout(std::span<const unsigned char> bytes, std::uint64_t file_size,
                                           std::string_view source) {
  Reader reader(source);
  if (file_size < 8 || bytes.size() < 8) {
    reader.fail("file too small", fmt::format("{} bytes, fewer than the 8-byte header length", file_size));
  }
  const std::uint64_t n = load_le(bytes.data(), 8);
  if (n > kMaxHeaderBytes) {
    reader.fail("header too large", fmt::format("header length {} exceeds the limit of {} bytes", n, kMaxHeaderBytes));
  }
  const std::uint64_t available = file_size - 8;
  if (n > available) {
    reader.fail("header past end of file",
                fmt::format("8 + header length {} exceeds the file size {}", n, file_size));
  }
  if (n > bytes.size() - 8) {
    reader.fail("header past end of file",
                fmt::format("8 + header length {} exceeds the {} bytes read", n, bytes.size()));
  }
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + 8), static_cast<std::size_t>(n));
  if (const auto bad = first_invalid_utf8(header)) {
    reader.fail("header not UTF-8", fmt::format("invalid byte sequence at header byte {}", *bad));
  }
  if (header.empty() || header.front() != '{') {
    reader.fail("header not a JSON object", "the header must start with '{'");
  }

  // nlohmann's lexer reads a NUL byte as the end of input and would accept "{}\0<junk>".
  // No JSON text contains a raw NUL (strings escape it), so any NUL is a syntax error.
  if (const auto nul = header.find('\0'); nul != std::string_view::npos) {
    reader.fail("header not valid JSON", fmt::format("NUL byte at header byte {}", nul));
  }
  Json root;
  try {
    // The handler throws on every error, so sax_parse returns only on success.
    HeaderBuilder builder(reader, root);
    Json::sax_parse(header.begin(), header.end(), &builder);
  } catch (const Json::exception& e) {
    reader.fail("header not valid JSON", json_error_text(e));
  }

  SafetensorsLayout layout;
  std::vector<TensorEntry> entries;
  for (const auto& [key, value] : root.items()) {
    if (key == kMetadataKey) {
      layout.metadata = parse_metadata(reader, value);
    } else {
      entries.push_back(parse_entry(reader, key, value));
    }
  }

  // File order: by data offsets (root.items() was by name, which breaks ties among the
  // zero-size tensors that share an offset).
  std::stable_sort(entries.begin(), entries.end(), [](const TensorEntry& a, const TensorEntry& b) {
    return std::pair(a.begin, a.end) < std::pair(b.begin, b.end);
  });
  std::uint64_t covered = 0;
  for (const TensorEntry& e : entries) {
    const std::string who = "tensor " + quoted_utf8(e.name);
    if (e.begin != covered) {
      reader.fail("data_offsets not contiguous",
                  fmt::format("{} starts at data byte {}, expected {} (sorted by offset, tensors must tile the data "
                              "from 0 without gap or overlap)",
                              who, e.begin, covered));
    }
    covered = e.end;
    const auto need = byte_size(e.dtype, e.shape);
    if (!need) {
      reader.fail("size overflow",
                  fmt::format("{}: shape {} of {} has more than 2^64 bytes", who, shape_text(e.shape), to_string(e.dtype)));
    }
    if (*need != e.end - e.begin) {
      reader.fail("size mismatch", fmt::format("{}: shape {} of {} needs {} bytes, data_offsets [{}, {}] span {}", who,
                                               shape_text(e.shape), to_string(e.dtype), *need, e.begin, e.end,
                                               e.end - e.begin));
    }
  }
  const std::uint64_t data_size = available - n;
  if (covered != data_size) {
    reader.fail("incomplete buffer",
                fmt::format("the tensors cover {} bytes, the data section has {} (it must be covered exactly)", covered,
                            data_size));
  }

  layout.data_begin = 8 + n;
  layout.tensors = std::move(entries);
  return layout;
}

SafetensorsFile parse_safetensors(std::span<const unsigned char> bytes, std::string_view source) {
  SafetensorsLayout layout = parse_safetensors_layout(bytes, bytes.size(), source);
  // Every range lies within the data (checked against the file's size), so these copies
  // are bounded by the file size.
  const unsigned char* data = bytes.data() + layout.data_begin;
  SafetensorsFile file;
  file.metadata = std::move(layout.metadata);
  file.tensors.reserve(layout.tensors.size());
  for (TensorEntry& e : layout.tensors) {
    Tensor t;
    t.name = std::move(e.name);
    t.dtype = e.dtype;
    t.shape = std::move(e.shape);
    t.data.assign(data + e.begin, data + e.end);
    file.tensors.push_back(std::move(t));
  }
  return file;
}

SafetensorsFile read_safetensors(const std::filesystem::path& path) {
  const std::vector<unsigned char> bytes = read_input_file(path, "a safetensors file", kMaxTensorFileBytes);
  return parse_safetensors(bytes, path.string());
}

// ---- Writing -----------------------------------------------------------------------------

std::vector<unsigned char> serialize_safetensors(const SafetensorsFile& file) {
  Json header = Json::object();
  std::uint64_t offset = 0;
  for (const Tensor& t : file.tensors) {
    const std::string who = "tensor " + quoted_utf8(t.name);
    if (t.name == kMetadataKey) writer_fail("reserved name", "a tensor may not be named '__metadata__'");
    if (!is_valid_utf8(t.name)) writer_fail("name not UTF-8", fmt::format("{} is not valid UTF-8", who));
    if (header.contains(t.name)) writer_fail("duplicate name", fmt::format("{} appears twice", who));
    check_tensor_size(t, "safetensors writer: " + who);
    const auto end = checked_add(offset, t.data.size());
    if (!end) writer_fail("size overflow", "the data section would exceed 2^64 bytes");
    header[t.name] = Json{{"dtype", std::string(to_string(t.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", Json::array({offset, *end})}};
    offset = *end;
  }
  for (const auto& [key, value] : file.metadata) {
    if (!is_valid_utf8(key) || !is_valid_utf8(value)) {
      writer_fail("metadata not UTF-8", fmt::format("metadata entry {} is not valid UTF-8", quoted_utf8(key)));
    }
  }
  if (!file.metadata.empty()) header[std::string(kMetadataKey)] = file.metadata;

  std::string text = header.dump();
  // Spaces to a multiple of 8, as the reference pads, so the data starts 8-aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kMaxHeaderBytes) {
    writer_fail("header too large", fmt::format("{} bytes, above the readers' limit of {}", text.size(), kMaxHeaderBytes));
  }

  std::vector<unsigned char> out;
  out.reserve(8 + text.size() + static_cast<std::size_t>(offset));
  store_le(out, text.size(), 8);
  out.insert(out.end(), text.begin(), text.end());
  for (const Tensor& t : file.tensors) out.insert(out.end(), t.data.begin(), t.data.end());
  return out;
}

}  // namespace ropecheck::io
