// A RoPE implementation under test that ropecheck runs but does not trust, behind one
// interface: a C plugin (plugin_process.h: a shared library called in child processes) or
// an exec worker (exec_worker.h: a process of any language speaking the worker protocol,
// docs/worker-protocol.md). The property battery, the report and `check --exec` see only
// this interface.
//
// Contract:
//  - apply(call, out) applies RoPE to call.x and writes out, dense [tokens][heads][head_dim]
//    of call.dtype. call.x holds tokens·x_token_stride elements: token t, head h, dim d is
//    element t·x_token_stride + h·head_dim + d (a q slice of a fused qkv buffer when the
//    stride exceeds heads·head_dim). in_place asks for the implementation's in-place path.
//  - Capabilities are what the implementation says it supports (a worker's hello, a
//    plugin's dtype mask). A call outside them is never made: apply throws
//    ImplementationRefusal naming the capability, and the caller reports the property as
//    skipped (unsupported), never as passed. An implementation may also decline a call
//    within its capabilities (ImplementationRefusal with its own reason).
//  - Any other way a call goes wrong — a crash, an exit, a hang past the timeout, garbage,
//    a reply of the wrong shape, dtype or id, an error the implementation reports on a call
//    it declared supported — throws ImplementationFailure with one line saying which, and
//    with the tail of what the implementation printed. Nothing of the implementation runs
//    in this process, so none of this can crash ropecheck.
//  - apply_qk(q, k, q_out, k_out): both tensors of one attention layer in one call, as
//    fused q/k kernels take them; declared by `qk`.
//  - invocation() is the command-line flag that selects it again ("--plugin LIB",
//    "--exec 'CMD'"), for the reproduce lines of reports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "ropecheck/dtype.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/spec.h"

namespace ropecheck::harness {

class ImplementationFailure : public std::runtime_error {
 public:
  explicit ImplementationFailure(const std::string& what) : std::runtime_error(what) {}
};

// No answer within the timeout: the implementation is not called again (a hang costs one
// timeout, not one per case).
class ImplementationTimeout : public ImplementationFailure {
 public:
  explicit ImplementationTimeout(const std::string& what) : ImplementationFailure(what) {}
};

// The implementation does not support this call: skipped (unsupported), never passed.
class ImplementationRefusal : public ImplementationFailure {
 public:
  explicit ImplementationRefusal(const std::string& what) : ImplementationFailure(what) {}
};

struct Capabilities {
  std::vector<Dtype> dtypes;                 // of x and out
  std::vector<Layout> layouts{Layout::interleaved, Layout::half_split};
  std::vector<ScalingType> scaling_types{ScalingType::none,  ScalingType::linear,   ScalingType::dynamic,
                                         ScalingType::yarn,  ScalingType::llama3,   ScalingType::longrope,
                                         ScalingType::proportional};
  bool position_scale = true;                // Llama 4's and Mistral 3's per-token scale
  bool multi_axis = false;                   // M-RoPE and 2-D vision positions
  std::int64_t max_position = std::numeric_limits<std::int64_t>::max();  // every component
  bool in_place = true;                      // has an in-place path
  bool strides = false;                      // takes a strided x itself (else ropecheck packs it dense)
  // A call over many tokens gives, bit for bit, what one call per token gives. Declared
  // false, prefill ≡ decode is checked within the profile's bound instead.
  bool batch_invariant = true;
  // Takes q and k of different head counts (GQA) in one call (apply_qk).
  bool qk = false;
  std::string device = "cpu";                // where it computes: a label for reports
};

struct RopeCall {
  const RopeSpec& spec;
  Dtype dtype;
  std::size_t heads;
  PositionsView positions;
  const void* x;
  std::size_t x_token_stride;  // elements between tokens of x; heads·head_dim when dense
  bool in_place = false;
  std::size_t row_elements() const { return heads * spec.head_dim; }
  bool strided() const { return x_token_stride != row_elements(); }
};

// Why `call` is outside `capabilities` ("the worker declares dtypes f32 only"), or nullopt.
// A strided call is never outside: it is packed dense for an implementation without
// strides (pack_dense), so only properties that need a strided x check `strides` themselves.
std::optional<std::string> outside_capabilities(const Capabilities& capabilities, const RopeCall& call);

// call.x as dense [tokens][heads][head_dim] bytes.
std::vector<unsigned char> pack_dense(const RopeCall& call);

class Implementation {
 public:
  virtual ~Implementation() = default;
  virtual const std::string& name() const = 0;        // printable, table-safe
  virtual const std::string& invocation() const = 0;  // "--plugin LIB", "--exec 'CMD'"
  virtual std::string_view kind() const = 0;          // "plugin", "worker"
  virtual const Capabilities& capabilities() const = 0;
  bool supports(Dtype dtype) const;
  virtual void apply(const RopeCall& call, void* out) const = 0;
  // q and k at the same positions in one call (q.heads a multiple of k.heads: GQA), for an
  // implementation that declares qk; dense only. The default makes two apply calls.
  virtual void apply_qk(const RopeCall& q, const RopeCall& k, void* q_out, void* k_out) const;
};

}  // namespace ropecheck::harness
