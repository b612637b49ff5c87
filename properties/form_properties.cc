// The rotation and its four forms (docs/mathematics.md#the-four-forms): orthogonality, R_mᵀR_n = R_{n−m}, norm
// preservation, agreement of the dense, sparse, complex and rotate_half forms, and
// half_split = P·interleaved·P⁻¹. Each property with its negative control.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "ropecheck/props/reference_properties.h"
#include "ropecheck/props/bug_variants.h"
#include "support/expect_counterexample.h"

using namespace ropecheck::props;
namespace bugs = ropecheck::props::bugs;
using ropecheck::testing::expect_counterexample;

RC_GTEST_PROP(rope_reference, rotation_is_orthogonal, (const MatrixCase& c)) { check_orthogonal(c, reference_matrix); }
TEST(rope_reference_negative_control, in_place_pair_update_is_not_orthogonal) {
  expect_counterexample("in-place update", [](const MatrixCase& c) { check_orthogonal(c, bugs::rotation_matrix_in_place_update); });
}

RC_GTEST_PROP(rope_reference, transposed_rotation_times_rotation_is_relative_rotation, (const MatrixCase& c)) {
  check_relative_rotation(c, reference_matrix);
}
TEST(rope_reference_negative_control, bf16_positions_break_relative_rotation) {
  expect_counterexample("bf16 positions", [](const MatrixCase& c) { check_relative_rotation(c, bugs::rotation_matrix_bf16_positions); });
}

RC_GTEST_PROP(rope_reference, rotation_preserves_norm, (const RopeCase& c)) { check_norm_preserved(c, reference_rope); }
TEST(rope_reference_negative_control, in_place_pair_update_changes_norm) {
  expect_counterexample("in-place update", [](const RopeCase& c) { check_norm_preserved(c, bugs::apply_in_place_update); });
}

RC_GTEST_PROP(rope_reference, dense_sparse_complex_and_rotate_half_forms_agree, (const RopeCase& c)) {
  check_forms_agree(c, reference_rope);
}
TEST(rope_reference_negative_control, reversed_rotation_disagrees_with_the_forms) {
  expect_counterexample("reversed rotation", [](const RopeCase& c) { check_forms_agree(c, bugs::apply_reversed); });
}
TEST(rope_reference_negative_control, swapped_layout_disagrees_with_the_forms) {
  expect_counterexample("swapped layout", [](const RopeCase& c) { check_forms_agree(c, bugs::apply_swapped_layout); });
}

RC_GTEST_PROP(rope_reference, half_split_is_permuted_interleaved, (const RopeCase& c)) {
  check_half_split_is_permuted_interleaved(c, ropecheck::reference::apply_rotate_half<Real>);
}
TEST(rope_reference_negative_control, rotate_half_with_swapped_halves_is_not_permuted_interleaved) {
  expect_counterexample("swapped halves", [](const RopeCase& c) {
    check_half_split_is_permuted_interleaved(c, bugs::apply_rotate_half_swapped_halves);
  });
}

// Plain unit tests pinning the conventions the properties rely on.
// DeepSeek MLA's rope slice in its two orders (transformers #39687): DeepSeek's own
// interleaved pairs and HF's rope_interleave (q and k de-interleaved, then rotate_half)
// give the same scores; a port that permutes q but not k does not.
RC_GTEST_PROP(rope_reference, mla_interleaved_and_hf_permuted_half_split_give_equal_scores, (const RopeCase& c)) {
  check_permuted_half_split_scores_agree(c, true);
}
TEST(rope_reference_negative_control, mla_permuting_q_but_not_k_changes_the_scores) {
  expect_counterexample("q permuted, k not", [](const RopeCase& c) { check_permuted_half_split_scores_agree(c, false); });
}

TEST(rope_reference, quarter_turn_of_the_first_pair_is_exact_in_direction) {
  ropecheck::RopeSpec spec;
  spec.head_dim = spec.rotary_dim = 2;
  // θ_0 = 1, so m = π/2 rotates (1, 0) to (0, 1): a' = a cos − b sin, b' = b cos + a sin.
  const Real half_pi = boost::math::constants::half_pi<Real>();
  const auto y = ropecheck::reference::apply_rope<Real>(spec, half_pi, {Real(1), Real(0)});
  EXPECT_LT(abs(y[0]), 1e-70);
  EXPECT_LT(abs(y[1] - 1), 1e-70);
}
TEST(rope_reference, pass_through_dims_are_copied) {
  ropecheck::RopeSpec spec;
  spec.head_dim = 6;
  spec.rotary_dim = 2;
  const std::vector<Real> x{Real(1), Real(2), Real(3), Real(4), Real(5), Real(6)};
  for (auto layout : {ropecheck::Layout::interleaved, ropecheck::Layout::half_split}) {
    spec.layout = layout;
    const auto y = ropecheck::reference::apply_rope<Real>(spec, Real(7), x);
    for (std::size_t i = 2; i < 6; ++i) EXPECT_EQ(y[i], x[i]);
  }
}
