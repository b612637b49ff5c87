// Writing and verifying a directory of golden files (`ropecheck golden`, docs/file-formats.md#sha256sums).
//
// Contract:
//  - select_cases picks the catalogue's cases by id (all when empty) and by shard: shard
//    I/N (1 ≤ I ≤ N) takes the cases whose catalogue index k has k mod N = I − 1, so N
//    machines given 1/N … N/N write disjoint parts that together are the whole set.
//  - generate_golden_set writes each selected case to DIR/<id>.safetensors, each file
//    atomically (never a half-written file), then rewrites DIR/SHA256SUMS to list every
//    catalogue case file present in DIR — so shards run into one directory, in any order,
//    leave a complete SHA256SUMS behind the last one.
//  - verify_golden_set regenerates each selected case in memory and compares it byte for
//    byte with DIR/<id>.safetensors and with its SHA256SUMS line; it also reports
//    SHA256SUMS lines for files that are not catalogue cases. A missing SHA256SUMS is
//    InvalidInput.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/golden/case_catalogue.h"

namespace ropecheck::golden {

struct Shard {
  std::size_t index = 1;  // I, 1-based
  std::size_t count = 1;  // N
};

// "I/N", or "auto" / "auto:N": the shard a job scheduler assigned (scheduler_shard.h).
Shard parse_shard(std::string_view text);  // throws InvalidInput

std::vector<GoldenCase> select_cases(const std::vector<GoldenCase>& catalogue, const std::string& id, Shard shard);

// Called after each case with (done, total).
using ProgressFn = std::function<void(std::size_t, std::size_t)>;

struct GenerationSummary {
  std::size_t files = 0;
  std::size_t bytes = 0;
};

GenerationSummary generate_golden_set(const std::vector<GoldenCase>& catalogue, const std::vector<GoldenCase>& selected,
                                      const std::filesystem::path& dir, const ProgressFn& progress = {});

struct VerifyProblem {
  std::string file;
  std::string problem;
};

struct VerifySummary {
  std::size_t checked = 0;
  std::vector<VerifyProblem> problems;
};

VerifySummary verify_golden_set(const std::vector<GoldenCase>& catalogue, const std::vector<GoldenCase>& selected,
                                const std::filesystem::path& dir, const ProgressFn& progress = {});

}  // namespace ropecheck::golden
