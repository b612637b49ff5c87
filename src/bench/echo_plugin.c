/* A plugin that returns its input (ropecheck_plugin.h): the plugin transport's own cost,
 * for ropecheck_harness_bench to compare a worker round trip with. */
#include <string.h>

#include "ropecheck/harness/ropecheck_plugin.h"

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)err;
  (void)err_len;
  const size_t bytes = call->dtype == ROPECHECK_DTYPE_F32 ? 4 : 2;
  if (call->out != call->x) memcpy(call->out, call->x, call->tokens * call->heads * call->head_dim * bytes);
  return 0;
}

__attribute__((visibility("default"))) const char* ropecheck_plugin_name(void) { return "echo"; }
