// The implementations a precision report measures (`ropecheck report --impl/--plugin/
// --candidate`): each turns a golden case into output values, or says why it cannot.
//
// Contract:
//  - builtin: the built-in kernels (best Highway target) with tables of one mode, named
//    "kernels:accurate", "kernels:f32-angle" (the float32 angles HF, Meta and vLLM form)
//    and "kernels:ggml-recurrence" (θ_{i+1} = θ_i·q in float32; unscaled specs only — a
//    scaled case is skipped with the reason). --impl takes "accurate", "f32-angle",
//    "ggml-recurrence".
//  - harness: a plugin or an exec worker (harness/implementation.h), named "plugin:<its
//    name>" or "worker:<its name>"; a case whose input dtype it does not support, or that it
//    declines, is skipped as unsupported; a crash, timeout, garbage reply or exhausted
//    memory is a skipped result whose reason starts with kImplementationFailed
//    (measurement_failures.h): the report fails.
//  - candidate: a directory of candidate files (gate/candidate.h) matched to golden files by
//    name; named "candidate:<directory>". It was computed at the golden's positions, so it
//    is measured there instead of at the sweep's (`sweeps` is false); a case without a
//    candidate file is skipped.
//  Outputs are the output dtype's values widened exactly to double, [T][H][D].
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ropecheck/harness/implementation.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/kernels/cos_sin_table.h"

namespace ropecheck::report {

struct ImplementationOutput {
  std::vector<double> values;  // empty when skipped
  std::string skipped;         // why the case could not be run; empty when it ran
};

struct Implementation {
  std::string name;
  bool sweeps = true;  // runs at the sweep's positions (false: at the golden file's own)
  std::optional<kernels::TableMode> table_mode;  // built-in kernels: their table
  std::function<ImplementationOutput(const golden::Golden&)> run;
};

// "accurate", "f32-angle", "ggml-recurrence"; throws InvalidInput for any other name.
Implementation builtin_implementation(std::string_view name);
std::vector<std::string> builtin_implementation_names();
Implementation harness_implementation(std::shared_ptr<const harness::Implementation> under_test);
Implementation candidate_implementation(const std::filesystem::path& directory);

}  // namespace ropecheck::report
