// The `ropecheck` command line: exit codes, one-line errors, --help on every subcommand,
// and the seed's decay table.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

#include "support/run_cli.h"

using ropecheck::testing::CliResult;
using ropecheck::testing::run_cli;
namespace {
std::size_t lines(const std::string& s) { return ropecheck::testing::count_lines(s); }
}  // namespace

TEST(cli, every_subcommand_has_help) {
  for (const char* sub : {"", "decay ", "props ", "golden ", "check ", "apply ", "report ", "report merge "}) {
    const CliResult r = run_cli(std::string(sub) + "--help");
    EXPECT_EQ(r.exit_code, 0) << sub;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
  }
}

TEST(cli, decay_prints_the_seed_curve_at_full_precision) {
  const CliResult r = run_cli("decay --dim 128 --max-distance 256");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(lines(r.out), 258u);
  EXPECT_EQ(r.out.rfind("distance,f,sum_abs_S\n0,32.5,2080\n", 0), 0u) << r.out.substr(0, 80);
  // f(1) printed with at least 17 significant digits
  const std::size_t start = r.out.find("\n1,") + 3;
  const std::string f1 = r.out.substr(start, r.out.find(',', start) - start);
  EXPECT_GE(f1.size(), 18u) << f1;
}

TEST(cli, decay_json_is_one_document) {
  const CliResult r = run_cli("decay --dim 8 --max-distance 2 --format json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("{\"dim\":8,\"base\":10000,\"points\":[{\"distance\":0,\"f\":2.5,", 0), 0u) << r.out;
}

TEST(cli, bad_usage_exits_2_with_one_line) {
  for (const char* args : {"decay --dim 7 --max-distance 3", "decay --dim 128", "decay --dim 8 --max-distance 3 --base 1",
                           "decay --dim 8 --max-distance 3 --format xml", "props --cases 0",
                           // Integers are parsed strictly: a sign wrapped to a huge unsigned
                           // value crashed the reference, -1 read as "above 100000000".
                           "decay --dim -2 --max-distance 3", "decay --dim 4294967296 --max-distance 3",
                           "decay --dim 8 --max-distance -1", "decay --dim 8 --max-distance 3x", "props --cases -1",
                           "props --seed -1", "report --out /tmp/x --threshold nan", "report merge --out /tmp/x --threshold -1 a.json", "frobnicate", "",
                           "golden", "golden --out /tmp/x --verify /tmp/y", "golden --cases /nonexistent.json --out /tmp/x",
                           "golden --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --out /tmp/x --shard 3/2",
                           "golden --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --out /tmp/x --case nope",
                           "golden --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --verify /nonexistent",
                           "check --golden " ROPECHECK_SOURCE_DIR "/golden/v1",
                           "check --golden " ROPECHECK_SOURCE_DIR "/golden/v1 --candidate /nonexistent",
                           "check --golden " ROPECHECK_SOURCE_DIR "/golden/v1 --candidate /tmp --profile loose",
                           "check --golden /nonexistent.safetensors --candidate /tmp",
                           "apply --golden /nonexistent --out /tmp/x",
                           "props --plugin /nonexistent.so", "props --plugin " ROPECHECK_NO_ENTRY_PLUGIN,
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --profile loose"}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << args << ": " << r.out;
  }
}

TEST(cli, props_runs_the_battery_and_reports_each_check) {
  const CliResult r = run_cli("props --cases 30 --seed 7");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("seed 7"), std::string::npos);
  EXPECT_NE(r.out.find("CAUGHT"), std::string::npos);
  EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
}

// The committed golden set is what the catalogue generates, byte for byte (what CI checks).
TEST(cli, golden_verify_reproduces_the_committed_set) {
  const CliResult r = run_cli("golden --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --verify " ROPECHECK_SOURCE_DIR
                              "/golden/v1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("reproduce byte for byte"), std::string::npos) << r.out;
}

TEST(cli, golden_verify_exits_1_on_a_changed_file) {
  const std::string dir = testing::TempDir() + "ropecheck_cli_golden";
  const std::string cases = "--cases " ROPECHECK_SOURCE_DIR "/golden/cases.json";
  ASSERT_EQ(run_cli("golden " + cases + " --case head_dim_2_f32 --out " + dir).exit_code, 0);
  EXPECT_EQ(run_cli("golden " + cases + " --case head_dim_2_f32 --verify " + dir).exit_code, 0);
  // Append a byte: still a file, no longer the golden one.
  std::FILE* f = std::fopen((dir + "/head_dim_2_f32.safetensors").c_str(), "ab");
  ASSERT_NE(f, nullptr);
  std::fputc(' ', f);
  std::fclose(f);
  const CliResult r = run_cli("golden " + cases + " --case head_dim_2_f32 --verify " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("DIFFERS head_dim_2_f32.safetensors"), std::string::npos) << r.out;
}

// The gate end to end: the built-in kernels pass `exact`; with f32-angle tables they fail
// it (exit 1, the worst element named) and pass `f32-angle`; --json and --junit are written.
TEST(cli, check_passes_the_kernels_and_fails_f32_angle_tables_under_exact) {
  const std::string golden = "--golden " ROPECHECK_SOURCE_DIR "/golden/v1";
  const std::string dir = testing::TempDir() + "ropecheck_cli_check";
  ASSERT_EQ(run_cli("apply " + golden + " --out " + dir + "/accurate").exit_code, 0);
  ASSERT_EQ(run_cli("apply " + golden + " --out " + dir + "/f32 --table f32_angle").exit_code, 0);
  CliResult r = run_cli("check " + golden + " --candidate " + dir + "/accurate --json " + dir + "/a.json --junit " + dir +
                        "/a.xml");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("cases pass under profile exact"), std::string::npos) << r.out;
  EXPECT_GT(std::filesystem::file_size(dir + "/a.json"), 0u);
  EXPECT_GT(std::filesystem::file_size(dir + "/a.xml"), 0u);
  r = run_cli("check " + golden + " --candidate " + dir + "/f32");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL llama2_7b_interleaved_f32: worst element token"), std::string::npos) << r.out;
  EXPECT_EQ(run_cli("check " + golden + " --candidate " + dir + "/f32 --profile f32-angle").exit_code, 0);
}

// Plugins (DESIGN §4): the shipped kernels plugin passes the battery; the deliberately
// buggy one fails with a shrunk counterexample and the command that reproduces it; a
// crashing one is a reported failure, and ropecheck itself survives it.
TEST(cli, props_plugin_passes_the_kernels_plugin) {
  const CliResult r = run_cli("props --plugin " ROPECHECK_KERNELS_PLUGIN " --cases 20");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("plugin ropecheck kernels: a whole-sequence call equals token-by-token calls"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
}

TEST(cli, props_plugin_fails_the_buggy_plugin_with_a_reproducible_counterexample) {
  const CliResult r = run_cli("props --plugin " ROPECHECK_BUGGY_PLUGIN " --cases 20 --seed 5");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL   plugin buggy example (in-place pair update): norm is preserved"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("spec {"), std::string::npos) << "the shrunk case is printed: " << r.out;
  EXPECT_NE(r.out.find("reproduce: ropecheck props --plugin " ROPECHECK_BUGGY_PLUGIN " --profile exact --seed 5 --cases 20"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("SKIP   bf16 properties"), std::string::npos) << r.out;
}

TEST(cli, props_plugin_reports_a_crashing_plugin_as_a_failure) {
  const CliResult r = run_cli("props --plugin " ROPECHECK_CRASHING_PLUGIN " --cases 10");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("crashed with SIGSEGV"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("props: "), std::string::npos) << "ropecheck finished its report: " << r.out;
}

// A malformed golden file is bad input: exit 2 with one line naming the file and the
// broken rule (the rules themselves are tested one by one in io_test). A malformed
// candidate is that case's error verdict: exit 1, the file and the rule in the table.
TEST(cli, check_names_the_file_and_rule_of_a_malformed_file) {
  const std::string dir = testing::TempDir() + "ropecheck_cli_malformed";
  std::filesystem::create_directories(dir);
  const std::string golden = ROPECHECK_SOURCE_DIR "/golden/v1/head_dim_2_f32.safetensors";
  const auto write = [&](const std::string& name, const std::string& bytes) {
    std::FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
    return dir + "/" + name;
  };
  const std::string header = R"({"out":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}})";
  std::string length(8, '\0');
  length[0] = static_cast<char>(header.size());
  const std::pair<std::string, std::string> cases[] = {
      {write("short.safetensors", "abc"), "file too small"},
      {write("bad_size.safetensors", length + header + std::string(12, '\0')), "size mismatch"},
      {write("not_json.safetensors", std::string("\x08\0\0\0\0\0\0\0{nope   ", 16)), "not valid JSON"},
      {write("bad.npy", std::string("\x93NUMPY\x09\x00\x10\x00{}              ", 26)), "unsupported version"},
  };
  for (const auto& [candidate, rule] : cases) {
    const CliResult r = run_cli("check --golden " + golden + " --candidate " + candidate);
    EXPECT_EQ(r.exit_code, 1) << candidate << ": " << r.out;
    EXPECT_NE(r.out.find("ERROR"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(rule), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(candidate), std::string::npos) << "names the file: " << r.out;
  }
  const CliResult r = run_cli("check --golden " + cases[0].first + " --candidate " + golden);
  EXPECT_EQ(r.exit_code, 2) << r.out;
}
