#include "cli/standard_output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck::cli {

void write_standard_output(std::string_view text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    throw InvalidInput(fmt::format("cannot write standard output: {}", errno ? std::strerror(errno) : "write error"));
  }
}

void flush_standard_output() {
  errno = 0;
  std::cout.flush();
  if (std::fflush(stdout) != 0 || std::ferror(stdout) || !std::cout) {
    throw InvalidInput(fmt::format("cannot write standard output: {}", errno ? std::strerror(errno) : "write error"));
  }
}

}  // namespace ropecheck::cli
