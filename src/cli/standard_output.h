// Standard output as a command's product (decay's curve, props' and check's summaries): a
// write error (a full disk, /dev/full, a closed pipe) is exit 2, never a silent exit 0 with
// the output lost.
#pragma once

#include <string_view>

namespace ropecheck::cli {

// Writes `text` whole, or throws InvalidInput "cannot write standard output: <why>".
void write_standard_output(std::string_view text);
// Flushes std::cout and stdout; the same error when either failed at any point.
void flush_standard_output();

}  // namespace ropecheck::cli
