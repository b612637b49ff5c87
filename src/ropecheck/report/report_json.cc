#include "ropecheck/report/report_json.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/json_document.h"
#include "ropecheck/report/sweep_positions.h"

namespace ropecheck::report {
namespace {

using Json = nlohmann::json;

Json number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}

Json numbers(const std::vector<double>& values) {
  Json a = Json::array();
  for (const double v : values) a.push_back(number(v));
  return a;
}

Json optional_position(const std::optional<std::int64_t>& p) { return p ? Json(*p) : Json(nullptr); }

// Reading: every access checks presence and type and names the field.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}
  [[noreturn]] void fail(const std::string& what) const {
    throw InvalidInput(fmt::format("{}: report: {}", source_, what));
  }
  const Json& field(const Json& j, const char* key, const std::string& where) const {
    if (!j.is_object() || !j.contains(key)) fail(fmt::format("{}: missing '{}'", where, key));
    return j.at(key);
  }
  double real(const Json& v, const std::string& where) const {
    if (v.is_number()) return v.get<double>();
    if (v == "inf") return std::numeric_limits<double>::infinity();
    if (v == "-inf") return -std::numeric_limits<double>::infinity();
    if (v == "nan") return std::numeric_limits<double>::quiet_NaN();
    fail(fmt::format("{} must be a number (or \"inf\", \"-inf\", \"nan\")", where));
  }
  std::int64_t integer(const Json& v, const std::string& where) const {
    if (!v.is_number_integer()) fail(fmt::format("{} must be an integer", where));
    return v.get<std::int64_t>();
  }
  std::optional<std::int64_t> optional_integer(const Json& v, const std::string& where) const {
    if (v.is_null()) return std::nullopt;
    return integer(v, where);
  }
  std::string string(const Json& v, const std::string& where) const {
    if (!v.is_string()) fail(fmt::format("{} must be a string", where));
    return v.get<std::string>();
  }
  const Json& array(const Json& v, const std::string& where) const {
    if (!v.is_array()) fail(fmt::format("{} must be an array", where));
    return v;
  }
  std::vector<double> reals(const Json& v, const std::string& where) const {
    std::vector<double> out;
    for (const Json& e : array(v, where)) out.push_back(real(e, where));
    return out;
  }
  std::vector<std::int64_t> integers(const Json& v, const std::string& where) const {
    std::vector<std::int64_t> out;
    for (const Json& e : array(v, where)) out.push_back(integer(e, where));
    return out;
  }

 private:
  std::string_view source_;
};

Json element_to_json(const numeric::ElementError& e) {
  return {{"token", e.where.token},       {"head", e.where.head},   {"dim", e.where.dim},
          {"position", e.where.position}, {"candidate", number(e.candidate)}, {"exact", number(e.exact)},
          {"error_ulps", number(e.ulps)}, {"error_bound_ratio", number(e.ratio)}};
}

Json result_to_json(const SweepResult& r) {
  Json j = {{"case", r.case_id}, {"implementation", r.implementation}, {"output_dtype", std::string(to_string(r.output_dtype))}};
  if (!r.skipped.empty()) {
    j["status"] = "skipped";
    j["skipped_reason"] = r.skipped;
    return j;
  }
  j["status"] = "measured";
  j["peak_error_ulps"] = number(r.peak_ulps);
  j["rms_error_ulps"] = number(r.rms_ulps);
  j["peak_error_bound_ratio"] = number(r.peak_ratio);
  j["rms_error_bound_ratio"] = number(r.rms_ratio);
  Json profiles = Json::array();
  for (const numeric::Profile p : r.profiles_passed) profiles.push_back(std::string(numeric::to_string(p)));
  j["profiles_passed"] = profiles;
  j["worst"] = element_to_json(r.worst);
  j["safe_context"] = {{"longest_safe_position", optional_position(r.safe.longest_safe)},
                       {"first_unsafe_position", optional_position(r.safe.first_unsafe)},
                       {"first_position_outside_exact", optional_position(r.safe.first_outside_exact)},
                       {"predicted_unsafe_from", optional_position(r.predicted_unsafe_from)},
                       {"predicted_unsafe_by", optional_position(r.predicted_unsafe_by)}};
  if (!r.safe_by_axis.empty()) {  // multi-axis cases only: every other result keeps its JSON
    Json axes = Json::array();
    for (const AxisSafeContext& a : r.safe_by_axis) {
      axes.push_back({{"axis", a.axis},
                      {"longest_safe_position", optional_position(a.safe.longest_safe)},
                      {"first_unsafe_position", optional_position(a.safe.first_unsafe)},
                      {"first_position_outside_exact", optional_position(a.safe.first_outside_exact)}});
    }
    j["safe_context_by_axis"] = axes;
  }
  j["by_position"] = {{"position", r.by_position.position},
                      {"peak_error_ulps", numbers(r.by_position.peak_ulps)},
                      {"rms_error_ulps", numbers(r.by_position.rms_ulps)},
                      {"peak_error_bound_ratio", numbers(r.by_position.peak_ratio)},
                      {"peak_safe_ratio", numbers(r.by_position.peak_safe_ratio)}};
  if (r.by_position.binned) {  // only then: every listed by_position keeps its JSON
    j["by_position"]["binned"] = true;
    j["by_position"]["last_position"] = r.by_position.last_position;
    j["by_position"]["worst_position"] = r.by_position.worst_position;
  }
  j["by_pair"] = {{"position", r.by_pair.position},
                  {"peak_error_ulps", numbers(r.by_pair.peak_ulps)},
                  {"peak_error_bound_ratio", numbers(r.by_pair.peak_ratio)}};
  return j;
}

SweepResult result_from_json(const Json& j, const Reader& in, const std::string& where) {
  SweepResult r;
  r.case_id = in.string(in.field(j, "case", where), where + ".case");
  r.implementation = in.string(in.field(j, "implementation", where), where + ".implementation");
  const std::string at = fmt::format("{} ({} / {})", where, r.case_id, r.implementation);
  try {
    r.output_dtype = dtype_from_string(in.string(in.field(j, "output_dtype", at), at + ".output_dtype"));
  } catch (const InvalidInput& e) {
    in.fail(fmt::format("{}: {}", at, e.what()));
  }
  const std::string status = in.string(in.field(j, "status", at), at + ".status");
  if (status == "skipped") {
    r.skipped = in.string(in.field(j, "skipped_reason", at), at + ".skipped_reason");
    if (r.skipped.empty()) in.fail(at + ".skipped_reason is empty");
    return r;
  }
  if (status != "measured") in.fail(fmt::format("{}.status is '{}' (expected measured or skipped)", at, status));
  r.peak_ulps = in.real(in.field(j, "peak_error_ulps", at), at + ".peak_error_ulps");
  r.rms_ulps = in.real(in.field(j, "rms_error_ulps", at), at + ".rms_error_ulps");
  r.peak_ratio = in.real(in.field(j, "peak_error_bound_ratio", at), at + ".peak_error_bound_ratio");
  r.rms_ratio = in.real(in.field(j, "rms_error_bound_ratio", at), at + ".rms_error_bound_ratio");
  for (const Json& p : in.array(in.field(j, "profiles_passed", at), at + ".profiles_passed")) {
    try {
      r.profiles_passed.push_back(numeric::profile_from_string(in.string(p, at + ".profiles_passed")));
    } catch (const InvalidInput& e) {
      in.fail(fmt::format("{}.profiles_passed: {}", at, e.what()));
    }
  }
  const Json& worst = in.field(j, "worst", at);
  r.worst.where.token = static_cast<std::size_t>(in.integer(in.field(worst, "token", at + ".worst"), at + ".worst.token"));
  r.worst.where.head = static_cast<std::size_t>(in.integer(in.field(worst, "head", at + ".worst"), at + ".worst.head"));
  r.worst.where.dim = static_cast<std::size_t>(in.integer(in.field(worst, "dim", at + ".worst"), at + ".worst.dim"));
  r.worst.where.position = in.integer(in.field(worst, "position", at + ".worst"), at + ".worst.position");
  r.worst.candidate = in.real(in.field(worst, "candidate", at + ".worst"), at + ".worst.candidate");
  r.worst.exact = in.real(in.field(worst, "exact", at + ".worst"), at + ".worst.exact");
  r.worst.ulps = in.real(in.field(worst, "error_ulps", at + ".worst"), at + ".worst.error_ulps");
  r.worst.ratio = in.real(in.field(worst, "error_bound_ratio", at + ".worst"), at + ".worst.error_bound_ratio");
  const Json& safe = in.field(j, "safe_context", at);
  const auto position_of = [&](const char* key) {
    return in.optional_integer(in.field(safe, key, at + ".safe_context"), at + ".safe_context." + key);
  };
  r.safe.longest_safe = position_of("longest_safe_position");
  r.safe.first_unsafe = position_of("first_unsafe_position");
  r.safe.first_outside_exact = position_of("first_position_outside_exact");
  r.predicted_unsafe_from = position_of("predicted_unsafe_from");
  r.predicted_unsafe_by = position_of("predicted_unsafe_by");
  if (j.contains("safe_context_by_axis")) {
    const std::string ba = at + ".safe_context_by_axis";
    for (const Json& a : in.array(in.field(j, "safe_context_by_axis", at), ba)) {
      AxisSafeContext axis;
      axis.axis = in.string(in.field(a, "axis", ba), ba + ".axis");
      const auto axis_position = [&](const char* key) {
        return in.optional_integer(in.field(a, key, ba), ba + "." + key);
      };
      axis.safe.longest_safe = axis_position("longest_safe_position");
      axis.safe.first_unsafe = axis_position("first_unsafe_position");
      axis.safe.first_outside_exact = axis_position("first_position_outside_exact");
      r.safe_by_axis.push_back(axis);
    }
  }
  const Json& by_position = in.field(j, "by_position", at);
  const std::string bp = at + ".by_position";
  r.by_position.position = in.integers(in.field(by_position, "position", bp), bp + ".position");
  r.by_position.peak_ulps = in.reals(in.field(by_position, "peak_error_ulps", bp), bp + ".peak_error_ulps");
  r.by_position.rms_ulps = in.reals(in.field(by_position, "rms_error_ulps", bp), bp + ".rms_error_ulps");
  r.by_position.peak_ratio = in.reals(in.field(by_position, "peak_error_bound_ratio", bp), bp + ".peak_error_bound_ratio");
  r.by_position.peak_safe_ratio = in.reals(in.field(by_position, "peak_safe_ratio", bp), bp + ".peak_safe_ratio");
  if (by_position.contains("binned")) {
    if (by_position.at("binned") != true) in.fail(bp + ".binned must be true when present");
    r.by_position.binned = true;
    r.by_position.last_position = in.integers(in.field(by_position, "last_position", bp), bp + ".last_position");
    r.by_position.worst_position = in.integers(in.field(by_position, "worst_position", bp), bp + ".worst_position");
  }
  const std::size_t n = r.by_position.position.size();
  const std::size_t bin_fields = r.by_position.binned ? n : 0;
  if (r.by_position.peak_ulps.size() != n || r.by_position.rms_ulps.size() != n || r.by_position.peak_ratio.size() != n ||
      r.by_position.peak_safe_ratio.size() != n || r.by_position.last_position.size() != bin_fields ||
      r.by_position.worst_position.size() != bin_fields) {
    in.fail(bp + ": arrays of different lengths");
  }
  for (std::size_t k = 0; k < bin_fields; ++k) {
    const std::int64_t first = r.by_position.position[k], last = r.by_position.last_position[k];
    const std::int64_t at_worst = r.by_position.worst_position[k];
    if (last < first || at_worst < first || at_worst > last || (k > 0 && first <= r.by_position.last_position[k - 1])) {
      in.fail(fmt::format("{}: bin {} is not [position, last_position] ∋ worst_position, after the bin before", bp, k));
    }
  }
  const Json& by_pair = in.field(j, "by_pair", at);
  const std::string bq = at + ".by_pair";
  r.by_pair.position = in.integer(in.field(by_pair, "position", bq), bq + ".position");
  r.by_pair.peak_ulps = in.reals(in.field(by_pair, "peak_error_ulps", bq), bq + ".peak_error_ulps");
  r.by_pair.peak_ratio = in.reals(in.field(by_pair, "peak_error_bound_ratio", bq), bq + ".peak_error_bound_ratio");
  if (r.by_pair.peak_ulps.size() != r.by_pair.peak_ratio.size()) in.fail(bq + ": arrays of different lengths");
  return r;
}

}  // namespace

Json report_to_json(const PrecisionReport& report) {
  Json j = Json::object();
  j["format"] = std::string(kReportFormat);
  j["generator"] = report.generator;
  j["units"] = {
      {"error_ulps", "|candidate − exact| in ulps of the output dtype at the exact value"},
      {"error_bound_ratio", "|candidate − exact| / the exact profile's element bound (≤ 1: within it)"},
      {"safe_ratio", "|candidate − exact| / the safe bound: one output ulp at the pair's scale plus the compute term (≤ 1: safe)"},
      {"position", "token position m (an integer)"},
      {"decay", "f, abel_bound and score are dimensionless; distance is m − n"},
  };
  j["shards"] = report.shards;
  if (report.all_to) {
    j["positions"] = {{"all", *report.all_to}};  // all:MAX: every position 0 … MAX
  } else {
    j["positions"] = report.positions;
  }
  Json cases = Json::array();
  for (const ReportCase& c : report.cases) {
    Json entry = golden::case_to_json(c.definition);
    entry.erase("positions");  // the sweep's positions replace the catalogue's
    cases.push_back({{"index", c.index}, {"case", entry}});
  }
  j["cases"] = cases;
  j["implementations"] = report.implementations;
  Json results = Json::array();
  for (const SweepResult& r : report.results) results.push_back(result_to_json(r));
  j["results"] = results;
  // Every real through number(): the reader takes "inf"/"nan" anywhere it takes a real,
  // and a raw non-finite double would be written as null, which it does not read back.
  j["decay"] = {{"rotary_dim", report.decay.rotary_dim},         {"base", number(report.decay.base)},
                {"seed", report.decay.seed},                     {"distance", report.decay.distance},
                {"f", numbers(report.decay.f)},                  {"abel_bound", numbers(report.decay.abel_bound)},
                {"score", numbers(report.decay.score)}};
  return j;
}

PrecisionReport report_from_json(const Json& j, std::string_view source) {
  const Reader in(source);
  if (!j.is_object()) in.fail("not a JSON object");
  if (!j.contains("format") || j.at("format") != kReportFormat) {
    in.fail(fmt::format("'format' must be \"{}\"", kReportFormat));
  }
  PrecisionReport report;
  report.generator = in.string(in.field(j, "generator", "top level"), "generator");
  for (const Json& s : in.array(in.field(j, "shards", "top level"), "shards")) report.shards.push_back(in.string(s, "shards"));
  const Json& positions = in.field(j, "positions", "top level");
  if (positions.is_object()) {
    const std::int64_t all = in.integer(in.field(positions, "all", "positions"), "positions.all");
    if (all < 1 || all >= kSweepPositionLimit || positions.size() != 1) {
      in.fail("positions must be an array or {\"all\": MAX} with 1 ≤ MAX < 2^24");
    }
    report.all_to = all;
  } else {
    report.positions = in.integers(positions, "positions");
  }
  for (const Json& entry : in.array(in.field(j, "cases", "top level"), "cases")) {
    ReportCase c;
    c.index = static_cast<std::size_t>(in.integer(in.field(entry, "index", "cases[]"), "cases[].index"));
    try {
      c.definition = golden::case_from_json(in.field(entry, "case", "cases[]"), source);
    } catch (const InvalidInput& e) {
      in.fail(fmt::format("cases[]: {}", e.what()));
    }
    report.cases.push_back(std::move(c));
  }
  for (const Json& name : in.array(in.field(j, "implementations", "top level"), "implementations")) {
    report.implementations.push_back(in.string(name, "implementations"));
  }
  std::size_t k = 0;
  for (const Json& r : in.array(in.field(j, "results", "top level"), "results")) {
    SweepResult result = result_from_json(r, in, fmt::format("results[{}]", k++));
    const bool known_case = std::any_of(report.cases.begin(), report.cases.end(),
                                        [&](const ReportCase& c) { return c.definition.id == result.case_id; });
    const bool known_impl = std::find(report.implementations.begin(), report.implementations.end(), result.implementation) !=
                            report.implementations.end();
    if (!known_case) in.fail(fmt::format("a result names case '{}', which 'cases' does not list", result.case_id));
    if (!known_impl) in.fail(fmt::format("a result names implementation '{}', which 'implementations' does not list", result.implementation));
    report.results.push_back(std::move(result));
  }
  const Json& decay = in.field(j, "decay", "top level");
  report.decay.rotary_dim = static_cast<std::size_t>(in.integer(in.field(decay, "rotary_dim", "decay"), "decay.rotary_dim"));
  report.decay.base = in.real(in.field(decay, "base", "decay"), "decay.base");
  report.decay.seed = static_cast<std::uint64_t>(in.integer(in.field(decay, "seed", "decay"), "decay.seed"));
  report.decay.distance = in.integers(in.field(decay, "distance", "decay"), "decay.distance");
  report.decay.f = in.reals(in.field(decay, "f", "decay"), "decay.f");
  report.decay.abel_bound = in.reals(in.field(decay, "abel_bound", "decay"), "decay.abel_bound");
  report.decay.score = in.reals(in.field(decay, "score", "decay"), "decay.score");
  const std::size_t n = report.decay.distance.size();
  if (report.decay.f.size() != n || report.decay.abel_bound.size() != n || report.decay.score.size() != n) {
    in.fail("decay: arrays of different lengths");
  }
  return report;
}

PrecisionReport parse_report(std::string_view json_text, std::string_view source) {
  return report_from_json(parse_json_document(json_text, fmt::format("{}: report", source)), source);
}

PrecisionReport read_report(const std::filesystem::path& path) {
  const std::vector<unsigned char> bytes = io::read_input_file(path, "a report", io::kMaxJsonFileBytes);
  return parse_report(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path.string());
}

}  // namespace ropecheck::report
