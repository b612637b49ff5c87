// `ropecheck report`: a precision sweep written as report.json, report.md and figures,
// optionally compared with a baseline (exit 1 on regression); `ropecheck report merge`
// joins the shards of one sweep (ropecheck/report/). Exit 1 also when an implementation
// failed while measured or a requested one measured nothing (measurement_failures.h).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/plugin_options.h"

namespace ropecheck::cli {

struct ReportOptions {
  std::string threads;  // --threads (threads_option.h)
  std::string out;
  std::vector<std::string> impls;
  std::vector<std::string> plugins;
  std::vector<std::string> execs;
  std::vector<std::string> candidates;
  std::string golden;  // empty: the shipped golden set (data_directory.h)
  std::string cases;   // empty: the shipped catalogue
  std::vector<std::string> hf_configs;  // instead of --cases: each model's RoPE layer types, f32
  std::string case_id;
  std::string positions = "default";
  std::string baseline;
  double threshold = 0.05;
  std::string shard = "1/1";
  bool no_plots = false;
  PluginLimitOptions plugin_limits;
  // report merge
  std::vector<std::string> merge_inputs;
};

struct ReportCommands {
  CLI::App* report = nullptr;
  CLI::App* merge = nullptr;
};

ReportCommands add_report_command(CLI::App& app, ReportOptions& options);
int run_report(const ReportOptions& options);
int run_report_merge(const ReportOptions& options);

}  // namespace ropecheck::cli
