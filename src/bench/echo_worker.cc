// A worker that answers every apply call with its input (docs/worker-protocol.md): the
// worker transport's own cost, for ropecheck_harness_bench. Written against the protocol
// with ropecheck's safetensors code, as a C++ worker would be.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "ropecheck/io/safetensors.h"

namespace {

bool read_exact(unsigned char* into, std::size_t n) {
  while (n) {
    const ssize_t got = read(STDIN_FILENO, into, n);
    if (got <= 0) return false;
    into += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_all(const unsigned char* from, std::size_t n) {
  while (n) {
    const ssize_t put = write(STDOUT_FILENO, from, n);
    if (put <= 0) return false;
    from += put;
    n -= static_cast<std::size_t>(put);
  }
  return true;
}

bool send(const std::vector<unsigned char>& blob) {
  unsigned char prefix[8];
  for (int i = 0; i < 8; ++i) prefix[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(blob.size()) >> (8 * i));
  return write_all(prefix, 8) && write_all(blob.data(), blob.size());
}

}  // namespace

int main() {
  using namespace ropecheck::io;
  std::vector<unsigned char> blob;
  while (true) {
    unsigned char prefix[8];
    if (!read_exact(prefix, 8)) return 0;
    std::uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n |= std::uint64_t{prefix[i]} << (8 * i);
    blob.resize(n);
    if (!read_exact(blob.data(), n)) return 1;
    SafetensorsFile request = parse_safetensors(blob, "request");
    SafetensorsFile reply;
    reply.metadata.insert(request.metadata.extract("op"));
    reply.metadata.insert(request.metadata.extract("id"));
    if (reply.metadata.at("op") == "hello") {
      reply.metadata.emplace("protocol", "1");
      reply.metadata.emplace("name", "echo");
      reply.metadata.emplace("supports", R"({"dtypes":["f32","bf16","f16"]})");
    } else {
      Tensor x = request.get("x", "request");
      x.name = "out";
      reply.tensors.push_back(std::move(x));
    }
    if (!send(serialize_safetensors(reply))) return 1;
  }
}
