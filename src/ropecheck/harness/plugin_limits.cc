#include "ropecheck/harness/plugin_limits.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/harness/untrusted_text.h"

namespace ropecheck::harness {
namespace {

// Without sysconf's answer (it cannot fail on Linux, but may elsewhere): 1 GiB.
constexpr std::uint64_t kFallbackMemory = std::uint64_t{1} << 30;
// A rejected value is quoted in the one-line error, up to this many bytes.
constexpr std::size_t kShownBytes = 40;

}  // namespace

PluginLimits default_plugin_limits() {
  PluginLimits limits;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  limits.memory_bytes = pages > 0 && page_size > 0
                            ? static_cast<std::uint64_t>(pages) / kDefaultMemoryFraction * static_cast<std::uint64_t>(page_size)
                            : kFallbackMemory;
  return limits;
}

std::uint64_t parse_memory_size(std::string_view option, std::string_view text) {
  const auto bad = [&] {
    return InvalidInput(fmt::format("{} '{}' is not a positive size in bytes (an integer, optionally with K, M or G)", option,
                                    printable(text, kShownBytes)));
  };
  std::string digits(text);
  std::uint64_t unit = 1;
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K': case 'k': unit = std::uint64_t{1} << 10; break;
      case 'M': case 'm': unit = std::uint64_t{1} << 20; break;
      case 'G': case 'g': unit = std::uint64_t{1} << 30; break;
      default: break;
    }
    if (unit != 1) digits.pop_back();
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) throw bad();
  errno = 0;
  const unsigned long long value = std::strtoull(digits.c_str(), nullptr, 10);
  if (errno == ERANGE || value == 0 || value > std::numeric_limits<std::uint64_t>::max() / unit) throw bad();
  return static_cast<std::uint64_t>(value) * unit;
}

std::chrono::duration<double> parse_timeout_seconds(std::string_view option, std::string_view text) {
  const std::string s(text);
  char* end = nullptr;
  const double seconds = s.empty() ? std::nan("") : std::strtod(s.c_str(), &end);
  if (!std::isfinite(seconds) || end != s.c_str() + s.size() || !(seconds > 0) || seconds > kMaxPluginTimeoutSeconds) {
    throw InvalidInput(fmt::format("{} '{}' is not a number of seconds in (0, {}]", option, printable(text, kShownBytes),
                                   kMaxPluginTimeoutSeconds));
  }
  return std::chrono::duration<double>(seconds);
}

std::string describe_bytes(std::uint64_t bytes) {
  constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return fmt::format("{} bytes", bytes);
  double value = static_cast<double>(bytes) / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return fmt::format("{:.4g} {}", value, kUnits[unit]);
}

}  // namespace ropecheck::harness
