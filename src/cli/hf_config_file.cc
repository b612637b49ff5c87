#include "cli/hf_config_file.h"

#include <filesystem>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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

}  // namespace ropecheck::cli
