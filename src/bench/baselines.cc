#include "bench/baselines.h"

#include <cmath>
#include <cstring>

#include "bench/narrow_bits.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ROPECHECK_BENCH_X86 1
// One clone per x86-64 level, picked by the loader (ifunc) from the running CPU: v4 has
// AVX-512, v3 AVX2/FMA/F16C. The loops stay plain C++ for the compiler to vectorize.
#define ROPECHECK_BENCH_CLONES \
  [[gnu::target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")]]
#else
#define ROPECHECK_BENCH_X86 0
#define ROPECHECK_BENCH_CLONES
#endif

namespace ropecheck::bench {

namespace {

// GCC 12 does not vectorize _Float16 conversions, so a plain loop would convert one
// element at a time and leave the f16 baseline several times slower than a minimal
// kernel; F16C's VCVTPH2PS/VCVTPS2PH (8 lanes) are what such a kernel uses on x86. The
// 16-lane AVX-512 forms are left out: GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized
// and -Wsign-conversion, and the f16 rows with a target (DRAM) are bound by memory anyway.
#if ROPECHECK_BENCH_X86
// Returns how many leading elements it scaled (the rest do not fill 8 lanes).
[[gnu::target("avx2,f16c")]] std::size_t scale_f16_f16c(std::uint16_t* x, std::size_t n, float s) {
  const __m256 vs = _mm256_set1_ps(s);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    auto* p = reinterpret_cast<__m128i*>(x + i);
    const __m256 v = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128(p)), vs);
    _mm_storeu_si128(p, _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  return i;
}
#endif

}  // namespace

ROPECHECK_BENCH_CLONES
void scale_in_place_f32(float* x, std::size_t n, float s) {
  for (std::size_t i = 0; i < n; ++i) x[i] *= s;
}

ROPECHECK_BENCH_CLONES
void scale_in_place_bf16(std::uint16_t* x, std::size_t n, float s) {
  for (std::size_t i = 0; i < n; ++i) x[i] = bf16_from_f32_finite(f32_from_bf16(x[i]) * s);
}

void scale_in_place_f16(std::uint16_t* x, std::size_t n, float s) {
  std::size_t done = 0;
#if ROPECHECK_BENCH_X86
  static const bool f16c = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
  if (f16c) done = scale_f16_f16c(x, n, s);
#endif
  for (std::size_t i = done; i < n; ++i) x[i] = f16_from_f32(f32_from_f16(x[i]) * s);
}

void scale_in_place(Dtype dtype, void* data, std::size_t n, float s) {
  switch (dtype) {
    case Dtype::f32: scale_in_place_f32(static_cast<float*>(data), n, s); return;
    case Dtype::bf16: scale_in_place_bf16(static_cast<std::uint16_t*>(data), n, s); return;
    case Dtype::f16: scale_in_place_f16(static_cast<std::uint16_t*>(data), n, s); return;
    case Dtype::f64: break;
  }
}

void build_scalar_table(std::span<const float> inv_freq, std::size_t tokens, std::span<float> cos,
                        std::span<float> sin) {
  const std::size_t pairs = inv_freq.size();
  for (std::size_t m = 0; m < tokens; ++m) {
    const auto position = static_cast<float>(m);
    for (std::size_t i = 0; i < pairs; ++i) {
      const float angle = position * inv_freq[i];
      cos[m * pairs + i] = std::cos(angle);
      sin[m * pairs + i] = std::sin(angle);
    }
  }
}

}  // namespace ropecheck::bench
