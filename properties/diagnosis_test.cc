// The diagnosis names the bug: each test writes a candidate the way a real implementation
// shipped the bug — an HF-style float32 pipeline (inv_freq = 1/base^(arange(0,R,2)/R),
// freqs = outer(t, inv_freq), cos/sin of it, rotate_half or Meta's pairs) with one line
// changed — runs the gate on a committed golden case, and expects the case to fail and the
// matching hypothesis among the explanations. Variants evaluated without a bug reproduce
// the golden (the diagnosis measures against the right thing).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <numbers>
#include <string>
#include <string_view>

#include "ropecheck/gate/check_report.h"
#include "ropecheck/gate/conformance.h"
#include "ropecheck/gate/rope_variant.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

using namespace ropecheck;
using namespace ropecheck::gate;
namespace fs = std::filesystem;

namespace {

golden::Golden committed(const std::string& id) {
  return golden::read_golden(fs::path(ROPECHECK_SOURCE_DIR) / "golden/v1" / (id + ".safetensors"));
}

// RNE of a float to a narrow dtype, as torch's .to(dtype) does.
float to_dtype(float v, Dtype dtype) {
  if (dtype == Dtype::f32) return v;
  return static_cast<float>(static_cast<double>(
      reference::decode_exact(reference::round_to_bits(reference::Real(static_cast<double>(v)), dtype), dtype)));
}

// One line of the float32 pipeline, changed.
struct Bug {
  Layout layout_override = Layout::interleaved;
  bool override_layout = false;
  bool minus_sin = false;              // q*cos - rotate_half(q)*sin
  std::int64_t position_offset = 0;    // t = positions + offset
  std::optional<Dtype> inv_freq_dtype; // inv_freq buffer cast to the model dtype
  std::optional<Dtype> t_dtype;        // t = arange(..., dtype=inv_freq.dtype)
  std::optional<Dtype> freqs_dtype;    // freqs computed in the model dtype
  std::optional<Dtype> cos_sin_dtype;  // cos, sin cast to the model dtype before use
  double base_override = 0;            // rope_theta ignored: default base
  std::size_t rotary_override = 0;     // rotary_pct ignored
  std::size_t inv_freq_dim = 0;        // inv_freq from head_dim, not rotary_dim
  float output_scale = 1;              // an attention factor applied where none belongs
  bool in_place = false;               // x[b] computed from the already-written x[a]
  bool truncate = false;               // bf16 output by dropping the low 16 bits
  // Scaled cases: inv_freq is the float32 rounding of the scaled θ_i (what HF's float32
  // _compute_*_parameters return, to within its few roundings) and cos/sin are multiplied
  // by the attention factor in float32, as HF does.
  std::optional<Scaling> scaling_override;   // the scaling the pipeline computes with
  bool scaling_twice = false;                // its per-pair factor ρ_i applied again
  std::optional<double> attention_override;  // the attention factor it multiplies with
  // Another spec altogether (the other layer type's, proportional read as partial, …):
  // its pairs, rotary width and θ_i rounded to float32.
  std::optional<RopeSpec> spec_override;
  bool llama3_unparenthesized = false;       // smooth = (L/λ)/high − low (a community port)
  bool int16_positions = false;              // positions held in an int16 tensor
  std::int64_t cache_rows = 0;               // cos/sin cache of this many rows (0: long enough)
  bool cache_clamps = false;                 // … read at min(m, L − 1) instead of m mod L
  bool other_pair_order = false;             // rotated pairs written at the other layout's indices
  std::optional<Dtype> compute_dtype;        // the products and their sum rounded to the model dtype
  bool fast_trig = false;                    // __sinf/__cosf: the angle reduced by a float32 multiply by 1/2π
  // The position scale the pipeline multiplies its output by after RoPE, as HF does (σ in
  // float32, one float32 product): by default the golden's where it scales the golden's
  // tensor; `drop_position_scale` leaves it out, an override applies another.
  bool drop_position_scale = false;
  std::optional<PositionScale> position_scale_override;
};

// HF's float32 σ: log(floor((m + offset) / floor_scale) + 1) · β + 1 (modeling_llama4.py).
float hf_position_scale(const PositionScale& p, std::int64_t m) {
  const float steps = std::floor((static_cast<float>(m) + static_cast<float>(p.position_offset)) / static_cast<float>(p.floor_scale));
  return std::log(steps + 1.0f) * static_cast<float>(p.beta) + 1.0f;
}

// The llama3 frequencies as the port computed them, in double, then float32.
std::vector<float> unparenthesized_llama3(const golden::Golden& g, std::size_t r) {
  const Scaling& s = g.spec.scaling;
  std::vector<float> out;
  for (std::size_t i = 0; i < r / 2; ++i) {
    const double freq = 1.0 / std::pow(g.spec.base, static_cast<double>(2 * i) / static_cast<double>(r));
    const double wavelen = 2 * std::numbers::pi / freq;
    const double context = *s.original_max_position_embeddings;
    double scaled = freq;
    if (wavelen > context / *s.low_freq_factor) {
      scaled = freq / *s.factor;
    } else if (wavelen >= context / *s.high_freq_factor) {
      const double smooth = context / wavelen / *s.high_freq_factor - *s.low_freq_factor;
      scaled = (1 - smooth) * freq / *s.factor + smooth * freq;
    }
    out.push_back(static_cast<float>(scaled));
  }
  return out;
}

// inv_freq as the pipeline computes it: plain float32 for unscaled specs (HF's formula),
// else the scaled θ_i of the (possibly wrong) scaling rounded to float32.
std::vector<float> pipeline_inv_freq(const golden::Golden& g, const Bug& bug, std::size_t r, std::size_t freq_dim) {
  if (bug.llama3_unparenthesized) return unparenthesized_llama3(g, r);
  if (bug.spec_override) {
    std::vector<float> inv_freq;
    for (const reference::Real& t : reference::frequencies<reference::Real>(*bug.spec_override)) {
      inv_freq.push_back(static_cast<float>(static_cast<double>(t)));
    }
    return inv_freq;
  }
  const float base = static_cast<float>(bug.base_override ? bug.base_override : g.spec.base);
  std::vector<float> inv_freq(r / 2);
  if (g.spec.scaling.type == ScalingType::none) {
    for (std::size_t i = 0; i < r / 2; ++i) {
      const float exponent = static_cast<float>(2 * i) / static_cast<float>(freq_dim);
      inv_freq[i] = 1.0f / std::pow(base, exponent);
    }
    return inv_freq;
  }
  RopeSpec spec = g.spec;
  if (bug.scaling_override) spec.scaling = *bug.scaling_override;
  const std::vector<reference::Real> scaled = reference::frequencies<reference::Real>(spec);
  spec.scaling = Scaling{};
  const std::vector<reference::Real> plain = reference::frequencies<reference::Real>(spec);
  for (std::size_t i = 0; i < r / 2; ++i) {
    const double theta = static_cast<double>(scaled[i]);
    inv_freq[i] = static_cast<float>(bug.scaling_twice ? theta * (theta / static_cast<double>(plain[i])) : theta);
  }
  return inv_freq;
}

// The candidate's output values (in the golden's output dtype, widened to double).
std::vector<double> buggy_candidate(const golden::Golden& g, const Bug& bug) {
  const std::size_t d = g.spec.head_dim;
  const std::size_t r = bug.spec_override ? bug.spec_override->rotary_dim : bug.rotary_override ? bug.rotary_override : g.spec.rotary_dim;
  const std::size_t freq_dim = bug.inv_freq_dim ? bug.inv_freq_dim : r;
  const Layout layout = bug.spec_override ? bug.spec_override->layout : bug.override_layout ? bug.layout_override : g.spec.layout;
  const Layout other_layout = layout == Layout::interleaved ? Layout::half_split : Layout::interleaved;
  // Where the rotated dims start (DeepSeek MLA: after q_nope).
  const std::size_t offset = bug.spec_override ? bug.spec_override->rotary_offset : g.spec.rotary_offset;
  std::vector<float> inv_freq = pipeline_inv_freq(g, bug, r, freq_dim);
  if (bug.inv_freq_dtype) {
    for (float& f : inv_freq) f = to_dtype(f, *bug.inv_freq_dtype);
  }
  const float attention = static_cast<float>(
      bug.attention_override ? *bug.attention_override
      : bug.spec_override    ? static_cast<double>(reference::attention_factor<reference::Real>(*bug.spec_override))
                             : RopeVariant::of(g).attention_factor);
  std::vector<double> out(g.x.size());
  std::optional<PositionScale> position_scale = bug.position_scale_override;
  if (!position_scale && !bug.drop_position_scale && scales_positions(g.spec)) position_scale = g.spec.position_scale;
  for (std::size_t t = 0; t < g.tokens; ++t) {
    std::int64_t p = g.positions[t] + bug.position_offset;
    const float sigma = position_scale ? hf_position_scale(*position_scale, p) : 1.0f;
    if (bug.int16_positions) p = static_cast<std::int16_t>(static_cast<std::uint16_t>(p & 0xFFFF));
    if (bug.cache_rows && p >= bug.cache_rows) p = bug.cache_clamps ? bug.cache_rows - 1 : p % bug.cache_rows;
    float m = static_cast<float>(p);
    if (bug.t_dtype) m = to_dtype(m, *bug.t_dtype);
    for (std::size_t h = 0; h < g.heads; ++h) {
      const std::size_t row = (t * g.heads + h) * d;
      std::vector<float> x(d);
      for (std::size_t k = 0; k < d; ++k) x[k] = static_cast<float>(g.x[row + k]);
      const std::vector<float> in = x;
      for (std::size_t i = 0; i < r / 2; ++i) {
        float freq = m * inv_freq[i];
        if (bug.freqs_dtype) freq = to_dtype(freq, *bug.freqs_dtype);
        float c = std::cos(freq), s = std::sin(freq);
        if (bug.fast_trig) {
          // The hardware's reduction: turns = freq·(1/2π) in float32, then sin(2π·fraction),
          // here evaluated accurately (the approximation's own 2^-21.4 is far smaller).
          const float turns = freq * static_cast<float>(0.5 / std::numbers::pi);
          const double reduced = 2 * std::numbers::pi * (static_cast<double>(turns) - std::nearbyint(static_cast<double>(turns)));
          c = static_cast<float>(std::cos(reduced));
          s = static_cast<float>(std::sin(reduced));
        }
        if (bug.cos_sin_dtype) {
          c = to_dtype(c, *bug.cos_sin_dtype);
          s = to_dtype(s, *bug.cos_sin_dtype);
        }
        if (attention != 1) {
          c *= attention;
          s *= attention;
        }
        if (bug.minus_sin) s = -s;
        auto [ia, ib] = reference::pair_indices(layout, r, i);
        ia += offset;
        ib += offset;
        const float a = in[ia], b = in[ib];
        auto [oa, ob] = bug.other_pair_order ? reference::pair_indices(other_layout, r, i) : std::pair{ia - offset, ib - offset};
        oa += offset;
        ob += offset;
        if (bug.compute_dtype) {
          // torch's float16/bfloat16 ops: each product and the sum rounded to the dtype.
          const auto narrow = [&](float v) { return to_dtype(v, *bug.compute_dtype); };
          x[oa] = narrow(narrow(a * c) - narrow(b * s));
          x[ob] = narrow(narrow(b * c) + narrow(a * s));
        } else {
          x[oa] = (a * c - b * s) * bug.output_scale;
          x[ob] = (b * c + (bug.in_place ? x[oa] : a) * s) * bug.output_scale;
        }
      }
      for (std::size_t k = 0; k < d; ++k) {
        float v = x[k] * sigma;
        if (bug.truncate && g.output_dtype == Dtype::bf16 && std::isfinite(v)) {
          std::uint32_t bits;
          std::memcpy(&bits, &v, 4);
          bits &= 0xFFFF0000u;
          std::memcpy(&v, &bits, 4);
        } else {
          v = to_dtype(v, g.output_dtype);
        }
        out[row + k] = static_cast<double>(v);
      }
    }
  }
  return out;
}

CaseCheck check_buggy(const golden::Golden& g, const Bug& bug) {
  const std::vector<double> values = buggy_candidate(g, bug);
  io::SafetensorsFile file;
  file.tensors.push_back(io::tensor_from_doubles("out", io::st_dtype_of(g.output_dtype), {g.tokens, g.heads, g.spec.head_dim},
                                                 values));
  const std::string test = testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path path = fs::temp_directory_path() / ("ropecheck_diagnosis_" + test + ".safetensors");
  io::write_output_file(path, io::serialize_safetensors(file));
  CaseCheck c = check_case(g, g.case_id, path, numeric::Profile::exact);
  fs::remove(path);
  return c;
}

std::string names(const CaseCheck& c) {
  std::string s;
  for (const auto& d : c.diagnosis.explanations) s += d.name + " (" + std::string(numeric::to_string(d.profile)) + ") ";
  return s + "| " + c.diagnosis.norm_finding;
}

// Whether `hypothesis` is among the explanations, with every one of `texts` in its description.
bool explained_by(const CaseCheck& c, const std::string& hypothesis, std::initializer_list<std::string_view> texts = {}) {
  return std::any_of(c.diagnosis.explanations.begin(), c.diagnosis.explanations.end(), [&](const Diagnosis& d) {
    return d.name == hypothesis && std::all_of(texts.begin(), texts.end(), [&](std::string_view t) {
             return d.description.find(t) != std::string::npos;
           });
  });
}

void expect_diagnosis(const std::string& case_id, const Bug& bug, const std::string& hypothesis) {
  const CaseCheck c = check_buggy(committed(case_id), bug);
  ASSERT_FALSE(c.passed) << case_id;
  bool found = false;
  for (const auto& d : c.diagnosis.explanations) found |= d.name == hypothesis;
  EXPECT_TRUE(found) << case_id << ": expected " << hypothesis << ", got " << names(c);
}

// A pipeline computing the case's scaling with one parameter changed by `change`.
void expect_wrong_scaling_diagnosed(const std::string& case_id, const std::string& hypothesis,
                                    const std::function<void(Scaling&)>& change) {
  Bug bug;
  Scaling wrong = committed(case_id).spec.scaling;
  change(wrong);
  bug.scaling_override = wrong;
  expect_diagnosis(case_id, bug, hypothesis);
}

}  // namespace

TEST(diagnosis, variants_without_a_bug_reproduce_the_golden) {
  for (const char* id : {"llama2_7b_interleaved_f32", "gpt_neox_20b_f16", "edge_bf16", "llama31_8b_interleaved_f32",
                         "qwen25_7b_yarn4_bf16", "deepseek_v3_yarn40_bf16", "phi3_mini_128k_long_bf16",
                         "phi3_mini_128k_short_bf16", "deepseek_coder_1_3b_linear4_bf16", "dynamic_ntk2_f32"}) {
    const golden::Golden g = committed(id);
    const RopeVariant as_golden = RopeVariant::of(g);
    const VariantOutput v = evaluate_variant(g, as_golden);
    const std::size_t d = g.spec.head_dim;
    for (std::size_t row = 0; row < g.tokens * g.heads; ++row) {
      for (std::size_t dim = 0; dim < d; ++dim) {
        const std::size_t k = row * d + dim;
        if (!std::isfinite(g.expected[k])) {
          EXPECT_TRUE(std::isnan(g.expected[k]) ? std::isnan(v.y[k]) : v.y[k] == g.expected[k]) << id << " " << k;
          continue;
        }
        double scale = std::fabs(g.x[k]);
        if (dim < g.spec.rotary_dim) {
          const std::size_t i = reference::pair_of_dim(g.spec.layout, g.spec.rotary_dim, dim);
          const auto [ia, ib] = reference::pair_indices(g.spec.layout, g.spec.rotary_dim, i);
          scale = std::fabs(g.x[row * d + ia]) + std::fabs(g.x[row * d + ib]);
        }
        // Double evaluation: θ_i rounded to double (relative 2^-53), angle error ≤
        // |m|·θ_i·2^-52 ≤ 2^-32 rad for m < 2^20 and θ_i ≤ 1 plus a few roundings, so
        // |Δy| ≤ 2^-31·s·(|a| + |b|) with s the attention factor.
        EXPECT_LE(std::fabs(v.y[k] - g.expected[k]), 0x1p-31 * as_golden.attention_factor * scale) << id << " " << k;
      }
    }
  }
}

TEST(diagnosis, a_correct_float32_pipeline_is_within_f32_angle_and_not_diagnosed_as_a_bug) {
  const CaseCheck c = check_buggy(committed("llama2_7b_interleaved_f32"), Bug{});
  ASSERT_FALSE(c.passed) << "f32 angles at positions up to 2^20 exceed the exact profile";
  ASSERT_FALSE(c.profiles_passed.empty());
  EXPECT_EQ(c.profiles_passed.front(), numeric::Profile::f32_angle);
  EXPECT_TRUE(c.diagnosis.explanations.empty()) << names(c);
  EXPECT_TRUE(c.diagnosis.norm_finding.empty()) << names(c);
}

TEST(diagnosis, rotate_half_on_meta_layout_is_a_swapped_layout) {
  Bug bug;
  bug.override_layout = true;
  bug.layout_override = Layout::half_split;
  expect_diagnosis("llama2_7b_interleaved_f32", bug, "swapped_layout");
}

TEST(diagnosis, a_minus_sign_on_rotate_half_is_a_reversed_rotation) {
  Bug bug;
  bug.minus_sin = true;
  expect_diagnosis("llama2_7b_half_split_bf16", bug, "reversed_rotation");
}

TEST(diagnosis, an_off_by_one_cache_offset_is_a_position_shift) {
  Bug bug;
  bug.position_offset = 1;
  expect_diagnosis("llama2_7b_half_split_f32", bug, "position_shift");
  bug.position_offset = -3;
  expect_diagnosis("qwen2_7b_bf16", bug, "position_shift");
}

TEST(diagnosis, inv_freq_cast_to_bf16_is_frequencies_in_bf16) {
  Bug bug;
  bug.inv_freq_dtype = Dtype::bf16;
  expect_diagnosis("llama2_7b_half_split_bf16", bug, "frequencies_in_bf16");
}

TEST(diagnosis, arange_in_the_inv_freq_dtype_is_positions_and_frequencies_in_bf16) {
  Bug bug;
  bug.inv_freq_dtype = Dtype::bf16;
  bug.t_dtype = Dtype::bf16;
  expect_diagnosis("gemma_7b_bf16", bug, "positions_and_frequencies_in_bf16");
}

TEST(diagnosis, positions_in_f16_are_found) {
  Bug bug;
  bug.t_dtype = Dtype::f16;
  expect_diagnosis("llama2_7b_interleaved_f16", bug, "positions_in_f16");
}

TEST(diagnosis, freqs_in_the_model_dtype_are_angles_in_bf16) {
  Bug bug;
  bug.freqs_dtype = Dtype::bf16;
  expect_diagnosis("llama2_7b_interleaved_bf16", bug, "angles_in_bf16");
}

TEST(diagnosis, cos_and_sin_cast_to_bf16_are_a_bf16_table) {
  Bug bug;
  bug.cos_sin_dtype = Dtype::bf16;
  expect_diagnosis("llama2_7b_half_split_f32", bug, "table_in_bf16");
}

// DeepSpeed #8341: code reading the v4 top-level rope_theta finds nothing in a v5 config
// and uses HF's default.
TEST(diagnosis, an_ignored_rope_theta_is_the_default_base) {
  Bug bug;
  bug.base_override = 10000;
  expect_diagnosis("qwen2_7b_bf16", bug, "default_base");
  bug.base_override = 100000;
  expect_diagnosis("qwen2_7b_bf16", bug, "other_base");
}

TEST(diagnosis, an_ignored_rotary_pct_is_the_wrong_rotary_dim) {
  Bug bug;
  bug.rotary_override = 96;
  expect_diagnosis("gpt_neox_20b_f16", bug, "rotary_dim");
}

TEST(diagnosis, inv_freq_from_head_dim_is_found) {
  Bug bug;
  bug.inv_freq_dim = 96;
  expect_diagnosis("gpt_neox_20b_f16", bug, "theta_from_head_dim");
}

TEST(diagnosis, a_stray_attention_factor_is_an_output_scale) {
  Bug bug;
  bug.output_scale = 1.0877f;
  expect_diagnosis("mistral_7b_v02_f32", bug, "output_scale");
}

TEST(diagnosis, a_pair_updated_in_place_is_not_a_rotation) {
  Bug bug;
  bug.in_place = true;
  const CaseCheck c = check_buggy(committed("llama2_7b_interleaved_f32"), bug);
  ASSERT_FALSE(c.passed);
  EXPECT_NE(c.diagnosis.norm_finding.find("not a rotation"), std::string::npos) << names(c);
  expect_diagnosis("llama2_7b_interleaved_f32", bug, "in_place_update");
}

TEST(diagnosis, dropping_the_low_bits_is_a_truncated_bf16_output) {
  Bug bug;
  bug.truncate = true;
  expect_diagnosis("llama2_7b_half_split_bf16", bug, "truncated_output");
}

// The f16 forms of the dtype hypotheses, each from the same one-line bug in f16.
TEST(diagnosis, the_same_bugs_in_f16_are_named_in_f16) {
  Bug inv_freq;
  inv_freq.inv_freq_dtype = Dtype::f16;
  expect_diagnosis("llama2_7b_half_split_f16", inv_freq, "frequencies_in_f16");
  Bug arange = inv_freq;
  arange.t_dtype = Dtype::f16;
  expect_diagnosis("llama2_7b_half_split_f16", arange, "positions_and_frequencies_in_f16");
  Bug freqs;
  freqs.freqs_dtype = Dtype::f16;
  expect_diagnosis("llama2_7b_interleaved_f16", freqs, "angles_in_f16");
  Bug table;
  table.cos_sin_dtype = Dtype::f16;
  expect_diagnosis("llama2_7b_interleaved_f32", table, "table_in_f16");
  Bug positions;
  positions.t_dtype = Dtype::bf16;
  expect_diagnosis("qwen2_7b_bf16", positions, "positions_in_bf16");
}

// Scaled cases. A correct float32 pipeline with scaling is no bug either.
TEST(diagnosis, a_correct_scaled_float32_pipeline_is_not_diagnosed_as_a_bug) {
  for (const char* id : {"llama31_8b_interleaved_f32", "qwen25_7b_yarn4_bf16", "deepseek_v3_yarn40_bf16",
                         "phi3_mini_128k_short_bf16", "phi3_mini_128k_long_bf16", "dynamic_ntk2_f32"}) {
    const CaseCheck c = check_buggy(committed(id), Bug{});
    ASSERT_FALSE(c.profiles_passed.empty()) << id;
    EXPECT_LE(c.profiles_passed.front(), numeric::Profile::f32_angle) << id;
    EXPECT_TRUE(c.diagnosis.explanations.empty()) << id << ": " << names(c);
    EXPECT_TRUE(c.diagnosis.norm_finding.empty()) << id << ": " << names(c);
  }
}

// llama.cpp #8650 / ik_llama.cpp #2291: Llama 3.1's rope_freqs never applied.
TEST(diagnosis, llama3_frequencies_never_applied_are_a_missing_scaling) {
  Bug bug;
  bug.scaling_override = Scaling{};
  expect_diagnosis("llama31_8b_half_split_bf16", bug, "scaling_missing");
}

// A frequency scale applied both when the table is built and again on the positions
// (θ/16 for linear 4).
TEST(diagnosis, a_linear_factor_applied_twice_is_found) {
  Bug bug;
  bug.scaling_twice = true;
  expect_diagnosis("deepseek_coder_1_3b_linear4_bf16", bug, "scaling_applied_twice");
}

// sglang #22711: mscale/mscale_all_dim ignored, so YaRN's default 0.1·ln(40) + 1 = 1.3689
// multiplies DeepSeek-V3's cos/sin where 1 belongs. The hypothesis names the formula.
TEST(diagnosis, yarn_default_attention_on_deepseek_is_named) {
  Bug bug;
  bug.attention_override = 0.1 * std::log(40.0) + 1;
  const CaseCheck c = check_buggy(committed("deepseek_v3_yarn40_bf16"), bug);
  ASSERT_FALSE(c.passed);
  EXPECT_TRUE(explained_by(c, "attention_factor", {"0.1·ln(40) + 1"})) << names(c);
}

// An attention factor no formula gives (vLLM #46280 replaced an explicit one): the fitted
// value is named.
TEST(diagnosis, an_unknown_attention_factor_is_fitted) {
  Bug bug;
  bug.attention_override = 1.25;
  const CaseCheck c = check_buggy(committed("qwen25_7b_yarn4_bf16"), bug);
  ASSERT_FALSE(c.passed);
  EXPECT_TRUE(explained_by(c, "attention_factor", {"attention factor 1.25, fitted"})) << names(c);
}

// HF ≤ 4.47 (HF #33783) computed YaRN's correction dims for max_position_embeddings
// 163840, not DeepSeek-V3's original 4096.
TEST(diagnosis, yarn_with_the_expanded_context_is_a_wrong_original_context) {
  expect_wrong_scaling_diagnosed("deepseek_v3_yarn40_bf16", "original_context",
                                 [](Scaling& s) { s.yarn_context = YarnContext::max_position_embeddings; });
}

// Llama 3.1's bands computed for the 131072 context instead of the original 8192.
TEST(diagnosis, llama3_bands_for_the_wrong_context_are_found) {
  expect_wrong_scaling_diagnosed("llama31_8b_interleaved_f32", "original_context",
                                 [](Scaling& s) { s.original_max_position_embeddings = 131072; });
}

// vLLM #27431, mistral.rs #251: LongRoPE's switch on the configured maximum rather than
// the sequence: long factors on a 4096-token sequence.
TEST(diagnosis, long_factors_on_a_short_sequence_are_the_other_factor_list) {
  expect_wrong_scaling_diagnosed("phi3_mini_128k_short_bf16", "longrope_other_factors",
                                 [](Scaling& s) { s.sequence_length = 131072; });
}

// Dynamic NTK rescaled for another M (here 2048, not 4096).
TEST(diagnosis, dynamic_ntk_for_another_context_is_found) {
  expect_wrong_scaling_diagnosed("dynamic_ntk2_f32", "original_context", [](Scaling& s) { s.max_position_embeddings = 2048; });
}

// A community port's llama3 smooth factor without its parentheses. The band lies between
// wavelengths L/high and L/low, which Llama 3.1's positions reach, so both cases fail.
TEST(diagnosis, llama3_smoothing_without_parentheses_is_named) {
  Bug bug;
  bug.llama3_unparenthesized = true;
  expect_diagnosis("llama31_8b_interleaved_f32", bug, "llama3_smoothing");
  expect_diagnosis("llama31_8b_half_split_bf16", bug, "llama3_smoothing");
}

// The dynamic-NTK case without its scaling: other original contexts give the very same
// output there, so they are one explanation, the alternatives listed with it.
TEST(diagnosis, hypotheses_with_the_same_output_are_one_answer) {
  Bug bug;
  bug.scaling_override = Scaling{};
  const CaseCheck c = check_buggy(committed("dynamic_ntk2_f32"), bug);
  ASSERT_FALSE(c.passed);
  ASSERT_FALSE(c.diagnosis.explanations.empty());
  std::size_t missing = 0, merged = 0;
  for (const auto& d : c.diagnosis.explanations) {
    missing += d.name == "scaling_missing";
    if (d.name == "scaling_missing") merged = d.same_output.size();
  }
  EXPECT_EQ(missing, 1u) << names(c);
  EXPECT_GE(merged, 1u) << names(c);
  // No two listed answers have the same output: each differs from all the others.
  for (std::size_t a = 0; a < c.diagnosis.explanations.size(); ++a) {
    for (std::size_t b = a + 1; b < c.diagnosis.explanations.size(); ++b) {
      EXPECT_NE(c.diagnosis.explanations[a].description, c.diagnosis.explanations[b].description);
    }
  }
}

namespace {

// The peak of `values` against the golden, in units of the profile's bound.
double peak_ratio_under(const golden::Golden& g, std::span<const double> values, numeric::Profile profile) {
  return numeric::measure(golden::exact_result(g), values, numeric::error_model(profile, g.output_dtype, numeric::Arithmetic::fused))
      .peak_ratio();
}

golden::Golden committed_model(const std::string& id) {
  return golden::read_golden(fs::path(ROPECHECK_SOURCE_DIR) / "golden/models" / (id + ".safetensors"));
}

// A Gemma 4-style global layer: head 64, proportional with p = 0.25 (8 of 32 pairs rotate).
golden::Golden proportional_golden() {
  golden::GoldenCase c;
  c.id = "proportional_test";
  c.spec = spec_from_json_text(
      R"({"head_dim":64,"layout":"half_split","base":1000000,"scaling":{"type":"proportional","partial_rotary_factor":0.25}})");
  c.positions.max = 1 << 17;
  return golden::parse_golden(golden::make_golden_file(c), c.id);
}

}  // namespace

// Megatron-Bridge #4195: Gemma 4's proportional RoPE computed as ordinary partial rotary
// over p·D dims; and the reverse, a partial-rotary model given proportional's pairs.
TEST(diagnosis, proportional_and_partial_rotary_mistaken_for_each_other_are_named) {
  const golden::Golden proportional = proportional_golden();
  Bug partial;
  partial.spec_override = spec_from_json_text(R"({"head_dim":64,"rotary_dim":16,"layout":"half_split","base":1000000})");
  CaseCheck c = check_buggy(proportional, partial);
  ASSERT_FALSE(c.passed);
  EXPECT_TRUE(explained_by(c, "proportional_as_partial")) << names(c);

  const golden::Golden neox = committed("gpt_neox_20b_f16");
  Bug as_proportional;
  RopeSpec spec = neox.spec;
  spec.rotary_dim = spec.head_dim;
  spec.layout = Layout::half_split;
  spec.scaling.type = ScalingType::proportional;
  spec.scaling.partial_rotary_factor = static_cast<double>(neox.spec.rotary_dim) / static_cast<double>(neox.spec.head_dim);
  as_proportional.spec_override = spec;
  expect_diagnosis("gpt_neox_20b_f16", as_proportional, "partial_as_proportional");
}

// sglang #21537: Gemma 3's full-attention layers given the sliding layers' RoPE (base 1e4,
// no scaling). The golden's metadata carries the model's other layer types.
TEST(diagnosis, the_other_layer_types_rope_is_named) {
  const golden::Golden full = committed_model("gemma_3_4b_it_full_attention");
  const golden::Golden sliding = committed_model("gemma_3_4b_it_sliding_attention");
  Bug bug;
  bug.spec_override = sliding.spec;
  CaseCheck c = check_buggy(full, bug);
  ASSERT_FALSE(c.passed);
  EXPECT_TRUE(explained_by(c, "other_layer_type", {"sliding_attention"})) << names(c);
  bug.spec_override = full.spec;
  c = check_buggy(sliding, bug);
  EXPECT_TRUE(explained_by(c, "other_layer_type", {"full_attention"})) << names(c);
}

// vLLM-Ascend #1266: positions held in int16. pegainfer #220: a cos/sin cache shorter than
// the positions, read modulo its length or clamped at its last row; the diagnosis names L.
TEST(diagnosis, positions_beyond_int16_or_a_short_cache_are_named) {
  Bug int16;
  int16.int16_positions = true;
  expect_diagnosis("llama2_7b_half_split_f32", int16, "positions_overflow_int16");
  for (const bool clamps : {false, true}) {
    Bug cache;
    cache.cache_rows = 4096;
    cache.cache_clamps = clamps;
    const CaseCheck c = check_buggy(committed("llama2_7b_half_split_f32"), cache);
    ASSERT_FALSE(c.passed);
    EXPECT_TRUE(explained_by(c, "cache_too_short", {"L = 4096", clamps ? "clamped" : "wrap"})) << clamps << ": " << names(c);
  }
}

// HF's DeepSeek apply_rotary_pos_emb_interleave: right values, [a' | b'] order. Named, and
// still a failure of the output contract.
TEST(diagnosis, the_other_pair_order_is_named_and_still_fails) {
  Bug bug;
  bug.other_pair_order = true;
  expect_diagnosis("llama2_7b_interleaved_f32", bug, "other_pair_order");
  expect_diagnosis("deepseek_v3_yarn40_bf16", bug, "other_pair_order");
}

// vLLM's and HF's model-dtype paths: cos/sin cast to the model dtype and the rotation
// computed in it. The float16 path on edge_f16 gives −2^-23 where the exact value is
// −1.41·2^-24 (two f16 product roundings in the subnormal range): outside f32-angle,
// within f16-compute, and the diagnosis says what the pipeline is. The bfloat16 path
// meets bf16-compute.
TEST(diagnosis, model_dtype_pipelines_meet_their_compute_profile_and_are_named) {
  Bug f16;
  f16.cos_sin_dtype = f16.compute_dtype = Dtype::f16;
  CaseCheck c = check_buggy(committed("edge_f16"), f16);
  ASSERT_FALSE(c.passed);
  ASSERT_FALSE(c.profiles_passed.empty()) << names(c);
  EXPECT_EQ(c.profiles_passed.front(), numeric::Profile::f16_compute) << names(c);
  CheckRun run;
  run.cases = {c};
  const std::string text = check_summary_text(run);
  EXPECT_NE(text.find("a float16 model-dtype pipeline): within the looser profile f16-compute"), std::string::npos) << text;
  for (const char* id : {"llama2_7b_half_split_f16", "qwen2_7b_bf16"}) {
    const golden::Golden g = committed(id);
    Bug model_dtype;
    model_dtype.cos_sin_dtype = model_dtype.compute_dtype = g.output_dtype;
    c = check_buggy(g, model_dtype);
    ASSERT_FALSE(c.profiles_passed.empty()) << id << ": " << names(c);
    EXPECT_EQ(c.profiles_passed.front(),
              g.output_dtype == Dtype::f16 ? numeric::Profile::f16_compute : numeric::Profile::bf16_compute)
        << id << ": " << names(c);
  }
}

// kekzl/imp #1325 (and mlxcel #1049): __sinf/__cosf on the unreduced angle. Its angle
// error |φ|·2^-23 is within f32-angle's allowance on every pair but pair 0, whose float32
// angle m·1 is exact in every correct pipeline: there it is caught from small positions,
// and the diagnosis names it. The correct float32 pipelines still pass (tests above).
TEST(diagnosis, fast_trigonometry_without_range_reduction_fails_f32_angle_and_is_named) {
  Bug bug;
  bug.fast_trig = true;
  for (const char* id : {"llama2_7b_half_split_f32", "llama2_7b_interleaved_bf16", "llama31_8b_interleaved_f32"}) {
    const CaseCheck c = check_buggy(committed(id), bug);
    ASSERT_FALSE(c.passed) << id;
    EXPECT_TRUE(c.profiles_passed.empty() || c.profiles_passed.front() > numeric::Profile::f32_angle) << id << ": " << names(c);
    EXPECT_TRUE(explained_by(c, "fast_trig_unreduced")) << id << ": " << names(c);
  }
}

// Llama 4's NoPE temperature and Mistral 3's β scale, each as HF applies it after RoPE in
// float32: the correct pipeline passes f32-angle (Llama 4's NoPE query: exact too); left out
// of the query, applied to the key as well, or taken at m + 1 instead of m (and the
// reverse), each is named.
TEST(diagnosis, a_position_scale_missing_on_the_key_or_off_by_one_is_named) {
  for (const char* model : {"llama_4_scout_17b_16e_instruct_no_rope", "ministral3_ernie_image_pe_all_layers"}) {
    SCOPED_TRACE(model);
    const golden::Golden query = committed_model(std::string(model) + "_query");
    const golden::Golden key = committed_model(std::string(model) + "_key");
    for (const golden::Golden* g : {&query, &key}) {
      const std::vector<double> correct = buggy_candidate(*g, Bug{});
      EXPECT_LE(peak_ratio_under(*g, correct, numeric::Profile::f32_angle), 1.0) << g->case_id;
      // Without rotation there is no float32 angle: the scaled query is within exact.
      if (g->spec.rotary_dim == 0) {
        EXPECT_LE(peak_ratio_under(*g, correct, numeric::Profile::exact), 1.0) << g->case_id;
      }
    }
    Bug missing;
    missing.drop_position_scale = true;
    CaseCheck c = check_buggy(query, missing);
    ASSERT_FALSE(c.passed);
    EXPECT_TRUE(explained_by(c, "position_scale_missing", {"the query is not scaled"})) << names(c);

    Bug on_key;
    on_key.position_scale_override = query.spec.position_scale;
    c = check_buggy(key, on_key);
    ASSERT_FALSE(c.passed);
    EXPECT_TRUE(explained_by(c, "position_scale_on_key", {"applied to the key as well"})) << names(c);

    Bug shifted;
    PositionScale other = *query.spec.position_scale;
    other.position_offset = 1 - other.position_offset;
    shifted.position_scale_override = other;
    c = check_buggy(query, shifted);
    ASSERT_FALSE(c.passed);
    EXPECT_TRUE(explained_by(c, "position_scale_offset", {fmt::format("m {:+d} instead", other.position_offset)})) << names(c);
  }
}

// DeepSeek MLA: the head is [q_nope 128 | q_pe 64] and only q_pe rotates. A port that
// rotates the whole 192-dim head (θ over 192), or the first 64 dims (inside q_nope), is
// named; the right pipeline passes f32-angle.
TEST(diagnosis, mla_rotation_on_the_whole_head_or_the_nope_part_is_named) {
  const golden::Golden g = committed_model("deepseek_v3_all_layers");
  ASSERT_EQ(g.spec.rotary_offset, 128u);
  EXPECT_LE(peak_ratio_under(g, buggy_candidate(g, Bug{}), numeric::Profile::f32_angle), 1.0);
  Bug whole;
  RopeSpec spec = g.spec;
  spec.rotary_offset = 0;
  spec.rotary_dim = spec.head_dim;
  whole.spec_override = spec;
  CaseCheck c = check_buggy(g, whole);
  ASSERT_FALSE(c.passed);
  EXPECT_TRUE(explained_by(c, "rotation_on_whole_head", {"192-dim head", "[128, 192)"})) << names(c);

  Bug nope_part;
  spec = g.spec;
  spec.rotary_offset = 0;
  nope_part.spec_override = spec;
  c = check_buggy(g, nope_part);
  ASSERT_FALSE(c.passed);
  EXPECT_TRUE(explained_by(c, "rotation_on_nope_part", {"[0, 64)"})) << names(c);
}

// ---- multi-axis positions ----
// The bugs of M-RoPE and 2-D vision ports, each written into an HF-style float32 pipeline:
// per axis freqs = float(p_axis)·inv_freq, the width-R cos/sin table assembled column by
// column (Qwen2-VL: split by mrope_section * 2, chunk j from axis j % 3; Qwen3-VL:
// apply_interleaved_mrope on the R/2 angles), then q·cos + rotate_half(q)·sin.
namespace {

struct AxisBug {
  bool ignore_interleave = false;
  std::size_t interleave_shift = 0;  // the interleaved triples' axes rotated by this many steps
  int sections = 0;  // 0: HF's mrope_section * 2 (the list repeated); 1: as given; 2: doubled in value
  PositionsRead read = PositionsRead::as_given;
  std::int64_t cache_rows = 0;  // positions ≥ this read row cache_rows − 1 (0: long enough)
};

// The axis of each column of the width-R table, as the pipeline assembles it.
std::vector<std::size_t> column_axes(const RopeSpec& spec, const AxisBug& bug) {
  const std::size_t r = spec.rotary_dim, half = r / 2;
  std::vector<std::size_t> axis(r, 0);
  if (spec.vision_2d) {
    for (std::size_t c = 0; c < r; ++c) axis[c] = c % half < half / 2 ? 0 : 1;  // rows, then columns, twice
    return axis;
  }
  const auto [s_t, s_h, s_w] = *spec.mrope_section;
  if (spec.mrope_interleaved && !bug.ignore_interleave) {
    std::vector<std::size_t> pairs(half, 0);  // freqs_t[..., offset:3·s:3] = freqs[dim]
    for (std::size_t dim = 1; dim <= 2; ++dim) {
      for (std::size_t k = dim; k < 3 * (dim == 1 ? s_h : s_w) && k < half; k += 3) pairs[k] = dim;
    }
    if (bug.interleave_shift) {
      for (std::size_t k = 0; k < std::min(half, 3 * std::max(s_h, s_w)); ++k) pairs[k] = (k + bug.interleave_shift) % 3;
    }
    for (std::size_t c = 0; c < r; ++c) axis[c] = pairs[c % half];
    return axis;
  }
  std::vector<std::size_t> widths;  // split sizes over the R columns, chunk j from axis j % 3
  if (bug.sections == 0) widths = {s_t, s_h, s_w, s_t, s_h, s_w};
  if (bug.sections == 1) widths = {s_t, s_h, r - s_t - s_h};  // np.split at the cumulative sums
  if (bug.sections == 2) widths = {2 * s_t, 2 * s_h, 2 * s_w};
  std::size_t c = 0;
  for (std::size_t j = 0; j < widths.size(); ++j) {
    for (std::size_t k = 0; k < widths[j]; ++k) axis[c++] = j % 3;
  }
  return axis;
}

// float32 inverse frequencies per pair (HF's formulas; 2-D vision as in torch_rope.py).
std::vector<float> axis_inv_freq(const RopeSpec& spec) {
  const std::size_t r = spec.rotary_dim, half = r / 2;
  const auto inv = [&](std::size_t k, std::size_t dim) {
    return 1.0f / std::pow(static_cast<float>(spec.base), static_cast<float>(2 * k) / static_cast<float>(dim));
  };
  std::vector<float> f(half);
  for (std::size_t i = 0; i < half; ++i) {
    if (!spec.vision_2d) {
      f[i] = inv(i, r);
    } else if (*spec.vision_2d == Vision2d::pixtral) {
      f[i] = inv(i < half / 2 ? 2 * i : 2 * (i - half / 2) + 1, r);  // freqs[::2], then freqs[1::2]
    } else {
      f[i] = inv(i % (half / 2), half);  // VisionRotaryEmbedding(head_dim / 2), rows then columns
    }
  }
  return f;
}

std::vector<double> multi_axis_candidate(const golden::Golden& g, const AxisBug& bug) {
  const RopeSpec& spec = g.spec;
  const std::size_t d = spec.head_dim, r = spec.rotary_dim, half = r / 2, axes = g.axes;
  const std::vector<std::size_t> axis = column_axes(spec, bug);
  const std::vector<float> inv_freq = axis_inv_freq(spec);
  const std::size_t row_length = g.tokens / g.batch_rows;
  std::vector<double> out(g.x.size());
  for (std::size_t t = 0; t < g.tokens; ++t) {
    std::vector<std::int64_t> p(g.positions.begin() + static_cast<std::ptrdiff_t>(t * axes),
                                g.positions.begin() + static_cast<std::ptrdiff_t>((t + 1) * axes));
    switch (bug.read) {
      case PositionsRead::as_given: break;
      case PositionsRead::height_width_swapped: std::swap(p[axes - 2], p[axes - 1]); break;
      case PositionsRead::first_component: std::fill(p.begin(), p.end(), p[0]); break;
      case PositionsRead::token_index: std::fill(p.begin(), p.end(), static_cast<std::int64_t>(t % row_length)); break;
      case PositionsRead::batch_row_0:
        std::copy_n(g.positions.begin() + static_cast<std::ptrdiff_t>((t % row_length) * axes), axes, p.begin());
        break;
    }
    if (bug.cache_rows) {
      for (std::int64_t& m : p) m = std::min(m, bug.cache_rows - 1);
    }
    std::vector<float> c(r), s(r);
    for (std::size_t col = 0; col < r; ++col) {
      const float angle = static_cast<float>(p[axis[col]]) * inv_freq[col % half];
      c[col] = std::cos(angle);
      s[col] = std::sin(angle);
    }
    for (std::size_t h = 0; h < g.heads; ++h) {
      const std::size_t row = (t * g.heads + h) * d;
      for (std::size_t k = 0; k < d; ++k) out[row + k] = g.x[row + k];
      for (std::size_t i = 0; i < half; ++i) {
        const float a = static_cast<float>(g.x[row + i]), b = static_cast<float>(g.x[row + i + half]);
        out[row + i] = to_dtype(a * c[i] - b * s[i], g.output_dtype);
        out[row + i + half] = to_dtype(b * c[i + half] + a * s[i + half], g.output_dtype);
      }
    }
  }
  return out;
}

CaseCheck check_values(const golden::Golden& g, const std::vector<double>& values) {
  io::SafetensorsFile file;
  file.tensors.push_back(io::tensor_from_doubles("out", io::st_dtype_of(g.output_dtype), {g.tokens, g.heads, g.spec.head_dim},
                                                 values));
  const std::string test = testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path path = fs::temp_directory_path() / ("ropecheck_diagnosis_" + test + ".safetensors");
  io::write_output_file(path, io::serialize_safetensors(file));
  CaseCheck c = check_case(g, g.case_id, path, numeric::Profile::exact);
  fs::remove(path);
  return c;
}

// The case fails and the hypothesis is the only explanation (others may share its output).
void expect_only(const golden::Golden& g, const AxisBug& bug, const std::string& hypothesis) {
  const CaseCheck c = check_values(g, multi_axis_candidate(g, bug));
  ASSERT_FALSE(c.passed) << g.case_id;
  ASSERT_EQ(c.diagnosis.explanations.size(), 1u) << g.case_id << ": " << names(c);
  EXPECT_EQ(c.diagnosis.explanations.front().name, hypothesis) << g.case_id << ": " << names(c);
}

const std::vector<std::string>& multi_axis_models() {
  static const std::vector<std::string> ids{"qwen2_5_vl_7b_instruct_all_layers", "qwen3_vl_4b_instruct_all_layers",
                                            "qwen2_5_vl_7b_instruct_vision", "qwen3_vl_4b_instruct_vision"};
  return ids;
}

}  // namespace

TEST(diagnosis, multi_axis_variants_and_the_float32_pipeline_without_a_bug_reproduce_the_golden) {
  for (const std::string& id : multi_axis_models()) {
    const golden::Golden g = committed_model(id);
    ASSERT_GT(g.axes, 1u) << id;
    const VariantOutput v = evaluate_variant(g, RopeVariant::of(g));
    for (std::size_t k = 0; k < g.expected.size(); ++k) {
      // As in variants_without_a_bug_reproduce_the_golden: double angles, |Δy| ≤ 2^-31·(|a| + |b|)
      // for components below 2^20 (the long M-RoPE grid reaches 655360).
      const std::size_t row = k / g.spec.head_dim * g.spec.head_dim, dim = k % g.spec.head_dim;
      double scale = std::fabs(g.x[k]);
      if (dim < g.spec.rotary_dim) scale = std::fabs(g.x[row + dim % (g.spec.rotary_dim / 2)]) +
                                           std::fabs(g.x[row + dim % (g.spec.rotary_dim / 2) + g.spec.rotary_dim / 2]);
      EXPECT_LE(std::fabs(v.y[k] - g.expected[k]), 0x1p-31 * scale) << id << " " << k;
    }
    const CaseCheck c = check_values(g, multi_axis_candidate(g, AxisBug{}));
    EXPECT_LE(peak_ratio_under(g, multi_axis_candidate(g, AxisBug{}), numeric::Profile::f32_angle), 1.0) << id;
    EXPECT_TRUE(c.diagnosis.explanations.empty()) << id << ": " << names(c);
  }
}

// vllm-gaudi #1437, vllm-fork #2117: Qwen3-VL run with the chunked sections.
TEST(diagnosis, mrope_interleaving_ignored_is_named) {
  AxisBug bug;
  bug.ignore_interleave = true;
  expect_only(committed_model("qwen3_vl_4b_instruct_all_layers"), bug, "mrope_interleaving_ignored");
}

// vLLM #40680: the compiled interleave's "cyclically shifted values", either way round.
TEST(diagnosis, a_cyclically_shifted_interleave_is_named) {
  for (const std::size_t shift : {1u, 2u}) {
    AxisBug bug;
    bug.interleave_shift = shift;
    const golden::Golden g = committed_model("qwen3_vl_4b_instruct_all_layers");
    const CaseCheck c = check_values(g, multi_axis_candidate(g, bug));
    ASSERT_FALSE(c.passed);
    ASSERT_EQ(c.diagnosis.explanations.size(), 1u) << names(c);
    EXPECT_TRUE(explained_by(c, "mrope_interleave_shifted", {fmt::format("rotated by {}", shift)})) << names(c);
  }
}

// HF splits its width-R table by the list repeated; a port that splits by the sections as
// given, or doubles their values, reads the wrong axis on part of each pair.
TEST(diagnosis, mrope_sections_not_doubled_or_doubled_in_value_are_named) {
  const golden::Golden g = committed_model("qwen2_5_vl_7b_instruct_all_layers");
  AxisBug bug;
  bug.sections = 1;
  expect_only(g, bug, "mrope_sections_not_doubled");
  bug.sections = 2;
  expect_only(g, bug, "mrope_sections_doubled_in_value");
}

// mlx-lm #1768, Liger #276: 1-D positions (the sequence index) on every axis.
TEST(diagnosis, one_dimensional_positions_are_named) {
  for (const std::string& id : multi_axis_models()) {
    AxisBug bug;
    bug.read = PositionsRead::token_index;
    expect_only(committed_model(id), bug, "one_dimensional_positions");
  }
}

// sgl-kernel-xpu #202: the [3, N] positions read as [N], temporal-only RoPE.
TEST(diagnosis, the_first_component_on_every_axis_is_named) {
  for (const std::string& id : multi_axis_models()) {
    AxisBug bug;
    bug.read = PositionsRead::first_component;
    expect_only(committed_model(id), bug, "first_component_for_every_axis");
  }
}

TEST(diagnosis, height_and_width_swapped_are_named) {
  for (const std::string& id : multi_axis_models()) {
    AxisBug bug;
    bug.read = PositionsRead::height_width_swapped;
    expect_only(committed_model(id), bug, "height_width_swapped");
  }
}

// Liger #464: every batch row rotated with row 0's positions.
TEST(diagnosis, batch_row_zero_positions_are_named) {
  for (const char* id : {"qwen2_5_vl_7b_instruct_all_layers", "qwen3_vl_4b_instruct_all_layers"}) {
    const golden::Golden g = committed_model(id);
    ASSERT_EQ(g.batch_rows, 2u);
    AxisBug bug;
    bug.read = PositionsRead::batch_row_0;
    expect_only(g, bug, "batch_row_0_positions");
  }
}

// vLLM #9965: an M-RoPE cache of max_position_embeddings rows, too short for the video's
// time components (vLLM now sizes it 4×); modelled clamped at its last row.
TEST(diagnosis, multi_axis_positions_beyond_the_cache_are_named) {
  const golden::Golden g = committed_model("qwen2_5_vl_7b_instruct_all_layers");
  AxisBug bug;
  bug.cache_rows = 128000;
  const CaseCheck c = check_values(g, multi_axis_candidate(g, bug));
  ASSERT_FALSE(c.passed);
  ASSERT_EQ(c.diagnosis.explanations.size(), 1u) << names(c);
  EXPECT_TRUE(explained_by(c, "cache_too_short", {"L = 128000 rows clamped"})) << names(c);
}
