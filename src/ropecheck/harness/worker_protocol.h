// The messages of the worker protocol (docs/worker-protocol.md), without any process: what
// ropecheck writes to a worker and how it checks what comes back. exec_worker.h moves
// them over the worker's stdin and stdout.
//
// A message is an 8-byte little-endian length N followed by N bytes of one safetensors
// blob (io/safetensors.h), so every language's safetensors library is a worker's parser
// and ropecheck's hardened reader checks every reply. Metadata values are strings;
// numbers in them are decimal.
//
// Contract:
//  - encode_*_request return the blob (without the length prefix; frame() adds it). They
//    are deterministic to the byte.
//  - parse_hello_reply and parse_apply_reply take a reply blob from a worker, which is
//    hostile: any byte sequence gives a result or throws ImplementationFailure with one
//    line naming the rule broken ("reply to call 7: tensor 'out' has dtype F16, expected
//    BF16"); never a crash, and nothing allocated beyond the blob's own size. Every field
//    is checked: op, id, protocol, the tensor set, dtypes and shapes, and the hello's
//    capabilities (unknown dtype, layout or scaling names, a negative max_position, a
//    wrong JSON type are failures: a worker that cannot state what it supports is not
//    tested on a guess).
//  - Text a worker sends (name, error, unsupported) is made printable and one line
//    (untrusted_text.h) before it is returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ropecheck/harness/implementation.h"

namespace ropecheck::harness {

// The protocol version this ropecheck speaks (metadata "protocol" of hello).
inline constexpr std::string_view kWorkerProtocolVersion = "1";
// The length prefix of every message.
inline constexpr std::size_t kFrameLengthBytes = 8;
// A reply's header and metadata need little room (names, a message, a capability list); a
// reply larger than its tensors plus this is refused before it is read into memory.
inline constexpr std::uint64_t kMaxReplyOverheadBytes = std::uint64_t{1} << 20;
// A worker's name is a label in one line or one table cell.
inline constexpr std::size_t kMaxWorkerNameBytes = 80;
// A worker's error or refusal message, quoted in one line of a report.
inline constexpr std::size_t kMaxWorkerMessageBytes = 400;

struct WorkerHello {
  std::string name;  // printable, table-safe
  Capabilities capabilities;
};

// The outcome of one apply call as the worker reported it.
struct ApplyOutput {
  std::vector<unsigned char> out;  // dense [tokens][heads][head_dim] of the call's dtype
};
struct ApplyDeclined {
  std::string reason;  // metadata "unsupported": the worker declines this call
};
struct ApplyError {
  std::string message;  // metadata "error": the worker failed on this call
};
using ApplyReply = std::variant<ApplyOutput, ApplyDeclined, ApplyError>;

// The length prefix followed by `blob`.
std::vector<unsigned char> frame(std::span<const unsigned char> blob);
// The length a prefix announces (little-endian u64).
std::uint64_t frame_length(std::span<const unsigned char, kFrameLengthBytes> prefix);

std::vector<unsigned char> encode_hello_request();
WorkerHello parse_hello_reply(std::span<const unsigned char> blob);

// An apply request: x as [T, H, D] when dense, or as its [T, stride] buffer plus the
// tensor `strides` = [stride, head_dim, 1] when strided; positions [T] or [T, A].
std::vector<unsigned char> encode_apply_request(std::uint64_t id, const RopeCall& call);
ApplyReply parse_apply_reply(std::span<const unsigned char> blob, std::uint64_t id, const RopeCall& call);
// The largest reply blob an apply call may get: its output plus kMaxReplyOverheadBytes.
std::uint64_t max_apply_reply_bytes(const RopeCall& call);

// An apply_qk request: tensors q [T, Hq, D] and k [T, Hk, D] (dense), positions; metadata
// heads_q and heads_k. The reply carries q_out and k_out, or error / unsupported.
struct ApplyQkOutput {
  std::vector<unsigned char> q_out, k_out;
};
using ApplyQkReply = std::variant<ApplyQkOutput, ApplyDeclined, ApplyError>;
std::vector<unsigned char> encode_apply_qk_request(std::uint64_t id, const RopeCall& q, const RopeCall& k);
ApplyQkReply parse_apply_qk_reply(std::span<const unsigned char> blob, std::uint64_t id, const RopeCall& q,
                                  const RopeCall& k);

// Capabilities as the hello's "supports" JSON text, and back (the parser throws
// ImplementationFailure naming the field). Workers written with the clients shipped here
// produce this text; tests round-trip it.
std::string capabilities_to_json_text(const Capabilities& capabilities);
Capabilities capabilities_from_json_text(std::string_view text);

}  // namespace ropecheck::harness
