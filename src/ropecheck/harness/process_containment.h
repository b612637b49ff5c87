// What keeps a process running untrusted code (a plugin's call, an exec worker) from
// harming ropecheck or the machine, shared by plugin_process.cc and worker_process.cc.
//
// Contract:
//  - limit_child_resources runs in the child between fork and the untrusted code (only
//    async-signal-safe calls): RLIMIT_DATA = what the child inherited + limits.memory_bytes
//    (see the .cc for why DATA and not AS), no core files.
//  - inherited_data_bytes is read in the parent before fork (it allocates).
//  - become_subreaper makes orphans of our children's process groups our children, so
//    kill_group can reap them and kill_escaped can find the ones that left the group.
//  - kill_group SIGKILLs a process group and reaps what of it became ours, within a grace
//    of seconds; kill_escaped kills and reaps every child of this process not in `keep`.
//  - output_tail_note formats the end of what an untrusted process printed: the last few
//    lines, escaped and cut to one line of a report ("; its output ended: \"…\"").
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "ropecheck/harness/plugin_limits.h"

namespace ropecheck::harness {

// The bytes of output a failure message quotes at most (the last kOutputTailBytes).
inline constexpr std::size_t kOutputTailBytes = 400;

std::string signal_name(int sig);  // "SIGSEGV"
std::uint64_t inherited_data_bytes();
void limit_child_resources(const PluginLimits& limits, std::uint64_t inherited_bytes);
void become_subreaper();
void kill_group(pid_t group);
std::set<pid_t> children_of_this_process();
void kill_escaped(const std::set<pid_t>& keep);
// `captured` is the end of the output (or all of it); `cut_at_capacity` says the capture
// overflowed. "" when nothing was printed.
std::string output_tail_note(std::string_view captured, bool started_earlier, bool cut_at_capacity);

}  // namespace ropecheck::harness
