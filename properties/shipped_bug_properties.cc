// The properties aimed at the bug classes RoPE kernels keep shipping (props/
// shipped_bug_cases.h), on correct implementations and on each shipped flaw:
//  - positions at and across 2^15, 2^16, 2^31, 2^32: the correctly rounded reference
//    passes exact, and the f32-angle allowance (θ_0 = 1 included above 2^24) lets a float32
//    pipeline through; int16 and int32 positions are caught under both profiles;
//  - many heads and rows, a q slice of a fused qkv buffer, both table layouts: every
//    built-in target passes exact; only head 0, the head index in the position, the first
//    token's position everywhere, a stride ignored, the other layout's table are caught.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "ropecheck/props/kernel_bug_variants.h"
#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/props/shipped_bug_cases.h"
#include "support/expect_counterexample.h"

using namespace ropecheck;
using namespace ropecheck::props;
using ropecheck::testing::expect_counterexample;

namespace {

void within(const KernelCase& c, const KernelUnderTest& k, numeric::Profile profile) {
  check_matches_reference(c, {k}, profile);
}

}  // namespace

RC_GTEST_PROP(shipped_bugs, the_correctly_rounded_reference_passes_exact_at_high_positions, ()) {
  within(*gen_high_position_case(Dtype::f32), correctly_rounded_kernel(), numeric::Profile::exact);
}

RC_GTEST_PROP(shipped_bugs, a_float32_angle_pipeline_passes_f32_angle_at_high_positions, ()) {
  // The f32-angle table mode forms m·θ in float32 as frameworks do: f32(m) rounds above
  // 2^24, which the allowance covers for every pair, θ_0 = 1 included.
  within(*gen_high_position_case(Dtype::f32), kernel_bugs::framework_table(kernels::TableMode::f32_angle),
         numeric::Profile::f32_angle);
}

TEST(shipped_bugs_negative_control, int16_and_int32_positions_are_caught_under_both_profiles) {
  for (const numeric::Profile profile : {numeric::Profile::exact, numeric::Profile::f32_angle}) {
    expect_counterexample("int16 positions", [profile] {
      within(*gen_high_position_case(Dtype::f32), kernel_bugs::int16_positions(), profile);
    });
    expect_counterexample("int32 positions", [profile] {
      within(*gen_high_position_case(Dtype::bf16), kernel_bugs::int32_positions(), profile);
    });
  }
}

RC_GTEST_PROP(shipped_bugs, many_heads_and_rows_pass_exact_on_every_target, ()) {
  check_matches_reference(*gen_many_heads_case(Dtype::bf16), builtin_kernels(), numeric::Profile::exact);
}

TEST(shipped_bugs_negative_control, wrong_heads_or_rows_are_caught) {
  expect_counterexample("only head 0", [] {
    within(*gen_many_heads_case(Dtype::f32), kernel_bugs::only_first_head_rotated(), numeric::Profile::exact);
  });
  expect_counterexample("head index in the position", [] {
    within(*gen_many_heads_case(Dtype::f16), kernel_bugs::head_index_added_to_position(), numeric::Profile::exact);
  });
  expect_counterexample("row 0's position everywhere", [] {
    within(*gen_many_heads_case(Dtype::f32), kernel_bugs::first_token_position_for_every_token(), numeric::Profile::exact);
  });
}

RC_GTEST_PROP(shipped_bugs, a_fused_qkv_slice_passes_exact_on_every_target, ()) {
  check_matches_reference(*gen_fused_qkv_case(Dtype::f32), builtin_kernels(), numeric::Profile::exact);
}

TEST(shipped_bugs_negative_control, a_stride_read_as_contiguous_is_caught) {
  expect_counterexample("contiguous input assumed", [] {
    within(*gen_fused_qkv_case(Dtype::bf16), kernel_bugs::contiguous_input_assumed(), numeric::Profile::exact);
  });
}

RC_GTEST_PROP(shipped_bugs, both_table_layouts_pass_exact_on_every_target, ()) {
  check_matches_reference(*gen_two_layout_case(Dtype::f32), builtin_kernels(), numeric::Profile::exact);
}

TEST(shipped_bugs_negative_control, the_other_layouts_table_is_caught) {
  expect_counterexample("table of the other layout", [] {
    within(*gen_two_layout_case(Dtype::f32), kernel_bugs::table_layout_mismatch(), numeric::Profile::exact);
  });
}
