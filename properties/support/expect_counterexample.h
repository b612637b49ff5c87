// Negative controls: a property run against a deliberately wrong variant must be caught.
//
// expect_counterexample(name, testable) runs the testable through RapidCheck with the
// suite's parameters (seed and budget from RC_PARAMS, so a failing seed reproduces) and
// passes only when RapidCheck reports a failure with a counterexample; it prints that
// counterexample after shrinking and the number of shrink steps RapidCheck took.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/detail/TestListenerAdapter.h>

#include <iostream>
#include <string>
#include <utility>

namespace ropecheck::testing {

template <class Testable>
void expect_counterexample(const std::string& name, Testable&& testable) {
  rc::detail::TestMetadata metadata;
  metadata.id = name;
  metadata.description = name;
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  // A silent listener: RapidCheck's global one would end the run with "some properties
  // had failures, to reproduce…" although this failure is the expected outcome.
  rc::detail::TestListenerAdapter silent;
  const auto result = rc::detail::checkTestable(std::forward<Testable>(testable), metadata, params, silent);
  rc::detail::FailureResult failure;
  ASSERT_TRUE(result.match(failure))
      << name << ": the wrong variant was NOT caught (seed " << params.seed << ", "
      << params.maxSuccess << " cases): the property cannot fail, which is a defect";
  ASSERT_FALSE(failure.counterExample.empty());
  std::cout << "[negative control] " << name << ": caught after " << failure.numSuccess
            << " passing cases, shrunk in " << failure.reproduce.shrinkPath.size()
            << " steps to:\n";
  for (const auto& [type, value] : failure.counterExample) {
    std::cout << "    " << type << " = " << value << "\n";
  }
}

}  // namespace ropecheck::testing
