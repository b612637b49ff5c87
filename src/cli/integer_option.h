// Integer flags read as text and parsed strictly. CLI11 2.1 hands "-2" to an unsigned
// option through strtoull, which wraps it to 2^64 − 2; that is how `decay --dim -2`
// became a huge dimension and a crash. Here a sign where none belongs, trailing text or a
// value outside [min, max] is InvalidInput naming the flag and the range, before any work.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck::cli {

inline std::uint64_t parse_integer_option(const std::string& text, std::string_view flag, std::uint64_t min,
                                          std::uint64_t max) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || stop != end || value < min || value > max) {
    throw InvalidInput(fmt::format("{} '{}' must be an integer from {} to {}", flag, text, min, max));
  }
  return value;
}

}  // namespace ropecheck::cli
