// libFuzzer target for the golden case catalogue reader (scripts/fuzz.sh builds and runs it).
//
// Contract under test (src/ropecheck/golden/case_catalogue.h): for any text,
// parse_case_catalogue either returns the cases or throws InvalidInput — any other
// exception, a crash, a sanitizer report (ASan, UBSan) or a timeout is a finding. Every
// accepted case must also survive a write/read round trip through text: a catalogue of the
// dumped case_to_json of every case reads back to cases that write the same JSON again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

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
  nlohmann::json written = {{"format", kCatalogueFormat}, {"cases", nlohmann::json::array()}};
  for (const GoldenCase& c : cases) written["cases"].push_back(case_to_json(c));
  const std::vector<GoldenCase> back = parse_case_catalogue(written.dump(), "fuzz-round-trip");
  if (back.size() != cases.size()) std::abort();
  for (std::size_t i = 0; i < back.size(); ++i) {
    if (case_to_json(back[i]) != written["cases"][i]) std::abort();
  }
  return 0;
}
