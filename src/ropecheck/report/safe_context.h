// The longest safe context of an implementation, measured and predicted (the report's
// "exact to position P, then angle error dominates").
//
// Safe, per element: the error is within one output ulp at the pair's scale plus the
// compute term — the exact profile's bound (numeric::element_bound) evaluated at
// |y| = 2·s·‖(a, b)‖ instead of |y|: u_out·2s‖(a,b)‖ + K·u_c·σ + η + Δ. A correctly rounded
// result (≤ u_out·|y|) is always within it, and so is a result whose rounding flipped
// because of an angle error below half an ulp at the pair's scale. It is exceeded once the
// angle's contribution s‖(a,b)‖·|δφ| passes about u_out·s‖(a,b)‖: from there the angle
// error, not the rounding, dominates. (The strict exact bound, u_out·|y|, fails at the
// first rounding flip instead — at a few hundred positions for float32 angles and bf16
// outputs — which the report gives separately as `first_outside_exact`.)
//
// Measured (positions ascending): longest_safe is the largest measured P with every
// measured position ≤ P safe; first_unsafe the smallest unsafe position (none when all
// are safe); first_outside_exact the smallest position with an element outside the strict
// exact bound.
//
// Predicted for the framework tables (kernels::framework_angles): the first position m of
// the sweep at which the table's float32 angle error max_i |φ̂_i(m) − m·θ_i| exceeds
// u_out, computed exactly (φ̂ is the table's own float, m·θ_i at reference precision) —
// no inputs and no kernel involved. The element error from the angle is ≤ s‖(a,b)‖·|δφ|,
// so no position before the predicted one can be unsafe through the angle.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/kernels/cos_sin_table.h"
#include "ropecheck/spec.h"

namespace ropecheck::report {

struct SafeContext {
  std::optional<std::int64_t> longest_safe;
  std::optional<std::int64_t> first_unsafe;
  std::optional<std::int64_t> first_outside_exact;
};

// From per-position peaks (positions ascending): safe ratios (≤ 1 safe) and ratios to the
// strict exact bound.
SafeContext safe_context(const std::vector<std::int64_t>& positions, const std::vector<double>& peak_safe_ratio,
                         const std::vector<double>& peak_exact_ratio);

// The safe context of positions `earlier` followed by positions `later` (all of earlier's
// below later's) from the two alone: a sweep in chunks gets the whole sweep's, exactly.
// An empty SafeContext is the context of no positions, the identity.
SafeContext followed_by(const SafeContext& earlier, const SafeContext& later);

struct PredictedUnsafe {
  std::optional<std::int64_t> from;  // first position with angle error > u_out
  std::optional<std::int64_t> by;    // first position with angle error > 2·u_out
};

// The same for the prediction (once `by` is found, later positions change nothing).
PredictedUnsafe followed_by(const PredictedUnsafe& earlier, const PredictedUnsafe& later);

// The prediction above for a framework mode (f32_angle or f32_recurrence) over `positions`
// (ascending), in one pass.
PredictedUnsafe predicted_unsafe(const RopeSpec& spec, Dtype output, kernels::TableMode mode,
                                 const std::vector<std::int64_t>& positions);

// The largest float32 angle error over the pairs at position m (radians), against m·θ_i
// with θ_i rounded to double (2^-53 relative, far below float32's 2^-24).
double framework_angle_error(const kernels::TableFrequencies& freqs, kernels::TableMode mode, std::int64_t position);

}  // namespace ropecheck::report
