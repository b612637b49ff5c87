// Multi-axis positions (position_axes.h): the pair → axis mappings against independent
// emulations of HF's code, the reference's per-axis relative rotation, equal components
// reducing to 1-D RoPE bit for bit, and the kernels on every target within `exact`. Each
// property has its negative control: a port written the way shipped ones were wrong.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include <functional>

#include "ropecheck/errors.h"
#include "ropecheck/props/kernel_bug_variants.h"
#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "support/expect_counterexample.h"

using namespace ropecheck;
using namespace ropecheck::props;
using numeric::Profile;
using reference::Real;
using ropecheck::testing::expect_counterexample;

namespace ropecheck {
// RapidCheck prints drawn specs in counterexamples through this.
inline void showValue(const RopeSpec& spec, std::ostream& os) { os << to_json_text(spec); }
}  // namespace ropecheck

namespace {

RopeSpec mrope_spec(std::size_t rotary_dim, std::array<std::size_t, 3> section, bool interleaved) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = rotary_dim;
  spec.layout = Layout::half_split;
  spec.base = 1e6;
  spec.mrope_section = section;
  spec.mrope_interleaved = interleaved;
  validate(spec);
  return spec;
}

// HF apply_multimodal_rotary_pos_emb: cos of width R split by `mrope_section * 2`, chunk j
// taken from axis j % 3. Returns the axis of each of the R table columns.
std::vector<std::size_t> hf_chunked_columns(std::size_t rotary_dim, const std::array<std::size_t, 3>& section) {
  std::vector<std::size_t> columns;
  for (std::size_t j = 0; j < 6; ++j) columns.insert(columns.end(), section[j % 3], j % 3);
  EXPECT_EQ(columns.size(), rotary_dim);
  return columns;
}

// HF Qwen3VLTextRotaryEmbedding.apply_interleaved_mrope: freqs_t = freqs[0], then for
// (dim, offset) in (1, 1), (2, 2): freqs_t[..., offset:3·section[dim]:3] = freqs[dim].
std::vector<std::size_t> hf_interleaved_pairs(std::size_t pairs, const std::array<std::size_t, 3>& section) {
  std::vector<std::size_t> axis(pairs, 0);
  for (std::size_t dim = 1; dim <= 2; ++dim) {
    for (std::size_t idx = dim; idx < 3 * section[dim] && idx < pairs; idx += 3) axis[idx] = dim;
  }
  return axis;
}

// The reference as a function of its inputs, so a control can replace it with a port.
using ReferenceRope = std::function<std::vector<double>(const RopeSpec&, PositionsView, const std::vector<double>&)>;

std::vector<double> exact_expected(const RopeSpec& spec, PositionsView positions, const std::vector<double>& x) {
  const reference::ExactRope e = reference::exact_rope(spec, positions, x, 1);
  return {e.expected.begin(), e.expected.end()};
}

// A reference port that gets the positions wrong in one of the shipped ways.
ReferenceRope with_positions(std::function<void(std::vector<std::int64_t>&, std::size_t)> change) {
  return [change](const RopeSpec& spec, PositionsView positions, const std::vector<double>& x) {
    std::vector<std::int64_t> changed(positions.values.begin(), positions.values.end());
    change(changed, positions.axes);
    return exact_expected(spec, PositionsView(changed, positions.axes), x);
  };
}

// A port that splits a width-R rotate_half table into sections column by column, chunk j
// of `widths` from axis j % 3, instead of HF's `mrope_section * 2` (the list repeated):
// the two elements of a pair can then read different components. At reference precision.
ReferenceRope split_by_columns(std::function<std::vector<std::size_t>(const std::array<std::size_t, 3>&, std::size_t)> widths_of) {
  return [widths_of](const RopeSpec& spec, PositionsView positions, const std::vector<double>& x) {
    const std::size_t half = spec.pairs(), d = spec.head_dim;
    std::vector<std::size_t> column_axis;
    const std::vector<std::size_t> widths = widths_of(*spec.mrope_section, 2 * half);
    for (std::size_t j = 0; j < widths.size(); ++j) column_axis.insert(column_axis.end(), widths[j], j % 3);
    const std::vector<Real> thetas = reference::frequencies<Real>(spec);
    const Real s = reference::attention_factor<Real>(spec);
    std::vector<double> y = x;
    for (std::size_t t = 0; t < positions.tokens(); ++t) {
      for (std::size_t i = 0; i < half; ++i) {
        const auto [ia, ib] = reference::pair_dims(spec, i);
        const Real a(x[t * d + ia]), b(x[t * d + ib]);
        const Real first = Real(positions.at(t, column_axis[i])) * thetas[i];
        const Real second = Real(positions.at(t, column_axis[i + half])) * thetas[i];
        y[t * d + ia] = static_cast<double>(s * (a * cos(first) - b * sin(first)));
        y[t * d + ib] = static_cast<double>(s * (b * cos(second) + a * sin(second)));
      }
    }
    return y;
  };
}

// Chunked M-RoPE over half_split pairs (the layout HF's split applies to).
rc::Gen<RopeSpec> gen_chunked_half_split_spec() {
  return rc::gen::map(rc::gen::suchThat(gen_multi_axis_spec(), [](const RopeSpec& s) {
                        return s.mrope_section && (*s.mrope_section)[0] + (*s.mrope_section)[1] > 0;
                      }),
                      [](RopeSpec s) {
                        s.mrope_interleaved = false;
                        s.layout = Layout::half_split;
                        return s;
                      });
}

std::vector<double> unit_interval_values(std::size_t n, std::uint64_t seed) {
  std::vector<double> v(n);
  for (std::size_t k = 0; k < n; ++k) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    v[k] = static_cast<double>(seed >> 11) * 0x1p-53 * 2 - 1;  // [-1, 1), 53 random bits
  }
  return v;
}

// Per pair i, ⟨y_q, y_k⟩ restricted to the pair must be q_iᵀ·R(Δ_{a(i)}·θ_i)·k_i: it
// depends on that pair's own axis difference only (so shifting one axis leaves the other
// axes' pairs unchanged). y_q, y_k come from `rope` rounded to double (≤ 2^-53 relative
// each), so the pair's two products carry ≤ 2·2^-53 + 2^-106 relative error each and the
// exact sum of them ≤ 2^-52·(|y_qa·y_ka| + |y_qb·y_kb|) in total (summed at 257 bits);
// the prediction is exact to 2^-250. kPairContributionTolerance = 2^-51 of that
// magnitude leaves a factor 2 over the derived bound.
constexpr double kPairContributionTolerance = 0x1p-51;

void check_pairs_follow_their_axis(const RopeSpec& spec, const std::vector<std::int64_t>& q_at,
                                   const std::vector<std::int64_t>& k_at, std::uint64_t seed, const ReferenceRope& rope) {
  const std::size_t d = spec.head_dim, axes = position_axes(spec);
  const std::vector<double> q = unit_interval_values(d, seed), k = unit_interval_values(d, seed ^ 0x9e3779b97f4a7c15ULL);
  const std::vector<double> yq = rope(spec, PositionsView(q_at, axes), q);
  const std::vector<double> yk = rope(spec, PositionsView(k_at, axes), k);
  const std::vector<Real> thetas = reference::frequencies<Real>(spec);
  const Real s = reference::attention_factor<Real>(spec);
  for (std::size_t i = 0; i < spec.pairs(); ++i) {
    const auto [ia, ib] = reference::pair_dims(spec, i);
    const std::size_t a = axis_of_pair(spec, i);
    const Real angle = Real(k_at[a] - q_at[a]) * thetas[i];
    const Real predicted = s * s * (cos(angle) * (Real(q[ia]) * k[ia] + Real(q[ib]) * k[ib]) +
                                    sin(angle) * (Real(q[ib]) * k[ia] - Real(q[ia]) * k[ib]));
    const Real got = Real(yq[ia]) * yk[ia] + Real(yq[ib]) * yk[ib];
    const double magnitude = std::fabs(yq[ia] * yk[ia]) + std::fabs(yq[ib] * yk[ib]);
    const double error = static_cast<double>(abs(got - predicted));
    if (!(error <= kPairContributionTolerance * magnitude)) {
      RC_FAIL(fmt::format("pair {} (axis {}): ⟨y_q, y_k⟩ = {:a}, predicted from Δ{} = {} is {:a} (error {:.3g} > {:.3g})", i,
                          axis_name(spec, a), static_cast<double>(got), axis_name(spec, a), k_at[a] - q_at[a],
                          static_cast<double>(predicted), error, kPairContributionTolerance * magnitude));
    }
  }
}

rc::Gen<std::vector<std::int64_t>> gen_components(std::size_t axes) {
  return rc::gen::container<std::vector<std::int64_t>>(axes, rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 20));
}

// The relative-rotation property on a drawn multi-axis spec and positions.
void pairs_follow_their_axis(const ReferenceRope& rope, rc::Gen<RopeSpec> specs = gen_multi_axis_spec()) {
  const RopeSpec spec = *specs;
  const std::size_t axes = position_axes(spec);
  const auto q_at = *gen_components(axes).as("q components");
  const auto k_at = *gen_components(axes).as("k components");
  check_pairs_follow_their_axis(spec, q_at, k_at, *rc::gen::arbitrary<std::uint64_t>().as("data seed"), rope);
}

// M-RoPE specs only (equal components then are 1-D RoPE with the same θ_i).
rc::Gen<RopeSpec> gen_mrope_spec() {
  return rc::gen::suchThat(gen_multi_axis_spec(), [](const RopeSpec& s) { return s.mrope_section.has_value(); });
}

// Tokens whose A components are all m give, bit for bit, 1-D RoPE at m: expected, the
// correctly rounded f32 result, cos and sin.
void check_equal_components_are_one_dimensional(const RopeSpec& spec, const std::vector<std::int64_t>& at,
                                                std::uint64_t seed, const ReferenceRope& rope) {
  const std::size_t axes = position_axes(spec), d = spec.head_dim;
  std::vector<std::int64_t> repeated;
  for (const std::int64_t m : at) repeated.insert(repeated.end(), axes, m);
  const std::vector<double> x = unit_interval_values(at.size() * d, seed);
  RopeSpec one_axis = spec;
  one_axis.mrope_section.reset();
  one_axis.mrope_interleaved = false;
  const reference::ExactRope plain = reference::exact_rope(one_axis, at, x, 1, Dtype::f32);
  const std::vector<double> multi = rope(spec, PositionsView(repeated, axes), x);
  for (std::size_t k = 0; k < x.size(); ++k) {
    if (std::bit_cast<std::uint64_t>(multi[k]) != std::bit_cast<std::uint64_t>(plain.expected[k])) {
      RC_FAIL(fmt::format("token {} dim {} at position {} on every axis: {:a}, 1-D RoPE gives {:a}", k / d, k % d, at[k / d],
                          multi[k], plain.expected[k]));
    }
  }
}

void equal_components_are_one_dimensional(const ReferenceRope& rope) {
  const RopeSpec spec = *gen_mrope_spec();
  const auto at = *rc::gen::suchThat(rc::gen::container<std::vector<std::int64_t>>(
                                         rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 24)),
                                     [](const std::vector<std::int64_t>& p) { return !p.empty() && p.size() <= 4; })
                       .as("positions");
  check_equal_components_are_one_dimensional(spec, at, *rc::gen::arbitrary<std::uint64_t>().as("data seed"), rope);
}

constexpr std::int64_t kMaxKernelPosition = std::int64_t{1} << 22;

const std::vector<KernelUnderTest>& all_targets() {
  static const std::vector<KernelUnderTest> kernels = builtin_kernels();
  return kernels;
}

rc::Gen<KernelCase> multi_axis_cases(Dtype dtype, rc::Gen<RopeSpec> specs = gen_multi_axis_spec()) {
  return gen_kernel_case(dtype, kMaxKernelPosition, std::move(specs));
}

}  // namespace

// ---- the mappings, against emulations of the published code ----

TEST(position_axes, chunked_sections_match_hf_split_of_the_doubled_list) {
  // Qwen2-VL/Qwen2.5-VL [16, 24, 24] over R = 128; GLM-4V [8, 12, 12] over R = 64.
  for (const auto& [rotary_dim, section] : {std::pair{128u, std::array<std::size_t, 3>{16, 24, 24}},
                                            std::pair{64u, std::array<std::size_t, 3>{8, 12, 12}},
                                            std::pair{6u, std::array<std::size_t, 3>{0, 3, 0}}}) {
    const RopeSpec spec = mrope_spec(rotary_dim, section, false);
    const std::vector<std::size_t> columns = hf_chunked_columns(rotary_dim, section);
    for (std::size_t i = 0; i < spec.pairs(); ++i) {
      // Both halves of the rotate_half table see the same section: column i and i + R/2.
      EXPECT_EQ(axis_of_pair(spec, i), columns[i]) << "pair " << i;
      EXPECT_EQ(axis_of_pair(spec, i), columns[i + spec.pairs()]) << "pair " << i;
    }
  }
}

RC_GTEST_PROP(position_axes, interleaved_sections_match_hf_apply_interleaved_mrope, ()) {
  const RopeSpec spec = *gen_interleaved_mrope_spec();
  const std::vector<std::size_t> hf = hf_interleaved_pairs(spec.pairs(), *spec.mrope_section);
  for (std::size_t i = 0; i < spec.pairs(); ++i) RC_ASSERT(axis_of_pair(spec, i) == hf[i]);
}

TEST(position_axes, qwen3_vl_default_sections_give_t_the_tail) {
  // [24, 20, 20] over 64 pairs: h at 1, 4, …, 58; w at 2, 5, …, 59; t elsewhere (60–63 too).
  const RopeSpec spec = mrope_spec(128, {24, 20, 20}, true);
  EXPECT_EQ(pair_axes(spec), hf_interleaved_pairs(64, {24, 20, 20}));
  for (std::size_t i = 60; i < 64; ++i) EXPECT_EQ(axis_of_pair(spec, i), 0u) << i;
  EXPECT_EQ(axis_of_pair(spec, 58), 1u);
  EXPECT_EQ(axis_of_pair(spec, 59), 2u);
}

TEST(position_axes, vision_frequencies_are_hf_pixtral_and_qwen_vision_rotary) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = 80;  // Qwen2.5-VL's ViT head (1280 / 16)
  spec.layout = Layout::half_split;
  spec.base = 10000;
  spec.vision_2d = Vision2d::qwen_vl;
  validate(spec);
  const std::vector<Real> thetas = reference::frequencies<Real>(spec);
  // VisionRotaryEmbedding(dim = 40): inv_freq_j = 10000^(−2j/40), j < 20, rows then columns.
  for (std::size_t i = 0; i < 40; ++i) {
    const std::size_t j = i % 20;
    EXPECT_EQ(thetas[i], pow(Real(10000), -(Real(static_cast<unsigned>(2 * j)) / 40))) << i;
    EXPECT_EQ(axis_of_pair(spec, i), i < 20 ? 0u : 1u) << i;
  }
  spec.head_dim = spec.rotary_dim = 64;  // Pixtral's vision head (1024 / 16)
  spec.vision_2d = Vision2d::pixtral;
  const std::vector<Real> pixtral = reference::frequencies<Real>(spec);
  // freqs = 10000^(−2k/64), k < 32; rows take freqs[::2], columns freqs[1::2].
  for (std::size_t i = 0; i < 32; ++i) {
    const std::size_t k = i < 16 ? 2 * i : 2 * (i - 16) + 1;
    EXPECT_EQ(pixtral[i], pow(Real(10000), -(Real(static_cast<unsigned>(2 * k)) / 64))) << i;
    EXPECT_EQ(axis_of_pair(spec, i), i < 16 ? 0u : 1u) << i;
  }
}

// ---- the reference ----

RC_GTEST_PROP(multi_axis_reference, each_pair_depends_on_its_own_axis_difference, ()) {
  pairs_follow_their_axis(exact_expected);
}
TEST(multi_axis_reference_negative_control, h_and_w_swapped_is_caught) {
  expect_counterexample("h and w swapped", [] {
    pairs_follow_their_axis(with_positions(kernel_bugs::swap_height_width));
  });
}
TEST(multi_axis_reference_negative_control, t_for_every_axis_is_caught) {
  expect_counterexample("t for every axis", [] {
    pairs_follow_their_axis(with_positions(kernel_bugs::first_component_everywhere));
  });
}
TEST(multi_axis_reference_negative_control, sections_not_doubled_or_doubled_in_value_are_caught) {
  expect_counterexample("mrope_section as given over the width-R table", [] {
    pairs_follow_their_axis(split_by_columns([](const std::array<std::size_t, 3>& s, std::size_t r) {
                              return std::vector<std::size_t>{s[0], s[1], r - s[0] - s[1]};
                            }),
                            gen_chunked_half_split_spec());
  });
  expect_counterexample("mrope_section doubled in value", [] {
    pairs_follow_their_axis(split_by_columns([](const std::array<std::size_t, 3>& s, std::size_t) {
                              return std::vector<std::size_t>{2 * s[0], 2 * s[1], 2 * s[2]};
                            }),
                            gen_chunked_half_split_spec());
  });
}
// The same port with HF's list repetition is the reference's mapping: the property holds.
RC_GTEST_PROP(multi_axis_reference, hf_split_of_the_repeated_sections_is_the_mapping, ()) {
  pairs_follow_their_axis(split_by_columns([](const std::array<std::size_t, 3>& s, std::size_t) {
                            return std::vector<std::size_t>{s[0], s[1], s[2], s[0], s[1], s[2]};
                          }),
                          gen_chunked_half_split_spec());
}
TEST(multi_axis_reference_negative_control, interleaving_ignored_is_caught) {
  expect_counterexample("mrope_interleaved ignored", [] {
    pairs_follow_their_axis(
        [](const RopeSpec& spec, PositionsView positions, const std::vector<double>& x) {
          RopeSpec chunked = spec;
          chunked.mrope_interleaved = false;
          return exact_expected(chunked, positions, x);
        },
        gen_interleaved_mrope_spec());
  });
}

RC_GTEST_PROP(multi_axis_reference, equal_components_give_one_dimensional_rope_bit_for_bit, ()) {
  equal_components_are_one_dimensional(exact_expected);
}
TEST(multi_axis_reference_negative_control, positions_replaced_by_the_token_index_are_caught) {
  expect_counterexample("1-D token-index positions", [] {
    equal_components_are_one_dimensional(with_positions(kernel_bugs::token_index_everywhere));
  });
}

TEST(multi_axis_reference, positions_with_the_wrong_axis_count_are_rejected) {
  const RopeSpec spec = mrope_spec(8, {2, 1, 1}, false);
  const std::vector<double> x(2 * 8, 0.5);
  EXPECT_THROW(reference::exact_rope(spec, std::vector<std::int64_t>{1, 2}, x, 1), InvalidInput);  // [T] for A = 3
  EXPECT_THROW(reference::exact_rope(spec, PositionsView(std::vector<std::int64_t>{1, 2, 3, 4}, 3), x, 1), InvalidInput);
  EXPECT_NO_THROW(reference::exact_rope(spec, PositionsView(std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}, 3), x, 1));
}

// ---- the kernels ----

RC_GTEST_PROP(multi_axis_kernels, f32_output_is_within_the_exact_bound_on_every_target, ()) {
  check_matches_reference(*multi_axis_cases(Dtype::f32), all_targets(), Profile::exact);
}
RC_GTEST_PROP(multi_axis_kernels, bf16_output_is_within_the_exact_bound_on_every_target, ()) {
  check_matches_reference(*multi_axis_cases(Dtype::bf16), all_targets(), Profile::exact);
}
RC_GTEST_PROP(multi_axis_kernels, f16_output_is_within_the_exact_bound_on_every_target, ()) {
  check_matches_reference(*multi_axis_cases(Dtype::f16), all_targets(), Profile::exact);
}
RC_GTEST_PROP(multi_axis_kernels, framework_table_is_within_f32_angle, ()) {
  check_matches_reference(*multi_axis_cases(Dtype::f32), {kernel_bugs::framework_table(kernels::TableMode::f32_angle)},
                          Profile::f32_angle);
}
RC_GTEST_PROP(multi_axis_kernels, norms_are_preserved, ()) {
  check_preserves_norm(*multi_axis_cases(Dtype::f32), all_targets(), Profile::exact);
}
RC_GTEST_PROP(multi_axis_kernels, score_is_invariant_under_a_shift_of_each_axis, ()) {
  check_score_shift_invariant(*multi_axis_cases(Dtype::f32), all_targets().front(), Profile::exact);
}
RC_GTEST_PROP(multi_axis_kernels, a_call_agrees_with_token_by_token_calls, ()) {
  check_decode_consistent(*multi_axis_cases(Dtype::bf16), all_targets().front());
}
TEST(multi_axis_kernels_negative_control, interleaving_ignored_is_outside_the_exact_bound) {
  expect_counterexample("mrope_interleaved ignored", [] {
    check_matches_reference(*multi_axis_cases(Dtype::f32, gen_interleaved_mrope_spec()),
                            {kernel_bugs::mrope_interleaving_ignored()}, Profile::exact);
  });
}
TEST(multi_axis_kernels_negative_control, h_and_w_swapped_is_outside_the_exact_bound) {
  expect_counterexample("h and w swapped", [] {
    check_matches_reference(*multi_axis_cases(Dtype::f32), {kernel_bugs::height_width_swapped()}, Profile::exact);
  });
}
TEST(multi_axis_kernels_negative_control, first_component_for_every_axis_is_outside_the_exact_bound) {
  expect_counterexample("first component for every axis", [] {
    check_matches_reference(*multi_axis_cases(Dtype::f32), {kernel_bugs::first_component_for_every_axis()},
                            Profile::exact);
  });
}
TEST(multi_axis_kernels_negative_control, one_dimensional_positions_are_outside_the_exact_bound) {
  expect_counterexample("1-D positions", [] {
    check_matches_reference(*multi_axis_cases(Dtype::f32), {kernel_bugs::one_dimensional_positions()}, Profile::exact);
  });
}
