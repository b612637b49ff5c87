// Parsing a JSON document from an untrusted file, with the parser's reason in the error.
//
// Contract: parse_json_document(text, what) returns the document, or throws InvalidInput
// "<what>: not valid JSON: <reason>" — the reason is nlohmann's (line, column, what was
// expected) without its "[json.exception.parse_error.N]" tag, control bytes escaped and
// cut to one short line. No callback parser: nlohmann's callback mode copies the parent
// object after each nested one (quadratic in the document's size); the plain parser is
// linear.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ropecheck {

nlohmann::json parse_json_document(std::string_view text, std::string_view what);

}  // namespace ropecheck
