#include "ropecheck/json_document.h"

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck {
namespace {

// A parser message quotes the offending text; keep the line short and free of controls.
constexpr std::size_t kMaxReasonBytes = 240;

std::string one_line(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kMaxReasonBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte < 0x20U || byte == 0x7FU ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  if (text.size() > kMaxReasonBytes) out += "…";
  return out;
}

}  // namespace

nlohmann::json parse_json_document(std::string_view text, std::string_view what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string_view reason = e.what();
    if (const auto close = reason.find("] "); !reason.empty() && reason.front() == '[' && close != std::string_view::npos) {
      reason.remove_prefix(close + 2);
    }
    throw InvalidInput(fmt::format("{}: not valid JSON: {}", what, one_line(reason)));
  }
}

}  // namespace ropecheck
