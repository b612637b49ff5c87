#include "ropecheck/spec.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/json_document.h"
#include "ropecheck/json_excerpt.h"
#include "ropecheck/name_table.h"
#include "ropecheck/position_axes.h"

namespace ropecheck {
namespace {

constexpr NameTable<Layout, 2> kLayoutNames{{
    {Layout::interleaved, "interleaved"},
    {Layout::half_split, "half_split"},
}};

constexpr NameTable<ScalingType, 7> kScalingNames{{
    {ScalingType::none, "none"},
    {ScalingType::linear, "linear"},
    {ScalingType::dynamic, "dynamic"},
    {ScalingType::yarn, "yarn"},
    {ScalingType::llama3, "llama3"},
    {ScalingType::longrope, "longrope"},
    {ScalingType::proportional, "proportional"},
}};

constexpr NameTable<YarnContext, 2> kYarnContextNames{{
    {YarnContext::original, "original_max_position_embeddings"},
    {YarnContext::max_position_embeddings, "max_position_embeddings"},
}};

constexpr NameTable<Role, 2> kRoleNames{{
    {Role::query, "query"},
    {Role::key, "key"},
}};

constexpr NameTable<LongropeSwitch, 2> kLongropeSwitchNames{{
    {LongropeSwitch::sequence_length, "sequence_length"},
    {LongropeSwitch::expanded_context, "expanded_context"},
}};

using Json = nlohmann::json;

// A named option: one of `names`, written as a string.
template <class E, std::size_t N>
E option_field(const Json& j, const char* key, const NameTable<E, N>& names) {
  const Json& v = j.at(key);
  if (v.is_string()) {
    if (const auto value = value_named(names, v.get<std::string>())) return *value;
  }
  std::string expected;
  for (const auto& [value, name] : names) expected += fmt::format("{}'{}'", expected.empty() ? "" : " or ", name);
  throw InvalidInput(fmt::format("spec: scaling '{}' = {} must be {}", key, json_excerpt(v), expected));
}

std::size_t dimension_field(const Json& j, const char* key) {
  const Json& v = j.at(key);
  if (!v.is_number_integer()) {
    throw InvalidInput(fmt::format("spec: '{}' must be an integer, got {}", key, json_excerpt(v)));
  }
  const auto value = v.get<std::int64_t>();
  if (value < 1 || static_cast<std::uint64_t>(value) > kMaxHeadDim) {
    throw InvalidInput(fmt::format("spec: '{}' = {} is outside [1, {}]", key, value, kMaxHeadDim));
  }
  return static_cast<std::size_t>(value);
}

Role role_field(const Json& j, const char* key, std::string_view where) {
  const Json& v = j.at(key);
  if (v.is_string()) {
    if (const auto role = value_named(kRoleNames, v.get<std::string>())) return *role;
  }
  throw InvalidInput(fmt::format("spec: {}'{}' = {} must be 'query' or 'key'", where, key, json_excerpt(v)));
}

double real_field(const Json& j, const char* key) {
  const Json& v = j.at(key);
  if (!v.is_number()) {
    throw InvalidInput(fmt::format("spec: '{}' must be a number, got {}", key, json_excerpt(v)));
  }
  return v.get<double>();
}

std::int64_t integer_field(const Json& j, const char* key, std::int64_t low, std::int64_t high) {
  const Json& v = j.at(key);
  if (!v.is_number_integer()) {
    throw InvalidInput(fmt::format("spec: position_scale '{}' must be an integer, got {}", key, json_excerpt(v)));
  }
  const bool too_large = v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(high);
  if (too_large || v.get<std::int64_t>() < low || v.get<std::int64_t>() > high) {
    throw InvalidInput(fmt::format("spec: position_scale '{}' = {} is outside [{}, {}]", key, json_excerpt(v), low, high));
  }
  return v.get<std::int64_t>();
}

// floor_scale is an integer so that ⌊(m + offset)/floor_scale⌋ is exact in integer
// arithmetic at every position (HF's values, 8192 and 16384, are integers).
constexpr std::int64_t kMaxFloorScale = std::int64_t{1} << 53;

PositionScale position_scale_from_json(const Json& j) {
  if (!j.is_object()) throw InvalidInput("spec: 'position_scale' must be an object");
  static constexpr std::array<std::string_view, 4> kKeys{"beta", "floor_scale", "position_offset", "applies_to"};
  for (const auto& item : j.items()) {
    const std::string& key = item.key();
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      throw InvalidInput(fmt::format("spec: unknown position_scale key '{}'", key));
    }
  }
  for (std::string_view key : kKeys) {
    if (!j.contains(key)) throw InvalidInput(fmt::format("spec: position_scale needs '{}'", key));
  }
  PositionScale p;
  const Json& beta = j.at("beta");
  if (!beta.is_number()) throw InvalidInput(fmt::format("spec: position_scale 'beta' must be a number, got {}", json_excerpt(beta)));
  p.beta = beta.get<double>();
  p.floor_scale = integer_field(j, "floor_scale", 1, kMaxFloorScale);
  p.position_offset = integer_field(j, "position_offset", 0, kMaxPositionOffset);
  p.applies_to = role_field(j, "applies_to", "position_scale ");
  return p;
}

Json position_scale_to_json(const PositionScale& p) {
  return Json{{"beta", p.beta},
              {"floor_scale", p.floor_scale},
              {"position_offset", p.position_offset},
              {"applies_to", std::string(to_string(p.applies_to))}};
}

// The HF parameter names a scaling object may carry; each maps to its optional field.
template <class F>
void for_each_scalar_parameter(Scaling& s, F&& f) {
  f("factor", s.factor);
  f("original_max_position_embeddings", s.original_max_position_embeddings);
  f("beta_fast", s.beta_fast);
  f("beta_slow", s.beta_slow);
  f("mscale", s.mscale);
  f("mscale_all_dim", s.mscale_all_dim);
  f("low_freq_factor", s.low_freq_factor);
  f("high_freq_factor", s.high_freq_factor);
  f("attention_factor", s.attention_factor);
  f("max_position_embeddings", s.max_position_embeddings);
  f("sequence_length", s.sequence_length);
  f("partial_rotary_factor", s.partial_rotary_factor);
}
template <class F>
void for_each_list_parameter(Scaling& s, F&& f) {
  f("short_factor", s.short_factor);
  f("long_factor", s.long_factor);
}

Scaling scaling_from_json(const Json& j) {
  if (!j.is_object()) throw InvalidInput("spec: 'scaling' must be an object");
  if (!j.contains("type") || !j.at("type").is_string()) {
    throw InvalidInput("spec: 'scaling' needs a string 'type'");
  }
  Scaling s;
  s.type = scaling_type_from_string(j.at("type").get<std::string>());
  std::size_t known = 1;
  for_each_scalar_parameter(s, [&](const char* key, std::optional<double>& field) {
    if (j.contains(key)) {
      field = real_field(j, key);
      ++known;
    }
  });
  if (j.contains("truncate")) {
    if (!j.at("truncate").is_boolean()) throw InvalidInput("spec: scaling 'truncate' must be true or false");
    s.truncate = j.at("truncate").get<bool>();
    ++known;
  }
  if (j.contains("yarn_context")) {
    s.yarn_context = option_field(j, "yarn_context", kYarnContextNames);
    ++known;
  }
  if (j.contains("longrope_switch")) {
    s.longrope_switch = option_field(j, "longrope_switch", kLongropeSwitchNames);
    ++known;
  }
  for_each_list_parameter(s, [&](const char* key, std::optional<std::vector<double>>& field) {
    if (!j.contains(key)) return;
    const Json& v = j.at(key);
    if (!v.is_array()) throw InvalidInput(fmt::format("spec: scaling '{}' must be an array", key));
    std::vector<double> values;
    for (const Json& e : v) {
      if (!e.is_number()) throw InvalidInput(fmt::format("spec: scaling '{}' must hold numbers", key));
      values.push_back(e.get<double>());
    }
    field = std::move(values);
    ++known;
  });
  if (known != j.size()) {
    for (const auto& item : j.items()) {
      // A named reference, not a structured binding: clang before 16 cannot capture one.
      const std::string& key = item.key();
      bool is_known = key == "type" || key == "truncate" || key == "yarn_context" || key == "longrope_switch";
      for_each_scalar_parameter(s, [&](const char* k, auto&) { is_known |= key == k; });
      for_each_list_parameter(s, [&](const char* k, auto&) { is_known |= key == k; });
      if (!is_known) throw InvalidInput(fmt::format("spec: unknown scaling parameter '{}'", key));
    }
  }
  return s;
}

Json scaling_to_json(Scaling s) {
  Json j = Json::object();
  j["type"] = std::string(to_string(s.type));
  for_each_scalar_parameter(s, [&](const char* key, std::optional<double>& field) {
    if (field) j[key] = *field;
  });
  for_each_list_parameter(s, [&](const char* key, std::optional<std::vector<double>>& field) {
    if (field) j[key] = *field;
  });
  if (s.truncate) j["truncate"] = *s.truncate;
  if (s.yarn_context) j["yarn_context"] = std::string(to_string(*s.yarn_context));
  if (s.longrope_switch) j["longrope_switch"] = std::string(to_string(*s.longrope_switch));
  return j;
}

// The parameters a scaling type takes (HF modeling_rope_utils.py): which are required,
// which allowed, and their ranges. Types not implemented yet are rejected by name.
void validate_scaling(const Scaling& s) {
  const std::string type(to_string(s.type));
  // Every parameter set that the type does not take is an error, not silently ignored.
  const auto allow_only = [&](std::initializer_list<std::string_view> allowed) {
    Scaling copy = s;
    for_each_scalar_parameter(copy, [&](const char* key, std::optional<double>& field) {
      if (field && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        throw InvalidInput(fmt::format("spec: scaling type '{}' takes no parameter '{}'", type, key));
      }
    });
    for_each_list_parameter(copy, [&](const char* key, std::optional<std::vector<double>>& field) {
      if (field && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        throw InvalidInput(fmt::format("spec: scaling type '{}' takes no parameter '{}'", type, key));
      }
    });
  };
  const auto require = [&](const std::optional<double>& field, const char* key) {
    if (!field) throw InvalidInput(fmt::format("spec: scaling type '{}' needs '{}'", type, key));
  };
  if (s.truncate && s.type != ScalingType::yarn) {
    throw InvalidInput(fmt::format("spec: scaling type '{}' takes no parameter 'truncate'", type));
  }
  if (s.yarn_context && s.type != ScalingType::yarn) {
    throw InvalidInput(fmt::format("spec: scaling type '{}' takes no parameter 'yarn_context'", type));
  }
  if (s.longrope_switch && s.type != ScalingType::longrope) {
    throw InvalidInput(fmt::format("spec: scaling type '{}' takes no parameter 'longrope_switch'", type));
  }
  switch (s.type) {
    case ScalingType::none:
      if (s != Scaling{}) throw InvalidInput("spec: scaling type 'none' takes no parameters");
      return;
    case ScalingType::linear:
      allow_only({"factor"});
      require(s.factor, "factor");
      // HF requires factor ≥ 1 (a factor below 1 would compress positions).
      if (!(*s.factor >= 1)) throw InvalidInput(fmt::format("spec: linear 'factor' = {} must be ≥ 1", *s.factor));
      return;
    case ScalingType::llama3:
      allow_only({"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"});
      require(s.factor, "factor");
      require(s.low_freq_factor, "low_freq_factor");
      require(s.high_freq_factor, "high_freq_factor");
      require(s.original_max_position_embeddings, "original_max_position_embeddings");
      if (!(*s.factor >= 1)) throw InvalidInput(fmt::format("spec: llama3 'factor' = {} must be ≥ 1", *s.factor));
      if (!(*s.low_freq_factor > 0)) throw InvalidInput("spec: llama3 'low_freq_factor' must be > 0");
      // The smooth band divides by high − low; below low it is empty (HF only warns, and its
      // output is NaN/Inf). Equal factors (Llama 4 Scout: 1 and 1) leave a band of the one
      // wavelength λ = L, which no θ_i reaches exactly (frequencies.cc).
      if (!(*s.high_freq_factor >= *s.low_freq_factor)) {
        throw InvalidInput("spec: llama3 'high_freq_factor' must be at least 'low_freq_factor'");
      }
      if (!(*s.original_max_position_embeddings > 0)) {
        throw InvalidInput("spec: llama3 'original_max_position_embeddings' must be > 0");
      }
      return;
    case ScalingType::yarn:
      allow_only({"factor", "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "attention_factor",
                  "original_max_position_embeddings", "max_position_embeddings"});
      require(s.factor, "factor");
      if (!(*s.factor >= 1)) throw InvalidInput(fmt::format("spec: yarn 'factor' = {} must be ≥ 1", *s.factor));
      if (!s.original_max_position_embeddings && !s.max_position_embeddings) {
        throw InvalidInput("spec: yarn needs 'original_max_position_embeddings' or 'max_position_embeddings' (its context)");
      }
      if (s.yarn_context == YarnContext::max_position_embeddings && !s.max_position_embeddings) {
        throw InvalidInput("spec: yarn_context 'max_position_embeddings' needs 'max_position_embeddings'");
      }
      for (const auto& [field, key] : {std::pair{s.beta_fast, "beta_fast"}, std::pair{s.beta_slow, "beta_slow"},
                                       std::pair{s.original_max_position_embeddings, "original_max_position_embeddings"},
                                       std::pair{s.max_position_embeddings, "max_position_embeddings"},
                                       std::pair{s.attention_factor, "attention_factor"}}) {
        if (field && !(*field > 0)) throw InvalidInput(fmt::format("spec: yarn '{}' must be > 0", key));
      }
      for (const auto& [field, key] : {std::pair{s.mscale, "mscale"}, std::pair{s.mscale_all_dim, "mscale_all_dim"}}) {
        if (field && !(*field >= 0)) throw InvalidInput(fmt::format("spec: yarn '{}' must be ≥ 0", key));
      }
      return;
    case ScalingType::dynamic:
      allow_only({"factor", "max_position_embeddings", "sequence_length", "original_max_position_embeddings"});
      require(s.factor, "factor");
      require(s.max_position_embeddings, "max_position_embeddings");
      if (!(*s.factor >= 1)) throw InvalidInput(fmt::format("spec: dynamic 'factor' = {} must be ≥ 1", *s.factor));
      if (!(*s.max_position_embeddings > 0)) throw InvalidInput("spec: dynamic 'max_position_embeddings' must be > 0");
      if (s.sequence_length && !(*s.sequence_length >= 0)) throw InvalidInput("spec: 'sequence_length' must be ≥ 0");
      return;
    case ScalingType::longrope: {
      allow_only({"short_factor", "long_factor", "factor", "attention_factor", "original_max_position_embeddings",
                  "max_position_embeddings", "sequence_length"});
      require(s.original_max_position_embeddings, "original_max_position_embeddings");
      if (!(*s.original_max_position_embeddings > 1)) {
        throw InvalidInput("spec: longrope 'original_max_position_embeddings' must be > 1");
      }
      if (!s.attention_factor && !s.factor && !s.max_position_embeddings) {
        throw InvalidInput("spec: longrope needs 'factor' or 'max_position_embeddings' (for its attention factor)");
      }
      if (s.longrope_switch == LongropeSwitch::expanded_context && !s.factor && !s.max_position_embeddings) {
        throw InvalidInput("spec: longrope_switch 'expanded_context' needs 'factor' or 'max_position_embeddings'");
      }
      for (const auto& [list, key] : {std::pair{&s.short_factor, "short_factor"}, std::pair{&s.long_factor, "long_factor"}}) {
        if (!*list) throw InvalidInput(fmt::format("spec: scaling type 'longrope' needs '{}'", key));
        for (const double v : **list) {
          if (!(v > 0)) throw InvalidInput(fmt::format("spec: longrope '{}' values must be > 0", key));
        }
      }
      for (const auto& [field, key] : {std::pair{s.factor, "factor"}, std::pair{s.attention_factor, "attention_factor"},
                                       std::pair{s.max_position_embeddings, "max_position_embeddings"}}) {
        if (field && !(*field > 0)) throw InvalidInput(fmt::format("spec: longrope '{}' must be > 0", key));
      }
      if (s.sequence_length && !(*s.sequence_length >= 0)) throw InvalidInput("spec: 'sequence_length' must be ≥ 0");
      return;
    }
    case ScalingType::proportional:
      // HF _compute_proportional_rope_parameters (Gemma 4): rope_angles =
      // int(partial_rotary_factor · head_dim // 2) pairs rotate, the rest get frequency 0.
      allow_only({"partial_rotary_factor", "factor"});
      require(s.partial_rotary_factor, "partial_rotary_factor");
      if (!(*s.partial_rotary_factor > 0 && *s.partial_rotary_factor <= 1)) {
        throw InvalidInput(fmt::format("spec: proportional 'partial_rotary_factor' = {} must be in (0, 1]",
                                       *s.partial_rotary_factor));
      }
      if (s.factor && !(*s.factor >= 1)) {
        throw InvalidInput(fmt::format("spec: proportional 'factor' = {} must be ≥ 1", *s.factor));
      }
      return;
  }
  throw InvalidInput(fmt::format("spec: unknown scaling type '{}'", type));
}

}  // namespace

std::string_view to_string(Layout layout) { return name_of(kLayoutNames, layout); }
std::string_view to_string(ScalingType type) { return name_of(kScalingNames, type); }

std::string_view to_string(Role role) { return name_of(kRoleNames, role); }

bool scales_positions(const RopeSpec& spec) {
  return spec.position_scale && spec.role && spec.position_scale->applies_to == *spec.role;
}

std::string_view to_string(YarnContext context) { return name_of(kYarnContextNames, context); }
std::string_view to_string(LongropeSwitch when) { return name_of(kLongropeSwitchNames, when); }

Layout layout_from_string(std::string_view name) {
  if (const auto value = value_named(kLayoutNames, name)) return *value;
  throw InvalidInput(fmt::format("spec: unknown layout '{}' (expected interleaved or half_split)", name));
}

ScalingType scaling_type_from_string(std::string_view name) {
  if (const auto value = value_named(kScalingNames, name)) return *value;
  throw InvalidInput(fmt::format(
      "spec: unknown scaling type '{}' (expected none, linear, dynamic, yarn, llama3, longrope or proportional)", name));
}

std::size_t proportional_rotating_pairs(const RopeSpec& spec) {
  // HF: int(partial_rotary_factor * head_dim // 2), the product and the floor in double.
  return static_cast<std::size_t>(std::floor(*spec.scaling.partial_rotary_factor * static_cast<double>(spec.rotary_dim) / 2));
}

void validate(const RopeSpec& spec) {
  if (spec.head_dim < 1 || spec.head_dim > kMaxHeadDim) {
    throw InvalidInput(fmt::format("spec: head_dim = {} is outside [1, {}]", spec.head_dim, kMaxHeadDim));
  }
  if (spec.rotary_dim % 2 != 0) {
    throw InvalidInput(fmt::format("spec: rotary_dim = {} is odd; rotary dims come in pairs", spec.rotary_dim));
  }
  if (spec.rotary_dim == 0 && !spec.position_scale) {
    throw InvalidInput("spec: rotary_dim 0 (no rotation) needs a position_scale; otherwise rotary_dim must be at least 2");
  }
  if (spec.rotary_dim == 0 && spec.scaling.type != ScalingType::none) {
    throw InvalidInput("spec: rotary_dim 0 (no rotation) takes scaling 'none'");
  }
  if (spec.position_scale.has_value() != spec.role.has_value()) {
    throw InvalidInput(spec.role ? "spec: 'role' is only meaningful with a position_scale"
                                 : "spec: a position_scale needs 'role' (query or key: the tensor this spec is applied to)");
  }
  if (spec.position_scale) {
    const PositionScale& p = *spec.position_scale;
    if (!std::isfinite(p.beta) || !(p.beta > 0)) {
      throw InvalidInput(fmt::format("spec: position_scale 'beta' = {} must be finite and > 0", p.beta));
    }
    if (p.floor_scale < 1 || p.floor_scale > kMaxFloorScale) {
      throw InvalidInput(fmt::format("spec: position_scale 'floor_scale' = {} is outside [1, 2^53]", p.floor_scale));
    }
    if (p.position_offset < 0 || p.position_offset > kMaxPositionOffset) {
      throw InvalidInput(fmt::format("spec: position_scale 'position_offset' = {} is outside [0, 2^20]", p.position_offset));
    }
  }
  if (spec.rotary_dim > spec.head_dim) {
    throw InvalidInput(fmt::format("spec: rotary_dim = {} exceeds head_dim = {}", spec.rotary_dim, spec.head_dim));
  }
  if (spec.rotary_offset > spec.head_dim - spec.rotary_dim) {
    throw InvalidInput(fmt::format("spec: rotary_offset {} + rotary_dim {} exceeds head_dim = {}", spec.rotary_offset,
                                   spec.rotary_dim, spec.head_dim));
  }
  if (!std::isfinite(spec.base)) throw InvalidInput("spec: base is not finite");
  if (!(spec.base > 1.0)) {
    throw InvalidInput(fmt::format("spec: base = {} must be > 1 (θ_i = base^(-2i/R) must decrease)", spec.base));
  }
  const Scaling& s = spec.scaling;
  for (auto field : {s.factor, s.original_max_position_embeddings, s.beta_fast, s.beta_slow, s.mscale,
                     s.mscale_all_dim, s.low_freq_factor, s.high_freq_factor, s.attention_factor,
                     s.max_position_embeddings, s.sequence_length, s.partial_rotary_factor}) {
    if (field && !std::isfinite(*field)) throw InvalidInput("spec: a scaling parameter is not finite");
  }
  for (const auto& list : {s.short_factor, s.long_factor}) {
    if (!list) continue;
    for (double v : *list) {
      if (!std::isfinite(v)) throw InvalidInput("spec: a scaling factor list holds a non-finite value");
    }
  }
  validate_scaling(s);
  if (s.type == ScalingType::proportional && proportional_rotating_pairs(spec) < 1) {
    throw InvalidInput(fmt::format("spec: proportional 'partial_rotary_factor' = {} of rotary_dim {} rotates no pair",
                                   *s.partial_rotary_factor, spec.rotary_dim));
  }
  for (const auto& [list, key] : {std::pair{&s.short_factor, "short_factor"}, std::pair{&s.long_factor, "long_factor"}}) {
    if (*list && (*list)->size() != spec.pairs()) {
      throw InvalidInput(fmt::format("spec: longrope '{}' has {} values, rotary_dim/2 = {}", key, (*list)->size(), spec.pairs()));
    }
  }
  validate_position_axes(spec);
}

RopeSpec spec_from_json(const Json& j) {
  if (!j.is_object()) throw InvalidInput("spec: must be a JSON object");
  static constexpr std::array<std::string_view, 11> kKeys{
      "head_dim", "rotary_dim", "rotary_offset", "layout", "base", "scaling", "position_scale", "role",
      "mrope_section", "mrope_interleaved", "vision_2d"};
  for (const auto& [key, value] : j.items()) {
    (void)value;
    bool known = false;
    for (auto k : kKeys) known |= key == k;
    if (!known) throw InvalidInput(fmt::format("spec: unknown key '{}'", key));
  }
  for (const char* required : {"head_dim", "layout", "base"}) {
    if (!j.contains(required)) throw InvalidInput(fmt::format("spec: missing '{}'", required));
  }
  RopeSpec spec;
  spec.head_dim = dimension_field(j, "head_dim");
  // rotary_dim 0 is a spec without rotation (validate() allows it only with a position scale).
  const bool no_rotation = j.contains("rotary_dim") && j.at("rotary_dim").is_number_integer() &&
                           j.at("rotary_dim").get<std::int64_t>() == 0;
  spec.rotary_dim = no_rotation ? 0 : j.contains("rotary_dim") ? dimension_field(j, "rotary_dim") : spec.head_dim;
  if (j.contains("rotary_offset")) {
    const Json& v = j.at("rotary_offset");
    const bool zero = v.is_number_integer() && v.get<std::int64_t>() == 0;
    spec.rotary_offset = zero ? 0 : dimension_field(j, "rotary_offset");
  }
  if (!j.at("layout").is_string()) throw InvalidInput("spec: 'layout' must be a string");
  spec.layout = layout_from_string(j.at("layout").get<std::string>());
  spec.base = real_field(j, "base");
  if (j.contains("scaling")) spec.scaling = scaling_from_json(j.at("scaling"));
  if (j.contains("position_scale")) spec.position_scale = position_scale_from_json(j.at("position_scale"));
  if (j.contains("role")) spec.role = role_field(j, "role", "");
  read_position_axes(j, spec);
  validate(spec);
  return spec;
}

RopeSpec spec_from_json_text(std::string_view text) {
  return spec_from_json(parse_json_document(text, "spec"));
}

Json to_json(const RopeSpec& spec) {
  Json j = Json::object();
  j["head_dim"] = spec.head_dim;
  j["rotary_dim"] = spec.rotary_dim;
  if (spec.rotary_offset != 0) j["rotary_offset"] = spec.rotary_offset;  // only when set: old specs keep their bytes
  j["layout"] = std::string(to_string(spec.layout));
  j["base"] = spec.base;
  j["scaling"] = scaling_to_json(spec.scaling);
  // Written only when present, so every spec without one keeps its JSON (and golden bytes).
  if (spec.position_scale) j["position_scale"] = position_scale_to_json(*spec.position_scale);
  if (spec.role) j["role"] = std::string(to_string(*spec.role));
  write_position_axes(spec, j);
  return j;
}

std::string to_json_text(const RopeSpec& spec) { return to_json(spec).dump(); }

}  // namespace ropecheck
