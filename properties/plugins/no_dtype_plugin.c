/* A plugin that implements no dtype (ropecheck_plugin_dtypes returns 0; tests only):
 * `ropecheck props` has nothing to measure and must fail, not pass vacuously. */
#include <stdint.h>

#include "ropecheck/harness/ropecheck_plugin.h"

__attribute__((visibility("default"))) uint32_t ropecheck_plugin_dtypes(void) { return 0; }

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)call;
  (void)err;
  (void)err_len;
  return 0;
}
