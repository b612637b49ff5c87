// Checking users' own tensors (ropecheck/gate/tensor_check.h): the truth computed on the fly
// judges a candidate as the committed golden file of the same inputs does — same verdict,
// profiles, peaks and worst element, chunk edges or not — for plain, scaled, narrow-output,
// multi-axis and IEEE-special cases; wrong candidates fail and are diagnosed; malformed
// inputs are refused and malformed candidates are errors, never passes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/gate/conformance.h"
#include "ropecheck/gate/tensor_check.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/io/tensor_stream.h"
#include "ropecheck/kernels/cos_sin_table.h"
#include "support/fresh_directory.h"

using namespace ropecheck;
using namespace ropecheck::gate;
namespace fs = std::filesystem;

namespace {

const fs::path kSource(ROPECHECK_SOURCE_DIR);

fs::path fresh_directory(const std::string& what) {
  return ropecheck::testing::fresh_directory("ropecheck_tensor_check_test_", what);
}

void write_tensor(const fs::path& path, io::Tensor tensor) {
  io::SafetensorsFile file;
  file.tensors.push_back(std::move(tensor));
  io::write_output_file(path, io::serialize_safetensors(file));
}

// An .npy file of version 1.0 holding `data` (C order) of `descr` and `shape`.
void write_npy(const fs::path& path, const std::string& descr, const std::vector<std::uint64_t>& shape,
               const std::vector<unsigned char>& data) {
  std::string dims;
  for (const std::uint64_t d : shape) dims += fmt::format("{}, ", d);
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  bytes.append(reinterpret_cast<const char*>(data.data()), data.size());
  io::write_output_file(path, bytes);
}

// A golden file's inputs written as a user's files: x [T, H, D] in the input dtype and
// positions [T] or [T, A] (safetensors), and the built-in kernels' output with `mode` tables.
struct UserFiles {
  golden::Golden g;
  TensorCheckInputs inputs;
  fs::path candidate;
};

UserFiles user_files(const std::string& golden_name, kernels::TableMode mode, const fs::path& dir) {
  UserFiles f;
  f.g = golden::read_golden(kSource / golden_name);
  const golden::Golden& g = f.g;
  f.inputs.spec = g.spec;
  f.inputs.spec_source = "the golden's spec";
  f.inputs.other_layer_types = g.other_layer_types;
  f.inputs.x = dir / "x.safetensors";
  f.inputs.positions = dir / "positions.safetensors";
  write_tensor(f.inputs.x, io::tensor_from_doubles("x", io::st_dtype_of(g.input_dtype),
                                                   {g.tokens, g.heads, g.spec.head_dim}, g.x));
  const std::vector<std::uint64_t> shape =
      g.axes == 1 ? std::vector<std::uint64_t>{g.tokens} : std::vector<std::uint64_t>{g.tokens, g.axes};
  write_tensor(f.inputs.positions, io::tensor_from_int64s("positions", shape, g.positions));
  f.candidate = dir / "out.safetensors";
  io::write_output_file(f.candidate, io::serialize_safetensors(builtin_candidate_file(g, mode)));
  return f;
}

// The two checks of one candidate agree on everything they measure.
void expect_same_judgement(const CaseCheck& golden, const CaseCheck& tensors, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(tensors.verdict, golden.verdict) << tensors.problem;
  EXPECT_EQ(tensors.profiles_passed, golden.profiles_passed);
  EXPECT_EQ(tensors.output_dtype, golden.output_dtype);
  EXPECT_EQ(tensors.stats.count(), golden.stats.count());
  EXPECT_EQ(tensors.stats.peak_ulps(), golden.stats.peak_ulps());
  EXPECT_EQ(tensors.stats.peak_ratio(), golden.stats.peak_ratio());
  // Per-chunk sums of squares: the same terms, associated otherwise.
  EXPECT_NEAR(tensors.stats.rms_ratio(), golden.stats.rms_ratio(), 1e-12 * golden.stats.rms_ratio());
  const numeric::ElementError& a = golden.stats.worst_by_ratio();
  const numeric::ElementError& b = tensors.stats.worst_by_ratio();
  EXPECT_EQ(numeric::describe(b), numeric::describe(a));
  EXPECT_EQ(numeric::describe(tensors.stats.worst_by_ulps()), numeric::describe(golden.stats.worst_by_ulps()));
}

CaseCheck golden_judgement(const UserFiles& f, const std::string& golden_name, numeric::Profile profile) {
  return check_case(f.g, golden_name, std::optional<fs::path>(f.candidate), profile);
}

}  // namespace

// For every kind of case, with chunks of one token, of three tokens and a part, and whole:
// the truth computed from the user's files judges as the committed golden file does.
TEST(tensor_check, judges_as_the_golden_file_of_the_same_inputs) {
  const std::vector<std::string> goldens = {
      "golden/v1/llama2_7b_interleaved_f32.safetensors",        // plain
      "golden/v1/llama2_7b_half_split_f32_to_bf16.safetensors",  // f32 in, bf16 out
      "golden/v1/deepseek_v3_yarn40_bf16.safetensors",           // scaled, attention factor
      "golden/v1/edge_f32.safetensors",                          // ±Inf, NaN, subnormals
      "golden/models/qwen3_vl_4b_instruct_all_layers.safetensors",  // M-RoPE, 3 axes
  };
  for (const std::string& name : goldens) {
    for (const kernels::TableMode mode : {kernels::TableMode::accurate, kernels::TableMode::f32_angle}) {
      const fs::path dir = fresh_directory(std::string(kernels::to_string(mode)));
      UserFiles f = user_files(name, mode, dir);
      const CaseCheck golden = golden_judgement(f, name, numeric::Profile::exact);
      const std::size_t token = f.g.heads * f.g.spec.head_dim;
      for (const std::size_t chunk : {token, 3 * token + 5, kChunkElements}) {
        f.inputs.chunk_elements = chunk;
        const CheckRun run = check_tensors(f.inputs, f.candidate, numeric::Profile::exact);
        ASSERT_EQ(run.cases.size(), 1u);
        expect_same_judgement(golden, run.cases[0], fmt::format("{}, {} tables, chunks of {} elements", name,
                                                                kernels::to_string(mode), chunk));
      }
    }
  }
}

// The control: tables formed in float32 fail `exact` at the golden's long positions, so the
// agreement above is between two judgements that can fail. A candidate in the other layout
// fails too, and the diagnosis finds the layout from the sample of tokens it keeps.
TEST(tensor_check, a_wrong_candidate_fails_and_is_diagnosed) {
  const std::string name = "golden/v1/llama2_7b_interleaved_f32.safetensors";
  const fs::path dir = fresh_directory("wrong");
  UserFiles f = user_files(name, kernels::TableMode::f32_angle, dir);
  f.inputs.chunk_elements = 7 * f.g.heads * f.g.spec.head_dim;
  EXPECT_EQ(check_tensors(f.inputs, f.candidate, numeric::Profile::exact).cases.at(0).verdict, Verdict::fail);
  EXPECT_EQ(check_tensors(f.inputs, f.candidate, numeric::Profile::f32_angle).cases.at(0).verdict, Verdict::pass);

  golden::Golden swapped = f.g;
  swapped.spec.layout = Layout::half_split;
  io::write_output_file(f.candidate, io::serialize_safetensors(builtin_candidate_file(swapped, kernels::TableMode::accurate)));
  const CheckRun run = check_tensors(f.inputs, f.candidate, numeric::Profile::exact);
  const CaseCheck& c = run.cases.at(0);
  EXPECT_EQ(c.verdict, Verdict::fail);
  EXPECT_FALSE(run.passed());
  ASSERT_FALSE(c.diagnosis.explanations.empty());
  EXPECT_EQ(c.diagnosis.explanations.front().name, "swapped_layout") << c.diagnosis.explanations.front().description;
}

// .npy inputs of any leading shape: x [B, T, H, D] with positions [B, T].
TEST(tensor_check, reads_npy_inputs_with_batch_dimensions) {
  const fs::path dir = fresh_directory("npy");
  UserFiles f = user_files("golden/v1/llama2_7b_interleaved_f32.safetensors", kernels::TableMode::accurate, dir);
  const golden::Golden& g = f.g;
  ASSERT_EQ(g.tokens % 2, 0u);
  const std::uint64_t batch = 2, tokens = g.tokens / 2;
  std::vector<unsigned char> x(g.x.size() * 4), positions(g.positions.size() * 8);  // f32, i64
  for (std::size_t k = 0; k < g.x.size(); ++k) {
    const float v = static_cast<float>(g.x[k]);  // exact: the golden's x is f32
    std::memcpy(&x[4 * k], &v, 4);
  }
  std::memcpy(positions.data(), g.positions.data(), positions.size());
  f.inputs.x = dir / "q.npy";
  f.inputs.positions = dir / "positions.npy";
  write_npy(f.inputs.x, "<f4", {batch, tokens, g.heads, g.spec.head_dim}, x);
  write_npy(f.inputs.positions, "<i8", {batch, tokens}, positions);
  const CheckRun run = check_tensors(f.inputs, f.candidate, numeric::Profile::exact);
  EXPECT_EQ(run.cases.at(0).case_id, "q");
  expect_same_judgement(golden_judgement(f, "llama2_7b_interleaved_f32", numeric::Profile::exact), run.cases.at(0),
                        "npy");
}

// What the reference cannot be formed from is refused before any work, with one line
// naming the file; what keeps a candidate from being measured is its case's error.
TEST(tensor_check, refuses_bad_inputs_and_makes_bad_candidates_errors) {
  const fs::path dir = fresh_directory("bad");
  const UserFiles f = user_files("golden/v1/llama2_7b_interleaved_f32.safetensors", kernels::TableMode::accurate, dir);
  const golden::Golden& g = f.g;
  const auto refused = [&](TensorCheckInputs in, const std::string& expected) {
    try {
      check_tensors(in, f.candidate, numeric::Profile::exact);
      ADD_FAILURE() << "accepted: " << expected;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  const auto with_x = [&](io::Tensor x) {
    TensorCheckInputs in = f.inputs;
    in.x = dir / ("x_" + std::to_string(std::rand()) + ".safetensors");
    write_tensor(in.x, std::move(x));
    return in;
  };
  const std::uint64_t t = g.tokens, h = g.heads, d = g.spec.head_dim;
  refused(with_x(io::tensor_from_doubles("x", io::StDtype::F64, {t, h, d}, g.x)), "expected F32, BF16 or F16");
  refused(with_x(io::tensor_from_doubles("x", io::StDtype::F32, {t, h * 2, d / 2}, g.x)), "expected [..., tokens, heads");
  refused(with_x(io::tensor_from_doubles("x", io::StDtype::F32, {t * h * d}, g.x)), "expected [..., tokens, heads");
  refused(with_x(io::tensor_from_doubles("x", io::StDtype::F32, {0, h, d}, {})), "holds no elements");
  refused(with_x(io::tensor_from_doubles("x", io::StDtype::F32, {t / 2, 2 * h, d}, g.x)), "positions have shape");
  TensorCheckInputs in = f.inputs;
  in.positions = dir / "float_positions.safetensors";
  std::vector<double> as_doubles(g.positions.begin(), g.positions.end());
  write_tensor(in.positions, io::tensor_from_doubles("positions", io::StDtype::F64, {t}, as_doubles));
  refused(in, "expected integers");
  in = f.inputs;
  in.x = dir / "missing.npy";
  refused(in, "missing.npy: cannot read the input tensor x");
  // A header that promises more than the file holds: refused from the header alone.
  in = f.inputs;
  in.x = dir / "short.npy";
  write_npy(in.x, "<f4", {t, h, d}, std::vector<unsigned char>(16));
  refused(in, "data too short");
  in = f.inputs;
  in.spec.head_dim = 64;
  in.spec.rotary_dim = 64;
  refused(in, "head_dim 64 of the spec");

  const auto candidate_error = [&](const fs::path& candidate, const std::string& expected) {
    const CheckRun run = check_tensors(f.inputs, candidate, numeric::Profile::exact);
    EXPECT_EQ(run.cases.at(0).verdict, Verdict::error) << expected;
    EXPECT_FALSE(run.passed());
    EXPECT_NE(run.cases.at(0).problem.find(expected), std::string::npos) << run.cases.at(0).problem;
  };
  candidate_error(dir / "none.safetensors", "cannot read a candidate file");
  const fs::path narrow = dir / "narrow.safetensors";
  write_tensor(narrow, io::tensor_from_doubles("out", io::StDtype::F32, {t, h, d / 2},
                                               std::vector<double>(t * h * d / 2, 0.0)));
  candidate_error(narrow, "candidate shape");
  const fs::path ints = dir / "ints.safetensors";
  write_tensor(ints, io::tensor_from_int64s("out", {t, h, d}, std::vector<std::int64_t>(t * h * d, 0)));
  candidate_error(ints, "expected F32, BF16, F16 or F64");
}

// A file read piece by piece that shrinks meanwhile is an error, never a crash (nothing is
// mapped, so there is no SIGBUS to take).
TEST(tensor_check, a_file_that_shrinks_while_read_is_refused) {
  const fs::path dir = fresh_directory("shrink");
  const fs::path path = dir / "x.npy";
  write_npy(path, "<f4", {1024}, std::vector<unsigned char>(4096, 0));
  const io::TensorStream x = io::TensorStream::open(path, "x", "the input tensor x");
  EXPECT_EQ(x.doubles(1000, 24), std::vector<double>(24, 0.0));
  fs::resize_file(path, 2048);
  try {
    x.doubles(1000, 24);
    ADD_FAILURE() << "read past a truncation";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("shrank"), std::string::npos) << e.what();
  }
  EXPECT_THROW(x.doubles(1020, 5), InvalidInput);  // past the tensor's end
}
