#include "ropecheck/golden/golden_set.h"

#include <charconv>
#include <cstdlib>
#include <set>
#include <system_error>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/golden/golden_file.h"
#include "ropecheck/golden/scheduler_shard.h"
#include "ropecheck/io/input_file.h"
#include "ropecheck/io/output_file.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/io/sha256sums.h"

namespace ropecheck::golden {
namespace {

constexpr const char* kSumsName = "SHA256SUMS";

std::size_t parse_count(std::string_view text, std::string_view whole) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    throw InvalidInput(fmt::format("--shard '{}' must be I/N with integers 1 ≤ I ≤ N", whole));
  }
  return value;
}

// The whole file, or nullopt when there is none.
std::optional<std::vector<unsigned char>> read_bytes(const std::filesystem::path& path, std::string_view what,
                                                     std::uint64_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return io::read_input_file(path, what, max_bytes);
}

}  // namespace

Shard parse_shard(std::string_view text) {
  if (is_scheduler_shard(text)) return shard_from_scheduler(text, [](const char* name) { return std::getenv(name); }).shard;
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) throw InvalidInput(fmt::format("--shard '{}' must be I/N", text));
  Shard shard{parse_count(text.substr(0, slash), text), parse_count(text.substr(slash + 1), text)};
  if (shard.count < 1 || shard.index < 1 || shard.index > shard.count) {
    throw InvalidInput(fmt::format("--shard '{}' must be I/N with integers 1 ≤ I ≤ N", text));
  }
  return shard;
}

std::vector<GoldenCase> select_cases(const std::vector<GoldenCase>& catalogue, const std::string& id, Shard shard) {
  std::vector<GoldenCase> selected;
  bool found = id.empty();
  for (std::size_t k = 0; k < catalogue.size(); ++k) {
    if (!id.empty() && catalogue[k].id != id) continue;
    found = true;
    if (k % shard.count == shard.index - 1) selected.push_back(catalogue[k]);
  }
  if (!found) throw InvalidInput(fmt::format("--case '{}' is not in the catalogue", id));
  return selected;
}

GenerationSummary generate_golden_set(const std::vector<GoldenCase>& catalogue, const std::vector<GoldenCase>& selected,
                                      const std::filesystem::path& dir, const ProgressFn& progress) {
  io::check_output_directory(dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InvalidInput(fmt::format("{}: cannot create the directory: {}", dir.string(), ec.message()));
  GenerationSummary summary;
  for (std::size_t k = 0; k < selected.size(); ++k) {
    const std::vector<unsigned char> bytes = io::serialize_safetensors(make_golden_file(selected[k]));
    io::write_output_file(dir / golden_file_name(selected[k]), bytes);
    ++summary.files;
    summary.bytes += bytes.size();
    if (progress) progress(k + 1, selected.size());
  }
  io::Sha256Sums sums;
  for (const GoldenCase& c : catalogue) {
    const auto bytes = read_bytes(dir / golden_file_name(c), "a golden file", io::kMaxTensorFileBytes);
    if (bytes) sums[golden_file_name(c)] = io::sha256_hex(*bytes);
  }
  const std::string text = io::format_sha256sums(sums);
  io::write_output_file(dir / kSumsName, text);
  return summary;
}

VerifySummary verify_golden_set(const std::vector<GoldenCase>& catalogue, const std::vector<GoldenCase>& selected,
                                const std::filesystem::path& dir, const ProgressFn& progress) {
  const std::filesystem::path sums_path = dir / kSumsName;
  const auto sums_bytes = read_bytes(sums_path, "SHA256SUMS", io::kMaxSumsFileBytes);
  if (!sums_bytes) throw InvalidInput(fmt::format("{}: missing (is {} a golden directory?)", sums_path.string(), dir.string()));
  const io::Sha256Sums sums = io::parse_sha256sums(
      std::string_view(reinterpret_cast<const char*>(sums_bytes->data()), sums_bytes->size()), sums_path.string());

  VerifySummary summary;
  std::set<std::string> known;
  for (const GoldenCase& c : catalogue) known.insert(golden_file_name(c));
  for (const auto& [name, digest] : sums) {
    (void)digest;
    if (!known.count(name)) summary.problems.push_back({name, "listed in SHA256SUMS but not a case of the catalogue"});
  }
  for (std::size_t k = 0; k < selected.size(); ++k) {
    const std::string name = golden_file_name(selected[k]);
    ++summary.checked;
    const std::vector<unsigned char> regenerated = io::serialize_safetensors(make_golden_file(selected[k]));
    const auto on_disk = read_bytes(dir / name, "a golden file", io::kMaxTensorFileBytes);
    const std::string digest = io::sha256_hex(regenerated);
    const auto listed = sums.find(name);
    if (!on_disk) {
      summary.problems.push_back({name, "missing"});
    } else if (*on_disk != regenerated) {
      std::size_t first = 0;
      while (first < on_disk->size() && first < regenerated.size() && (*on_disk)[first] == regenerated[first]) ++first;
      summary.problems.push_back({name, fmt::format("differs from the regenerated file from byte {} on ({} vs {} bytes)",
                                                    first, on_disk->size(), regenerated.size())});
    }
    if (listed == sums.end()) {
      summary.problems.push_back({name, "not listed in SHA256SUMS"});
    } else if (listed->second != digest) {
      summary.problems.push_back({name, "SHA256SUMS lists another digest than the regenerated file's"});
    }
    if (progress) progress(k + 1, selected.size());
  }
  return summary;
}

}  // namespace ropecheck::golden
