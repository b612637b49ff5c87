// The position scale σ(m) = 1 + β·ln(1 + ⌊(m + offset)/floor_scale⌋) of a spec (Llama 4's
// NoPE-layer query temperature, Mistral 3's llama_4_scaling_beta) in the reference: its
// steps, its value against an independent double evaluation, and the exact result of a
// scaled spec as σ(m) times the unscaled one (the query), or the unscaled one itself
// (the key). Negative control: the offset confused (m + 1 for m) is caught at a step.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "ropecheck/errors.h"
#include "ropecheck/props/kernel_cases.h"
#include "ropecheck/props/property_cases.h"
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/reference/position_scale.h"
#include "ropecheck/reference/real.h"
#include "support/expect_counterexample.h"

using namespace ropecheck;
using reference::Real;

namespace {

RopeSpec with_scale(RopeSpec spec, PositionScale scale, Role role) {
  spec.position_scale = scale;
  spec.role = role;
  return spec;
}

const PositionScale kLlama4{.beta = 0.1, .floor_scale = 8192, .position_offset = 1, .applies_to = Role::query};
const PositionScale kMistral3{.beta = 0.1, .floor_scale = 16384, .position_offset = 0, .applies_to = Role::query};

// exact_rope(scaled) = σ(m)·exact_rope(unscaled) for the role the scale applies to (both
// rounded once to double from 257 bits: ≤ 2^-52 relative apart, plus σ's own rounding),
// and exactly the unscaled result for the other role.
void check_scaled_is_sigma_times_unscaled(const RopeSpec& spec, const PositionScale& scale, std::int64_t m,
                                          std::span<const double> x) {
  const std::vector<std::int64_t> positions{m};
  const reference::ExactRope plain = reference::exact_rope(spec, positions, x, 1);
  const reference::ExactRope query = reference::exact_rope(with_scale(spec, scale, Role::query), positions, x, 1);
  const reference::ExactRope key = reference::exact_rope(with_scale(spec, scale, Role::key), positions, x, 1);
  const double sigma = reference::position_scale_double(scale, m);
  for (std::size_t k = 0; k < x.size(); ++k) {
    RC_ASSERT(std::fabs(query.expected[k] - sigma * plain.expected[k]) <= 0x1p-50 * std::fabs(query.expected[k]));
    RC_ASSERT(key.expected[k] == plain.expected[k]);
  }
}

}  // namespace

TEST(position_scale, hf_values_of_llama_4_and_mistral_3) {
  const RopeSpec llama4 = with_scale(RopeSpec{}, kLlama4, Role::query);
  const RopeSpec mistral3 = with_scale(RopeSpec{}, kMistral3, Role::query);
  // Llama 4 takes floor((m + 1)/8192): the first scaled position is 8191.
  EXPECT_EQ(reference::position_scale<Real>(llama4, 8190), 1);
  EXPECT_EQ(reference::position_scale<Real>(llama4, 8191), 1 + Real(0.1) * log(Real(2)));
  EXPECT_EQ(reference::position_scale<Real>(llama4, (1 << 24) - 1), 1 + Real(0.1) * log(Real(2049)));
  // Mistral 3 takes floor(m/16384): the first scaled position is 16384.
  EXPECT_EQ(reference::position_scale<Real>(mistral3, 16383), 1);
  EXPECT_EQ(reference::position_scale<Real>(mistral3, 16384), 1 + Real(0.1) * log(Real(2)));
  // The key of either is not scaled; a position below −offset is outside the domain.
  EXPECT_EQ(reference::position_scale<Real>(with_scale(RopeSpec{}, kLlama4, Role::key), 1 << 20), 1);
  EXPECT_THROW(reference::position_scale<Real>(mistral3, -1), InvalidInput);
  EXPECT_EQ(reference::position_scale<Real>(llama4, -1), 1);
}

RC_GTEST_PROP(position_scale, sigma_steps_at_multiples_of_floor_scale_and_agrees_with_double, ()) {
  const RopeSpec spec = *props::gen_position_scaled_spec();
  PositionScale scale = *spec.position_scale;
  const RopeSpec query = with_scale(spec, scale, Role::query);
  const std::int64_t m = *rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 30);
  const std::int64_t k = (m + scale.position_offset) / scale.floor_scale;
  const Real sigma = reference::position_scale<Real>(query, m);
  RC_ASSERT((sigma == 1) == (k == 0));
  RC_ASSERT(sigma <= reference::position_scale<Real>(query, m + 1));  // never decreases
  // An independent evaluation: std::log of 1 + k in double (≤ 1 ulp), then 2 roundings.
  const double independent = 1 + scale.beta * std::log(1 + static_cast<double>(k));
  RC_ASSERT(std::fabs(static_cast<double>(sigma) - independent) <= 0x1p-49 * independent);
  // The double path the tables use, within its stated 3·2^-53 + 2^-52 of σ (position_scale.h).
  const double table = reference::position_scale_double(scale, m);
  RC_ASSERT(static_cast<double>(abs(Real(table) - sigma)) <= 5 * 0x1p-53 * static_cast<double>(sigma));
}

RC_GTEST_PROP(position_scale, the_scaled_result_is_sigma_times_the_unscaled_one, ()) {
  const RopeSpec spec = *props::gen_position_scaled_spec();
  RopeSpec plain = spec;
  plain.position_scale.reset();
  plain.role.reset();
  if (plain.rotary_dim == 0) plain.rotary_dim = 2 * (plain.head_dim / 2);  // a rotation to compare with
  if (plain.rotary_dim == 0) return;                                         // head_dim 1: nothing rotates
  const std::int64_t m = *rc::gen::inRange<std::int64_t>(0, std::int64_t{1} << 24);
  const std::vector<double> x = *rc::gen::container<std::vector<double>>(plain.head_dim, props::gen_moderate_element());
  check_scaled_is_sigma_times_unscaled(plain, *spec.position_scale, m, x);
}

// Llama 4's p + 1 read as p (or the reverse): at the step's edge the two scales differ by
// β·ln 2, so the property above, given the wrong offset's σ, is caught.
TEST(position_scale_negative_control, the_other_offset_is_caught_at_a_step) {
  ropecheck::testing::expect_counterexample("offset m + 1 read as m", [] {
    const PositionScale scale = kLlama4;
    PositionScale confused = scale;
    confused.position_offset = 0;
    const std::int64_t m = scale.floor_scale - 1 + scale.floor_scale * *rc::gen::inRange<std::int64_t>(0, 64);
    RopeSpec spec;
    spec.head_dim = spec.rotary_dim = 8;
    const std::vector<double> x = *rc::gen::container<std::vector<double>>(8, props::gen_moderate_element());
    const std::vector<std::int64_t> positions{m};
    const reference::ExactRope right = reference::exact_rope(with_scale(spec, scale, Role::query), positions, x, 1);
    const reference::ExactRope wrong = reference::exact_rope(with_scale(spec, confused, Role::query), positions, x, 1);
    for (std::size_t k = 0; k < x.size(); ++k) RC_ASSERT(wrong.expected[k] == right.expected[k]);
  });
}
