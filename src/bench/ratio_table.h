// The ratio table printed after the benchmarks: every kernel row against the same-run
// memcpy and in-place scale baselines of its shape and dtype, every table mode against the
// scalar sinf/cosf table, each with its target from ratio_targets.h. Rows whose benchmark
// did not run (--benchmark_filter) are left out; a ratio whose baseline did not run shows
// as "—".
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>

namespace ropecheck::bench {

// Real time per iteration in seconds, by benchmark name (bench_cases.h).
using RunTimes = std::map<std::string, double, std::less<>>;

struct RatioTableContext {
  std::string highway_target;     // the target Highway dispatches the kernels to
  std::string supported_targets;  // every target this build and CPU support, best first
  bool avx512_bf16 = false;       // the CPU has AVX512-BF16
  bool bf16_instructions = false; // ... and the dispatched target emits its instructions
  std::string timing;          // how the times were aggregated, for the header
};

struct TargetTally {
  int met = 0;
  int missed = 0;
  int not_checked = 0;  // target does not apply to this CPU, or its baseline did not run
};

TargetTally print_ratio_table(std::ostream& out, const RunTimes& times,
                              const RatioTableContext& context);

}  // namespace ropecheck::bench
