// A plugin (plugin_process.h) as a KernelUnderTest, so the kernel properties run on it
// unchanged. Strided tensors (q/k slices of a fused buffer) are copied to the dense layout
// the plugin ABI takes and the rows copied back, so stride padding is never the plugin's
// to write. A plugin failure (crash, timeout, error return) throws PluginFailure, which
// the property reports as its failure.
#pragma once

#include <memory>

#include "ropecheck/gate/kernel_properties.h"
#include "ropecheck/gate/plugin_process.h"

namespace ropecheck::gate {

KernelUnderTest plugin_kernel(std::shared_ptr<const Plugin> plugin);

}  // namespace ropecheck::gate
