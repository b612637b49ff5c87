// UTF-8 in file-controlled text: validation, and quoting in one-line messages.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ropecheck::io {

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);
// Offset of the first byte that breaks RFC 3629, or nullopt for valid UTF-8.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// Longest piece of file-controlled text (a tensor name, a JSON error) quoted in a message:
// a name can be megabytes long, and a message stays one readable line.
inline constexpr std::size_t kMaxQuotedBytes = 96;

// File-controlled text made safe for a one-line message: control bytes escaped, text past
// `limit` bytes cut (never inside a UTF-8 sequence) with an ellipsis.
std::string printable_utf8(std::string_view text, std::size_t limit = kMaxQuotedBytes);
// printable_utf8(text) in single quotes.
std::string quoted_utf8(std::string_view text);

}  // namespace ropecheck::io
