// Little-endian integers in byte buffers: the byte order of safetensors and .npy files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ropecheck::io {

inline std::uint64_t load_le(const unsigned char* p, std::size_t bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = bytes; i-- > 0;) v = (v << 8) | p[i];
  return v;
}

inline void store_le(std::vector<unsigned char>& out, std::uint64_t v, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

}  // namespace ropecheck::io
