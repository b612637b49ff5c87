// Whether a golden file is what its golden set says it is, before a candidate is judged
// against it. A tampered golden makes any candidate pass or fail; these checks make a
// tampered or self-contradictory golden an error, not a verdict.
//
// Contract:
//  - GoldenSums(dir, require_listed): when dir/SHA256SUMS exists, verify(name, bytes)
//    throws InvalidInput (exit 2) for a file whose SHA-256 differs from its line, and —
//    with require_listed (a golden directory) — for a file it does not list. Without a
//    SHA256SUMS, or for an unlisted single file, nothing is checked. A malformed
//    SHA256SUMS is InvalidInput.
//  - golden_inconsistency(g) recomputes a sample of the golden from its own spec, positions
//    and x at reference precision — kSampledTokens tokens (first, last and evenly between),
//    every head and dim — and compares expected, expected_rounded, cos and sin bit for bit
//    (generation is deterministic); it also scans every element: a pair of finite inputs
//    must have finite expectations, and a pass-through dim must be x bit for bit. It returns why the golden disagrees with itself, or "" when it
//    agrees.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include "ropecheck/golden/golden_file.h"
#include "ropecheck/io/sha256sums.h"

namespace ropecheck::gate {

inline constexpr std::size_t kSampledTokens = 4;

class GoldenSums {
 public:
  GoldenSums(const std::filesystem::path& dir, bool require_listed);
  void verify(const std::string& name, std::span<const unsigned char> bytes) const;
  bool present() const { return sums_.has_value(); }

 private:
  std::filesystem::path sums_path_;
  std::optional<io::Sha256Sums> sums_;
  bool require_listed_;
};

std::string golden_inconsistency(const golden::Golden& g);

}  // namespace ropecheck::gate
