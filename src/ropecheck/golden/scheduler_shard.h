// `--shard auto`: the shard a job scheduler assigned this process, for sweeps spread over
// many machines (golden_set.h's I/N, 1-based).
//
// Contract: shard_from_scheduler(text, env) takes "auto" or "auto:N" and reads, through
// `env` (the process environment in use, a map in tests):
//  - Slurm array jobs: SLURM_ARRAY_TASK_ID, with SLURM_ARRAY_TASK_MIN, SLURM_ARRAY_TASK_MAX
//    and SLURM_ARRAY_TASK_COUNT describing a contiguous array (step 1, --array=A-B): the
//    shard is TASK_ID − MIN + 1 of COUNT;
//  - Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX (0-based), whose count the environment
//    does not give: it is "auto:N"'s N, and "auto" alone is an error;
//  - GoogleTest-style: ROPECHECK_SHARD_INDEX (0-based) and ROPECHECK_TOTAL_SHARDS.
// Exactly one source must be present (two that agree are accepted; two that disagree are an
// error naming both); none is an error listing what was looked for. Every error is
// InvalidInput with one line: a sweep that cannot tell its part must not run all of it.
// `source` says where the shard came from ("SLURM_ARRAY_TASK_ID=3 of 4").
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "ropecheck/golden/golden_set.h"

namespace ropecheck::golden {

// The value of an environment variable, or nullptr when it is not set.
using EnvironmentFn = std::function<const char*(const char* name)>;

struct SchedulerShard {
  Shard shard;
  std::string source;
};

bool is_scheduler_shard(std::string_view text);  // "auto" or "auto:…"
SchedulerShard shard_from_scheduler(std::string_view text, const EnvironmentFn& env);

}  // namespace ropecheck::golden
