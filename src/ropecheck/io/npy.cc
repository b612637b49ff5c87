#include "ropecheck/io/npy.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/io/little_endian.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/quoted_text.h"

namespace ropecheck::io {
namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// Longest piece of file-controlled text quoted in a message (keeps it one short line).
constexpr std::size_t kMaxQuotedBytes = 64;

std::string printable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMaxQuotedBytes; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    // Bytes ≥ 0x80 escaped too: a 1.0/2.0 header is latin-1, not UTF-8.
    if (byte < 0x20U || byte >= 0x7FU) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += text[i];
    }
  }
  if (text.size() > kMaxQuotedBytes) out += "…";
  return out;
}

std::string in_quotes(std::string_view text) { return single_quoted(printable(text)); }

struct Header {
  std::optional<std::string_view> descr;  // raw text between the quotes
  std::optional<bool> fortran_order;
  std::optional<std::vector<std::uint64_t>> shape;
};

// A hand-written scanner for the one dict shape NumPy writes: no recursion, no allocation
// but the shape, positions in messages are byte offsets into the header.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  [[noreturn]] void fail(std::string_view rule, const std::string& detail) const {
    throw InvalidInput(fmt::format("{}: npy: {}: {}", source_, rule, detail));
  }

  Header parse() {
    Header h;
    skip_space();
    expect('{', "the header must be a dict literal starting with '{'");
    skip_space();
    while (!at('}')) {
      const std::string_view key = string_literal("a dict key (a quoted string)");
      skip_space();
      expect(':', fmt::format("':' after the key {}", in_quotes(key)));
      skip_space();
      if (key == "descr") {
        if (h.descr) duplicate(key);
        if (at('[')) fail("unsupported descr", "structured dtypes (a list descr) are not supported; accepted: '<f8', '<f4', '<f2'");
        h.descr = string_literal("descr as a quoted string");
      } else if (key == "fortran_order") {
        if (h.fortran_order) duplicate(key);
        h.fortran_order = boolean();
      } else if (key == "shape") {
        if (h.shape) duplicate(key);
        h.shape = shape();
      } else {
        fail("unknown key", fmt::format("key {} (the header has exactly 'descr', 'fortran_order', 'shape')", in_quotes(key)));
      }
      skip_space();
      if (at(',')) {
        ++pos_;
        skip_space();
      } else if (!at('}')) {
        syntax("',' or '}' after a value");
      }
    }
    ++pos_;
    skip_space();
    if (pos_ != text_.size()) syntax("only whitespace after the closing '}'");
    if (!h.descr) missing("descr");
    if (!h.fortran_order) missing("fortran_order");
    if (!h.shape) missing("shape");
    return h;
  }

 private:
  bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\f')) {
      ++pos_;
    }
  }

  [[noreturn]] void syntax(std::string_view expected) const {
    const std::string found =
        pos_ < text_.size() ? in_quotes(text_.substr(pos_, 16)) : std::string("the end of the header");
    fail("header not a dict literal", fmt::format("expected {} at header byte {}, found {}", expected, pos_, found));
  }
  [[noreturn]] void duplicate(std::string_view key) const {
    fail("duplicate key", fmt::format("key {} appears twice", in_quotes(key)));
  }
  [[noreturn]] void missing(std::string_view key) const {
    fail("missing key", fmt::format("the header has no '{}'", key));
  }

  void expect(char c, std::string_view expected) {
    if (!at(c)) syntax(expected);
    ++pos_;
  }

  // Python string literal in either quote style; a backslash escapes the next byte. The
  // raw text is returned: an escaped descr is never one of the accepted ones anyway.
  std::string_view string_literal(std::string_view what) {
    if (!at('\'') && !at('"')) syntax(what);
    const char quote = text_[pos_++];
    const std::size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote && text_[pos_] != '\n') {
      pos_ += text_[pos_] == '\\' ? std::size_t{2} : std::size_t{1};
    }
    if (pos_ >= text_.size() || text_[pos_] != quote) {
      pos_ = begin - 1;
      syntax("a string literal closed on its line");
    }
    return text_.substr(begin, pos_++ - begin);
  }

  bool boolean() {
    for (const auto& [word, value] : {std::pair<std::string_view, bool>{"True", true}, {"False", false}}) {
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        return value;
      }
    }
    syntax("True or False for fortran_order");
  }

  std::vector<std::uint64_t> shape() {
    if (!at('(')) {
      fail("invalid shape", fmt::format("shape must be a tuple of non-negative integers, found {}",
                                        in_quotes(text_.substr(pos_, 16))));
    }
    ++pos_;
    std::vector<std::uint64_t> dims;
    bool trailing_comma = false;
    skip_space();
    while (!at(')')) {
      dims.push_back(dimension(dims.size()));
      skip_space();
      trailing_comma = at(',');
      if (trailing_comma) {
        ++pos_;
        skip_space();
      } else if (!at(')')) {
        syntax("',' or ')' in the shape tuple");
      }
    }
    ++pos_;
    // Python reads "(3)" as the int 3, not a tuple; NumPy rejects it, so do we.
    if (dims.size() == 1 && !trailing_comma) {
      fail("invalid shape", "shape '(n)' is an integer in Python, not a tuple; a 1-d shape is written '(n,)'");
    }
    return dims;
  }

  std::uint64_t dimension(std::size_t index) {
    if (at('-')) fail("invalid shape", fmt::format("shape[{}] is negative", index));
    const std::size_t begin = pos_;
    std::uint64_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
        fail("invalid shape", fmt::format("shape[{}] exceeds 2^64 - 1", index));
      }
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ == begin) syntax(fmt::format("a non-negative integer for shape[{}]", index));
    return value;
  }

  std::string_view text_;
  std::string_view source_;
  std::size_t pos_ = 0;
};

// The accepted descrs and what each becomes.
std::optional<StDtype> accepted_descr(std::string_view descr) {
  if (descr == "<f8") return StDtype::F64;
  if (descr == "<f4") return StDtype::F32;
  if (descr == "<f2") return StDtype::F16;
  if (descr == "<i8") return StDtype::I64;
  if (descr == "<i4") return StDtype::I32;
  return std::nullopt;
}

std::string descr_rejection(std::string_view descr) {
  const std::string what = in_quotes(descr);
  if (descr.find('O') != std::string_view::npos) return fmt::format("object arrays ({}) are not supported", what);
  if (!descr.empty() && descr.front() == '>') return fmt::format("big-endian {} is not supported", what);
  return fmt::format("{} is not supported", what);
}

}  // namespace

NpyLayout parse_npy_layout(std::span<const unsigned char> bytes, std::uint64_t file_size, std::string_view source) {
  const auto fail = [source](std::string_view rule, const std::string& detail) {
    return InvalidInput(fmt::format("{}: npy: {}: {}", source, rule, detail));
  };
  const std::string_view all(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (all.size() < kMagic.size() + 2 || all.substr(0, kMagic.size()) != kMagic) {
    throw fail("bad magic", "the file does not start with \"\\x93NUMPY\" and a version");
  }
  const unsigned major = bytes[6];
  const unsigned minor = bytes[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    throw fail("unsupported version", fmt::format("version {}.{}; supported: 1.0, 2.0, 3.0", major, minor));
  }
  // 1.0 stores the header length in 2 bytes; 2.0 widened it to 4, 3.0 only changed encoding.
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  const std::size_t prefix = 8 + length_bytes;
  if (bytes.size() < prefix) {
    throw fail("file too small", fmt::format("{} bytes, fewer than the {}-byte preamble of version {}.0", bytes.size(),
                                             prefix, major));
  }
  const std::size_t header_length = load_le(bytes.data() + 8, length_bytes);
  if (header_length > file_size - prefix) {
    throw fail("header past end of file",
               fmt::format("{} + header length {} exceeds the file size {}", prefix, header_length, file_size));
  }
  if (header_length > bytes.size() - prefix) {
    throw fail("header too large", fmt::format("header length {} exceeds the {} bytes read of it", header_length,
                                               bytes.size() - prefix));
  }
  const std::string_view header = all.substr(prefix, header_length);
  if (major == 3 && !is_valid_utf8(header)) throw fail("header not UTF-8", "a version 3.0 header must be UTF-8");

  const Header h = HeaderParser(header, source).parse();
  const auto dtype = accepted_descr(*h.descr);
  if (!dtype) {
    throw fail("unsupported descr", descr_rejection(*h.descr) +
                                        "; accepted: '<f8', '<f4', '<f2' (little-endian floats), '<i8', '<i4' (integers)");
  }
  if (*h.fortran_order) {
    throw fail("fortran order", "fortran_order True is not supported; write the array in C order");
  }
  const auto need = byte_size(*dtype, *h.shape);
  if (!need) throw fail("size overflow", "product(shape) × itemsize exceeds 2^64 - 1 bytes");
  const std::uint64_t data_begin = prefix + header_length;
  const std::uint64_t have = file_size - data_begin;
  if (have < *need) {
    throw fail("data too short", fmt::format("shape and descr need {} data bytes, the file has {}", *need, have));
  }
  if (have > *need) {
    throw fail("trailing bytes", fmt::format("{} bytes after the {} data bytes the shape and descr need", have - *need,
                                             *need));
  }
  return NpyLayout{*dtype, *h.shape, data_begin};
}

Tensor parse_npy(std::span<const unsigned char> bytes, std::string_view source) {
  NpyLayout layout = parse_npy_layout(bytes, bytes.size(), source);
  return make_tensor("out", layout.dtype, std::move(layout.shape),
                     std::vector<unsigned char>(bytes.begin() + static_cast<std::ptrdiff_t>(layout.data_begin), bytes.end()));
}

Tensor read_npy(const std::filesystem::path& path) {
  const std::vector<unsigned char> bytes = read_input_file(path, "a .npy file", kMaxTensorFileBytes);
  return parse_npy(bytes, path.string());
}

}  // namespace ropecheck::io
