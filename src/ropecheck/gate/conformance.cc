#include "ropecheck/gate/conformance.h"

#include <algorithm>
#include <cmath>
#include <system_error>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/float_codec.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/gate/candidate.h"
#include "ropecheck/gate/golden_integrity.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/props/implementation_kernel.h"

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

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::pass: return "pass";
    case Verdict::fail: return "fail";
    case Verdict::weak: return "weak";
    case Verdict::error: return "error";
    case Verdict::golden_inconsistent: return "golden_inconsistent";
    case Verdict::not_run: return "not_run";
  }
  return "?";
}

std::size_t CheckRun::count(Verdict verdict) const {
  return static_cast<std::size_t>(
      std::count_if(cases.begin(), cases.end(), [verdict](const CaseCheck& c) { return c.verdict == verdict; }));
}

std::size_t CheckRun::failures() const { return cases.size() - count(Verdict::pass) - count(Verdict::not_run); }

std::optional<double> weak_from_position(const RopeSpec& spec, std::span<const double> thetas,
                                         numeric::Profile profile, Dtype output_dtype) {
  const auto model = numeric::error_model(profile, output_dtype, numeric::Arithmetic::fused);
  std::vector<std::size_t> frequency_index;
  for (std::size_t i = 0; i < thetas.size(); ++i) frequency_index.push_back(frequency_index_of_pair(spec, i));
  return numeric::weak_from_position(model, thetas, frequency_index);
}

namespace {

CaseCheck unjudged_case(const golden::Golden& g, const std::string& golden_file);

// A case whose golden is consistent, or nullopt: the verdict for one that is not.
std::optional<CaseCheck> inconsistent_golden(const golden::Golden& g, const std::string& golden_file) {
  const std::string why = golden_inconsistency(g);
  if (why.empty()) return std::nullopt;
  CaseCheck c = unjudged_case(g, golden_file);
  c.verdict = Verdict::golden_inconsistent;
  c.problem = "the golden disagrees with its own spec: " + why;
  return c;
}

CaseCheck judge_candidate(const golden::Golden& g, const Candidate& candidate, numeric::Profile profile, CaseCheck c);

// A case not judged yet: an error until a verdict replaces it.
CaseCheck unjudged_case(const golden::Golden& g, const std::string& golden_file) {
  CaseCheck c;
  c.case_id = g.case_id;
  c.golden_file = golden_file;
  c.output_dtype = g.output_dtype;
  c.verdict = Verdict::error;
  return c;
}

}  // namespace

CaseCheck check_case(const golden::Golden& g, const std::string& golden_file,
                     const std::optional<std::filesystem::path>& candidate_path, numeric::Profile profile) {
  if (auto inconsistent = inconsistent_golden(g, golden_file)) return *inconsistent;
  CaseCheck c = unjudged_case(g, golden_file);
  if (!candidate_path) {
    c.problem = "no candidate file";
    return c;
  }
  c.candidate_file = candidate_path->string();
  Candidate candidate;
  try {
    candidate = read_candidate(*candidate_path);
  } catch (const InvalidInput& e) {
    c.problem = e.what();  // this case's error; the others still run
    return c;
  }
  return judge_candidate(g, candidate, profile, std::move(c));
}

CaseCheck check_case(const golden::Golden& g, const std::string& golden_file,
                     const std::shared_ptr<const harness::Implementation>& implementation, numeric::Profile profile,
                     bool only_supported) {
  if (auto inconsistent = inconsistent_golden(g, golden_file)) return *inconsistent;
  CaseCheck c = unjudged_case(g, golden_file);
  c.candidate_file = fmt::format("{} {}", implementation->kind(), implementation->name());
  Candidate candidate;
  candidate.source = c.candidate_file;
  candidate.dtype = g.output_dtype;
  candidate.shape = {g.tokens, g.heads, g.spec.head_dim};
  try {
    const std::vector<std::uint64_t> bits = run_on_golden(g, props::implementation_kernel(implementation).rotate);
    candidate.values.reserve(bits.size());
    for (const std::uint64_t b : bits) candidate.values.push_back(decode_bits(b, g.output_dtype));
  } catch (const harness::ImplementationRefusal& e) {
    // Outside what it supports: never a pass. Not run only when the user asked for that.
    c.verdict = only_supported ? Verdict::not_run : Verdict::error;
    c.problem = fmt::format("{}unsupported: {}", only_supported ? "not run: " : "", e.what());
    return c;
  } catch (const harness::ImplementationFailure& e) {
    c.problem = e.what();
    return c;
  }
  return judge_candidate(g, candidate, profile, std::move(c));
}

namespace {

CaseCheck judge_candidate(const golden::Golden& g, const Candidate& candidate, numeric::Profile profile, CaseCheck c) {
  c.candidate_dtype = candidate.dtype;
  const std::vector<std::uint64_t> shape{g.tokens, g.heads, g.spec.head_dim};
  if (candidate.shape != shape) {
    c.problem = fmt::format("candidate shape [{}], golden [{}]", fmt::join(candidate.shape, ", "), fmt::join(shape, ", "));
    return c;
  }
  const reference::ExactRope exact = golden::exact_result(g);
  std::vector<numeric::ErrorModel> models;
  for (const numeric::Profile p : numeric::kProfiles) {
    // K is the same for fused and unfused arithmetic (error_model.h), so either names it.
    models.push_back(numeric::error_model(p, g.output_dtype, numeric::Arithmetic::fused));
  }
  const std::vector<numeric::ErrorStats> stats = numeric::measure(exact, candidate.values, models);
  for (std::size_t k = 0; k < models.size(); ++k) {
    const numeric::Profile p = numeric::kProfiles[k];
    if (stats[k].within_bound()) c.profiles_passed.push_back(p);
    if (p == profile) {
      c.stats = stats[k];
      c.verdict = stats[k].within_bound() ? Verdict::pass : Verdict::fail;
    }
  }
  if (c.verdict == Verdict::pass) {
    const std::optional<double> weak_from = weak_from_position(g.spec, exact.thetas, profile, g.output_dtype);
    const bool all_loose = weak_from && std::all_of(g.positions.begin(), g.positions.end(), [&](std::int64_t m) {
                             return std::fabs(static_cast<double>(m)) >= *weak_from;
                           });
    if (all_loose) {
      c.verdict = Verdict::weak;
      c.weak_from = weak_from;
    }
  }
  c.passed = c.verdict == Verdict::pass;
  if (c.verdict == Verdict::fail) {
    const auto tightest = c.profiles_passed.empty() ? std::nullopt : std::optional(c.profiles_passed.front());
    c.diagnosis = diagnose(g, candidate.values, tightest);
  }
  return c;
}

}  // namespace

namespace {

// The golden files a run checks: the file, or the directory's files, narrowed to scope's ids.
std::vector<std::filesystem::path> selected_goldens(const std::filesystem::path& golden, bool golden_is_dir,
                                                    const CheckScope& scope) {
  std::vector<std::filesystem::path> goldens = golden_is_dir ? golden_files_in(golden) : std::vector{golden};
  if (scope.case_ids.empty()) return goldens;
  std::vector<std::filesystem::path> chosen;
  for (const std::string& id : scope.case_ids) {
    const auto found = std::find_if(goldens.begin(), goldens.end(), [&](const auto& p) { return p.stem() == id; });
    if (found == goldens.end()) {
      throw InvalidInput(fmt::format("--case {}: no golden file {}.safetensors in {}", id, id, golden.string()));
    }
    if (std::find(chosen.begin(), chosen.end(), *found) == chosen.end()) chosen.push_back(*found);
  }
  return chosen;
}

golden::Golden load_verified_golden(const std::filesystem::path& path, const GoldenSums& sums) {
  const std::vector<unsigned char> bytes = io::read_input_file(path, "a golden file", io::kMaxTensorFileBytes);
  sums.verify(path.filename().string(), bytes);
  return golden::parse_golden(io::parse_safetensors(bytes, path.string()), path.string());
}

}  // namespace

CheckRun check_conformance(const std::filesystem::path& golden, const std::filesystem::path& candidate,
                           numeric::Profile profile, const CheckScope& scope,
                           const std::function<void(std::size_t, std::size_t)>& progress) {
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
  const std::vector<std::filesystem::path> goldens = selected_goldens(golden, golden_is_dir, scope);
  if (!golden_is_dir && !candidate_is_dir && !std::filesystem::exists(candidate, ec)) {
    throw InvalidInput(fmt::format("{}: no such candidate file", candidate.string()));
  }
  // A golden directory's files must all be listed in its SHA256SUMS; a single golden file
  // is verified when its directory's SHA256SUMS lists it.
  const GoldenSums sums(golden_is_dir ? golden : golden.parent_path(), golden_is_dir);
  for (std::size_t k = 0; k < goldens.size(); ++k) {
    const golden::Golden g = load_verified_golden(goldens[k], sums);
    std::optional<std::filesystem::path> candidate_path;
    std::string ambiguous;
    if (candidate_is_dir) {
      try {
        candidate_path = find_candidate(candidate, goldens[k].filename().string());
      } catch (const InvalidInput& e) {
        ambiguous = e.what();
      }
    } else {
      candidate_path = candidate;
    }
    if (!ambiguous.empty()) {
      CaseCheck c;
      c.case_id = g.case_id;
      c.golden_file = goldens[k].string();
      c.output_dtype = g.output_dtype;
      c.problem = ambiguous;
      run.cases.push_back(std::move(c));
    } else if (!candidate_path && scope.only_present) {
      CaseCheck c;
      c.case_id = g.case_id;
      c.golden_file = goldens[k].string();
      c.output_dtype = g.output_dtype;
      c.verdict = Verdict::not_run;
      c.problem = "not run: no candidate file (--only-present)";
      run.cases.push_back(std::move(c));
    } else {
      run.cases.push_back(check_case(g, goldens[k].string(), candidate_path, profile));
    }
    if (progress) progress(k + 1, goldens.size());
  }
  return run;
}

CheckRun check_implementation(const std::filesystem::path& golden,
                              const std::shared_ptr<const harness::Implementation>& implementation,
                              numeric::Profile profile, const CheckScope& scope,
                              const std::function<void(std::size_t, std::size_t)>& progress) {
  CheckRun run;
  run.profile = profile;
  run.golden = golden.string();
  run.candidate = implementation->invocation();
  run.ran_implementation = true;
  std::error_code ec;
  const bool golden_is_dir = std::filesystem::is_directory(golden, ec);
  const std::vector<std::filesystem::path> goldens = selected_goldens(golden, golden_is_dir, scope);
  const GoldenSums sums(golden_is_dir ? golden : golden.parent_path(), golden_is_dir);
  for (std::size_t k = 0; k < goldens.size(); ++k) {
    const golden::Golden g = load_verified_golden(goldens[k], sums);
    run.cases.push_back(check_case(g, goldens[k].string(), implementation, profile, scope.only_present));
    if (progress) progress(k + 1, goldens.size());
  }
  return run;
}

}  // namespace ropecheck::gate
