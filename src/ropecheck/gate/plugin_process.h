// A third-party RoPE implementation behind the plugin C ABI (ropecheck_plugin.h), called
// in child processes so that its crash, hang or error is a reported failure, not ours.
//
// Contract:
//  - Plugin::open probes the library in a child: it must dlopen and export
//    ropecheck_plugin_apply; the optional name and dtype mask are read there too. A
//    library that cannot be used is InvalidInput (exit 2), naming the path and why.
//  - Plugin::apply runs one call in a fresh child (fork, dlopen, call, exit) over shared
//    memory: x, positions and the spec go in, out comes back. A non-zero return, a signal,
//    an exit without an answer or a call longer than kPluginCallTimeout throws
//    PluginFailure saying which. Nothing of the plugin ever runs in this process.
//  - Calls are dense [tokens][heads][head_dim]; in place passes out == x to the plugin.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "ropecheck/dtype.h"
#include "ropecheck/spec.h"

namespace ropecheck::gate {

inline constexpr std::chrono::seconds kPluginCallTimeout{30};

class PluginFailure : public std::runtime_error {
 public:
  explicit PluginFailure(const std::string& what) : std::runtime_error(what) {}
};

class Plugin {
 public:
  static Plugin open(const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& name() const { return name_; }
  bool supports(Dtype dtype) const;

  // x and out hold tokens·heads·head_dim elements of dtype; out may equal x.
  void apply(const RopeSpec& spec, Dtype dtype, std::size_t heads, std::span<const std::int64_t> positions,
             const void* x, void* out) const;

 private:
  std::string path_;
  std::string name_;
  std::uint32_t dtypes_ = 0;
};

}  // namespace ropecheck::gate
