// The `ropecheck` command line: exit codes, one-line errors, --help on every subcommand,
// and the seed's decay table.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace {
struct CliResult {
  int exit_code;
  std::string out;
};
CliResult run_cli(const std::string& args) {
  const std::string command = std::string(ROPECHECK_CLI) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}
std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}
}  // namespace

TEST(cli, every_subcommand_has_help) {
  for (const char* sub : {"", "decay ", "props "}) {
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
                           "decay --dim 8 --max-distance 3 --format xml", "props --cases 0", "frobnicate", ""}) {
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
