// Context-extension scaling in the spec and the reference (reference/frequencies.h): the
// parameters each type takes, the published LLaMA-3.1-8B frequencies evaluated
// independently from the formula text, reduction to `none` at factor 1, llama3's bands
// partitioning the pairs, θ_i decreasing in i — each with a negative control — and the
// kernels meeting the exact bound with scaled frequencies.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <numbers>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/props/kernel_bug_variants.h"
#include "ropecheck/props/kernel_cases.h"
#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/props/property_cases.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/spec.h"
#include "support/expect_counterexample.h"

using namespace ropecheck;
using reference::Real;

namespace {

// meta-llama/Llama-3.1-8B config.json: hidden_size 4096 / 32 heads = head_dim 128,
// rope_theta 500000, rope_scaling {factor 8, low_freq_factor 1, high_freq_factor 4,
// original_max_position_embeddings 8192, rope_type llama3}.
const char* kLlama31 =
    R"({"head_dim":128,"layout":"half_split","base":500000,"scaling":{"type":"llama3","factor":8,)"
    R"("low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":8192}})";

// Published figures carry a fixed number of decimals; a value printed with n decimals is
// within half a unit of its last place of the true one.
constexpr double half_unit_in_decimal(int decimals) { return decimals == 0 ? 0.5 : half_unit_in_decimal(decimals - 1) / 10; }
// θ/factor at 257 bits rounded to double, against (θ rounded to double)/factor in double:
// two roundings to double, each ≤ 2^-53 relative.
constexpr double kTwoDoubleRoundings = 0x1p-52;
// The same with a division in double as well: three roundings.
constexpr double kThreeDoubleRoundings = 3 * 0x1p-53;

std::vector<double> thetas_of(const RopeSpec& spec) {
  std::vector<double> out;
  for (const Real& t : reference::frequencies<Real>(spec)) out.push_back(static_cast<double>(t));
  return out;
}

void expect_rejected(const std::string& scaling, const std::string& needle) {
  const std::string text = R"({"head_dim":128,"layout":"interleaved","base":10000,"scaling":)" + scaling + "}";
  try {
    spec_from_json_text(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Llama 3 frequencies in double, written from Meta's vectorized apply_scaling
// (llama-models models/llama3/model.py) rather than from the reference's branch form:
// new = where(λ > λ_low, f/s, f); where(λ_high ≤ λ ≤ λ_low, (1 − g)·new/s + g·new, new).
std::vector<double> llama3_in_double(double base, std::size_t dim, double s, double low, double high, double context) {
  std::vector<double> out;
  for (std::size_t k = 0; k < dim; k += 2) {
    const double freq = 1.0 / std::pow(base, static_cast<double>(k) / static_cast<double>(dim));
    const double wavelen = 2 * std::numbers::pi / freq;
    const double low_freq_wavelen = context / low, high_freq_wavelen = context / high;
    const double scaled = wavelen > low_freq_wavelen ? freq / s : freq;
    const double smooth = (context / wavelen - low) / (high - low);
    const bool medium = wavelen >= high_freq_wavelen && wavelen <= low_freq_wavelen;
    out.push_back(medium ? (1 - smooth) * scaled / s + smooth * scaled : scaled);
  }
  return out;
}

// The bands of a llama3 spec by pair: 0 high frequency (kept), 1 medium (smoothed), 2 low
// frequency (divided by the factor).
using BandFn = std::function<std::vector<int>(double wavelength, double low_wavelength, double high_wavelength)>;

std::vector<int> correct_bands(double wavelength, double low_wavelength, double high_wavelength) {
  std::vector<int> bands;
  if (wavelength < high_wavelength) bands.push_back(0);
  if (!(wavelength < high_wavelength) && !(wavelength > low_wavelength)) bands.push_back(1);
  if (wavelength > low_wavelength) bands.push_back(2);
  return bands;
}

// Every pair is in exactly one band, and the bands are contiguous runs in the order
// high, medium, low frequency (wavelengths grow with i).
::testing::AssertionResult bands_partition(const RopeSpec& spec, const BandFn& bands_of) {
  const Scaling& s = spec.scaling;
  const double low_wavelength = *s.original_max_position_embeddings / *s.low_freq_factor;
  const double high_wavelength = *s.original_max_position_embeddings / *s.high_freq_factor;
  int previous = 0;
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const double theta = std::pow(spec.base, -static_cast<double>(2 * i) / static_cast<double>(spec.rotary_dim));
    const std::vector<int> bands = bands_of(2 * std::numbers::pi / theta, low_wavelength, high_wavelength);
    if (bands.size() != 1) return ::testing::AssertionFailure() << "pair " << i << " is in " << bands.size() << " bands";
    if (bands[0] < previous) return ::testing::AssertionFailure() << "pair " << i << " goes back to band " << bands[0];
    previous = bands[0];
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult strictly_decreasing(const std::vector<double>& thetas) {
  for (std::size_t i = 1; i < thetas.size(); ++i) {
    if (!(thetas[i] < thetas[i - 1])) {
      return ::testing::AssertionFailure() << "θ_" << i << " = " << thetas[i] << " is not below θ_" << i - 1 << " = "
                                           << thetas[i - 1];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(scaling_spec, each_type_takes_its_parameters_and_rejects_the_others) {
  EXPECT_NO_THROW(spec_from_json_text(kLlama31));
  EXPECT_NO_THROW(spec_from_json_text(R"({"head_dim":64,"layout":"interleaved","base":10000,"scaling":{"type":"linear","factor":4}})"));
  expect_rejected(R"({"type":"linear"})", "needs 'factor'");
  expect_rejected(R"({"type":"linear","factor":0.5})", "must be ≥ 1");
  expect_rejected(R"({"type":"linear","factor":4,"beta_fast":32})", "takes no parameter 'beta_fast'");
  expect_rejected(R"({"type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4})",
                  "needs 'original_max_position_embeddings'");
  expect_rejected(R"({"type":"llama3","factor":8,"low_freq_factor":4,"high_freq_factor":2,"original_max_position_embeddings":8192})",
                  "must be at least 'low_freq_factor'");
  // Llama 4 Scout's equal factors: no smoothing band, θ/s exactly where λ > L.
  EXPECT_NO_THROW(spec_from_json_text(
      R"({"head_dim":128,"layout":"interleaved","base":500000,"scaling":{"type":"llama3","factor":16,"low_freq_factor":1,"high_freq_factor":1,"original_max_position_embeddings":8192}})"));
  expect_rejected(R"({"type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":8192,"short_factor":[1]})",
                  "takes no parameter 'short_factor'");
  expect_rejected(R"({"type":"yarn","factor":4})", "needs 'original_max_position_embeddings' or 'max_position_embeddings'");
  expect_rejected(R"({"type":"yarn","factor":4,"original_max_position_embeddings":4096,"truncate":1})", "true or false");
  expect_rejected(R"({"type":"yarn","factor":4,"original_max_position_embeddings":4096,"beta_fast":0})", "'beta_fast' must be > 0");
  expect_rejected(R"({"type":"linear","factor":4,"truncate":false})", "takes no parameter 'truncate'");
  expect_rejected(R"({"type":"dynamic","factor":4})", "needs 'max_position_embeddings'");
  expect_rejected(R"({"type":"dynamic","factor":4,"max_position_embeddings":4096,"beta_fast":32})",
                  "takes no parameter 'beta_fast'");
  expect_rejected(R"({"type":"longrope","original_max_position_embeddings":4096,"factor":32,"short_factor":[1]})",
                  "needs 'long_factor'");
  expect_rejected(R"({"type":"longrope","original_max_position_embeddings":4096,"factor":32,"short_factor":[1],"long_factor":[2]})",
                  "rotary_dim/2 = 64");
  expect_rejected(R"({"type":"longrope","original_max_position_embeddings":4096,"short_factor":[1],"long_factor":[2]})",
                  "needs 'factor' or 'max_position_embeddings'");
  const std::string yarn =
      R"({"head_dim":64,"layout":"interleaved","base":150000,"scaling":{"type":"yarn","factor":32,"original_max_position_embeddings":4096,"truncate":false}})";
  EXPECT_EQ(to_json_text(spec_from_json_text(yarn)), to_json_text(spec_from_json_text(to_json_text(spec_from_json_text(yarn)))));
  EXPECT_EQ(spec_from_json_text(yarn).scaling.truncate, std::optional<bool>(false));
}

// The reference's θ_i at 257 bits against the double evaluation above. The double path
// rounds pow (≤ 1 ulp, an error ≤ (1 + ln base)·2^-53 relative once the exponent's own
// rounding is counted), the wavelength, the ratio and the interpolation (a few roundings
// each of quantities ≤ θ): 32·(1 + ln base)·2^-53 relative covers it with margin.
TEST(scaling_reference, llama31_frequencies_agree_with_meta_apply_scaling_in_double) {
  const RopeSpec spec = spec_from_json_text(kLlama31);
  const std::vector<double> got = thetas_of(spec);
  const std::vector<double> want = llama3_in_double(500000, 128, 8, 1, 4, 8192);
  const double tolerance = 32 * (1 + std::log(500000.0)) * 0x1p-53;
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_LE(std::fabs(got[i] / want[i] - 1), tolerance) << "pair " << i;
  }
  // The published band layout: pairs 0–28 kept, 29–34 smoothed (g = 0.80362 … 0.07453),
  // 35–63 divided by 8.
  RopeSpec plain = spec;
  plain.scaling = Scaling{};
  const std::vector<double> unscaled = thetas_of(plain);
  for (std::size_t i = 0; i <= 28; ++i) EXPECT_EQ(got[i], unscaled[i]) << i;
  const double smooth[] = {0.80362, 0.59285, 0.42115, 0.28128, 0.16734, 0.07453};
  for (std::size_t i = 29; i <= 34; ++i) {
    const double g = (got[i] - unscaled[i] / 8) / (unscaled[i] - unscaled[i] / 8);
    EXPECT_NEAR(g, smooth[i - 29], half_unit_in_decimal(5)) << "pair " << i;
  }
  for (std::size_t i = 35; i < 64; ++i) EXPECT_LE(std::fabs(got[i] / (unscaled[i] / 8) - 1), kTwoDoubleRoundings) << i;
}

// At factor 1, linear is `none` exactly (θ/1 = θ); llama3 is `none` up to the rounding of
// its interpolation at reference precision ((1 − g)·θ + g·θ: a few roundings of 2^-257).
TEST(scaling_reference, factor_one_reduces_to_none) {
  const RopeSpec none = spec_from_json_text(R"({"head_dim":128,"layout":"half_split","base":500000})");
  RopeSpec linear = none;
  linear.scaling.type = ScalingType::linear;
  linear.scaling.factor = 1;
  EXPECT_EQ(thetas_of(linear), thetas_of(none));
  RopeSpec llama3 = spec_from_json_text(kLlama31);
  llama3.scaling.factor = 1;
  const std::vector<double> a = thetas_of(llama3), b = thetas_of(none);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << i;  // equal once rounded to double
  // Negative control: factor 8 does not reduce.
  EXPECT_NE(thetas_of(spec_from_json_text(kLlama31)), b);
}

TEST(scaling_reference, llama3_bands_partition_the_pairs) {
  for (const double base : {10000.0, 500000.0, 1e6}) {
    RopeSpec spec = spec_from_json_text(kLlama31);
    spec.base = base;
    EXPECT_TRUE(bands_partition(spec, correct_bands)) << base;
  }
  // Negative control: λ_low and λ_high swapped, as a transposed reading of the config
  // would: the kept and divided conditions then overlap.
  const BandFn swapped = [](double wavelength, double low_wavelength, double high_wavelength) {
    return correct_bands(wavelength, high_wavelength, low_wavelength);
  };
  EXPECT_FALSE(bands_partition(spec_from_json_text(kLlama31), swapped));
}

TEST(scaling_reference, scaled_frequencies_decrease_with_the_pair_index) {
  EXPECT_TRUE(strictly_decreasing(thetas_of(spec_from_json_text(kLlama31))));
  EXPECT_TRUE(strictly_decreasing(thetas_of(spec_from_json_text(
      R"({"head_dim":128,"layout":"half_split","base":10000,"scaling":{"type":"linear","factor":4}})"))));
  // Negative control: the smooth factor written without parentheses, as a community port
  // shipped it — (L/λ)/high − low instead of (L/λ − low)/(high − low) — goes negative in
  // the band and breaks the order.
  std::vector<double> unparenthesized;
  for (std::size_t k = 0; k < 128; k += 2) {
    const double freq = 1.0 / std::pow(500000.0, static_cast<double>(k) / 128.0);
    const double wavelen = 2 * std::numbers::pi / freq;
    if (wavelen < 8192.0 / 4) {
      unparenthesized.push_back(freq);
    } else if (wavelen > 8192.0 / 1) {
      unparenthesized.push_back(freq / 8);
    } else {
      const double smooth = 8192.0 / wavelen / 4 - 1;
      unparenthesized.push_back((1 - smooth) * freq / 8 + smooth * freq);
    }
  }
  EXPECT_FALSE(strictly_decreasing(unparenthesized));
}

namespace {

// Qwen/Qwen2.5-7B-Instruct: head_dim 128 (3584/28), rope_theta 1e6; its model card's
// YaRN setting {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}.
const char* kQwen25Yarn =
    R"({"head_dim":128,"layout":"half_split","base":1000000,"scaling":{"type":"yarn","factor":4,)"
    R"("original_max_position_embeddings":32768}})";
// deepseek-ai/DeepSeek-V3 config.json: qk_rope_head_dim 64, rope_theta 10000, rope_scaling
// {beta_fast 32, beta_slow 1, factor 40, mscale 1.0, mscale_all_dim 1.0,
// original_max_position_embeddings 4096, type yarn}.
const char* kDeepSeekV3 =
    R"({"head_dim":64,"layout":"interleaved","base":10000,"scaling":{"type":"yarn","factor":40,"beta_fast":32,)"
    R"("beta_slow":1,"mscale":1,"mscale_all_dim":1,"original_max_position_embeddings":4096}})";

std::vector<double> ramp_of(const RopeSpec& spec) {
  std::vector<double> out;
  for (const Real& r : reference::yarn_ramp_of<Real>(spec)) out.push_back(static_cast<double>(r));
  return out;
}

// YaRN θ_j in double from the formula text (HF _compute_yarn_parameters): correction dims,
// floor/ceil, clamp, linear ramp, blend of interpolation and extrapolation.
std::vector<double> yarn_in_double(double base, std::size_t dim, double s, double context, double beta_fast,
                                   double beta_slow) {
  const auto correction = [&](double n) {
    return static_cast<double>(dim) * std::log(context / (n * 2 * std::numbers::pi)) / (2 * std::log(base));
  };
  const double low = std::max(std::floor(correction(beta_fast)), 0.0);
  double high = std::min(std::ceil(correction(beta_slow)), static_cast<double>(dim - 1));
  if (low == high) high += 0.001;
  std::vector<double> out;
  for (std::size_t j = 0; j < dim / 2; ++j) {
    const double pos_freq = std::pow(base, static_cast<double>(2 * j) / static_cast<double>(dim));
    const double ramp = std::clamp((static_cast<double>(j) - low) / (high - low), 0.0, 1.0);
    const double extrapolation_factor = 1 - ramp;
    out.push_back((1 / (s * pos_freq)) * (1 - extrapolation_factor) + (1 / pos_freq) * extrapolation_factor);
  }
  return out;
}

// 0 up to the band, 1 beyond it, nondecreasing inside.
::testing::AssertionResult ramp_is_a_ramp(const std::vector<double>& ramp) {
  for (std::size_t j = 0; j < ramp.size(); ++j) {
    if (!(ramp[j] >= 0 && ramp[j] <= 1)) return ::testing::AssertionFailure() << "r_" << j << " = " << ramp[j];
    if (j > 0 && ramp[j] < ramp[j - 1]) {
      return ::testing::AssertionFailure() << "r_" << j << " = " << ramp[j] << " < r_" << j - 1 << " = " << ramp[j - 1];
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

// Within 32·(1 + ln base)·2^-53 relative (the same double-evaluation budget as llama3).
TEST(scaling_reference, qwen25_yarn_frequencies_and_attention_agree_with_the_formula_in_double) {
  const RopeSpec spec = spec_from_json_text(kQwen25Yarn);
  const std::vector<double> got = thetas_of(spec), want = yarn_in_double(1e6, 128, 4, 32768, 32, 1);
  const double tolerance = 32 * (1 + std::log(1e6)) * 0x1p-53;
  for (std::size_t j = 0; j < got.size(); ++j) EXPECT_LE(std::fabs(got[j] / want[j] - 1), tolerance) << j;
  // Correction dims 23.5959 and 39.6509: the ramp is 0 up to pair 23 and 1 from pair 40.
  const std::vector<double> ramp = ramp_of(spec);
  for (std::size_t j = 0; j <= 23; ++j) EXPECT_EQ(ramp[j], 0.0) << j;
  for (std::size_t j = 40; j < 64; ++j) EXPECT_EQ(ramp[j], 1.0) << j;
  EXPECT_DOUBLE_EQ(ramp[31], 8.0 / 17);
  EXPECT_NEAR(static_cast<double>(reference::attention_factor<Real>(spec)), 1.138629436111989, half_unit_in_decimal(15));
}

TEST(scaling_reference, yarn_mscale_rules_follow_deepseek_and_hf) {
  const RopeSpec v3 = spec_from_json_text(kDeepSeekV3);
  EXPECT_EQ(static_cast<double>(reference::attention_factor<Real>(v3)), 1.0) << "mscale = mscale_all_dim";
  const std::vector<double> ramp = ramp_of(v3);  // correction dims 10.4722, 22.5134 → 10, 23
  EXPECT_EQ(ramp[10], 0.0);
  EXPECT_DOUBLE_EQ(ramp[11], 1.0 / 13);
  EXPECT_EQ(ramp[23], 1.0);
  RopeSpec only_mscale = v3;
  only_mscale.scaling.mscale_all_dim.reset();  // HF ignores a lone mscale: 0.1·ln 40 + 1
  EXPECT_NEAR(static_cast<double>(reference::attention_factor<Real>(only_mscale)), 1.3688879454113936,
              half_unit_in_decimal(15));
  RopeSpec explicit_factor = v3;
  explicit_factor.scaling.attention_factor = 0.5;
  EXPECT_EQ(static_cast<double>(reference::attention_factor<Real>(explicit_factor)), 0.5);
  // DeepSeek-V2 and V2-Lite (their config.json: mscale = mscale_all_dim = 0.707): HF's
  // ratio get_mscale(40, 0.707)/get_mscale(40, 0.707) is 1 as well; 0.707 reaches only the
  // softmax scale, (0.1·0.707·ln 40 + 1)², outside the rotation.
  RopeSpec v2 = v3;
  v2.scaling.mscale = v2.scaling.mscale_all_dim = 0.707;
  EXPECT_EQ(static_cast<double>(reference::attention_factor<Real>(v2)), 1.0);
  // A config with mscale ≠ mscale_all_dim (mscale 1.0, mscale_all_dim 0.707) gets their ratio.
  RopeSpec unequal = v3;
  unequal.scaling.mscale_all_dim = 0.707;
  EXPECT_NEAR(static_cast<double>(reference::attention_factor<Real>(unequal)),
              (0.1 * std::log(40.0) + 1) / (0.1 * 0.707 * std::log(40.0) + 1), 1e-15);
}

// yarn_context = max_position_embeddings reproduces HF ≤ 4.47, which ignored
// original_max_position_embeddings: for DeepSeek-V3 (max_position_embeddings 163840) the
// correction dims become 23.2887 and 35.3299 → 23 and 36, against 10 and 23 by default.
// The double evaluation takes the context as a plain argument, so it checks both.
TEST(scaling_reference, yarn_context_option_selects_the_context_of_older_hf) {
  RopeSpec old_hf = spec_from_json_text(kDeepSeekV3);
  old_hf.scaling.max_position_embeddings = 163840;
  const std::vector<double> by_default = thetas_of(old_hf);
  old_hf.scaling.yarn_context = YarnContext::max_position_embeddings;
  validate(old_hf);
  const std::vector<double> ramp = ramp_of(old_hf);
  EXPECT_EQ(ramp[23], 0.0);
  EXPECT_DOUBLE_EQ(ramp[24], 1.0 / 13);
  EXPECT_DOUBLE_EQ(ramp[31], 8.0 / 13);
  const std::vector<double> got = thetas_of(old_hf), want = yarn_in_double(1e4, 64, 40, 163840, 32, 1);
  const double tolerance = 32 * (1 + std::log(1e4)) * 0x1p-53;
  for (std::size_t j = 0; j < got.size(); ++j) EXPECT_LE(std::fabs(got[j] / want[j] - 1), tolerance) << j;
  // Negative control: the default (original context) differs from pair 11 on.
  EXPECT_EQ(by_default[10], got[10]);
  EXPECT_NE(by_default[11], got[11]);
  EXPECT_EQ(to_json(old_hf)["scaling"]["yarn_context"], "max_position_embeddings");
  EXPECT_EQ(spec_from_json(to_json(old_hf)), old_hf);
  expect_rejected(R"({"type":"yarn","factor":4,"original_max_position_embeddings":4096,"yarn_context":"max_position_embeddings"})",
                  "needs 'max_position_embeddings'");
  expect_rejected(R"({"type":"yarn","factor":4,"original_max_position_embeddings":4096,"yarn_context":"original"})",
                  "must be 'original_max_position_embeddings' or 'max_position_embeddings'");
  expect_rejected(R"({"type":"linear","factor":4,"yarn_context":"max_position_embeddings"})", "takes no parameter 'yarn_context'");
}

// gpt-oss sets truncate false: the correction dims stay 8.092779… and 17.398024… (d 64,
// base 150000, context 4096), as vLLM PR #28244 states.
TEST(scaling_reference, yarn_without_truncation_keeps_the_real_correction_dims) {
  const std::vector<double> ramp = ramp_of(spec_from_json_text(
      R"({"head_dim":64,"layout":"half_split","base":150000,"scaling":{"type":"yarn","factor":32,"beta_fast":32,"beta_slow":1,"original_max_position_embeddings":4096,"truncate":false}})"));
  const double low = 8.092779, high = 17.398024;
  // Each published dim is within δ = half_unit_in_decimal(6) of the true one, which moves
  // r = (j − low)/(high − low) by at most 2δ/(high − low) ≈ 1.1e-7 at these r (≤ 1).
  const double tolerance = 2 * half_unit_in_decimal(6) / (high - low) * 2;
  EXPECT_EQ(ramp[8], 0.0);
  EXPECT_NEAR(ramp[9], (9 - low) / (high - low), tolerance);
  EXPECT_NEAR(ramp[17], (17 - low) / (high - low), tolerance);
  EXPECT_EQ(ramp[18], 1.0);
}

TEST(scaling_reference, yarn_ramp_is_zero_below_the_band_one_above_and_monotone_inside) {
  for (const double base : {1e4, 5e5, 1e6}) {
    for (const std::size_t dim : {std::size_t{32}, std::size_t{64}, std::size_t{128}}) {
      for (const double context : {2048.0, 4096.0, 32768.0}) {
        RopeSpec spec = spec_from_json_text(kQwen25Yarn);
        spec.base = base;
        spec.head_dim = spec.rotary_dim = dim;
        spec.scaling.original_max_position_embeddings = context;
        EXPECT_TRUE(ramp_is_a_ramp(ramp_of(spec))) << base << " " << dim << " " << context;
        EXPECT_TRUE(strictly_decreasing(thetas_of(spec))) << base << " " << dim << " " << context;
      }
    }
  }
  // Negative control: beta_fast and beta_slow swapped (a transposed config) puts the
  // correction dims in the wrong order and the ramp runs backwards.
  RopeSpec swapped = spec_from_json_text(kQwen25Yarn);
  swapped.scaling.beta_fast = 1;
  swapped.scaling.beta_slow = 32;
  EXPECT_FALSE(ramp_is_a_ramp(ramp_of(swapped)));
}

// Factor 1: θ_j/1 = θ_j, so the blend is θ_j (up to its rounding at 257 bits) and
// get_mscale(1) = 1. It does not reduce when attention_factor is given explicitly.
TEST(scaling_reference, yarn_at_factor_one_reduces_to_none) {
  RopeSpec yarn = spec_from_json_text(kQwen25Yarn);
  yarn.scaling.factor = 1;
  RopeSpec none = yarn;
  none.scaling = Scaling{};
  EXPECT_EQ(thetas_of(yarn), thetas_of(none));
  EXPECT_EQ(static_cast<double>(reference::attention_factor<Real>(yarn)), 1.0);
  yarn.scaling.attention_factor = 1.2;
  EXPECT_NE(static_cast<double>(reference::attention_factor<Real>(yarn)), 1.0);
}

namespace {

// microsoft/Phi-3-mini-128k-instruct (the "longrope" revision): head_dim 96 (3072/32),
// rope_theta 10000, original_max_position_embeddings 4096, max_position_embeddings 131072.
const std::vector<double> kPhi3Long = {
    1.0700000524520874, 1.1200000047683716, 1.149999976158142,  1.4199999570846558, 1.5699999332427979,
    1.7999999523162842, 2.129999876022339,  2.129999876022339,  3.009999990463257,  5.910000324249268,
    6.950000286102295,  9.070000648498535,  9.930000305175781,  10.710000038146973, 11.130000114440918,
    14.609999656677246, 15.409998893737793, 19.809999465942383, 37.279998779296875, 38.279998779296875,
    38.599998474121094, 40.12000274658203,  46.20000457763672,  50.940006256103516, 53.66000747680664,
    54.9373893737793,   56.89738845825195,  57.28738784790039,  59.98738479614258,  60.86738586425781,
    60.887386322021484, 61.71739196777344,  62.91739273071289,  62.957393646240234, 63.41739273071289,
    63.8173942565918,   63.83739471435547,  63.897396087646484, 63.93739700317383,  64.06739807128906,
    64.11434936523438,  64.12435150146484,  64.15435028076172,  64.19435119628906,  64.24435424804688,
    64.57435607910156,  64.69000244140625,  64.76000213623047};

std::vector<double> phi3_short() {
  std::vector<double> f = {1.1, 1.1, 1.1, 1.3000000000000003, 1.3500000000000003, 1.3500000000000003,
                           1.4000000000000004, 1.5500000000000005};
  f.insert(f.end(), 17, 2.000000000000001);
  f.insert(f.end(), 6, 2.0500000000000007);
  f.insert(f.end(), 2, 2.1000000000000005);
  f.push_back(2.1500000000000004);
  f.insert(f.end(), 5, 2.25);
  for (const double v : {2.3999999999999995, 2.4499999999999993, 2.499999999999999, 2.6999999999999984, 2.6999999999999984,
                         2.7499999999999982, 2.799999999999998, 2.8999999999999977, 3.049999999999997}) {
    f.push_back(v);
  }
  return f;
}

RopeSpec phi3_spec(std::optional<double> sequence_length) {
  RopeSpec spec = spec_from_json_text(R"({"head_dim":96,"layout":"half_split","base":10000})");
  spec.scaling.type = ScalingType::longrope;
  spec.scaling.original_max_position_embeddings = 4096;
  spec.scaling.max_position_embeddings = 131072;
  spec.scaling.short_factor = phi3_short();
  spec.scaling.long_factor = kPhi3Long;
  spec.scaling.sequence_length = sequence_length;
  validate(spec);
  return spec;
}

}  // namespace

// HF's worked case: s = 2, M = 4096, R = 128, a sequence of 8192 gives base 30527.7367…;
// at or below M the base is unchanged. Dynamic at factor 1 does NOT reduce to none once the
// sequence is longer than M: b·(L/M)^(R/(R−2)) still grows with L.
TEST(scaling_reference, dynamic_ntk_rescales_the_base_for_the_sequence_length) {
  RopeSpec spec = spec_from_json_text(
      R"({"head_dim":128,"layout":"half_split","base":10000,"scaling":{"type":"dynamic","factor":2,"max_position_embeddings":4096,"sequence_length":8192}})");
  const std::vector<double> thetas = thetas_of(spec);
  const double base = 10000 * std::pow(2.0 * 8192 / 4096 - 1, 128.0 / 126);
  EXPECT_NEAR(base, 30527.7367, half_unit_in_decimal(4));
  for (std::size_t i = 0; i < thetas.size(); ++i) {
    EXPECT_LE(std::fabs(thetas[i] / std::pow(base, -static_cast<double>(2 * i) / 128) - 1), 32 * (1 + std::log(base)) * 0x1p-53)
        << i;
  }
  RopeSpec none = spec;
  none.scaling = Scaling{};
  for (const double length : {0.0, 100.0, 4096.0}) {
    spec.scaling.sequence_length = length;
    EXPECT_EQ(thetas_of(spec), thetas_of(none)) << length;
  }
  spec.scaling.sequence_length.reset();
  EXPECT_EQ(thetas_of(spec), thetas_of(none)) << "no length: M";
  spec.scaling.factor = 1;
  spec.scaling.sequence_length = 8192;
  EXPECT_NE(thetas_of(spec), thetas_of(none)) << "factor 1 with L > M still rescales";
  EXPECT_TRUE(strictly_decreasing(thetas_of(spec)));
}

// Phi-3-mini-128k: θ_i/short_i up to a sequence of 4096, θ_i/long_i from 4097 (strictly
// longer than the original context), attention factor sqrt(1 + ln 32/ln 4096) = sqrt(17/12).
TEST(scaling_reference, longrope_switches_factors_above_the_original_context) {
  const std::vector<double> plain = thetas_of(spec_from_json_text(R"({"head_dim":96,"layout":"half_split","base":10000})"));
  const std::vector<double> short_factor = phi3_short();
  ASSERT_EQ(short_factor.size(), 48u);
  for (const auto& [length, factors] : {std::pair{std::optional<double>{}, short_factor}, std::pair{std::optional(4096.0), short_factor},
                                        std::pair{std::optional(4097.0), kPhi3Long}}) {
    const std::vector<double> got = thetas_of(phi3_spec(length));
    for (std::size_t i = 0; i < got.size(); ++i) {
      EXPECT_LE(std::fabs(got[i] / (plain[i] / factors[i]) - 1), kThreeDoubleRoundings) << i;
    }
    EXPECT_DOUBLE_EQ(static_cast<double>(reference::attention_factor<Real>(phi3_spec(length))), std::sqrt(17.0 / 12));
  }
  EXPECT_TRUE(strictly_decreasing(thetas_of(phi3_spec(131072))));
  // Negative control: all factors 1 is `none` again, so the factors do act.
  RopeSpec ones = phi3_spec(131072);
  ones.scaling.long_factor = std::vector<double>(48, 1.0);
  EXPECT_EQ(thetas_of(ones), plain);
  EXPECT_NE(thetas_of(phi3_spec(131072)), plain);
}

// longrope_switch = expanded_context reproduces HF 4.43–4.44: long factors whenever the
// expanded context (max_position_embeddings 131072) exceeds the original 4096, whatever
// the sequence length; with only a factor, iff original·factor > original.
TEST(scaling_reference, longrope_switch_option_selects_the_rule_of_older_hf) {
  const std::vector<double> long_thetas = thetas_of(phi3_spec(131072)), short_thetas = thetas_of(phi3_spec(100));
  RopeSpec old_hf = phi3_spec(100);
  old_hf.scaling.longrope_switch = LongropeSwitch::expanded_context;
  validate(old_hf);
  EXPECT_EQ(thetas_of(old_hf), long_thetas);
  old_hf.scaling.sequence_length.reset();
  EXPECT_EQ(thetas_of(old_hf), long_thetas);
  old_hf.scaling.max_position_embeddings = 4096;  // not expanded: short
  EXPECT_EQ(thetas_of(old_hf), short_thetas);
  old_hf.scaling.max_position_embeddings.reset();
  old_hf.scaling.factor = 32;
  EXPECT_EQ(thetas_of(old_hf), long_thetas);
  old_hf.scaling.factor = 1;
  EXPECT_EQ(thetas_of(old_hf), short_thetas);
  EXPECT_EQ(spec_from_json(to_json(old_hf)), old_hf);
  EXPECT_EQ(to_json(old_hf)["scaling"]["longrope_switch"], "expanded_context");
  expect_rejected(R"({"type":"yarn","factor":4,"original_max_position_embeddings":4096,"longrope_switch":"expanded_context"})",
                  "takes no parameter 'longrope_switch'");
}

// The kernels take any per-pair θ: with llama3 and linear frequencies they meet the same
// exact bound on every target (and preserve norms), the table being built from the
// reference's θ_i.
TEST(scaling_kernels, scaled_specs_meet_the_exact_bound_on_every_target) {
  const std::vector<props::KernelUnderTest> kernels = props::builtin_kernels();
  for (const std::string& text : {std::string(kLlama31), std::string(kQwen25Yarn), std::string(kDeepSeekV3), to_json_text(phi3_spec(8192)),
                           std::string(R"({"head_dim":96,"rotary_dim":64,"layout":"interleaved","base":10000,)"
                                       R"("scaling":{"type":"linear","factor":4}})")}) {
    for (const Dtype dtype : {Dtype::f32, Dtype::bf16, Dtype::f16}) {
      props::KernelCase c;
      c.spec = spec_from_json_text(text);
      c.dtype = dtype;
      c.heads = 3;
      c.positions = {0, 1, 8191, 8192, 65537, 131071, 1048575};
      c.data_seed = 7;
      ASSERT_NO_THROW(props::check_matches_reference(c, kernels, numeric::Profile::exact)) << text;
      ASSERT_NO_THROW(props::check_preserves_norm(c, kernels, numeric::Profile::exact)) << text;
    }
  }
}

namespace {

// Dynamic NTK's base for max(sequence_length, M): b·(s·L/M − (s − 1))^(R/(R−2)).
double dynamic_base_in_double(const RopeSpec& spec) {
  const Scaling& s = spec.scaling;
  const double m = *s.max_position_embeddings, length = std::max(s.sequence_length.value_or(m), m);
  const double d = static_cast<double>(spec.rotary_dim);
  return spec.base * std::pow(*s.factor * length / m - (*s.factor - 1), d / (d - 2));
}

// The independent evaluation of each golden case's scaling, in double from the formula
// text (HF modeling_rope_utils.py, Meta's apply_scaling, Phi-3's modeling code): θ_i per
// type, written without the reference's code paths.
std::vector<double> thetas_in_double(const RopeSpec& spec) {
  const Scaling& s = spec.scaling;
  const std::size_t dim = spec.rotary_dim;
  const auto geometric = [&](double base) {
    std::vector<double> out;
    for (std::size_t k = 0; k < dim; k += 2) out.push_back(1.0 / std::pow(base, static_cast<double>(k) / static_cast<double>(dim)));
    return out;
  };
  switch (s.type) {
    case ScalingType::none: return geometric(spec.base);
    case ScalingType::linear: {
      std::vector<double> out = geometric(spec.base);
      for (double& t : out) t /= *s.factor;
      return out;
    }
    case ScalingType::llama3:
      return llama3_in_double(spec.base, dim, *s.factor, *s.low_freq_factor, *s.high_freq_factor,
                              *s.original_max_position_embeddings);
    case ScalingType::yarn:
      return yarn_in_double(spec.base, dim, *s.factor, *s.original_max_position_embeddings, s.beta_fast.value_or(32),
                            s.beta_slow.value_or(1));
    case ScalingType::dynamic: return geometric(dynamic_base_in_double(spec));
    case ScalingType::proportional: {
      // HF: int(partial_rotary_factor · head_dim // 2) pairs at base^(−2i/head_dim), zeros after.
      std::vector<double> out = geometric(spec.base);
      const auto rotating = static_cast<std::size_t>(std::floor(*s.partial_rotary_factor * static_cast<double>(dim) / 2));
      for (std::size_t k = 0; k < out.size(); ++k) out[k] = k < rotating ? out[k] / s.factor.value_or(1) : 0.0;
      return out;
    }
    case ScalingType::longrope: {
      const bool use_long = s.sequence_length.value_or(0) > *s.original_max_position_embeddings;
      const std::vector<double>& ext = use_long ? *s.long_factor : *s.short_factor;
      std::vector<double> out;
      for (std::size_t k = 0; k < dim; k += 2) {
        out.push_back(1.0 / (ext[k / 2] * std::pow(spec.base, static_cast<double>(k) / static_cast<double>(dim))));
      }
      return out;
    }
  }
  return {};
}

// The attention factor in double: YaRN's get_mscale ratio or default, LongRoPE's
// sqrt(1 + ln f / ln L); 1 for the others.
double attention_in_double(const Scaling& s) {
  const auto mscale = [](double factor, double m) { return factor <= 1 ? 1.0 : 0.1 * m * std::log(factor) + 1; };
  if (s.attention_factor) return *s.attention_factor;
  if (s.type == ScalingType::yarn) {
    if (s.mscale.value_or(0) != 0 && s.mscale_all_dim.value_or(0) != 0) {
      return mscale(*s.factor, *s.mscale) / mscale(*s.factor, *s.mscale_all_dim);
    }
    return mscale(*s.factor, 1);
  }
  if (s.type == ScalingType::longrope) {
    const double original = *s.original_max_position_embeddings;
    const double f = s.factor ? *s.factor : *s.max_position_embeddings / original;
    return f <= 1 ? 1.0 : std::sqrt(1 + std::log(f) / std::log(original));
  }
  return 1;
}

// log (≤ 1 ulp), multiply, add, divide or sqrt: at most 6 roundings of 2^-53 each.
constexpr double kAttentionInDouble = 6 * 0x1p-53;

}  // namespace

// The acceptance check of scaled goldens on the committed set: every scaled golden case's θ_i and
// attention factor, as the reference computes them from the spec stored in the file,
// agree with the double evaluation within 32·(1 + ln base')·2^-53 relative (base' the
// rescaled base for dynamic; the budget of the llama3 test above) and kAttentionInDouble.
TEST(scaling_reference, every_scaled_golden_case_agrees_with_the_formula_in_double) {
  std::set<ScalingType> types;
  std::size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(ROPECHECK_SOURCE_DIR) / "golden/v1")) {
    if (entry.path().extension() != ".safetensors") continue;
    const golden::Golden g = golden::read_golden(entry.path());
    if (g.spec.scaling.type == ScalingType::none) continue;
    types.insert(g.spec.scaling.type);
    ++cases;
    const std::vector<double> got = thetas_of(g.spec), want = thetas_in_double(g.spec);
    ASSERT_EQ(got.size(), want.size()) << g.case_id;
    const double base = g.spec.scaling.type == ScalingType::dynamic ? dynamic_base_in_double(g.spec) : g.spec.base;
    const double tolerance = 32 * (1 + std::log(base)) * 0x1p-53;
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_LE(std::fabs(got[i] / want[i] - 1), tolerance) << g.case_id << " pair " << i;
    const double attention = static_cast<double>(reference::attention_factor<Real>(g.spec));
    EXPECT_LE(std::fabs(attention / attention_in_double(g.spec.scaling) - 1), kAttentionInDouble) << g.case_id;
  }
  EXPECT_EQ(types.size(), 5u) << "linear, dynamic, yarn, llama3 and longrope each have a golden case";
  EXPECT_GE(cases, 8u);
}

// Negative controls: the same comparison rejects Llama 3.1's frequencies computed with
// the original context taken as 131072, and Phi-3's long factors on a short sequence.
TEST(scaling_reference, the_golden_formula_check_rejects_a_wrong_scaling) {
  const auto worst_miss = [](const RopeSpec& right, const RopeSpec& wrong) {
    const std::vector<double> want = thetas_in_double(right), got = thetas_of(wrong);
    double worst = 0;
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(got[i] / want[i] - 1));
    return worst;
  };
  const RopeSpec llama = spec_from_json_text(kLlama31);
  RopeSpec wrong_context = llama;
  wrong_context.scaling.original_max_position_embeddings = 131072;
  EXPECT_GT(worst_miss(llama, wrong_context), 32 * (1 + std::log(5e5)) * 0x1p-53);
  EXPECT_GT(worst_miss(phi3_spec(4096), phi3_spec(4097)), 32 * (1 + std::log(1e4)) * 0x1p-53);
}

// Generated scaled specs of every type (props::gen_scaled_spec) through the built-in
// kernels on every target: within the exact bound in each dtype and s·‖x‖ per pair, as
// for unscaled specs. Negative control: a kernel that drops the scaling.
namespace {
rc::Gen<props::KernelCase> scaled_kernel_cases(Dtype dtype) {
  return props::gen_kernel_case(dtype, std::int64_t{1} << 24, props::gen_scaled_spec());
}
}  // namespace

RC_GTEST_PROP(scaling_kernels, generated_scaled_specs_meet_the_exact_bound_on_every_target, ()) {
  static const std::vector<props::KernelUnderTest> kernels = props::builtin_kernels();
  for (const Dtype dtype : {Dtype::f32, Dtype::bf16, Dtype::f16}) {
    props::check_matches_reference(*scaled_kernel_cases(dtype), kernels, numeric::Profile::exact);
  }
  props::check_preserves_norm(*scaled_kernel_cases(Dtype::f32), kernels, numeric::Profile::exact);
}
TEST(scaling_kernels_negative_control, a_kernel_that_drops_the_scaling_is_outside_the_exact_bound) {
  ropecheck::testing::expect_counterexample("scaling ignored", [] {
    props::check_matches_reference(*scaled_kernel_cases(Dtype::f32), {props::kernel_bugs::scaling_ignored()},
                                  numeric::Profile::exact);
  });
}

// Gemma 4's proportional RoPE (HF _compute_proportional_rope_parameters): its frequencies
// are those of the formula in double, base^(−2i/512) for i < ⌊0.25·512/2⌋ = 64, and
// exactly 0 for the other 192 pairs.
TEST(proportional_reference, gemma_4_frequencies_agree_with_the_formula_in_double) {
  const RopeSpec gemma4 = spec_from_json_text(
      R"({"head_dim":512,"rotary_dim":512,"layout":"half_split","base":1000000,"scaling":{"type":"proportional","partial_rotary_factor":0.25}})");
  EXPECT_EQ(proportional_rotating_pairs(gemma4), 64u);
  const std::vector<double> got = thetas_of(gemma4), want = thetas_in_double(gemma4);
  ASSERT_EQ(got.size(), 256u);
  const double tolerance = 32 * (1 + std::log(1e6)) * 0x1p-53;
  for (std::size_t i = 0; i < 64; ++i) EXPECT_LE(std::fabs(got[i] / want[i] - 1), tolerance) << i;
  for (std::size_t i = 64; i < 256; ++i) EXPECT_EQ(got[i], 0.0) << i;
  EXPECT_EQ(static_cast<double>(reference::attention_factor<Real>(gemma4)), 1.0);
  expect_rejected(R"({"type":"proportional"})", "needs 'partial_rotary_factor'");
  expect_rejected(R"({"type":"proportional","partial_rotary_factor":1.5})", "must be in (0, 1]");
  expect_rejected(R"({"type":"proportional","partial_rotary_factor":0.25,"beta_fast":32})", "takes no parameter 'beta_fast'");
}

// Proportional rotary is not ordinary partial rotary with R = ⌊p·D⌋: it rotates pairs
// (i, i + D/2) with exponents over D, the other rotates (i, i + R/2) over R. At position 0
// both are the identity; at any position m ≥ 1 the first pair differs, since
// sin(m·θ_0) = sin m ≠ 0 and x[D/2] ≠ x[R/2] (the head's entries are distinct here).
namespace {
struct ProportionalCase {
  std::size_t head_dim;
  double fraction;  // 1/4, 1/2 or 3/4
  double base;
  std::int64_t position;
  std::vector<double> x;
};

rc::Gen<ProportionalCase> gen_proportional_case() {
  using namespace rc;
  return gen::mapcat(gen::pair(gen::inRange<std::size_t>(1, 33), gen::inRange(1, 4)), [](std::pair<std::size_t, int> p) {
    const std::size_t head_dim = 8 * p.first;
    return gen::apply(
        [head_dim, fraction = p.second / 4.0](double base, std::int64_t position, std::vector<double> x) {
          return ProportionalCase{head_dim, fraction, base, position, std::move(x)};
        },
        gen::element(1e4, 1e6, 5e5), gen::inRange<std::int64_t>(1, std::int64_t{1} << 20),
        gen::container<std::vector<double>>(head_dim, gen::map(gen::inRange(-1000, 1001), [](int k) { return k / 64.0; })));
  });
}

using ProportionalForm = std::function<reference::Vector<Real>(const ProportionalCase&, std::int64_t position)>;

reference::Vector<Real> apply_spec(const RopeSpec& spec, std::int64_t position, const std::vector<double>& x) {
  reference::Vector<Real> v;
  for (const double e : x) v.emplace_back(e);
  return reference::apply_rope<Real>(spec, Real(position), v);  // by the spec's layout
}

RopeSpec ordinary_partial(const ProportionalCase& c) {
  RopeSpec spec;
  spec.head_dim = c.head_dim;
  spec.rotary_dim = static_cast<std::size_t>(std::floor(c.fraction * static_cast<double>(c.head_dim)));
  spec.layout = Layout::half_split;
  spec.base = c.base;
  return spec;
}

reference::Vector<Real> proportional(const ProportionalCase& c, std::int64_t position) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = c.head_dim;
  spec.layout = Layout::half_split;
  spec.base = c.base;
  spec.scaling.type = ScalingType::proportional;
  spec.scaling.partial_rotary_factor = c.fraction;
  validate(spec);
  return apply_spec(spec, position, c.x);
}

void check_differs_from_ordinary_partial_rotary(const ProportionalCase& c, const ProportionalForm& form) {
  const RopeSpec partial = ordinary_partial(c);
  RC_PRE(c.x[c.head_dim / 2] != c.x[partial.rotary_dim / 2]);
  RC_ASSERT(form(c, 0) == apply_spec(partial, 0, c.x));
  if (form(c, c.position) == apply_spec(partial, c.position, c.x)) {
    RC_FAIL(fmt::format("proportional equals ordinary partial rotary (R = {} of {}) at position {}", partial.rotary_dim,
                        c.head_dim, c.position));
  }
}
}  // namespace

RC_GTEST_PROP(proportional_reference, differs_from_ordinary_partial_rotary_beyond_position_0, ()) {
  check_differs_from_ordinary_partial_rotary(*gen_proportional_case(), proportional);
}
// Negative control: proportional read as ordinary partial rotary (Megatron-Bridge #4195).
TEST(proportional_reference_negative_control, proportional_read_as_partial_rotary_is_caught) {
  ropecheck::testing::expect_counterexample("proportional as partial rotary", [] {
    check_differs_from_ordinary_partial_rotary(*gen_proportional_case(), [](const ProportionalCase& c, std::int64_t m) {
      return apply_spec(ordinary_partial(c), m, c.x);
    });
  });
}
