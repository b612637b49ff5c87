// The conformance gate (ropecheck/gate/conformance.h) on the committed golden set: the
// built-in kernels pass `exact`; framework-style f32-angle tables pass `f32-angle` and
// fail `exact` (the profiles discriminate); a missing or misshapen candidate fails; the
// JSON and JUnit outputs say the same as the verdicts.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/gate/check_report.h"
#include "ropecheck/gate/conformance.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/io/safetensors.h"
#include "support/fresh_directory.h"

using namespace ropecheck;
using namespace ropecheck::gate;
namespace fs = std::filesystem;

namespace {

const fs::path kGoldenDir = fs::path(ROPECHECK_SOURCE_DIR) / "golden/v1";

// A directory of the test's own (CTest runs the tests of this file in parallel).
fs::path fresh_directory(const std::string& what) {
  return ropecheck::testing::fresh_directory("ropecheck_check_test_", what);
}

// Candidates of the built-in kernels with `mode` tables for every golden file in `golden_dir`.
fs::path candidates_with(kernels::TableMode mode, const fs::path& golden_dir = kGoldenDir) {
  const fs::path dir = fresh_directory(std::string(kernels::to_string(mode)));
  for (const auto& entry : fs::directory_iterator(golden_dir)) {
    if (entry.path().extension() != ".safetensors") continue;
    const golden::Golden g = golden::read_golden(entry.path());
    io::write_output_file(dir / entry.path().filename(), io::serialize_safetensors(builtin_candidate_file(g, mode)));
  }
  return dir;
}

// The committed golden files without scaling: ggml's recurrence θ_{i+1} = θ_i·base^(−2/R)
// exists only for plain geometric frequencies.
fs::path unscaled_golden_files() {
  const fs::path dir = fresh_directory("unscaled_golden");
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() != ".safetensors") continue;
    if (golden::read_golden(entry.path()).spec.scaling.type != ScalingType::none) continue;
    fs::copy_file(entry.path(), dir / entry.path().filename());
  }
  return dir;
}

bool has_profile(const CaseCheck& c, numeric::Profile p) {
  return std::find(c.profiles_passed.begin(), c.profiles_passed.end(), p) != c.profiles_passed.end();
}

}  // namespace

TEST(check, the_built_in_kernels_pass_exact_on_every_golden_case) {
  const CheckRun run = check_conformance(kGoldenDir, candidates_with(kernels::TableMode::accurate), numeric::Profile::exact);
  ASSERT_GE(run.cases.size(), 20u);
  for (const CaseCheck& c : run.cases) {
    EXPECT_TRUE(c.passed) << c.case_id << ": " << c.problem << c.stats.summary();
    EXPECT_TRUE(has_profile(c, numeric::Profile::exact)) << c.case_id;
  }
  EXPECT_TRUE(run.passed());
}

TEST(check, f32_angle_tables_pass_f32_angle_and_fail_exact_at_long_context) {
  for (const auto mode : {kernels::TableMode::f32_angle, kernels::TableMode::f32_recurrence}) {
    const fs::path golden_dir = mode == kernels::TableMode::f32_recurrence ? unscaled_golden_files() : kGoldenDir;
    const fs::path dir = candidates_with(mode, golden_dir);
    const CheckRun loose = check_conformance(golden_dir, dir, numeric::Profile::f32_angle);
    EXPECT_TRUE(loose.passed()) << kernels::to_string(mode) << "\n" << check_summary_text(loose);
    const CheckRun strict = check_conformance(golden_dir, dir, numeric::Profile::exact);
    // Every case with positions beyond 2^16 and more than one pair fails exact.
    std::size_t failed_long = 0;
    for (const CaseCheck& c : strict.cases) {
      if (c.case_id.rfind("llama2_7b_", 0) == 0) {
        EXPECT_FALSE(c.passed) << c.case_id;
        EXPECT_GT(c.stats.worst_by_ratio().where.position, 1 << 16) << c.case_id;
        EXPECT_FALSE(has_profile(c, numeric::Profile::exact));
        EXPECT_TRUE(has_profile(c, numeric::Profile::f32_angle));
        ++failed_long;
      }
    }
    EXPECT_GE(failed_long, 10u);
  }
}

TEST(check, a_missing_or_misshapen_candidate_fails_its_case) {
  const fs::path golden_file = kGoldenDir / "head_dim_2_f32.safetensors";
  const golden::Golden g = golden::read_golden(golden_file);
  const CaseCheck missing = check_case(g, golden_file.string(), std::nullopt, numeric::Profile::exact);
  EXPECT_FALSE(missing.passed);
  EXPECT_EQ(missing.problem, "no candidate file");

  io::SafetensorsFile wrong = builtin_candidate_file(g, kernels::TableMode::accurate);
  wrong.tensors[0].shape = {wrong.tensors[0].shape[1], wrong.tensors[0].shape[0], wrong.tensors[0].shape[2]};
  const fs::path path = fs::temp_directory_path() / "ropecheck_check_test_wrong_shape.safetensors";
  io::write_output_file(path, io::serialize_safetensors(wrong));
  const CaseCheck misshapen = check_case(g, golden_file.string(), path, numeric::Profile::exact);
  EXPECT_FALSE(misshapen.passed);
  EXPECT_NE(misshapen.problem.find("candidate shape"), std::string::npos) << misshapen.problem;

  // A golden directory needs a candidate directory; a candidate without `out` is that
  // case's error verdict (the other cases of a run still run).
  EXPECT_THROW(check_conformance(kGoldenDir, path, numeric::Profile::exact), InvalidInput);
  wrong.tensors[0].name = "y";
  io::write_output_file(path, io::serialize_safetensors(wrong));
  const CaseCheck unreadable = check_case(g, golden_file.string(), path, numeric::Profile::exact);
  EXPECT_EQ(unreadable.verdict, Verdict::error);
  EXPECT_NE(unreadable.problem.find("no tensor 'out'"), std::string::npos) << unreadable.problem;
  fs::remove(path);
}

TEST(check, json_and_junit_report_the_verdicts) {
  const fs::path dir = candidates_with(kernels::TableMode::f32_angle);
  const CheckRun run = check_conformance(kGoldenDir, dir, numeric::Profile::exact);
  const nlohmann::json j = check_json(run);
  EXPECT_EQ(j.at("format"), "ropecheck-check/1");
  EXPECT_EQ(j.at("profile"), "exact");
  EXPECT_EQ(j.at("cases_total"), run.cases.size());
  EXPECT_EQ(j.at("cases_failed"), run.failures());
  EXPECT_FALSE(j.at("passed").get<bool>());
  for (const auto& c : j.at("cases")) {
    const bool pass = c.at("verdict") == "pass";
    EXPECT_EQ(pass, c.at("peak_error_bound_ratio").get<double>() <= 1.0) << c.at("case");
    for (const char* key : {"token", "head", "dim", "position", "error_ulps", "error_bound_ratio"}) {
      EXPECT_TRUE(c.at("worst_by_bound_ratio").contains(key)) << key;
    }
  }
  const std::string xml = check_junit(run);
  EXPECT_NE(xml.find(fmt::format("failures=\"{}\"", run.failures())), std::string::npos);
  std::size_t failures = 0;
  for (std::size_t at = xml.find("<failure "); at != std::string::npos; at = xml.find("<failure ", at + 1)) ++failures;
  EXPECT_EQ(failures, run.failures());
}
