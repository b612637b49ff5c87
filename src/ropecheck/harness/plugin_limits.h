// The resources one plugin call may use (`--plugin-memory`, `--plugin-timeout`), and the
// parsing of their command-line values, shared by `ropecheck props` and `ropecheck report`.
//
// Contract:
//  - PluginLimits::memory_bytes caps the data memory the child that runs one call may add
//    to what it inherited from ropecheck (plugin_process.cc applies it with setrlimit);
//    timeout bounds one call's wall time.
//  - default_plugin_limits(): memory = physical RAM / kDefaultMemoryFraction (so a runaway
//    plugin cannot push the machine into swap or the OOM killer), timeout
//    kDefaultPluginTimeout.
//  - parse_memory_size("256M") accepts a positive integer with an optional binary suffix
//    K, M or G (×1024, ×1024², ×1024³); parse_timeout_seconds accepts a positive finite
//    decimal number of seconds. Anything else (0, negative, NaN, garbage, out of range)
//    throws InvalidInput with one line naming the option and the value.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ropecheck::harness {

// Generous for one RoPE call (milliseconds), short enough that a hang costs little.
inline constexpr std::chrono::seconds kDefaultPluginTimeout{30};
// A day: beyond it a "timeout" is no protection, and the clock arithmetic stays in range.
inline constexpr double kMaxPluginTimeoutSeconds = 86'400;
// A quarter of the RAM leaves room for ropecheck itself and the rest of the machine.
inline constexpr std::uint64_t kDefaultMemoryFraction = 4;

struct PluginLimits {
  std::uint64_t memory_bytes = 0;
  std::chrono::duration<double> timeout = kDefaultPluginTimeout;
};

PluginLimits default_plugin_limits();
std::uint64_t parse_memory_size(std::string_view option, std::string_view text);
std::chrono::duration<double> parse_timeout_seconds(std::string_view option, std::string_view text);
// "256 MiB", "1.5 GiB", "300 KiB", "12 bytes": a size as a reader wants it.
std::string describe_bytes(std::uint64_t bytes);

}  // namespace ropecheck::harness
