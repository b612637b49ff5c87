// Tensors for the benchmarks, allocated and pre-touched before anything is timed: a first
// write to a page costs ~10 µs here (docs/benchmarks.md#method), more than the whole in-cache kernel.
// One set per (shape, dtype), made on first use and kept for the process, so kernels and
// baselines of a shape and dtype run over the very same memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bench/bench_cases.h"
#include "hwy/aligned_allocator.h"
#include "ropecheck/dtype.h"

namespace ropecheck::bench {

// Fixed so every run times the same data.
inline constexpr std::uint64_t kInputSeed = 20261122;

class TensorBuffers {
 public:
  TensorBuffers(const BenchShape& shape, Dtype dtype);

  Dtype dtype() const { return dtype_; }
  std::size_t elements() const { return elements_; }
  std::size_t bytes() const { return bytes_; }

  // Standard normal samples rounded to the dtype; never written after construction.
  const void* source() const { return source_.get(); }
  // Destination of the out-of-place kernels and of memcpy.
  void* output() { return output_.get(); }
  // Rotated and scaled in place; reset_work() copies the source back (untimed).
  void* work() { return work_.get(); }
  void reset_work();

 private:
  Dtype dtype_;
  std::size_t elements_;
  std::size_t bytes_;
  hwy::AlignedFreeUniquePtr<std::uint8_t[]> source_;
  hwy::AlignedFreeUniquePtr<std::uint8_t[]> output_;
  hwy::AlignedFreeUniquePtr<std::uint8_t[]> work_;
};

// The buffers of (shape, dtype), created and pre-touched on the first call.
TensorBuffers& tensor_buffers(const BenchShape& shape, Dtype dtype);

}  // namespace ropecheck::bench
