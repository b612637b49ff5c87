// Cutting text for messages without splitting a UTF-8 sequence.
#pragma once

#include <cstddef>
#include <string_view>

namespace ropecheck {

// `text` cut to at most `limit` bytes, back to the start of a UTF-8 sequence when the cut
// would fall inside one.
inline std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0U) == 0x80U) --end;
  return text.substr(0, end);
}

}  // namespace ropecheck
