#include "ropecheck/gate/conformance.h"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/gate/candidate.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::gate {
namespace {

std::vector<std::filesystem::path> golden_files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
  }
  if (ec) throw InvalidInput(fmt::format("{}: cannot list the directory: {}", dir.string(), ec.message()));
  if (files.empty()) throw InvalidInput(fmt::format("{}: no golden files (*.safetensors) in it", dir.string()));
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::size_t CheckRun::failures() const {
  return static_cast<std::size_t>(std::count_if(cases.begin(), cases.end(), [](const CaseCheck& c) { return !c.passed; }));
}

reference::ExactRope exact_from_golden(const golden::Golden& g) {
  reference::ExactRope e;
  e.spec = g.spec;
  e.tokens = g.tokens;
  e.heads = g.heads;
  e.positions = g.positions;
  e.x = g.x;
  e.expected = g.expected;
  e.cos = g.cos;
  e.sin = g.sin;
  const std::vector<reference::Real> thetas = reference::frequencies<reference::Real>(g.spec);
  e.attention_factor = static_cast<double>(reference::attention_factor<reference::Real>(g.spec));
  if (!thetas.empty()) e.max_theta = static_cast<double>(*std::max_element(thetas.begin(), thetas.end()));
  return e;
}

CaseCheck check_case(const golden::Golden& g, const std::string& golden_file,
                     const std::optional<std::filesystem::path>& candidate_path, numeric::Profile profile) {
  CaseCheck c;
  c.case_id = g.case_id;
  c.golden_file = golden_file;
  c.output_dtype = g.output_dtype;
  if (!candidate_path) {
    c.problem = "no candidate file";
    return c;
  }
  c.candidate_file = candidate_path->string();
  const Candidate candidate = read_candidate(*candidate_path);
  c.candidate_dtype = candidate.dtype;
  const std::vector<std::uint64_t> shape{g.tokens, g.heads, g.spec.head_dim};
  if (candidate.shape != shape) {
    c.problem = fmt::format("candidate shape [{}], golden [{}]", fmt::join(candidate.shape, ", "), fmt::join(shape, ", "));
    return c;
  }
  const reference::ExactRope exact = exact_from_golden(g);
  for (const numeric::Profile p : numeric::kProfiles) {
    // K is the same for fused and unfused arithmetic (error_model.h), so either names it.
    const numeric::ErrorStats stats =
        numeric::measure(exact, candidate.values, numeric::error_model(p, g.output_dtype, numeric::Arithmetic::fused));
    if (stats.within_bound()) c.profiles_passed.push_back(p);
    if (p == profile) {
      c.stats = stats;
      c.passed = stats.within_bound();
    }
  }
  if (!c.passed) {
    const auto tightest = c.profiles_passed.empty() ? std::nullopt : std::optional(c.profiles_passed.front());
    c.diagnosis = diagnose(g, candidate.values, tightest);
  }
  return c;
}

CheckRun check_conformance(const std::filesystem::path& golden, const std::filesystem::path& candidate,
                           numeric::Profile profile, const std::function<void(std::size_t, std::size_t)>& progress) {
  CheckRun run;
  run.profile = profile;
  run.golden = golden.string();
  run.candidate = candidate.string();
  std::error_code ec;
  const bool golden_is_dir = std::filesystem::is_directory(golden, ec);
  const bool candidate_is_dir = std::filesystem::is_directory(candidate, ec);
  if (golden_is_dir && !candidate_is_dir) {
    throw InvalidInput(fmt::format("--candidate {} must be a directory when --golden {} is one", candidate.string(),
                                   golden.string()));
  }
  const std::vector<std::filesystem::path> goldens = golden_is_dir ? golden_files_in(golden) : std::vector{golden};
  for (std::size_t k = 0; k < goldens.size(); ++k) {
    const golden::Golden g = golden::read_golden(goldens[k]);
    std::optional<std::filesystem::path> candidate_path;
    if (candidate_is_dir) {
      candidate_path = find_candidate(candidate, goldens[k].filename().string());
    } else if (std::filesystem::exists(candidate, ec)) {
      candidate_path = candidate;
    } else {
      throw InvalidInput(fmt::format("{}: no such candidate file", candidate.string()));
    }
    run.cases.push_back(check_case(g, goldens[k].string(), candidate_path, profile));
    if (progress) progress(k + 1, goldens.size());
  }
  return run;
}

}  // namespace ropecheck::gate
