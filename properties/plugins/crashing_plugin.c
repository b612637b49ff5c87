/* A plugin that dereferences a null pointer on every call with more than one token: the
 * child process that runs it dies with SIGSEGV, which `ropecheck props` must report as a
 * failure of the plugin (tests only). */
#include <stddef.h>

#include "ropecheck/harness/ropecheck_plugin.h"

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)err;
  (void)err_len;
  if (call->tokens > 1) {
    volatile float* nowhere = NULL;
    *nowhere = 1.0f;
  }
  return 0;
}
