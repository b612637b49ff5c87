// SHA-256 digests (OpenSSL's libcrypto) and the `SHA256SUMS` file format of GNU
// coreutils' sha256sum: one line per file, "<64 lowercase hex digits>  <name>\n", sorted by
// name, so `sha256sum -c SHA256SUMS` checks a golden directory without ropecheck.
//
// Contract: parse_sha256sums accepts exactly what format_sha256sums writes (and the
// binary-mode marker "<hex> *<name>", and CRLF line endings); any other line, a duplicate name or a name with a
// '/' is InvalidInput naming the source and the line.
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace ropecheck::io {

std::string sha256_hex(std::span<const unsigned char> bytes);

// name → hex digest
using Sha256Sums = std::map<std::string, std::string>;

std::string format_sha256sums(const Sha256Sums& sums);
Sha256Sums parse_sha256sums(std::string_view text, std::string_view source);

}  // namespace ropecheck::io
