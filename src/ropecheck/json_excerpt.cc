#include "ropecheck/json_excerpt.h"

#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/utf8_prefix.h"

namespace ropecheck {

std::string json_excerpt(const nlohmann::json& v) {
  using Json = nlohmann::json;
  switch (v.type()) {
    case Json::value_t::array:
      return fmt::format("an array of {} element{}", v.size(), v.size() == 1 ? "" : "s");
    case Json::value_t::object: return fmt::format("an object of {} key{}", v.size(), v.size() == 1 ? "" : "s");
    case Json::value_t::string: {
      const auto& text = v.get_ref<const std::string&>();
      const std::string_view head = utf8_prefix(text, kMaxExcerptBytes);
      // dump() escapes quotes and control characters, so the excerpt stays one line;
      // `replace` only guards against bytes that are not UTF-8 (a parsed string has none).
      std::string out = Json(std::string(head)).dump(-1, ' ', false, Json::error_handler_t::replace);
      if (head.size() < text.size()) out += "…";
      return out;
    }
    case Json::value_t::binary: return fmt::format("{} bytes of binary data", v.get_binary().size());
    default: return v.dump();  // a number, true, false, null or discarded: a few bytes
  }
}

}  // namespace ropecheck
