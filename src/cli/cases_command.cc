#include "cli/cases_command.h"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/data_directory.h"
#include "cli/exit_codes.h"
#include "ropecheck/golden/case_catalogue.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/plural.h"
#include "ropecheck/position_axes.h"

namespace ropecheck::cli {
namespace {

// "7 listed, max 1048575", or the recipe: "special + 8 random up to 1048575".
std::string positions_text(const golden::GoldenCase& c) {
  const golden::PositionRecipe& p = c.positions;
  if (!p.values.empty()) {
    return fmt::format("{} listed, max {}", p.values.size() / position_axes(c.spec),
                       *std::max_element(p.values.begin(), p.values.end()));
  }
  if (position_axes(c.spec) > 1) return fmt::format("grid for context {}", p.max + 1);
  return fmt::format("{}{} random up to {}", p.special ? "special + " : "", p.random, p.max);
}

}  // namespace

CLI::App* add_cases_command(CLI::App& app, CasesOptions& options) {
  auto* cases = app.add_subcommand("cases", "List the case catalogue: id, spec, dtypes, heads, positions, inputs");
  cases->add_option("--cases", options.cases, "case catalogue (default: the catalogue shipped with ropecheck)");
  cases->add_flag("--json", options.json, "print the catalogue's cases as JSON, one array");
  return cases;
}

int run_cases(const CasesOptions& options) {
  const std::string path = case_catalogue_or_default(options.cases);
  io::register_input_path(path);
  const std::vector<golden::GoldenCase> catalogue = golden::read_case_catalogue(path);
  if (options.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const golden::GoldenCase& c : catalogue) all.push_back(golden::case_to_json(c));
    std::cout << all.dump(2) << "\n";
    return kExitPass;
  }
  std::cout << fmt::format("{} in {}\n", counted(catalogue.size(), "case"), path);
  std::cout << fmt::format("  {:<34} {:<11} {:>4} {:>4} {:>9} {:<12} {:<11} {:>5}  {:<36} {}\n", "id", "layout", "D",
                           "R", "base", "scaling", "dtypes", "heads", "positions", "inputs");
  for (const golden::GoldenCase& c : catalogue) {
    std::cout << fmt::format("  {:<34} {:<11} {:>4} {:>4} {:>9g} {:<12} {:<11} {:>5}  {:<36} {}\n", c.id,
                             to_string(c.spec.layout), c.spec.head_dim, c.spec.rotary_dim, c.spec.base,
                             to_string(c.spec.scaling.type),
                             fmt::format("{}→{}", to_string(c.input_dtype), to_string(c.output_dtype)), c.heads,
                             positions_text(c), golden::to_string(c.inputs));
  }
  return kExitPass;
}

}  // namespace ropecheck::cli
