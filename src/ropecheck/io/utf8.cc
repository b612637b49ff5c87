#include "ropecheck/io/utf8.h"

#include <fmt/format.h>

#include "ropecheck/io/quoted_text.h"
#include "ropecheck/utf8_prefix.h"

namespace ropecheck::io {
std::string printable_utf8(std::string_view text, std::size_t limit) {
  const std::string_view head = utf8_prefix(text, limit);
  std::string out;
  out.reserve(head.size() + 4);
  for (const char c : head) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20U || byte == 0x7FU) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  if (head.size() < text.size()) out += "…";
  return out;
}

std::string quoted_utf8(std::string_view text) { return single_quoted(printable_utf8(text)); }

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80U) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    // The second byte's range is narrowed for the leads that would otherwise admit
    // overlong forms (E0, F0), surrogates (ED) or code points above U+10FFFF (F4).
    unsigned char lo = 0x80U;
    unsigned char hi = 0xBFU;
    if (c >= 0xC2U && c <= 0xDFU) {
      len = 2;
    } else if (c >= 0xE0U && c <= 0xEFU) {
      len = 3;
      if (c == 0xE0U) lo = 0xA0U;
      if (c == 0xEDU) hi = 0x9FU;
    } else if (c >= 0xF0U && c <= 0xF4U) {
      len = 4;
      if (c == 0xF0U) lo = 0x90U;
      if (c == 0xF4U) hi = 0x8FU;
    } else {
      return i;
    }
    if (n - i < len) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80U || s[i + k] > 0xBFU) return i;
    }
    i += len;
  }
  return std::nullopt;
}

bool is_valid_utf8(std::string_view text) { return !first_invalid_utf8(text).has_value(); }

}  // namespace ropecheck::io
