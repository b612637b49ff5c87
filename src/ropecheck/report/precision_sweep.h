// A precision sweep: error against position and pair index, per case and implementation
// (`ropecheck report`), measured through the gate's one measuring code path
// (numeric::measure, docs/architecture.md#one-measuring-path).
//
// Contract:
//  - Each case of the catalogue (golden::GoldenCase: spec, dtypes, heads, inputs, seed) is
//    generated as a golden file whose positions are the sweep's (sweep_positions.h), and
//    every implementation that sweeps runs on it; an implementation that does not
//    (candidate directories) is measured on the golden file of the same case id in the
//    golden directory, at its positions.
//  - Errors are in output-dtype ulps and in units of the `exact` profile's bound (0.5
//    output ulp + the f32 compute term K·2^-24·σ + 2^-50 for the table: no allowance for
//    angle error) — per position (peak and RMS over heads and dims), per pair index at the
//    largest position (peak), and overall (peak, RMS, the worst element named).
//  - profiles_passed: every profile whose bound the whole result meets, tightest first.
//  - Safe context and its prediction for the framework tables: safe_context.h.
//  - Multi-axis cases (position_axes.h): the swept golden moves each axis alone (one token
//    per sweep position and axis, the other components 0); by_position is keyed by each
//    token's largest component (tokens with the same one merged), and safe_by_axis gives
//    the safe context of each axis against its own component. all:MAX sweeps them too: a
//    chunk holds its positions' A tokens each.
//  - Chunks: the sweep's positions go to the implementations chunk_positions
//    (kSweepChunkPositions) at a time, ascending — a grid, at most that many, is one call
//    as it always was. Each chunk is a golden of its tokens whose inputs continue the
//    case's input stream (case_inputs.h), measured through numeric::measure; the chunks'
//    errors are merged in position order — peaks keep the first element reaching them, the
//    RMS sums run on over the elements in token order, token indices count from the
//    sweep's first token — so every number, and report.json to the byte, is what one call
//    of all the tokens gives. An implementation that skips a chunk is skipped for the case
//    (that chunk's reason). Memory is one chunk's, whatever the sweep's length.
//  - by_position lists every position when the sweep has at most max_listed_positions
//    (kMaxListedPositions) of them; beyond (all:MAX), it is `binned`: one entry per
//    log-spaced bin of position_bins(last) (sweep_positions.h: about 265 bins up to 2^20)
//    that holds measured positions, giving their range [position, last_position], the
//    peaks over the bin, the RMS over its elements, and worst_position, the first position
//    of the bin at its peak bound ratio. The safe context and the prediction are computed
//    from every position either way — with all:MAX they are exact, not limited to a grid.
//  - A result that could not be measured carries `skipped` (the reason) and no numbers.
//  - Deterministic: the same catalogue, positions and implementations give the same
//    report on any machine with the same kernels (the inputs are case_inputs.h's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/numeric/error_stats.h"
#include "ropecheck/report/implementation.h"
#include "ropecheck/report/safe_context.h"
#include "ropecheck/report/sweep_positions.h"

namespace ropecheck::report {

// Positions per implementation call of a sweep, and the most positions by_position lists
// one by one (more are binned).
inline constexpr std::size_t kSweepChunkPositions = kMaxSweepPositions;
inline constexpr std::size_t kMaxListedPositions = kMaxSweepPositions;

struct PositionErrors {
  std::vector<std::int64_t> position;  // ascending; binned: each bin's first measured position
  std::vector<double> peak_ulps, rms_ulps, peak_ratio;
  std::vector<double> peak_safe_ratio;  // in units of the safe bound (safe_context.h)
  // Binned (see above): entry j covers position[j] … last_position[j], and its peak bound
  // ratio is first reached at worst_position[j]. Both empty when not binned.
  bool binned = false;
  std::vector<std::int64_t> last_position, worst_position;
};

struct PairErrors {
  std::int64_t position = 0;  // the largest measured position
  std::vector<double> peak_ulps, peak_ratio;  // [pair]
};

// A multi-axis case's safe context along one axis: over the elements of the pairs that
// read it (position_axes.h), against that component.
struct AxisSafeContext {
  std::string axis;  // "t", "h", "w", "row", "column"
  SafeContext safe;
};

struct SweepResult {
  std::string case_id;
  std::string implementation;
  Dtype output_dtype = Dtype::f32;
  std::string skipped;  // non-empty: not measured, and why
  double peak_ulps = 0, rms_ulps = 0, peak_ratio = 0, rms_ratio = 0;  // ratio: exact bound units
  numeric::ElementError worst;  // by bound ratio
  std::vector<numeric::Profile> profiles_passed;
  PositionErrors by_position;
  PairErrors by_pair;
  SafeContext safe;
  std::vector<AxisSafeContext> safe_by_axis;  // multi-axis cases only, one per axis
  // Framework tables only (safe_context.h): the first swept positions where the table's
  // angle error exceeds u_out (unsafe possible from here) and 2·u_out (unsafe by here).
  std::optional<std::int64_t> predicted_unsafe_from, predicted_unsafe_by;
};

struct SweepOptions {
  std::vector<golden::GoldenCase> cases;
  std::vector<std::int64_t> positions;   // a grid, ascending; empty with all_to
  std::optional<std::int64_t> all_to;    // all:MAX: every position 0 … all_to instead
  std::vector<Implementation> implementations;
  std::filesystem::path golden_dir;  // for implementations that do not sweep
  std::size_t chunk_positions = kSweepChunkPositions;     // positions per call (≥ 1)
  std::size_t max_listed_positions = kMaxListedPositions;  // more: by_position binned
};

// Called after each chunk of each case with (done, total) — total: cases × chunks.
using SweepProgress = std::function<void(std::size_t, std::size_t)>;

std::vector<SweepResult> run_sweep(const SweepOptions& options, const SweepProgress& progress = nullptr);

}  // namespace ropecheck::report
