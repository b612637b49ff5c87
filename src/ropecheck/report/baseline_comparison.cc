#include "ropecheck/report/baseline_comparison.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck::report {
namespace {

std::string position_text(const std::optional<std::int64_t>& p) { return p ? fmt::format("{}", *p) : "none"; }

std::string profile_text(const std::vector<numeric::Profile>& passed) {
  return passed.empty() ? "none" : std::string(numeric::to_string(passed.front()));
}

// Larger is worse; NaN counts as worse than anything.
bool error_regressed(double old_value, double new_value, double threshold) {
  if (std::isnan(new_value)) return !std::isnan(old_value);
  if (std::isnan(old_value)) return false;
  if (std::isinf(new_value)) return !std::isinf(old_value);
  return new_value > old_value * (1 + threshold) && new_value - old_value > kNoiseFloor;
}

void compare_result(const SweepResult& old_r, const SweepResult& new_r, double threshold, BaselineComparison& out) {
  const auto add = [&](std::string metric, std::string before, std::string now) {
    out.regressions.push_back({new_r.case_id, new_r.implementation, std::move(metric), std::move(before), std::move(now)});
  };
  if (!old_r.skipped.empty()) return;  // nothing measured before: nothing to regress from
  if (!new_r.skipped.empty()) {
    add("status", "measured", "skipped: " + new_r.skipped);
    return;
  }
  const std::pair<const char*, std::pair<double, double>> errors[] = {
      {"peak_error_ulps", {old_r.peak_ulps, new_r.peak_ulps}},
      {"rms_error_ulps", {old_r.rms_ulps, new_r.rms_ulps}},
      {"peak_error_bound_ratio", {old_r.peak_ratio, new_r.peak_ratio}},
      {"rms_error_bound_ratio", {old_r.rms_ratio, new_r.rms_ratio}},
  };
  for (const auto& [metric, values] : errors) {
    if (error_regressed(values.first, values.second, threshold)) {
      add(metric, fmt::format("{:.6g}", values.first), fmt::format("{:.6g}", values.second));
    }
  }
  const auto& old_safe = old_r.safe.longest_safe;
  const auto& new_safe = new_r.safe.longest_safe;
  if (old_safe && (!new_safe || *new_safe < *old_safe)) {
    add("longest_safe_position", position_text(old_safe), position_text(new_safe));
  }
  const auto& old_unsafe = old_r.safe.first_unsafe;
  const auto& new_unsafe = new_r.safe.first_unsafe;
  if (new_unsafe && (!old_unsafe || *new_unsafe < *old_unsafe)) {
    add("first_unsafe_position", position_text(old_unsafe), position_text(new_unsafe));
  }
  const bool old_any = !old_r.profiles_passed.empty(), new_any = !new_r.profiles_passed.empty();
  if (old_any && (!new_any || new_r.profiles_passed.front() > old_r.profiles_passed.front())) {
    add("tightest_profile", profile_text(old_r.profiles_passed), profile_text(new_r.profiles_passed));
  }
}

}  // namespace

BaselineComparison compare_with_baseline(const PrecisionReport& current, const PrecisionReport& baseline,
                                         double threshold, const std::string& baseline_source) {
  if (!same_positions(current, baseline)) {
    throw InvalidInput(fmt::format("{}: the baseline swept {} positions, this report {}: not comparable (use the same --positions)",
                                   baseline_source, position_count(baseline), position_count(current)));
  }
  // A baseline that measured nothing compares clean with anything: refuse it.
  const bool measured_something = std::any_of(baseline.results.begin(), baseline.results.end(),
                                              [](const SweepResult& r) { return r.skipped.empty(); });
  if (!measured_something) {
    throw InvalidInput(fmt::format("{}: the baseline holds no measured result: nothing to compare with", baseline_source));
  }
  if (!std::isfinite(threshold) || threshold < 0) {
    throw InvalidInput(fmt::format("--threshold {} must be a finite number ≥ 0", threshold));
  }
  BaselineComparison out;
  out.threshold = threshold;
  out.baseline_source = baseline_source;
  for (const ReportCase& c : baseline.cases) {
    const bool present = std::any_of(current.cases.begin(), current.cases.end(),
                                     [&](const ReportCase& n) { return n.definition.id == c.definition.id; });
    if (!present) out.regressions.push_back({c.definition.id, "", "case", "present", "missing"});
  }
  for (const std::string& impl : baseline.implementations) {
    if (std::find(current.implementations.begin(), current.implementations.end(), impl) == current.implementations.end()) {
      out.regressions.push_back({"", impl, "implementation", "present", "missing"});
    }
  }
  for (const SweepResult& old_r : baseline.results) {
    const auto match = std::find_if(current.results.begin(), current.results.end(), [&](const SweepResult& r) {
      return r.case_id == old_r.case_id && r.implementation == old_r.implementation;
    });
    if (match == current.results.end()) {
      const bool case_missing = std::none_of(current.cases.begin(), current.cases.end(),
                                             [&](const ReportCase& c) { return c.definition.id == old_r.case_id; });
      const bool impl_missing = std::find(current.implementations.begin(), current.implementations.end(),
                                          old_r.implementation) == current.implementations.end();
      if (!case_missing && !impl_missing) {  // those are already listed once, above
        out.regressions.push_back({old_r.case_id, old_r.implementation, "result", "present", "missing"});
      }
      continue;
    }
    ++out.compared;
    compare_result(old_r, *match, threshold, out);
  }
  for (const SweepResult& r : current.results) {
    const bool known = std::any_of(baseline.results.begin(), baseline.results.end(), [&](const SweepResult& o) {
      return o.case_id == r.case_id && o.implementation == r.implementation;
    });
    if (!known) out.added.push_back(r.case_id + " / " + r.implementation);
  }
  return out;
}

std::string regression_table(const BaselineComparison& c) {
  if (!c.regressed()) {
    return fmt::format("No regression against {} ({} results compared, threshold {:g}).\n", c.baseline_source, c.compared,
                       c.threshold);
  }
  std::string out = fmt::format("{} regressions against {} (threshold {:g}):\n\n", c.regressions.size(), c.baseline_source,
                                c.threshold);
  out += "| case | implementation | metric | baseline | now |\n|---|---|---|---|---|\n";
  for (const Regression& r : c.regressions) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", r.case_id.empty() ? "—" : r.case_id,
                       r.implementation.empty() ? "—" : r.implementation, r.metric, r.baseline, r.current);
  }
  return out;
}

}  // namespace ropecheck::report
