#include "bench/tensor_buffers.h"

#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <string_view>
#include <utility>

#include "bench/narrow_bits.h"

namespace ropecheck::bench {

namespace {

void fill_normal(void* data, Dtype dtype, std::size_t n) {
  std::mt19937_64 rng(kInputSeed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  switch (dtype) {
    case Dtype::f32: {
      auto* x = static_cast<float*>(data);
      for (std::size_t i = 0; i < n; ++i) x[i] = normal(rng);
      return;
    }
    case Dtype::bf16: {
      auto* x = static_cast<std::uint16_t*>(data);
      for (std::size_t i = 0; i < n; ++i) x[i] = bf16_from_f32_finite(normal(rng));
      return;
    }
    case Dtype::f16: {
      auto* x = static_cast<std::uint16_t*>(data);
      for (std::size_t i = 0; i < n; ++i) x[i] = f16_from_f32(normal(rng));
      return;
    }
    case Dtype::f64: break;
  }
}

}  // namespace

TensorBuffers::TensorBuffers(const BenchShape& shape, Dtype dtype)
    : dtype_(dtype),
      elements_(shape.elements()),
      bytes_(shape.elements() * storage_bytes(dtype)),
      source_(hwy::AllocateAligned<std::uint8_t>(bytes_)),
      output_(hwy::AllocateAligned<std::uint8_t>(bytes_)),
      work_(hwy::AllocateAligned<std::uint8_t>(bytes_)) {
  if (!source_ || !output_ || !work_) throw std::bad_alloc();
  // Each of these writes every page of its buffer.
  fill_normal(source_.get(), dtype_, elements_);
  std::memset(output_.get(), 0, bytes_);
  reset_work();
}

void TensorBuffers::reset_work() { std::memcpy(work_.get(), source_.get(), bytes_); }

TensorBuffers& tensor_buffers(const BenchShape& shape, Dtype dtype) {
  static std::map<std::pair<std::string_view, Dtype>, std::unique_ptr<TensorBuffers>> cache;
  std::unique_ptr<TensorBuffers>& slot = cache[{shape.name, dtype}];
  if (!slot) slot = std::make_unique<TensorBuffers>(shape, dtype);
  return *slot;
}

}  // namespace ropecheck::bench
