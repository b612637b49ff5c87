#include "ropecheck/harness/process_containment.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "ropecheck/harness/untrusted_text.h"

namespace ropecheck::harness {
namespace {

// How long to wait for the killed processes of a group to be reaped: SIGKILL takes effect
// at once, so this bounds only a pathological kernel delay.
constexpr std::chrono::seconds kReapGrace{5};
constexpr long kReapPollNanoseconds = 100'000;
// A failure message quotes the end of what the process printed: a few lines, one line of ours.
constexpr std::size_t kOutputTailLines = 5;

}  // namespace

std::string signal_name(int sig) {
  const char* name = sigabbrev_np(sig);
  return name ? fmt::format("SIG{}", name) : fmt::format("signal {}", sig);
}

// The data memory (VmData: private writable mappings) this process holds now, which a
// forked child inherits; 0 where /proc is not mounted. Read in the parent, before fork:
// parsing needs the allocator, which the child must not touch before the plugin runs.
std::uint64_t inherited_data_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmData:", 0) != 0) continue;
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str() + 7, "%llu", &kib) == 1) return static_cast<std::uint64_t>(kib) * 1024;
  }
  return 0;
}

void limit_child_resources(const PluginLimits& limits, std::uint64_t inherited_bytes) {
  // RLIMIT_DATA, not RLIMIT_AS: since Linux 4.7 it counts the private writable memory
  // (heap, anonymous mmap: what malloc hands out, thread stacks) and not the rest of the
  // address space. RLIMIT_AS would also charge the call's shared tensors (MAP_SHARED, as
  // large as the call), ropecheck's inherited code and libraries, and address space a
  // plugin's allocator or runtime merely reserves (glibc reserves 64 MiB PROT_NONE per
  // malloc arena), so a modest limit would fail correct plugins for what they never use.
  // The limit is what the child inherits plus --plugin-memory: the plugin gets the whole
  // allowance whatever ropecheck holds. That inheritance is a few MiB normally, but under
  // AddressSanitizer it is the shadow memory's terabytes of reserved writable mappings,
  // and a limit on the whole would fail the child's first allocation.
  const std::uint64_t ceiling = inherited_bytes > RLIM_INFINITY - 1 - limits.memory_bytes
                                    ? RLIM_INFINITY - 1
                                    : inherited_bytes + limits.memory_bytes;
  const rlimit memory{ceiling, ceiling};
  setrlimit(RLIMIT_DATA, &memory);
  const rlimit no_core{0, 0};  // a crash is reported; it leaves no core files
  setrlimit(RLIMIT_CORE, &no_core);
}

void become_subreaper() { prctl(PR_SET_CHILD_SUBREAPER, 1); }

// Kills every process of the call's group and reaps those that became ours (the
// subreaper adopts the orphans), so that none outlives the call, running or as a zombie.
void kill_group(pid_t group) {
  kill(-group, SIGKILL);
  const auto deadline = std::chrono::steady_clock::now() + kReapGrace;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t reaped = waitpid(-group, &status, WNOHANG);
    if (reaped > 0) continue;
    if (reaped < 0 && kill(-group, 0) != 0) return;  // no child of ours and no process left in the group
    kill(-group, SIGKILL);                            // one forked while we looked, or not yet reparented
    const timespec pause{0, kReapPollNanoseconds};
    nanosleep(&pause, nullptr);
  }
}

// The processes whose parent is this process, from /proc (every thread's list): the
// subreaper makes a plugin's orphans appear here.
std::set<pid_t> children_of_this_process() {
  std::set<pid_t> children;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::ifstream list(task.path() / "children");
    for (long pid = 0; list >> pid;) children.insert(static_cast<pid_t>(pid));
  }
  return children;
}

// A process the plugin forked that left the call's group (setsid, setpgid) escapes
// kill_group; once its parents are dead it is an orphan, adopted by this process (the
// subreaper). Kills and reaps every child that was not ours before the call, until none
// is left (their own orphans are adopted in turn).
void kill_escaped(const std::set<pid_t>& keep) {
  const auto deadline = std::chrono::steady_clock::now() + kReapGrace;
  while (std::chrono::steady_clock::now() < deadline) {
    bool any = false;
    for (const pid_t pid : children_of_this_process()) {
      if (keep.count(pid)) continue;
      any = true;
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
    }
    if (!any) return;
  }
}

std::string output_tail_note(std::string_view captured, bool started_earlier, bool cut_at_capacity) {
  std::string text(captured);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::size_t start = text.size(), lines = 0;
  while (start > 0 && lines < kOutputTailLines) {
    start = text.rfind('\n', start - 1);
    if (start == std::string::npos) {
      start = 0;
      break;
    }
    ++lines;
    if (lines == kOutputTailLines) ++start;  // drop the newline before the first kept line
  }
  const bool cut = started_earlier || start > 0;
  return fmt::format("; its output {}ended: \"{}\"", cut_at_capacity ? "(cut at the capacity) " : "",
                     (cut ? "…" : "") + printable(std::string_view(text).substr(start), kOutputTailBytes));
}

}  // namespace ropecheck::harness
