#include "cli/threads_option.h"
#include "cli/props_command.h"

#include <cstdlib>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli/exit_codes.h"
#include "cli/hf_config_file.h"
#include "cli/integer_option.h"
#include "cli/progress.h"
#include "ropecheck/errors.h"
#include "ropecheck/gate/expected_failures.h"
#include "ropecheck/harness/exec_worker.h"
#include "ropecheck/harness/plugin_process.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/props/battery.h"
#include "ropecheck/props/implementation_kernel.h"

namespace ropecheck::cli {
namespace {

// The default seed of `ropecheck props`: fixed, so two runs print the same thing.
constexpr std::uint64_t kDefaultPropsSeed = 20210323;  // RoFormer's blog post date
constexpr std::uint64_t kMaxPropsCases = 1'000'000;

// What `props` counts: with a plugin, the plugin's own properties apart from ropecheck's
// self-checks (negative controls), so that a plugin cannot pass on the strength of ours.
struct PropsTally {
  std::size_t held = 0, failed = 0, skipped = 0;  // the code under test's properties
  std::size_t caught = 0, missed = 0;             // negative controls
};

// The implementation under test named by --plugin or --exec, or null for the built-ins.
std::shared_ptr<const harness::Implementation> open_under_test(const PropsOptions& options,
                                                               const harness::PluginLimits& limits) {
  if (!options.plugin.empty()) return std::make_shared<const harness::Plugin>(harness::Plugin::open(options.plugin, limits));
  if (!options.exec.empty()) return std::make_shared<const harness::ExecWorker>(harness::ExecWorker::open(options.exec, limits));
  return nullptr;
}

// "plugin 'NAME' (--plugin LIB)": who is measured, for the header line.
std::string describe(const harness::Implementation& impl) {
  return fmt::format("{} '{}' ({})", impl.kind(), impl.name(), impl.invocation());
}

}  // namespace

int run_props(const PropsOptions& options) {
  apply_threads_option(options.threads);
  const std::uint64_t seed =
      parse_integer_option(options.seed, "props: --seed", 0, std::numeric_limits<std::uint64_t>::max());
  const int cases = static_cast<int>(parse_integer_option(options.cases, "props: --cases", 1, kMaxPropsCases));
  const numeric::Profile profile = numeric::profile_from_string(options.profile);
  const harness::PluginLimits limits = plugin_limits(options.limits);
  if (!options.layer_type.empty() && options.hf_config.empty()) {
    throw InvalidInput("props: --layer-type needs --hf-config");
  }
  std::optional<gate::ExpectedFailures> expected;
  if (!options.expect_fail.empty()) {
    if (options.plugin.empty() && options.exec.empty()) {
      throw InvalidInput("props: --expect-fail lists an implementation's failures: it needs --plugin or --exec");
    }
    expected = gate::read_expected_failures(options.expect_fail);
  }
  // RapidCheck announces its global configuration (a random seed unless RC_PARAMS names
  // one) on first use; the battery runs with `params` below, so make the two agree.
  setenv("RC_PARAMS", fmt::format("seed={}", seed).c_str(), 1);
  rc::detail::TestParams params;
  params.seed = seed;
  params.maxSuccess = cases;
  // Shrinking an implementation's failure makes one call (a child process or a worker
  // round trip) per attempt: hundreds for one that fails everything. --no-shrink reports
  // the drawn case.
  params.disableShrinking = options.no_shrink;
  const std::shared_ptr<const harness::Implementation> impl = open_under_test(options, limits);
  std::vector<props::BatteryEntry> battery;
  std::string what = "reference and kernel battery";
  std::string reproduce = fmt::format("ropecheck props --seed {} --cases {}", seed, cases);
  PropsTally tally;
  std::vector<std::string> not_implemented;  // dtypes the implementation does not take
  if (impl) {
    for (const Dtype dtype : {Dtype::f32, Dtype::bf16, Dtype::f16}) {
      if (!impl->supports(dtype)) not_implemented.emplace_back(to_string(dtype));
    }
  }
  if (!options.hf_config.empty()) {
    // The model's specs only: the implementation or the built-in kernels under that model's RoPE.
    const HfConfigFile config = load_hf_config(options.hf_config);
    std::vector<props::ModelLayerSpec> layers;
    for (const auto& l : select_layer_types(config.model, options.layer_type, "props")) {
      layers.push_back({l.layer_type, l.spec});
    }
    for (const std::string& warning : config.model.warnings) {
      std::cerr << "ropecheck props: warning: " << config.stem << ": " << warning << "\n";
    }
    std::vector<Dtype> dtypes{Dtype::f32, Dtype::bf16, Dtype::f16};
    std::shared_ptr<const std::vector<props::KernelUnderTest>> under_test;
    std::string who = "the built-in kernels";
    if (impl) {
      std::erase_if(dtypes, [&](Dtype d) { return !impl->supports(d); });
      under_test = std::make_shared<const std::vector<props::KernelUnderTest>>(
          std::vector<props::KernelUnderTest>{props::implementation_kernel(impl)});
      who = describe(*impl);
    } else {
      under_test = std::make_shared<const std::vector<props::KernelUnderTest>>(props::builtin_kernels());
    }
    battery = props::model_battery(under_test, layers, dtypes, profile);
    what = fmt::format("{} on {} ({}, {} layer type{}), profile {},", who, config.stem, config.model.model_type,
                       layers.size(), layers.size() == 1 ? "" : "s", options.profile);
    reproduce = fmt::format("ropecheck props --hf-config {}{}{} --profile {} --seed {} --cases {}", options.hf_config,
                            options.layer_type.empty() ? "" : " --layer-type " + options.layer_type,
                            impl ? " " + impl->invocation() : "", options.profile, seed, cases);
  } else if (impl) {
    battery = props::implementation_battery(impl, profile);
    what = fmt::format("{}, profile {},", describe(*impl), options.profile);
    reproduce = fmt::format("ropecheck props {} --profile {} --seed {} --cases {}", impl->invocation(), options.profile,
                            seed, cases);
  } else {
    battery = props::reference_battery();
    for (auto& entry : props::kernel_battery()) battery.push_back(std::move(entry));
  }
  if (!options.expect_fail.empty()) reproduce += " --expect-fail " + options.expect_fail;
  std::cout << fmt::format("ropecheck props: {} ({} checks), seed {}, up to {} cases each\n", what, battery.size(),
                           seed, cases);
  for (const std::string& dtype : not_implemented) {
    ++tally.skipped;
    std::cout << fmt::format("  SKIP   {} properties: the {} does not implement {} ({})\n", dtype, impl->kind(), dtype,
                             impl->kind() == "plugin" ? "ropecheck_plugin_dtypes" : "its hello");
  }
  std::cout.flush();
  std::vector<props::BatteryOutcome> outcomes;
  Progress progress("props", battery.size());
  props::run_battery(battery, params, [&](const props::BatteryOutcome& o, std::size_t done) {
    progress.update(done);
    outcomes.push_back(o);
    if (o.skipped) {
      // Declined or outside the declared support: visible, counted apart, never a pass.
      ++tally.skipped;
      std::cout << fmt::format("  SKIP   {} (unsupported by the {})\n         {}\n", o.name,
                               impl ? impl->kind() : "implementation", o.detail);
      std::cout.flush();
      return;
    }
    const bool listed = expected && !o.negative_control && expected->lists(o.id);
    const char* verdict = o.ok ? (o.negative_control ? "CAUGHT" : (listed ? "XPASS" : "PASS")) : (listed ? "XFAIL" : "FAIL");
    std::cout << fmt::format("  {:<6} {} ({} cases){}{}\n", verdict, o.name, o.cases,
                             o.negative_control ? " [negative control]" : "",
                             o.negative_control ? "" : fmt::format(" [{}]", o.id));
    if (!o.ok && !o.negative_control) {
      // The whole shrunk counterexample: it is the minimal failing case.
      std::string detail = o.detail;
      for (std::size_t at = 0; (at = detail.find('\n', at)) != std::string::npos; at += 10) detail.replace(at, 1, "\n         ");
      std::cout << "         " << detail << "\n";
    } else if (!o.ok || o.negative_control) {
      const std::string first_line = o.detail.substr(0, o.detail.find('\n'));
      if (!first_line.empty()) std::cout << "         " << first_line << "\n";
    }
    if (o.declined_cases > 0) {
      std::cout << fmt::format("         {} of its cases not measured (outside what the {} supports), e.g. {}\n",
                               o.declined_cases, impl ? impl->kind() : "implementation", o.declined_reason);
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
  if (!impl && options.hf_config.empty()) {
    std::cout << fmt::format("props: {} passed, {} failed\n", tally.held + tally.caught, tally.failed + tally.missed);
    return tally.failed + tally.missed == 0 ? kExitPass : kExitFailure;
  }
  // An implementation passes on properties it was measured on: none measured (every
  // property skipped, or no dtype implemented) is a failure, not a vacuous pass.
  const bool measured_nothing = tally.held + tally.failed == 0;
  std::cout << fmt::format("{}: {} passed, {} failed, {} skipped (unsupported); self-checks: {} caught, {} missed\n",
                           impl ? std::string(impl->kind()) : "kernels", tally.held, tally.failed, tally.skipped,
                           tally.caught, tally.missed);
  if (measured_nothing) std::cout << fmt::format("props: FAIL: the {} measured nothing (every property was skipped)\n",
                                                 impl ? std::string(impl->kind()) : "implementation");
  if (tally.missed) std::cout << "props: FAIL: a self-check missed its wrong variant; the battery cannot be trusted\n";
  bool failures_as_expected = tally.failed == 0;
  if (expected) {
    std::vector<gate::IdOutcome> ids;
    for (const props::BatteryOutcome& o : outcomes) {
      if (o.negative_control) continue;  // ropecheck's self-checks are never the implementation's to list
      ids.push_back({o.id, o.skipped ? gate::IdResult::skipped : (o.ok ? gate::IdResult::passed : gate::IdResult::failed)});
    }
    const gate::ExpectedFailureVerdict verdict = gate::compare_expected_failures(*expected, ids);
    for (const std::string& line : verdict.lines) std::cout << "props: " << line << "\n";
    failures_as_expected = verdict.as_expected;
  }
  std::cout << fmt::format("props: {} passed, {} failed\n", tally.held, tally.failed);
  return failures_as_expected && tally.missed == 0 && !measured_nothing ? kExitPass : kExitFailure;
}

CLI::App* add_props_command(CLI::App& app, PropsOptions& options) {
  options.seed = std::to_string(kDefaultPropsSeed);
  auto* props = app.add_subcommand(
      "props", "Run the property battery against the built-in reference and kernels, a plugin or a worker");
  props->add_option("--seed", options.seed, fmt::format("RapidCheck seed (default {})", kDefaultPropsSeed));
  props->add_option("--cases", options.cases, "cases per property (default 100)");
  auto* plugin = props->add_option("--plugin", options.plugin,
                                   "shared library implementing ropecheck_plugin.h (run in child processes)");
  props->add_option("--exec", options.exec,
                    "worker command (run by /bin/sh, kept running) speaking the worker protocol on stdin/stdout: an "
                    "implementation in any language (docs/worker-protocol.md)")
      ->excludes(plugin);
  props->add_option("--hf-config", options.hf_config,
                    "a model's config.json: the battery over that model's RoPE layer types only (with --plugin or "
                    "--exec: that implementation's; without: the built-in kernels')");
  props->add_option("--layer-type", options.layer_type, "with --hf-config: only this layer type");
  props->add_option("--expect-fail", options.expect_fail,
                    "file of property ids expected to fail, one per line (# comments): the run passes only if exactly "
                    "those fail");
  props->add_flag("--no-shrink", options.no_shrink,
                  "report each failing property's first counterexample as drawn, without shrinking it (faster; the "
                  "same --seed and --cases reproduce it)");
  props->add_option("--profile", options.profile,
                    "accuracy profile for --plugin, --exec and --hf-config: exact (default), f32-angle, f16-compute, "
                    "bf16-compute")
      ->check(CLI::IsMember(numeric::profile_names()));
  add_plugin_limit_options(props, options.limits);
  add_threads_option(props, options.threads);
  return props;
}

}  // namespace ropecheck::cli
