#include "cli/spec_command.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/exit_codes.h"
#include "cli/hf_config_file.h"
#include "ropecheck/config/hf_config.h"
#include "ropecheck/errors.h"
#include "ropecheck/harness/untrusted_text.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"

namespace ropecheck::cli {
namespace {

// Indented JSON with every list of scalars on one line: a model's 61 layer indices or 48
// LongRoPE factors stay readable, and the text is still plain JSON.
void render(const nlohmann::ordered_json& value, int depth, std::string& out) {
  const std::string pad(static_cast<std::size_t>(2 * (depth + 1)), ' ');
  const std::string close_pad(static_cast<std::size_t>(2 * depth), ' ');
  const bool scalars = value.is_array() && std::none_of(value.begin(), value.end(), [](const auto& e) {
    return e.is_structured();
  });
  if (!value.is_structured() || value.empty() || scalars) {
    out += value.dump();
    return;
  }
  out += value.is_object() ? "{\n" : "[\n";
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out += pad;
    if (value.is_object()) out += nlohmann::ordered_json(it.key()).dump() + ": ";
    render(it.value(), depth + 1, out);
  }
  out += "\n" + close_pad + (value.is_object() ? "}" : "]");
}

}  // namespace

CLI::App* add_spec_command(CLI::App& app, SpecOptions& options) {
  auto* spec = app.add_subcommand(
      "spec", "Print the RopeSpec of each layer type of a Hugging Face config.json, with the fields read and ignored");
  spec->add_option("--hf-config", options.hf_config,
                   "the model's config.json (v4 rope_scaling, v5 rope_parameters, nested per layer type, text_config)")
      ->required();
  spec->add_option("--layer-type", options.layer_type,
                   "print only this layer type's spec JSON (as --spec files take it): full_attention, "
                   "sliding_attention, all_layers, …");
  spec->add_option("--out", options.out, "write the JSON to this file instead of standard output");
  return spec;
}

int run_spec(const SpecOptions& options) {
  io::register_input_path(options.hf_config);
  if (!options.out.empty()) io::check_output_path(options.out);
  const config::HfRopeConfig model = load_hf_config(options.hf_config).model;
  nlohmann::ordered_json result;
  if (options.layer_type.empty()) {
    result = config::to_json(model);
  } else {
    const config::HfLayerRope layer = select_layer_types(model, options.layer_type, "spec").front();
    result = nlohmann::ordered_json::parse(to_json(layer.spec).dump());
  }
  for (const std::string& warning : model.warnings) std::cerr << "ropecheck spec: warning: " << warning << "\n";
  std::string text;
  render(result, 0, text);
  text += "\n";
  if (options.out.empty()) {
    std::cout << text;
  } else {
    io::write_output_file(options.out, text);
  }
  return kExitPass;
}

}  // namespace ropecheck::cli
