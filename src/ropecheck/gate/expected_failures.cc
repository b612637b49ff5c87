#include "ropecheck/gate/expected_failures.h"

#include <map>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"

namespace ropecheck::gate {
namespace {

bool is_id_character(unsigned char c) { return c > 0x20 && c < 0x7f; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

ExpectedFailures parse_expected_failures(std::string_view text, std::string_view source) {
  ExpectedFailures list;
  list.source = std::string(source);
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    for (const char c : line) {
      if (!is_id_character(static_cast<unsigned char>(c))) {
        throw InvalidInput(fmt::format("{}:{}: an id is printable ASCII without spaces (byte 0x{:02x})", source,
                                       line_number, static_cast<unsigned char>(c)));
      }
    }
    if (!list.ids.insert(std::string(line)).second) {
      throw InvalidInput(fmt::format("{}:{}: id '{}' is listed twice", source, line_number, line));
    }
  }
  return list;
}

ExpectedFailures read_expected_failures(const std::filesystem::path& path) {
  const std::vector<unsigned char> bytes = io::read_input_file(path, "the expected-failure list", kMaxExpectFailBytes);
  return parse_expected_failures(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                                 path.string());
}

ExpectedFailureVerdict compare_expected_failures(const ExpectedFailures& expected, const std::vector<IdOutcome>& outcomes) {
  ExpectedFailureVerdict v;
  std::vector<std::string> mismatches;
  std::set<std::string> seen;
  for (const IdOutcome& o : outcomes) {
    seen.insert(o.id);
    const bool listed = expected.lists(o.id);
    if (o.result == IdResult::failed && listed) {
      ++v.expected_failures;
    } else if (o.result == IdResult::failed) {
      mismatches.push_back(fmt::format("{}: failed, and it is not in {}", o.id, expected.source));
    } else if (o.result == IdResult::passed && listed) {
      mismatches.push_back(fmt::format("{}: unexpectedly passing (listed in {}: remove it)", o.id, expected.source));
    } else if (o.result == IdResult::skipped && listed) {
      mismatches.push_back(fmt::format("{}: listed in {} but not measured (skipped)", o.id, expected.source));
    }
  }
  for (const std::string& id : expected.ids) {
    if (!seen.count(id)) mismatches.push_back(fmt::format("{}: listed in {} but no such id was run", id, expected.source));
  }
  v.as_expected = mismatches.empty();
  v.lines.push_back(fmt::format("{} expected failure{} confirmed from {}", v.expected_failures,
                                v.expected_failures == 1 ? "" : "s", expected.source));
  for (std::string& line : mismatches) v.lines.push_back(std::move(line));
  return v;
}

}  // namespace ropecheck::gate
