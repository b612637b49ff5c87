// Dispatch of the certified fast path's loops (certified_lanes-inl.h).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ropecheck/reference/certified_lanes.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ropecheck/reference/certified_lanes-inl.h"

#if HWY_ONCE
#include "ropecheck/reference/certified_lanes.h"

namespace ropecheck::reference {

HWY_EXPORT(CosSinLanesTarget);
HWY_EXPORT(ElementLanesTarget);
HWY_EXPORT(VectorisedTarget);

void cos_sin_lanes(const TrigLanesCall& call) { HWY_DYNAMIC_DISPATCH(CosSinLanesTarget)(call); }
std::size_t element_lanes(const ElementLanesCall& call) { return HWY_DYNAMIC_DISPATCH(ElementLanesTarget)(call); }
bool certified_lanes_vectorised() { return HWY_DYNAMIC_DISPATCH(VectorisedTarget)(); }

}  // namespace ropecheck::reference
#endif
