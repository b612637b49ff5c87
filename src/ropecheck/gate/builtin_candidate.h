// The built-in kernels as a candidate: the golden file's x and positions through
// kernels::apply_rope with a table of the given mode, written as the candidate file format
// (safetensors, tensor `out` in the golden's output dtype). What `ropecheck apply` writes
// and what the gate tests check under each profile.
//
// Contract: the output dtype is the golden's. When it differs from the input dtype the
// kernel runs in the input dtype and its result is rounded once more (RNE) to the output
// dtype — the "compute in f32, cast to the model dtype" pipeline, whose extra rounding the
// narrow-output K of numeric/error_model.h accounts for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/kernels/cos_sin_table.h"

namespace ropecheck::gate {

// Output bit patterns [T][H][D] in output_dtype of `rotate` run on `in`: x's elements as
// input_dtype stores them (little-endian), at `positions`.
std::vector<std::uint64_t> run_on_input_bits(const RopeSpec& spec, PositionsView positions, std::size_t heads,
                                             std::span<const unsigned char> in, Dtype input_dtype, Dtype output_dtype,
                                             const props::RotateFn& rotate);
// Output bit patterns [T][H][D] in g.output_dtype of `rotate` (any implementation with the
// kernels' calling convention: a built-in kernel, a plugin) run on the golden's inputs.
std::vector<std::uint64_t> run_on_golden(const golden::Golden& g, const props::RotateFn& rotate);
// The same for the built-in kernels (best target) with tables of `mode`.
std::vector<std::uint64_t> run_builtin_kernel(const golden::Golden& g, kernels::TableMode mode);

io::SafetensorsFile builtin_candidate_file(const golden::Golden& g, kernels::TableMode mode);

}  // namespace ropecheck::gate
