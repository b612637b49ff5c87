#include "cli/apply_command.h"

#include <algorithm>
#include <iostream>
#include <system_error>

#include <fmt/format.h>

#include "cli/exit_codes.h"
#include "cli/progress.h"
#include "ropecheck/errors.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/plural.h"

namespace ropecheck::cli {
namespace {

kernels::TableMode table_mode(const std::string& name) {
  for (const auto mode : {kernels::TableMode::accurate, kernels::TableMode::f32_angle, kernels::TableMode::f32_recurrence}) {
    if (kernels::to_string(mode) == name) return mode;
  }
  throw InvalidInput(fmt::format("apply: unknown --table '{}'", name));
}

}  // namespace

CLI::App* add_apply_command(CLI::App& app, ApplyOptions& options) {
  auto* apply = app.add_subcommand("apply", "Write the built-in kernels' outputs for golden files as candidate files");
  apply->add_option("--golden", options.golden, "golden file, or directory of golden files")->required();
  apply->add_option("--out", options.out, "directory for the candidate files (same names as the golden files)")
      ->required();
  apply->add_option("--table", options.table, "cos/sin table: accurate (default), f32_angle or f32_recurrence")
      ->check(CLI::IsMember({"accurate", "f32_angle", "f32_recurrence"}));
  return apply;
}

int run_apply(const ApplyOptions& options) {
  const kernels::TableMode mode = table_mode(options.table);
  std::error_code ec;
  std::vector<std::filesystem::path> goldens;
  if (std::filesystem::is_directory(options.golden, ec)) {
    for (const auto& entry : std::filesystem::directory_iterator(options.golden, ec)) {
      if (entry.path().extension() == ".safetensors") goldens.push_back(entry.path());
    }
    std::sort(goldens.begin(), goldens.end());
    if (goldens.empty()) throw InvalidInput(fmt::format("apply: no golden files in {}", options.golden));
  } else {
    goldens.push_back(options.golden);
  }
  // Every output path is checked before the work: none may replace a golden file (the
  // candidates carry the golden files' names) or be something that cannot be written.
  io::register_input_path(options.golden);
  io::check_output_directory(options.out);
  for (const auto& path : goldens) io::check_output_path(std::filesystem::path(options.out) / path.filename());
  // Read and compute everything first: a bad golden file stops the run before any write.
  std::vector<std::pair<std::filesystem::path, std::vector<unsigned char>>> outputs;
  Progress progress("apply", goldens.size());
  for (const auto& path : goldens) {
    const golden::Golden g = golden::read_golden(path);
    outputs.emplace_back(std::filesystem::path(options.out) / path.filename(),
                         io::serialize_safetensors(gate::builtin_candidate_file(g, mode)));
    progress.update(outputs.size());
  }
  for (const auto& [path, bytes] : outputs) io::write_output_file(path, bytes);
  std::cout << fmt::format("apply: wrote {} (kernels, {} table) to {}\n", counted(outputs.size(), "candidate file"),
                           options.table, options.out);
  return kExitPass;
}

}  // namespace ropecheck::cli
