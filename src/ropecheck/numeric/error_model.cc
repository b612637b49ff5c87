#include "ropecheck/numeric/error_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ropecheck/errors.h"

#include "ropecheck/numeric/ulp.h"

namespace ropecheck::numeric {

std::string_view to_string(Profile profile) {
  switch (profile) {
    case Profile::exact: return "exact";
    case Profile::f32_angle: return "f32-angle";
    case Profile::f16_compute: return "f16-compute";
    case Profile::bf16_compute: return "bf16-compute";
  }
  return "?";
}

std::string_view pipeline_of(Profile profile) {
  switch (profile) {
    case Profile::exact: return "angles formed in double or better";
    case Profile::f32_angle: return "angles formed in float32 (PyTorch/HF, Meta, vLLM, ggml)";
    case Profile::f16_compute: return "cos/sin and arithmetic in f16, angles in float32 (a float16 model-dtype pipeline)";
    case Profile::bf16_compute: return "cos/sin and arithmetic in bf16, angles in float32 (a bfloat16 model-dtype pipeline)";
  }
  return "?";
}

std::vector<std::string> profile_names() {
  std::vector<std::string> names;
  for (const Profile p : kProfiles) names.emplace_back(to_string(p));
  return names;
}

Profile profile_from_string(std::string_view name) {
  for (const Profile p : kProfiles) {
    if (to_string(p) == name) return p;
  }
  throw InvalidInput(fmt::format("unknown profile '{}' (expected one of {})", name, fmt::join(profile_names(), ", ")));
}

ErrorModel error_model(Profile profile, Dtype output, Arithmetic arithmetic) {
  ErrorModel m;
  m.output = output;
  m.output_roundoff = unit_roundoff(output);
  m.output_underflow = underflow_half_quantum(output);
  m.compute_roundoff = unit_roundoff(Dtype::f32);
  m.compute_underflow = kComputeUnderflowOps * underflow_half_quantum(Dtype::f32);
  const bool narrow = output == Dtype::bf16 || output == Dtype::f16;
  const bool fused = arithmetic == Arithmetic::fused;
  m.k = narrow ? (fused ? kNarrowOutputFusedK : kNarrowOutputUnfusedK)
               : (fused ? kF32OutputFusedK : kF32OutputUnfusedK);
  switch (profile) {
    case Profile::exact:
      m.table_abs_error = kAccurateTableAbsError;
      break;
    case Profile::f32_angle:
      m.table_abs_error = kF32AngleK * m.compute_roundoff;
      m.angle_per_radian = kF32AngleK * m.compute_roundoff;
      m.angle_per_radian_per_pair = kF32RecurrenceK * m.compute_roundoff;
      break;
    case Profile::f16_compute:
    case Profile::bf16_compute: {
      const Dtype compute = profile == Profile::f16_compute ? Dtype::f16 : Dtype::bf16;
      m.table_abs_error = kF32AngleK * unit_roundoff(Dtype::f32);
      m.angle_per_radian = kF32AngleK * unit_roundoff(Dtype::f32);
      m.angle_per_radian_per_pair = kF32RecurrenceK * unit_roundoff(Dtype::f32);
      m.compute_roundoff = unit_roundoff(compute);
      m.compute_underflow = kComputeUnderflowOps * underflow_half_quantum(compute);
      m.k = profile == Profile::f16_compute ? kF16ComputeK : kBf16ComputeK;
      break;
    }
  }
  return m;
}

double element_bound(const ErrorModel& model, double exact_y, const PairTerms& p) {
  const double s = std::fabs(p.attention);
  const double along = std::fabs(p.second ? p.b : p.a);   // multiplies cos
  const double across = std::fabs(p.second ? p.a : p.b);  // multiplies sin
  const double sigma = s * (along * std::fabs(p.cos) + across * std::fabs(p.sin));
  const double delta = model.table_abs_error + angle_allowance(model, p.position, p.theta, p.pair);
  return model.output_roundoff * std::fabs(exact_y) + model.output_underflow +
         model.compute_underflow + (model.k + (p.position_scaled ? kPositionScaleK : 0)) * model.compute_roundoff * sigma +
         delta * s * (std::fabs(p.a) + std::fabs(p.b));
}

double angle_allowance(const ErrorModel& model, double position, double theta, std::size_t pair) {
  // The float32 angle m·1 is exact while m is (error_model.h): below 2^24. Above, f32(m)
  // rounds (≤ u·|m|), which the per-radian allowance covers like any other pair's.
  if (std::fabs(theta) == 1 && std::fabs(position) <= kF32ExactIntegerLimit) return 0;
  return (model.angle_per_radian + model.angle_per_radian_per_pair * static_cast<double>(pair)) * std::fabs(position) *
         std::fabs(theta);
}

std::optional<double> weak_from_position(const ErrorModel& model, std::span<const double> thetas,
                                         std::span<const std::size_t> frequency_index) {
  if (model.angle_per_radian <= 0 || thetas.empty()) return std::nullopt;
  double from = 0;
  for (std::size_t i = 0; i < thetas.size(); ++i) {
    const std::size_t k = i < frequency_index.size() ? frequency_index[i] : i;  // as measure's pair_terms
    const double per_position = angle_allowance(model, 1, thetas[i], k);
    if (!(per_position > 0)) return std::nullopt;  // a pair that never turns is always checked
    from = std::max(from, kWeakAngleAllowance / per_position);
  }
  return from;
}

}  // namespace ropecheck::numeric
