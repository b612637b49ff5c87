// `ropecheck report merge`: shards of one sweep (`report --shard I/N`) back into one report.
//
// Contract: the inputs must have swept the same positions and hold the same decay data
// (they do when run from one version with the same options); their cases must be
// disjoint (a case in two inputs is InvalidInput, as is a shard given twice). The merged
// report lists the cases in catalogue order, the implementations in order of first
// appearance, the results case-major in that order, and every input's shards.
#pragma once

#include <string>
#include <vector>

#include "ropecheck/report/precision_report.h"

namespace ropecheck::report {

PrecisionReport merge_reports(const std::vector<PrecisionReport>& parts, const std::vector<std::string>& sources);

// Orders results case-major (catalogue index) and by implementation order.
void sort_results(PrecisionReport& report);

}  // namespace ropecheck::report
