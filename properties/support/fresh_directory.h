// An empty directory of the running test's own: CTest runs the tests of one suite in
// parallel, so each names its directory after the suite's prefix, the test and `what`.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace ropecheck::testing {

inline std::filesystem::path fresh_directory(const std::string& prefix, const std::string& what) {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / (prefix + test + "_" + what);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace ropecheck::testing
