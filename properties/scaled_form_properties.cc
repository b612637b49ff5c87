// The RoPE properties of the rotation (form_properties.cc, attention_properties.cc) over
// specs with context-extension scaling of every type (props::gen_scaled_spec): with the
// attention factor s the rotary block is s times a rotation, so R_mᵀR_m = s²I,
// R_mᵀR_n = s·R_{n−m}, ‖R_m x‖² = s²‖x_rot‖² + ‖x_pass‖², scores depend on n − m only,
// and the four forms agree. Each with a negative control that is a scaling bug.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "ropecheck/props/property_cases.h"
#include "ropecheck/props/reference_properties.h"
#include "ropecheck/props/bug_variants.h"
#include "support/expect_counterexample.h"

using namespace ropecheck;
using namespace ropecheck::props;
namespace bugs = ropecheck::props::bugs;
using ropecheck::testing::expect_counterexample;

namespace {
MatrixCase scaled_matrix_case() { return *gen_matrix_case(gen_scaled_spec()); }
RopeCase scaled_rope_case() { return *gen_rope_case(gen_scaled_spec()); }
}  // namespace

RC_GTEST_PROP(scaled_rope_reference, rotation_is_orthogonal_up_to_the_attention_factor, ()) {
  check_orthogonal(scaled_matrix_case(), reference_matrix);
}
TEST(scaled_rope_reference_negative_control, attention_factor_applied_twice_is_not_s_squared) {
  expect_counterexample("attention factor twice",
                        [] { check_orthogonal(scaled_matrix_case(), bugs::rotation_matrix_attention_twice); });
}

RC_GTEST_PROP(scaled_rope_reference, transposed_rotation_times_rotation_is_relative_rotation, ()) {
  check_relative_rotation(scaled_matrix_case(), reference_matrix);
}
TEST(scaled_rope_reference_negative_control, dynamic_base_per_position_breaks_relative_rotation) {
  expect_counterexample("dynamic NTK base per position",
                        [] { check_relative_rotation(scaled_matrix_case(), bugs::rotation_matrix_dynamic_base_per_position); });
}

RC_GTEST_PROP(scaled_rope_reference, rotation_scales_norm_by_the_attention_factor, ()) {
  check_norm_preserved(scaled_rope_case(), reference_rope);
}
TEST(scaled_rope_reference_negative_control, attention_factor_applied_twice_changes_the_norm) {
  expect_counterexample("attention factor twice", [] { check_norm_preserved(scaled_rope_case(), bugs::apply_attention_twice); });
}

RC_GTEST_PROP(scaled_rope_reference, score_depends_on_the_relative_position_only, ()) {
  check_score_shift_invariant(scaled_rope_case(), reference_rope);
}
TEST(scaled_rope_reference_negative_control, dynamic_base_per_position_is_not_shift_invariant) {
  expect_counterexample("dynamic NTK base per position",
                        [] { check_score_shift_invariant(scaled_rope_case(), bugs::apply_dynamic_base_per_position); });
}

RC_GTEST_PROP(scaled_rope_reference, dense_sparse_complex_and_rotate_half_forms_agree, ()) {
  check_forms_agree(scaled_rope_case(), reference_rope);
}
TEST(scaled_rope_reference_negative_control, complex_form_without_scaling_disagrees) {
  expect_counterexample("Meta's complex form without apply_scaling", [] {
    RopeCase c = scaled_rope_case();
    c.spec.layout = Layout::interleaved;  // the complex form's own pairing: only the scaling differs
    check_forms_agree(c, bugs::apply_complex_unscaled);
  });
}
