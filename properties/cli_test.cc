// The `ropecheck` command line: exit codes, one-line errors, --help on every subcommand,
// and Su's decay table (docs/mathematics.md#the-decay-curve).
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"
#include "ropecheck/spec.h"

namespace {
struct CliResult {
  int exit_code;
  std::string out;
};
// Runs a shell command line (sh -c), stdout and stderr together.
CliResult run_shell(const std::string& command_line) {
  const std::string command = command_line + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}
CliResult run_cli(const std::string& args) { return run_shell(std::string(ROPECHECK_CLI) + " " + args); }
std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}
// True when some line of `out` begins with `prefix` (a line of ropecheck's own, not a quote).
bool has_line_starting(const std::string& out, const std::string& prefix) {
  return out.rfind(prefix, 0) == 0 || out.find("\n" + prefix) != std::string::npos;
}
std::size_t lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}
}  // namespace

TEST(cli, every_subcommand_has_help) {
  for (const char* sub : {"", "decay ", "props ", "golden ", "check ", "apply ", "report ", "report merge ", "spec ",
                          "exhaustive ", "cases "}) {
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
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --profile loose",
                           // a bare name is a file in the current directory, never a library on the search path
                           "props --plugin libm.so.6",
                           // plugin limits: validated before any work
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-timeout 0",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-timeout -1",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-timeout nan",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-timeout 3s",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-timeout inf",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-memory 0",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-memory -5M",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-memory 12X",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-memory nan",
                           "props --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-memory 99999999999999999999G",
                           "report --out /tmp/ropecheck_never --impl none --plugin " ROPECHECK_KERNELS_PLUGIN " --plugin-timeout 0",
                           "report --out /tmp/ropecheck_never --impl none --plugin " ROPECHECK_KERNELS_PLUGIN
                           " --plugin-memory garbage"}) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.out;
    EXPECT_EQ(lines(r.out), 1u) << args << ": " << r.out;
  }
}

// The negative controls catch their wrong variant at any budget: a control gets its own
// minimum of cases (battery.h), so a small --cases never fails ropecheck's self-checks.
TEST(cli, props_passes_at_small_budgets) {
  for (const char* cases : {"1", "5", "10"}) {
    CliResult r = run_cli(std::string("props --cases ") + cases);
    EXPECT_EQ(r.exit_code, 0) << cases << ": " << r.out;
    r = run_cli(std::string("props --plugin " ROPECHECK_KERNELS_PLUGIN " --cases ") + cases);
    EXPECT_EQ(r.exit_code, 0) << cases << ": " << r.out;
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

// Plugins (docs/plugin-abi.md): the shipped kernels plugin passes the battery; the deliberately
// buggy one fails with a shrunk counterexample and the command that reproduces it; a
// crashing one is a reported failure, and ropecheck itself survives it.
TEST(cli, props_plugin_passes_the_kernels_plugin) {
  const CliResult r = run_cli("props --plugin " ROPECHECK_KERNELS_PLUGIN " --cases 20");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("plugin ropecheck kernels: a whole-sequence call equals token-by-token calls"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" 0 failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS   plugin ropecheck kernels: scaled specs (every scaling type) within the exact bound"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PASS   plugin ropecheck kernels: multi-axis positions (M-RoPE, 2-D vision) within the exact bound"),
            std::string::npos)
      << "ABI version 2 calls reach it: " << r.out;
  EXPECT_NE(r.out.find("\nplugin: 11 passed, 0 failed, 2 skipped (unsupported); self-checks: 15 caught, 0 missed\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nprops: 11 passed, 0 failed\n"), std::string::npos) << r.out;
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
  const CliResult r = run_cli("props --plugin " ROPECHECK_CRASHING_PLUGIN " --cases 10 --no-shrink");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("crashed with SIGSEGV"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("props: "), std::string::npos) << "ropecheck finished its report: " << r.out;
}

// A plugin that forks grandchildren and prints a fake summary: when props exits no
// grandchild is alive, the fake line is not a line of ropecheck's output, and a reader
// of the pipe (`| cat`, `| tail`) gets its end of file when ropecheck exits. `timeout`
// bounds the hang this guards against (the grandchildren sleep ten minutes), not speed.
TEST(cli, props_plugin_contains_the_plugins_processes_and_output) {
  const std::string dir = testing::TempDir() + "ropecheck_cli_escape";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string pids = dir + "/pids", out = dir + "/out";
  const CliResult r = run_shell("ROPECHECK_TEST_PID_FILE=" + pids + " timeout 120 sh -c '{ " ROPECHECK_CLI
                                " props --plugin " ROPECHECK_ESCAPING_PLUGIN " --cases 3 --no-shrink; echo \"exit $?\"; } 2>&1 | cat > " +
                                out + "'; echo \"timeout $?\"");
  EXPECT_EQ(r.out, "timeout 0\n") << "the pipe's reader did not get its end of file: " << r.out;
  const std::string text = read_text(out);
  EXPECT_NE(text.find("\nexit 1\n"), std::string::npos) << "the plugin returns x unrotated: " << text;
  // Every call answered, so nothing the plugin printed is quoted anywhere.
  EXPECT_EQ(text.find("999 passed"), std::string::npos) << text;
  EXPECT_TRUE(has_line_starting(text, "props: ")) << "ropecheck's own summary: " << text;
  std::ifstream in(pids);
  std::size_t checked = 0;
  for (int pid = 0; in >> pid; ++checked) {
    EXPECT_EQ(kill(pid, 0), -1) << "grandchild " << pid << " outlived ropecheck";
    EXPECT_EQ(errno, ESRCH) << pid;
  }
  EXPECT_GT(checked, 0u) << "the plugin never ran";
}

// A hanging plugin costs one timeout: the first call is killed after --plugin-timeout,
// and no later call is made (the plugin logs each call it receives).
TEST(cli, props_plugin_stops_calling_a_plugin_that_timed_out) {
  const std::string log = testing::TempDir() + "ropecheck_cli_hang_calls";
  std::filesystem::remove(log);
  const CliResult r = run_shell("ROPECHECK_TEST_CALL_LOG=" + log + " " ROPECHECK_CLI " props --plugin " ROPECHECK_HANGING_PLUGIN
                                " --plugin-timeout 1 --cases 10");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("no answer within 1 s"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not called: it timed out earlier"), std::string::npos) << r.out;
  EXPECT_EQ(read_text(log), "call\n") << "exactly one call hangs";
}

TEST(cli, props_plugin_reports_the_memory_limit) {
  const CliResult r = run_cli("props --plugin " ROPECHECK_MEMORY_HOG_PLUGIN " --plugin-memory 256M --cases 2 --no-shrink");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("of the --plugin-memory limit of 256 MiB"), std::string::npos) << r.out;
}

// No vacuous pass: a plugin that implements no dtype, or declines every call, measured
// nothing and fails; one that exits instead of answering gets no credit for ropecheck's
// own self-checks.
TEST(cli, props_plugin_that_measured_nothing_fails) {
  CliResult r = run_cli("props --plugin " ROPECHECK_NO_DTYPE_PLUGIN " --cases 3");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("measured nothing"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nprops: 0 passed, 0 failed\n"), std::string::npos) << r.out;
  r = run_cli("props --plugin " ROPECHECK_EXITING_PLUGIN " --cases 3 --no-shrink");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("\nplugin: 0 passed, 11 failed, 2 skipped (unsupported); self-checks: 15 caught, 0 missed\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nprops: 0 passed, 11 failed\n"), std::string::npos) << r.out;
}

// Scaled specs reach the plugin: dropping rope_scaling fails; declining scaled specs is a
// visible skip, and the unscaled properties still pass.
TEST(cli, props_plugin_measures_scaled_specs) {
  CliResult r = run_cli("props --plugin " ROPECHECK_DROP_SCALING_PLUGIN " --cases 20 --no-shrink");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL   plugin kernels, rope_scaling dropped: scaled specs (every scaling type)"), std::string::npos)
      << r.out;
  // --no-shrink: the drawn case is reported, and the reproduce line keeps the flag.
  EXPECT_NE(r.out.find("--cases 20 --no-shrink)"), std::string::npos) << r.out;
  r = run_cli("props --plugin " ROPECHECK_REFUSE_SCALING_PLUGIN " --cases 20");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("SKIP   plugin kernels, rope_scaling refused: scaled specs (every scaling type) within the exact bound "
                       "(unsupported by the plugin)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("rope_scaling is not supported"), std::string::npos) << r.out;
  // A version 1 plugin declines the multi-axis calls (ABI version 2): skipped, not passed.
  EXPECT_NE(r.out.find("SKIP   plugin kernels, rope_scaling refused: multi-axis positions (M-RoPE, 2-D vision) within the "
                       "exact bound (unsupported by the plugin)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nplugin: 9 passed, 0 failed, 4 skipped (unsupported)"), std::string::npos) << r.out;
}

// props --hf-config: the battery over one model's layer types only. The built-in kernels
// and the kernels plugin pass Gemma 3's two layer types; a plugin that drops rope_scaling
// fails the full-attention layers (linear 8) and passes the sliding ones (no scaling).
TEST(cli, props_hf_config_runs_the_battery_over_a_models_layer_types) {
  const std::string gemma = ROPECHECK_SOURCE_DIR "/golden/configs/gemma-3-4b-it.json";
  CliResult r = run_cli("props --hf-config " + gemma + " --cases 10");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("the built-in kernels on gemma-3-4b-it (gemma3_text, 2 layer types)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS   kernels: full_attention: f32 output within the exact bound"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("CAUGHT full_attention: dropping its linear scaling is outside the exact bound"), std::string::npos)
      << r.out;
  r = run_cli("props --hf-config " + gemma + " --plugin " ROPECHECK_KERNELS_PLUGIN " --cases 10");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("props --hf-config " + gemma + " --plugin " ROPECHECK_DROP_SCALING_PLUGIN " --cases 10");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL   plugin kernels, rope_scaling dropped: full_attention: f32 output within the exact bound"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PASS   plugin kernels, rope_scaling dropped: sliding_attention: f32 output within the exact bound"),
            std::string::npos)
      << r.out;
  r = run_cli("props --hf-config " + gemma + " --layer-type sliding_attention --plugin " ROPECHECK_DROP_SCALING_PLUGIN
              " --cases 10");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.find("full_attention"), std::string::npos) << r.out;
  // Bad input: exit 2, one line.
  r = run_cli("props --hf-config " + gemma + " --layer-type chunked_attention");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("props: --layer-type 'chunked_attention' is not a RoPE layer type of this config (it has: "
                       "full_attention, sliding_attention)"),
            std::string::npos)
      << r.out;
  r = run_cli("props --layer-type full_attention");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("props: --layer-type needs --hf-config"), std::string::npos) << r.out;
}

// A bare file name is the file in the current directory (never the library search path).
TEST(cli, props_plugin_loads_a_bare_name_from_the_current_directory) {
  const std::filesystem::path plugin = ROPECHECK_KERNELS_PLUGIN;
  const CliResult r = run_shell("cd " + plugin.parent_path().string() + " && " ROPECHECK_CLI " props --plugin " +
                                plugin.filename().string() + " --cases 2");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("plugin 'ropecheck kernels'"), std::string::npos) << r.out;
  // libm.so.6 is on the library path but not in the current directory: not loaded.
  const CliResult system = run_cli("props --plugin libm.so.6");
  EXPECT_EQ(system.exit_code, 2) << system.out;
  EXPECT_NE(system.out.find("plugin libm.so.6: no such file"), std::string::npos) << system.out;
}

// A name with a newline, a fake summary, '|' and an escape sequence is escaped once where
// it is read: it breaks no line of the output and no markdown table.
TEST(cli, plugin_names_and_messages_are_escaped) {
  const CliResult r = run_cli("props --plugin " ROPECHECK_HOSTILE_NAME_PLUGIN " --cases 2");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_FALSE(has_line_starting(r.out, "props: 999")) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("plugin evil\\nprops: 999 passed, 0 failed / x /\\x1b[2J:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("measured nothing"), std::string::npos) << r.out;
  // The same name in report.md, and a report whose plugin measured nothing fails.
  const std::string dir = testing::TempDir() + "ropecheck_cli_report_hostile";
  std::filesystem::remove_all(dir);
  const CliResult report = run_cli("report --out " + dir + " --cases " ROPECHECK_SOURCE_DIR
                                   "/golden/cases.json --case llama2_7b_half_split_bf16 --positions 0,1,2 --impl none "
                                   "--no-plots --plugin " ROPECHECK_HOSTILE_NAME_PLUGIN);
  EXPECT_EQ(report.exit_code, 1) << report.out;
  EXPECT_NE(report.out.find("measured nothing"), std::string::npos) << report.out;
  const std::string md = read_text(dir + "/report.md");
  EXPECT_FALSE(has_line_starting(md, "props: 999")) << md;
  EXPECT_EQ(md.find('\x1b'), std::string::npos) << md;
  EXPECT_NE(md.find("plugin:evil\\nprops: 999 passed, 0 failed / x /\\x1b[2J"), std::string::npos) << md;
}

// `report --plugin`: a plugin that crashes on every call makes the report fail (exit 1)
// and say so; its results are never counted as safe.
TEST(cli, report_fails_when_a_plugin_crashes) {
  const std::string dir = testing::TempDir() + "ropecheck_cli_report_crash";
  std::filesystem::remove_all(dir);
  const CliResult r = run_cli("report --out " + dir + " --cases " ROPECHECK_SOURCE_DIR
                              "/golden/cases.json --case llama2_7b_half_split_bf16 --positions 0,1,2 --impl none --no-plots "
                              "--plugin " ROPECHECK_CRASHING_PLUGIN);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("report: FAIL: plugin:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("failed on 1 of 1 cases"), std::string::npos) << r.out;
  const std::string md = read_text(dir + "/report.md");
  EXPECT_EQ(md.find("Every measured result is safe at every swept position.\n"), std::string::npos) << md;
  EXPECT_NE(md.find("## Failed"), std::string::npos) << md;
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

// --- exec workers (docs/worker-protocol.md) ------------------------------------------

namespace {
const std::string kDebianPython = "/usr/bin/python3";  // where python3-numpy is installed
std::string numpy_worker(const std::string& bug = "") {
  return "'" + kDebianPython + " " ROPECHECK_SOURCE_DIR "/python/examples/numpy_rope_worker.py" +
         (bug.empty() ? "" : " --bug " + bug) + "'";
}
std::string fault_worker(const std::string& fault) {
  return "'" + kDebianPython + " " ROPECHECK_SOURCE_DIR "/properties/workers/fault_worker.py --fault " + fault + "'";
}
std::string write_list(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}
}  // namespace

// A correct worker passes everything it declares; what it does not declare (scaled and
// multi-axis specs) is skipped, visibly, and ropecheck's self-checks run as always.
TEST(cli, props_worker_passes_a_correct_python_worker) {
  const CliResult r = run_cli("props --exec " + numpy_worker() + " --profile f32-angle --cases 30");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\nworker: 11 passed, 0 failed, 2 skipped (unsupported); self-checks: 15 caught, 0 missed\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("SKIP   worker numpy float64: scaled specs"), std::string::npos) << r.out;
}

// One-line bugs of the kind that shipped fail, each with its shrunk case and the command
// that reproduces it.
TEST(cli, props_worker_fails_one_line_bugs_with_a_shrunk_case) {
  for (const auto& [bug, property] : std::vector<std::pair<std::string, std::string>>{
           {"bf16-positions", "score depends on n-m only"},
           {"in-place-pair-update", "norm is preserved"},
           {"only-head-0", "f32 output within the f32-angle bound"}}) {
    const CliResult r = run_cli("props --exec " + numpy_worker(bug) + " --profile f32-angle --cases 30 --seed 7");
    EXPECT_EQ(r.exit_code, 1) << bug << ": " << r.out;
    EXPECT_NE(r.out.find("FAIL   worker numpy float64 with bug " + bug + ": " + property), std::string::npos)
        << bug << ": " << r.out;
    EXPECT_NE(r.out.find(", positions ["), std::string::npos) << "the shrunk case: " << r.out;
    EXPECT_NE(r.out.find("reproduce: ropecheck props --exec " + numpy_worker(bug) + " --profile f32-angle --seed 7 --cases 30"),
              std::string::npos)
        << r.out;
  }
}

// A worker that crashes, hangs or answers garbage is reported with exit 1, and ropecheck
// finishes its own report: it never crashes with it.
TEST(cli, props_worker_faults_are_failures_never_crashes) {
  for (const auto& [fault, phrase] : std::vector<std::pair<std::string, std::string>>{
           {"crash", "crashed with SIGSEGV"},
           {"garbage", "not a valid message"},
           {"wrong-shape", "expected ["},
           {"hang", "no reply within 0.5 s"}}) {
    const CliResult r = run_cli("props --exec " + fault_worker(fault) + " --plugin-timeout 0.5 --cases 5 --no-shrink");
    EXPECT_EQ(r.exit_code, 1) << fault << ": " << r.out;
    EXPECT_NE(r.out.find(phrase), std::string::npos) << fault << ": " << r.out;
    EXPECT_TRUE(has_line_starting(r.out, "props: ")) << fault << ": ropecheck finished its report: " << r.out;
  }
  // A worker that fails its handshake: exit 1 with one line; a command that cannot run: exit 2.
  CliResult r = run_cli("props --exec " + fault_worker("bad-protocol") + " --cases 5");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("ropecheck: FAIL: worker"), std::string::npos) << r.out;
  r = run_cli("props --exec '/nonexistent/worker' --cases 5");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("cannot run the command"), std::string::npos) << r.out;
  r = run_cli("props --exec " + numpy_worker() + " --plugin " ROPECHECK_KERNELS_PLUGIN);
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

// --expect-fail: the run passes only if exactly the listed property ids fail.
TEST(cli, props_worker_expect_fail_needs_exactly_the_listed_failures) {
  const std::string run = "props --exec " + numpy_worker("only-head-0") + " --profile f32-angle --cases 30 --no-shrink";
  // Only head 0 rotated fails every property that draws more than one head.
  const std::string failing = "f32.within_bound\nbf16.within_bound\nf16.within_bound\nhigh_positions\nmany_heads\nfused_qkv_slice\n"
                              "gqa_qk\ntable_layout\n";
  const std::string exact = write_list("xfail_exact", "# only head 0 rotated\n\n" + failing.substr(0, failing.size() - 13) +
                                                          "  table_layout   # spaces and comments trimmed\n");
  CliResult r = run_cli(run + " --expect-fail " + exact);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("XFAIL  worker numpy float64 with bug only-head-0: f32 output"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("props: 8 expected failures confirmed from " + exact), std::string::npos) << r.out;
  // A listed id that passes is unexpectedly passing; a listed id that does not exist is
  // named; an unlisted failure fails. Each alone makes the run fail.
  const std::string stale = write_list("xfail_stale", failing + "norm\n");
  r = run_cli(run + " --expect-fail " + stale);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("props: norm: unexpectedly passing"), std::string::npos) << r.out;
  const std::string typo = write_list("xfail_typo", failing + "f64.within_bound\n");
  r = run_cli(run + " --expect-fail " + typo);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("props: f64.within_bound: listed in " + typo + " but no such id was run"), std::string::npos) << r.out;
  const std::string partial = write_list("xfail_partial", "f32.within_bound\n");
  r = run_cli(run + " --expect-fail " + partial);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("props: bf16.within_bound: failed, and it is not in " + partial), std::string::npos) << r.out;
  // A skipped property never counts as its expected failure.
  const std::string skipped = write_list("xfail_skipped", failing + "multi_axis\n");
  r = run_cli(run + " --expect-fail " + skipped);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("props: multi_axis: listed in " + skipped + " but not measured (skipped)"), std::string::npos) << r.out;
  // Bad lists are bad input.
  r = run_cli(run + " --expect-fail " + write_list("xfail_twice", "norm\nnorm\n"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(":2: id 'norm' is listed twice"), std::string::npos) << r.out;
  r = run_cli(run + " --expect-fail /nonexistent/list");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = run_cli("props --cases 3 --expect-fail " + exact);
  EXPECT_EQ(r.exit_code, 2) << "the built-ins have no list: " << r.out;
}

// `check --exec` runs the worker on the golden inputs, with no candidate files: a case it
// does not support is an error unless --only-present asks for the supported ones only.
TEST(cli, check_exec_runs_a_worker_on_the_golden_inputs) {
  const std::string golden = ROPECHECK_SOURCE_DIR "/golden/v1";
  CliResult r = run_cli("check --golden " + golden + " --exec " + numpy_worker() + " --profile f32-angle");
  EXPECT_EQ(r.exit_code, 1) << "scaled cases are unsupported, never passed: " << r.out;
  EXPECT_NE(r.out.find("unsupported: worker numpy float64: not called: it does not declare scaling type llama3"),
            std::string::npos)
      << r.out;
  r = run_cli("check --golden " + golden + " --exec " + numpy_worker() + " --profile f32-angle --only-present");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("check: 22 of 22 cases pass under profile f32-angle, 8 not run (unsupported)"), std::string::npos)
      << r.out;
  r = run_cli("check --golden " + golden + " --exec " + numpy_worker("only-head-0") +
              " --profile f32-angle --only-present --case llama2_7b_interleaved_f32");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL llama2_7b_interleaved_f32"), std::string::npos) << r.out;
  // Expected failures are case ids here.
  const std::string list = write_list("check_xfail", "llama2_7b_interleaved_f32\n");
  r = run_cli("check --golden " + golden + " --exec " + numpy_worker("only-head-0") +
              " --profile f32-angle --case llama2_7b_interleaved_f32 --expect-fail " + list);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("check: 1 expected failure confirmed from " + list), std::string::npos) << r.out;
  r = run_cli("check --golden " + golden);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("one of --candidate, --plugin or --exec is required"), std::string::npos) << r.out;
}

TEST(cli, report_exec_measures_a_worker) {
  const std::string out = testing::TempDir() + "ropecheck_report_exec";
  std::filesystem::remove_all(out);
  const CliResult r = run_cli("report --impl none --exec " + numpy_worker() +
                              " --positions 0,1,1000 --case llama2_7b_interleaved_f32 --out " + out);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(read_text(out + "/report.json").find("\"worker:numpy float64\""), std::string::npos);
}

// --shard auto takes the shard from the scheduler's environment: one case of the 30 for the
// last of 30 shards, byte for byte the committed file; no scheduler variables is exit 2.
TEST(cli, golden_shard_auto_takes_its_part_from_the_scheduler) {
  const std::string out = testing::TempDir() + "ropecheck_shard_auto";
  std::filesystem::remove_all(out);
  CliResult r = run_shell("env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX ROPECHECK_SHARD_INDEX=29 "
                          "ROPECHECK_TOTAL_SHARDS=30 " ROPECHECK_CLI " golden --cases " ROPECHECK_SOURCE_DIR
                          "/golden/cases.json --out " + out + " --shard auto");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote 1 case file"), std::string::npos) << r.out;
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    if (entry.path().extension() != ".safetensors") continue;
    ++files;
    EXPECT_EQ(read_text(entry.path().string()),
              read_text(std::string(ROPECHECK_SOURCE_DIR "/golden/v1/") + entry.path().filename().string()));
  }
  EXPECT_EQ(files, 1u);
  r = run_shell("env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX -u ROPECHECK_SHARD_INDEX -u ROPECHECK_TOTAL_SHARDS "
                ROPECHECK_CLI " golden --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --out " + out + "2 --shard auto");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("no scheduler gave a shard"), std::string::npos) << r.out;
}

// --threads changes no byte: a model's golden files large enough to split (2,048 positions
// × its heads × 128) and a report of one case at 1,024 positions, at 1 and 3 threads; and
// bad counts are exit 2.
TEST(cli, threads_change_no_byte_of_golden_files_or_reports) {
  const std::string base = testing::TempDir() + "ropecheck_threads";
  std::filesystem::remove_all(base);
  std::string positions;
  for (int m = 0; m < 2048; ++m) {
    if (m != 0) positions.push_back(',');
    positions.append(std::to_string(m * 499));
  }
  for (const char* threads : {"1", "3"}) {
    const std::string dir = base + "/golden" + threads;
    CliResult r = run_cli(std::string("golden --hf-config " ROPECHECK_SOURCE_DIR "/golden/configs/Llama-3.1-8B.json "
                                      "--positions ") + positions + " --out " + dir + " --threads " + threads);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    r = run_cli(std::string("report --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --case llama2_7b_half_split_bf16 "
                            "--positions log:1024:1048575 --no-plots --out ") + base + "/report" + threads +
                " --threads " + threads);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(base + "/golden1")) {
    ++files;
    EXPECT_EQ(read_text(entry.path().string()), read_text(base + "/golden3/" + entry.path().filename().string()))
        << entry.path().filename();
  }
  EXPECT_GE(files, 2u);
  EXPECT_EQ(read_text(base + "/report1/report.json"), read_text(base + "/report3/report.json"));
  for (const char* bad : {"0", "-1", "1025", "two"}) {
    const CliResult r = run_cli(std::string("golden --verify " ROPECHECK_SOURCE_DIR "/golden/v1 --threads ") + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
    EXPECT_NE(r.out.find("--threads"), std::string::npos) << r.out;
  }
}

// `exhaustive`: a shard passes and says what it checked; bad requests are exit 2 with the reason.
TEST(cli, exhaustive_checks_a_shard_and_rejects_bad_requests) {
  CliResult r = run_cli("exhaustive --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --case llama2_7b_half_split_bf16 "
                        "--pair 1 --position 5 --shard 1/4096 --threads 2");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("1044480 inputs, 2088960 outputs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("beyond the exact bound: 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("PASS"), std::string::npos) << r.out;
  for (const char* bad : {"--case llama2_7b_half_split_bf16 --pair 64 --position 5",
                          "--case nope --pair 1 --position 5",
                          "--pair 1 --position 5",
                          "--case llama2_7b_half_split_bf16 --pair 1 --position -5",
                          "--case llama2_7b_half_split_bf16 --pair 1 --position 5 --dtype f32",
                          "--case llama2_7b_half_split_bf16 --pair 1 --position 5 --shard 0/3"}) {
    r = run_cli(std::string("exhaustive --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json ") + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.out;
  }
}

// `check --x`: a user's own tensors, with the spec from a config.json or a spec file, judged
// from a candidate file or a worker; bad inputs are exit 2 with one line and write nothing.
TEST(cli, check_tensors_judges_a_users_files_and_workers) {
  const std::filesystem::path dir = testing::TempDir() + "ropecheck_check_tensors";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const ropecheck::golden::Golden g =
      ropecheck::golden::read_golden(ROPECHECK_SOURCE_DIR "/golden/models/qwen2_5_7b_instruct_all_layers.safetensors");
  const auto write = [&](const std::string& name, ropecheck::io::Tensor tensor) {
    ropecheck::io::SafetensorsFile file;
    file.tensors.push_back(std::move(tensor));
    ropecheck::io::write_output_file(dir / name, ropecheck::io::serialize_safetensors(file));
    return (dir / name).string();
  };
  const std::vector<std::uint64_t> shape{g.tokens, g.heads, g.spec.head_dim};
  const std::string x = write("q.safetensors", ropecheck::io::tensor_from_doubles(
                                                   "x", ropecheck::io::st_dtype_of(g.input_dtype), shape, g.x));
  const std::string positions = write("positions.safetensors", ropecheck::io::tensor_from_int64s("positions", {g.tokens}, g.positions));
  std::vector<double> rounded;  // the correctly rounded result: a candidate that passes `exact`
  for (const std::uint64_t bits : g.expected_bits) {
    rounded.push_back(static_cast<double>(ropecheck::reference::decode_exact(bits, g.output_dtype)));
  }
  const std::string candidate = write("out.safetensors", ropecheck::io::tensor_from_doubles(
                                                             "out", ropecheck::io::st_dtype_of(g.output_dtype), shape, rounded));
  const std::string config = ROPECHECK_SOURCE_DIR "/golden/configs/Qwen2.5-7B-Instruct.json";
  const std::string inputs = " --x " + x + " --positions " + positions;
  const std::string json = (dir / "r.json").string();

  CliResult r = run_cli("check" + inputs + " --hf-config " + config + " --candidate " + candidate + " --json " + json);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("check: 1 of 1 case pass under profile exact"), std::string::npos) << r.out;
  EXPECT_NE(read_text(json).find("\"verdict\": \"pass\""), std::string::npos);
  // The same spec from a spec file, as `ropecheck spec` writes it.
  const std::string spec = (dir / "spec.json").string();
  ASSERT_EQ(run_cli("spec --hf-config " + config + " --layer-type all_layers --out " + spec).exit_code, 0);
  r = run_cli("check" + inputs + " --spec " + spec + " --candidate " + candidate);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // Workers: a correct one passes its profile, a one-line bug fails, JSON and JUnit say so.
  r = run_cli("check" + inputs + " --hf-config " + config + " --exec " + numpy_worker() + " --profile f32-angle");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("check" + inputs + " --hf-config " + config + " --exec " + numpy_worker("only-head-0") +
              " --profile f32-angle --junit " + (dir / "r.xml").string());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL q: worst element token"), std::string::npos) << r.out;
  EXPECT_NE(read_text((dir / "r.xml").string()).find("<failure"), std::string::npos);
  // A spec the worker does not declare (Llama 3.1's llama3 scaling) is an error, never a pass.
  r = run_cli("check" + inputs + " --hf-config " ROPECHECK_SOURCE_DIR "/golden/configs/Llama-3.1-8B.json --exec " +
              numpy_worker() + " --profile f32-angle");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("unsupported: worker numpy float64: not called: it does not declare scaling type llama3"),
            std::string::npos)
      << r.out;

  // Bad input: exit 2, one line, and no output file.
  const std::string not_written = (dir / "never.json").string();
  for (const std::string& bad : {
           "check" + inputs + " --hf-config " + config + " --candidate " + candidate + " --positions " + x,
           "check --x " + x + " --hf-config " + config + " --candidate " + candidate,
           "check" + inputs + " --candidate " + candidate,
           "check" + inputs + " --hf-config " ROPECHECK_SOURCE_DIR "/golden/configs/gemma-3-4b-it.json --candidate " + candidate,
           "check" + inputs + " --hf-config " + config + " --golden " ROPECHECK_SOURCE_DIR "/golden/v1 --candidate " + candidate,
           "check --positions " + positions + " --hf-config " + config + " --candidate " + candidate,
       }) {
    r = run_cli(bad + " --json " + not_written);
    EXPECT_EQ(r.exit_code, 2) << bad << "\n" << r.out;
    std::size_t reasons = 0;  // a config's warnings aside
    std::istringstream text(r.out);
    for (std::string line; std::getline(text, line);) reasons += line.rfind("ropecheck check: warning:", 0) != 0;
    EXPECT_EQ(reasons, 1u) << bad << "\n" << r.out;
    EXPECT_FALSE(std::filesystem::exists(not_written)) << bad;
  }
}

// `check --x` at 1 and 3 threads: the same bytes of JSON, over a tensor of many measuring
// parts (a golden's tokens repeated at 24 position offsets), with the kernels plugin passing
// and the buggy plugin failing.
TEST(cli, check_tensors_threads_change_no_byte) {
  const std::filesystem::path dir = testing::TempDir() + "ropecheck_check_tensors_threads";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const ropecheck::golden::Golden g =
      ropecheck::golden::read_golden(ROPECHECK_SOURCE_DIR "/golden/v1/llama2_7b_half_split_f32.safetensors");
  std::vector<double> x;
  std::vector<std::int64_t> positions;
  constexpr std::int64_t kRepeats = 24;
  for (std::int64_t k = 0; k < kRepeats; ++k) {
    x.insert(x.end(), g.x.begin(), g.x.end());
    for (const std::int64_t m : g.positions) positions.push_back(m + 4099 * k);
  }
  const std::uint64_t tokens = g.tokens * kRepeats;
  ropecheck::io::SafetensorsFile file;
  file.tensors.push_back(ropecheck::io::tensor_from_doubles("x", ropecheck::io::StDtype::F32,
                                                            {tokens, g.heads, g.spec.head_dim}, x));
  file.tensors.push_back(ropecheck::io::tensor_from_int64s("positions", {tokens}, positions));
  const std::string inputs = (dir / "inputs.safetensors").string();
  ropecheck::io::write_output_file(inputs, ropecheck::io::serialize_safetensors(file));
  const std::string spec = (dir / "spec.json").string();
  ropecheck::io::write_output_file(spec, ropecheck::to_json_text(g.spec));
  const std::string base = "check --x " + inputs + " --positions " + inputs + " --spec " + spec;
  for (const char* threads : {"1", "3"}) {
    CliResult r = run_cli(base + " --plugin " ROPECHECK_KERNELS_PLUGIN " --json " + (dir / "k").string() + threads +
                          " --threads " + threads);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    r = run_cli(base + " --plugin " ROPECHECK_BUGGY_PLUGIN " --json " + (dir / "b").string() + threads + " --threads " +
                threads);
    EXPECT_EQ(r.exit_code, 1) << r.out;
  }
  EXPECT_NE(read_text((dir / "k1").string()).find("\"elements\": " + std::to_string(x.size())), std::string::npos);
  EXPECT_EQ(read_text((dir / "k1").string()), read_text((dir / "k3").string()));
  EXPECT_EQ(read_text((dir / "b1").string()), read_text((dir / "b3").string()));
}

// The shipped data is found from any directory; ROPECHECK_DATA_DIR overrides it, and a
// wrong value is exit 2 naming it rather than a fall back to other data.
TEST(cli, cases_lists_the_catalogue_from_any_directory) {
  CliResult r = run_shell(std::string("cd / && ") + ROPECHECK_CLI + " cases");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has_line_starting(r.out, "30 cases in ")) << r.out;
  EXPECT_NE(r.out.find("  llama2_7b_half_split_bf16 "), std::string::npos) << r.out;
  const std::filesystem::path dir = testing::TempDir() + "ropecheck_data_dir";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "golden");
  std::string one = read_text(ROPECHECK_SOURCE_DIR "/golden/cases.json");
  // The first case alone: a catalogue the listing can only have come from.
  const nlohmann::json all = nlohmann::json::parse(one);
  nlohmann::json first = all;
  first["cases"] = nlohmann::json::array({all["cases"][0]});
  std::ofstream(dir / "golden/cases.json") << first.dump();
  r = run_shell("cd / && ROPECHECK_DATA_DIR=" + dir.string() + " " + ROPECHECK_CLI + " cases");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(has_line_starting(r.out, "1 case in " + (dir / "golden/cases.json").string())) << r.out;
  r = run_shell("cd / && ROPECHECK_DATA_DIR=/nonexistent " + std::string(ROPECHECK_CLI) + " cases");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(lines(r.out), 1u) << r.out;
  EXPECT_NE(r.out.find("ROPECHECK_DATA_DIR=/nonexistent"), std::string::npos) << r.out;
  r = run_cli("cases --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 30u);
}

// Every subcommand runs from /, its defaults found without the working directory: the
// shipped catalogue, golden set and configs (cli/data_directory.h).
TEST(cli, every_subcommand_works_from_the_root_directory) {
  const std::string out = testing::TempDir() + "ropecheck_from_root";
  std::filesystem::remove_all(out);
  std::filesystem::create_directories(out);
  const std::string data = ROPECHECK_SOURCE_DIR;
  for (const std::string& args : {
           std::string("decay --dim 8 --max-distance 4"),
           std::string("props --cases 1"),
           "golden --verify " + data + "/golden/v1",
           "golden --case head_dim_2_f32 --out " + out + "/golden",
           "apply --golden " + data + "/golden/v1 --out " + out + "/apply",
           "check --golden " + data + "/golden/v1 --candidate " + out + "/apply",
           "spec --hf-config " + data + "/golden/configs/Llama-3.1-8B.json",
           "report --positions 0,1,7 --no-plots --out " + out + "/report",
           "report merge " + out + "/report/report.json --no-plots --out " + out + "/merged",
           std::string("exhaustive --case head_dim_2_f32 --pair 0 --position 3 --shard 1/4096"),
           std::string("cases"),
       }) {
    const CliResult r = run_shell("cd / && " + std::string(ROPECHECK_CLI) + " " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out;
  }
}
