#include "ropecheck/golden/case_catalogue.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/json_document.h"
#include "ropecheck/json_excerpt.h"
#include "ropecheck/name_table.h"
#include "ropecheck/position_axes.h"

namespace ropecheck::golden {
namespace {

using Json = nlohmann::json;

constexpr NameTable<InputKind, 5> kInputNames{{
    {InputKind::normal, "normal"},
    {InputKind::ones, "ones"},
    {InputKind::unit, "unit"},
    {InputKind::cancellation, "cancellation"},
    {InputKind::edge, "edge"},
}};

// Errors name where they are: "<source>: case '<id>': <rule>".
class Where {
 public:
  Where(std::string_view source, std::string id) : source_(source), id_(std::move(id)) {}
  [[noreturn]] void fail(const std::string& rule) const {
    if (id_.empty()) throw InvalidInput(fmt::format("{}: {}", source_, rule));
    throw InvalidInput(fmt::format("{}: case '{}': {}", source_, id_, rule));
  }

 private:
  std::string_view source_;
  std::string id_;
};

void check_keys(const Json& j, std::initializer_list<std::string_view> allowed, const Where& where,
                std::string_view what) {
  if (!j.is_object()) where.fail(fmt::format("{} must be a JSON object", what));
  for (const auto& item : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), item.key()) == allowed.end()) {
      where.fail(fmt::format("unknown key '{}' in {}", item.key(), what));
    }
  }
}

std::int64_t integer_in(const Json& v, std::int64_t lo, std::int64_t hi, std::string_view key, const Where& where) {
  if (!v.is_number_integer()) where.fail(fmt::format("'{}' must be an integer, got {}", key, json_excerpt(v)));
  // An unsigned JSON integer above INT64_MAX does not fit; treat it as out of range.
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) {
    where.fail(fmt::format("'{}' = {} is outside [{}, {}]", key, json_excerpt(v), lo, hi));
  }
  const auto value = v.get<std::int64_t>();
  if (value < lo || value > hi) where.fail(fmt::format("'{}' = {} is outside [{}, {}]", key, value, lo, hi));
  return value;
}

std::string string_field(const Json& j, const char* key, const Where& where) {
  if (!j.contains(key)) where.fail(fmt::format("missing '{}'", key));
  if (!j.at(key).is_string()) where.fail(fmt::format("'{}' must be a string", key));
  return j.at(key).get<std::string>();
}

Dtype dtype_field(const Json& j, const char* key, const Where& where) {
  const std::string name = string_field(j, key, where);
  try {
    return dtype_from_string(name);
  } catch (const InvalidInput& e) {
    where.fail(e.what());
  }
}

PositionRecipe positions_from_json(const Json& j, const Where& where) {
  check_keys(j, {"values", "special", "random", "max"}, where, "'positions'");
  PositionRecipe recipe;
  if (j.contains("values")) {
    if (j.size() != 1) where.fail("'positions' with 'values' takes no other key");
    const Json& values = j.at("values");
    if (!values.is_array() || values.empty()) where.fail("'positions.values' must be a non-empty array");
    for (const Json& v : values) recipe.values.push_back(integer_in(v, 0, kPositionLimit - 1, "positions.values", where));
    if (recipe.values.size() > kMaxTokens) where.fail(fmt::format("more than {} positions", kMaxTokens));
    return recipe;
  }
  if (j.contains("special")) {
    if (!j.at("special").is_boolean()) where.fail("'positions.special' must be true or false");
    recipe.special = j.at("special").get<bool>();
  }
  if (j.contains("random")) {
    recipe.random = static_cast<std::size_t>(
        integer_in(j.at("random"), 0, static_cast<std::int64_t>(kMaxTokens), "positions.random", where));
  }
  if (j.contains("max")) recipe.max = integer_in(j.at("max"), 0, kPositionLimit - 1, "positions.max", where);
  if (!recipe.special && recipe.random == 0) where.fail("'positions' selects no position");
  return recipe;
}

InputKind input_kind_from_string(std::string_view name, const Where& where) {
  if (const auto kind = value_named(kInputNames, name)) return *kind;
  where.fail(fmt::format("unknown inputs '{}' (expected normal, ones, unit, cancellation or edge)", name));
}

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
  });
}


}  // namespace

GoldenCase case_from_json(const Json& j, std::string_view source) {
  const Where anonymous(source, "");
  if (!j.is_object()) anonymous.fail("every entry of 'cases' must be a JSON object");
  if (!j.contains("id") || !j.at("id").is_string()) anonymous.fail("a case without a string 'id'");
  GoldenCase c;
  c.id = j.at("id").get<std::string>();
  const Where where(source, c.id);
  if (!valid_id(c.id)) where.fail("'id' must be 1 to 64 characters of [a-z0-9_]");
  check_keys(j, {"id", "description", "spec", "input_dtype", "output_dtype", "heads", "positions", "inputs", "seed"},
             where, "the case");
  c.description = string_field(j, "description", where);
  if (!j.contains("spec")) where.fail("missing 'spec'");
  try {
    c.spec = spec_from_json(j.at("spec"));
  } catch (const InvalidInput& e) {
    where.fail(e.what());
  }
  c.input_dtype = dtype_field(j, "input_dtype", where);
  c.output_dtype = dtype_field(j, "output_dtype", where);
  if (c.input_dtype == Dtype::f64 || c.output_dtype == Dtype::f64) {
    where.fail("input and output dtypes are f32, bf16 or f16 (f64 is the reference's own precision)");
  }
  if (j.contains("heads")) {
    c.heads = static_cast<std::size_t>(integer_in(j.at("heads"), 1, static_cast<std::int64_t>(kMaxHeads), "heads", where));
  }
  if (j.contains("positions")) c.positions = positions_from_json(j.at("positions"), where);
  if (const std::size_t axes = position_axes(c.spec); c.positions.values.size() % axes != 0) {
    where.fail(fmt::format("'positions.values' holds {} values, not whole tokens of {} components (t, h, w or row, column)",
                           c.positions.values.size(), axes));
  }
  if (j.contains("inputs")) {
    if (!j.at("inputs").is_string()) where.fail("'inputs' must be a string");
    c.inputs = input_kind_from_string(j.at("inputs").get<std::string>(), where);
  }
  if (j.contains("seed")) {
    c.seed = static_cast<std::uint64_t>(integer_in(j.at("seed"), 0, std::numeric_limits<std::int64_t>::max(), "seed", where));
  }
  return c;
}

Json case_to_json(const GoldenCase& c) {
  Json j = Json::object();
  j["id"] = c.id;
  j["description"] = c.description;
  j["spec"] = to_json(c.spec);
  j["input_dtype"] = std::string(to_string(c.input_dtype));
  j["output_dtype"] = std::string(to_string(c.output_dtype));
  j["heads"] = c.heads;
  if (!c.positions.values.empty()) {
    j["positions"] = {{"values", c.positions.values}};
  } else {
    j["positions"] = {{"special", c.positions.special}, {"random", c.positions.random}, {"max", c.positions.max}};
  }
  j["inputs"] = std::string(to_string(c.inputs));
  j["seed"] = c.seed;
  return j;
}

std::string_view to_string(InputKind kind) { return name_of(kInputNames, kind); }

std::vector<GoldenCase> parse_case_catalogue(std::string_view json_text, std::string_view source) {
  const Where where(source, "");
  const Json j = parse_json_document(json_text, fmt::format("{}: the case catalogue", source));
  check_keys(j, {"format", "cases"}, where, "the catalogue");
  if (!j.contains("format") || j.at("format") != kCatalogueFormat) {
    where.fail(fmt::format("'format' must be \"{}\"", kCatalogueFormat));
  }
  if (!j.contains("cases") || !j.at("cases").is_array()) where.fail("'cases' must be an array");
  std::vector<GoldenCase> cases;
  std::set<std::string> ids;
  for (const Json& entry : j.at("cases")) {
    GoldenCase c = case_from_json(entry, source);
    if (!ids.insert(c.id).second) where.fail(fmt::format("case id '{}' appears twice", c.id));
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<GoldenCase> read_case_catalogue(const std::filesystem::path& path) {
  const std::vector<unsigned char> bytes = io::read_input_file(path, "the case catalogue", io::kMaxJsonFileBytes);
  return parse_case_catalogue(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
}

std::string golden_file_name(const GoldenCase& c) { return c.id + ".safetensors"; }

}  // namespace ropecheck::golden
