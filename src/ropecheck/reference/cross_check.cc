#include "ropecheck/reference/cross_check.h"

namespace ropecheck::reference {

Real to_reference(const CrossCheckReal& x) { return static_cast<Real>(x); }
CrossCheckReal to_cross_check(const Real& x) { return static_cast<CrossCheckReal>(x); }

Vector<Real> to_reference(const Vector<CrossCheckReal>& x) {
  Vector<Real> y;
  y.reserve(x.size());
  for (const auto& e : x) y.push_back(to_reference(e));
  return y;
}

Vector<CrossCheckReal> to_cross_check(const Vector<Real>& x) {
  Vector<CrossCheckReal> y;
  y.reserve(x.size());
  for (const auto& e : x) y.push_back(to_cross_check(e));
  return y;
}

}  // namespace ropecheck::reference
