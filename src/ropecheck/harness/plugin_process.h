// A third-party RoPE implementation behind the plugin C ABI (ropecheck_plugin.h), called
// in child processes so that its crash, hang, error or escape is a reported outcome, not
// a problem of ours.
//
// Contract:
//  - Plugin::open(path, limits) resolves `path` as a file path (relative to the current
//    directory, never searched on the dynamic library path) and probes the library in a
//    child: it must dlopen and export ropecheck_plugin_apply; the optional name and dtype
//    mask are read there too. The name is made printable and table-safe once, here
//    (untrusted_text.h). A missing file or a library that cannot be used is InvalidInput
//    (exit 2), naming the path and why.
//  - Plugin::apply runs one call in a fresh child (fork, dlopen, call, exit) over shared
//    memory: x, positions and the spec go in, out comes back. The child
//      · is the leader of its own process group, and the whole group is killed (SIGKILL)
//        when the call ends, however it ends, so nothing the plugin forked outlives the
//        call; ropecheck is a child subreaper (prctl) so that those processes are reaped
//        here rather than left as zombies, and so that one that left the group (setsid)
//        is adopted here once orphaned and killed too (any child of this process that
//        appears during a call is the plugin's: callers run no other children meanwhile);
//      · reads /dev/null and writes stdout and stderr to a private capture of at most
//        kPluginOutputCapacity bytes (a sealed memfd: a plugin that prints without end
//        fails to write, it never blocks), whose tail a failure message quotes, escaped;
//      · runs under the limits: data memory `limits.memory_bytes` (RLIMIT_DATA), no core
//        files, `limits.timeout` of wall time.
//  - How a call ends: a non-zero return is ImplementationRefusal (the plugin declined: the ABI
//    declares nothing about which specs a plugin supports, so this is how it says
//    "unsupported"), unless the child ended near its memory limit, which makes it a
//    ImplementationFailure naming the limit. A signal, an exit without an answer or a timeout is
//    ImplementationFailure saying which (a crash also names the memory limit and the child's
//    peak). After a timeout the plugin is not called again: every later apply throws
//    ImplementationFailure "not called: it timed out earlier (…)" at once (copies share this).
//    Nothing of the plugin ever runs in this process.
//  - Calls are dense [tokens][heads][head_dim]; in place passes out == x to the plugin.
//  - It is an Implementation (implementation.h): the battery and reports run it as they run
//    an exec worker.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "ropecheck/dtype.h"
#include "ropecheck/harness/implementation.h"
#include "ropecheck/harness/plugin_limits.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/spec.h"

namespace ropecheck::harness {

// Enough for any diagnostic a plugin prints; small enough to keep in memory per call.
inline constexpr std::size_t kPluginOutputCapacity = std::size_t{1} << 20;
// A plugin name is a label in one line or one table cell, not a paragraph.
inline constexpr std::size_t kMaxPluginNameBytes = 80;

class Plugin : public Implementation {
 public:
  static Plugin open(const std::string& path, const PluginLimits& limits);

  const std::string& path() const { return path_; }  // as given
  const std::string& name() const override { return name_; }  // printable, table-safe
  const std::string& invocation() const override { return invocation_; }
  std::string_view kind() const override { return "plugin"; }
  // Its dtype mask; every other feature is declared supported, since the ABI says nothing
  // about them: a plugin declines what it does not implement by returning non-zero.
  const Capabilities& capabilities() const override { return capabilities_; }
  const PluginLimits& limits() const { return limits_; }

  // A strided x is packed dense (the ABI takes dense tensors); in place passes out == x. A
  // call with one position axis is made as ABI version 1, a multi-axis one as version 2.
  void apply(const RopeCall& call, void* out) const override;

 private:
  std::string path_;
  std::string resolved_;  // absolute: what the children dlopen
  std::string name_;
  std::string invocation_;
  Capabilities capabilities_;
  PluginLimits limits_;
  // Empty until a call timed out; then how it did, quoted by every later call's failure.
  std::shared_ptr<std::string> timed_out_ = std::make_shared<std::string>();
};

}  // namespace ropecheck::harness
