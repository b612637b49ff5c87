#include "ropecheck/harness/untrusted_text.h"

#include <fmt/format.h>

namespace ropecheck::harness {
namespace {

// Length of the valid UTF-8 sequence starting at text[at], or 0 when it is not one
// (overlong forms, surrogates and code points above U+10FFFF are not).
std::size_t utf8_length(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t n = 0;
  std::uint32_t min = 0, cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2, min = 0x80, cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3, min = 0x800, cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4, min = 0x10000, cp = lead & 0x07u;
  } else {
    return 0;
  }
  if (at + n > text.size()) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(at + i) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

std::string escape(std::string_view text, std::size_t max_bytes, bool in_table) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    const auto c = static_cast<unsigned char>(text[at]);
    std::string piece;
    std::size_t used = 1;
    if (c == '\n') {
      piece = "\\n";
    } else if (c == '\r') {
      piece = "\\r";
    } else if (c == '\t') {
      piece = "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      piece = fmt::format("\\x{:02x}", c);
    } else if (c == '|' && in_table) {
      piece = "/";
    } else if (c < 0x80) {
      piece = std::string(1, static_cast<char>(c));
    } else if (const std::size_t n = utf8_length(text, at)) {
      piece = std::string(text.substr(at, n));
      used = n;
    } else {
      piece = fmt::format("\\x{:02x}", c);
    }
    if (out.size() + piece.size() > max_bytes) return out + "…";
    out += piece;
    at += used;
  }
  return out;
}

}  // namespace

std::string printable(std::string_view text, std::size_t max_bytes) { return escape(text, max_bytes, false); }
std::string table_safe(std::string_view text, std::size_t max_bytes) { return escape(text, max_bytes, true); }

}  // namespace ropecheck::harness
