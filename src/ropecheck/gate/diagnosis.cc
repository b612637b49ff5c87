#include "ropecheck/gate/diagnosis.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ropecheck/gate/conformance.h"
#include "ropecheck/gate/rope_variant.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/reference/forms.h"

namespace ropecheck::gate {
namespace {

struct Hypothesis {
  std::string name;
  std::string description;
  RopeVariant variant;
};

constexpr double kCommonBases[] = {1e4, 1e5, 5e5, 1e6, 1e7};
constexpr std::int64_t kMaxShift = 8;

// Least-squares factor s minimising Σ (candidate − s·expected)² over finite rotary elements.
double fitted_scale(const golden::Golden& g, std::span<const double> candidate) {
  double num = 0, den = 0;
  for (std::size_t k = 0; k < candidate.size(); ++k) {
    if (k % g.spec.head_dim >= g.spec.rotary_dim) continue;
    if (!std::isfinite(candidate[k]) || !std::isfinite(g.expected[k])) continue;
    num += candidate[k] * g.expected[k];
    den += g.expected[k] * g.expected[k];
  }
  return den > 0 ? num / den : 1;
}

std::vector<Hypothesis> hypotheses(const golden::Golden& g, std::span<const double> candidate) {
  const RopeVariant base = RopeVariant::of(g);
  const std::size_t r = g.spec.rotary_dim, d = g.spec.head_dim;
  std::vector<Hypothesis> list;
  const auto add = [&](std::string name, std::string description, auto&& change) {
    RopeVariant v = base;
    change(v);
    list.push_back({std::move(name), std::move(description), v});
  };
  const Layout other = g.spec.layout == Layout::interleaved ? Layout::half_split : Layout::interleaved;
  if (r > 2) {
    add("swapped_layout",
        fmt::format("matches layout {} (golden is {})", to_string(other), to_string(g.spec.layout)),
        [&](RopeVariant& v) { v.layout = other; });
  }
  add("reversed_rotation", "matches the rotation in the opposite direction (angle −m·θ)",
      [](RopeVariant& v) { v.reverse = true; });
  for (std::int64_t k = -kMaxShift; k <= kMaxShift; ++k) {
    if (k == 0) continue;
    add("position_shift", fmt::format("matches positions shifted by {:+d} (m{:+d})", k, k),
        [k](RopeVariant& v) { v.position_shift = k; });
  }
  for (const Dtype dtype : {Dtype::bf16, Dtype::f16}) {
    const std::string name(to_string(dtype));
    add("positions_in_" + name, fmt::format("matches positions rounded to {}", name),
        [dtype](RopeVariant& v) { v.positions_in = dtype; });
    add("frequencies_in_" + name, fmt::format("matches frequencies θ_i rounded to {}", name),
        [dtype](RopeVariant& v) { v.thetas_in = dtype; });
    add("positions_and_frequencies_in_" + name, fmt::format("matches positions and frequencies θ_i rounded to {}", name),
        [dtype](RopeVariant& v) { v.positions_in = v.thetas_in = dtype; });
    add("angles_in_" + name, fmt::format("matches angles m·θ_i rounded to {}", name),
        [dtype](RopeVariant& v) { v.angles_in = dtype; });
    add("table_in_" + name, fmt::format("matches the cos/sin table rounded to {}", name),
        [dtype](RopeVariant& v) { v.table_in = dtype; });
  }
  for (const double b : kCommonBases) {
    if (b == g.spec.base) continue;
    add("other_base", fmt::format("matches base {:g} (golden is {:g})", b, g.spec.base), [b](RopeVariant& v) { v.base = b; });
  }
  for (const std::size_t other_r : {r / 2, 2 * r, d}) {
    if (other_r == r || other_r < 2 || other_r % 2 != 0 || other_r > d) continue;
    add("rotary_dim", fmt::format("matches rotary_dim {} (golden is {})", other_r, r),
        [other_r](RopeVariant& v) { v.rotary_dim = v.theta_dim = other_r; });
  }
  if (r < d) {
    add("theta_from_head_dim",
        fmt::format("matches frequencies θ_i = base^(−2i/{}) from head_dim instead of rotary_dim {}", d, r),
        [d](RopeVariant& v) { v.theta_dim = d; });
  }
  const double scale = fitted_scale(g, candidate);
  if (std::isfinite(scale) && std::fabs(scale - 1) >= kSmallestScaleBug) {
    add("output_scale", fmt::format("matches outputs multiplied by {:.6g} (an attention factor?)", scale),
        [scale](RopeVariant& v) { v.output_scale = scale; });
  }
  add("in_place_update", "matches b' computed from the already-updated a' (a pair updated in place: not a rotation)",
      [](RopeVariant& v) { v.in_place_update = true; });
  if (g.output_dtype != Dtype::f32) {
    add("truncated_output",
        fmt::format("matches the output truncated to {} instead of rounded to nearest even", to_string(g.output_dtype)),
        [](RopeVariant& v) { v.truncate_output = true; });
  }
  return list;
}

// The variant's result as the reference numeric::measure takes: the golden's reference
// (`golden_reference`, computed once per diagnosis) with the pairing and rotary dims of the
// variant and its outputs and angles for the bound.
reference::ExactRope variant_reference(const golden::Golden& g, const reference::ExactRope& golden_reference,
                                       const RopeVariant& v) {
  reference::ExactRope e = golden_reference;
  VariantOutput out = evaluate_variant(g, v);
  e.spec.layout = v.layout;
  e.spec.rotary_dim = v.rotary_dim;
  e.expected = std::move(out.y);
  e.cos = std::move(out.cos);
  e.sin = std::move(out.sin);
  return e;  // max θ stays θ_0 = 1, as in every variant
}

std::string norm_finding(const golden::Golden& g, std::span<const double> candidate, double attention) {
  double worst = 0;
  std::size_t worst_token = 0, worst_head = 0, worst_pair = 0;
  const std::size_t d = g.spec.head_dim;
  const DtypeFormat f = format_of(g.output_dtype);
  const double normal_floor = std::ldexp(1.0, f.min_exponent + f.precision);
  for (std::size_t t = 0; t < g.tokens; ++t) {
    for (std::size_t h = 0; h < g.heads; ++h) {
      const std::size_t row = (t * g.heads + h) * d;
      for (std::size_t i = 0; i < g.spec.pairs(); ++i) {
        const auto [ia, ib] = reference::pair_indices(g.spec.layout, g.spec.rotary_dim, i);
        const double before = attention * std::hypot(g.x[row + ia], g.x[row + ib]);
        const double after = std::hypot(candidate[row + ia], candidate[row + ib]);
        // Near the underflow range the output quantum is no longer small relative to the
        // pair, so its norm is not kept by correct rounding either.
        if (!(before >= normal_floor) || !std::isfinite(before) || !std::isfinite(after)) continue;
        const double change = std::fabs(after - before) / before;
        if (change > worst) {
          worst = change;
          worst_token = t;
          worst_head = h;
          worst_pair = i;
        }
      }
    }
  }
  if (worst <= kNotARotationChange) return "";
  return fmt::format("not a rotation: pair norms change by up to {:.3g}% (token {} head {} pair {}, position {})",
                     100 * worst, worst_token, worst_head, worst_pair, g.positions[worst_token]);
}

}  // namespace

DiagnosisReport diagnose(const golden::Golden& g, std::span<const double> candidate,
                         std::optional<numeric::Profile> passes) {
  DiagnosisReport report;
  const reference::ExactRope golden_reference = exact_from_golden(g);  // θ at 257 bits: once
  for (const Hypothesis& h : hypotheses(g, candidate)) {
    const reference::ExactRope reference = variant_reference(g, golden_reference, h.variant);
    for (const numeric::Profile p : numeric::kProfiles) {
      if (passes && p >= *passes) break;  // no better an explanation than the golden's own
      const numeric::ErrorStats stats =
          numeric::measure(reference, candidate, numeric::error_model(p, g.output_dtype, numeric::Arithmetic::fused));
      if (stats.within_bound()) {
        report.explanations.push_back({h.name, h.description, p, stats.peak_ratio()});
        break;
      }
    }
  }
  std::stable_sort(report.explanations.begin(), report.explanations.end(), [](const Diagnosis& a, const Diagnosis& b) {
    if (a.profile != b.profile) return a.profile < b.profile;
    return a.peak_ratio < b.peak_ratio;
  });
  // Norms are compared over the golden's pairs: a rotation with other pairs (another
  // layout or rotary_dim) changes them too, and that hypothesis already says what it is.
  const bool rotation_explains = std::any_of(report.explanations.begin(), report.explanations.end(), [](const Diagnosis& d) {
    return d.name != "in_place_update" && d.name != "output_scale";
  });
  if (!rotation_explains) report.norm_finding = norm_finding(g, candidate, golden_reference.attention_factor);
  return report;
}

}  // namespace ropecheck::gate
