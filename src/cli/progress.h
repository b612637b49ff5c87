// A one-line progress bar on stderr, drawn only when stderr is a terminal (CI logs and
// redirected output stay clean) and the work has run for more than a second (short runs
// stay quiet), erased when the work is done.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <utility>

namespace ropecheck::cli {

class Progress {
 public:
  Progress(std::string label, std::size_t total) : label_(std::move(label)), total_(total), tty_(isatty(2) != 0) {}
  void update(std::size_t done) {
    if (!tty_ || total_ == 0) return;
    if (!drawn_ && std::chrono::steady_clock::now() - start_ < std::chrono::seconds(1)) return;
    drawn_ = true;
    const std::size_t percent = done * 100 / total_;
    if (percent == last_percent_ && done != total_) return;
    last_percent_ = percent;
    const std::size_t filled = percent * 30 / 100;
    std::fprintf(stderr, "\r%s [%s%s] %3zu%%", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(30 - filled, ' ').c_str(), percent);
    if (done == total_) std::fprintf(stderr, "\r%s\r", std::string(label_.size() + 40, ' ').c_str());
    std::fflush(stderr);
  }

 private:
  std::string label_;
  std::size_t total_;
  bool tty_;
  std::size_t last_percent_ = 101;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  bool drawn_ = false;
};

}  // namespace ropecheck::cli
