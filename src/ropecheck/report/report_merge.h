// `ropecheck report merge`: shards of one sweep (`report --shard I/N`) back into one report.
//
// Contract: the inputs must have swept the same positions and hold the same decay data
// (they do when run from one version with the same options); their cases must be
// disjoint (a case in two inputs is InvalidInput, as is a shard given twice); together
// they must be the whole sweep: every shard 1/N … N/N once, each shard's cases its own
// (catalogue index ≡ I − 1 mod N) and, given the catalogue, exactly its cases of that
// shard with the same definitions, and the same implementations in each — else
// InvalidInput. The merged
// report lists the cases in catalogue order, the implementations in order of first
// appearance, the results case-major in that order, and every input's shards.
#pragma once

#include <string>
#include <vector>

#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/report/precision_report.h"

namespace ropecheck::report {

// `catalogue` (when given): each shard's cases must be that catalogue's cases of the shard.
PrecisionReport merge_reports(const std::vector<PrecisionReport>& parts, const std::vector<std::string>& sources,
                              const std::vector<golden::GoldenCase>* catalogue = nullptr);

// Orders results case-major (catalogue index) and by implementation order.
void sort_results(PrecisionReport& report);

}  // namespace ropecheck::report
