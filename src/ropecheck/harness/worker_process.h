// One running worker process (`--exec 'CMD …'`) and the framed exchange with it: the
// transport of the worker protocol (worker_protocol.h), without its message contents.
//
// Contract:
//  - start(command, limits) runs `/bin/sh -c command` with the current directory and
//    environment, in its own process group, with stdin and stdout as pipes to ropecheck and
//    stderr captured (the last kWorkerStderrCapacity bytes are kept for failure messages).
//    Its data memory is limited to limits.memory_bytes (RLIMIT_DATA, no core files); it is
//    killed (SIGKILL) if ropecheck dies (PR_SET_PDEATHSIG). No other descriptor of
//    ropecheck's is inherited.
//  - exchange(message, max_reply) writes one framed message and reads one framed reply
//    (the blob, without its length), within limits.timeout for the whole exchange. Writing,
//    reading and draining stderr interleave (poll), so a worker that writes while it reads
//    never deadlocks either side. It throws ImplementationFailure, and the process is then
//    gone (its group killed and reaped), when the worker exits or closes stdout (with its
//    exit status or signal), hangs past the timeout, or announces a reply longer than
//    max_reply (garbage or a runaway: refused before it is read). Every message carries
//    the tail of the worker's stderr; a timeout throws ImplementationTimeout. SIGPIPE from a worker that stopped reading is
//    blocked and consumed, never delivered to ropecheck.
//  - stop() closes stdin (a worker exits on end of input), waits kWorkerExitGrace for it
//    to exit, then kills its group; the destructor calls it. Processes the worker started
//    are killed with its group; ones that left the group (setsid) are adopted by this
//    process (subreaper) when the worker dies, and killed then too.
#pragma once

#include <sys/types.h>
#include <sys/wait.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "ropecheck/harness/plugin_limits.h"

namespace ropecheck::harness {

// Enough stderr for a Python traceback's end; bounded whatever the worker prints.
inline constexpr std::size_t kWorkerStderrCapacity = std::size_t{64} << 10;
// A worker that read end of input has this long to exit before it is killed.
inline constexpr std::chrono::milliseconds kWorkerExitGrace{2000};

class WorkerProcess {
 public:
  // `label` names the worker in messages ("worker 'CMD'").
  static WorkerProcess start(const std::string& command, const std::string& label, const PluginLimits& limits);
  WorkerProcess(WorkerProcess&& other) noexcept;
  WorkerProcess& operator=(WorkerProcess&& other) noexcept;
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;
  ~WorkerProcess();

  bool running() const { return pid_ > 0; }
  std::vector<unsigned char> exchange(std::span<const unsigned char> framed_message, std::uint64_t max_reply_bytes,
                                      const std::string& what);
  void stop();
  // "; its output ended: \"…\"" from the stderr captured so far, or "".
  std::string stderr_note() const;
  // The exit status of the process once it ended by exiting (not by a signal), else -1.
  int exit_code() const { return last_status_ && WIFEXITED(*last_status_) ? WEXITSTATUS(*last_status_) : -1; }

 private:
  WorkerProcess() = default;
  [[noreturn]] void fail_and_kill(const std::string& message);
  void kill_now();
  void drain_stderr();
  std::string end_of_process();  // reaps it: "exited with status 3", "crashed with SIGSEGV"

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, stderr_ = -1;
  std::string label_;
  PluginLimits limits_;
  std::optional<int> last_status_;   // the wait status once it was reaped
  std::set<pid_t> children_before_;  // this process's children when the worker started
  std::string stderr_tail_;  // at most kWorkerStderrCapacity
  bool stderr_cut_ = false;  // bytes were dropped from the front of stderr_tail_
};

}  // namespace ropecheck::harness
