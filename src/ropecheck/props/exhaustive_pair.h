// Every finite input pair of a 16-bit dtype through the built-in kernels, for one rotated
// pair of a spec at one position (`ropecheck exhaustive`): 65,280 × 65,280 = 4.26·10^9
// pairs (a, b) for bf16, both outputs of each against the certified truth.
//
// Contract:
//  - The angle is pair i's at position m, exactly as in a call on the whole spec. The
//    kernel is called with a one-pair interleaved head whose table row holds the spec's
//    own row entries at m (kernels::build_table, accurate mode): the same table values and
//    the same per-pair operations (rope_kernels-inl.h) as the full head, which only moves
//    more pairs. That equivalence is read off the kernel code, not tested here.
//  - The truth is reference::certified_pair, bit for bit MPFR's.
//  - Verdict per element: the kernel's bits equal the correctly rounded result, or the
//    error is within the `exact` profile's bound (numeric::element_bound, fused or unfused
//    as the dispatched target computes). Reported: the counts, the peak in units of the
//    bound with its worst element, and the elements beyond the bound. Every finite pattern
//    of the dtype is an input; ±Inf and NaN have their own exhaustive kernel tests.
//  - Sharded over the a values (index k ≡ I−1 mod N), split over threads; the result is
//    the same for any thread count, and a shard's counts add up with the others'.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

#include "ropecheck/dtype.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/spec.h"

namespace ropecheck::props {

struct ExhaustiveRequest {
  RopeSpec spec;
  std::size_t pair = 0;
  std::int64_t position = 0;
  Dtype dtype = Dtype::bf16;  // input and output: bf16 or f16
  std::size_t shard_index = 1, shard_count = 1;
  unsigned threads = 0;  // 0: reference::truth_threads()
  // The negative control's wrong kernel only: the table's cos entry times (1 + this).
  double table_perturbation = 0;
};

struct ExhaustiveWorst {
  std::uint32_t a_bits = 0, b_bits = 0;
  bool second = false;  // the pair's second output, b·c + a·s
  double got = 0, expected = 0, bound = 0, ratio = 0;
};

struct ExhaustiveResult {
  std::uint64_t inputs = 0;              // (a, b) pairs
  std::uint64_t elements = 0;            // outputs: 2 per input
  std::uint64_t correctly_rounded = 0;   // kernel bits = the correctly rounded result
  std::uint64_t beyond_bound = 0;        // error above the exact profile's bound
  double peak_ratio = 0;                 // max error / bound over all elements
  std::optional<ExhaustiveWorst> worst;  // the element of peak_ratio (first in input order)
  reference::PairAngle angle;
  reference::CertifiedStats truth;
};

// Throws InvalidInput for a dtype other than bf16/f16, a pair outside the spec, a shard
// outside 1…N or a position the accurate table does not cover.
ExhaustiveResult check_every_input_pair(const ExhaustiveRequest& request,
                                        const std::function<void(std::size_t done, std::size_t total)>& progress = {});

}  // namespace ropecheck::props
