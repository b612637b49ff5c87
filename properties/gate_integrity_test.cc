// The gate cannot be fooled by its inputs (gate/golden_integrity.h, conformance.h): a
// golden changed after its set was written is exit 2 where a SHA256SUMS lists it; a golden
// that contradicts its own spec is judged `golden_inconsistent`, not used to explain a
// correct candidate; positions no golden holds are refused; a pass where f32-angle checks
// nothing but norms is `weak`; a bug the case cannot tell from the correct result is not
// offered as a diagnosis; one unreadable candidate is that case's error, not the run's end.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>

#include "ropecheck/errors.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/gate/check_report.h"
#include "ropecheck/gate/conformance.h"
#include "ropecheck/gate/golden_integrity.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/io/safetensors.h"
#include "support/fresh_directory.h"
#include "support/invalid_input_message.h"

using namespace ropecheck;
using namespace ropecheck::gate;
namespace fs = std::filesystem;

namespace {

using ropecheck::testing::message_of;

const fs::path kGoldenDir = fs::path(ROPECHECK_SOURCE_DIR) / "golden/v1";
const std::string kHeadDim2 = "head_dim_2_f32";
const std::string kLlama = "llama2_7b_half_split_f32";

fs::path fresh_directory(const std::string& what) {
  return ropecheck::testing::fresh_directory("ropecheck_gate_integrity_", what);
}

// A copy of two committed golden files and the SHA256SUMS lines that list them.
fs::path golden_copy() {
  const fs::path dir = fresh_directory("golden");
  std::string sums;
  const auto all = io::read_input_file(kGoldenDir / "SHA256SUMS", "SHA256SUMS", io::kMaxSumsFileBytes);
  const std::string text(all.begin(), all.end());
  for (const std::string& id : {kHeadDim2, kLlama}) {
    fs::copy_file(kGoldenDir / (id + ".safetensors"), dir / (id + ".safetensors"));
    const std::size_t at = text.find("  " + id + ".safetensors\n");
    sums += text.substr(at - 64, 64 + 2 + id.size() + 13);
  }
  io::write_output_file(dir / "SHA256SUMS", sums);
  return dir;
}

fs::path candidates_for(const fs::path& golden_dir) {
  const fs::path dir = fresh_directory("candidates");
  for (const auto& entry : fs::directory_iterator(golden_dir)) {
    if (entry.path().extension() != ".safetensors") continue;
    const golden::Golden g = golden::read_golden(entry.path());
    io::write_output_file(dir / entry.path().filename(),
                          io::serialize_safetensors(builtin_candidate_file(g, kernels::TableMode::accurate)));
  }
  return dir;
}

io::SafetensorsFile committed_file(const std::string& id) {
  return io::read_safetensors(kGoldenDir / (id + ".safetensors"));
}

io::Tensor& tensor(io::SafetensorsFile& f, const std::string& name) {
  for (io::Tensor& t : f.tensors) {
    if (t.name == name) return t;
  }
  throw std::logic_error("no tensor " + name);
}

const CaseCheck& only_case(const CheckRun& run) {
  EXPECT_EQ(run.cases.size(), 1u);
  return run.cases.front();
}

}  // namespace

TEST(golden_sums, a_golden_changed_after_its_set_was_written_is_exit_2) {
  const fs::path golden = golden_copy();
  const fs::path candidates = candidates_for(golden);
  EXPECT_TRUE(check_conformance(golden, candidates, numeric::Profile::exact).passed());
  // Tamper with the spec (another base) and rewrite the file: a valid golden file, not the
  // one SHA256SUMS lists.
  io::SafetensorsFile f = committed_file(kLlama);
  f.metadata["spec"] = R"({"base":500000,"head_dim":128,"layout":"half_split","rotary_dim":128,"scaling":{"type":"none"}})";
  io::write_output_file(golden / (kLlama + ".safetensors"), io::serialize_safetensors(f));
  EXPECT_NE(message_of([&] { check_conformance(golden, candidates, numeric::Profile::exact); })
                .find("does not match its SHA-256"),
            std::string::npos);
  // A single golden file is verified against its directory's SHA256SUMS too.
  EXPECT_NE(message_of([&] {
              check_conformance(golden / (kLlama + ".safetensors"), candidates / (kLlama + ".safetensors"),
                                numeric::Profile::exact);
            }).find("does not match its SHA-256"),
            std::string::npos);
  // A golden file the list does not name.
  fs::copy_file(kGoldenDir / "edge_f32.safetensors", golden / "edge_f32.safetensors");
  fs::remove(golden / (kLlama + ".safetensors"));
  EXPECT_NE(message_of([&] { check_conformance(golden, candidates, numeric::Profile::exact); }).find("is not listed"),
            std::string::npos);
}

TEST(golden_sums, crlf_line_endings_list_the_same_files) {
  const fs::path golden = golden_copy();
  const auto bytes = io::read_input_file(golden / "SHA256SUMS", "SHA256SUMS", io::kMaxSumsFileBytes);
  std::string crlf;
  for (const unsigned char c : bytes) crlf += c == '\n' ? std::string("\r\n") : std::string(1, static_cast<char>(c));
  io::write_output_file(golden / "SHA256SUMS", crlf);
  EXPECT_TRUE(check_conformance(golden, candidates_for(golden), numeric::Profile::exact).passed());
}

TEST(golden_positions, positions_no_golden_holds_are_refused) {
  io::SafetensorsFile f = committed_file(kHeadDim2);
  io::Tensor& positions = tensor(f, "positions");
  const std::int64_t far = std::int64_t{1} << 62;
  std::memcpy(positions.data.data(), &far, sizeof(far));
  EXPECT_NE(message_of([&] { golden::parse_golden(f, "tampered"); }).find("position 4611686018427387904 is outside [0, 16777216)"),
            std::string::npos);
  const std::int64_t negative = -1;
  std::memcpy(positions.data.data(), &negative, sizeof(negative));
  EXPECT_THROW(golden::parse_golden(f, "tampered"), InvalidInput);
}

TEST(golden_consistency, a_golden_that_contradicts_its_spec_judges_nothing) {
  const fs::path dir = fresh_directory("bad");
  // NaN expectations for finite inputs: a correct candidate was "explained" by 8 bugs.
  {
    io::SafetensorsFile f = committed_file(kLlama);
    io::Tensor& expected = tensor(f, "expected");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t k = 0; k + 8 <= expected.data.size(); k += 8) std::memcpy(&expected.data[k], &nan, 8);
    io::write_output_file(dir / (kLlama + ".safetensors"), io::serialize_safetensors(f));
  }
  const golden::Golden correct = golden::read_golden(kGoldenDir / (kLlama + ".safetensors"));
  const fs::path candidate = dir / "candidate.safetensors";
  io::write_output_file(candidate, io::serialize_safetensors(builtin_candidate_file(correct, kernels::TableMode::accurate)));
  const CaseCheck nan_golden = only_case(check_conformance(dir / (kLlama + ".safetensors"), candidate, numeric::Profile::exact));
  EXPECT_EQ(nan_golden.verdict, Verdict::golden_inconsistent) << nan_golden.problem;
  EXPECT_TRUE(nan_golden.diagnosis.explanations.empty());
  // Positions shifted by one (still in range, still a valid file): the sampled recompute
  // finds cos/sin and expectations that belong to other positions.
  {
    io::SafetensorsFile f = committed_file(kLlama);
    io::Tensor& positions = tensor(f, "positions");
    for (std::size_t k = 0; k < positions.data.size(); k += 8) {
      std::int64_t m = 0;
      std::memcpy(&m, &positions.data[k], 8);
      ++m;
      std::memcpy(&positions.data[k], &m, 8);
    }
    io::write_output_file(dir / (kLlama + ".safetensors"), io::serialize_safetensors(f));
  }
  const CaseCheck shifted = only_case(check_conformance(dir / (kLlama + ".safetensors"), candidate, numeric::Profile::exact));
  EXPECT_EQ(shifted.verdict, Verdict::golden_inconsistent) << shifted.problem;
  // Negative control: the committed golden is consistent.
  EXPECT_EQ(golden_inconsistency(correct), "");
}

TEST(weak_verdict, a_pass_where_f32_angle_checks_only_norms_is_weak) {
  // head_dim 2: one pair, θ₀ = 1/4 (linear 4). From position 1/(32·2^-24·(1/4)) = 2^21
  // its f32-angle allowance is a radian or more. (θ₀ = 1 would be checked at every
  // position: its float32 angle is exact.)
  const numeric::ErrorModel model = numeric::error_model(numeric::Profile::f32_angle, Dtype::f32, numeric::Arithmetic::fused);
  const std::vector<double> one_pair{0.25};
  ASSERT_EQ(numeric::weak_from_position(model, one_pair), 0x1p21);
  EXPECT_EQ(numeric::weak_from_position(model, std::vector<double>{1.0}), std::nullopt);
  // A pair whose θ was formed with exponent 2k/R, k = 8 (2-D vision reorders them), gets
  // the per-pair term of k, as measure() gives it: (32 + 4·8)·2^-24·(1/4) per position.
  const std::vector<std::size_t> k{8};
  EXPECT_EQ(numeric::weak_from_position(model, one_pair, k), 0x1p20);
  golden::GoldenCase c;
  c.id = "far";
  c.spec.head_dim = c.spec.rotary_dim = 2;
  c.spec.scaling.type = ScalingType::linear;
  c.spec.scaling.factor = 4;
  c.heads = 2;
  for (std::int64_t d = -4; d < 4; ++d) c.positions.values.push_back((std::int64_t{1} << 23) + d);
  const fs::path dir = fresh_directory("weak");
  io::write_output_file(dir / "far.safetensors", io::serialize_safetensors(golden::make_golden_file(c)));
  const golden::Golden g = golden::read_golden(dir / "far.safetensors");
  const fs::path candidate = dir / "candidate.safetensors";
  io::write_output_file(candidate, io::serialize_safetensors(builtin_candidate_file(g, kernels::TableMode::f32_angle)));
  const CheckRun far = check_conformance(dir / "far.safetensors", candidate, numeric::Profile::f32_angle);
  EXPECT_EQ(only_case(far).verdict, Verdict::weak);
  EXPECT_FALSE(far.passed());
  EXPECT_NE(check_summary_text(far).find("WEAK far: weak: within the f32-angle bound, but from position 2097152 on"),
            std::string::npos)
      << check_summary_text(far);
  // The same candidate under exact is checked everywhere (a fail or a pass, never weak);
  // with one position below the threshold the case is a real pass.
  EXPECT_NE(only_case(check_conformance(dir / "far.safetensors", candidate, numeric::Profile::exact)).verdict, Verdict::weak);
  c.positions.values.push_back(1000);
  io::write_output_file(dir / "far.safetensors", io::serialize_safetensors(golden::make_golden_file(c)));
  const golden::Golden mixed = golden::read_golden(dir / "far.safetensors");
  io::write_output_file(candidate, io::serialize_safetensors(builtin_candidate_file(mixed, kernels::TableMode::f32_angle)));
  EXPECT_EQ(only_case(check_conformance(dir / "far.safetensors", candidate, numeric::Profile::f32_angle)).verdict,
            Verdict::pass);
}

TEST(diagnosis_scope, bugs_the_case_cannot_tell_from_the_correct_result_are_not_listed) {
  // head_dim 2 has one pair: swapping the layout changes nothing. A reversed rotation
  // does change it and must still be found.
  const golden::Golden g = golden::read_golden(kGoldenDir / (kHeadDim2 + ".safetensors"));
  std::vector<double> reversed = g.x;
  for (std::size_t r = 0; r < g.tokens * g.heads; ++r) {
    const double a = g.x[2 * r], b = g.x[2 * r + 1];
    const double phi = -static_cast<double>(g.positions[r / g.heads]);
    reversed[2 * r] = static_cast<float>(a * std::cos(phi) - b * std::sin(phi));
    reversed[2 * r + 1] = static_cast<float>(b * std::cos(phi) + a * std::sin(phi));
  }
  const DiagnosisReport d = diagnose(g, reversed, std::nullopt);
  bool reverse_found = false;
  for (const Diagnosis& e : d.explanations) {
    EXPECT_NE(e.name, "swapped_layout") << "indistinguishable on one pair";
    EXPECT_NE(e.name, "theta_from_head_dim") << "indistinguishable when R = head_dim";
    reverse_found |= e.name == "reversed_rotation";
  }
  EXPECT_TRUE(reverse_found);
}

TEST(check_scope, an_unreadable_candidate_is_its_cases_error_and_the_run_goes_on) {
  const fs::path golden = golden_copy();
  const fs::path candidates = candidates_for(golden);
  io::write_output_file(candidates / (kLlama + ".safetensors"), std::string_view("not a safetensors file"));
  const CheckRun run = check_conformance(golden, candidates, numeric::Profile::exact);
  ASSERT_EQ(run.cases.size(), 2u);
  EXPECT_EQ(run.cases[0].verdict, Verdict::pass);   // head_dim_2_f32
  EXPECT_EQ(run.cases[1].verdict, Verdict::error);  // llama2_7b_half_split_f32
  EXPECT_NE(run.cases[1].problem.find("safetensors"), std::string::npos) << run.cases[1].problem;
  EXPECT_FALSE(run.passed());
  const nlohmann::json j = check_json(run);
  EXPECT_EQ(j.at("cases").size(), 2u);
  EXPECT_EQ(j.at("cases")[1].at("verdict"), "error");
  EXPECT_NE(check_junit(run).find("<error message="), std::string::npos);
}

TEST(check_scope, case_ids_and_only_present_choose_what_runs_and_nothing_is_never_a_pass) {
  const fs::path golden = golden_copy();
  const fs::path candidates = candidates_for(golden);
  const CheckRun one = check_conformance(golden, candidates, numeric::Profile::exact, {{kHeadDim2}, false});
  EXPECT_EQ(only_case(one).case_id, kHeadDim2);
  EXPECT_TRUE(one.passed());
  EXPECT_THROW(check_conformance(golden, candidates, numeric::Profile::exact, {{"nope"}, false}), InvalidInput);
  fs::remove(candidates / (kLlama + ".safetensors"));
  const CheckRun missing = check_conformance(golden, candidates, numeric::Profile::exact);
  EXPECT_FALSE(missing.passed());
  const CheckRun present = check_conformance(golden, candidates, numeric::Profile::exact, {{}, true});
  EXPECT_TRUE(present.passed());
  EXPECT_EQ(present.count(Verdict::not_run), 1u);
  EXPECT_NE(check_summary_text(present).find("check: 1 of 1 case pass under profile exact, 1 not run"), std::string::npos)
      << check_summary_text(present);
  fs::remove(candidates / (kHeadDim2 + ".safetensors"));
  const CheckRun nothing = check_conformance(golden, candidates, numeric::Profile::exact, {{}, true});
  EXPECT_EQ(nothing.measured(), 0u);
  EXPECT_FALSE(nothing.passed());
  EXPECT_NE(check_summary_text(nothing).find("nothing was measured"), std::string::npos);
}
