// `ropecheck check`: a candidate's outputs against golden files, per case and element
// (docs/cli.md#check, docs/error-model.md#verdicts), through the same measuring code as the kernel properties
// (numeric::measure, docs/architecture.md#one-measuring-path).
//
// Contract:
//  - golden is a golden file or a directory of them (every *.safetensors in it, by name);
//    candidate is a file (golden a file) or a directory matched by file name
//    (find_candidate). A golden directory with a candidate file is InvalidInput, as is an
//    unreadable or malformed golden file, a golden that does not match its directory's
//    SHA256SUMS (golden_integrity.h), a golden directory without golden files, and a
//    CheckScope case id without a golden file.
//  - Verdicts (Verdict): `pass`; `fail` — an element outside the profile's bound;
//    `weak` — within the bound, but every element's angle allowance is at least
//    kWeakAngleAllowance (all positions ≥ weak_from_position), so the profile could not
//    have told a correct result from a wrong rotation: not a pass; `error` — the
//    candidate is missing, unreadable, malformed or of another shape (`problem` says
//    which; the other cases still run); `golden_inconsistent` — the golden disagrees
//    with its own spec (golden_inconsistency), so nothing is judged against it;
//    `not_run` — with only_present, a case without a candidate. A candidate of another
//    float dtype than the golden's output dtype is measured all the same, in ulps of the
//    golden's output dtype (the report shows both dtypes).
//  - The run passes when no case has a verdict other than pass or not_run, and at least
//    one case was measured: a run that measured nothing fails.
//  - profiles_passed lists every profile of numeric::kProfiles whose bound the candidate
//    meets, from the tightest (exact) on.
//  - A case that fails with a measurable candidate is diagnosed (diagnosis.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/gate/diagnosis.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/harness/implementation.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/numeric/error_stats.h"
#include "ropecheck/reference/exact_rope.h"

namespace ropecheck::gate {

enum class Verdict { pass, fail, weak, error, golden_inconsistent, not_run };

std::string_view to_string(Verdict verdict);  // "pass", "fail", "weak", "error", "golden_inconsistent", "not_run"

// Which cases a run checks: case_ids (golden file stems; all when empty), and with
// only_present the cases whose candidate exists (the others are not_run).
struct CheckScope {
  std::vector<std::string> case_ids;
  bool only_present = false;
};

struct CaseCheck {
  std::string case_id;
  Verdict verdict = Verdict::error;
  std::string golden_file;
  std::string candidate_file;  // empty when there is none
  std::string problem;         // set when the case could not be measured
  Dtype output_dtype = Dtype::f32;
  std::optional<Dtype> candidate_dtype;
  numeric::ErrorStats stats;  // under the run's profile
  std::vector<numeric::Profile> profiles_passed;
  bool passed = false;         // verdict == pass
  std::optional<double> weak_from;  // weak: the position from which every pair is that loose
  DiagnosisReport diagnosis;  // for a failing, measured case
};

struct CheckRun {
  numeric::Profile profile = numeric::Profile::exact;
  std::string golden;
  std::string candidate;            // the candidate path, or the implementation's invocation
  bool ran_implementation = false;  // a plugin or worker ran on the golden inputs
  std::vector<CaseCheck> cases;

  std::size_t failures() const;  // cases whose verdict is neither pass nor not_run
  std::size_t count(Verdict verdict) const;
  std::size_t measured() const { return cases.size() - count(Verdict::not_run); }
  bool passed() const { return failures() == 0 && measured() > 0; }
};

// The position from which every pair's angle allowance under `profile` is at least
// kWeakAngleAllowance (numeric::weak_from_position) for `spec` with these θ_i: a result all
// of whose positions lie there is `weak`, not a pass.
std::optional<double> weak_from_position(const RopeSpec& spec, std::span<const double> thetas,
                                         numeric::Profile profile, Dtype output_dtype);

CaseCheck check_case(const golden::Golden& g, const std::string& golden_file,
                     const std::optional<std::filesystem::path>& candidate, numeric::Profile profile);

CheckRun check_conformance(const std::filesystem::path& golden, const std::filesystem::path& candidate,
                           numeric::Profile profile, const CheckScope& scope = {},
                           const std::function<void(std::size_t, std::size_t)>& progress = {});

// An implementation under test (a plugin or an exec worker) run on each golden file's
// inputs (gate/builtin_candidate.h: in the input dtype, then rounded once to the output
// dtype), its output judged as a candidate's. A case it declines, or that is outside its
// declared capabilities, is an error — never a pass — unless scope.only_present, which
// makes it not_run ("only the cases it supports"); a crash, hang or bad reply is that
// case's error, and the other cases still run (a worker is restarted after a crash).
CaseCheck check_case(const golden::Golden& g, const std::string& golden_file,
                     const std::shared_ptr<const harness::Implementation>& implementation, numeric::Profile profile,
                     bool only_supported);
CheckRun check_implementation(const std::filesystem::path& golden,
                              const std::shared_ptr<const harness::Implementation>& implementation,
                              numeric::Profile profile, const CheckScope& scope = {},
                              const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace ropecheck::gate
