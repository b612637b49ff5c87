#include "ropecheck/harness/exec_worker.h"

#include <cstring>
#include <functional>
#include <mutex>
#include <optional>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/harness/untrusted_text.h"
#include "ropecheck/harness/worker_process.h"
#include "ropecheck/harness/worker_protocol.h"

namespace ropecheck::harness {

// The process is replaced on a restart; id counts every request ever sent, so an id a
// worker repeats from before its restart is still a mix-up.
struct ExecWorker::State {
  std::mutex mutex;
  std::string command;
  std::string label;
  PluginLimits limits;
  std::optional<WorkerProcess> process;
  std::uint64_t next_id = 1;
  std::uint64_t calls = 0;
  int restarts = 0;
  std::string not_called_again;  // why, once it must not be called again
};

namespace {

constexpr std::size_t kMaxCommandShownBytes = 200;

WorkerHello handshake(WorkerProcess& process, const std::string& label) {
  const std::vector<unsigned char> request = frame(encode_hello_request());
  const std::vector<unsigned char> reply = process.exchange(request, kMaxReplyOverheadBytes, label + ": hello");
  try {
    return parse_hello_reply(reply);
  } catch (const ImplementationFailure& e) {
    throw ImplementationFailure(fmt::format("{}: {}{}", label, e.what(), process.stderr_note()));
  }
}

}  // namespace

std::string shell_quoted(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

ExecWorker ExecWorker::open(const std::string& command, const PluginLimits& limits) {
  if (command.find_first_not_of(" \t") == std::string::npos) throw InvalidInput("--exec: the command is empty");
  ExecWorker w;
  w.command_ = command;
  w.invocation_ = "--exec " + shell_quoted(command);
  w.state_ = std::make_shared<State>();
  State& s = *w.state_;
  s.command = command;
  s.limits = limits;
  s.label = fmt::format("worker '{}'", printable(command, kMaxCommandShownBytes));
  s.process.emplace(WorkerProcess::start(command, s.label, limits));
  WorkerHello hello;
  try {
    hello = handshake(*s.process, s.label);
  } catch (const ImplementationFailure& e) {
    // The shell's own verdict on the command (not found, not executable): it never ran.
    const int code = s.process->exit_code();
    if (code == 126 || code == 127) throw InvalidInput(fmt::format("--exec: cannot run the command: {}", e.what()));
    throw;
  }
  w.name_ = hello.name.empty() ? table_safe(command, kMaxWorkerNameBytes) : hello.name;
  w.capabilities_ = hello.capabilities;
  return w;
}

std::uint64_t ExecWorker::calls() const {
  const std::lock_guard lock(state_->mutex);
  return state_->calls;
}

int ExecWorker::restarts() const {
  const std::lock_guard lock(state_->mutex);
  return state_->restarts;
}

namespace {

// One request to the worker of `s` (started again first when it ended earlier) and its
// reply. `encode` makes the request for the id it is given. Throws ImplementationFailure;
// after a timeout the worker is not called again.
std::pair<std::uint64_t, std::vector<unsigned char>> round_trip(
    ExecWorker::State& s, const std::function<std::vector<unsigned char>(std::uint64_t)>& encode,
    std::uint64_t max_reply_bytes) {
  if (!s.not_called_again.empty()) {
    throw ImplementationFailure(fmt::format("{}: not called: {}", s.label, s.not_called_again));
  }
  if (!s.process || !s.process->running()) {
    if (s.restarts >= kMaxWorkerRestarts) {
      s.not_called_again = fmt::format("it ended {} times", s.restarts + 1);
      throw ImplementationFailure(fmt::format("{}: not called: {}", s.label, s.not_called_again));
    }
    ++s.restarts;
    s.process.emplace(WorkerProcess::start(s.command, s.label, s.limits));
    try {
      handshake(*s.process, s.label);
    } catch (const ImplementationFailure& e) {
      throw ImplementationFailure(fmt::format("restarting it: {}", e.what()));
    }
  }
  const std::uint64_t id = s.next_id++;
  ++s.calls;
  try {
    return {id, s.process->exchange(frame(encode(id)), max_reply_bytes, fmt::format("{}: call {}", s.label, id))};
  } catch (const ImplementationTimeout&) {
    s.not_called_again = fmt::format("it timed out earlier (no reply within {} s)", s.limits.timeout.count());
    throw;
  }
}

// A reply that broke the protocol: the stream cannot be trusted after it, so the next call
// starts a fresh worker.
template <class Parse>
auto parse_or_restart(ExecWorker::State& s, Parse&& parse) {
  try {
    return parse();
  } catch (const ImplementationFailure& e) {
    const std::string note = s.process->stderr_note();
    s.process->stop();
    throw ImplementationFailure(fmt::format("{}: {}{}", s.label, e.what(), note));
  }
}

// A reply that declined the call or reported an error, as the exception it makes.
template <class Reply>
[[noreturn]] void throw_outcome(const Reply& reply, const std::string& name, const ExecWorker::State& s, std::uint64_t id) {
  if (const auto* declined = std::get_if<ApplyDeclined>(&reply)) {
    throw ImplementationRefusal(fmt::format("worker {} declined: {}", name, declined->reason));
  }
  throw ImplementationFailure(fmt::format("{}: reported an error on call {}: {}{}", s.label, id,
                                          std::get<ApplyError>(reply).message, s.process->stderr_note()));
}

}  // namespace

void ExecWorker::apply(const RopeCall& call, void* out) const {
  if (const auto outside = outside_capabilities(capabilities_, call)) {
    throw ImplementationRefusal(fmt::format("worker {}: not called: {}", name_, *outside));
  }
  // A worker without strides gets the dense copy, as a plugin does.
  std::vector<unsigned char> dense;
  RopeCall sent = call;
  if (call.strided() && !capabilities_.strides) {
    dense = pack_dense(call);
    sent.x = dense.data();
    sent.x_token_stride = call.row_elements();
  }
  State& s = *state_;
  const std::lock_guard lock(s.mutex);
  const auto [id, reply] = round_trip(
      s, [&](std::uint64_t n) { return encode_apply_request(n, sent); }, max_apply_reply_bytes(sent));
  const ApplyReply parsed = parse_or_restart(s, [&] { return parse_apply_reply(reply, id, sent); });
  if (const auto* output = std::get_if<ApplyOutput>(&parsed)) {
    if (!output->out.empty()) std::memcpy(out, output->out.data(), output->out.size());
    return;
  }
  throw_outcome(parsed, name_, s, id);
}

void ExecWorker::apply_qk(const RopeCall& q, const RopeCall& k, void* q_out, void* k_out) const {
  if (!capabilities_.qk) {
    throw ImplementationRefusal(fmt::format("worker {}: not called: it does not declare qk (q and k in one call)", name_));
  }
  for (const RopeCall* call : {&q, &k}) {
    if (const auto outside = outside_capabilities(capabilities_, *call)) {
      throw ImplementationRefusal(fmt::format("worker {}: not called: {}", name_, *outside));
    }
  }
  const std::vector<unsigned char> q_dense = pack_dense(q), k_dense = pack_dense(k);
  RopeCall q_sent = q, k_sent = k;
  q_sent.x = q_dense.data();
  q_sent.x_token_stride = q.row_elements();
  k_sent.x = k_dense.data();
  k_sent.x_token_stride = k.row_elements();
  State& s = *state_;
  const std::lock_guard lock(s.mutex);
  const auto [id, reply] = round_trip(
      s, [&](std::uint64_t n) { return encode_apply_qk_request(n, q_sent, k_sent); },
      max_apply_reply_bytes(q_sent) + max_apply_reply_bytes(k_sent));
  const ApplyQkReply parsed = parse_or_restart(s, [&] { return parse_apply_qk_reply(reply, id, q_sent, k_sent); });
  if (const auto* output = std::get_if<ApplyQkOutput>(&parsed)) {
    if (!output->q_out.empty()) std::memcpy(q_out, output->q_out.data(), output->q_out.size());
    if (!output->k_out.empty()) std::memcpy(k_out, output->k_out.data(), output->k_out.size());
    return;
  }
  throw_outcome(parsed, name_, s, id);
}

}  // namespace ropecheck::harness
