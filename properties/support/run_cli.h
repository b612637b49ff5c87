// Runs the `ropecheck` binary (ROPECHECK_CLI) through the shell and returns its exit code
// and what it printed. run_cli merges stderr into the output; run_shell runs a whole
// command line as given (for redirections such as `> /dev/full`).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace ropecheck::testing {

struct CliResult {
  int exit_code;
  std::string out;
};

inline CliResult run_shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  if (!pipe) return {-1, out};
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline CliResult run_cli(const std::string& args) { return run_shell(std::string(ROPECHECK_CLI) + " " + args + " 2>&1"); }

inline std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (const char c : s) n += c == '\n';
  return n;
}

}  // namespace ropecheck::testing
