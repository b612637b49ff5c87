#include "ropecheck/harness/plugin_process.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/harness/process_containment.h"
#include "ropecheck/harness/ropecheck_plugin.h"
#include "ropecheck/harness/untrusted_text.h"

namespace ropecheck::harness {
namespace {

// What a child reports back, at the start of the shared block.
struct Answer {
  std::int32_t answered;  // 1 once the child has filled in the rest
  std::int32_t loaded;    // 1 once dlopen and dlsym succeeded: `status` is the plugin's
  std::int32_t status;    // the plugin's return value (0 = success)
  std::uint32_t dtypes;
  char name[128];
  char err[512];
};

constexpr std::uint32_t kAllDtypes = (1u << ROPECHECK_DTYPE_F32) | (1u << ROPECHECK_DTYPE_BF16) | (1u << ROPECHECK_DTYPE_F16);
// A child that ended with a peak at 3/4 of its memory limit or more is taken to have run
// into it: allocations fail before the limit itself is reached (fragmentation, the
// request that does not fit), and below it an error return is the plugin's own decision.
constexpr std::uint64_t kNearLimitNumerator = 3, kNearLimitDenominator = 4;
// How long to wait for the killed processes of a call's group to be reaped: SIGKILL
// takes effect at once, so this bounds only a pathological kernel delay.
constexpr std::chrono::seconds kReapGrace{5};
// The parent polls the child this often: a call takes about a millisecond.
constexpr long kPollNanoseconds = 100'000;


std::uint32_t abi_dtype(Dtype dtype) {
  switch (dtype) {
    case Dtype::f32: return ROPECHECK_DTYPE_F32;
    case Dtype::bf16: return ROPECHECK_DTYPE_BF16;
    case Dtype::f16: return ROPECHECK_DTYPE_F16;
    case Dtype::f64: break;
  }
  throw InvalidInput("plugins take f32, bf16 or f16");
}

class SharedBlock {
 public:
  explicit SharedBlock(std::size_t bytes) : bytes_(bytes) {
    data_ = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (data_ == MAP_FAILED) throw std::runtime_error("mmap of the plugin's shared block failed");
  }
  ~SharedBlock() { munmap(data_, bytes_); }
  SharedBlock(const SharedBlock&) = delete;
  SharedBlock& operator=(const SharedBlock&) = delete;
  unsigned char* bytes() { return static_cast<unsigned char*>(data_); }
  Answer& answer() { return *static_cast<Answer*>(data_); }

 private:
  std::size_t bytes_;
  void* data_;
};

// The child's stdout and stderr: a memfd of fixed size, sealed against growth, so a write
// past kPluginOutputCapacity fails (EPERM) instead of blocking like a full pipe or
// filling memory. Parent and child share the file offset, which is the length written.
class OutputCapture {
 public:
  OutputCapture() {
    fd_ = memfd_create("ropecheck-plugin-output", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd_ < 0) throw std::runtime_error("memfd_create for the plugin's output failed");
    if (ftruncate(fd_, static_cast<off_t>(kPluginOutputCapacity)) != 0 ||
        fcntl(fd_, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
      close(fd_);
      throw std::runtime_error("sizing the plugin's output capture failed");
    }
  }
  ~OutputCapture() { close(fd_); }
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;
  int fd() const { return fd_; }


  // "; its output ended: \"…\"" (escaped, one line), or "" when it printed nothing.
  std::string tail_note() const {
    const off_t end = lseek(fd_, 0, SEEK_CUR);
    if (end <= 0) return "";
    const auto length = static_cast<std::size_t>(end);
    const std::size_t from = length > kOutputTailBytes ? length - kOutputTailBytes : 0;
    std::string text(length - from, '\0');
    const ssize_t got = pread(fd_, text.data(), text.size(), static_cast<off_t>(from));
    text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return output_tail_note(text, from > 0, length >= kPluginOutputCapacity);
  }

 private:
  int fd_ = -1;
};

// Runs in the child before the plugin: its own process group, stdin from /dev/null,
// stdout and stderr to the capture, the limits. Only async-signal-safe calls and
// setvbuf (the stdio state is the child's own copy) between fork and the plugin.
void contain_child(const OutputCapture& capture, const PluginLimits& limits, std::uint64_t inherited_bytes) {
  setpgid(0, 0);
  std::fflush(nullptr);
  const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null >= 0) dup2(null, STDIN_FILENO);
  dup2(capture.fd(), STDOUT_FILENO);
  dup2(capture.fd(), STDERR_FILENO);
  // Unbuffered, so what a plugin printed just before it crashed is in the capture.
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  std::setvbuf(stderr, nullptr, _IONBF, 0);
  limit_child_resources(limits, inherited_bytes);
}

struct ChildEnd {
  int status = 0;
  std::uint64_t peak_bytes = 0;  // the child's peak resident memory
};

std::string memory_note(const ChildEnd& end, const PluginLimits& limits) {
  return fmt::format("peak memory {} of the --plugin-memory limit of {}", describe_bytes(end.peak_bytes),
                     describe_bytes(limits.memory_bytes));
}

bool near_memory_limit(const ChildEnd& end, const PluginLimits& limits) {
  return end.peak_bytes / kNearLimitNumerator >= limits.memory_bytes / kNearLimitDenominator;
}

// Forks; the child runs `body` contained (contain_child) and exits. Throws ImplementationFailure
// on a signal, a timeout or an exit without an answer; returns how the child ended.
ChildEnd run_child(SharedBlock& block, const std::string& what, const PluginLimits& limits,
                   const std::function<void()>& body) {
  // Orphans of the call's group become our children, so kill_group can reap them.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  OutputCapture capture;
  const std::set<pid_t> children_before = children_of_this_process();
  const std::uint64_t inherited_bytes = inherited_data_bytes();
  std::fflush(nullptr);  // buffered output must not be written twice
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    contain_child(capture, limits, inherited_bytes);
    body();
    std::fflush(nullptr);
    _exit(0);
  }
  setpgid(pid, pid);  // also here: the group must exist before we might signal it
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(limits.timeout);
  bool timed_out = false;
  while (true) {
    siginfo_t info{};
    // WNOWAIT: the child stays a zombie, so its pid (the group id) cannot be reused
    // before the group is killed.
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
      throw std::runtime_error("waitid failed");
    }
    if (info.si_pid == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      break;
    }
    const timespec pause{0, kPollNanoseconds};
    nanosleep(&pause, nullptr);
  }
  kill(-pid, SIGKILL);
  ChildEnd end;
  rusage usage{};
  wait4(pid, &end.status, 0, &usage);
  end.peak_bytes = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is in KiB
  kill_group(pid);
  kill_escaped(children_before);
  if (timed_out) {
    throw ImplementationTimeout(fmt::format("{}: no answer within {} s (--plugin-timeout; killed){}", what, limits.timeout.count(),
                                    capture.tail_note()));
  }
  if (WIFSIGNALED(end.status)) {
    throw ImplementationFailure(fmt::format("{}: crashed with {} ({}){}", what, signal_name(WTERMSIG(end.status)),
                                    memory_note(end, limits), capture.tail_note()));
  }
  if (block.answer().answered != 1) {
    throw ImplementationFailure(fmt::format("{}: the process exited (status {}) without answering ({}){}", what,
                                    WIFEXITED(end.status) ? WEXITSTATUS(end.status) : -1, memory_note(end, limits),
                                    capture.tail_note()));
  }
  if (block.answer().status != 0 && block.answer().loaded != 1) {
    // The library could not be loaded in the child (e.g. under a tiny memory limit): the
    // plugin never ran, so this is no refusal of a call.
    const Answer& a = block.answer();
    throw ImplementationFailure(fmt::format("{}: cannot be used: {} ({}){}", what, printable(a.err, sizeof(a.err)),
                                    memory_note(end, limits), capture.tail_note()));
  }
  if (block.answer().status != 0) {
    const Answer& a = block.answer();
    const std::string message = fmt::format("{} returned {}: {}", what, a.status, printable(a.err, sizeof(a.err)));
    if (near_memory_limit(end, limits)) throw ImplementationFailure(fmt::format("{} ({}){}", message, memory_note(end, limits), capture.tail_note()));
    throw ImplementationRefusal(message + capture.tail_note());
  }
  return end;
}

void copy_message(char* dst, std::size_t size, const char* src) {
  std::strncpy(dst, src ? src : "", size - 1);
  dst[size - 1] = '\0';
}

// The path as a file: never a bare name dlopen would look up on the library path.
std::string resolve_library(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string shown = printable(path, kMaxPluginNameBytes * 4);
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (path.empty() || !fs::exists(status)) throw InvalidInput(fmt::format("plugin {}: no such file", shown));
  if (!fs::is_regular_file(status)) throw InvalidInput(fmt::format("plugin {}: not a regular file", shown));
  return fs::absolute(path).lexically_normal().string();
}

}  // namespace

Plugin Plugin::open(const std::string& path, const PluginLimits& limits) {
  Plugin p;
  p.path_ = path;
  p.resolved_ = resolve_library(path);
  p.limits_ = limits;
  SharedBlock block(sizeof(Answer));
  const std::string what = fmt::format("plugin {}", printable(path, kMaxPluginNameBytes * 4));
  try {
    run_child(block, what, limits, [&] {
      Answer& a = block.answer();
      void* lib = dlopen(p.resolved_.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!lib) {
        a.status = 1;
        copy_message(a.err, sizeof(a.err), dlerror());
      } else if (!dlsym(lib, "ropecheck_plugin_apply")) {
        a.status = 2;
        copy_message(a.err, sizeof(a.err), "it does not export ropecheck_plugin_apply");
      } else {
        const auto dtypes = reinterpret_cast<ropecheck_plugin_dtypes_fn>(dlsym(lib, "ropecheck_plugin_dtypes"));
        const auto name = reinterpret_cast<ropecheck_plugin_name_fn>(dlsym(lib, "ropecheck_plugin_name"));
        a.loaded = 1;
        a.dtypes = dtypes ? dtypes() : kAllDtypes;
        copy_message(a.name, sizeof(a.name), name ? name() : "");
        a.status = 0;
      }
      a.answered = 1;
    });
  } catch (const ImplementationFailure& e) {
    throw InvalidInput(e.what());
  }
  const Answer& a = block.answer();
  const std::string name(a.name, strnlen(a.name, sizeof(a.name)));
  p.name_ = table_safe(name.empty() ? path : name, kMaxPluginNameBytes);
  p.invocation_ = "--plugin " + path;
  p.capabilities_.dtypes.clear();
  for (const Dtype dtype : {Dtype::f32, Dtype::bf16, Dtype::f16}) {
    if ((a.dtypes & kAllDtypes & (1u << abi_dtype(dtype))) != 0) p.capabilities_.dtypes.push_back(dtype);
  }
  p.capabilities_.multi_axis = true;  // ABI version 2; a version 1 plugin declines such calls
  return p;
}

void Plugin::apply(const RopeCall& rope_call, void* out) const {
  const RopeSpec& spec = rope_call.spec;
  const Dtype dtype = rope_call.dtype;
  const std::size_t heads = rope_call.heads;
  const PositionsView view = rope_call.positions;
  const std::span<const std::int64_t> positions = view.values;
  if (const auto outside = outside_capabilities(capabilities_, rope_call)) {
    throw ImplementationRefusal(fmt::format("plugin {}: not called: {}", name_, *outside));
  }
  const std::vector<unsigned char> dense_x = pack_dense(rope_call);
  const void* x = dense_x.data();
  const std::string what = fmt::format("plugin {}", name_);
  if (!timed_out_->empty()) throw ImplementationFailure(fmt::format("{}: not called: it timed out earlier ({})", what, *timed_out_));
  const std::string spec_json = to_json_text(spec);
  const std::size_t elements = view.tokens() * heads * spec.head_dim;
  const std::size_t data_bytes = elements * storage_bytes(dtype);
  // Layout: Answer | spec JSON + NUL | positions | x | out, each 64-byte aligned.
  const auto align = [](std::size_t n) { return (n + 63) / 64 * 64; };
  const std::size_t spec_at = align(sizeof(Answer));
  const std::size_t positions_at = spec_at + align(spec_json.size() + 1);
  const std::size_t x_at = positions_at + align(positions.size_bytes());
  const std::size_t out_at = x_at + align(data_bytes);
  SharedBlock block(out_at + align(data_bytes) + 64);
  unsigned char* base = block.bytes();
  std::memcpy(base + spec_at, spec_json.c_str(), spec_json.size() + 1);
  if (!positions.empty()) std::memcpy(base + positions_at, positions.data(), positions.size_bytes());
  if (data_bytes) std::memcpy(base + x_at, x, data_bytes);
  const bool in_place = rope_call.in_place;

  ropecheck_call call{};
  call.abi_version = view.axes == 1 ? ROPECHECK_PLUGIN_ABI_VERSION_SINGLE_AXIS : ROPECHECK_PLUGIN_ABI_VERSION;
  call.position_axes = view.axes;
  call.spec_json = reinterpret_cast<const char*>(base + spec_at);
  call.dtype = abi_dtype(dtype);
  call.tokens = view.tokens();
  call.heads = heads;
  call.head_dim = spec.head_dim;
  call.x = base + x_at;
  call.positions = reinterpret_cast<const std::int64_t*>(base + positions_at);
  call.out = in_place ? base + x_at : base + out_at;

  try {
    run_child(block, what, limits_, [&] {
      Answer& a = block.answer();
      void* lib = dlopen(resolved_.c_str(), RTLD_NOW | RTLD_LOCAL);
      const auto apply = lib ? reinterpret_cast<ropecheck_plugin_apply_fn>(dlsym(lib, "ropecheck_plugin_apply")) : nullptr;
      if (!apply) {
        a.status = -1;
        copy_message(a.err, sizeof(a.err), lib ? "ropecheck_plugin_apply is gone" : dlerror());
      } else {
        a.loaded = 1;
        a.status = apply(&call, a.err, sizeof(a.err));
        a.err[sizeof(a.err) - 1] = '\0';
      }
      a.answered = 1;
    });
  } catch (const ImplementationTimeout&) {
    // A hanging plugin costs one timeout, not one per remaining call.
    *timed_out_ = fmt::format("no answer within {} s", limits_.timeout.count());
    throw;
  }
  if (data_bytes) std::memcpy(out, base + (in_place ? x_at : out_at), data_bytes);
}

}  // namespace ropecheck::harness
