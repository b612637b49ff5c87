// File-controlled text in error messages: each reader makes it printable its own way
// (npy headers are latin-1, safetensors names UTF-8) and quotes it here.
#pragma once

#include <string>
#include <string_view>

namespace ropecheck::io {

inline std::string single_quoted(std::string_view printable_text) {
  // Appended rather than "'" + s + "'": GCC 12 -O3 warns falsely (-Wrestrict) on the
  // inlined operator+(const char*, string&&) (GCC bug 105651).
  std::string out = "'";
  out += printable_text;
  out += '\'';
  return out;
}

}  // namespace ropecheck::io
