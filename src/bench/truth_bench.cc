// ropecheck_truth_bench: the throughput of the truth, in one run, on one thread:
//  - the MPFR path (reference::exact_rope) and the certified fast path
//    (reference::certified_rope) generating the golden result of the LLaMA-2 catalogue
//    cases at 1,024 tokens × 8 heads × 128 (f32 and bf16 outputs), and the built-in kernels
//    (kernels::apply_rope) on the same call, for scale;
//  - the fast path's fallback rate (elements that went to MPFR) per input kind: random
//    normal, cancellation (a = r·sin φ, b = r·cos φ, so a·cos φ − b·sin φ ≈ 0) and edge
//    values (±0, subnormals, the largest finite, ±Inf, NaN).
// Targets (checked and printed): fast path ≥ 100× MPFR on one thread, two threads ≥ 1.8×
// one; fallback rate ≤ 1e-6 on normal inputs. Ratios of one run are the result, not absolute times.
//   ropecheck_truth_bench [--elements N]   (fallback-rate sample per kind, default 10^7)
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/golden/case_inputs.h"
#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/reference/rounding.h"

namespace {

using namespace ropecheck;
using Clock = std::chrono::steady_clock;

constexpr double kTargetSpeedup = 100;
constexpr double kTargetTwoThreadScaling = 1.8;
constexpr double kTargetFallbackRate = 1e-6;

template <class F> double seconds_per_call(F&& f, double at_least_seconds) {
  int calls = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < at_least_seconds);
  return elapsed / calls;
}

golden::GoldenCase find_case(const std::vector<golden::GoldenCase>& cases, const std::string& id) {
  for (const golden::GoldenCase& c : cases) {
    if (c.id == id) return c;
  }
  std::fprintf(stderr, "truth_bench: case %s is not in the catalogue\n", id.c_str());
  std::exit(2);
}

// The catalogue case at the LLaMA-2 shape the golden timings refer to: 1,024 tokens (its
// special positions, the rest random below 2^20) × 8 heads × 128.
golden::GoldenCase at_llama2_shape(golden::GoldenCase c) {
  c.heads = 8;
  c.positions.random = 0;
  c.positions.random = 1024 - golden::case_positions(c).size();
  return c;
}

bool throughput_row(const golden::GoldenCase& catalogue_case) {
  const golden::GoldenCase c = at_llama2_shape(catalogue_case);
  const std::vector<std::int64_t> positions = golden::case_positions(c);
  const PositionsView view(positions, 1);
  const std::vector<double> x = golden::case_inputs(c, view);
  const double elements = static_cast<double>(x.size());

  const double mpfr = seconds_per_call([&] { (void)reference::exact_rope(c.spec, view, x, c.heads, c.output_dtype); }, 0);
  reference::CertifiedStats stats;
  const double fast = seconds_per_call(
      [&] { (void)reference::certified_rope(c.spec, view, x, c.heads, c.output_dtype, &stats, 1); }, 1.0);
  const double fast2 = seconds_per_call(
      [&] { (void)reference::certified_rope(c.spec, view, x, c.heads, c.output_dtype, nullptr, 2); }, 1.0);

  std::vector<float> in(x.begin(), x.end()), out(x.size());
  const double kernel = seconds_per_call(
      [&] {
        kernels::apply_rope(c.spec, view, c.heads, {in.data(), Dtype::f32, 0}, {out.data(), Dtype::f32, 0});
      },
      0.5);
  const double speedup = mpfr / fast;
  const double scaling = fast / fast2;
  const bool met = speedup >= kTargetSpeedup;
  const bool scaled = scaling >= kTargetTwoThreadScaling;
  std::printf("%-30s %10.3g %10.3g %10.3g %10.3g %8.1fx %-6s %6.2fx %-6s %llu, %llu of %llu\n", c.id.c_str(),
              elements / mpfr, elements / fast, elements / fast2, elements / kernel, speedup, met ? "met" : "MISSED",
              scaling, scaled ? "met" : "MISSED", static_cast<unsigned long long>(stats.element_fallbacks),
              static_cast<unsigned long long>(stats.element_fix_ups), static_cast<unsigned long long>(stats.elements));
  return met && scaled;
}

// `elements` elements of the LLaMA-2 spec at random positions below 2^20, bf16 output.
bool fallback_row(const char* kind, std::size_t elements, bool gated) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = 128;
  spec.layout = Layout::half_split;
  constexpr std::size_t kHeads = 8;
  const std::size_t tokens = elements / (kHeads * 128);
  std::mt19937_64 rng(20261201);
  std::uniform_int_distribution<std::int64_t> position(0, (std::int64_t{1} << 20) - 1);
  std::normal_distribution<float> normal;
  const std::vector<double> edges = golden::edge_values(Dtype::f32);
  reference::CertifiedStats stats;
  constexpr std::size_t kChunk = 1024;  // tokens per call: bounded memory whatever N
  for (std::size_t done = 0; done < tokens; done += kChunk) {
    const std::size_t n = std::min(kChunk, tokens - done);
    std::vector<std::int64_t> positions(n);
    for (auto& m : positions) m = position(rng);
    std::vector<double> x(n * kHeads * 128);
    const std::string k = kind;
    if (k == "normal") {
      for (double& v : x) v = static_cast<double>(normal(rng));
    } else if (k == "edge") {
      for (double& v : x) v = edges[rng() % edges.size()];
    } else {  // cancellation: (a, b) = r·(sin φ, cos φ) rounded to f32
      const std::vector<double> thetas = reference::exact_rope(spec, PositionsView(positions, 1),
                                                                std::vector<double>(n * 128, 0.0), 1).thetas;
      for (std::size_t t = 0; t < n; ++t) {
        for (std::size_t h = 0; h < kHeads; ++h) {
          for (std::size_t i = 0; i < 64; ++i) {
            const double r = static_cast<double>(normal(rng));
            const double phi = static_cast<double>(positions[t]) * thetas[i];
            x[(t * kHeads + h) * 128 + i] = static_cast<double>(static_cast<float>(r * std::sin(phi)));
            x[(t * kHeads + h) * 128 + i + 64] = static_cast<double>(static_cast<float>(r * std::cos(phi)));
          }
        }
      }
    }
    (void)reference::certified_rope(spec, PositionsView(positions, 1), x, kHeads, Dtype::bf16, &stats);
  }
  const double rate = static_cast<double>(stats.element_fallbacks) / static_cast<double>(stats.elements);
  const bool met = !gated || rate <= kTargetFallbackRate;
  std::printf("%-14s %12llu elements %10llu by MPFR  rate %.3g  %s\n", kind,
              static_cast<unsigned long long>(stats.elements),
              static_cast<unsigned long long>(stats.element_fallbacks), rate,
              gated ? (met ? "met (≤ 1e-6)" : "MISSED (≤ 1e-6)") : "(no target)");
  return met;
}

}  // namespace

int main(int argc, char** argv) {
  // Freed result arrays stay in the heap for the next call, as in `ropecheck golden` (see
  // src/cli/main.cc): every call would otherwise map, fault in and zero fresh pages, a
  // cost of the allocator, not of the truth.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::size_t sample = 10'000'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--elements") sample = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const auto cases = golden::read_case_catalogue(std::filesystem::path(ROPECHECK_SOURCE_DIR) / "golden/cases.json");
  std::printf("Truth throughput, one thread (elements/s): golden generation of the LLaMA-2 cases\n");
  std::printf("%-30s %10s %10s %10s %10s %8s %-6s %7s %-6s %s\n", "case", "MPFR", "certified", "2 threads", "kernels",
              "speedup", "≥100x", "2 thr.", "≥1.8x", "fallbacks, fix-ups of elements");
  bool ok = true;
  for (const char* id : {"llama2_7b_half_split_f32", "llama2_7b_half_split_bf16"}) ok &= throughput_row(find_case(cases, id));
  std::printf("\nFallback to MPFR per input kind (LLaMA-2 spec, positions < 2^20, f32 inputs, bf16 output)\n");
  ok &= fallback_row("normal", sample, true);
  ok &= fallback_row("cancellation", sample / 10, false);
  ok &= fallback_row("edge", sample / 100, false);
  std::printf("\n%s\n", ok ? "every target met" : "a target was MISSED");
  return ok ? 0 : 1;
}
