#include "ropecheck/report/measurement_failures.h"

#include <algorithm>

#include <fmt/format.h>

namespace ropecheck::report {

bool failed(const SweepResult& result) { return result.skipped.starts_with(kImplementationFailed); }

std::vector<std::string> measurement_failures(const PrecisionReport& report, const std::vector<std::string>& required) {
  std::vector<std::string> lines;
  for (const std::string& impl : report.implementations) {
    std::size_t total = 0, measured = 0, failures = 0;
    const SweepResult* first = nullptr;
    for (const SweepResult& r : report.results) {
      if (r.implementation != impl) continue;
      ++total;
      if (r.skipped.empty()) ++measured;
      if (failed(r)) {
        if (!first) first = &r;
        ++failures;
      }
    }
    if (failures) {
      lines.push_back(fmt::format("{} failed on {} of {} cases (first: {}: {})", impl, failures, total, first->case_id,
                                  first->skipped.substr(kImplementationFailed.size())));
    } else if (measured == 0 && std::find(required.begin(), required.end(), impl) != required.end()) {
      lines.push_back(fmt::format("{} measured nothing: every one of its {} results was skipped", impl, total));
    }
  }
  return lines;
}

}  // namespace ropecheck::report
