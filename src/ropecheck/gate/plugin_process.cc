#include "ropecheck/gate/plugin_process.h"

#include <dlfcn.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <functional>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/gate/ropecheck_plugin.h"

namespace ropecheck::gate {
namespace {

// What a child reports back, at the start of the shared block.
struct Answer {
  std::int32_t answered;  // 1 once the child has filled in the rest
  std::int32_t status;    // the plugin's return value (0 = success)
  std::uint32_t dtypes;
  char name[128];
  char err[512];
};

constexpr std::uint32_t kAllDtypes = (1u << ROPECHECK_DTYPE_F32) | (1u << ROPECHECK_DTYPE_BF16) | (1u << ROPECHECK_DTYPE_F16);

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

std::string signal_name(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? fmt::format("SIG{}", name) : fmt::format("signal {}", sig);
}

// Forks; the child runs `body` and exits. Returns how the child ended, throwing
// PluginFailure on a signal, a timeout or an exit without an answer.
void run_child(SharedBlock& block, const std::string& what, const std::function<void()>& body) {
  std::fflush(nullptr);  // buffered output must not be written twice
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    body();
    _exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + kPluginCallTimeout;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0) throw std::runtime_error("waitpid failed");
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      throw PluginFailure(fmt::format("{}: no answer within {} s (killed)", what, kPluginCallTimeout.count()));
    }
    const timespec pause{0, 100'000};
    nanosleep(&pause, nullptr);
  }
  if (WIFSIGNALED(status)) throw PluginFailure(fmt::format("{}: crashed with {}", what, signal_name(WTERMSIG(status))));
  if (block.answer().answered != 1) {
    throw PluginFailure(fmt::format("{}: the process exited (status {}) without answering", what,
                                    WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
}

void copy_message(char* dst, std::size_t size, const char* src) {
  std::strncpy(dst, src ? src : "", size - 1);
  dst[size - 1] = '\0';
}

}  // namespace

Plugin Plugin::open(const std::string& path) {
  SharedBlock block(sizeof(Answer));
  try {
    run_child(block, fmt::format("plugin {}", path), [&] {
      Answer& a = block.answer();
      void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!lib) {
        a.status = 1;
        copy_message(a.err, sizeof(a.err), dlerror());
      } else if (!dlsym(lib, "ropecheck_plugin_apply")) {
        a.status = 2;
        copy_message(a.err, sizeof(a.err), "it does not export ropecheck_plugin_apply");
      } else {
        const auto dtypes = reinterpret_cast<ropecheck_plugin_dtypes_fn>(dlsym(lib, "ropecheck_plugin_dtypes"));
        const auto name = reinterpret_cast<ropecheck_plugin_name_fn>(dlsym(lib, "ropecheck_plugin_name"));
        a.dtypes = dtypes ? dtypes() : kAllDtypes;
        copy_message(a.name, sizeof(a.name), name ? name() : "");
        a.status = 0;
      }
      a.answered = 1;
    });
  } catch (const PluginFailure& e) {
    throw InvalidInput(e.what());
  }
  const Answer& a = block.answer();
  if (a.status != 0) throw InvalidInput(fmt::format("plugin {}: cannot be used: {}", path, a.err));
  Plugin p;
  p.path_ = path;
  p.name_ = a.name[0] ? std::string(a.name) : path;
  p.dtypes_ = a.dtypes;
  return p;
}

bool Plugin::supports(Dtype dtype) const {
  return dtype != Dtype::f64 && (dtypes_ & (1u << abi_dtype(dtype))) != 0;
}

void Plugin::apply(const RopeSpec& spec, Dtype dtype, std::size_t heads, std::span<const std::int64_t> positions,
                   const void* x, void* out) const {
  const std::string spec_json = to_json_text(spec);
  const std::size_t elements = positions.size() * heads * spec.head_dim;
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
  const bool in_place = x == out;

  ropecheck_call call{};
  call.abi_version = ROPECHECK_PLUGIN_ABI_VERSION;
  call.spec_json = reinterpret_cast<const char*>(base + spec_at);
  call.dtype = abi_dtype(dtype);
  call.tokens = positions.size();
  call.heads = heads;
  call.head_dim = spec.head_dim;
  call.x = base + x_at;
  call.positions = reinterpret_cast<const std::int64_t*>(base + positions_at);
  call.out = in_place ? base + x_at : base + out_at;

  run_child(block, fmt::format("plugin {}", name_), [&] {
    Answer& a = block.answer();
    void* lib = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    const auto apply = lib ? reinterpret_cast<ropecheck_plugin_apply_fn>(dlsym(lib, "ropecheck_plugin_apply")) : nullptr;
    if (!apply) {
      a.status = -1;
      copy_message(a.err, sizeof(a.err), lib ? "ropecheck_plugin_apply is gone" : dlerror());
    } else {
      a.status = apply(&call, a.err, sizeof(a.err));
      a.err[sizeof(a.err) - 1] = '\0';
    }
    a.answered = 1;
  });
  const Answer& a = block.answer();
  if (a.status != 0) throw PluginFailure(fmt::format("plugin {} returned {}: {}", name_, a.status, a.err));
  if (data_bytes) std::memcpy(out, base + (in_place ? x_at : out_at), data_bytes);
}

}  // namespace ropecheck::gate
