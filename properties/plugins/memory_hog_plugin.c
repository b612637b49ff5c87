/* A plugin that allocates and touches 2 GiB per call without checking malloc (tests
 * only): under --plugin-memory 256M the allocation fails, it writes through a null
 * pointer and dies; ropecheck must report it as a failure naming the limit. (Without a
 * limit below 2 GiB it would touch the whole 2 GiB.) */
#include <stdlib.h>
#include <string.h>

#include "ropecheck/harness/ropecheck_plugin.h"

#define TOTAL ((size_t)2 << 30)

__attribute__((visibility("default"))) int ropecheck_plugin_apply(const ropecheck_call* call, char* err, size_t err_len) {
  (void)call;
  (void)err;
  (void)err_len;
  char* block = malloc(TOTAL);
  memset(block, 1, TOTAL); /* the bug under test: no check for NULL */
  /* The memory counts as used, so the compiler keeps the allocation and the writes. */
  __asm__ volatile("" : : "r"(block) : "memory");
  return 0;
}
