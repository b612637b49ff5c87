// Su's long-range decay argument (docs/mathematics.md#the-abel-identity-and-bound): the Abel summation-by-parts identity, its
// link to the score, and the bound |score| ≤ |Σ| ≤ max|h_{i+1} − h_i|·Σ|S_j|.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "ropecheck/props/reference_properties.h"
#include "ropecheck/props/bug_variants.h"
#include "support/expect_counterexample.h"

using namespace ropecheck::props;
namespace bugs = ropecheck::props::bugs;
using ropecheck::testing::expect_counterexample;

RC_GTEST_PROP(rope_abel, summation_by_parts_identity_holds_and_equals_the_score, (const RopeCase& c)) {
  check_abel_identity(c, ropecheck::reference::abel_by_parts<Real>);
}
TEST(rope_abel_negative_control, shifted_partial_sums_break_the_identity) {
  expect_counterexample("S_i for S_{i+1}", [](const RopeCase& c) { check_abel_identity(c, bugs::abel_by_parts_shifted_partial_sums); });
}

RC_GTEST_PROP(rope_abel, score_is_within_the_sum_which_is_within_the_bound, (const RopeCase& c)) {
  check_abel_bound(c, ropecheck::reference::abel_bound<Real>);
}
TEST(rope_abel_negative_control, bound_without_the_boundary_term_is_violated) {
  expect_counterexample("no h_{R/2} = 0 term", [](const RopeCase& c) { check_abel_bound(c, bugs::abel_bound_without_boundary_term); });
}
