// --threads N on the subcommands that compute the truth (golden, report, check, props):
// how many threads the certified reference may use (reference::set_truth_threads). The
// default is every core; the output is the same, byte for byte, whatever N is.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace ropecheck::cli {

inline constexpr unsigned kMaxThreads = 1024;

void add_threads_option(CLI::App* command, std::string& threads);
// Empty: every core. Else an integer in [1, kMaxThreads]; InvalidInput otherwise.
void apply_threads_option(const std::string& threads);

}  // namespace ropecheck::cli
