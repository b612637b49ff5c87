// The golden case catalogue (`golden/cases.json`): what each golden file holds, as data.
//
// Contract:
//  - Format `ropecheck-cases/1`: {"format": ..., "cases": [case, ...]}; a case is
//      {"id", "description", "spec" (RopeSpec JSON), "input_dtype", "output_dtype",
//       "heads", "positions", "inputs", "seed"}
//    with "heads" (default 2), "positions" (default {"special": true, "random": 8}),
//    "inputs" (default "normal") and "seed" (default 1) optional.
//  - "positions" is either {"values": [m, ...]} or {"special": bool, "random": N,
//    "max": M}: special = 0, 1, 2 and 2^k − 1, 2^k, 2^k + 1 for k ≥ 2 up to M, then N
//    positions drawn uniformly from [0, M] (M default 1,048,575 = 2^20 − 1). Positions are
//    in [0, 2^24) (the accurate table's domain, rope_kernels.h) and at most kMaxTokens.
//    A multi-axis spec (position_axes.h) takes "values" as [t, h, w, t, h, w, …] (or row,
//    column pairs), whole tokens in C order; otherwise its positions are the grid of
//    golden/position_grids.h for the context max + 1 (special and random are unused).
//  - "inputs": normal | ones | unit | cancellation | edge (case_inputs.h says what each is).
//  - ids are unique, [a-z0-9_]+, at most 64 characters: they name the files.
//  - Anything else — an unknown key, a wrong type, a value out of range — is InvalidInput
//    naming the case and the rule. Unknown keys are errors, not ignored, so a typo in a
//    catalogue cannot silently produce a different golden set.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "ropecheck/dtype.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/spec.h"

namespace ropecheck::golden {

inline constexpr std::string_view kCatalogueFormat = "ropecheck-cases/1";
inline constexpr std::size_t kMaxTokens = 4096;
inline constexpr std::size_t kMaxHeads = 64;
inline constexpr std::int64_t kPositionLimit = kOrdinaryPositionLimit;
inline constexpr std::int64_t kDefaultMaxPosition = (std::int64_t{1} << 20) - 1;

enum class InputKind { normal, ones, unit, cancellation, edge };

std::string_view to_string(InputKind kind);

struct PositionRecipe {
  std::vector<std::int64_t> values;  // explicit list; when set, the fields below are unused
  bool special = true;
  std::size_t random = 8;
  std::int64_t max = kDefaultMaxPosition;
};

struct GoldenCase {
  std::string id;
  std::string description;
  RopeSpec spec;
  Dtype input_dtype = Dtype::f32;
  Dtype output_dtype = Dtype::f32;
  std::size_t heads = 2;
  PositionRecipe positions;
  InputKind inputs = InputKind::normal;
  std::uint64_t seed = 1;
  // Extra __metadata__ entries of the golden file (not catalogue JSON): a case made from a
  // model's config.json names its layer_type, model_type and the config's SHA-256.
  std::vector<std::pair<std::string, std::string>> metadata;
};

std::vector<GoldenCase> parse_case_catalogue(std::string_view json_text, std::string_view source);
// One catalogue entry, read with every rule above, and written (case_from_json of
// case_to_json gives the case back).
GoldenCase case_from_json(const nlohmann::json& j, std::string_view source);
nlohmann::json case_to_json(const GoldenCase& c);
std::vector<GoldenCase> read_case_catalogue(const std::filesystem::path& path);

// The file a case is written to: "<id>.safetensors".
std::string golden_file_name(const GoldenCase& c);

}  // namespace ropecheck::golden
