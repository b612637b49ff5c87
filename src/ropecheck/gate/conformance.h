// `ropecheck check`: a candidate's outputs against golden files, per case and element
// (DESIGN §4, §5), through the same measuring code as the kernel properties
// (numeric::measure, STYLE 9).
//
// Contract:
//  - golden is a golden file or a directory of them (every *.safetensors in it, by name);
//    candidate is a file (golden a file) or a directory matched by file name
//    (find_candidate). A golden directory with a candidate file is InvalidInput, as is an
//    unreadable or malformed golden or candidate file, or a golden directory without
//    golden files.
//  - A case fails when its candidate is missing or has another shape than the golden
//    (`problem` says which), or when any element is outside the bound of the profile. A
//    candidate of another float dtype than the golden's output dtype is measured all the
//    same, in ulps of the golden's output dtype (the report shows both dtypes).
//  - profiles_passed lists every profile of numeric::kProfiles whose bound the candidate
//    meets, from the tightest (exact) on.
//  - A case that fails with a measurable candidate is diagnosed (diagnosis.h).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/gate/diagnosis.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/numeric/error_stats.h"
#include "ropecheck/reference/exact_rope.h"

namespace ropecheck::gate {

struct CaseCheck {
  std::string case_id;
  std::string golden_file;
  std::string candidate_file;  // empty when there is none
  std::string problem;         // set when the case could not be measured
  Dtype output_dtype = Dtype::f32;
  std::optional<Dtype> candidate_dtype;
  numeric::ErrorStats stats;  // under the run's profile
  std::vector<numeric::Profile> profiles_passed;
  bool passed = false;
  DiagnosisReport diagnosis;  // for a failing, measured case
};

struct CheckRun {
  numeric::Profile profile = numeric::Profile::exact;
  std::string golden;
  std::string candidate;
  std::vector<CaseCheck> cases;

  std::size_t failures() const;
  bool passed() const { return failures() == 0; }
};

// The reference a golden file holds, in the form numeric::measure takes.
reference::ExactRope exact_from_golden(const golden::Golden& g);

CaseCheck check_case(const golden::Golden& g, const std::string& golden_file,
                     const std::optional<std::filesystem::path>& candidate, numeric::Profile profile);

CheckRun check_conformance(const std::filesystem::path& golden, const std::filesystem::path& candidate,
                           numeric::Profile profile, const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace ropecheck::gate
