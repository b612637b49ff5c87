// libFuzzer target for the worker protocol's reply parser (scripts/fuzz.sh builds and runs
// it): what a hostile worker writes on its stdout, after the length prefix.
//
// Contract under test (src/ropecheck/harness/worker_protocol.h): for any bytes,
// parse_hello_reply, parse_apply_reply and parse_apply_qk_reply either return or throw
// ImplementationFailure —
// any other exception, a crash, a sanitizer report or a timeout is a finding. An accepted
// apply reply's output has exactly the call's size, and accepted text is one printable line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>
#include <vector>

#include "ropecheck/harness/implementation.h"
#include "ropecheck/harness/worker_protocol.h"

namespace {

using namespace ropecheck;
using namespace ropecheck::harness;

bool one_line(const std::string& text) { return text.find('\n') == std::string::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const unsigned char> blob(data, size);
  try {
    const WorkerHello hello = parse_hello_reply(blob);
    if (hello.capabilities.dtypes.empty() || !one_line(hello.name) || hello.capabilities.max_position < 0) std::abort();
  } catch (const ImplementationFailure& e) {
    if (!one_line(e.what())) std::abort();
  }
  // A call of 2 tokens × 1 head × 4 dims of bf16, one position axis.
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = 4;
  const std::vector<std::int64_t> positions{0, 1};
  const std::vector<unsigned char> x(2 * 4 * 2);
  const RopeCall call{spec, Dtype::bf16, 1, PositionsView(positions, 1), x.data(), 4, false};
  try {
    const ApplyReply reply = parse_apply_reply(blob, 1, call);
    if (const auto* out = std::get_if<ApplyOutput>(&reply); out && out->out.size() != x.size()) std::abort();
    if (const auto* error = std::get_if<ApplyError>(&reply); error && !one_line(error->message)) std::abort();
    if (const auto* declined = std::get_if<ApplyDeclined>(&reply); declined && !one_line(declined->reason)) std::abort();
  } catch (const ImplementationFailure& e) {
    if (!one_line(e.what())) std::abort();
  }
  // The same bytes as the reply to a q and k call: q as above, k one head of 4.
  const RopeCall k{spec, Dtype::bf16, 1, PositionsView(positions, 1), x.data(), 4, false};
  try {
    const ApplyQkReply reply = parse_apply_qk_reply(blob, 1, call, k);
    if (const auto* out = std::get_if<ApplyQkOutput>(&reply); out && (out->q_out.size() != x.size() || out->k_out.size() != x.size())) {
      std::abort();
    }
  } catch (const ImplementationFailure& e) {
    if (!one_line(e.what())) std::abort();
  }
  return 0;
}
