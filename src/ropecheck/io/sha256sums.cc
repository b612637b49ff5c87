#include "ropecheck/io/sha256sums.h"

#include <openssl/evp.h>

#include <memory>

#include <fmt/format.h>

#include "ropecheck/errors.h"

namespace ropecheck::io {

std::string sha256_hex(std::span<const unsigned char> bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    throw std::runtime_error("libcrypto failed to compute a SHA-256 digest");
  }
  std::string hex;
  for (unsigned int k = 0; k < length; ++k) hex += fmt::format("{:02x}", digest[k]);
  return hex;
}

std::string format_sha256sums(const Sha256Sums& sums) {
  std::string text;
  for (const auto& [name, digest] : sums) text += fmt::format("{}  {}\n", digest, name);
  return text;
}

Sha256Sums parse_sha256sums(std::string_view text, std::string_view source) {
  Sha256Sums sums;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    // A file checked out with CRLF line endings (git's autocrlf) still lists the same
    // files; without this every name would end in '\r' and match nothing.
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    const auto fail = [&](std::string_view rule) {
      throw InvalidInput(fmt::format("{}: line {}: {}", source, line_number, rule));
    };
    if (line.size() < 67 || (line.substr(64, 2) != "  " && line.substr(64, 2) != " *")) {
      fail("expected '<64 hex digits>  <file name>'");
    }
    const std::string_view digest = line.substr(0, 64);
    for (const char ch : digest) {
      if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) fail("the digest must be 64 lowercase hex digits");
    }
    const std::string_view name = line.substr(66);
    if (name.find('/') != std::string_view::npos) fail("file names must not contain '/'");
    if (!sums.emplace(std::string(name), std::string(digest)).second) fail(fmt::format("'{}' is listed twice", name));
  }
  return sums;
}

}  // namespace ropecheck::io
