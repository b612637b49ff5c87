#include "ropecheck/golden/scheduler_shard.h"

#include <charconv>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck::golden {
namespace {

// Shards beyond this are a typo, not a cluster.
constexpr std::size_t kMaxShards = 1'000'000;

std::size_t parse_number(std::string_view text, std::string_view what) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || value > kMaxShards) {
    throw InvalidInput(fmt::format("--shard auto: {} is '{}', not an integer in [0, {}]", what, text, kMaxShards));
  }
  return value;
}

std::optional<std::string_view> get(const EnvironmentFn& env, const char* name) {
  const char* value = env(name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

// A 0-based index of count, as a 1-based Shard, checked.
SchedulerShard make(std::size_t zero_based, std::size_t count, std::string source) {
  if (count < 1 || zero_based >= count) {
    throw InvalidInput(fmt::format("--shard auto: {} is not a shard of {} (0 ≤ index < count)", source, count));
  }
  return {Shard{zero_based + 1, count}, std::move(source)};
}

std::optional<SchedulerShard> from_slurm(const EnvironmentFn& env) {
  const auto id = get(env, "SLURM_ARRAY_TASK_ID");
  if (!id) return std::nullopt;
  const auto min = get(env, "SLURM_ARRAY_TASK_MIN");
  const auto max = get(env, "SLURM_ARRAY_TASK_MAX");
  const auto count = get(env, "SLURM_ARRAY_TASK_COUNT");
  if (!min || !max || !count) {
    throw InvalidInput("--shard auto: SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_MIN, _MAX and _COUNT");
  }
  const std::size_t task = parse_number(*id, "SLURM_ARRAY_TASK_ID");
  const std::size_t low = parse_number(*min, "SLURM_ARRAY_TASK_MIN");
  const std::size_t high = parse_number(*max, "SLURM_ARRAY_TASK_MAX");
  const std::size_t n = parse_number(*count, "SLURM_ARRAY_TASK_COUNT");
  if (high < low || high - low + 1 != n || task < low || task > high) {
    throw InvalidInput(fmt::format("--shard auto: the Slurm array {}-{} with {} tasks is not contiguous (submit it as "
                                   "--array=A-B, step 1)",
                                   low, high, n));
  }
  return make(task - low, n, fmt::format("SLURM_ARRAY_TASK_ID={} of {}-{}", task, low, high));
}

std::optional<SchedulerShard> from_kubernetes(const EnvironmentFn& env, std::optional<std::size_t> given_count) {
  const auto index = get(env, "JOB_COMPLETION_INDEX");
  if (!index) return std::nullopt;
  if (!given_count) {
    throw InvalidInput("--shard auto: JOB_COMPLETION_INDEX is set but Kubernetes gives no count: use --shard auto:N "
                       "with N the Job's completions");
  }
  return make(parse_number(*index, "JOB_COMPLETION_INDEX"), *given_count,
              fmt::format("JOB_COMPLETION_INDEX={} of {}", *index, *given_count));
}

std::optional<SchedulerShard> from_ropecheck(const EnvironmentFn& env) {
  const auto index = get(env, "ROPECHECK_SHARD_INDEX");
  const auto total = get(env, "ROPECHECK_TOTAL_SHARDS");
  if (!index && !total) return std::nullopt;
  if (!index || !total) throw InvalidInput("--shard auto: set both ROPECHECK_SHARD_INDEX and ROPECHECK_TOTAL_SHARDS");
  return make(parse_number(*index, "ROPECHECK_SHARD_INDEX"), parse_number(*total, "ROPECHECK_TOTAL_SHARDS"),
              fmt::format("ROPECHECK_SHARD_INDEX={} of {}", *index, *total));
}

}  // namespace

bool is_scheduler_shard(std::string_view text) { return text == "auto" || text.rfind("auto:", 0) == 0; }

SchedulerShard shard_from_scheduler(std::string_view text, const EnvironmentFn& env) {
  std::optional<std::size_t> given_count;
  if (text != "auto") {
    if (!is_scheduler_shard(text)) throw InvalidInput(fmt::format("--shard '{}' must be I/N, auto or auto:N", text));
    given_count = parse_number(text.substr(5), "the N of auto:N");
    if (*given_count < 1) throw InvalidInput("--shard auto:N needs N ≥ 1");
  }
  std::vector<SchedulerShard> found;
  for (auto source : {from_slurm(env), from_kubernetes(env, given_count), from_ropecheck(env)}) {
    if (source) found.push_back(std::move(*source));
  }
  if (found.empty()) {
    throw InvalidInput("--shard auto: no scheduler gave a shard (looked for SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, "
                       "ROPECHECK_SHARD_INDEX and ROPECHECK_TOTAL_SHARDS)");
  }
  for (const SchedulerShard& other : found) {
    if (other.shard.index != found.front().shard.index || other.shard.count != found.front().shard.count) {
      throw InvalidInput(fmt::format("--shard auto: {} and {} disagree", found.front().source, other.source));
    }
  }
  if (given_count && *given_count != found.front().shard.count) {
    throw InvalidInput(fmt::format("--shard auto:{}: {} says {} shards", *given_count, found.front().source,
                                   found.front().shard.count));
  }
  return found.front();
}

}  // namespace ropecheck::golden
