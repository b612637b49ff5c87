// The command line pointed at hostile paths (findings of a trial run as an attacker):
// every output goes where it is aimed without replacing a device, a link or an input;
// every write error is exit 2; an input that is a device, a FIFO or too large is exit 2
// at once; an argument that would crash the run is exit 2 before the work starts.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/run_cli.h"

namespace {

namespace fs = std::filesystem;
using ropecheck::testing::CliResult;
using ropecheck::testing::count_lines;
using ropecheck::testing::run_cli;
using ropecheck::testing::run_shell;

const std::string kGoldenDir = ROPECHECK_SOURCE_DIR "/golden/v1";
const std::string kOneGolden = kGoldenDir + "/head_dim_2_f32.safetensors";

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("ropecheck_host_safety_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string s;
  char c;
  while (in.get(c)) s += c;
  return s;
}

void expect_usage_error(const CliResult& r, const std::string& part) {
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(count_lines(r.out), 1u) << r.out;
  EXPECT_NE(r.out.find(part), std::string::npos) << r.out;
}

bool is_character_device(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

// A candidate for the one golden file: the built-in kernels' output.
fs::path candidate_for_one_golden(const fs::path& dir) {
  const CliResult r = run_cli("apply --golden " + kOneGolden + " --out " + dir.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  return dir / "head_dim_2_f32.safetensors";
}

}  // namespace

TEST(cli_outputs, a_write_error_on_standard_output_is_exit_2) {
  const CliResult r = run_shell(ROPECHECK_CLI " decay --dim 8 --max-distance 3 2>&1 >/dev/full");
  expect_usage_error(r, "cannot write standard output");
}

TEST(cli_outputs, json_to_a_device_is_written_in_place_and_its_errors_are_exit_2) {
  const fs::path dir = scratch("device");
  const fs::path candidate = candidate_for_one_golden(dir);
  const CliResult r = run_cli("check --golden " + kOneGolden + " --candidate " + candidate.string() + " --json /dev/full");
  expect_usage_error(r, "/dev/full: cannot write: write: No space left on device");
  EXPECT_TRUE(is_character_device("/dev/full")) << "/dev/full was replaced by a file";
  EXPECT_EQ(run_cli("check --golden " + kOneGolden + " --candidate " + candidate.string() + " --junit /dev/null").exit_code, 0);
  EXPECT_TRUE(is_character_device("/dev/null"));
  // /dev/stdout is this process's own output: the JSON arrives there, after the summary.
  const CliResult out = run_shell(ROPECHECK_CLI " check --golden " + kOneGolden + " --candidate " + candidate.string() +
                                  " --json /dev/stdout");
  EXPECT_EQ(out.exit_code, 0) << out.out;
  EXPECT_NE(out.out.find("\"cases\""), std::string::npos) << out.out;
}

TEST(cli_outputs, an_output_that_is_one_of_the_inputs_is_refused_and_left_alone) {
  const fs::path dir = scratch("inputs");
  const fs::path candidate = candidate_for_one_golden(dir);
  const std::string golden_before = bytes_of(kOneGolden);
  const std::string candidate_before = bytes_of(candidate);
  const std::string check = "check --golden " + kOneGolden + " --candidate " + candidate.string();
  expect_usage_error(run_cli(check + " --json " + kOneGolden), "one of this run's inputs");
  expect_usage_error(run_cli(check + " --junit " + candidate.string()), "one of this run's inputs");
  // A golden directory's files, before any is read; apply writing over the goldens.
  expect_usage_error(run_cli("check --golden " + kGoldenDir + " --candidate " + dir.string() + " --json " + kGoldenDir +
                             "/SHA256SUMS"),
                     "one of this run's inputs");
  expect_usage_error(run_cli("apply --golden " + kOneGolden + " --out " + kGoldenDir), "one of this run's inputs");
  EXPECT_EQ(bytes_of(kOneGolden), golden_before);
  EXPECT_EQ(bytes_of(candidate), candidate_before);
}

TEST(cli_outputs, a_symbolic_link_keeps_pointing_at_the_new_file) {
  const fs::path dir = scratch("link");
  const fs::path candidate = candidate_for_one_golden(dir);
  fs::create_symlink(dir / "target.json", dir / "link.json");
  { std::ofstream(dir / "target.json") << "old"; }
  const CliResult r = run_cli("check --golden " + kOneGolden + " --candidate " + candidate.string() + " --json " +
                              (dir / "link.json").string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::is_symlink(dir / "link.json"));
  EXPECT_NE(bytes_of(dir / "target.json").find("\"cases\""), std::string::npos);
}

TEST(cli_outputs, json_in_a_missing_directory_creates_it) {
  const fs::path dir = scratch("parents");
  const fs::path candidate = candidate_for_one_golden(dir);
  const fs::path json = dir / "a" / "b.json";
  const CliResult r = run_cli("check --golden " + kOneGolden + " --candidate " + candidate.string() + " --json " + json.string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::is_regular_file(json));
}

TEST(cli_outputs, report_out_that_is_a_file_is_refused_before_the_sweep) {
  const fs::path dir = scratch("report_out");
  { std::ofstream(dir / "file") << "x"; }
  // The whole default sweep would run for minutes before this was found.
  expect_usage_error(run_cli("report --out " + (dir / "file").string()), "it is a regular file, not a directory");
  EXPECT_EQ(bytes_of(dir / "file"), "x");
}

TEST(cli_inputs, a_device_a_fifo_or_a_sparse_giant_is_refused_at_once) {
  const fs::path dir = scratch("inputs_hostile");
  const fs::path candidate = candidate_for_one_golden(dir);
  expect_usage_error(run_cli("check --golden /dev/zero --candidate " + candidate.string()),
                     "/dev/zero: cannot read a golden file: it is a character device");
  const fs::path fifo = dir / "fifo.safetensors";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // `timeout` only turns a regression (a hang) into a failure; a pass takes milliseconds.
  expect_usage_error(run_shell("timeout 60 " ROPECHECK_CLI " check --golden " + fifo.string() + " --candidate " +
                               candidate.string() + " 2>&1"),
                     "it is a FIFO, not a regular file");
  const fs::path sparse = dir / "sparse.safetensors";
  { std::ofstream(sparse) << "x"; }
  fs::resize_file(sparse, std::uintmax_t{3} << 30);
  expect_usage_error(run_cli("check --golden " + sparse.string() + " --candidate " + candidate.string()),
                     "above the limit of 1073741824 bytes");
  expect_usage_error(run_cli("report --out " + (dir / "r").string() + " --cases /dev/zero"), "it is a character device");
  expect_usage_error(run_cli("golden --out " + (dir / "g").string() + " --cases " + fifo.string()), "it is a FIFO");
}

TEST(cli_inputs, a_catalogue_that_is_not_json_says_why) {
  const fs::path dir = scratch("catalogue");
  { std::ofstream(dir / "cases.json") << "{\"format\": "; }
  expect_usage_error(run_cli("golden --out " + (dir / "g").string() + " --cases " + (dir / "cases.json").string()),
                     "not valid JSON: parse error at line 1, column 12: syntax error while parsing value - unexpected end of input");
}
