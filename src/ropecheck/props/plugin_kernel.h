// A plugin (plugin_process.h) as a KernelUnderTest, so the kernel properties run on it
// unchanged. Strided tensors (q/k slices of a fused buffer) are copied to the dense layout
// the plugin ABI takes and the rows copied back, so stride padding is never the plugin's
// to write. A plugin failure (crash, timeout, error return) throws PluginFailure, which
// the property reports as its failure.
#pragma once

#include <memory>

#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/harness/plugin_process.h"

namespace ropecheck::props {

KernelUnderTest plugin_kernel(std::shared_ptr<const harness::Plugin> plugin);

}  // namespace ropecheck::props
