#include "ropecheck/gate/golden_integrity.h"

#include <sys/stat.h>

#include <bit>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/position_scale.h"

namespace ropecheck::gate {

GoldenSums::GoldenSums(const std::filesystem::path& dir, bool require_listed)
    : sums_path_(dir / "SHA256SUMS"), require_listed_(require_listed) {
  struct stat st {};
  if (::lstat(sums_path_.c_str(), &st) != 0) return;  // no SHA256SUMS: nothing to verify against
  const std::vector<unsigned char> bytes = io::read_input_file(sums_path_, "SHA256SUMS", io::kMaxSumsFileBytes);
  sums_ = io::parse_sha256sums(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                               sums_path_.string());
}

void GoldenSums::verify(const std::string& name, std::span<const unsigned char> bytes) const {
  if (!sums_) return;
  const auto listed = sums_->find(name);
  if (listed == sums_->end()) {
    if (!require_listed_) return;
    throw InvalidInput(fmt::format("{}: golden file '{}' is not listed: the golden set was changed after it was written",
                                   sums_path_.string(), name));
  }
  if (listed->second != io::sha256_hex(bytes)) {
    throw InvalidInput(fmt::format("{}: golden file '{}' does not match its SHA-256: the file was changed after the "
                                   "golden set was written",
                                   sums_path_.string(), name));
  }
}

std::string golden_inconsistency(const golden::Golden& g) {
  const std::size_t d = g.spec.head_dim, pairs = g.spec.pairs(), row = g.heads * d;
  const auto same = [](double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); };
  // Every element, cheaply: a rotated pair of finite inputs is finite (|cos|, |sin| ≤ 1 and
  // a bounded attention factor cannot overflow a double from f32 inputs); a pass-through
  // dim is x itself, or for a token with a position scale σ ≠ 1 finite for finite x (its
  // exact value σ·x is checked on the sampled tokens below).
  bool scaled = false;
  for (std::size_t r = 0; r < g.tokens * g.heads; ++r) {
    if (r % g.heads == 0) {  // per token; a position scale takes one axis (component 0)
      scaled = reference::position_scale_double(g.spec, g.positions[r / g.heads * g.axes]) != 1;
    }
    for (std::size_t i = 0; i < pairs; ++i) {
      const auto [ia, ib] = reference::pair_dims(g.spec, i);
      const std::size_t a = r * d + ia, b = r * d + ib;
      if (std::isfinite(g.x[a]) && std::isfinite(g.x[b]) && !(std::isfinite(g.expected[a]) && std::isfinite(g.expected[b]))) {
        return fmt::format("expected at token {} holds {} for finite inputs", r / g.heads,
                           std::isfinite(g.expected[a]) ? g.expected[b] : g.expected[a]);
      }
    }
    for (std::size_t k = 0; k < d; ++k) {
      if (g.spec.rotates(k)) continue;
      if (scaled) {
        if (std::isfinite(g.x[r * d + k]) && !std::isfinite(g.expected[r * d + k])) {
          return fmt::format("expected at token {} holds {} for a finite input", r / g.heads, g.expected[r * d + k]);
        }
      } else if (!same(g.expected[r * d + k], g.x[r * d + k])) {
        return fmt::format("expected at token {}, pass-through dim {} is not x", r / g.heads, k);
      }
    }
  }
  if (g.tokens == 0) return "";
  std::vector<std::size_t> tokens;
  for (std::size_t s = 0; s < kSampledTokens; ++s) {
    const std::size_t t = kSampledTokens == 1 ? 0 : s * (g.tokens - 1) / (kSampledTokens - 1);
    if (tokens.empty() || tokens.back() != t) tokens.push_back(t);
  }
  std::vector<std::int64_t> positions;
  std::vector<double> x;
  for (const std::size_t t : tokens) {
    for (std::size_t a = 0; a < g.axes; ++a) positions.push_back(g.positions[t * g.axes + a]);
    x.insert(x.end(), g.x.begin() + static_cast<std::ptrdiff_t>(t * row),
             g.x.begin() + static_cast<std::ptrdiff_t>((t + 1) * row));
  }
  const reference::ExactRope exact =
      reference::certified_rope(g.spec, PositionsView(positions, g.axes), x, g.heads, g.output_dtype);
  const PositionsView all(g.positions, g.axes);
  for (std::size_t s = 0; s < tokens.size(); ++s) {
    const std::size_t t = tokens[s];
    for (std::size_t k = 0; k < row; ++k) {
      if (!same(exact.expected[s * row + k], g.expected[t * row + k])) {
        return fmt::format("expected at token {} (position {}), element {}: the file holds {:a}, its spec gives {:a}", t,
                           format_position(all, t), k, g.expected[t * row + k], exact.expected[s * row + k]);
      }
      if (exact.expected_bits[s * row + k] != g.expected_bits[t * row + k]) {
        return fmt::format("expected_rounded at token {} (position {}), element {} differs from its spec's", t,
                           format_position(all, t), k);
      }
    }
    for (std::size_t i = 0; i < pairs; ++i) {
      if (!same(exact.cos[s * pairs + i], g.cos[t * pairs + i]) || !same(exact.sin[s * pairs + i], g.sin[t * pairs + i])) {
        return fmt::format("cos/sin at token {} (position {}), pair {} differ from its spec's", t, format_position(all, t), i);
      }
    }
  }
  return "";
}

}  // namespace ropecheck::gate
