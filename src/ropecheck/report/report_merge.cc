#include "ropecheck/report/report_merge.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/golden/golden_set.h"

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

namespace {

// Parses "I/N" as written by `report --shard`.
std::pair<std::size_t, std::size_t> shard_of(const std::string& text, const std::string& source) {
  std::size_t index = 0, count = 0;
  char slash = 0;
  if (std::sscanf(text.c_str(), "%zu%c%zu", &index, &slash, &count) != 3 || slash != '/' || index < 1 || index > count) {
    throw InvalidInput(fmt::format("{}: shard '{}' is not I/N", source, text));
  }
  return {index, count};
}

// Shards merge into the whole sweep or not at all: one shard of two, shards of different
// catalogues or of different implementation sets would otherwise merge into a report that
// looks complete and measured less than it says.
void check_complete(const std::vector<PrecisionReport>& parts, const std::vector<std::string>& sources,
                    const std::vector<golden::GoldenCase>* catalogue) {
  std::size_t count = 0;
  std::vector<bool> seen;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const std::set<std::string> impls(parts[k].implementations.begin(), parts[k].implementations.end());
    const std::set<std::string> first(parts.front().implementations.begin(), parts.front().implementations.end());
    if (impls != first) {
      throw InvalidInput(fmt::format("{}: measured other implementations than {}: not shards of one sweep", sources[k],
                                     sources.front()));
    }
    for (const std::string& text : parts[k].shards) {
      const auto [index, n] = shard_of(text, sources[k]);
      if (count == 0) {
        count = n;
        seen.assign(n, false);
      }
      if (n != count) throw InvalidInput(fmt::format("{}: shard {} is not one of {} shards", sources[k], text, count));
      seen[index - 1] = true;
      for (const ReportCase& c : parts[k].cases) {
        if (parts[k].shards.size() == 1 && c.index % n != index - 1) {
          throw InvalidInput(fmt::format("{}: case '{}' (catalogue index {}) does not belong to shard {}", sources[k],
                                         c.definition.id, c.index, text));
        }
      }
    }
  }
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (!seen[i]) throw InvalidInput(fmt::format("report merge: shard {}/{} is missing", i + 1, count));
  }
  // Each shard's cases are exactly the catalogue's cases of that shard, as defined there:
  // shards of another catalogue, or of a --case run, are not this sweep's.
  if (!catalogue) return;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    for (const std::string& text : parts[k].shards) {
      const auto [index, n] = shard_of(text, sources[k]);
      // Compared without their positions, which a report does not keep (the sweep's own
      // positions replace them), so a case of the catalogue with its own positions matches.
      const auto definition = [](const golden::GoldenCase& c) {
        auto j = golden::case_to_json(c);
        j.erase("positions");
        return j.dump();
      };
      std::vector<std::string> expected, got;
      for (const golden::GoldenCase& c : golden::select_cases(*catalogue, "", golden::Shard{index, n})) {
        expected.push_back(definition(c));
      }
      for (const ReportCase& c : parts[k].cases) {
        if (c.index % n == index - 1) got.push_back(definition(c.definition));
      }
      if (got != expected) {
        throw InvalidInput(fmt::format("{}: shard {} holds {} cases, the catalogue's shard {} has {}{}: the shards swept "
                                       "different case lists",
                                       sources[k], text, got.size(), text, expected.size(),
                                       got.size() == expected.size() ? " with other definitions" : ""));
      }
    }
  }
}

}  // namespace

PrecisionReport merge_reports(const std::vector<PrecisionReport>& parts, const std::vector<std::string>& sources,
                              const std::vector<golden::GoldenCase>* catalogue) {
  if (parts.empty()) throw InvalidInput("report merge: no reports to merge");
  PrecisionReport merged;
  merged.generator = parts.front().generator;
  merged.positions = parts.front().positions;
  merged.all_to = parts.front().all_to;
  merged.decay = parts.front().decay;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const PrecisionReport& part = parts[k];
    const std::string& source = sources.at(k);
    if (!same_positions(part, merged)) {
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
  check_complete(parts, sources, catalogue);
  sort_results(merged);
  return merged;
}

}  // namespace ropecheck::report
