// Properties of fast RoPE implementations against the exact reference, parameterised by
// the implementation under test (the built-in kernels per Highway target, deliberately
// wrong variants as negative controls, later plugins). The GoogleTest suites in
// properties/ and `ropecheck props` run these same bodies.
//
//  - check_matches_reference: every output element is within element_bound() of the
//    profile (numeric/error_model.h), pass-through dims are exact (unless position-scaled),
//    stride padding is never written;
//  - check_preserves_norm: per token and head, |‖ŷ‖ − sσ‖x‖| ≤ ‖bounds‖₂ + the double
//    evaluation error of the two norms (σ = σ(m) of a position scale, else 1; with σ ≠ 1
//    the pass-through dims count too, times σ);
//  - check_bitwise_equal: two implementations give identical bits (e.g. AVX512-BF16 and
//    the by-hand RNE, which must both be correct rounding of the same f32 value);
//  - check_score_shift_invariant: with q at positions m and m+Δ and k at n and n+Δ in one
//    call, the two scores ⟨q', k'⟩, each divided by its tokens' σ(m_q)·σ(m_k), agree
//    within the sum of both scores' error bounds
//    (each output element within element_bound() of its exact value, propagated through
//    the dot product, plus its evaluation in double);
//  - check_decode_consistent: a call over all tokens gives, bit for bit, what one call per
//    token gives (a KV-cache decode rotates one token at a time); check_decode_within_bound
//    the tolerant form for implementations that are not batch invariant.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ropecheck/harness/implementation.h"
#include "ropecheck/props/kernel_cases.h"
#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/numeric/error_model.h"

namespace ropecheck::props {

using RotateFn = std::function<void(const RopeSpec& spec, PositionsView positions,
                                    std::size_t heads, kernels::ConstTensor in, kernels::MutableTensor out)>;

// q and k of one attention layer in one call (dense; q_heads a multiple of k_heads).
using RotateQkFn = std::function<void(const RopeSpec& spec, PositionsView positions, std::size_t q_heads,
                                      std::size_t k_heads, kernels::ConstTensor q, kernels::MutableTensor q_out,
                                      kernels::ConstTensor k, kernels::MutableTensor k_out)>;

struct KernelUnderTest {
  std::string name;
  numeric::Arithmetic arithmetic = numeric::Arithmetic::fused;
  RotateFn rotate;
  RotateQkFn rotate_qk;  // empty: the implementation has no such call
  // What an implementation under test declares it supports (harness/implementation.h);
  // unset for ropecheck's own kernels and wrong variants, which take every case.
  std::optional<harness::Capabilities> declared;
};

// One entry per Highway target this CPU runs (best first), using tables of `mode`; on a
// target with AVX512-BF16 a second entry forces the by-hand bf16 rounding.
std::vector<KernelUnderTest> builtin_kernels(kernels::TableMode mode = kernels::TableMode::accurate);

// Runs an implementation on a case; returns the raw output buffer.
std::vector<unsigned char> run_kernel(const KernelCase& c, const KernelBuffers& buffers,
                                      const KernelUnderTest& kernel);

void check_matches_reference(const KernelCase& c, const std::vector<KernelUnderTest>& kernels,
                             numeric::Profile profile);
void check_preserves_norm(const KernelCase& c, const std::vector<KernelUnderTest>& kernels,
                          numeric::Profile profile);
void check_bitwise_equal(const KernelCase& c, const KernelUnderTest& a, const KernelUnderTest& b);
void check_score_shift_invariant(const KernelCase& c, const KernelUnderTest& kernel, numeric::Profile profile);
void check_decode_consistent(const KernelCase& c, const KernelUnderTest& kernel);
// A q and k case (c.kv_heads > 0) through rotate_qk: both outputs within the profile's bound.
void check_qk_matches_reference(const KernelCase& c, const KernelUnderTest& kernel, numeric::Profile profile);
// For an implementation that is not batch invariant (its hello says so: PyTorch's CPU
// cos/sin take a vector path or a scalar one by an element's place in the tensor, 1 ulp
// apart): each token-by-token call within the profile's bound of the exact result, so a
// decode path's own bug (another table, an off-by-one position) is still caught.
void check_decode_within_bound(const KernelCase& c, const KernelUnderTest& kernel, numeric::Profile profile);

}  // namespace ropecheck::props
