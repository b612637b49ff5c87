// Measures a candidate RoPE output against the exact result: the one code path the
// kernel properties, the gate and the reports share (docs/architecture.md#one-measuring-path).
//
// Contract: candidate is [tokens][heads][head_dim] in the layout of exact.x, holding the
// candidate's output-dtype values widened exactly to double. Each rotary element gets its
// error in output ulps and in units of element_bound() for the given model; pass-through
// dims must equal x bit for bit (bound 0: any difference is an infinite ratio, NaN matches
// NaN). A rotary element whose exact value rounds to ±Inf in the output dtype
// (numeric::rounds_to_infinity) and that holds that Inf is correct: error 0. Throws
// InvalidInput on a size mismatch.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "ropecheck/numeric/error_model.h"
#include "ropecheck/numeric/error_stats.h"
#include "ropecheck/reference/exact_rope.h"

namespace ropecheck::numeric {

// `each`, when given, sees every element's error as it is added (the reports aggregate
// them per position and per pair).
ErrorStats measure(const reference::ExactRope& exact, std::span<const double> candidate,
                   const ErrorModel& model, const std::function<void(const ElementError&)>& each = nullptr);

// The same under several models at once (each element's terms formed once) over tokens
// [token_begin, token_end) of `exact` (the candidate still covers them all; token numbers
// stay exact's): one ErrorStats per model, each what measure(exact, candidate, models[k])
// counts of those tokens.
std::vector<ErrorStats> measure(const reference::ExactRope& exact, std::span<const double> candidate,
                                std::span<const ErrorModel> models, std::size_t token_begin = 0,
                                std::size_t token_end = static_cast<std::size_t>(-1));

// The bound's inputs for rotary dim `dim` of token `token`, head `head` of `exact`.
PairTerms pair_terms(const reference::ExactRope& exact, std::size_t token, std::size_t head, std::size_t dim);

}  // namespace ropecheck::numeric
