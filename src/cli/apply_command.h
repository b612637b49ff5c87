// `ropecheck apply`: the built-in kernels as a candidate — every golden file's inputs
// through kernels::apply_rope, written as candidate files under the same names
// (ropecheck/gate/builtin_candidate.h). Checking them shows what `check` expects of a
// candidate, and what each table mode costs in accuracy.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

struct ApplyOptions {
  std::string golden;
  std::string out;
  std::string table = "accurate";
};

CLI::App* add_apply_command(CLI::App& app, ApplyOptions& options);
int run_apply(const ApplyOptions& options);

}  // namespace ropecheck::cli
