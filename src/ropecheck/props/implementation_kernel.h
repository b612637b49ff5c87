// An implementation under test (harness/implementation.h: a plugin or an exec worker) as a
// KernelUnderTest, so the kernel properties run on it unchanged.
//  - A strided input (a q/k slice of a fused buffer) goes to the implementation strided
//    when it declares `strides`, and packed dense otherwise; its dense output rows are
//    copied into the output tensor's rows, so stride padding is never its to write.
//  - A call outside its capabilities, or one it declines, throws ImplementationRefusal
//    (the property is skipped, unsupported); any other failure (crash, timeout, garbage,
//    an error it reports) throws ImplementationFailure, which the property reports as its
//    failure.
#pragma once

#include <memory>

#include "ropecheck/harness/implementation.h"
#include "ropecheck/props/kernel_properties.h"

namespace ropecheck::props {

KernelUnderTest implementation_kernel(std::shared_ptr<const harness::Implementation> implementation);

}  // namespace ropecheck::props
