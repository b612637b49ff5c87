// ropecheck's kernels behind the plugin ABI with one deliberate gap in rope_scaling
// (tests only), built twice:
//  - ROPECHECK_VARIANT_DROP_SCALING: ignores rope_scaling (computes the unscaled
//    rotation), as an implementation that never read the field would; props must fail it.
//  - ROPECHECK_VARIANT_REFUSE_SCALING: declines scaled specs with an error; props must
//    report the scaled property as skipped (unsupported) and pass the unscaled ones.
#include <cstdio>
#include <exception>
#include <span>

#include "ropecheck/harness/ropecheck_plugin.h"
#include "ropecheck/kernels/rope_kernels.h"

namespace {

ropecheck::Dtype dtype_of(std::uint32_t abi) {
  return abi == ROPECHECK_DTYPE_F32 ? ropecheck::Dtype::f32 : abi == ROPECHECK_DTYPE_BF16 ? ropecheck::Dtype::bf16 : ropecheck::Dtype::f16;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) const char* ropecheck_plugin_name(void) {
#if defined(ROPECHECK_VARIANT_DROP_SCALING)
  return "kernels, rope_scaling dropped";
#else
  return "kernels, rope_scaling refused";
#endif
}

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  // Written against ABI version 1, as a plugin built before multi-axis positions was: it
  // takes version 1 calls only, so multi-axis calls are declined (skipped, unsupported).
  if (call->abi_version != 1) {
    std::snprintf(err, err_len, "ABI version %u: this plugin implements version 1", call->abi_version);
    return 1;
  }
  try {
    ropecheck::RopeSpec spec = ropecheck::spec_from_json_text(call->spec_json);
    if (spec.scaling.type != ropecheck::ScalingType::none) {
#if defined(ROPECHECK_VARIANT_DROP_SCALING)
      spec.scaling = ropecheck::Scaling{};
#else
      std::snprintf(err, err_len, "rope_scaling is not supported");
      return 1;
#endif
    }
    const ropecheck::Dtype dtype = dtype_of(call->dtype);
    const std::span<const std::int64_t> positions(call->positions, call->tokens);
    ropecheck::kernels::apply_rope(spec, positions, call->heads, {call->x, dtype, 0}, {call->out, dtype, 0});
    return 0;
  } catch (const std::exception& e) {
    std::snprintf(err, err_len, "%s", e.what());
    return 2;
  }
}

}  // extern "C"
