#include "ropecheck/report/safe_context.h"

#include <algorithm>

#include "ropecheck/numeric/ulp.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::report {

SafeContext safe_context(const std::vector<std::int64_t>& positions, const std::vector<double>& peak_safe_ratio,
                         const std::vector<double>& peak_exact_ratio) {
  SafeContext s;
  for (std::size_t k = 0; k < positions.size(); ++k) {
    if (!s.first_outside_exact && !(peak_exact_ratio[k] <= 1)) s.first_outside_exact = positions[k];
    if (s.first_unsafe) continue;
    if (peak_safe_ratio[k] <= 1) {
      s.longest_safe = positions[k];
    } else {
      s.first_unsafe = positions[k];
    }
  }
  return s;
}

SafeContext followed_by(const SafeContext& earlier, const SafeContext& later) {
  SafeContext s;
  s.first_outside_exact = earlier.first_outside_exact ? earlier.first_outside_exact : later.first_outside_exact;
  if (earlier.first_unsafe) {  // the scan stopped in `earlier`
    s.first_unsafe = earlier.first_unsafe;
    s.longest_safe = earlier.longest_safe;
  } else {
    s.first_unsafe = later.first_unsafe;
    s.longest_safe = later.longest_safe ? later.longest_safe : earlier.longest_safe;
  }
  return s;
}

PredictedUnsafe followed_by(const PredictedUnsafe& earlier, const PredictedUnsafe& later) {
  if (earlier.by) return earlier;
  return {earlier.from ? earlier.from : later.from, later.by};
}

double framework_angle_error(const kernels::TableFrequencies& freqs, kernels::TableMode mode, std::int64_t position) {
  std::vector<float> angles(freqs.pairs);
  kernels::framework_angles(freqs, position, mode, angles);
  double worst = 0;
  for (std::size_t i = 0; i < freqs.pairs; ++i) {
    // m·θ_i and the difference at reference precision, rounded once to double.
    const reference::Real exact = reference::Real(static_cast<double>(position)) * reference::Real(freqs.theta[i]);
    worst = std::max(worst, static_cast<double>(abs(reference::Real(angles[i]) - exact)));
  }
  return worst;
}

PredictedUnsafe predicted_unsafe(const RopeSpec& spec, Dtype output, kernels::TableMode mode,
                                 const std::vector<std::int64_t>& positions) {
  const kernels::TableFrequencies freqs = kernels::table_frequencies(spec);
  const double u_out = numeric::unit_roundoff(output);
  PredictedUnsafe p;
  for (const std::int64_t m : positions) {
    const double error = framework_angle_error(freqs, mode, m);
    if (!p.from && error > u_out) p.from = m;
    if (error > 2 * u_out) {
      p.by = m;
      break;
    }
  }
  return p;
}

}  // namespace ropecheck::report
