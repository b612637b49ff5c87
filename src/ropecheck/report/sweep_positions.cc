#include "ropecheck/report/sweep_positions.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::report {
namespace {

std::int64_t parse_integer(std::string_view text, std::string_view what) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    throw InvalidInput(fmt::format("positions: {} '{}' is not an integer", what, text));
  }
  return value;
}

// 0, round(max^(k/count)) for k = 0 … count, and 2^k − 1, 2^k, 2^k + 1 up to max.
std::vector<std::int64_t> log_grid(std::int64_t count, std::int64_t max) {
  std::vector<std::int64_t> out{0, 1, 2};
  const reference::Real log_max = log(reference::Real(static_cast<double>(max)));
  for (std::int64_t k = 0; k <= count; ++k) {
    const reference::Real v = exp(log_max * reference::Real(static_cast<double>(k)) / reference::Real(static_cast<double>(count)));
    out.push_back(static_cast<std::int64_t>(floor(v + reference::Real(0.5))));
  }
  for (std::int64_t p = 4; p <= max; p *= 2) {
    for (const std::int64_t m : {p - 1, p, p + 1}) out.push_back(m);
  }
  out.erase(std::remove_if(out.begin(), out.end(), [max](std::int64_t m) { return m > max + 1 || m >= kSweepPositionLimit; }),
            out.end());
  return out;
}

// all:MAX's MAX, or nullopt for any other spec.
std::optional<std::int64_t> all_to(std::string_view spec) {
  if (spec.rfind("all:", 0) != 0) return std::nullopt;
  const std::int64_t max = parse_integer(spec.substr(4), "MAX");
  if (max < 1 || max >= kSweepPositionLimit) {
    throw InvalidInput(fmt::format("positions: all:MAX needs 1 ≤ MAX < 2^24 (every position 0 … MAX), got MAX = {}", max));
  }
  return max;
}

}  // namespace

PositionSweep parse_position_sweep(std::string_view spec) {
  PositionSweep sweep;
  const std::optional<std::int64_t> max = all_to(spec);
  if (max && static_cast<std::uint64_t>(*max) + 1 > kMaxSweepPositions) {
    sweep.all_to = max;
  } else {
    sweep.grid = sweep_positions(spec);
  }
  return sweep;
}

std::vector<std::int64_t> position_bins(std::int64_t last) {
  std::vector<std::int64_t> starts = log_grid(256, std::max<std::int64_t>(last, 2));
  std::erase_if(starts, [last](std::int64_t m) { return m > last; });
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

std::vector<std::int64_t> sweep_positions(std::string_view spec) {
  std::vector<std::int64_t> out;
  if (const std::optional<std::int64_t> max = all_to(spec)) {
    if (static_cast<std::uint64_t>(*max) + 1 > kMaxSweepPositions) {
      throw InvalidInput(fmt::format("positions: all:{} is {} positions, a grid at most {}", *max, *max + 1, kMaxSweepPositions));
    }
    for (std::int64_t m = 0; m <= *max; ++m) out.push_back(m);
    return out;
  }
  if (spec == "default") {
    out = log_grid(256, std::int64_t{1} << 20);
  } else if (spec.rfind("log:", 0) == 0) {
    const std::string_view rest = spec.substr(4);
    const std::size_t colon = rest.find(':');
    if (colon == std::string_view::npos) throw InvalidInput(fmt::format("positions: '{}' is not log:N:MAX", spec));
    const std::int64_t count = parse_integer(rest.substr(0, colon), "N");
    const std::int64_t max = parse_integer(rest.substr(colon + 1), "MAX");
    if (count < 1 || count > static_cast<std::int64_t>(kMaxSweepPositions)) {
      throw InvalidInput(fmt::format("positions: N = {} is outside [1, {}]", count, kMaxSweepPositions));
    }
    if (max < 2 || max >= kSweepPositionLimit) {
      throw InvalidInput(fmt::format("positions: MAX = {} is outside [2, 2^24)", max));
    }
    out = log_grid(count, max);
  } else {
    std::size_t begin = 0;
    while (begin <= spec.size()) {
      const std::size_t comma = std::min(spec.find(',', begin), spec.size());
      const std::int64_t m = parse_integer(spec.substr(begin, comma - begin), "position");
      if (m < 0 || m >= kSweepPositionLimit) throw InvalidInput(fmt::format("positions: {} is outside [0, 2^24)", m));
      out.push_back(m);
      begin = comma + 1;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > kMaxSweepPositions) {
    throw InvalidInput(fmt::format("positions: {} positions, at most {} (one call's tokens)", out.size(), kMaxSweepPositions));
  }
  return out;
}

}  // namespace ropecheck::report
