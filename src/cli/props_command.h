// `ropecheck props`: the property battery against the built-in reference and kernels, a
// model's layer types (--hf-config), or an implementation under test: a C plugin
// (--plugin) or an exec worker of any language (--exec, docs/worker-protocol.md).
//
// Contract: exit 0 when every property measured held and every negative control caught
// its wrong variant; 1 otherwise, and when the implementation under test measured nothing
// (every property skipped), or failed to start; 2 for bad usage. With --expect-fail FILE
// the implementation's failing property ids must be exactly the listed ones
// (cli/expected_failures.h): a listed id that passes is "unexpectedly passing", a fail.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "cli/plugin_options.h"

namespace ropecheck::cli {

struct PropsOptions {
  std::string threads;  // --threads (threads_option.h)
  std::string seed;
  std::string cases = "100";
  std::string plugin;
  std::string exec;
  std::string profile = "exact";
  std::string hf_config;
  std::string layer_type;
  std::string expect_fail;
  bool no_shrink = false;
  PluginLimitOptions limits;
};

CLI::App* add_props_command(CLI::App& app, PropsOptions& options);
int run_props(const PropsOptions& options);

}  // namespace ropecheck::cli
