// The f32-angle profile's per-pair angle allowance (numeric/error_model.h): every correct
// float32 pipeline passes it at any position up to the golden range's end (2^24 − 1) —
// HF/Meta/vLLM's products and ggml's recurrence, plain and scaled, both layouts, power-of-
// two and other rotary dims, f32 and bf16 outputs — while a candidate that turns each
// pair by a random angle fails it. With one allowance for every pair, grown from
// |m|·max θ, that random candidate passed at 8 positions near 2^23 (0.121 of the bound).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/gate/conformance.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/rounding.h"

using namespace ropecheck;

namespace {

// Positions where float32 angles are worst: the top of every binade up to the golden
// range's end, and 8 positions near 2^23 (the trial run's).
std::vector<std::int64_t> long_positions() {
  std::vector<std::int64_t> p{0, 1, 2, 3};
  for (int k = 4; k <= 24; k += 2) p.push_back((std::int64_t{1} << k) - 1);
  for (std::int64_t d = -4; d < 4; ++d) p.push_back((std::int64_t{1} << 23) + d);
  return p;
}

golden::Golden golden_of(const RopeSpec& spec, Dtype output, std::vector<std::int64_t> positions, std::uint64_t seed) {
  golden::GoldenCase c;
  c.id = "angle_allowance";
  c.spec = spec;
  c.input_dtype = Dtype::f32;
  c.output_dtype = output;
  c.heads = 2;
  c.positions.values = std::move(positions);
  c.seed = seed;
  return golden::parse_golden(golden::make_golden_file(c), c.id);
}

std::vector<double> decoded(const std::vector<std::uint64_t>& bits, Dtype dtype) {
  std::vector<double> out(bits.size());
  for (std::size_t k = 0; k < bits.size(); ++k) out[k] = static_cast<double>(reference::decode_exact(bits[k], dtype));
  return out;
}

numeric::ErrorStats measure_f32_angle(const golden::Golden& g, const std::vector<double>& candidate) {
  return numeric::measure(golden::exact_result(g), candidate,
                          numeric::error_model(numeric::Profile::f32_angle, g.output_dtype, numeric::Arithmetic::fused));
}

RopeSpec plain(std::size_t rotary_dim, double base, Layout layout) {
  RopeSpec s;
  s.head_dim = s.rotary_dim = rotary_dim;
  s.base = base;
  s.layout = layout;
  return s;
}

RopeSpec llama3_scaled() {
  RopeSpec s = plain(128, 500000, Layout::half_split);
  s.scaling.type = ScalingType::llama3;
  s.scaling.factor = 8;
  s.scaling.low_freq_factor = 1;
  s.scaling.high_freq_factor = 4;
  s.scaling.original_max_position_embeddings = 8192;
  return s;
}

RopeSpec yarn_scaled() {
  RopeSpec s = plain(128, 1000000, Layout::half_split);
  s.scaling.type = ScalingType::yarn;
  s.scaling.factor = 4;
  s.scaling.original_max_position_embeddings = 32768;
  return s;
}

struct PipelineCase {
  std::string name;
  RopeSpec spec;
  bool recurrence;  // ggml's recurrence exists for unscaled specs only
};

std::vector<PipelineCase> pipelines() {
  return {
      {"llama2 half_split R=128 base 1e4", plain(128, 1e4, Layout::half_split), true},
      {"llama2 interleaved R=128 base 1e4", plain(128, 1e4, Layout::interleaved), true},
      {"R=80 base 1e6 (2i/R inexact)", plain(80, 1e6, Layout::half_split), true},
      {"R=256 base 5e5", plain(256, 5e5, Layout::interleaved), true},
      {"R=512 base 1e4 (the recurrence's longest)", plain(512, 1e4, Layout::half_split), true},
      {"R=64 base 1e7", plain(64, 1e7, Layout::interleaved), true},
      // Base 2: every pair's angle is large, and the recurrence runs 255 steps.
      {"R=512 base 2 (the domain's corner)", plain(512, 2, Layout::interleaved), true},
      {"R=2 base 1e7", plain(2, 1e7, Layout::half_split), true},
      {"llama3 factor 8", llama3_scaled(), false},
      {"yarn factor 4", yarn_scaled(), false},
  };
}

}  // namespace

TEST(f32_angle_allowance, every_correct_float32_pipeline_passes_up_to_the_end_of_the_golden_range) {
  std::uint64_t seed = 11;
  for (const PipelineCase& p : pipelines()) {
    for (const Dtype output : {Dtype::f32, Dtype::bf16}) {
      const golden::Golden g = golden_of(p.spec, output, long_positions(), seed++);
      std::vector<kernels::TableMode> modes{kernels::TableMode::f32_angle};
      if (p.recurrence) modes.push_back(kernels::TableMode::f32_recurrence);
      for (const kernels::TableMode mode : modes) {
        const numeric::ErrorStats stats = measure_f32_angle(g, decoded(gate::run_builtin_kernel(g, mode), output));
        EXPECT_TRUE(stats.within_bound()) << p.name << ", " << to_string(output) << ", " << kernels::to_string(mode)
                                          << ": peak " << stats.peak_ratio() << " of the bound, worst "
                                          << numeric::describe(stats.worst_by_ratio());
        std::cout << fmt::format("  {:<42} {:<4} {:<14} peak {:.3g} of the f32-angle bound\n", p.name, to_string(output),
                                 kernels::to_string(mode), stats.peak_ratio());
      }
    }
  }
}

// The trial run's candidate: llama2_7b_half_split_f32's spec, every pair of the input
// turned by a random angle (a norm-preserving garbage output) at 8 positions near 2^23.
TEST(f32_angle_allowance_negative_control, random_angles_near_2_23_fail) {
  std::vector<std::int64_t> positions;
  for (std::int64_t d = -4; d < 4; ++d) positions.push_back((std::int64_t{1} << 23) + d);
  const golden::Golden g = golden_of(plain(128, 1e4, Layout::half_split), Dtype::f32, positions, 1003);
  std::mt19937_64 rng(20261130);
  std::uniform_real_distribution<double> angle(-M_PI, M_PI);
  std::vector<double> candidate = g.x;
  const std::size_t d = g.spec.head_dim, half = g.spec.rotary_dim / 2;
  for (std::size_t row = 0; row < g.tokens * g.heads; ++row) {
    for (std::size_t i = 0; i < half; ++i) {
      const double a = g.x[row * d + i], b = g.x[row * d + i + half], phi = angle(rng);
      candidate[row * d + i] = static_cast<float>(a * std::cos(phi) - b * std::sin(phi));
      candidate[row * d + i + half] = static_cast<float>(b * std::cos(phi) + a * std::sin(phi));
    }
  }
  const numeric::ErrorStats stats = measure_f32_angle(g, candidate);
  EXPECT_FALSE(stats.within_bound());
  std::cout << "  random angles near 2^23: peak " << stats.peak_ratio() << " of the f32-angle bound\n";
  // Pair 0 (θ = 1) has an exact float32 angle and no allowance at all; pair 1 (θ ≈ 0.87)
  // is beyond any angle check there, its allowance far above a radian. Pair 63
  // (θ ≈ 1.2e-4) is allowed (32 + 4·63)·2^-24·2^23·θ ≈ 0.017 rad — the recurrence's
  // growth with i included — where the old single allowance gave it 16 rad.
  const numeric::ErrorModel model =
      numeric::error_model(numeric::Profile::f32_angle, Dtype::f32, numeric::Arithmetic::fused);
  EXPECT_EQ(numeric::angle_allowance(model, 0x1p23, 1.0, 0), 0);
  EXPECT_GT(numeric::angle_allowance(model, 0x1p23, std::pow(1e4, -2.0 / 128), 1), numeric::kWeakAngleAllowance);
  constexpr double kPair63Theta = 1.1547819846894583e-4;  // 10000^(-126/128)
  EXPECT_LT(numeric::angle_allowance(model, 0x1p23, kPair63Theta, 63), 0.02);
}
