// Relative position (docs/mathematics.md#relative-position): the score depends on n − m only; softmax attention and
// Su's linear attention (RoPE in the numerator) are invariant to shifting all positions.
// The sinusoidal additive PE (docs/mathematics.md#sinusoidal-additive-encoding) is the negative control.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "ropecheck/props/reference_properties.h"
#include "ropecheck/props/bug_variants.h"
#include "ropecheck/reference/sinusoidal.h"
#include "support/expect_counterexample.h"

using namespace ropecheck::props;
namespace bugs = ropecheck::props::bugs;
using ropecheck::testing::expect_counterexample;

RC_GTEST_PROP(rope_attention, score_depends_only_on_relative_position, (const RopeCase& c)) {
  check_score_shift_invariant(c, reference_rope);
}
TEST(rope_attention_negative_control, sinusoidal_additive_score_depends_on_absolute_position) {
  expect_counterexample("sinusoidal PE", [](const RopeCase& c) {
    check_score_shift_invariant(c, ropecheck::reference::sinusoidal_encode<Real>);
  });
}

RC_GTEST_PROP(rope_attention, softmax_attention_is_invariant_to_shifting_positions, (const AttentionCase& c)) {
  check_softmax_attention_shift_invariant(c, reference_rope);
}
TEST(rope_attention_negative_control, sinusoidal_softmax_attention_depends_on_absolute_position) {
  expect_counterexample("sinusoidal PE", [](const AttentionCase& c) {
    check_softmax_attention_shift_invariant(c, ropecheck::reference::sinusoidal_encode<Real>);
  });
}

RC_GTEST_PROP(rope_attention, linear_attention_is_invariant_to_shifting_positions, (const AttentionCase& c)) {
  check_linear_attention_shift_invariant(c, reference_rope);
}
TEST(rope_attention_negative_control, bf16_positions_break_linear_attention_invariance) {
  expect_counterexample("bf16 positions", [](const AttentionCase& c) {
    check_linear_attention_shift_invariant(c, bugs::apply_bf16_positions);
  });
}
