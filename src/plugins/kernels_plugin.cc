// ropecheck's own SIMD kernels behind the plugin C ABI (ropecheck_plugin.h): the reference
// plugin that `ropecheck props --plugin` must pass under `exact`, and a worked example of
// the ABI for implementers.
#include <cstdio>
#include <exception>
#include <span>

#include "ropecheck/errors.h"
#include "ropecheck/harness/ropecheck_plugin.h"
#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/position_axes.h"

namespace {

ropecheck::Dtype dtype_of(std::uint32_t abi) {
  switch (abi) {
    case ROPECHECK_DTYPE_F32: return ropecheck::Dtype::f32;
    case ROPECHECK_DTYPE_BF16: return ropecheck::Dtype::bf16;
    case ROPECHECK_DTYPE_F16: return ropecheck::Dtype::f16;
    default: throw ropecheck::InvalidInput("unknown dtype");
  }
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) const char* ropecheck_plugin_name(void) { return "ropecheck kernels"; }

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err,
                                                                  size_t err_len) {
  // Version 1 calls have one position axis; version 2 says how many in position_axes.
  if (call->abi_version != ROPECHECK_PLUGIN_ABI_VERSION_SINGLE_AXIS && call->abi_version != ROPECHECK_PLUGIN_ABI_VERSION) {
    std::snprintf(err, err_len, "ABI version %u is not 1 or %u", call->abi_version, ROPECHECK_PLUGIN_ABI_VERSION);
    return 1;
  }
  const std::size_t axes = call->abi_version == ROPECHECK_PLUGIN_ABI_VERSION_SINGLE_AXIS ? 1 : call->position_axes;
  try {
    const ropecheck::RopeSpec spec = ropecheck::spec_from_json_text(call->spec_json);
    if (spec.head_dim != call->head_dim) throw ropecheck::InvalidInput("head_dim differs from the spec's");
    const ropecheck::Dtype dtype = dtype_of(call->dtype);
    if (axes < 1 || axes > ropecheck::kMaxPositionAxes) throw ropecheck::InvalidInput("position_axes outside 1..3");
    const ropecheck::PositionsView positions(std::span<const std::int64_t>(call->positions, call->tokens * axes), axes);
    ropecheck::kernels::apply_rope(spec, positions, call->heads, {call->x, dtype, 0}, {call->out, dtype, 0});
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(err, err_len, "%s", e.what());
    return 2;
  }
}

}  // extern "C"
