// Typed errors at the library/CLI boundary (docs/cli.md#bad-input). The CLI maps them to exit codes
// (docs/cli.md#exit-codes): InvalidInput → 2 with its one-line message on stderr.
#pragma once

#include <stdexcept>
#include <string>

namespace ropecheck {

// Bad usage or unreadable/invalid input: a RopeSpec that breaks a rule, a malformed file,
// a flag out of range. The message is one line that names the rule that was broken.
class InvalidInput : public std::runtime_error {
 public:
  explicit InvalidInput(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace ropecheck
