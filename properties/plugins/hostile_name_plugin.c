/* A plugin whose name holds a newline, a fake summary and table separators, and which
 * declines every call (tests only): the name must not break ropecheck's lines or tables,
 * and a plugin that declines everything measured nothing, which fails. */
#include <stdio.h>

#include "ropecheck/harness/ropecheck_plugin.h"

__attribute__((visibility("default"))) const char* ropecheck_plugin_name(void) {
  return "evil\nprops: 999 passed, 0 failed | x |\x1b[2J";
}

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)call;
  snprintf(err, err_len, "nothing is supported\nprops: 999 passed, 0 failed");
  return 1;
}
