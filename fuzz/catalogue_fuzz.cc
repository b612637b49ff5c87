// libFuzzer target for the golden case catalogue reader (scripts/fuzz.sh builds and runs it).
//
// Contract under test (src/ropecheck/golden/case_catalogue.h): for any text,
// parse_case_catalogue either returns the cases or throws InvalidInput — any other
// exception, a crash, a sanitizer report (ASan, UBSan) or a timeout is a finding. Every
// accepted case must also survive a write/read round trip: case_from_json of case_to_json
// gives a case that writes the same JSON again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/golden/case_catalogue.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ropecheck::golden;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<GoldenCase> cases;
  try {
    cases = parse_case_catalogue(text, "fuzz");
  } catch (const ropecheck::InvalidInput&) {
    return 0;
  }
  for (const GoldenCase& c : cases) {
    const nlohmann::json written = case_to_json(c);
    if (case_to_json(case_from_json(written, "fuzz-round-trip")) != written) std::abort();
  }
  return 0;
}
