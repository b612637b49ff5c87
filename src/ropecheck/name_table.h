// Enum ↔ name tables: a constexpr array of {value, name} pairs per enum, and the two
// lookups every table needs (spec, dtypes, safetensors dtypes, case inputs).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace ropecheck {

template <class E, std::size_t N> using NameTable = std::array<std::pair<E, std::string_view>, N>;

// The name of `value`, or `missing` when the table lacks it.
template <class E, std::size_t N>
constexpr std::string_view name_of(const NameTable<E, N>& table, E value, std::string_view missing = "?") {
  for (const auto& [known, name] : table) {
    if (known == value) return name;
  }
  return missing;
}

// The value called `name`, or nullopt.
template <class E, std::size_t N>
constexpr std::optional<E> value_named(const NameTable<E, N>& table, std::string_view name) {
  for (const auto& [value, known] : table) {
    if (known == name) return value;
  }
  return std::nullopt;
}

}  // namespace ropecheck
