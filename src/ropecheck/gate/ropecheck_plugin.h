/* ropecheck plugin C ABI, version 1 (DESIGN §4): how `ropecheck props --plugin LIB.so`
 * calls a third-party RoPE implementation. Plain C, no ropecheck headers needed.
 *
 * A plugin is a shared library exporting
 *
 *   int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len);
 *
 * which applies RoPE to call->x (C order [tokens][heads][head_dim], dense) at
 * call->positions and writes call->out (same shape and dtype; out == x means in place).
 * The spec (head_dim, rotary_dim, layout, base, scaling) is call->spec_json, the RopeSpec
 * JSON of DESIGN §4, e.g.
 *   {"head_dim":128,"rotary_dim":128,"layout":"interleaved","base":10000,"scaling":{"type":"none"}}
 * Return 0 on success; otherwise a non-zero code and a NUL-terminated message of at most
 * err_len bytes in err (e.g. "unsupported layout"). Check call->abi_version first and
 * refuse versions you do not know.
 *
 * Optional: `uint32_t ropecheck_plugin_dtypes(void)` returns the dtypes the plugin
 * implements as a bit mask of (1u << ropecheck_dtype); without it all three are tested.
 * Optional: `const char* ropecheck_plugin_name(void)` names the implementation in reports.
 *
 * A non-zero return declines the call: ABI v1 declares nothing about which specs a
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

#define ROPECHECK_PLUGIN_ABI_VERSION 1u

typedef enum ropecheck_dtype {
  ROPECHECK_DTYPE_F32 = 0,  /* IEEE binary32 */
  ROPECHECK_DTYPE_BF16 = 1, /* bfloat16: the upper 16 bits of a binary32 */
  ROPECHECK_DTYPE_F16 = 2   /* IEEE binary16 */
} ropecheck_dtype;

typedef struct ropecheck_call {
  uint32_t abi_version;     /* ROPECHECK_PLUGIN_ABI_VERSION */
  const char* spec_json;    /* RopeSpec JSON, NUL-terminated */
  uint32_t dtype;           /* a ropecheck_dtype, of x and out */
  uint64_t tokens;
  uint64_t heads;
  uint64_t head_dim;
  const void* x;            /* [tokens][heads][head_dim], little-endian elements */
  const int64_t* positions; /* [tokens] */
  void* out;                /* [tokens][heads][head_dim]; may equal x (in place) */
} ropecheck_call;

typedef int (*ropecheck_plugin_apply_fn)(const ropecheck_call* call, char* err, size_t err_len);
typedef uint32_t (*ropecheck_plugin_dtypes_fn)(void);
typedef const char* (*ropecheck_plugin_name_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* ROPECHECK_PLUGIN_H_ */
