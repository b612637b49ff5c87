// Golden cases and files (ropecheck/golden/): the catalogue's rules, positions and inputs
// as documented, golden files that hold the exact reference, byte-for-byte determinism,
// shards that partition the set, and a verifier that catches every kind of tampering.
#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <span>
#include <tuple>
#include <vector>
#include <set>
#include <string>

#include "ropecheck/errors.h"
#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/golden/case_inputs.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/golden/golden_set.h"
#include "ropecheck/golden/scheduler_shard.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/io/sha256sums.h"
#include "ropecheck/json_excerpt.h"
#include "ropecheck/numeric/ulp.h"
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

using namespace ropecheck;
using namespace ropecheck::golden;
namespace fs = std::filesystem;

namespace {

const char* kSpec = R"({"head_dim":8,"rotary_dim":8,"layout":"half_split","base":10000,"scaling":{"type":"none"}})";

std::string catalogue_with(const std::string& case_body) {
  return std::string(R"({"format":"ropecheck-cases/1","cases":[)") + case_body + "]}";
}

std::string small_case(const std::string& id, const std::string& extra = "") {
  return R"({"id":")" + id + R"(","description":"d","spec":)" + kSpec +
         R"(,"input_dtype":"bf16","output_dtype":"bf16")" + extra + "}";
}

GoldenCase parse_one(const std::string& body) { return parse_case_catalogue(catalogue_with(body), "t.json").at(0); }

void expect_invalid(const std::string& text, const std::string& needle) {
  try {
    parse_case_catalogue(text, "t.json");
    ADD_FAILURE() << "accepted: " << text;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line: " << e.what();
  }
}

// A fresh empty directory under the test's temporary directory.
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("ropecheck_golden_test_" + name);
  fs::remove_all(dir);
  return dir;
}

std::vector<GoldenCase> small_catalogue() {
  return parse_case_catalogue(
      catalogue_with(small_case("a", R"(,"heads":1,"positions":{"values":[0,1,70000]})") + "," +
                     small_case("b", R"(,"inputs":"edge","positions":{"special":false,"random":3})") + "," +
                     small_case("c", R"(,"inputs":"cancellation","positions":{"max":300,"random":2})")),
      "small");
}

}  // namespace

TEST(golden_catalogue, rejects_what_it_does_not_understand_naming_the_case) {
  expect_invalid("[]", "must be a JSON object");
  expect_invalid(R"({"format":"ropecheck-cases/2","cases":[]})", "'format' must be");
  expect_invalid(catalogue_with(small_case("x", R"(,"head":2)")), "case 'x': unknown key 'head'");
  expect_invalid(catalogue_with(small_case("x") + "," + small_case("x")), "'x' appears twice");
  expect_invalid(catalogue_with(small_case("Bad-Id")), "[a-z0-9_]");
  expect_invalid(catalogue_with(small_case("x", R"(,"heads":0)")), "'heads' = 0 is outside");
  expect_invalid(catalogue_with(small_case("x", R"(,"inputs":"gaussian")")), "unknown inputs 'gaussian'");
  expect_invalid(catalogue_with(small_case("x", R"(,"positions":{"values":[16777216]})")), "positions.values");
  expect_invalid(catalogue_with(small_case("x", R"(,"positions":{"values":[-1]})")), "positions.values");
  expect_invalid(catalogue_with(small_case("x", R"(,"positions":{"special":false,"random":0})")), "selects no position");
  expect_invalid(catalogue_with(small_case("x", R"(,"positions":{"values":[1],"random":2})")), "takes no other key");
  expect_invalid(catalogue_with(R"({"id":"x","description":"d","spec":{"head_dim":7,"layout":"interleaved","base":10000},"input_dtype":"f32","output_dtype":"f32"})"),
                 "case 'x': spec:");
  expect_invalid(catalogue_with(R"({"id":"x","description":"d","spec":)" + std::string(kSpec) +
                                R"(,"input_dtype":"f64","output_dtype":"f32"})"),
                 "f32, bf16 or f16");
}

TEST(golden_catalogue, a_deeply_nested_value_is_named_without_recursing_into_it) {
  // nlohmann parses any depth iteratively, but dump() recursed once per level when the
  // error message quoted the value. Found by fuzz/catalogue_fuzz.cc with a "heads" 200 000
  // arrays deep; a Release build crashed from 100 000 levels, so twice that.
  constexpr std::size_t kLevels = 200'000;
  const std::string deep = std::string(kLevels, '[') + std::string(kLevels, ']');
  expect_invalid(catalogue_with(small_case("x", R"(,"heads":)" + deep)),
                 "case 'x': 'heads' must be an integer, got an array of 1 element");
  expect_invalid(catalogue_with(R"({"id":"x","description":"d","spec":{"head_dim":)" + deep +
                                R"(,"layout":"interleaved","base":10000},"input_dtype":"f32","output_dtype":"f32"})"),
                 "case 'x': spec: 'head_dim' must be an integer, got an array of 1 element");
  // A long string is cut, so the message stays one short line: the fixed text around
  // the excerpt is well under kMessageSlack bytes.
  constexpr std::size_t kLongStringBytes = 100'000;
  constexpr std::size_t kMessageSlack = 100;
  try {
    parse_case_catalogue(catalogue_with(small_case("x", R"(,"seed":")" + std::string(kLongStringBytes, 'a') + "\"")),
                         "t.json");
    ADD_FAILURE() << "accepted a string seed";
  } catch (const InvalidInput& e) {
    EXPECT_LT(std::string(e.what()).size(), kMaxExcerptBytes + kMessageSlack) << e.what();
  }
}

TEST(golden_catalogue, the_committed_catalogue_reads_and_names_its_files) {
  const auto cases = read_case_catalogue(fs::path(ROPECHECK_SOURCE_DIR) / "golden/cases.json");
  ASSERT_GE(cases.size(), 20u);
  std::set<Layout> layouts;
  std::set<Dtype> dtypes;
  std::set<InputKind> inputs;
  bool partial = false;
  for (const GoldenCase& c : cases) {
    layouts.insert(c.spec.layout);
    dtypes.insert(c.output_dtype);
    inputs.insert(c.inputs);
    partial |= c.spec.rotary_dim < c.spec.head_dim;
    EXPECT_EQ(golden_file_name(c), c.id + ".safetensors");
    EXPECT_FALSE(c.description.empty()) << c.id;
  }
  EXPECT_EQ(layouts.size(), 2u);
  EXPECT_EQ(dtypes.size(), 3u);
  EXPECT_EQ(inputs.size(), 5u);
  EXPECT_TRUE(partial);
}

TEST(golden_inputs, special_positions_are_powers_of_two_and_their_neighbours) {
  const GoldenCase c = parse_one(small_case("p", R"(,"positions":{"random":5})"));
  const std::vector<std::int64_t> positions = case_positions(c);
  const std::set<std::int64_t> set(positions.begin(), positions.end());
  for (const std::int64_t m : {0, 1, 2, 255, 256, 257, 2047, 2048, 2049, 524287, 524288, 524289, 1048575}) {
    EXPECT_TRUE(set.count(m)) << m;
  }
  EXPECT_FALSE(set.count(1048576)) << "beyond the default max 2^20 − 1";
  for (const std::int64_t m : positions) EXPECT_LE(m, kDefaultMaxPosition);
  EXPECT_EQ(positions, case_positions(c)) << "deterministic";
  GoldenCase other = c;
  other.seed = c.seed + 1;
  EXPECT_NE(positions, case_positions(other)) << "the random positions follow the seed";
}

TEST(golden_inputs, every_input_is_exact_in_the_input_dtype_and_kinds_do_what_they_say) {
  for (const char* dtype : {"f32", "bf16", "f16"}) {
    for (const char* kind : {"normal", "ones", "unit", "cancellation", "edge"}) {
      GoldenCase c = parse_one(R"({"id":"k","description":"d","spec":)" + std::string(kSpec) + R"(,"input_dtype":")" +
                               dtype + R"(","output_dtype":")" + dtype + R"(","inputs":")" + kind + R"("})");
      const auto positions = case_positions(c);
      const auto x = case_inputs(c, positions);
      ASSERT_EQ(x.size(), positions.size() * c.heads * c.spec.head_dim);
      std::size_t nan = 0, inf = 0, subnormal = 0;
      for (const double v : x) {
        if (std::isnan(v)) {
          ++nan;
          continue;
        }
        const double back = static_cast<double>(
            reference::decode_exact(reference::round_to_bits(reference::Real(v), c.input_dtype), c.input_dtype));
        EXPECT_EQ(back, v) << dtype << " " << kind;
        inf += std::isinf(v);
        subnormal += v != 0 && std::isfinite(v) && std::fabs(v) < std::ldexp(1.0, format_of(c.input_dtype).min_exponent);
      }
      const std::string k = kind;
      if (k == "ones") {
        for (const double v : x) EXPECT_EQ(v, 1.0);
      } else if (k == "unit") {
        double sum = 0;
        for (const double v : x) sum += v;
        EXPECT_EQ(sum, static_cast<double>(positions.size() * c.heads));
      } else if (k == "edge") {
        EXPECT_GT(nan, 0u);
        EXPECT_GT(inf, 0u);
        EXPECT_GT(subnormal, 0u);
      } else if (k == "cancellation") {
        // a = RN(r sin φ) + e_a, b = RN(r cos φ) + e_b, so a' = e_a cos φ − e_b sin φ: at most
        // u_in·(|a| + |b|)(1 + u_in) ≤ 2u_in·(|a| + |b|), plus half a subnormal quantum for
        // each of a and b where they underflow (the relative bound stops there).
        const auto exact = reference::exact_rope(c.spec, positions, x, c.heads);
        const double u_in = std::ldexp(1.0, -format_of(c.input_dtype).precision);
        for (std::size_t row = 0; row < positions.size() * c.heads; ++row) {
          for (std::size_t i = 0; i < c.spec.pairs(); ++i) {
            const double a = x[row * 8 + i], b = x[row * 8 + i + 4];
            EXPECT_LE(std::fabs(exact.expected[row * 8 + i]),
                      2 * u_in * (std::fabs(a) + std::fabs(b)) + 2 * numeric::underflow_half_quantum(c.input_dtype));
          }
        }
      }
    }
  }
}

// A sweep generates its tokens in chunks (report/precision_sweep.h): the stream's stretches
// concatenated are the inputs of one call, for every kind and for multi-axis positions.
// Negative control: the second stretch generated afresh (case_inputs of its positions
// alone) is other inputs for every kind but ones — the stream must carry on, not restart.
TEST(golden_inputs, a_stream_in_stretches_gives_the_inputs_of_one_call) {
  const std::string mrope = R"({"head_dim":32,"layout":"half_split","base":1000000,"mrope_section":[4,6,6]})";
  for (const std::string& spec : {std::string(kSpec), mrope}) {
    for (const char* kind : {"normal", "ones", "unit", "cancellation", "edge"}) {
      const GoldenCase c = parse_one(R"({"id":"k","description":"d","spec":)" + spec +
                                     R"(,"input_dtype":"bf16","output_dtype":"bf16","heads":3,"inputs":")" + kind + R"("})");
      const std::size_t axes = position_axes(c.spec);
      const std::vector<std::int64_t> positions = case_positions(c);
      const std::vector<double> whole = case_inputs(c, PositionsView(positions, axes));
      const std::size_t tokens = positions.size() / axes, row = c.heads * c.spec.head_dim;
      for (const std::size_t split : {std::size_t{1}, tokens / 2, tokens - 1}) {
        CaseInputStream stream(c);
        const std::span<const std::int64_t> all(positions);
        const std::vector<double> first = stream.next(PositionsView(all.first(split * axes), axes));
        const std::vector<double> second = stream.next(PositionsView(all.subspan(split * axes), axes));
        std::vector<double> joined = first;
        joined.insert(joined.end(), second.begin(), second.end());
        ASSERT_EQ(joined.size(), whole.size()) << kind;
        EXPECT_EQ(std::memcmp(joined.data(), whole.data(), whole.size() * sizeof(double)), 0) << kind << " split " << split;
        const std::vector<double> afresh = case_inputs(c, PositionsView(all.subspan(split * axes), axes));
        ASSERT_EQ(afresh.size(), (tokens - split) * row);
        const bool same = std::memcmp(afresh.data(), second.data(), afresh.size() * sizeof(double)) == 0;
        EXPECT_EQ(same, std::string(kind) == "ones") << kind << " split " << split;
      }
    }
  }
}

TEST(golden_file, holds_the_exact_result_and_its_correct_rounding) {
  for (const GoldenCase& c : small_catalogue()) {
    const io::SafetensorsFile file = make_golden_file(c);
    const std::vector<unsigned char> bytes = io::serialize_safetensors(file);
    const Golden g = parse_golden(io::parse_safetensors(bytes, c.id), c.id);
    EXPECT_EQ(g.case_id, c.id);
    EXPECT_EQ(g.spec, c.spec);
    EXPECT_EQ(g.positions, case_positions(c));
    const auto exact = reference::exact_rope(c.spec, g.positions, g.x, g.heads);
    ASSERT_EQ(g.expected.size(), exact.expected.size());
    for (std::size_t k = 0; k < g.expected.size(); ++k) {
      const double e = exact.expected[k];
      if (std::isnan(e)) {
        EXPECT_TRUE(std::isnan(g.expected[k]));
        continue;
      }
      EXPECT_EQ(g.expected[k], e) << c.id << " " << k;
      // expected_rounded is within half an output ulp of the exact value; checked through the
      // double e, itself within 2^-53·|e| of it (and correct rounding is exact below the
      // normal range, where ulp_at is the fixed quantum).
      const double rounded = static_cast<double>(reference::decode_exact(g.expected_bits[k], c.output_dtype));
      if (std::isinf(rounded)) continue;
      EXPECT_LE(std::fabs(rounded - e), 0.5 * numeric::ulp_at(e, c.output_dtype) + 0x1p-53 * std::fabs(e)) << c.id << " " << k;
    }
    EXPECT_EQ(file.metadata.at("format"), "ropecheck-golden/1");
    EXPECT_EQ(file.metadata.at("precision_bits"), "257");
    EXPECT_EQ(bytes, io::serialize_safetensors(make_golden_file(c))) << "deterministic to the byte";
  }
}

TEST(golden_file, a_damaged_golden_file_is_invalid_input_naming_the_rule) {
  const GoldenCase c = small_catalogue().at(0);
  io::SafetensorsFile file = make_golden_file(c);
  file.metadata["format"] = "ropecheck-golden/0";
  EXPECT_THROW(parse_golden(file, "f"), InvalidInput);
  file = make_golden_file(c);
  std::erase_if(file.tensors, [](const io::Tensor& t) { return t.name == "cos"; });
  try {
    parse_golden(file, "f");
    ADD_FAILURE();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("cos"), std::string::npos) << e.what();
  }
}

TEST(golden_set, shards_partition_the_catalogue) {
  const auto cases = small_catalogue();
  std::multiset<std::string> seen;
  for (std::size_t i = 1; i <= 2; ++i) {
    for (const GoldenCase& c : select_cases(cases, "", Shard{i, 2})) seen.insert(c.id);
  }
  EXPECT_EQ(seen, (std::multiset<std::string>{"a", "b", "c"}));
  EXPECT_EQ(select_cases(cases, "b", Shard{}).size(), 1u);
  EXPECT_THROW(select_cases(cases, "zz", Shard{}), InvalidInput);
  for (const char* bad : {"0/2", "3/2", "1/0", "1", "a/b", "1/2/3", "/2"}) EXPECT_THROW(parse_shard(bad), InvalidInput) << bad;
  EXPECT_EQ(parse_shard("2/3").index, 2u);
}

TEST(golden_set, shards_written_into_one_directory_verify_and_tampering_is_caught) {
  const auto cases = small_catalogue();
  const fs::path dir = fresh_dir("verify");
  generate_golden_set(cases, select_cases(cases, "", Shard{2, 2}), dir);
  generate_golden_set(cases, select_cases(cases, "", Shard{1, 2}), dir);
  VerifySummary s = verify_golden_set(cases, cases, dir);
  EXPECT_EQ(s.checked, 3u);
  EXPECT_TRUE(s.problems.empty()) << s.problems.front().file << ": " << s.problems.front().problem;

  // Negative controls: one flipped byte, a missing file, a stale digest, a stray entry.
  const fs::path a = dir / "a.safetensors";
  std::vector<unsigned char> bytes = io::read_input_file(a, "a test file", io::kMaxTensorFileBytes);
  bytes[bytes.size() - 3] ^= 1;
  io::write_output_file(a, bytes);
  s = verify_golden_set(cases, cases, dir);
  ASSERT_EQ(s.problems.size(), 1u);
  EXPECT_EQ(s.problems[0].file, "a.safetensors");
  EXPECT_NE(s.problems[0].problem.find("differs"), std::string::npos);

  fs::remove(dir / "b.safetensors");
  const std::vector<unsigned char> sums_bytes = io::read_input_file(dir / "SHA256SUMS", "a test file", io::kMaxTensorFileBytes);
  std::string sums(sums_bytes.begin(), sums_bytes.end());
  sums.replace(0, 1, sums[0] == '0' ? "1" : "0");  // the first line is a's
  sums += std::string(64, 'a') + "  stray.safetensors\n";
  io::write_output_file(dir / "SHA256SUMS", std::span(reinterpret_cast<const unsigned char*>(sums.data()), sums.size()));
  s = verify_golden_set(cases, cases, dir);
  std::set<std::string> problems;
  for (const auto& p : s.problems) problems.insert(p.file + ": " + p.problem.substr(0, 12));
  EXPECT_TRUE(problems.count("b.safetensors: missing")) << s.problems.size();
  EXPECT_TRUE(problems.count("a.safetensors: SHA256SUMS l")) << s.problems.size();
  EXPECT_TRUE(problems.count("stray.safetensors: listed in SH")) << s.problems.size();

  fs::remove(dir / "SHA256SUMS");
  EXPECT_THROW(verify_golden_set(cases, cases, dir), InvalidInput);
  fs::remove_all(dir);
}

// Everything under golden/ (the catalogue's set, the models' set, the configs) is committed:
// it stays under 16 MB.
TEST(golden_set, the_committed_golden_data_stays_under_16_mb) {
  std::uintmax_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(ROPECHECK_SOURCE_DIR) / "golden")) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  EXPECT_GT(total, 0u);
  EXPECT_LT(total, 16u << 20);
}

// A model case's other layer types are read back as specs; anything else there is invalid.
TEST(golden_file, other_layer_types_are_read_and_checked) {
  const GoldenCase c = small_catalogue().at(0);
  io::SafetensorsFile file = make_golden_file(c);
  file.metadata["other_layer_types"] = R"({"sliding_attention":{"head_dim":8,"layout":"half_split","base":10000}})";
  const Golden g = parse_golden(file, "f");
  ASSERT_EQ(g.other_layer_types.size(), 1u);
  EXPECT_EQ(g.other_layer_types[0].first, "sliding_attention");
  EXPECT_EQ(g.other_layer_types[0].second.base, 10000);
  std::string many = "{";  // one more layer type than a file may carry
  for (int k = 0; k < 17; ++k) many += fmt::format("{}\"t{}\":{{\"head_dim\":8,\"base\":10000}}", k ? "," : "", k);
  many += "}";
  const std::vector<std::string> bad_values = {"[1]", many, "{\"x\":1}", "{\"Bad Name\":{\"head_dim\":8,\"base\":10000}}",
                                               "{\"a\":{\"head_dim\":8,\"base\":0.5}}", "{", ""};
  for (const std::string& bad : bad_values) {
    file.metadata["other_layer_types"] = bad;
    try {
      parse_golden(file, "f");
      ADD_FAILURE() << bad;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find("other_layer_types"), std::string::npos) << e.what();
    }
  }
}

// Multi-axis positions: [T, A] in the file, the grid's components as position_grids.h
// says, and a file whose positions do not have the spec's axes is refused.
TEST(golden_file, multi_axis_positions_are_t_by_a_and_checked_against_the_spec) {
  GoldenCase c;
  c.id = "mrope";
  c.spec.head_dim = c.spec.rotary_dim = 16;
  c.spec.layout = Layout::half_split;
  c.spec.mrope_section = std::array<std::size_t, 3>{2, 3, 3};
  c.positions.max = 999;  // context 1000
  const io::SafetensorsFile file = make_golden_file(c);
  const Golden g = parse_golden(file, c.id);
  EXPECT_EQ(g.axes, 3u);
  EXPECT_EQ(g.tokens, 66u);  // two sequences of 33
  EXPECT_EQ(file.get("positions", c.id).shape, (std::vector<std::uint64_t>{66, 3}));
  // The first image token: text 0..3 then base 4 at (τ, y, x) = (0, 0, 0).
  EXPECT_EQ(std::vector<std::int64_t>(g.positions.begin() + 12, g.positions.begin() + 15), (std::vector<std::int64_t>{4, 4, 4}));
  // The long sequence's last video frame: base 996, τ = 3 at step 500.
  const std::int64_t largest = *std::max_element(g.positions.begin(), g.positions.end());
  EXPECT_EQ(largest, 996 + 3 * 500 + 15);  // its trailing text resumes at max + 1
  io::SafetensorsFile flat = file;
  for (io::Tensor& t : flat.tensors) {
    if (t.name == "positions") t.shape = {66 * 3};
  }
  try {
    parse_golden(flat, "f");
    ADD_FAILURE();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("shape [T, 3]"), std::string::npos) << e.what();
  }
  // A catalogue's explicit values must be whole tokens of the spec's axes.
  nlohmann::json j = case_to_json(c);
  j["positions"] = {{"values", {1, 2, 3, 4}}};
  EXPECT_THROW(case_from_json(j, "test"), InvalidInput);
  j["positions"] = {{"values", {1, 2, 3, 4, 5, 6}}};
  EXPECT_EQ(case_positions(case_from_json(j, "test")).size(), 6u);
}

// --shard auto: each scheduler's variables give a shard; none, a partial set, a
// non-contiguous Slurm array, a Kubernetes index without its count, or two sources that
// disagree are errors (a sweep that cannot tell its part must not run all of it).
TEST(scheduler_shard, reads_slurm_kubernetes_and_gtest_style_variables) {
  using Env = std::map<std::string, std::string>;
  const auto shard = [](const std::string& text, const Env& env) {
    return shard_from_scheduler(text, [&env](const char* name) -> const char* {
      const auto it = env.find(name);
      return it == env.end() ? nullptr : it->second.c_str();
    });
  };
  const Env slurm{{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_MIN", "5"}, {"SLURM_ARRAY_TASK_MAX", "8"},
                  {"SLURM_ARRAY_TASK_COUNT", "4"}};
  SchedulerShard s = shard("auto", slurm);
  EXPECT_EQ(s.shard.index, 3u);
  EXPECT_EQ(s.shard.count, 4u);
  EXPECT_EQ(s.source, "SLURM_ARRAY_TASK_ID=7 of 5-8");
  s = shard("auto:4", {{"JOB_COMPLETION_INDEX", "0"}});
  EXPECT_EQ(s.shard.index, 1u);
  EXPECT_EQ(s.shard.count, 4u);
  s = shard("auto", {{"ROPECHECK_SHARD_INDEX", "1"}, {"ROPECHECK_TOTAL_SHARDS", "2"}});
  EXPECT_EQ(s.shard.index, 2u);
  EXPECT_EQ(s.shard.count, 2u);
  // Two sources that agree are one shard.
  Env both = slurm;
  both["ROPECHECK_SHARD_INDEX"] = "2";
  both["ROPECHECK_TOTAL_SHARDS"] = "4";
  EXPECT_EQ(shard("auto", both).shard.index, 3u);
  for (const auto& [text, env, rule] : std::vector<std::tuple<std::string, Env, std::string>>{
           {"auto", {}, "no scheduler gave a shard"},
           {"auto", {{"JOB_COMPLETION_INDEX", "1"}}, "use --shard auto:N"},
           {"auto:2", {{"JOB_COMPLETION_INDEX", "2"}}, "not a shard of 2"},
           {"auto", {{"SLURM_ARRAY_TASK_ID", "1"}}, "without SLURM_ARRAY_TASK_MIN"},
           {"auto", {{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_MAX", "6"},
                     {"SLURM_ARRAY_TASK_COUNT", "4"}}, "not contiguous"},
           {"auto", {{"ROPECHECK_SHARD_INDEX", "1"}}, "set both"},
           {"auto", {{"ROPECHECK_SHARD_INDEX", "x"}, {"ROPECHECK_TOTAL_SHARDS", "2"}}, "not an integer"},
           {"auto:0", {{"JOB_COMPLETION_INDEX", "0"}}, "N ≥ 1"},
           {"auto:3", slurm, "says 4 shards"},
           {"autox", slurm, "must be I/N, auto or auto:N"}}) {
    try {
      shard(text, env);
      ADD_FAILURE() << text << " was accepted";
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(rule), std::string::npos) << text << ": " << e.what();
    }
  }
  Env disagree = slurm;
  disagree["ROPECHECK_SHARD_INDEX"] = "0";
  disagree["ROPECHECK_TOTAL_SHARDS"] = "4";
  EXPECT_THROW(shard("auto", disagree), InvalidInput);
}
