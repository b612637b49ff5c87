#include "ropecheck/gate/check_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "ropecheck/plural.h"

namespace ropecheck::gate {
namespace {

using Json = nlohmann::json;

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json element_json(const numeric::ElementError& e) {
  return Json{{"token", e.where.token},     {"head", e.where.head},       {"dim", e.where.dim},
              {"position", e.where.position}, {"candidate", number(e.candidate)}, {"exact", number(e.exact)},
              {"error_ulps", number(e.ulps)}, {"error_bound_ratio", number(e.ratio)}};
}

std::string profile_list(const std::vector<numeric::Profile>& profiles) {
  std::string text;
  for (const numeric::Profile p : profiles) text += (text.empty() ? "" : ", ") + std::string(numeric::to_string(p));
  return text.empty() ? "none" : text;
}

constexpr std::size_t kDiagnosesShown = 3;

std::string_view verdict_word(Verdict v) {
  switch (v) {
    case Verdict::pass: return "PASS";
    case Verdict::fail: return "FAIL";
    case Verdict::weak: return "WEAK";
    case Verdict::error: return "ERROR";
    case Verdict::golden_inconsistent: return "BAD-GOLDEN";
    case Verdict::not_run: return "NOT-RUN";
  }
  return "?";
}

std::string diagnosis_text(const CaseCheck& c) {
  const DiagnosisReport& d = c.diagnosis;
  std::string text;
  if (!c.profiles_passed.empty()) {
    text += fmt::format("  diagnosis: {}: within the looser profile {}\n", numeric::pipeline_of(c.profiles_passed.front()),
                        numeric::to_string(c.profiles_passed.front()));
  }
  for (std::size_t k = 0; k < d.explanations.size() && k < kDiagnosesShown; ++k) {
    const Diagnosis& e = d.explanations[k];
    text += fmt::format("  diagnosis: {} (within profile {}, peak {:.3g} of its bound)\n", e.description,
                        numeric::to_string(e.profile), e.peak_ratio);
    for (const std::string& same : e.same_output) text += fmt::format("    the same output on this case: {}\n", same);
  }
  if (d.explanations.size() > kDiagnosesShown) {
    text += fmt::format("  diagnosis: and {} more hypotheses fit (see --json)\n", d.explanations.size() - kDiagnosesShown);
  }
  if (d.explanations.empty()) {
    text += c.profiles_passed.empty() ? "  diagnosis: no hypothesis explains it\n"
                                      : "  diagnosis: no hypothesis explains it better\n";
  }
  if (!d.norm_finding.empty()) text += fmt::format("  diagnosis: {}\n", d.norm_finding);
  return text;
}

std::string weak_text(const CaseCheck& c, numeric::Profile profile) {
  return fmt::format("weak: within the {} bound, but from position {:.0f} on every pair's angle allowance is at "
                     "least {} rad and all of this case's positions are there: the profile checks little but the "
                     "norms (use positions below it)",
                     numeric::to_string(profile), c.weak_from.value_or(0), numeric::kWeakAngleAllowance);
}

std::string failure_reason(const CaseCheck& c, numeric::Profile profile) {
  if (!c.problem.empty()) return c.problem;
  if (c.verdict == Verdict::weak) return weak_text(c, profile);
  return fmt::format("peak error {:.3g} of the bound; worst element {}\n{}", c.stats.peak_ratio(),
                     numeric::describe(c.stats.worst_by_ratio()), diagnosis_text(c));
}

std::string xml_escaped(const std::string& text) {
  std::string out;
  for (const char ch : text) {
    switch (ch) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += ch;
    }
  }
  return out;
}

}  // namespace

std::string check_summary_text(const CheckRun& run) {
  std::string text = fmt::format("ropecheck {} check: profile {}, {}, golden {}, candidate {}\n", ROPECHECK_VERSION,
                                 numeric::to_string(run.profile), counted(run.cases.size(), "case"), run.golden,
                                 run.candidate);
  // The case column is as wide as the longest id (at least 36), so every row lines up.
  std::size_t width = 36;
  for (const CaseCheck& c : run.cases) width = std::max(width, c.case_id.size());
  text += fmt::format("  {:<{}} {:>5} {:>5} {:>10} {:>9} {:>10}  {:<7} {}\n", "case", width, "out", "cand", "peak ulp",
                      "RMS ulp", "peak/bound", "verdict", "passes profiles");
  for (const CaseCheck& c : run.cases) {
    const std::string candidate_dtype = c.candidate_dtype ? std::string(to_string(*c.candidate_dtype)) : "-";
    if (!c.problem.empty()) {
      text += fmt::format("  {:<{}} {:>5} {:>5} {:>10} {:>9} {:>10}  {:<7} {}\n", c.case_id, width, to_string(c.output_dtype),
                          candidate_dtype, "-", "-", "-", verdict_word(c.verdict), c.problem);
      continue;
    }
    text += fmt::format("  {:<{}} {:>5} {:>5} {:>10.3g} {:>9.3g} {:>10.3g}  {:<7} {}\n", c.case_id, width,
                        to_string(c.output_dtype), candidate_dtype, c.stats.peak_ulps(), c.stats.rms_ulps(),
                        c.stats.peak_ratio(), verdict_word(c.verdict), profile_list(c.profiles_passed));
  }
  bool first_failure = true;
  for (const CaseCheck& c : run.cases) {
    if (c.verdict == Verdict::fail) {
      text += fmt::format("FAIL {}: worst element {}\n", c.case_id, numeric::describe(c.stats.worst_by_ratio()));
      text += diagnosis_text(c);
      if (first_failure && run.profile == numeric::Profile::exact && !c.profiles_passed.empty()) {
        text += "  note: exact holds an implementation to angles formed in double; every float32 framework pipeline "
                "(PyTorch, vLLM, ggml) fails it. Use --profile f32-angle for those, f16-compute or bf16-compute for model-dtype ones\n";
      }
      first_failure = false;
    } else if (c.verdict == Verdict::weak) {
      text += fmt::format("WEAK {}: {}\n", c.case_id, weak_text(c, run.profile));
    }
  }
  const std::size_t not_run = run.count(Verdict::not_run);
  text += fmt::format("check: {} of {} pass under profile {}{}{}\n", run.count(Verdict::pass),
                      counted(run.measured(), "case"), numeric::to_string(run.profile),
                      not_run ? fmt::format(", {} not run ({})", not_run,
                                            run.ran_implementation ? "unsupported" : "no candidate")
                              : "",
                      run.measured() == 0 ? "; nothing was measured, which is a failure" : "");
  return text;
}

Json check_json(const CheckRun& run) {
  Json cases = Json::array();
  for (const CaseCheck& c : run.cases) {
    Json j{{"case", c.case_id},
           {"verdict", std::string(to_string(c.verdict))},
           {"problem", c.problem.empty() ? Json(nullptr) : Json(c.problem)},
           {"golden_file", c.golden_file},
           {"candidate_file", c.candidate_file.empty() ? Json(nullptr) : Json(c.candidate_file)},
           {"output_dtype", std::string(to_string(c.output_dtype))},
           {"candidate_dtype", c.candidate_dtype ? Json(std::string(to_string(*c.candidate_dtype))) : Json(nullptr)},
           {"elements", c.stats.count()}};
    if (c.verdict == Verdict::weak) {
      j["weak_from_position"] = number(c.weak_from.value_or(0));
      j["weak"] = weak_text(c, run.profile);
    }
    if (c.problem.empty()) {
      j["peak_error_ulps"] = number(c.stats.peak_ulps());
      j["rms_error_ulps"] = number(c.stats.rms_ulps());
      j["peak_error_bound_ratio"] = number(c.stats.peak_ratio());
      j["rms_error_bound_ratio"] = number(c.stats.rms_ratio());
      j["worst_by_bound_ratio"] = element_json(c.stats.worst_by_ratio());
      j["worst_by_ulps"] = element_json(c.stats.worst_by_ulps());
    }
    Json diagnoses = Json::array();
    for (const Diagnosis& d : c.diagnosis.explanations) {
      diagnoses.push_back(Json{{"hypothesis", d.name},
                               {"description", d.description},
                               {"profile", std::string(numeric::to_string(d.profile))},
                               {"peak_error_bound_ratio", number(d.peak_ratio)},
                               {"same_output", d.same_output}});
    }
    j["diagnoses"] = diagnoses;
    j["norm_finding"] = c.diagnosis.norm_finding.empty() ? Json(nullptr) : Json(c.diagnosis.norm_finding);
    Json profiles = Json::array();
    for (const numeric::Profile p : c.profiles_passed) profiles.push_back(std::string(numeric::to_string(p)));
    j["profiles_passed"] = profiles;
    cases.push_back(std::move(j));
  }
  return Json{{"format", "ropecheck-check/1"},
              {"ropecheck_version", ROPECHECK_VERSION},
              {"profile", std::string(numeric::to_string(run.profile))},
              {"golden", run.golden},
              {"candidate", run.candidate},
              {"passed", run.passed()},
              {"cases_total", run.cases.size()},
              {"cases_failed", run.failures()},
              {"cases_measured", run.measured()},
              {"cases_not_run", run.count(Verdict::not_run)},
              {"cases", cases}};
}

std::string check_junit(const CheckRun& run) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  // Verdicts in JUnit's terms: fail and weak are failures, error and golden_inconsistent
  // errors, not_run skipped (and a run of nothing but skips still fails: the exit code).
  const std::size_t errors = run.count(Verdict::error) + run.count(Verdict::golden_inconsistent);
  const std::size_t failures = run.count(Verdict::fail) + run.count(Verdict::weak);
  const std::size_t skipped = run.count(Verdict::not_run);
  xml += fmt::format("<testsuites name=\"ropecheck {} check\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n",
                     ROPECHECK_VERSION, run.cases.size(), failures, errors);
  xml += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n",
                     xml_escaped(fmt::format("ropecheck check, profile {}", numeric::to_string(run.profile))),
                     run.cases.size(), failures, errors, skipped);
  for (const CaseCheck& c : run.cases) {
    xml += fmt::format("    <testcase classname=\"ropecheck.check\" name=\"{}\"", xml_escaped(c.case_id));
    if (c.passed) {
      xml += "/>\n";
      continue;
    }
    if (c.verdict == Verdict::not_run) {
      xml += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n", xml_escaped(c.problem));
      continue;
    }
    const std::string reason = failure_reason(c, run.profile);
    const bool is_error = c.verdict == Verdict::error || c.verdict == Verdict::golden_inconsistent;
    xml += fmt::format(">\n      <{} message=\"{}\">{}</{}>\n    </testcase>\n", is_error ? "error" : "failure",
                       xml_escaped(reason.substr(0, reason.find('\n'))),
                       xml_escaped(fmt::format("golden {}\ncandidate {}\n{}", c.golden_file,
                                               c.candidate_file.empty() ? "(none)" : c.candidate_file, reason)),
                       is_error ? "error" : "failure");
  }
  xml += "  </testsuite>\n</testsuites>\n";
  return xml;
}

}  // namespace ropecheck::gate
