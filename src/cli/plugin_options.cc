#include "cli/plugin_options.h"

#include <fmt/format.h>

namespace ropecheck::cli {

void add_plugin_limit_options(CLI::App* app, PluginLimitOptions& options) {
  const harness::PluginLimits defaults = harness::default_plugin_limits();
  app->add_option("--plugin-memory", options.memory,
                  fmt::format("data memory of each plugin call, BYTES with optional K, M or G (default a quarter of the RAM: {})",
                              harness::describe_bytes(defaults.memory_bytes)));
  app->add_option("--plugin-timeout", options.timeout,
                  fmt::format("seconds each plugin call may take; a plugin that times out is not called again (default {})",
                              harness::kDefaultPluginTimeout.count()));
}

harness::PluginLimits plugin_limits(const PluginLimitOptions& options) {
  harness::PluginLimits limits = harness::default_plugin_limits();
  if (!options.memory.empty()) limits.memory_bytes = harness::parse_memory_size("--plugin-memory", options.memory);
  if (!options.timeout.empty()) limits.timeout = harness::parse_timeout_seconds("--plugin-timeout", options.timeout);
  return limits;
}

}  // namespace ropecheck::cli
