// Exit codes of every subcommand (docs/cli.md#exit-codes).
#pragma once

namespace ropecheck::cli {

inline constexpr int kExitPass = 0;
inline constexpr int kExitFailure = 1;  // conformance failure or regression
inline constexpr int kExitUsage = 2;    // bad usage or unreadable/invalid input

}  // namespace ropecheck::cli
