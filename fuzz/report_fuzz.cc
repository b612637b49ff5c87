// libFuzzer target for the report.json reader, which reads baselines and shards to merge
// (scripts/fuzz.sh builds and runs it).
//
// Contract under test (src/ropecheck/report/report_json.h): for any text, parse_report
// either returns a report or throws InvalidInput — any other exception, a crash, a
// sanitizer report (ASan, UBSan) or a timeout is a finding. An accepted report must also
// survive a write/read round trip through text, as `ropecheck report` writes report.json:
// reading the dumped report_to_json gives a report that writes the same JSON again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/report/report_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ropecheck::report;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  PrecisionReport report;
  try {
    report = parse_report(text, "fuzz");
  } catch (const ropecheck::InvalidInput&) {
    return 0;
  }
  const nlohmann::json written = report_to_json(report);
  if (report_to_json(parse_report(written.dump(), "fuzz-round-trip")) != written) std::abort();
  return 0;
}
