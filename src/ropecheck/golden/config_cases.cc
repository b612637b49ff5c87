#include "ropecheck/golden/config_cases.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/golden/case_inputs.h"
#include "ropecheck/position_axes.h"

namespace ropecheck::golden {
namespace {

std::string id_part(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const char lower = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
    out += (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ? lower : '_';
  }
  return out;
}

// The longest context the config describes: max_position_embeddings, or the scaled
// context factor · original_max_position_embeddings when that is longer.
std::optional<double> context_of(const config::HfRopeConfig& model, const config::HfLayerRope& layer) {
  if (layer.position_limit) return layer.position_limit;  // a vision tower: patches per side
  std::optional<double> context = model.max_position_embeddings;
  const Scaling& s = layer.spec.scaling;
  if (s.factor && s.original_max_position_embeddings) {
    const double scaled = *s.factor * *s.original_max_position_embeddings;
    if (!context || scaled > *context) context = scaled;
  }
  return context;
}

// The case of one layer type (and role, for a spec with a position scale).
GoldenCase case_for_layer(const config::HfRopeConfig& model, const config::HfLayerRope& layer, std::optional<Role> role,
                          std::string_view stem, const std::string& config_sha256, Dtype dtype,
                          const std::optional<std::vector<std::int64_t>>& positions) {
  GoldenCase c;
  std::string suffix = "_";  // not "_" + …: GCC 12's -Wrestrict false positive (bug 105651)
  suffix += id_part(layer.layer_type);
  if (role) {
    suffix += '_';
    suffix += to_string(*role);
  }
  std::string base = id_part(stem);
  if (base.size() + suffix.size() > kMaxCaseIdLength) base.resize(kMaxCaseIdLength - std::min(kMaxCaseIdLength, suffix.size()));
  c.id = base + suffix;
  c.spec = layer.spec;
  if (role) c.spec.role = *role;
  c.input_dtype = c.output_dtype = dtype;
  if (positions) {
    // 1-D positions given to a multi-axis layer are text tokens: every component equal
    // (HF expands 2-D position_ids to all three M-RoPE axes).
    for (const std::int64_t m : *positions) c.positions.values.insert(c.positions.values.end(), position_axes(c.spec), m);
  } else {
    const std::optional<double> context = context_of(model, layer);
    if (!context || !(*context >= 1)) {
      throw InvalidInput(fmt::format("golden: {}: the config gives no context length (max_position_embeddings); "
                                     "give --positions",
                                     layer.layer_type));
    }
    c.positions.max = static_cast<std::int64_t>(std::min(*context, static_cast<double>(kPositionLimit))) - 1;
  }
  const std::vector<std::int64_t> drawn = case_positions(c);
  std::string length_note;
  if (c.spec.scaling.type == ScalingType::dynamic || c.spec.scaling.type == ScalingType::longrope) {
    const std::int64_t largest = drawn.empty() ? 0 : *std::max_element(drawn.begin(), drawn.end());
    c.spec.scaling.sequence_length = static_cast<double>(largest + 1);
    length_note = fmt::format(" The sequence length is the largest position + 1 = {}, as HF takes it.", largest + 1);
  }
  std::string grid_note;
  if (position_axes(c.spec) == 3 && !positions) {
    grid_note = fmt::format(" Positions [T, 3] (t, h, w): two sequences numbered as Qwen2.5-VL's get_rope_index does, the "
                            "second at the context {} with video time components up to 2.5x it.",
                            c.positions.max + 1);
  } else if (position_axes(c.spec) == 2 && !positions) {
    grid_note = fmt::format(" Positions [T, 2] (row, column) on a side of {} patches.", c.positions.max + 1);
  }
  const bool vision = layer.layer_type == config::kVisionLayerType;
  c.description = fmt::format("{} {} {} of the model_type {} ({} of {} layers, {}), from {}.{}{}", layer.layer_type,
                              vision ? "blocks" : "layers", fmt::join(layer.layers, ","), model.model_type,
                              layer.layers.size(), vision ? layer.layers.size() : model.num_hidden_layers,
                              role ? fmt::format("the {}", to_string(*role)) : layer.applies_to, stem, length_note,
                              grid_note);
  // Through the catalogue's own rules (ids, positions, tokens, the spec), as if read.
  GoldenCase checked = case_from_json(case_to_json(c), fmt::format("--hf-config {}", stem));
  checked.metadata = {{"layer_type", layer.layer_type},
                      {"model_type", model.model_type},
                      {"hf_config_sha256", config_sha256}};
  if (role) checked.metadata.emplace_back("role", std::string(to_string(*role)));
  // The model's other RoPE layer types, for the diagnosis of a layer given the wrong one.
  nlohmann::ordered_json others = nlohmann::ordered_json::object();
  for (const config::HfLayerRope& other : model.layer_types) {
    if (other.layer_type == layer.layer_type) continue;
    RopeSpec spec = other.spec;
    if (role && spec.role) spec.role = *role;  // as it would be applied to this case's tensor
    others[other.layer_type] = to_json(spec);
  }
  if (!others.empty()) checked.metadata.emplace_back("other_layer_types", others.dump());
  return checked;
}

}  // namespace

std::vector<GoldenCase> cases_from_hf_config(const config::HfRopeConfig& model, std::string_view stem,
                                             const std::string& config_sha256, Dtype dtype,
                                             const std::optional<std::vector<std::int64_t>>& positions) {
  std::vector<GoldenCase> cases;
  for (const config::HfLayerRope& layer : model.layer_types) {
    // A layer type whose spec scales one role by position gets a case per role: the
    // query's output is scaled, the key's is not, and each has its own bug.
    std::vector<std::optional<Role>> roles{std::nullopt};
    if (layer.spec.position_scale) roles = {Role::query, Role::key};
    for (const std::optional<Role> role : roles) {
      cases.push_back(case_for_layer(model, layer, role, stem, config_sha256, dtype, positions));
    }
  }
  return cases;
}

}  // namespace ropecheck::golden
