#include "ropecheck/report/plot_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace ropecheck::report {
namespace {

std::string from_environment(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

}  // namespace

PlotOutcome draw_plots(const std::filesystem::path& report_dir, const std::filesystem::path& default_script) {
  PlotOutcome outcome;
  const std::string python = from_environment("ROPECHECK_PYTHON", "/usr/bin/python3");
  const std::string script = from_environment("ROPECHECK_PLOT_SCRIPT", default_script.string());
  if (access(python.c_str(), X_OK) != 0) {
    outcome.skipped_reason = fmt::format("no Python interpreter at {}", python);
    return outcome;
  }
  if (!std::filesystem::exists(script)) {
    outcome.skipped_reason = fmt::format("no plotting script at {}", script);
    return outcome;
  }
  const std::string log = (report_dir / kPlotLog).string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const std::string dir = report_dir.string();
  std::vector<char*> argv{const_cast<char*>(python.c_str()), const_cast<char*>(script.c_str()), const_cast<char*>(dir.c_str()),
                          nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    outcome.skipped_reason = fmt::format("could not start {}", python);
    return outcome;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    outcome.skipped_reason = WIFEXITED(status) && WEXITSTATUS(status) == kNoMatplotlibExit
                                 ? "matplotlib is not installed (Debian: python3-matplotlib)"
                                 : fmt::format("{} failed (see {})", script, kPlotLog);
    return outcome;
  }
  for (const char* figure : {"error_vs_position", "error_vs_pair", "decay"}) {
    for (const char* ext : {".svg", ".png"}) {
      const std::string file = std::string(figure) + ext;
      if (std::filesystem::exists(report_dir / file)) outcome.files.push_back(file);
    }
  }
  outcome.written = !outcome.files.empty();
  if (!outcome.written) outcome.skipped_reason = fmt::format("{} wrote no figure (see {})", script, kPlotLog);
  return outcome;
}

}  // namespace ropecheck::report
