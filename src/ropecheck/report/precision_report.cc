#include "ropecheck/report/precision_report.h"

#include <algorithm>

#include <fmt/format.h>

#include "ropecheck/report/sweep_positions.h"

namespace ropecheck::report {

std::size_t position_count(const PrecisionReport& report) {
  return report.all_to ? static_cast<std::size_t>(*report.all_to) + 1 : report.positions.size();
}

bool same_positions(const PrecisionReport& a, const PrecisionReport& b) {
  return a.all_to == b.all_to && a.positions == b.positions;
}

PrecisionReport make_report(const SweepOptions& options, const std::vector<golden::GoldenCase>& catalogue,
                            const std::string& shard, const SweepProgress& progress) {
  PrecisionReport report;
  report.generator = fmt::format("ropecheck {}", ROPECHECK_VERSION);
  report.shards = {shard};
  report.positions = options.positions;
  report.all_to = options.all_to;
  for (const golden::GoldenCase& c : options.cases) {
    const auto at = std::find_if(catalogue.begin(), catalogue.end(), [&](const golden::GoldenCase& k) { return k.id == c.id; });
    report.cases.push_back({static_cast<std::size_t>(at - catalogue.begin()), c});
  }
  for (const Implementation& impl : options.implementations) report.implementations.push_back(impl.name);
  report.results = run_sweep(options, progress);
  report.decay = decay_curve(kDecayRotaryDim, kDecayBase, kDecaySeed, sweep_positions("log:128:65536"));
  return report;
}

}  // namespace ropecheck::report
