// The property battery as a list, for `ropecheck props`: every property of
// props/reference_properties.h against the built-in reference and of
// props/kernel_properties.h against the built-in kernels, each paired with the negative
// controls that show it can fail. The GoogleTest suites in properties/ run the
// same bodies (RC_GTEST_PROP); this list is the same checks with another output sink.
//
// Contract:
//  - An entry is a property of the code under test or a negative control (a self-check
//    of ropecheck: a built-in wrong variant the property must catch). In the battery of an
//    implementation under test (a plugin or a worker) every property measures it and
//    every negative control measures ropecheck, so a summary counts its results apart
//    from the self-checks.
//  - Each case of its properties is first fitted to what it declares (fit_case in the
//    .cc: out of place, its one layout, positions wrapped below its max_position). A case
//    it declines (ImplementationRefusal: outside its capabilities, or refused) is counted
//    in DeclinedCases and not measured; a property whose every case was declined is
//    `skipped` with the first reason, never a pass, and one with some declined cases
//    says how many. A failure stays a failure whatever was declined.
//  - An entry's id is stable across implementations (what --expect-fail lists).
//  - run_battery runs every negative control with at least kNegativeControlCases cases
//    whatever the budget (see there), so a small --cases never fails a control, and
//    without shrinking: a control shows that its wrong variant is caught, and the first
//    counterexample shows that as well as the smallest. Shrinking one costs up to seconds
//    of 257-bit arithmetic per control (a head_dim-512 vector shrunk element by element);
//    the properties themselves still shrink, since their counterexample is the finding.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <rapidcheck.h>

#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/harness/implementation.h"
#include "ropecheck/spec.h"
#include "ropecheck/numeric/error_model.h"

namespace ropecheck::props {

// The cases of one property that an implementation under test measured or declined
// (outside its declared capabilities, or refused by it).
struct DeclinedCases {
  int measured = 0;
  int declined = 0;
  std::string first_reason;
};

struct BatteryEntry {
  std::string name;
  // What --expect-fail lists: stable across implementations ("f32.within_bound",
  // "full_attention.norm"); empty: id_of_name(name).
  std::string id;
  bool negative_control = false;  // true: passes only when a counterexample is found
  // Set by properties of an implementation under test: the cases it declined.
  std::shared_ptr<const DeclinedCases> declined;
  std::function<rc::detail::TestResult(const rc::detail::TestParams&)> run;
};

std::vector<BatteryEntry> reference_battery();
// The built-in SIMD kernels (every Highway target this CPU runs) against the reference
// (props/kernel_properties.h), with their negative controls.
std::vector<BatteryEntry> kernel_battery();

// An implementation under test (a plugin or an exec worker) against the reference under
// `profile`: agreement per dtype it implements, norm preservation, score
// shift-invariance, whole-sequence = token-by-token calls (within the bound instead of bit
// for bit when it declares itself not batch invariant), agreement over scaled specs
// (gen_scaled_spec) and multi-axis specs, and the properties aimed at the bugs kernels
// ship (shipped_bug_cases.h). The negative controls run with built-in or reference-precision
// wrong kernels, as in kernel_battery. One that implements no dtype gets no entry at all
// (the caller reports that it measured nothing).
std::vector<BatteryEntry> implementation_battery(std::shared_ptr<const harness::Implementation> implementation,
                                                 numeric::Profile profile);

// A model's RoPE (its layer types' specs, as `--hf-config` reads them) under test: every
// implementation in `under_test` (the built-in kernels' targets, or one plugin or worker) per layer
// type: agreement per dtype in `dtypes`, norm preservation, score shift-invariance,
// whole-sequence = token-by-token calls; the cases vary the tokens, heads, strides,
// positions (up to 2^24) and inputs, never the spec. Negative controls on the same specs
// show the cases discriminate: a swapped layout (R > 2) and, for scaled specs, a kernel
// that drops the scaling, both outside the profile's bound.
struct ModelLayerSpec {
  std::string layer_type;
  RopeSpec spec;
};
std::vector<BatteryEntry> model_battery(std::shared_ptr<const std::vector<KernelUnderTest>> under_test,
                                        const std::vector<ModelLayerSpec>& layers, const std::vector<Dtype>& dtypes,
                                        numeric::Profile profile);

// RapidCheck draws cases of growing size: the i-th of n has size about 100·i/n, so with a
// budget of 1 the only case has size 0 (zero vectors, position 0), on which no wrong
// variant differs from the right one. A negative control therefore always gets this many
// cases, the default budget at which every control is known to be caught: it stops at its
// first counterexample (two or three cases as a rule), so the floor costs little.
inline constexpr int kNegativeControlCases = 100;

// A name as an id: lowercase letters and digits, every other run of characters one '_'.
std::string id_of_name(std::string_view name);

struct BatteryOutcome {
  std::string name;
  std::string id;
  bool negative_control = false;
  bool skipped = false;     // unsupported by the plugin: neither held nor failed (detail says why)
  bool ok = false;          // property held / negative control was caught
  int cases = 0;            // cases run before the verdict
  int declined_cases = 0;   // of those, declined by the implementation (not measured)
  std::string declined_reason;
  std::string detail;       // counterexample or failure message
};

// Runs every entry with the given parameters; `on_done` is called after each (progress).
std::vector<BatteryOutcome> run_battery(const std::vector<BatteryEntry>& battery, const rc::detail::TestParams& params,
                                        const std::function<void(const BatteryOutcome&, std::size_t done)>& on_done);

}  // namespace ropecheck::props
