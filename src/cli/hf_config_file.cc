#include "cli/hf_config_file.h"

#include <filesystem>
#include <iostream>
#include <set>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "ropecheck/errors.h"
#include "ropecheck/harness/untrusted_text.h"
#include "ropecheck/golden/config_cases.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/sha256sums.h"
#include "ropecheck/json_document.h"

namespace ropecheck::cli {

HfConfigFile load_hf_config(const std::string& path) {
  io::register_input_path(path);
  const std::vector<unsigned char> bytes = io::read_input_file(path, "hf-config", io::kMaxJsonFileBytes);
  const nlohmann::json document =
      parse_json_document(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), "hf-config");
  return {config::read_hf_config(document), io::sha256_hex(bytes), std::filesystem::path(path).stem().string()};
}

std::vector<golden::GoldenCase> cases_of_hf_configs(const std::vector<std::string>& paths, Dtype dtype,
                                                    const std::optional<std::vector<std::int64_t>>& positions,
                                                    std::string_view command) {
  std::vector<golden::GoldenCase> cases;
  std::set<std::string> ids;
  for (const std::string& path : paths) {
    const HfConfigFile config = load_hf_config(path);
    for (const std::string& warning : config.model.warnings) {
      std::cerr << "ropecheck " << command << ": warning: " << config.stem << ": " << warning << "\n";
    }
    for (golden::GoldenCase& c : golden::cases_from_hf_config(config.model, config.stem, config.sha256, dtype, positions)) {
      if (!ids.insert(c.id).second) {
        throw InvalidInput(fmt::format("{}: two --hf-config files make the case id '{}' (rename one)", command, c.id));
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

// A config's layer type names, or the user's, on one line of a message.
constexpr std::size_t kShownNameBytes = 200;

std::vector<config::HfLayerRope> select_layer_types(const config::HfRopeConfig& model, const std::string& layer_type,
                                                    std::string_view command) {
  if (layer_type.empty()) return model.layer_types;
  std::string known;
  for (const config::HfLayerRope& l : model.layer_types) {
    if (l.layer_type == layer_type) return {l};
    known += (known.empty() ? "" : ", ") + harness::printable(l.layer_type, kShownNameBytes);
  }
  throw InvalidInput(fmt::format("{}: --layer-type '{}' is not a RoPE layer type of this config (it has: {})", command,
                                 harness::printable(layer_type, kShownNameBytes), known));
}

}  // namespace ropecheck::cli
