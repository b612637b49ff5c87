// The positions a precision report sweeps (`ropecheck report --positions SPEC`).
//
// Contract:
//  - "default": 0, 1, 2, the 256 positions round(2^(20k/256)), k = 0 … 256 (log-spaced to
//    2^20), and 2^k − 1, 2^k, 2^k + 1 for k = 2 … 20 (2^20 + 1 included) — sorted, each
//    once (265 positions).
//  - "log:N:MAX": 0 and round(MAX^(k/N)), k = 0 … N, with the powers-of-two neighbourhoods
//    (2^k ≤ MAX); 1 ≤ N ≤ kMaxSweepPositions, 2 ≤ MAX < 2^24.
//  - "A,B,C…": exactly those positions.
//  Positions lie in [0, 2^24), at most kMaxSweepPositions of them (the kernels' accurate-table domain). The log grid is
//  computed with correctly rounded MPFR arithmetic, so it is the same on every machine —
//  reports compared against a baseline must have swept the same positions.
//  Anything else is InvalidInput naming the rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ropecheck::report {

inline constexpr std::int64_t kSweepPositionLimit = std::int64_t{1} << 24;
// A case's sweep is one call of `positions` tokens (golden::kMaxTokens).
inline constexpr std::size_t kMaxSweepPositions = 4096;

std::vector<std::int64_t> sweep_positions(std::string_view spec);

}  // namespace ropecheck::report
