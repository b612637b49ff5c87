// Positions and input tensors of a golden case (case_catalogue.h), deterministic to the
// bit on every machine: the only randomness is std::mt19937_64 (its output sequence is
// fixed by the C++ standard) mapped to values with integer arithmetic and exact or
// correctly rounded (MPFR) operations; no libm call, no std:: distribution (their
// algorithms are implementation-defined).
//
// Positions: the recipe's explicit list, or the special ones (0, 1, 2, 2^k − 1, 2^k,
// 2^k + 1 up to max) followed by `random` draws from [0, max], unsorted.
//
// Inputs, [tokens][heads][head_dim], every value exactly representable in the input dtype:
//  - normal: Irwin–Hall sums of 12 uniforms minus 6 (mean 0, variance 1, |x| ≤ 6: a
//    normal shape without a libm call), rounded once to the input dtype;
//  - ones: every element 1 (Su's decay plots use all-ones q and k: docs/mathematics.md#the-decay-curve);
//  - unit: head vector (t, h) is the basis vector e_j, j = (t·heads + h) mod head_dim;
//  - cancellation: each pair (a, b) = r·(sin φ, cos φ) rounded, so a' = r·(sin φ cos φ −
//    cos φ sin φ) cancels to the rounding residue — small results next to a large σ;
//    pass-through dims normal;
//  - edge: pairs drawn over a table of IEEE special values (±0, the smallest and largest
//    subnormal, ±Inf, NaN, the largest finite value, 1, −1.5) so that every ordered
//    combination appears when there are enough pairs; pass-through dims cycle the table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/position_axes.h"

namespace ropecheck::golden {

// The case's positions, [T][A] in C order (A = position_axes(c.spec)): the explicit values,
// else the recipe (one axis) or the multi-axis grid of position_grids.h for context max + 1.
std::vector<std::int64_t> case_positions(const GoldenCase& c);

std::vector<double> case_inputs(const GoldenCase& c, PositionsView positions);

// case_inputs one stretch of tokens at a time: each next() gives the rows of the tokens
// that follow those of the calls before it, so consecutive calls concatenated are
// case_inputs(c, every token at once), bit for bit (a sweep generates its tokens in chunks).
// The case must outlive the stream.
class CaseInputStream {
 public:
  explicit CaseInputStream(const GoldenCase& c);
  std::vector<double> next(PositionsView positions);

 private:
  const GoldenCase& case_;
  std::mt19937_64 rng_;
  std::size_t rows_ = 0;              // (token, head) rows given so far
  std::size_t edge_pair_ = 0, edge_pass_ = 0;  // the edge inputs' table indices
};

// The table the edge inputs draw from, in the input dtype.
std::vector<double> edge_values(Dtype dtype);

}  // namespace ropecheck::golden
