// Known-failure lists (`--expect-fail FILE`): how a project adopts the gate before it has
// fixed everything, as protobuf's conformance --failure_list and array-api-tests' xfails
// do. The run passes only if exactly the listed ids fail.
//
// Contract:
//  - The file is text: one id per line (a property id of `props`, a case id of `check`);
//    `#` starts a comment, blank lines are ignored, spaces around an id are trimmed. An id
//    is printable ASCII without spaces. A repeated id, an unreadable or binary file, or
//    one over kMaxExpectFailBytes is InvalidInput (exit 2) naming the line. An empty list
//    is valid: it says nothing may fail.
//  - compare_expected_failures: every outcome's id is matched against the list.
//      failed,  listed     → expected failure (XFAIL), as expected;
//      failed,  not listed → an unexpected failure;
//      passed,  listed     → "unexpectedly passing": the list is stale, a failure;
//      skipped, listed     → listed but not measured: a failure (the list cannot be
//                            confirmed; a skipped case never counts as its expected failure);
//      a listed id no outcome has → unknown id (a typo, or a property that no longer
//                            exists): a failure.
//    `lines` says each mismatch in one line; as_expected is true when there is none.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace ropecheck::gate {

inline constexpr std::uint64_t kMaxExpectFailBytes = std::uint64_t{1} << 20;

struct ExpectedFailures {
  std::string source;        // the file, for messages
  std::set<std::string> ids;
  bool lists(const std::string& id) const { return ids.count(id) != 0; }
};

ExpectedFailures read_expected_failures(const std::filesystem::path& path);
ExpectedFailures parse_expected_failures(std::string_view text, std::string_view source);

enum class IdResult { passed, failed, skipped };
struct IdOutcome {
  std::string id;
  IdResult result = IdResult::passed;
};

struct ExpectedFailureVerdict {
  bool as_expected = true;
  std::size_t expected_failures = 0;  // listed ids that failed
  std::vector<std::string> lines;     // one per mismatch
};

ExpectedFailureVerdict compare_expected_failures(const ExpectedFailures& expected, const std::vector<IdOutcome>& outcomes);

}  // namespace ropecheck::gate
