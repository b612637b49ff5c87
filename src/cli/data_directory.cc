#include "cli/data_directory.h"

#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ropecheck/errors.h"

namespace ropecheck::cli {
namespace {

constexpr const char* kCatalogue = "golden/cases.json";

bool holds_catalogue(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(dir / kCatalogue, ec);
}

// <prefix>/share/ropecheck for the executable at <prefix>/bin/ropecheck.
std::filesystem::path installed_data() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().parent_path() / "share" / "ropecheck";
}

}  // namespace

std::filesystem::path data_directory() {
  if (const char* set = std::getenv(kDataDirectoryVariable); set && *set) {
    if (holds_catalogue(set)) return set;
    throw InvalidInput(fmt::format("{}={}: no {} there (unset it to use the data shipped with ropecheck)",
                                   kDataDirectoryVariable, set, kCatalogue));
  }
  std::vector<std::string> tried;
  for (const std::filesystem::path& dir : {installed_data(), std::filesystem::path(ROPECHECK_SOURCE_TREE)}) {
    if (dir.empty()) continue;
    if (holds_catalogue(dir)) return dir;
    tried.push_back(dir.string());
  }
  throw InvalidInput(fmt::format("cannot find ropecheck's data ({} under {}); set {} to the directory holding it",
                                 kCatalogue, fmt::join(tried, " or "), kDataDirectoryVariable));
}

std::filesystem::path default_case_catalogue() { return data_directory() / kCatalogue; }

std::string case_catalogue_or_default(const std::string& given) {
  return given.empty() ? default_case_catalogue().string() : given;
}

}  // namespace ropecheck::cli
