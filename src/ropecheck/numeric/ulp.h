// Units in the last place of a storage dtype, and errors measured in them (docs/error-model.md#units-in-the-last-place).
//
// Contract: ulp_at(y, dtype) is the spacing of the dtype's values in the binade of |y|:
// 2^(⌊log2|y|⌋ − p + 1) for normal magnitudes, the subnormal quantum 2^(e_min − p + 1)
// below the normal range (and at 0), and the top binade's spacing beyond the largest
// finite value. It is taken at the *exact* value, so an error of 0.5 ulp_at(y) is exactly
// what correct rounding allows (ties included) and a candidate's error does not change
// the yardstick it is measured with.
#pragma once

#include "ropecheck/dtype.h"

namespace ropecheck::numeric {

double ulp_at(double y, Dtype dtype);

// |candidate − exact| in ulps of `dtype` at `exact`. Equal non-finite values (same-signed
// infinities, NaN against NaN) are 0; any other non-finite mismatch is +Inf.
double ulp_error(double candidate, double exact, Dtype dtype);

// Unit roundoff u = 2^-p of a dtype: one correctly rounded operation in the normal range
// has relative error ≤ u.
double unit_roundoff(Dtype dtype);

// Half the smallest subnormal of a dtype: the absolute error of correct rounding below the
// normal range, where relative bounds stop holding.
double underflow_half_quantum(Dtype dtype);

// Whether the correct rounding (RNE) of y to dtype is ±Inf: |y| ≥ (2 − 2^-p)·2^e_max, the
// midpoint above the largest finite value, whose tie goes to the even neighbour 2^(e_max+1).
bool rounds_to_infinity(double y, Dtype dtype);

}  // namespace ropecheck::numeric
