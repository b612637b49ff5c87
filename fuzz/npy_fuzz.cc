// libFuzzer target for the .npy reader (scripts/fuzz.sh builds and runs it).
//
// Contract under test (src/ropecheck/io/npy.h): for any bytes, parse_npy either returns a
// float tensor whose data size matches its shape, or throws InvalidInput — any other
// exception, a crash, a sanitizer report (ASan, UBSan) or a timeout is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ropecheck/errors.h"
#include "ropecheck/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ropecheck::io;
  Tensor t;
  try {
    t = parse_npy(std::span<const unsigned char>(data, size), "fuzz");
  } catch (const ropecheck::InvalidInput&) {
    return 0;
  }
  const auto count = element_count(t.shape);
  if (t.name != "out" || !float_dtype_of(t.dtype) || !count || *count * element_bytes(t.dtype) != t.data.size()) {
    std::abort();
  }
  // Decoding an accepted tensor never fails.
  if (to_doubles(t, "fuzz").size() != *count) std::abort();
  return 0;
}
