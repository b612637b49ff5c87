#include "cli/threads_option.h"
#include "cli/check_command.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "cli/exit_codes.h"
#include "cli/hf_config_file.h"
#include "cli/progress.h"
#include "ropecheck/errors.h"
#include "ropecheck/gate/check_report.h"
#include "ropecheck/gate/conformance.h"
#include "ropecheck/gate/expected_failures.h"
#include "ropecheck/gate/tensor_check.h"
#include "ropecheck/harness/exec_worker.h"
#include "ropecheck/harness/plugin_process.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"

namespace ropecheck::cli {
CLI::App* add_check_command(CLI::App& app, CheckOptions& options) {
  auto* check = app.add_subcommand(
      "check", "Check a candidate's outputs against golden files, or against the exact result of your own tensors");
  auto* golden = check->add_option("--golden", options.golden, "golden file, or directory of golden files");
  auto* x = check->add_option("--x", options.x,
                              "instead of --golden: your input tensor [..., tokens, heads, head_dim] in F32, BF16 or "
                              "F16 (.npy, or safetensors tensor 'x' or its only tensor), of any size; the exact "
                              "result is computed on the fly")
                ->excludes(golden);
  check->add_option("--positions", options.positions,
                    "with --x: integer positions of x's leading shape, [..., axes] for multi-axis specs (.npy or "
                    "safetensors tensor 'positions')")
      ->needs(x);
  auto* spec = check->add_option("--spec", options.spec, "with --x: the RopeSpec JSON (as `ropecheck spec` prints it)")
                   ->needs(x);
  auto* hf_config = check->add_option("--hf-config", options.hf_config, "with --x, instead of --spec: the model's config.json")
                        ->needs(x)
                        ->excludes(spec);
  check->add_option("--layer-type", options.layer_type,
                    "with --hf-config: the layer type whose RoPE x went through (needed when the model has several)")
      ->needs(hf_config);
  check->add_option("--output-dtype", options.output_dtype,
                    "with --x: the dtype the result is judged in (default: the candidate file's, else x's)")
      ->needs(x)
      ->check(CLI::IsMember({"f32", "bf16", "f16"}));
  auto* candidate = check->add_option(
      "--candidate", options.candidate,
      "candidate file (safetensors with tensor 'out', or .npy), or a directory matched by file name");
  auto* plugin = check->add_option("--plugin", options.plugin,
                                   "instead of candidate files: run this ropecheck_plugin.h library on the golden inputs");
  auto* exec = check->add_option("--exec", options.exec,
                                 "instead of candidate files: run this worker command (docs/worker-protocol.md) on the "
                                 "golden inputs");
  candidate->excludes(plugin)->excludes(exec);
  plugin->excludes(exec);
  check->add_option("--expect-fail", options.expect_fail,
                    "file of case ids expected to fail, one per line (# comments): the run passes only if exactly those "
                    "fail");
  add_plugin_limit_options(check, options.limits);
  check->add_option("--profile", options.profile,
                    "exact (default): angles formed in double or better (ropecheck's kernels, any implementation "
                    "claiming correctly rounded RoPE); f32-angle: float32 frameworks that form m*theta in float32 "
                    "(PyTorch/HF, Meta, vLLM, ggml's recurrence), which fail exact at any long context; f16-compute and "
                    "bf16-compute: pipelines that keep cos/sin and the arithmetic in the model dtype f16 or bf16")
      ->check(CLI::IsMember(numeric::profile_names()));
  check->add_option("--case", options.case_ids, "only this case (a golden file's name without .safetensors; repeatable)");
  check->add_flag("--only-present", options.only_present,
                  "check only the cases that have a candidate (with --plugin or --exec: that the implementation "
                  "supports); report the others as not run (at least one must run)");
  check->add_option("--json", options.json, "also write the results as JSON to this file");
  check->add_option("--junit", options.junit, "also write the results as JUnit XML to this file");
  add_threads_option(check, options.threads);
  return check;
}

namespace {

// --x, --positions and the spec: what a tensor check needs besides the candidate.
gate::TensorCheckInputs tensor_inputs(const CheckOptions& options) {
  if (options.positions.empty()) throw InvalidInput("check: --x needs --positions (the positions x was rotated at)");
  if (options.spec.empty() == options.hf_config.empty()) {
    throw InvalidInput("check: --x needs the RoPE it went through: --spec S.json or --hf-config config.json");
  }
  if (!options.case_ids.empty() || options.only_present) {
    throw InvalidInput("check: --case and --only-present select golden files; with --x there is one case");
  }
  gate::TensorCheckInputs in;
  in.x = options.x;
  in.positions = options.positions;
  io::register_input_path(options.x);
  io::register_input_path(options.positions);
  if (!options.output_dtype.empty()) in.output_dtype = dtype_from_string(options.output_dtype);
  if (!options.spec.empty()) {
    io::register_input_path(options.spec);
    const std::vector<unsigned char> bytes = io::read_input_file(options.spec, "a spec", io::kMaxJsonFileBytes);
    try {
      in.spec = spec_from_json_text(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    } catch (const InvalidInput& e) {
      throw InvalidInput(fmt::format("{}: {}", options.spec, e.what()));
    }
    in.spec_source = options.spec;
    return in;
  }
  const HfConfigFile file = load_hf_config(options.hf_config);
  for (const std::string& warning : file.model.warnings) std::cerr << "ropecheck check: warning: " << warning << "\n";
  const std::vector<config::HfLayerRope> chosen = select_layer_types(file.model, options.layer_type, "check");
  if (chosen.size() != 1) {
    std::vector<std::string> names;
    for (const config::HfLayerRope& layer : chosen) names.push_back(layer.layer_type);
    throw InvalidInput(fmt::format("check: {} has layer types {}: say which x went through with --layer-type",
                                   options.hf_config, fmt::join(names, ", ")));
  }
  in.spec = chosen.front().spec;
  in.spec_source = fmt::format("{}, layer type {}", options.hf_config, chosen.front().layer_type);
  for (const config::HfLayerRope& layer : select_layer_types(file.model, "", "check")) {
    if (layer.layer_type != chosen.front().layer_type) in.other_layer_types.emplace_back(layer.layer_type, layer.spec);
  }
  return in;
}

}  // namespace

int run_check(const CheckOptions& options) {
  apply_threads_option(options.threads);
  const numeric::Profile profile = numeric::profile_from_string(options.profile);
  // Outputs are checked before the work: an output that would replace an input, or a path
  // that cannot be written, is exit 2 now rather than after every case has run.
  io::register_input_path(options.golden);
  io::register_input_path(options.candidate);
  if (!options.json.empty()) io::check_output_path(options.json);
  if (!options.junit.empty()) io::check_output_path(options.junit);
  if (options.golden.empty() && options.x.empty()) {
    throw InvalidInput("check: give --golden FILE|DIR, or your own tensors with --x, --positions and --spec or --hf-config");
  }
  if (options.candidate.empty() && options.plugin.empty() && options.exec.empty()) {
    throw InvalidInput("check: one of --candidate, --plugin or --exec is required (see --help)");
  }
  std::optional<gate::TensorCheckInputs> tensors;
  if (!options.x.empty()) tensors = tensor_inputs(options);
  std::optional<gate::ExpectedFailures> expected;
  if (!options.expect_fail.empty()) expected = gate::read_expected_failures(options.expect_fail);
  const harness::PluginLimits limits = plugin_limits(options.limits);
  std::unique_ptr<Progress> bar;  // sized once the number of golden files is known
  const auto progress = [&](std::size_t done, std::size_t total) {
    if (!bar) bar = std::make_unique<Progress>("check", total);
    bar->update(done);
  };
  const gate::CheckScope scope{options.case_ids, options.only_present};
  gate::CheckRun run;
  if (tensors && !options.candidate.empty()) {
    run = gate::check_tensors(*tensors, options.candidate, profile, progress);
  } else if (!options.candidate.empty()) {
    run = gate::check_conformance(options.golden, options.candidate, profile, scope, progress);
  } else {
    std::shared_ptr<const harness::Implementation> implementation;
    if (!options.plugin.empty()) {
      implementation = std::make_shared<const harness::Plugin>(harness::Plugin::open(options.plugin, limits));
    } else {
      implementation = std::make_shared<const harness::ExecWorker>(harness::ExecWorker::open(options.exec, limits));
    }
    run = tensors ? gate::check_tensors(*tensors, implementation, profile, progress)
                  : gate::check_implementation(options.golden, implementation, profile, scope, progress);
  }
  bool passed = run.passed();
  std::string expectation;
  if (expected) {
    std::vector<gate::IdOutcome> ids;
    for (const gate::CaseCheck& c : run.cases) {
      const gate::IdResult result = c.verdict == gate::Verdict::pass      ? gate::IdResult::passed
                                    : c.verdict == gate::Verdict::not_run ? gate::IdResult::skipped
                                                                          : gate::IdResult::failed;
      ids.push_back({c.case_id, result});
    }
    const gate::ExpectedFailureVerdict verdict = gate::compare_expected_failures(*expected, ids);
    for (const std::string& line : verdict.lines) expectation += "check: " + line + "\n";
    passed = verdict.as_expected && run.measured() > 0;
  }
  // Every output is complete before any is written, so a failure leaves none half-written.
  const std::string summary = gate::check_summary_text(run);
  const std::string json = options.json.empty() ? "" : gate::check_json(run).dump(2) + "\n";
  const std::string junit = options.junit.empty() ? "" : gate::check_junit(run);
  if (!options.json.empty()) io::write_output_file(options.json, json);
  if (!options.junit.empty()) io::write_output_file(options.junit, junit);
  std::cout << summary << expectation;
  return passed ? kExitPass : kExitFailure;
}

}  // namespace ropecheck::cli
