#include "ropecheck/position_axes.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/json_excerpt.h"
#include "ropecheck/name_table.h"

namespace ropecheck {
namespace {

constexpr NameTable<Vision2d, 2> kVision2dNames{{
    {Vision2d::pixtral, "pixtral"},
    {Vision2d::qwen_vl, "qwen_vl"},
}};

enum Axis3 : std::size_t { kT = 0, kH = 1, kW = 2 };

// A section length: far above any model's (≤ 64), and small enough that sums cannot wrap.
constexpr std::int64_t kMaxSection = 1 << 16;

}  // namespace

std::string_view to_string(Vision2d kind) { return name_of(kVision2dNames, kind); }

std::size_t position_axes(const RopeSpec& spec) {
  if (spec.mrope_section) return 3;
  if (spec.vision_2d) return 2;
  return 1;
}

std::size_t axis_of_pair(const RopeSpec& spec, std::size_t pair) {
  if (spec.mrope_section) {
    const auto& [s_t, s_h, s_w] = *spec.mrope_section;
    if (spec.mrope_interleaved) {
      if (pair % 3 == 1 && pair < 3 * s_h) return kH;
      if (pair % 3 == 2 && pair < 3 * s_w) return kW;
      return kT;
    }
    if (pair < s_t) return kT;
    return pair < s_t + s_h ? kH : kW;
  }
  if (spec.vision_2d) return pair < spec.rotary_dim / 4 ? 0 : 1;
  return 0;
}

std::size_t frequency_index_of_pair(const RopeSpec& spec, std::size_t pair) {
  if (!spec.vision_2d) return pair;
  const std::size_t quarter = spec.rotary_dim / 4;
  if (*spec.vision_2d == Vision2d::pixtral) return pair < quarter ? 2 * pair : 2 * (pair - quarter) + 1;
  return 2 * (pair % quarter);
}

std::vector<std::size_t> pair_axes(const RopeSpec& spec) {
  std::vector<std::size_t> axes(spec.pairs());
  for (std::size_t i = 0; i < axes.size(); ++i) axes[i] = axis_of_pair(spec, i);
  return axes;
}

std::string_view axis_name(const RopeSpec& spec, std::size_t axis) {
  static constexpr std::array<std::string_view, 3> kMrope{"t", "h", "w"};
  static constexpr std::array<std::string_view, 2> kVision{"row", "column"};
  if (spec.mrope_section && axis < 3) return kMrope[axis];
  if (spec.vision_2d && axis < 2) return kVision[axis];
  return axis == 0 ? "m" : "?";
}

std::string axis_names(const RopeSpec& spec) {
  std::string names;
  for (std::size_t a = 0; a < position_axes(spec); ++a) names += fmt::format("{}{}", a ? ", " : "", axis_name(spec, a));
  return names;
}

void read_position_axes(const nlohmann::json& j, RopeSpec& spec) {
  if (j.contains("mrope_section")) {
    const nlohmann::json& v = j.at("mrope_section");
    if (!v.is_array() || v.size() != 3) {
      throw InvalidInput(fmt::format("spec: 'mrope_section' must be a list of 3 integers [t, h, w], got {}", json_excerpt(v)));
    }
    std::array<std::size_t, 3> section{};
    for (std::size_t a = 0; a < 3; ++a) {
      const nlohmann::json& s = v[a];
      const bool ok = s.is_number_unsigned() ? s.get<std::uint64_t>() <= kMaxSection
                                             : s.is_number_integer() && s.get<std::int64_t>() >= 0 &&
                                                   s.get<std::int64_t>() <= kMaxSection;
      if (!ok) {
        throw InvalidInput(fmt::format("spec: 'mrope_section' values must be integers in [0, {}], got {}", kMaxSection,
                                       json_excerpt(s)));
      }
      section[a] = static_cast<std::size_t>(s.get<std::int64_t>());
    }
    spec.mrope_section = section;
  }
  if (j.contains("mrope_interleaved")) {
    const nlohmann::json& v = j.at("mrope_interleaved");
    if (!v.is_boolean()) throw InvalidInput(fmt::format("spec: 'mrope_interleaved' must be true or false, got {}", json_excerpt(v)));
    if (!spec.mrope_section) throw InvalidInput("spec: 'mrope_interleaved' needs 'mrope_section'");
    spec.mrope_interleaved = v.get<bool>();
  }
  if (j.contains("vision_2d")) {
    const nlohmann::json& v = j.at("vision_2d");
    std::optional<Vision2d> kind;
    if (v.is_string()) kind = value_named(kVision2dNames, v.get<std::string>());
    if (!kind) throw InvalidInput(fmt::format("spec: 'vision_2d' = {} must be 'pixtral' or 'qwen_vl'", json_excerpt(v)));
    spec.vision_2d = kind;
  }
}

void validate_position_axes(const RopeSpec& spec) {
  if (spec.mrope_interleaved && !spec.mrope_section) throw InvalidInput("spec: 'mrope_interleaved' needs 'mrope_section'");
  if (position_axes(spec) == 1) return;
  if (spec.mrope_section && spec.vision_2d) throw InvalidInput("spec: 'mrope_section' and 'vision_2d' exclude each other");
  if (spec.position_scale) throw InvalidInput("spec: a position_scale takes one position axis, not multi-axis positions");
  if (spec.mrope_section) {
    const auto& [s_t, s_h, s_w] = *spec.mrope_section;
    if (s_t + s_h + s_w != spec.pairs()) {
      throw InvalidInput(fmt::format("spec: 'mrope_section' [{}, {}, {}] sums to {}, rotary_dim/2 = {}", s_t, s_h, s_w,
                                     s_t + s_h + s_w, spec.pairs()));
    }
    return;
  }
  if (spec.rotary_dim % 4 != 0) {
    throw InvalidInput(fmt::format("spec: vision_2d needs rotary_dim a multiple of 4 (half the pairs per axis), got {}",
                                   spec.rotary_dim));
  }
  if (spec.scaling.type != ScalingType::none) throw InvalidInput("spec: vision_2d takes scaling 'none'");
}

void write_position_axes(const RopeSpec& spec, nlohmann::json& j) {
  if (spec.mrope_section) {
    const auto& [s_t, s_h, s_w] = *spec.mrope_section;
    j["mrope_section"] = {s_t, s_h, s_w};
    if (spec.mrope_interleaved) j["mrope_interleaved"] = true;
  }
  if (spec.vision_2d) j["vision_2d"] = std::string(to_string(*spec.vision_2d));
}

std::string format_position(PositionsView positions, std::size_t token) {
  if (positions.axes == 1) return std::to_string(positions.at(token, 0));
  std::string text = "(";
  for (std::size_t a = 0; a < positions.axes; ++a) text += fmt::format("{}{}", a ? ", " : "", positions.at(token, a));
  return text + ")";
}

void check_position_axes(const RopeSpec& spec, PositionsView positions) {
  const std::size_t axes = position_axes(spec);
  if (positions.axes != axes) {
    throw InvalidInput(fmt::format("positions have {} axis component{} per token, the spec needs {} ({})", positions.axes,
                                   positions.axes == 1 ? "" : "s", axes, axis_names(spec)));
  }
  if (positions.values.size() % axes != 0) {
    throw InvalidInput(fmt::format("{} position values are not a whole number of {}-component tokens", positions.values.size(), axes));
  }
}

}  // namespace ropecheck
