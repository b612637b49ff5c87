#include "bench/ratio_targets.h"

namespace ropecheck::bench {

std::string_view to_string(Baseline baseline) {
  switch (baseline) {
    case Baseline::memcpy: return "memcpy";
    case Baseline::scale_in_place: return "scale";
  }
  return "?";
}

const KernelTarget* kernel_target(const BenchShape& shape, Dtype dtype, Placement placement) {
  for (const KernelTarget& target : kKernelTargets) {
    if (target.shape != shape.name) continue;
    if (target.dtype && *target.dtype != dtype) continue;
    if (target.placement && *target.placement != placement) continue;
    return &target;
  }
  return nullptr;
}

}  // namespace ropecheck::bench
