#include "cli/threads_option.h"

#include "cli/integer_option.h"
#include "ropecheck/reference/certified_rope.h"

namespace ropecheck::cli {

void add_threads_option(CLI::App* command, std::string& threads) {
  command->add_option("--threads", threads,
                      "threads for computing the exact result (default: every core); the output is the same whatever "
                      "the count");
}

void apply_threads_option(const std::string& threads) {
  reference::set_truth_threads(
      threads.empty() ? 0u : static_cast<unsigned>(parse_integer_option(threads, "--threads", 1, kMaxThreads)));
}

}  // namespace ropecheck::cli
