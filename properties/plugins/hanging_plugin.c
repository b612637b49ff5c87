/* A plugin whose every call hangs (tests only): it appends one line to the file named by
 * $ROPECHECK_TEST_CALL_LOG, then waits forever. With --plugin-timeout ropecheck must kill
 * the first call and call it no more: the log then has exactly one line. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ropecheck/harness/ropecheck_plugin.h"

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)call;
  (void)err;
  (void)err_len;
  const char* log = getenv("ROPECHECK_TEST_CALL_LOG");
  if (log) {
    FILE* f = fopen(log, "a");
    if (f) {
      fputs("call\n", f);
      fclose(f);
    }
  }
  for (;;) pause();
}
