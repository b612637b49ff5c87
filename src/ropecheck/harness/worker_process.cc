#include "ropecheck/harness/worker_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include <fmt/format.h>

#include "ropecheck/harness/implementation.h"
#include "ropecheck/harness/process_containment.h"
#include "ropecheck/harness/worker_protocol.h"

namespace ropecheck::harness {
namespace {

// The pids of the workers running now: stopping one worker kills the processes that
// escaped its group, and must not take another worker for one.
std::mutex live_workers_mutex;
std::set<pid_t> live_workers;

void register_live(pid_t pid) {
  const std::lock_guard lock(live_workers_mutex);
  live_workers.insert(pid);
}
std::set<pid_t> unregister_live(pid_t pid) {
  const std::lock_guard lock(live_workers_mutex);
  live_workers.erase(pid);
  return live_workers;
}

// Largest single write or read: keeps the loop responsive to the other descriptors.
constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
constexpr long kExitPollNanoseconds = 1'000'000;

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

// A 64 KiB pipe moves a 32 MiB tensor in 512 wake-ups each way; the largest buffer an
// unprivileged process may ask for (/proc/sys/fs/pipe-max-size, 1 MiB by default) cuts
// that sixteen-fold. Where the kernel refuses, the default stays: only speed depends on it.
constexpr int kPipeBytes = 1 << 20;
void widen_pipe(int fd) { fcntl(fd, F_SETPIPE_SZ, kPipeBytes); }

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// SIGPIPE blocked for the scope, and one raised meanwhile consumed: a write to a worker
// that closed its stdin then fails with EPIPE instead of killing ropecheck. Only this
// thread's mask changes, so nothing else in the process is affected.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t pipe_{}, old_{};
  bool was_pending_ = false;
};

std::string describe_status(int status, bool killed_by_us) {
  if (WIFEXITED(status)) {
    // /bin/sh runs the command as its child and reports a signal as 128 + N.
    const int code = WEXITSTATUS(status);
    if (code > 128 && code - 128 < NSIG && sigabbrev_np(code - 128) != nullptr) {
      return fmt::format("crashed with {} (exit status {} from the shell)", signal_name(code - 128), code);
    }
    return fmt::format("exited with status {}", code);
  }
  if (WIFSIGNALED(status)) {
    if (killed_by_us && WTERMSIG(status) == SIGKILL) return "killed";
    return fmt::format("crashed with {}", signal_name(WTERMSIG(status)));
  }
  return "ended";
}

}  // namespace

WorkerProcess WorkerProcess::start(const std::string& command, const std::string& label, const PluginLimits& limits) {
  WorkerProcess w;
  w.label_ = label;
  w.limits_ = limits;
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  if (pipe2(out, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]);
    throw std::runtime_error("pipe2 failed");
  }
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    throw std::runtime_error("pipe2 failed");
  }
  become_subreaper();
  std::set<pid_t> children_before = children_of_this_process();
  const pid_t parent = getpid();
  std::fflush(nullptr);  // buffered output must not be written twice
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec.
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // ropecheck died before the line above
    dup2(in[0], STDIN_FILENO);
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    close_range(3, ~0U, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    // After exec the image inherits no data memory of ours: the whole allowance is its own.
    limit_child_resources(limits, 0);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also here: the group must exist before we might signal it
  close(in[0]), close(out[1]), close(err[1]);
  w.pid_ = pid;
  register_live(pid);
  w.children_before_ = std::move(children_before);
  w.stdin_ = in[1];
  w.stdout_ = out[0];
  w.stderr_ = err[0];
  widen_pipe(w.stdin_);
  widen_pipe(w.stdout_);
  set_nonblocking(w.stdin_);
  set_nonblocking(w.stdout_);
  set_nonblocking(w.stderr_);
  return w;
}

WorkerProcess::WorkerProcess(WorkerProcess&& other) noexcept { *this = std::move(other); }

WorkerProcess& WorkerProcess::operator=(WorkerProcess&& other) noexcept {
  if (this == &other) return *this;
  stop();
  pid_ = std::exchange(other.pid_, -1);
  stdin_ = std::exchange(other.stdin_, -1);
  stdout_ = std::exchange(other.stdout_, -1);
  stderr_ = std::exchange(other.stderr_, -1);
  label_ = std::move(other.label_);
  limits_ = other.limits_;
  stderr_tail_ = std::move(other.stderr_tail_);
  stderr_cut_ = other.stderr_cut_;
  children_before_ = std::move(other.children_before_);
  last_status_ = other.last_status_;
  return *this;
}

WorkerProcess::~WorkerProcess() { stop(); }

void WorkerProcess::drain_stderr() {
  if (stderr_ < 0) return;
  char buffer[65536];
  while (true) {
    const ssize_t got = read(stderr_, buffer, sizeof buffer);
    if (got > 0) {
      stderr_tail_.append(buffer, static_cast<std::size_t>(got));
      if (stderr_tail_.size() > kWorkerStderrCapacity) {
        stderr_tail_.erase(0, stderr_tail_.size() - kWorkerStderrCapacity);
        stderr_cut_ = true;
      }
      continue;
    }
    if (got == 0) close_fd(stderr_);  // the worker closed its stderr
    return;                           // EAGAIN, or an error: nothing more now
  }
}

std::string WorkerProcess::stderr_note() const {
  const std::size_t from = stderr_tail_.size() > kOutputTailBytes ? stderr_tail_.size() - kOutputTailBytes : 0;
  if (stderr_tail_.empty()) return "";
  return output_tail_note(std::string_view(stderr_tail_).substr(from), stderr_cut_ || from > 0, false);
}

std::string WorkerProcess::end_of_process() {
  if (pid_ <= 0) return "ended";
  close_fd(stdin_);
  // A worker that is ending on its own (end of input, a crash) gets the grace to do so, so
  // its own status is reported; stderr keeps draining meanwhile.
  const auto deadline = std::chrono::steady_clock::now() + kWorkerExitGrace;
  int status = 0;
  bool killed = false;
  while (true) {
    drain_stderr();
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_ || done < 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      killed = true;
      waitpid(pid_, &status, 0);
      break;
    }
    const timespec pause{0, kExitPollNanoseconds};
    nanosleep(&pause, nullptr);
  }
  drain_stderr();
  last_status_ = status;
  kill_group(pid_);  // whatever it started in its group
  // And whatever left the group (setsid): orphaned to us, the subreaper, by now. Our
  // children from before this worker and the other running workers are left alone.
  std::set<pid_t> keep = unregister_live(pid_);
  keep.insert(children_before_.begin(), children_before_.end());
  kill_escaped(keep);
  pid_ = -1;
  close_fd(stdout_);
  close_fd(stderr_);
  return describe_status(status, killed);
}

void WorkerProcess::kill_now() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
  }
  end_of_process();
}

void WorkerProcess::fail_and_kill(const std::string& message) {
  kill_now();
  throw ImplementationFailure(message + stderr_note());
}

void WorkerProcess::stop() {
  if (pid_ <= 0) return;
  end_of_process();
}

std::vector<unsigned char> WorkerProcess::exchange(std::span<const unsigned char> message, std::uint64_t max_reply_bytes,
                                                   const std::string& what) {
  if (pid_ <= 0) throw ImplementationFailure(fmt::format("{}: the worker is not running", what));
  const SigpipeBlocked no_sigpipe;
  const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(limits_.timeout);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t written = 0;
  unsigned char prefix[kFrameLengthBytes];
  std::size_t prefix_got = 0;
  std::vector<unsigned char> reply;
  std::size_t reply_got = 0;
  bool reply_sized = false;
  // The worker ended or broke the stream: how, with its exit status once it is gone.
  const auto ended = [&](std::string_view how) {
    const std::string status = end_of_process();
    throw ImplementationFailure(fmt::format("{}: {} ({}){}", what, how, status, stderr_note()));
  };
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      kill_now();
      throw ImplementationTimeout(
          fmt::format("{}: no reply within {} s (--plugin-timeout; killed){}", what, limits_.timeout.count(), stderr_note()));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    pollfd fds[3];
    nfds_t n = 0;
    const bool writing = written < message.size();
    if (writing) fds[n++] = {stdin_, POLLOUT, 0};
    const nfds_t out_at = n;
    fds[n++] = {stdout_, POLLIN, 0};
    const nfds_t err_at = n;
    if (stderr_ >= 0) fds[n++] = {stderr_, POLLIN, 0};
    const int ready = poll(fds, n, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno != EINTR) fail_and_kill(fmt::format("{}: poll failed: {}", what, std::strerror(errno)));
    if (ready <= 0) continue;
    if (stderr_ >= 0 && fds[err_at].revents) drain_stderr();
    if (writing && fds[0].revents) {
      const std::size_t chunk = std::min(kChunkBytes, message.size() - written);
      const ssize_t put = write(stdin_, message.data() + written, chunk);
      if (put > 0) {
        written += static_cast<std::size_t>(put);
      } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
        ended(errno == EPIPE ? "stopped reading its input" : "its input failed");
      }
    }
    if (fds[out_at].revents) {
      unsigned char* into = prefix_got < kFrameLengthBytes ? prefix + prefix_got : reply.data() + reply_got;
      const std::size_t want = prefix_got < kFrameLengthBytes ? kFrameLengthBytes - prefix_got
                                                               : std::min(kChunkBytes, reply.size() - reply_got);
      const ssize_t got = want ? read(stdout_, into, want) : 0;
      if (got == 0 && want) ended(prefix_got + reply_got == 0 ? "exited without replying" : "exited in the middle of its reply");
      if (got < 0 && errno != EAGAIN && errno != EINTR) ended("its output failed");
      if (got > 0) {
        if (prefix_got < kFrameLengthBytes) {
          prefix_got += static_cast<std::size_t>(got);
        } else {
          reply_got += static_cast<std::size_t>(got);
        }
      }
      if (prefix_got == kFrameLengthBytes && !reply_sized) {
        const std::uint64_t length = frame_length(std::span<const unsigned char, kFrameLengthBytes>(prefix));
        if (length > max_reply_bytes) {
          fail_and_kill(fmt::format("{}: announces a reply of {} bytes, more than the {} this call can need (garbage on "
                                    "stdout?; killed)",
                                    what, length, max_reply_bytes));
        }
        reply.resize(static_cast<std::size_t>(length));
        reply_sized = true;
      }
      if (reply_sized && reply_got == reply.size()) {
        if (written < message.size()) {
          fail_and_kill(fmt::format("{}: replied before it had read the whole request (killed)", what));
        }
        drain_stderr();
        return reply;
      }
    }
  }
}

}  // namespace ropecheck::harness
