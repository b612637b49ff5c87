// The independent cross-check backend (cpp_bin_float, 128 bits) against MPFR (257 bits).
//
// Contract: cpp_bin_float's sin/cos are not correctly rounded; measured on this suite's
// generated angles their absolute error is ≤ kCrossCheckTrigK·2^-128·(1 + |φ|) (the bound
// and its measurement live in props/reference_properties.cc, property
// backends_agree_to_cross_check_accuracy). Conversions to Real are exact: 128 < 257 bits.
#pragma once

#include "ropecheck/reference/forms.h"

namespace ropecheck::reference {

Real to_reference(const CrossCheckReal& x);
CrossCheckReal to_cross_check(const Real& x);  // rounds to 128 bits (RNE)
Vector<Real> to_reference(const Vector<CrossCheckReal>& x);
Vector<CrossCheckReal> to_cross_check(const Vector<Real>& x);

}  // namespace ropecheck::reference
