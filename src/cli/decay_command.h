// `ropecheck decay`: Su's long-range decay curve f(D) = Σ_j |S_j(D)| / (R/2) for D = 0 … N
// at the reference precision (ropecheck/reference/abel.h, docs/mathematics.md), as CSV or
// JSON, written only once complete.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

struct DecayOptions {
  std::string dim;           // rotary dimension R, even
  double base = 10000;
  std::string max_distance;  // N
  std::string format = "csv";
};

CLI::App* add_decay_command(CLI::App& app, DecayOptions& options);
int run_decay(const DecayOptions& options);

}  // namespace ropecheck::cli
