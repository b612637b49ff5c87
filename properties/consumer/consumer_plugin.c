/* A plugin compiled against the installed ABI header alone. */
#include "ropecheck/harness/ropecheck_plugin.h"

int consumer_plugin_abi_version(void) { return ROPECHECK_PLUGIN_ABI_VERSION; }
