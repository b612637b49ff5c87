// An implementation in any language, run as a worker process that speaks the worker
// protocol (docs/worker-protocol.md): `--exec 'CMD …'`.
//
// Contract:
//  - open(command, limits) starts the worker (worker_process.h) and exchanges hello: the
//    worker's name and capabilities (worker_protocol.h). A command the shell cannot run
//    (exit status 126 or 127 before any reply: not found, not executable) is InvalidInput
//    (exit 2); a worker that starts but fails the handshake — crashes, hangs, answers
//    garbage or an unknown protocol version, cannot state what it supports — is
//    ImplementationFailure (the caller reports it and exits 1).
//  - apply (implementation.h) sends one request with a fresh id and checks the reply. A
//    strided call goes strided to a worker that declares `strides`, packed dense
//    otherwise. A reply with metadata "unsupported" is ImplementationRefusal; "error" on a
//    call within the declared capabilities is ImplementationFailure.
//  - After a crash or an exit the worker is restarted on the next call (hello again), at
//    most kMaxWorkerRestarts times; then, and after a timeout, it is not called again:
//    every later call fails at once, naming why (a hang costs one timeout, not one per
//    case). Copies share the one worker.
//  - Calls are serialized (one request in flight per worker).
#pragma once

#include <memory>
#include <string>

#include "ropecheck/harness/implementation.h"
#include "ropecheck/harness/plugin_limits.h"

namespace ropecheck::harness {

// Enough for a worker that crashes on some inputs to be shrunk to its smallest one; few
// enough that one crashing on every call stops costing start-ups.
inline constexpr int kMaxWorkerRestarts = 64;

class ExecWorker : public Implementation {
 public:
  static ExecWorker open(const std::string& command, const PluginLimits& limits);

  const std::string& name() const override { return name_; }
  const std::string& invocation() const override { return invocation_; }
  std::string_view kind() const override { return "worker"; }
  const Capabilities& capabilities() const override { return capabilities_; }
  void apply(const RopeCall& call, void* out) const override;
  // One apply_qk request when the worker declares qk; otherwise ImplementationRefusal (a
  // property of one fused q/k call is not measured by two separate calls).
  void apply_qk(const RopeCall& q, const RopeCall& k, void* q_out, void* k_out) const override;
  // Calls made, restarts so far (tests and the round-trip benchmark read these).
  std::uint64_t calls() const;
  int restarts() const;

 // The worker process and its counters, shared by copies (exec_worker.cc).
  struct State;

 private:
  std::string command_;
  std::string name_;
  std::string invocation_;
  Capabilities capabilities_;
  std::shared_ptr<State> state_;
};

// The command as a shell word for reproduce lines: 'CMD' with quotes escaped.
std::string shell_quoted(const std::string& text);

}  // namespace ropecheck::harness
