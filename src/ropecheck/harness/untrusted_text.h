// Text that a plugin controls (its name, what it printed), made safe to put in one line
// of ropecheck's output or one cell of a markdown table.
//
// Contract:
//  - printable(text, max_bytes): control characters (C0, DEL) become \n, \r, \t or \xNN,
//    bytes that are not valid UTF-8 become \xNN, valid UTF-8 is kept; the result never
//    exceeds max_bytes bytes plus a final "…" when it was cut (never inside a character
//    or an escape). A backslash is kept as is: the result is for reading, not for parsing.
//  - table_safe(text): additionally '|' becomes '/', so a markdown table keeps its columns.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ropecheck::harness {

std::string printable(std::string_view text, std::size_t max_bytes);
std::string table_safe(std::string_view text, std::size_t max_bytes);

}  // namespace ropecheck::harness
