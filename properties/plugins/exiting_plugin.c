/* A plugin that calls exit(0) instead of answering (tests only): every call is a failure
 * of the plugin; ropecheck's own self-checks must not count as its passes. */
#include <stdlib.h>

#include "ropecheck/harness/ropecheck_plugin.h"

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)call;
  (void)err;
  (void)err_len;
  exit(0);
}
