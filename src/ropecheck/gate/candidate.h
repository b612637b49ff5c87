// A candidate implementation's output for one golden case (docs/file-formats.md#candidate-files): a safetensors file
// with tensor `out` [T, H, D] in F32, BF16, F16 or F64, or a .npy file (<f8, <f4, <f2).
//
// Contract:
//  - read_candidate picks the format by extension (.npy, else safetensors) and widens the
//    values exactly to double. A missing `out`, another dtype or a non-3-D shape is
//    InvalidInput naming the file; the shape is checked against the golden by the caller.
//  - find_candidate looks in a directory for the golden file's name, then for its stem
//    with .npy; both present is ambiguous (InvalidInput); neither is nullopt.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ropecheck/dtype.h"

namespace ropecheck::gate {

struct Candidate {
  std::string source;
  Dtype dtype = Dtype::f32;
  std::vector<std::uint64_t> shape;
  std::vector<double> values;  // C order, widened exactly
};

Candidate read_candidate(const std::filesystem::path& path);

std::optional<std::filesystem::path> find_candidate(const std::filesystem::path& dir,
                                                    const std::string& golden_file_name);

}  // namespace ropecheck::gate
