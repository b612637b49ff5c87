// ropecheck_harness_bench: what one call to an implementation under test costs, through
// each way in (harness/implementation.h), with implementations that only return their
// input, so the transport alone is timed: a plugin (a forked child per call, shared
// memory), a C++ worker (one process, the protocol over pipes) and a Python worker (the
// ropecheck_worker client, numpy). Two sizes: one head of one token, and a
// [4096, 32, 128] bf16 tensor (32 MiB). memcpy of the large tensor is the same-run
// baseline. Ratios, not absolute times, are the result (scripts/bench.sh).
//   ropecheck_harness_bench [--benchmark_filter=…]
// ROPECHECK_BENCH_PYTHON overrides the Python interpreter (default /usr/bin/python3).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/harness/exec_worker.h"
#include "ropecheck/harness/plugin_process.h"

namespace {

using namespace ropecheck;

struct Size {
  const char* name;
  std::size_t tokens, heads, head_dim;
};
constexpr Size kSizes[] = {{"one_head", 1, 1, 128}, {"4096x32x128", 4096, 32, 128}};

harness::PluginLimits limits() {
  harness::PluginLimits l = harness::default_plugin_limits();
  l.timeout = std::chrono::duration<double>(120);
  return l;
}

std::string python_echo_worker() {
  const char* python = std::getenv("ROPECHECK_BENCH_PYTHON");
  return fmt::format("{} -c 'import sys; sys.path.insert(0, \"{}/python\"); from ropecheck_worker import serve; "
                     "serve(lambda spec, x, positions: x, supports={{\"dtypes\": [\"bf16\"]}}, name=\"python echo\")'",
                     python ? python : "/usr/bin/python3", ROPECHECK_SOURCE_DIR);
}

std::shared_ptr<const harness::Implementation> open(const std::string& which) {
  if (which == "plugin") return std::make_shared<const harness::Plugin>(harness::Plugin::open(ROPECHECK_ECHO_PLUGIN, limits()));
  if (which == "worker_cpp") return std::make_shared<const harness::ExecWorker>(harness::ExecWorker::open(ROPECHECK_ECHO_WORKER, limits()));
  return std::make_shared<const harness::ExecWorker>(harness::ExecWorker::open(python_echo_worker(), limits()));
}

void bench_call(benchmark::State& state, const std::string& which, const Size& size) {
  const std::shared_ptr<const harness::Implementation> impl = open(which);
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = size.head_dim;
  std::vector<std::int64_t> positions(size.tokens);
  std::iota(positions.begin(), positions.end(), std::int64_t{0});
  const std::size_t elements = size.tokens * size.heads * size.head_dim;
  std::vector<std::uint16_t> x(elements, 0x3f80), out(elements);
  const harness::RopeCall call{spec, Dtype::bf16, size.heads, PositionsView(positions, 1), x.data(), size.heads * size.head_dim, false};
  for (auto _ : state) {
    impl->apply(call, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  if (out != x) state.SkipWithError("the echo came back changed");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(elements * 2));
}

void bench_memcpy(benchmark::State& state) {
  const Size& size = kSizes[1];
  const std::size_t bytes = size.tokens * size.heads * size.head_dim * 2;
  std::vector<unsigned char> a(bytes, 1), b(bytes);
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), bytes);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(bytes));
}

// The per-call times of this run, and each way's cost relative to the plugin's.
class RatioPrinter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      if (!r.error_occurred) seconds_[r.benchmark_name()] = r.GetAdjustedRealTime() / 1e6;  // µs → s
    }
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    std::printf("\nharness round trip (this run):\n");
    for (const Size& size : kSizes) {
      const double bytes = static_cast<double>(size.tokens * size.heads * size.head_dim * 2);
      const auto plugin = seconds_.find(fmt::format("harness/plugin/{}", size.name));
      for (const char* way : {"plugin", "worker_cpp", "worker_python"}) {
        const auto it = seconds_.find(fmt::format("harness/{}/{}", way, size.name));
        if (it == seconds_.end()) continue;
        std::printf("  %-14s %-12s %12.1f us/call %8.2f GB/s", way, size.name, it->second * 1e6, bytes / it->second / 1e9);
        if (plugin != seconds_.end()) std::printf("  %6.2fx the plugin's time", it->second / plugin->second);
        std::printf("\n");
      }
    }
    const auto copy = seconds_.find("harness/memcpy/4096x32x128");
    if (copy != seconds_.end()) std::printf("  %-14s %-12s %12.1f us      %8.2f GB/s\n", "memcpy", "4096x32x128", copy->second * 1e6,
                                            static_cast<double>(4096 * 32 * 128 * 2) / copy->second / 1e9);
  }

 private:
  std::map<std::string, double> seconds_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RegisterBenchmark("harness/memcpy/4096x32x128", bench_memcpy)->Unit(benchmark::kMicrosecond);
  for (const Size& size : kSizes) {
    for (const char* way : {"plugin", "worker_cpp", "worker_python"}) {
      benchmark::RegisterBenchmark(fmt::format("harness/{}/{}", way, size.name).c_str(),
                                   [way, size](benchmark::State& state) { bench_call(state, way, size); })
          ->Unit(benchmark::kMicrosecond);
    }
  }
  RatioPrinter printer;
  benchmark::RunSpecifiedBenchmarks(&printer);
  benchmark::Shutdown();
  return 0;
}
