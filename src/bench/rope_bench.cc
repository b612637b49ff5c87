// ropecheck_bench: times the RoPE kernels and the cos/sin table builders against baselines
// measured in the same process (docs/benchmarks.md#method) and prints their ratios and targets at the end.
// Google Benchmark's flags all work: --benchmark_filter=rope/cache picks rows (the ratio
// table shows only rows that ran), --benchmark_repetitions=N makes the table use medians,
// --benchmark_out=FILE --benchmark_out_format=json writes the raw results.
// Single thread. Bytes per second count the tensor once per iteration for kernels and
// baselines alike (the memory traffic is about twice that: one read, one write), so the
// printed rates compare directly.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <numeric>
#include <string>
#include <vector>

#include "bench/baselines.h"
#include "bench/bench_cases.h"
#include "bench/ratio_reporter.h"
#include "bench/tensor_buffers.h"
#include "ropecheck/kernels/cos_sin_table.h"
#include "ropecheck/kernels/rope_kernels.h"

namespace ropecheck::bench {

namespace {

// −1 keeps every |x| as it is however many times the in-place baseline runs over the
// buffer, so late iterations do not drift into subnormals or infinities.
constexpr float kBaselineScale = -1.0f;

std::vector<std::int64_t> positions(std::size_t tokens) {
  std::vector<std::int64_t> result(tokens);
  std::iota(result.begin(), result.end(), std::int64_t{0});
  return result;
}

void set_bytes(benchmark::State& state, std::size_t bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(bytes_per_iteration));
}

void bench_kernel(benchmark::State& state, const BenchShape& shape, Dtype dtype, Layout layout,
                  Placement placement) {
  TensorBuffers& buffers = tensor_buffers(shape, dtype);
  buffers.reset_work();
  const RopeSpec spec = bench_spec(layout);
  const std::vector<std::int64_t> pos = positions(shape.tokens);
  const bool in_place = placement == Placement::in_place;
  const kernels::ConstTensor in{in_place ? buffers.work() : buffers.source(), dtype, 0};
  const kernels::MutableTensor out{in_place ? buffers.work() : buffers.output(), dtype, 0};
  kernels::RopeShape rope;
  kernels::CosSinTable table;
  try {
    rope = kernels::rope_shape(spec, shape.tokens, shape.heads);
    table = kernels::build_table(spec, pos, kernels::TableMode::accurate);
    // Untimed first call: surfaces a rejected call as a skipped row, warms the caches.
    kernels::apply_rope(rope, table, in, out);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    kernels::apply_rope(rope, table, in, out);
    benchmark::ClobberMemory();
  }
  set_bytes(state, buffers.bytes());
}

void bench_memcpy(benchmark::State& state, const BenchShape& shape, Dtype dtype) {
  TensorBuffers& buffers = tensor_buffers(shape, dtype);
  const void* src = buffers.source();
  void* dst = buffers.output();
  std::memcpy(dst, src, buffers.bytes());
  for (auto _ : state) {
    std::memcpy(dst, src, buffers.bytes());
    benchmark::DoNotOptimize(dst);
    benchmark::ClobberMemory();
  }
  set_bytes(state, buffers.bytes());
}

void bench_scale(benchmark::State& state, const BenchShape& shape, Dtype dtype) {
  TensorBuffers& buffers = tensor_buffers(shape, dtype);
  buffers.reset_work();
  void* data = buffers.work();
  scale_in_place(dtype, data, buffers.elements(), kBaselineScale);
  for (auto _ : state) {
    scale_in_place(dtype, data, buffers.elements(), kBaselineScale);
    benchmark::ClobberMemory();
  }
  set_bytes(state, buffers.bytes());
}

std::size_t table_bytes(std::size_t tokens, std::size_t pairs) {
  return 2 * tokens * pairs * sizeof(float);
}

void bench_table(benchmark::State& state, kernels::TableMode mode) {
  const std::vector<std::int64_t> pos = positions(kTableTokens);
  kernels::TableFrequencies freqs;
  kernels::CosSinTable table;
  try {
    freqs = kernels::table_frequencies(bench_spec(Layout::interleaved));
    // Sizes and touches the table, so the loop times the refill alone.
    kernels::build_table(freqs, pos, mode, table);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    kernels::build_table(freqs, pos, mode, table);
    benchmark::ClobberMemory();
  }
  set_bytes(state, table_bytes(kTableTokens, freqs.pairs));
}

void bench_scalar_table(benchmark::State& state) {
  const kernels::TableFrequencies freqs =
      kernels::table_frequencies(bench_spec(Layout::interleaved));
  std::vector<float> cos(kTableTokens * freqs.pairs);
  std::vector<float> sin(kTableTokens * freqs.pairs);
  build_scalar_table(freqs.theta_f32, kTableTokens, cos, sin);
  for (auto _ : state) {
    build_scalar_table(freqs.theta_f32, kTableTokens, cos, sin);
    benchmark::ClobberMemory();
  }
  set_bytes(state, table_bytes(kTableTokens, freqs.pairs));
}

// Each shape and dtype runs its baselines right before its kernels, so both see the same
// machine state (clock, neighbours on the shared cores) as closely as a serial run can.
void register_benchmarks() {
  for (const BenchShape& shape : kShapes) {
    for (const Dtype dtype : kDtypes) {
      benchmark::RegisterBenchmark(memcpy_name(shape, dtype).c_str(),
                                   [shape, dtype](benchmark::State& state) {
                                     bench_memcpy(state, shape, dtype);
                                   })
          ->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark(scale_name(shape, dtype).c_str(),
                                   [shape, dtype](benchmark::State& state) {
                                     bench_scale(state, shape, dtype);
                                   })
          ->Unit(benchmark::kMicrosecond);
      for (const Layout layout : kLayouts) {
        for (const Placement placement : kPlacements) {
          benchmark::RegisterBenchmark(kernel_name(shape, dtype, layout, placement).c_str(),
                                       [shape, dtype, layout, placement](benchmark::State& state) {
                                         bench_kernel(state, shape, dtype, layout, placement);
                                       })
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  benchmark::RegisterBenchmark(scalar_table_name().c_str(), bench_scalar_table)
      ->Unit(benchmark::kMicrosecond);
  for (const kernels::TableMode mode : kTableModes) {
    benchmark::RegisterBenchmark(table_name(mode).c_str(),
                                 [mode](benchmark::State& state) { bench_table(state, mode); })
        ->Unit(benchmark::kMicrosecond);
  }
}

// The library picks colour from --benchmark_color only for the reporter it makes itself,
// and that choice is not public API: colour when stdout is a terminal, as its "auto" does.
benchmark::ConsoleReporter::OutputOptions console_options() {
  return isatty(STDOUT_FILENO) != 0 ? benchmark::ConsoleReporter::OO_ColorTabular
                                    : benchmark::ConsoleReporter::OO_Tabular;
}

}  // namespace

}  // namespace ropecheck::bench

int main(int argc, char** argv) {
  namespace rb = ropecheck::bench;
  namespace rk = ropecheck::kernels;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  rb::RatioTableContext context;
  const std::vector<std::int64_t> targets = rk::available_targets();
  context.highway_target = targets.empty() ? "none" : rk::target_name(targets.front());
  for (const std::int64_t target : targets) {
    if (!context.supported_targets.empty()) context.supported_targets += ", ";
    context.supported_targets += rk::target_name(target);
  }
  context.avx512_bf16 = rk::cpu_has_avx512_bf16();
  context.bf16_instructions = rk::dispatched_target_has_bf16_instructions();
  // Also recorded in the JSON output's "context", next to the CPU description.
  benchmark::AddCustomContext("ropecheck_highway_target", context.highway_target);
  benchmark::AddCustomContext("ropecheck_avx512_bf16", context.avx512_bf16 ? "yes" : "no");
  benchmark::AddCustomContext("ropecheck_bf16_instructions",
                              context.bf16_instructions ? "yes" : "no");

  rb::register_benchmarks();
  rb::RatioReporter reporter(rb::console_options(), context);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
