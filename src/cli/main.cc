// ropecheck: the command-line front end. Thin: parses flags (CLI11), calls the library,
// maps errors to exit codes (DESIGN §4): 0 pass, 1 conformance failure, 2 bad usage or
// invalid input — always with a one-line reason on stderr.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/apply_command.h"
#include "cli/check_command.h"
#include "cli/exit_codes.h"
#include "cli/golden_command.h"
#include "cli/hf_config_file.h"
#include "cli/plugin_options.h"
#include "cli/progress.h"
#include "cli/report_command.h"
#include "cli/spec_command.h"
#include "cli/integer_option.h"
#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/props/battery.h"
#include "ropecheck/props/plugin_kernel.h"
#include "ropecheck/harness/plugin_process.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/reference/abel.h"
#include "ropecheck/reference/frequencies.h"

namespace {

using ropecheck::InvalidInput;
using ropecheck::reference::Real;

using ropecheck::cli::kExitFailure;
using ropecheck::cli::kExitPass;
using ropecheck::cli::kExitUsage;

// The default seed of `ropecheck props`: fixed, so two runs print the same thing.
constexpr std::uint64_t kDefaultPropsSeed = 20210323;  // RoFormer's blog post date
constexpr std::uint64_t kMaxDecayDistance = 100'000'000;
// Rotary dims of published models are ≤ 512; the reference's cost grows with R·N, and an
// R in the billions is a typo, not a model.
constexpr std::uint64_t kMaxDecayDim = 65'536;
constexpr std::uint64_t kMaxPropsCases = 1'000'000;

using ropecheck::cli::Progress;

std::string full_precision(const Real& x) { return x.str(21, std::ios_base::fmtflags(0)); }

// Standard output is the product of decay and props: a write error (a full disk, /dev/full,
// a closed pipe) is exit 2, never a silent exit 0 with the output lost.
void flush_standard_output() {
  errno = 0;
  std::cout.flush();
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
    throw InvalidInput(fmt::format("cannot write standard output: {}", errno ? std::strerror(errno) : "write error"));
  }
}

int run_decay(const std::string& dim_text, double base, const std::string& max_distance_text, const std::string& format) {
  const std::size_t dim = ropecheck::cli::parse_integer_option(dim_text, "decay: --dim", 2, kMaxDecayDim);
  if (dim % 2 != 0) throw InvalidInput(fmt::format("decay: --dim {} must be even and at least 2", dim));
  if (!(base > 1) || !std::isfinite(base)) throw InvalidInput("decay: --base must be a finite number > 1");
  const std::uint64_t max_distance =
      ropecheck::cli::parse_integer_option(max_distance_text, "decay: --max-distance", 0, kMaxDecayDistance);
  ropecheck::RopeSpec spec;
  spec.head_dim = spec.rotary_dim = dim;
  spec.base = base;
  const std::vector<Real> thetas = ropecheck::reference::frequencies<Real>(spec);
  Progress progress("decay", max_distance + 1);
  std::string out;
  if (format == "csv") {
    out += "distance,f,sum_abs_S\n";
  } else {
    out += fmt::format("{{\"dim\":{},\"base\":{},\"points\":[", dim, base);
  }
  for (std::uint64_t delta = 0; delta <= max_distance; ++delta) {
    const auto p = ropecheck::reference::decay_point<Real>(thetas, Real(delta));
    if (format == "csv") {
      out += fmt::format("{},{},{}\n", delta, full_precision(p.f), full_precision(p.sum_abs_S));
    } else {
      out += fmt::format("{}{{\"distance\":{},\"f\":{},\"sum_abs_S\":{}}}", delta ? "," : "", delta,
                         full_precision(p.f), full_precision(p.sum_abs_S));
    }
    progress.update(static_cast<std::size_t>(delta + 1));
  }
  if (format == "json") out += "]}\n";
  // Written only once complete, and checked.
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    throw InvalidInput(fmt::format("cannot write standard output: {}", std::strerror(errno)));
  }
  flush_standard_output();
  return kExitPass;
}

struct PropsOptions {
  std::string seed = std::to_string(kDefaultPropsSeed);
  std::string cases = "100";
  std::string plugin;
  std::string profile = "exact";
  std::string hf_config;
  std::string layer_type;
  bool no_shrink = false;
  ropecheck::cli::PluginLimitOptions limits;
};

// What `props` counts: with a plugin, the plugin's own properties apart from ropecheck's
// self-checks (negative controls), so that a plugin cannot pass on the strength of ours.
struct PropsTally {
  std::size_t held = 0, failed = 0, skipped = 0;  // the code under test's properties
  std::size_t caught = 0, missed = 0;             // negative controls
};

int run_props(const PropsOptions& options) {
  const std::uint64_t seed =
      ropecheck::cli::parse_integer_option(options.seed, "props: --seed", 0, std::numeric_limits<std::uint64_t>::max());
  const int cases = static_cast<int>(ropecheck::cli::parse_integer_option(options.cases, "props: --cases", 1, kMaxPropsCases));
  const ropecheck::numeric::Profile profile = ropecheck::numeric::profile_from_string(options.profile);
  const ropecheck::harness::PluginLimits limits = ropecheck::cli::plugin_limits(options.limits);
  // RapidCheck announces its global configuration (a random seed unless RC_PARAMS names
  // one) on first use; the battery runs with `params` below, so make the two agree.
  setenv("RC_PARAMS", fmt::format("seed={}", seed).c_str(), 1);
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  // Shrinking a plugin's failure makes one plugin call (a child process) per attempt:
  // hundreds for a plugin that fails everything. --no-shrink reports the drawn case.
  params.disableShrinking = options.no_shrink;
  std::vector<ropecheck::props::BatteryEntry> battery;
  std::string what = "reference and kernel battery";
  std::string reproduce = fmt::format("ropecheck props --seed {} --cases {}", seed, cases);
  const bool with_plugin = !options.plugin.empty();
  PropsTally tally;
  if (!options.layer_type.empty() && options.hf_config.empty()) {
    throw ropecheck::InvalidInput("props: --layer-type needs --hf-config");
  }
  if (!options.hf_config.empty()) {
    // The model's specs only: the plugin or the built-in kernels under that model's RoPE.
    const ropecheck::cli::HfConfigFile config = ropecheck::cli::load_hf_config(options.hf_config);
    std::vector<ropecheck::props::ModelLayerSpec> layers;
    for (const auto& l : ropecheck::cli::select_layer_types(config.model, options.layer_type, "props")) {
      layers.push_back({l.layer_type, l.spec});
    }
    for (const std::string& warning : config.model.warnings) {
      std::cerr << "ropecheck props: warning: " << config.stem << ": " << warning << "\n";
    }
    std::vector<ropecheck::Dtype> dtypes{ropecheck::Dtype::f32, ropecheck::Dtype::bf16, ropecheck::Dtype::f16};
    std::shared_ptr<const std::vector<ropecheck::props::KernelUnderTest>> under_test;
    std::string who = "the built-in kernels";
    if (with_plugin) {
      const auto plugin = std::make_shared<const ropecheck::harness::Plugin>(ropecheck::harness::Plugin::open(options.plugin, limits));
      std::erase_if(dtypes, [&](ropecheck::Dtype d) { return !plugin->supports(d); });
      if (dtypes.empty()) {
        std::cout << "props: FAIL: the plugin implements no dtype (ropecheck_plugin_dtypes): it measured nothing\n";
        return kExitFailure;
      }
      under_test = std::make_shared<const std::vector<ropecheck::props::KernelUnderTest>>(
          std::vector<ropecheck::props::KernelUnderTest>{ropecheck::props::plugin_kernel(plugin)});
      who = fmt::format("plugin '{}' ({})", plugin->name(), options.plugin);
    } else {
      under_test = std::make_shared<const std::vector<ropecheck::props::KernelUnderTest>>(ropecheck::props::builtin_kernels());
    }
    battery = ropecheck::props::model_battery(under_test, layers, dtypes, profile);
    what = fmt::format("{} on {} ({}, {} layer type{}), profile {},", who, config.stem, config.model.model_type,
                       layers.size(), layers.size() == 1 ? "" : "s", options.profile);
    reproduce = fmt::format("ropecheck props --hf-config {}{}{} --profile {} --seed {} --cases {}", options.hf_config,
                            options.layer_type.empty() ? "" : " --layer-type " + options.layer_type,
                            with_plugin ? " --plugin " + options.plugin : "", options.profile, seed, cases);
  } else if (with_plugin) {
    const auto plugin = std::make_shared<const ropecheck::harness::Plugin>(ropecheck::harness::Plugin::open(options.plugin, limits));
    battery = ropecheck::props::plugin_battery(plugin, profile);
    what = fmt::format("plugin '{}' ({}), profile {},", plugin->name(), options.plugin, options.profile);
    reproduce = fmt::format("ropecheck props --plugin {} --profile {} --seed {} --cases {}", options.plugin,
                            options.profile, seed, cases);
    for (const auto dtype : {ropecheck::Dtype::f32, ropecheck::Dtype::bf16, ropecheck::Dtype::f16}) {
      if (!plugin->supports(dtype)) {
        ++tally.skipped;
        std::cout << fmt::format("  SKIP   {} properties: the plugin does not implement {} (ropecheck_plugin_dtypes)\n",
                                 ropecheck::to_string(dtype), ropecheck::to_string(dtype));
      }
    }
  } else {
    battery = ropecheck::props::reference_battery();
    for (auto& entry : ropecheck::props::kernel_battery()) battery.push_back(std::move(entry));
  }
  std::cout << fmt::format("ropecheck props: {} ({} checks), seed {}, up to {} cases each\n", what, battery.size(),
                           seed, cases);
  std::cout.flush();
  Progress progress("props", battery.size());
  ropecheck::props::run_battery(battery, params, [&](const ropecheck::props::BatteryOutcome& o, std::size_t done) {
    progress.update(done);
    if (o.skipped) {
      // The plugin declined: visible, counted apart, never a pass.
      ++tally.skipped;
      std::cout << fmt::format("  SKIP   {} (unsupported by the plugin)\n         {}\n", o.name, o.detail);
      std::cout.flush();
      return;
    }
    const char* verdict = o.ok ? (o.negative_control ? "CAUGHT" : "PASS") : "FAIL";
    std::cout << fmt::format("  {:<6} {} ({} cases){}\n", verdict, o.name, o.cases,
                             o.negative_control ? " [negative control]" : "");
    if (!o.ok && !o.negative_control) {
      // The whole shrunk counterexample: it is the minimal failing case.
      std::string detail = o.detail;
      for (std::size_t at = 0; (at = detail.find('\n', at)) != std::string::npos; at += 10) detail.replace(at, 1, "\n         ");
      std::cout << "         " << detail << "\n";
    } else if (!o.ok || o.negative_control) {
      const std::string first_line = o.detail.substr(0, o.detail.find('\n'));
      if (!first_line.empty()) std::cout << "         " << first_line << "\n";
    }
    if (o.negative_control) {
      ++(o.ok ? tally.caught : tally.missed);
    } else {
      ++(o.ok ? tally.held : tally.failed);
    }
    std::cout.flush();
  });
  std::cout << fmt::format("{} properties held, {} negative controls caught, {} failed (reproduce: {})\n", tally.held,
                           tally.caught, tally.failed + tally.missed,
                           reproduce + (options.no_shrink ? " --no-shrink" : ""));
  if (!with_plugin && options.hf_config.empty()) {
    std::cout << fmt::format("props: {} passed, {} failed\n", tally.held + tally.caught, tally.failed + tally.missed);
    return tally.failed + tally.missed == 0 ? kExitPass : kExitFailure;
  }
  // A plugin passes on properties it was measured on: none measured (every property
  // skipped, or no dtype implemented) is a failure, not a vacuous pass.
  const bool measured_nothing = tally.held + tally.failed == 0;
  std::cout << fmt::format("{}: {} passed, {} failed, {} skipped (unsupported); self-checks: {} caught, {} missed\n",
                           with_plugin ? "plugin" : "kernels",
                           tally.held, tally.failed, tally.skipped, tally.caught, tally.missed);
  if (measured_nothing) std::cout << "props: FAIL: the plugin measured nothing (every property was skipped)\n";
  if (tally.missed) std::cout << "props: FAIL: a self-check missed its wrong variant; the battery cannot be trusted\n";
  std::cout << fmt::format("props: {} passed, {} failed\n", tally.held, tally.failed);
  return tally.failed + tally.missed == 0 && !measured_nothing ? kExitPass : kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ropecheck: numerical verification and property testing of Rotary Position Embedding"};
  app.set_version_flag("--version", std::string("ropecheck ") + ROPECHECK_VERSION);
  app.require_subcommand(1);

  auto* decay = app.add_subcommand("decay", "Print Su's decay curve f(D) = sum_j |S_j(D)| / (R/2) for D = 0..N");
  std::string dim;
  double base = 10000;
  std::string max_distance;
  std::string format = "csv";
  decay->add_option("--dim", dim, "rotary dimension R (even)")->required();
  decay->add_option("--base", base, "RoPE base (default 10000)");
  decay->add_option("--max-distance", max_distance, "largest relative distance N")->required();
  decay->add_option("--format", format, "csv or json")->check(CLI::IsMember({"csv", "json"}));

  auto* props = app.add_subcommand(
      "props", "Run the property battery against the built-in reference and kernels, or against a plugin");
  PropsOptions props_options;
  props->add_option("--seed", props_options.seed, fmt::format("RapidCheck seed (default {})", kDefaultPropsSeed));
  props->add_option("--cases", props_options.cases, "cases per property (default 100)");
  props->add_option("--plugin", props_options.plugin, "shared library implementing ropecheck_plugin.h (run in child processes)");
  props->add_option("--hf-config", props_options.hf_config,
                    "a model's config.json: the battery over that model's RoPE layer types only (with --plugin: the "
                    "plugin's; without: the built-in kernels')");
  props->add_option("--layer-type", props_options.layer_type, "with --hf-config: only this layer type");
  props->add_flag("--no-shrink", props_options.no_shrink,
                  "report each failing property's first counterexample as drawn, without shrinking it (faster; the "
                  "same --seed and --cases reproduce it)");
  props->add_option("--profile", props_options.profile, "accuracy profile for --plugin and --hf-config: exact (default), f32-angle, f16-compute, bf16-compute")
      ->check(CLI::IsMember({"exact", "f32-angle", "f16-compute", "bf16-compute"}));
  ropecheck::cli::add_plugin_limit_options(props, props_options.limits);

  ropecheck::cli::GoldenOptions golden_options;
  auto* golden = ropecheck::cli::add_golden_command(app, golden_options);
  ropecheck::cli::CheckOptions check_options;
  auto* check = ropecheck::cli::add_check_command(app, check_options);
  ropecheck::cli::ApplyOptions apply_options;
  auto* apply = ropecheck::cli::add_apply_command(app, apply_options);
  ropecheck::cli::SpecOptions spec_options;
  auto* spec = ropecheck::cli::add_spec_command(app, spec_options);
  ropecheck::cli::ReportOptions report_options;
  const ropecheck::cli::ReportCommands report = ropecheck::cli::add_report_command(app, report_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ropecheck: " << e.what() << " (see --help)\n";
    return kExitUsage;
  }

  // Every way out of a command is an exit code with one line: an uncaught exception (a
  // library's, std::bad_alloc) would abort with 134 and a core dump.
  const auto one_line_error = [](std::string_view what) {
    std::string line(what.substr(0, what.find('\n')));
    std::cerr << "ropecheck: " << line << "\n";
    return kExitUsage;
  };
  try {
    const ropecheck::io::InputScope run_inputs;  // outputs never replace what the run reads
    int code = kExitUsage;
    if (decay->parsed()) {
      code = run_decay(dim, base, max_distance, format);
    } else if (props->parsed()) {
      code = run_props(props_options);
    } else if (golden->parsed()) {
      code = ropecheck::cli::run_golden(golden_options);
    } else if (check->parsed()) {
      code = ropecheck::cli::run_check(check_options);
    } else if (apply->parsed()) {
      code = ropecheck::cli::run_apply(apply_options);
    } else if (spec->parsed()) {
      code = ropecheck::cli::run_spec(spec_options);
    } else if (report.merge->parsed()) {
      code = ropecheck::cli::run_report_merge(report_options);
    } else if (report.report->parsed()) {
      code = ropecheck::cli::run_report(report_options);
    }
    flush_standard_output();
    return code;
  } catch (const InvalidInput& e) {
    return one_line_error(e.what());
  } catch (const std::bad_alloc&) {
    return one_line_error("out of memory");
  } catch (const std::exception& e) {
    return one_line_error(fmt::format("internal error: {}", e.what()));
  } catch (...) {
    return one_line_error("internal error: an unknown exception");
  }
}
