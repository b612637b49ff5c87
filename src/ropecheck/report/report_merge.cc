#include "ropecheck/report/report_merge.h"

#include <algorithm>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck::report {

void sort_results(PrecisionReport& report) {
  std::sort(report.cases.begin(), report.cases.end(), [](const ReportCase& a, const ReportCase& b) { return a.index < b.index; });
  const auto case_rank = [&](const std::string& id) {
    return std::find_if(report.cases.begin(), report.cases.end(), [&](const ReportCase& c) { return c.definition.id == id; }) -
           report.cases.begin();
  };
  const auto impl_rank = [&](const std::string& name) {
    return std::find(report.implementations.begin(), report.implementations.end(), name) - report.implementations.begin();
  };
  std::stable_sort(report.results.begin(), report.results.end(), [&](const SweepResult& a, const SweepResult& b) {
    const auto ca = case_rank(a.case_id), cb = case_rank(b.case_id);
    return ca != cb ? ca < cb : impl_rank(a.implementation) < impl_rank(b.implementation);
  });
}

PrecisionReport merge_reports(const std::vector<PrecisionReport>& parts, const std::vector<std::string>& sources) {
  if (parts.empty()) throw InvalidInput("report merge: no reports to merge");
  PrecisionReport merged;
  merged.generator = parts.front().generator;
  merged.positions = parts.front().positions;
  merged.decay = parts.front().decay;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const PrecisionReport& part = parts[k];
    const std::string& source = sources.at(k);
    if (part.positions != merged.positions) {
      throw InvalidInput(fmt::format("{}: swept other positions than {}: not shards of one sweep", source, sources.front()));
    }
    if (part.decay.distance != merged.decay.distance || part.decay.f != merged.decay.f ||
        part.decay.score != merged.decay.score || part.decay.rotary_dim != merged.decay.rotary_dim) {
      throw InvalidInput(fmt::format("{}: other decay data than {}: not shards of one sweep", source, sources.front()));
    }
    for (const std::string& shard : part.shards) {
      if (std::find(merged.shards.begin(), merged.shards.end(), shard) != merged.shards.end()) {
        throw InvalidInput(fmt::format("{}: shard {} is already merged", source, shard));
      }
      merged.shards.push_back(shard);
    }
    for (const ReportCase& c : part.cases) {
      const bool duplicate = std::any_of(merged.cases.begin(), merged.cases.end(),
                                         [&](const ReportCase& m) { return m.definition.id == c.definition.id; });
      if (duplicate) throw InvalidInput(fmt::format("{}: case '{}' is in two of the reports", source, c.definition.id));
      merged.cases.push_back(c);
    }
    for (const std::string& impl : part.implementations) {
      if (std::find(merged.implementations.begin(), merged.implementations.end(), impl) == merged.implementations.end()) {
        merged.implementations.push_back(impl);
      }
    }
    merged.results.insert(merged.results.end(), part.results.begin(), part.results.end());
  }
  sort_results(merged);
  return merged;
}

}  // namespace ropecheck::report
