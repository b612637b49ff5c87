/* ropecheck plugin C ABI, version 2 (README: "Plugins"): how `ropecheck props --plugin LIB.so`
 * calls a third-party RoPE implementation. Plain C, no ropecheck headers needed.
 *
 * A plugin is a shared library exporting
 *
 *   int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len);
 *
 * which applies RoPE to call->x (C order [tokens][heads][head_dim], dense) at
 * call->positions and writes call->out (same shape and dtype; out == x means in place).
 * The spec (head_dim, rotary_dim, layout, base, scaling) is call->spec_json, the RopeSpec
 * JSON (src/ropecheck/spec.h; docs/worker-protocol.md section 6), e.g.
 *   {"head_dim":128,"rotary_dim":128,"layout":"interleaved","base":10000,"scaling":{"type":"none"}}
 * Return 0 on success; otherwise a non-zero code and a NUL-terminated message of at most
 * err_len bytes in err (e.g. "unsupported layout"). Check call->abi_version first and
 * refuse versions you do not know.
 *
 * Optional: `uint32_t ropecheck_plugin_dtypes(void)` returns the dtypes the plugin
 * implements as a bit mask of (1u << ropecheck_dtype); without it all three are tested.
 * Optional: `const char* ropecheck_plugin_name(void)` names the implementation in reports.
 *
 * Versions. Version 2 adds multi-axis positions (M-RoPE's t, h, w; 2-D vision's row,
 * column): call->position_axes components per token, call->positions then being
 * [tokens][position_axes], and the spec carrying mrope_section / mrope_interleaved /
 * vision_2d. ropecheck sets abi_version to 1 for every single-axis call (a version 1
 * plugin sees exactly the call it always did) and to 2 only when position_axes > 1, which
 * a version 1 plugin declines. position_axes is set on every call, 1 for single-axis ones,
 * so a version 2 plugin accepts both versions and reads it.
 *
 * A non-zero return declines the call: the ABI declares nothing about which specs a
 * plugin supports, so ropecheck reports the property as skipped (unsupported), never as
 * passed, and a plugin that declines everything measured nothing, which fails.
 *
 * Every call runs in a child process of ropecheck, in its own process group, which is
 * killed when the call ends: nothing the plugin forks outlives the call. stdin is
 * /dev/null; stdout and stderr are captured (quoted, escaped, when the call fails).
 * A crash, a hang (killed after --plugin-timeout; the plugin is then not called again)
 * or running out of --plugin-memory is a reported failure of the plugin, never of
 * ropecheck. The plugin keeps no state between calls that changes its results.
 */
#ifndef ROPECHECK_PLUGIN_H_
#define ROPECHECK_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ROPECHECK_PLUGIN_ABI_VERSION 2u
/* The version of calls with one position axis: what version 1 plugins check for. */
#define ROPECHECK_PLUGIN_ABI_VERSION_SINGLE_AXIS 1u

typedef enum ropecheck_dtype {
  ROPECHECK_DTYPE_F32 = 0,  /* IEEE binary32 */
  ROPECHECK_DTYPE_BF16 = 1, /* bfloat16: the upper 16 bits of a binary32 */
  ROPECHECK_DTYPE_F16 = 2   /* IEEE binary16 */
} ropecheck_dtype;

typedef struct ropecheck_call {
  uint32_t abi_version;     /* 1 (one position axis) or 2 (position_axes > 1) */
  const char* spec_json;    /* RopeSpec JSON, NUL-terminated */
  uint32_t dtype;           /* a ropecheck_dtype, of x and out */
  uint64_t tokens;
  uint64_t heads;
  uint64_t head_dim;
  const void* x;            /* [tokens][heads][head_dim], little-endian elements */
  const int64_t* positions; /* [tokens][position_axes] */
  void* out;                /* [tokens][heads][head_dim]; may equal x (in place) */
  uint64_t position_axes;   /* version 2: components per token (1, 2 or 3); always set */
} ropecheck_call;

typedef int (*ropecheck_plugin_apply_fn)(const ropecheck_call* call, char* err, size_t err_len);
typedef uint32_t (*ropecheck_plugin_dtypes_fn)(void);
typedef const char* (*ropecheck_plugin_name_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* ROPECHECK_PLUGIN_H_ */
