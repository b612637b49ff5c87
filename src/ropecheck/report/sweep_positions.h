// The positions a precision report sweeps (`ropecheck report --positions SPEC`).
//
// Contract:
//  - "default": 0, 1, 2, the 256 positions round(2^(20k/256)), k = 0 … 256 (log-spaced to
//    2^20), and 2^k − 1, 2^k, 2^k + 1 for k = 2 … 20 (2^20 + 1 included) — sorted, each
//    once (265 positions).
//  - "log:N:MAX": 0 and round(MAX^(k/N)), k = 0 … N, with the powers-of-two neighbourhoods
//    (2^k ≤ MAX); 1 ≤ N ≤ kMaxSweepPositions, 2 ≤ MAX < 2^24.
//  - "A,B,C…": exactly those positions.
//  - "all:MAX": every integer position 0 … MAX, 1 ≤ MAX < 2^24. Up to kMaxSweepPositions
//    positions it is the grid 0, 1, …, MAX (the same report as that list); beyond, it is
//    never held as a list (PositionSweep::all_to) and a sweep measures it in chunks.
//  A grid's positions lie in [0, 2^24), at most kMaxSweepPositions of them (the kernels' accurate-table domain). The log grid is
//  computed with correctly rounded MPFR arithmetic, so it is the same on every machine —
//  reports compared against a baseline must have swept the same positions.
//  Anything else is InvalidInput naming the rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ropecheck/position_axes.h"

namespace ropecheck::report {

inline constexpr std::int64_t kSweepPositionLimit = kOrdinaryPositionLimit;
// A case's sweep is one call of `positions` tokens (golden::kMaxTokens).
inline constexpr std::size_t kMaxSweepPositions = 4096;

// A grid's positions, ascending (all:MAX beyond kMaxSweepPositions positions is no grid:
// InvalidInput; parse_position_sweep takes it).
std::vector<std::int64_t> sweep_positions(std::string_view spec);

// What --positions names: a grid (`grid`, ascending) or, for all:MAX beyond
// kMaxSweepPositions positions, every position 0 … all_to (`grid` empty).
struct PositionSweep {
  std::vector<std::int64_t> grid;
  std::optional<std::int64_t> all_to;
  std::size_t size() const { return all_to ? static_cast<std::size_t>(*all_to) + 1 : grid.size(); }
};
PositionSweep parse_position_sweep(std::string_view spec);

// The first positions of the log-spaced bins that summarise a sweep of more than
// kMaxSweepPositions positions (precision_sweep.h): the log:256:last grid's positions
// ≤ last (0, 1, 2, round(last^(k/256)), and 2^k − 1, 2^k, 2^k + 1), ascending. Bin j holds
// the positions from bins[j] to bins[j + 1] − 1, the last one those from bins.back() to last.
std::vector<std::int64_t> position_bins(std::int64_t last);

}  // namespace ropecheck::report
