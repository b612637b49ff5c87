#include "ropecheck/report/precision_sweep.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <numeric>

#include "ropecheck/gate/conformance.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/forms.h"

namespace ropecheck::report {
namespace {

// Per-token and per-pair accumulation of the exact-profile errors of one measurement.
class Aggregator {
 public:
  Aggregator(const golden::Golden& g, const reference::ExactRope& exact, const numeric::ErrorModel& model)
      : g_(g), exact_(exact), model_(model), peak_ulps_(g.tokens, 0), sum_sq_(g.tokens, 0), count_(g.tokens, 0),
        peak_ratio_(g.tokens, 0), peak_safe_ratio_(g.tokens, 0), pair_ulps_(g.spec.pairs(), 0),
        pair_ratio_(g.spec.pairs(), 0), axis_peaks_(g.axes > 1 ? g.axes : 0) {
    // A token's position: its largest component (the position itself for one axis).
    const PositionsView positions(g.positions, g.axes);
    for (std::size_t t = 0; t < g.tokens; ++t) {
      const std::span<const std::int64_t> token = positions.token(t);
      key_.push_back(*std::max_element(token.begin(), token.end()));
    }
    long_token_ = static_cast<std::size_t>(std::max_element(key_.begin(), key_.end()) - key_.begin());
  }

  void add(const numeric::ElementError& e) {
    const std::size_t t = e.where.token;
    const double safe = safe_ratio(e);
    peak_ulps_[t] = std::max(peak_ulps_[t], e.ulps);  // NaN-free: measure gives +Inf for NaN
    peak_ratio_[t] = std::max(peak_ratio_[t], e.ratio);
    peak_safe_ratio_[t] = std::max(peak_safe_ratio_[t], safe);
    sum_sq_[t] += e.ulps * e.ulps;
    ++count_[t];
    if (!g_.spec.rotates(e.where.dim)) return;
    const std::size_t pair = reference::pair_of_dim(g_.spec.layout, g_.spec.rotary_dim, e.where.dim - g_.spec.rotary_offset);
    if (t == long_token_) {
      pair_ulps_[pair] = std::max(pair_ulps_[pair], e.ulps);
      pair_ratio_[pair] = std::max(pair_ratio_[pair], e.ratio);
    }
    if (!axis_peaks_.empty()) {  // e.where.position is the component this pair reads
      Peaks& at = axis_peaks_[axis_of_pair(g_.spec, pair)][e.where.position];
      at.safe = std::max(at.safe, safe);
      at.exact = std::max(at.exact, e.ratio);
    }
  }

  // Multi-axis: each axis' safe context against its own component.
  std::vector<AxisSafeContext> by_axis() const {
    std::vector<AxisSafeContext> out;
    for (std::size_t a = 0; a < axis_peaks_.size(); ++a) {
      std::vector<std::int64_t> positions;
      std::vector<double> safe, exact;
      for (const auto& [position, peaks] : axis_peaks_[a]) {
        positions.push_back(position);
        safe.push_back(peaks.safe);
        exact.push_back(peaks.exact);
      }
      out.push_back({std::string(axis_name(g_.spec, a)), safe_context(positions, safe, exact)});
    }
    return out;
  }

  // The error in units of the safe bound: the exact bound at |y| = 2·s·‖(a, b)‖
  // (safe_context.h). Pass-through dims and overflowing elements keep their exact ratio
  // (0 or +Inf).
  double safe_ratio(const numeric::ElementError& e) const {
    if (!g_.spec.rotates(e.where.dim) || e.ratio == 0 || !std::isfinite(e.ratio)) return e.ratio;
    const numeric::PairTerms terms = numeric::pair_terms(exact_, e.where.token, e.where.head, e.where.dim);
    const double pair_scale = 2 * std::fabs(terms.attention) * std::hypot(terms.a, terms.b);
    return std::fabs(e.candidate - e.exact) / numeric::element_bound(model_, pair_scale, terms);
  }

  PositionErrors by_position() const {
    std::vector<std::size_t> order(g_.tokens);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key_[a] < key_[b]; });
    PositionErrors out;
    double sum_sq = 0;
    std::size_t count = 0;
    for (const std::size_t t : order) {
      // Multi-axis tokens with the same largest component are one position (one axis keeps
      // every token, as before).
      const bool merge = g_.axes > 1 && !out.position.empty() && out.position.back() == key_[t];
      if (!merge) {
        out.position.push_back(key_[t]);
        out.peak_ulps.push_back(0);
        out.rms_ulps.push_back(0);
        out.peak_ratio.push_back(0);
        out.peak_safe_ratio.push_back(0);
        sum_sq = 0;
        count = 0;
      }
      out.peak_ulps.back() = std::max(out.peak_ulps.back(), peak_ulps_[t]);
      out.peak_ratio.back() = std::max(out.peak_ratio.back(), peak_ratio_[t]);
      out.peak_safe_ratio.back() = std::max(out.peak_safe_ratio.back(), peak_safe_ratio_[t]);
      sum_sq += sum_sq_[t];
      count += count_[t];
      out.rms_ulps.back() = count ? std::sqrt(sum_sq / static_cast<double>(count)) : 0.0;
    }
    return out;
  }

  PairErrors by_pair() const { return {key_.empty() ? 0 : key_[long_token_], pair_ulps_, pair_ratio_}; }

 private:
  const golden::Golden& g_;
  const reference::ExactRope& exact_;
  const numeric::ErrorModel& model_;
  std::vector<double> peak_ulps_, sum_sq_;
  std::vector<std::size_t> count_;
  std::vector<double> peak_ratio_, peak_safe_ratio_, pair_ulps_, pair_ratio_;
  struct Peaks {
    double safe = 0, exact = 0;
  };
  std::vector<std::map<std::int64_t, Peaks>> axis_peaks_;  // [axis] component → peaks
  std::vector<std::int64_t> key_;                          // [token] largest component
  std::size_t long_token_ = 0;
};

SweepResult measure_result(const golden::Golden& g, const reference::ExactRope& exact, const Implementation& impl) {
  SweepResult r;
  r.case_id = g.case_id;
  r.implementation = impl.name;
  r.output_dtype = g.output_dtype;
  const ImplementationOutput out = impl.run(g);
  if (!out.skipped.empty()) {
    r.skipped = out.skipped;
    return r;
  }
  // K is the same for fused and unfused arithmetic (error_model.h), so either names it.
  const numeric::ErrorModel exact_model = numeric::error_model(numeric::Profile::exact, g.output_dtype, numeric::Arithmetic::fused);
  Aggregator aggregate(g, exact, exact_model);
  for (const numeric::Profile p : numeric::kProfiles) {
    const numeric::ErrorModel model = numeric::error_model(p, g.output_dtype, numeric::Arithmetic::fused);
    const numeric::ErrorStats stats = p == numeric::Profile::exact
                                          ? numeric::measure(exact, out.values, model,
                                                             [&](const numeric::ElementError& e) { aggregate.add(e); })
                                          : numeric::measure(exact, out.values, model);
    if (stats.within_bound()) r.profiles_passed.push_back(p);
    if (p != numeric::Profile::exact) continue;
    r.peak_ulps = stats.peak_ulps();
    r.rms_ulps = stats.rms_ulps();
    r.peak_ratio = stats.peak_ratio();
    r.rms_ratio = stats.rms_ratio();
    r.worst = stats.worst_by_ratio();
  }
  r.by_position = aggregate.by_position();
  r.by_pair = aggregate.by_pair();
  r.safe = safe_context(r.by_position.position, r.by_position.peak_safe_ratio, r.by_position.peak_ratio);
  r.safe_by_axis = aggregate.by_axis();
  if (impl.table_mode && *impl.table_mode != kernels::TableMode::accurate) {
    const PredictedUnsafe predicted = predicted_unsafe(g.spec, g.output_dtype, *impl.table_mode, r.by_position.position);
    r.predicted_unsafe_from = predicted.from;
    r.predicted_unsafe_by = predicted.by;
  }
  return r;
}

golden::Golden swept_golden(golden::GoldenCase c, const std::vector<std::int64_t>& positions) {
  c.positions = golden::PositionRecipe{};
  const std::size_t axes = position_axes(c.spec);
  if (axes == 1) {
    c.positions.values = positions;
  } else {
    // Each axis moved alone: token (m, 0, 0), (0, m, 0), (0, 0, m) per sweep position m.
    for (const std::int64_t m : positions) {
      for (std::size_t moved = 0; moved < axes; ++moved) {
        for (std::size_t a = 0; a < axes; ++a) c.positions.values.push_back(a == moved ? m : 0);
      }
    }
  }
  return golden::parse_golden(golden::make_golden_file(c), c.id);
}

}  // namespace

std::vector<SweepResult> run_sweep(const SweepOptions& options, const SweepProgress& progress) {
  std::vector<SweepResult> results;
  std::size_t done = 0;
  const bool any_sweeps = std::any_of(options.implementations.begin(), options.implementations.end(),
                                      [](const Implementation& i) { return i.sweeps; });
  for (const golden::GoldenCase& c : options.cases) {
    std::optional<golden::Golden> swept, committed;
    std::optional<reference::ExactRope> swept_exact, committed_exact;
    if (any_sweeps) {
      swept = swept_golden(c, options.positions);
      swept_exact = gate::exact_from_golden(*swept);
    }
    for (const Implementation& impl : options.implementations) {
      if (impl.sweeps) {
        results.push_back(measure_result(*swept, *swept_exact, impl));
        continue;
      }
      if (!committed) {
        const std::filesystem::path file = options.golden_dir / golden::golden_file_name(c);
        if (!std::filesystem::exists(file)) {
          SweepResult r;
          r.case_id = c.id;
          r.implementation = impl.name;
          r.output_dtype = c.output_dtype;
          r.skipped = "no golden file " + file.string();
          results.push_back(r);
          continue;
        }
        committed = golden::read_golden(file);
        committed_exact = gate::exact_from_golden(*committed);
      }
      results.push_back(measure_result(*committed, *committed_exact, impl));
    }
    if (progress) progress(++done, options.cases.size());
  }
  return results;
}

}  // namespace ropecheck::report
