// Counts in messages: "1 case file", "2 case files", "0 problems".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace ropecheck {

// `noun` is the singular; the plural adds "s" (every noun counted in ropecheck's messages
// takes it), or `plural` when given.
inline std::string counted(std::size_t n, std::string_view noun, std::string_view plural = {}) {
  if (n == 1) return fmt::format("1 {}", noun);
  return plural.empty() ? fmt::format("{} {}s", n, noun) : fmt::format("{} {}", n, plural);
}

}  // namespace ropecheck
