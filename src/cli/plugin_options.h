// The options that bound a plugin's calls, defined once for every subcommand that runs
// plugins (`props --plugin`, `report --plugin`): --plugin-memory and --plugin-timeout.
//
// Contract: add_plugin_limit_options registers both on `app` as strings; plugin_limits()
// validates them (harness/plugin_limits.h) and throws InvalidInput (exit 2, one line) for a
// bad value. Call it before any work, so a bad flag never costs a run.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "ropecheck/harness/plugin_limits.h"

namespace ropecheck::cli {

struct PluginLimitOptions {
  std::string memory;   // empty: the default (a quarter of the RAM)
  std::string timeout;  // empty: the default (30 s)
};

void add_plugin_limit_options(CLI::App* app, PluginLimitOptions& options);
harness::PluginLimits plugin_limits(const PluginLimitOptions& options);

}  // namespace ropecheck::cli
