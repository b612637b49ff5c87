// The message of the InvalidInput that `f` throws, or "(no error)": for tests that check
// what a refusal says.
#pragma once

#include <functional>
#include <string>

#include "ropecheck/errors.h"

namespace ropecheck::testing {

inline std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace ropecheck::testing
