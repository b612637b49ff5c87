// libFuzzer target for the safetensors reader (scripts/fuzz.sh builds and runs it).
//
// Contract under test (src/ropecheck/io/safetensors.h): for any bytes, parse_safetensors
// either returns or throws InvalidInput — any other exception, a crash, a sanitizer report
// (ASan, UBSan) or a timeout is a finding. An accepted file must also survive a write/read
// round trip unchanged, and writing what was read back must give the same bytes again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ropecheck/errors.h"
#include "ropecheck/io/safetensors.h"

namespace {

using ropecheck::InvalidInput;
using namespace ropecheck::io;

bool same(const SafetensorsFile& a, const SafetensorsFile& b) {
  if (a.tensors.size() != b.tensors.size() || a.metadata != b.metadata) return false;
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    const Tensor& t = a.tensors[i];
    const Tensor* u = b.find(t.name);
    if (u == nullptr || u->dtype != t.dtype || u->shape != t.shape || u->data != t.data) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SafetensorsFile file;
  try {
    file = parse_safetensors(std::span<const unsigned char>(data, size), "fuzz");
  } catch (const InvalidInput&) {
    return 0;
  }
  // Whatever the reader accepts, the writer must accept, and the two must agree.
  const auto bytes = serialize_safetensors(file);
  const SafetensorsFile back = parse_safetensors(bytes, "fuzz-round-trip");
  if (!same(file, back) || serialize_safetensors(back) != bytes) std::abort();
  for (const Tensor& t : file.tensors) {
    try {
      (void)to_doubles(t, "fuzz");
    } catch (const InvalidInput&) {
    }
    try {
      (void)to_int64s(t, "fuzz");
    } catch (const InvalidInput&) {
    }
  }
  return 0;
}
