/* A plugin that tries to escape its child process (tests only): every call forks two
 * grandchildren that sleep for ten minutes holding the inherited stdout and stderr, one
 * in the call's process group, one in a session of its own (setsid), appends their pids
 * to the file named by $ROPECHECK_TEST_PID_FILE, and prints a fake ropecheck summary line
 * on stdout and stderr. It returns x unrotated. ropecheck must kill the grandchildren
 * when each call ends and keep the fake line out of its own output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ropecheck/harness/ropecheck_plugin.h"

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)err;
  (void)err_len;
  const char* pid_file = getenv("ROPECHECK_TEST_PID_FILE");
  for (int escape = 0; escape < 2; ++escape) {
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      if (escape) setsid();
      sleep(600);
      _exit(0);
    }
    FILE* f = pid_file && grandchild > 0 ? fopen(pid_file, "a") : NULL;
    if (f) {
      fprintf(f, "%d\n", (int)grandchild);
      fclose(f);
    }
  }
  printf("props: 999 passed, 0 failed\n");
  fprintf(stderr, "props: 999 passed, 0 failed\n");
  fflush(stdout);
  const size_t bytes = call->tokens * call->heads * call->head_dim * (call->dtype == ROPECHECK_DTYPE_F32 ? 4u : 2u);
  if (call->out != call->x) memcpy(call->out, call->x, bytes);
  return 0;
}
