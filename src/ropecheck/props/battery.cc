#include "ropecheck/props/battery.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <utility>
#include <sstream>

#include <rapidcheck/detail/TestListenerAdapter.h>

#include "ropecheck/props/kernel_bug_variants.h"
#include "ropecheck/props/shipped_bug_cases.h"
#include "ropecheck/props/kernel_properties.h"
#include "ropecheck/props/implementation_kernel.h"
#include "ropecheck/props/reference_properties.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/props/bug_variants.h"
#include "ropecheck/reference/sinusoidal.h"

namespace ropecheck::props {
namespace {

namespace bugs = props::bugs;

// An entry that runs `testable` through RapidCheck with the battery's parameters.
template <class Testable>
BatteryEntry testable_entry(std::string name, bool negative, Testable testable) {
  BatteryEntry e;
  e.name = name;
  e.negative_control = negative;
  e.run = [name, testable](const rc::detail::TestParams& params) {
    rc::detail::TestMetadata metadata;
    metadata.id = name;
    metadata.description = name;
    rc::detail::TestListenerAdapter silent;  // outcomes are reported by run_battery
    return rc::detail::checkTestable(testable, metadata, params, silent);
  };
  return e;
}

template <class Case, class Body>
BatteryEntry entry(std::string name, bool negative, Body body) {
  return testable_entry(std::move(name), negative, [body](const Case& c) { body(c); });
}

// An entry whose body draws its own cases (from generators other than the Arbitrary ones).
BatteryEntry drawing_entry(std::string name, bool negative, std::function<void()> body) {
  return testable_entry(std::move(name), negative, std::move(body));
}

// An entry whose cases come from an explicit generator (the kernel cases are per dtype).
BatteryEntry generated_entry(std::string name, bool negative, rc::Gen<KernelCase> gen,
                             std::function<void(const KernelCase&)> body) {
  return drawing_entry(std::move(name), negative, [gen, body] { body(*gen); });
}

// A drawn case made to fit what an implementation declares, where the declaration is a
// way of calling rather than a feature of the spec: out of place for one without an
// in-place path, the declared layout for one that implements one layout, positions
// wrapped below its max_position. What cannot be fitted (a scaling type, multi-axis
// positions) is declined by the implementation and counted (battery.h).
KernelCase fit_case(KernelCase c, const harness::Capabilities& declared, bool wrap_positions) {
  if (!declared.in_place) c.in_place = false;
  const auto& layouts = declared.layouts;
  if (layouts.size() == 1 && c.spec.layout != layouts.front()) c.spec.layout = layouts.front();
  if (wrap_positions && declared.max_position < std::numeric_limits<std::int64_t>::max()) {
    for (std::int64_t& m : c.positions) {
      if (m > declared.max_position) m %= declared.max_position + 1;
    }
  }
  return c;
}

// A property of an implementation under test: each case is fitted to its declaration
// (fit_case); a case it declines is counted, not sent again, and the property measured
// nothing if it declined every case (see battery.h).
// wrap_positions false: positions above its max_position are declined, not wrapped (the
// properties about large positions themselves).
BatteryEntry implementation_entry(std::string id, std::string name, std::optional<harness::Capabilities> declared,
                                  rc::Gen<KernelCase> gen, std::function<void(const KernelCase&)> body,
                                  bool wrap_positions = true) {
  const auto declined = std::make_shared<DeclinedCases>();
  BatteryEntry e = drawing_entry(std::move(name), false, [gen, body, declined, declared, wrap_positions] {
    const KernelCase c = declared ? fit_case(*gen, *declared, wrap_positions) : *gen;
    try {
      body(c);
      ++declined->measured;
    } catch (const harness::ImplementationRefusal& refusal) {
      if (declined->declined++ == 0) declined->first_reason = refusal.what();
    }
  });
  e.declined = declined;
  e.id = std::move(id);
  return e;
}

}  // namespace

namespace {

constexpr std::int64_t kMaxKernelPosition = kOrdinaryPositionLimit;

// The negative controls of the shift-invariance and decode-consistency properties.
void add_relative_position_controls(std::vector<BatteryEntry>& b, numeric::Profile profile) {
  b.push_back(generated_entry("bf16 positions break score shift-invariance", true,
                              gen_kernel_case(Dtype::f32, kMaxKernelPosition), [profile](const KernelCase& c) {
                                check_score_shift_invariant(c, kernel_bugs::bf16_positions(), profile);
                              }));
  b.push_back(generated_entry("assuming contiguous positions breaks token-by-token consistency", true,
                              gen_kernel_case(Dtype::f32, kMaxKernelPosition),
                              [](const KernelCase& c) { check_decode_consistent(c, kernel_bugs::contiguous_positions()); }));
}

// The multi-axis mappings' negative controls: built-in kernels that read the positions
// the way shipped ports did (kernel_bug_variants.h), outside the profile's bound.
void add_multi_axis_controls(std::vector<BatteryEntry>& b, numeric::Profile profile) {
  const std::string bound(numeric::to_string(profile));
  b.push_back(generated_entry(fmt::format("multi-axis: mrope_interleaved ignored is outside the {} bound", bound), true,
                              gen_kernel_case(Dtype::f32, kMaxKernelPosition, gen_interleaved_mrope_spec()), [profile](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::mrope_interleaving_ignored()}, profile);
                              }));
  for (const auto& [what, bug] : {std::pair{"h and w swapped", &kernel_bugs::height_width_swapped},
                                  std::pair{"the first component on every axis", &kernel_bugs::first_component_for_every_axis},
                                  std::pair{"1-D positions", &kernel_bugs::one_dimensional_positions}}) {
    b.push_back(generated_entry(fmt::format("multi-axis: {} is outside the {} bound", what, bound), true,
                                gen_kernel_case(Dtype::f32, kMaxKernelPosition, gen_multi_axis_spec()),
                                [profile, bug = bug](const KernelCase& c) { check_matches_reference(c, {bug()}, profile); }));
  }
}

}  // namespace

namespace {
void add_shipped_bug_entries(std::vector<BatteryEntry>& b, const std::string& who,
                             std::shared_ptr<const std::vector<KernelUnderTest>> under_test,
                             const std::optional<harness::Capabilities>& declared, Dtype dtype, numeric::Profile profile,
                             bool high_positions);
void add_shipped_bug_controls(std::vector<BatteryEntry>& b, numeric::Profile profile, bool high_positions);
}  // namespace

std::vector<BatteryEntry> kernel_battery() {
  constexpr std::int64_t kMaxPosition = kOrdinaryPositionLimit;
  const auto targets = std::make_shared<std::vector<KernelUnderTest>>(builtin_kernels());
  const auto framework = std::make_shared<std::vector<KernelUnderTest>>(builtin_kernels(kernels::TableMode::f32_angle));
  std::vector<BatteryEntry> b;
  for (const Dtype dtype : {Dtype::f32, Dtype::bf16, Dtype::f16}) {
    b.push_back(generated_entry(fmt::format("kernels: {} output within the exact bound on every target", to_string(dtype)),
                                false, gen_kernel_case(dtype, kMaxPosition), [targets](const KernelCase& c) {
                                  check_matches_reference(c, *targets, numeric::Profile::exact);
                                }));
  }
  b.push_back(generated_entry("kernels: swapped layout is outside the exact bound", true,
                              gen_kernel_case(Dtype::f32, kMaxPosition), [](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::swapped_layout()}, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: truncated bf16 output is outside the exact bound", true,
                              gen_kernel_case(Dtype::bf16, kMaxPosition), [](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::truncated_bf16_output()}, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: norm is preserved on every target", false,
                              gen_kernel_case(Dtype::bf16, kMaxPosition), [targets](const KernelCase& c) {
                                check_preserves_norm(c, *targets, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: pair updated from the updated element changes norms", true,
                              gen_kernel_case(Dtype::f32, kMaxPosition), [](const KernelCase& c) {
                                check_preserves_norm(c, {kernel_bugs::in_place_pair_update()}, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: f32-angle tables within the f32-angle bound", false,
                              gen_kernel_case(Dtype::f32, kMaxPosition), [framework](const KernelCase& c) {
                                check_matches_reference(c, *framework, numeric::Profile::f32_angle);
                              }));
  b.push_back(generated_entry("kernels: score depends on n-m only", false, gen_kernel_case(Dtype::bf16, kMaxPosition),
                              [targets](const KernelCase& c) {
                                for (const KernelUnderTest& k : *targets) check_score_shift_invariant(c, k, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: a whole-sequence call equals token-by-token calls", false,
                              gen_kernel_case(Dtype::f16, kMaxPosition), [targets](const KernelCase& c) {
                                for (const KernelUnderTest& k : *targets) check_decode_consistent(c, k);
                              }));
  b.push_back(generated_entry("kernels: scaled specs (every scaling type) within the exact bound", false,
                              gen_kernel_case(Dtype::bf16, kMaxPosition, gen_scaled_spec()), [targets](const KernelCase& c) {
                                check_matches_reference(c, *targets, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: dropping rope_scaling is outside the exact bound", true,
                              gen_kernel_case(Dtype::f32, kMaxPosition, gen_scaled_spec()), [](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::scaling_ignored()}, numeric::Profile::exact);
                              }));
  for (const Dtype dtype : {Dtype::f32, Dtype::bf16}) {
    b.push_back(generated_entry(
        fmt::format("kernels: position-scaled specs (query temperature, NoPE) {} within the exact bound", to_string(dtype)),
        false, gen_kernel_case(dtype, kMaxPosition, gen_position_scaled_spec()),
        [targets](const KernelCase& c) { check_matches_reference(c, *targets, numeric::Profile::exact); }));
  }
  b.push_back(generated_entry("kernels: position-scaled norms and scores", false,
                              gen_kernel_case(Dtype::bf16, kMaxPosition, gen_position_scaled_spec()), [targets](const KernelCase& c) {
                                check_preserves_norm(c, *targets, numeric::Profile::exact);
                                for (const KernelUnderTest& k : *targets) check_score_shift_invariant(c, k, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: rotated dims at an offset (MLA's q_pe) within the exact bound", false,
                              gen_kernel_case(Dtype::bf16, kMaxPosition, gen_offset_spec()), [targets](const KernelCase& c) {
                                check_matches_reference(c, *targets, numeric::Profile::exact);
                                check_preserves_norm(c, *targets, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: rotating the first dims instead of the offset ones is outside the exact bound", true,
                              gen_kernel_case(Dtype::f32, kMaxPosition, gen_offset_spec()), [](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::rotary_offset_ignored()}, numeric::Profile::exact);
                              }));
  b.push_back(generated_entry("kernels: a position scale on the other role is outside the exact bound", true,
                              gen_kernel_case(Dtype::f32, kMaxPosition, gen_position_scaled_spec()), [](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::position_scale_on_the_other_role()}, numeric::Profile::exact);
                              }));
  for (const Dtype dtype : {Dtype::f32, Dtype::bf16}) {
    b.push_back(generated_entry(
        fmt::format("kernels: multi-axis positions (M-RoPE, 2-D vision) {} within the exact bound", to_string(dtype)), false,
        gen_kernel_case(dtype, kMaxPosition, gen_multi_axis_spec()),
        [targets](const KernelCase& c) { check_matches_reference(c, *targets, numeric::Profile::exact); }));
  }
  b.push_back(generated_entry("kernels: multi-axis norms, per-axis shifts and token-by-token calls", false,
                              gen_kernel_case(Dtype::bf16, kMaxPosition, gen_multi_axis_spec()), [targets](const KernelCase& c) {
                                check_preserves_norm(c, *targets, numeric::Profile::exact);
                                for (const KernelUnderTest& k : *targets) {
                                  check_score_shift_invariant(c, k, numeric::Profile::exact);
                                  check_decode_consistent(c, k);
                                }
                              }));
  add_multi_axis_controls(b, numeric::Profile::exact);
  b.push_back(generated_entry("kernels: bf16 cos/sin table is outside the f32-angle bound", true,
                              gen_kernel_case(Dtype::f32, kMaxPosition), [](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::bf16_table()}, numeric::Profile::f32_angle);
                              }));
  // The shipped bug classes within the accurate table's domain (no high positions: the
  // table stops at 2^24; plugins and workers get them).
  add_shipped_bug_entries(b, "kernels", targets, std::nullopt, Dtype::bf16, numeric::Profile::exact, false);
  add_shipped_bug_controls(b, numeric::Profile::exact, false);
  add_relative_position_controls(b, numeric::Profile::exact);
  return b;
}

namespace {

// What every implementation under test is held to, on the specs `specs` draws (labelled
// "<label>: …"): agreement in each of `dtypes`, norms, score shift-invariance, and
// whole-sequence = token-by-token calls (the last three in the first dtype).
void add_implementation_entries(std::vector<BatteryEntry>& b, const std::string& label, const std::string& id_prefix,
                                std::shared_ptr<const std::vector<KernelUnderTest>> under_test,
                                const rc::Gen<RopeSpec>& specs, const std::vector<Dtype>& dtypes,
                                numeric::Profile profile) {
  const std::string bound(numeric::to_string(profile));
  const std::optional<harness::Capabilities> declared = under_test->size() == 1 ? under_test->front().declared : std::nullopt;
  for (const Dtype dtype : dtypes) {
    b.push_back(implementation_entry(fmt::format("{}{}.within_bound", id_prefix, to_string(dtype)),
                                     fmt::format("{}: {} output within the {} bound", label, to_string(dtype), bound), declared,
                             gen_kernel_case(dtype, kMaxKernelPosition, specs),
                             [under_test, profile](const KernelCase& c) { check_matches_reference(c, *under_test, profile); }));
  }
  const Dtype first = dtypes.front();
  b.push_back(implementation_entry(id_prefix + "norm", fmt::format("{}: norm is preserved", label), declared, gen_kernel_case(first, kMaxKernelPosition, specs),
                           [under_test, profile](const KernelCase& c) { check_preserves_norm(c, *under_test, profile); }));
  b.push_back(implementation_entry(id_prefix + "score_shift", fmt::format("{}: score depends on n-m only", label), declared, gen_kernel_case(first, kMaxKernelPosition, specs),
                           [under_test, profile](const KernelCase& c) {
                             for (const KernelUnderTest& k : *under_test) check_score_shift_invariant(c, k, profile);
                           }));
  const bool batch_invariant = !declared || declared->batch_invariant;
  b.push_back(implementation_entry(
      id_prefix + "prefill_equals_decode",
      batch_invariant ? fmt::format("{}: a whole-sequence call equals token-by-token calls", label)
                      : fmt::format("{}: token-by-token calls within the {} bound (declared not batch invariant)", label, bound),
      declared, gen_kernel_case(first, kMaxKernelPosition, specs), [under_test, batch_invariant, profile](const KernelCase& c) {
        for (const KernelUnderTest& k : *under_test) {
          if (batch_invariant) {
            check_decode_consistent(c, k);
          } else {
            check_decode_within_bound(c, k, profile);
          }
        }
      }));
}

}  // namespace

namespace {

// The properties aimed at the bug classes kernels keep shipping (shipped_bug_cases.h), on
// `under_test` in `dtype`, each case within the profile's bound.
void add_shipped_bug_entries(std::vector<BatteryEntry>& b, const std::string& who,
                             std::shared_ptr<const std::vector<KernelUnderTest>> under_test,
                             const std::optional<harness::Capabilities>& declared, Dtype dtype, numeric::Profile profile,
                             bool high_positions) {
  const std::string bound(numeric::to_string(profile));
  const auto within = [under_test, profile](const KernelCase& c) { check_matches_reference(c, *under_test, profile); };
  if (high_positions) {
    b.push_back(implementation_entry("high_positions",
                                     fmt::format("{}: positions at and across 2^15, 2^16, 2^31 and 2^32 within the {} bound",
                                                 who, bound),
                                     declared, gen_high_position_case(dtype), within, /*wrap_positions=*/false));
  }
  b.push_back(implementation_entry("many_heads",
                                   fmt::format("{}: up to 40 heads and 10240 rows, every head and row within the {} bound", who,
                                               bound),
                                   declared, gen_many_heads_case(dtype), within));
  // Without strides an implementation is handed a dense copy: the property would measure
  // ropecheck's packing, not it, so it is declined.
  const bool strided = !declared || declared->strides;
  b.push_back(implementation_entry("fused_qkv_slice",
                                   fmt::format("{}: a q slice of a fused qkv buffer (strided) within the {} bound", who, bound),
                                   declared, gen_fused_qkv_case(dtype), [within, strided](const KernelCase& c) {
                                     if (!strided) {
                                       throw harness::ImplementationRefusal(
                                           "it does not declare strides: it is handed dense copies, so no strided input "
                                           "of its own is measured");
                                     }
                                     within(c);
                                   }));
  // q and k of one layer in one call, for an implementation under test (declared qk).
  const bool qk = declared && declared->qk;
  if (declared) b.push_back(implementation_entry(
      "gqa_qk", fmt::format("{}: q and k of different head counts (GQA) in one call within the {} bound", who, bound),
      declared, gen_gqa_case(dtype), [under_test, profile, qk](const KernelCase& c) {
        if (!qk) throw harness::ImplementationRefusal("it does not declare qk (q and k in one call)");
        for (const KernelUnderTest& k : *under_test) check_qk_matches_reference(c, k, profile);
      }));
  b.push_back(implementation_entry("table_layout",
                                   fmt::format("{}: both layouts with rotary_dim >= 4 (the cos/sin table layouts differ) "
                                               "within the {} bound",
                                               who, bound),
                                   declared, gen_two_layout_case(dtype), within));
}

// Their negative controls: the built-in or reference kernels with each shipped flaw.
void add_shipped_bug_controls(std::vector<BatteryEntry>& b, numeric::Profile profile, bool high_positions) {
  const std::string bound(numeric::to_string(profile));
  const auto caught = [profile](KernelUnderTest (*bug)()) {
    return [profile, bug](const KernelCase& c) { check_matches_reference(c, {bug()}, profile); };
  };
  if (high_positions) {
    b.push_back(generated_entry(fmt::format("int16 positions are outside the {} bound", bound), true,
                                gen_high_position_case(Dtype::f32), caught(&kernel_bugs::int16_positions)));
    b.push_back(generated_entry(fmt::format("int32 positions are outside the {} bound", bound), true,
                                gen_high_position_case(Dtype::f32), caught(&kernel_bugs::int32_positions)));
  }
  b.push_back(generated_entry(fmt::format("only head 0 rotated is outside the {} bound", bound), true,
                              gen_many_heads_case(Dtype::f32), caught(&kernel_bugs::only_first_head_rotated)));
  b.push_back(generated_entry(fmt::format("the head index added to the position is outside the {} bound", bound), true,
                              gen_many_heads_case(Dtype::f32), caught(&kernel_bugs::head_index_added_to_position)));
  b.push_back(generated_entry(fmt::format("the first token's position for every token is outside the {} bound", bound),
                              true, gen_many_heads_case(Dtype::f32),
                              caught(&kernel_bugs::first_token_position_for_every_token)));
  b.push_back(generated_entry(fmt::format("a strided input read as contiguous is outside the {} bound", bound), true,
                              gen_fused_qkv_case(Dtype::f32), caught(&kernel_bugs::contiguous_input_assumed)));
  b.push_back(generated_entry(fmt::format("a cos/sin table of the other layout is outside the {} bound", bound), true,
                              gen_two_layout_case(Dtype::f32), caught(&kernel_bugs::table_layout_mismatch)));
  b.push_back(generated_entry(fmt::format("k unrotated with one kv head is outside the {} bound", bound), true,
                              gen_gqa_case(Dtype::f32), [profile](const KernelCase& c) {
                                check_qk_matches_reference(c, kernel_bugs::k_unrotated_with_one_kv_head(), profile);
                              }));
}

}  // namespace

std::vector<BatteryEntry> implementation_battery(std::shared_ptr<const harness::Implementation> implementation,
                                                 numeric::Profile profile) {
  const auto kernel = std::make_shared<const std::vector<KernelUnderTest>>(std::vector<KernelUnderTest>{implementation_kernel(implementation)});
  const std::string who = kernel->front().name;
  const std::optional<harness::Capabilities> declared = kernel->front().declared;
  const std::string bound(numeric::to_string(profile));
  std::vector<BatteryEntry> b;
  std::vector<Dtype> dtypes;
  for (const Dtype dtype : {Dtype::f32, Dtype::bf16, Dtype::f16}) {
    if (implementation->supports(dtype)) dtypes.push_back(dtype);
  }
  if (dtypes.empty()) return b;
  const Dtype first = dtypes.front();
  add_implementation_entries(b, who, "", kernel, gen_kernel_spec(), dtypes, profile);
  // Scaled specs (linear, dynamic, YaRN, LongRoPE, llama3): the same generator as the
  // built-in kernels' scaled property, so a plugin that drops or mangles rope_scaling fails.
  b.push_back(implementation_entry("scaled_specs", fmt::format("{}: scaled specs (every scaling type) within the {} bound", who, bound), declared,
                           gen_kernel_case(first, kMaxKernelPosition, gen_scaled_spec()),
                           [kernel, profile](const KernelCase& c) { check_matches_reference(c, *kernel, profile); }));
  b.push_back(generated_entry(fmt::format("dropping rope_scaling is outside the {} bound", bound), true,
                              gen_kernel_case(first, kMaxKernelPosition, gen_scaled_spec()), [profile](const KernelCase& c) {
                                check_matches_reference(c, {kernel_bugs::scaling_ignored()}, profile);
                              }));
  // Multi-axis positions: a version 1 plugin declines them (skipped, unsupported).
  b.push_back(implementation_entry("multi_axis", fmt::format("{}: multi-axis positions (M-RoPE, 2-D vision) within the {} bound", who, bound), declared,
                           gen_kernel_case(first, kMaxKernelPosition, gen_multi_axis_spec()),
                           [kernel, profile](const KernelCase& c) { check_matches_reference(c, *kernel, profile); }));
  add_multi_axis_controls(b, profile);
  add_shipped_bug_entries(b, who, kernel, declared, first, profile, /*high_positions=*/true);
  add_shipped_bug_controls(b, profile, /*high_positions=*/true);
  add_relative_position_controls(b, profile);
  return b;
}

std::vector<BatteryEntry> model_battery(std::shared_ptr<const std::vector<KernelUnderTest>> under_test,
                                        const std::vector<ModelLayerSpec>& layers, const std::vector<Dtype>& dtypes,
                                        numeric::Profile profile) {
  std::vector<BatteryEntry> b;
  if (under_test->empty() || dtypes.empty()) return b;
  const std::string who = under_test->size() == 1 ? under_test->front().name : "kernels";
  const std::string bound(numeric::to_string(profile));
  for (const ModelLayerSpec& layer : layers) {
    const rc::Gen<RopeSpec> spec = rc::gen::just(layer.spec);
    add_implementation_entries(b, fmt::format("{}: {}", who, layer.layer_type), layer.layer_type + ".", under_test, spec,
                               dtypes, profile);
    // The model's own cases catch the two bugs a model-specific implementation ships most.
    if (layer.spec.rotary_dim > 2) {
      b.push_back(generated_entry(fmt::format("{}: a swapped layout is outside the {} bound", layer.layer_type, bound), true,
                                  gen_kernel_case(Dtype::f32, kMaxKernelPosition, spec), [profile](const KernelCase& c) {
                                    check_matches_reference(c, {kernel_bugs::swapped_layout()}, profile);
                                  }));
    }
    if (layer.spec.rotary_offset > 0) {
      b.push_back(generated_entry(fmt::format("{}: rotating dims [0, {}) instead of [{}, {}) is outside the {} bound",
                                              layer.layer_type, layer.spec.rotary_dim, layer.spec.rotary_offset,
                                              layer.spec.rotary_offset + layer.spec.rotary_dim, bound),
                                  true, gen_kernel_case(Dtype::f32, kMaxKernelPosition, spec), [profile](const KernelCase& c) {
                                    check_matches_reference(c, {kernel_bugs::rotary_offset_ignored()}, profile);
                                  }));
    }
    if (layer.spec.position_scale) {
      b.push_back(generated_entry(fmt::format("{}: its position scale on the other role is outside the {} bound",
                                              layer.layer_type, bound),
                                  true, gen_kernel_case(Dtype::f32, kMaxKernelPosition, spec), [profile](const KernelCase& c) {
                                    check_matches_reference(c, {kernel_bugs::position_scale_on_the_other_role()}, profile);
                                  }));
    }
    if (position_axes(layer.spec) > 1) {
      const std::size_t axes = position_axes(layer.spec);
      b.push_back(generated_entry(fmt::format("{}: its {} and {} components exchanged is outside the {} bound",
                                              layer.layer_type, axis_name(layer.spec, axes - 2),
                                              axis_name(layer.spec, axes - 1), bound),
                                  true, gen_kernel_case(Dtype::f32, kMaxKernelPosition, spec), [profile](const KernelCase& c) {
                                    check_matches_reference(c, {kernel_bugs::height_width_swapped()}, profile);
                                  }));
    }
    if (layer.spec.mrope_interleaved) {
      b.push_back(generated_entry(fmt::format("{}: its sections read chunked is outside the {} bound", layer.layer_type, bound),
                                  true, gen_kernel_case(Dtype::f32, kMaxKernelPosition, spec), [profile](const KernelCase& c) {
                                    check_matches_reference(c, {kernel_bugs::mrope_interleaving_ignored()}, profile);
                                  }));
    }
    if (layer.spec.scaling.type != ScalingType::none) {
      b.push_back(generated_entry(fmt::format("{}: dropping its {} scaling is outside the {} bound", layer.layer_type,
                                              to_string(layer.spec.scaling.type), bound),
                                  true, gen_kernel_case(Dtype::f32, kMaxKernelPosition, spec), [profile](const KernelCase& c) {
                                    check_matches_reference(c, {kernel_bugs::scaling_ignored()}, profile);
                                  }));
    }
  }
  add_relative_position_controls(b, profile);
  return b;
}

namespace {

// The rotation's properties over specs with scaling (properties/scaled_form_properties.cc).
void add_scaled_entries(std::vector<BatteryEntry>& b) {
  const auto matrix_case = [] { return *gen_matrix_case(gen_scaled_spec()); };
  const auto rope_case = [] { return *gen_rope_case(gen_scaled_spec()); };
  b.push_back(drawing_entry("scaled: R_m^T R_m = s^2 I", false, [=] { check_orthogonal(matrix_case(), reference_matrix); }));
  b.push_back(drawing_entry("scaled: attention factor twice is not s^2 I", true,
                            [=] { check_orthogonal(matrix_case(), bugs::rotation_matrix_attention_twice); }));
  b.push_back(drawing_entry("scaled: R_m^T R_n = s R_{n-m}", false, [=] { check_relative_rotation(matrix_case(), reference_matrix); }));
  b.push_back(drawing_entry("scaled: dynamic NTK base per position breaks R_m^T R_n = s R_{n-m}", true, [=] {
    check_relative_rotation(matrix_case(), bugs::rotation_matrix_dynamic_base_per_position);
  }));
  b.push_back(drawing_entry("scaled: |R_m x| = s|x| on rotary dims", false, [=] { check_norm_preserved(rope_case(), reference_rope); }));
  b.push_back(drawing_entry("scaled: attention factor twice changes norms", true,
                            [=] { check_norm_preserved(rope_case(), bugs::apply_attention_twice); }));
  b.push_back(drawing_entry("scaled: score depends on n-m only", false, [=] { check_score_shift_invariant(rope_case(), reference_rope); }));
  b.push_back(drawing_entry("scaled: dynamic NTK base per position is not shift invariant", true, [=] {
    check_score_shift_invariant(rope_case(), bugs::apply_dynamic_base_per_position);
  }));
  b.push_back(drawing_entry("scaled: dense, sparse, complex and rotate_half forms agree", false,
                            [=] { check_forms_agree(rope_case(), reference_rope); }));
  b.push_back(drawing_entry("scaled: complex form without apply_scaling disagrees", true, [=] {
    RopeCase c = rope_case();
    c.spec.layout = Layout::interleaved;
    check_forms_agree(c, bugs::apply_complex_unscaled);
  }));
}

}  // namespace

std::vector<BatteryEntry> reference_battery() {
  const Form rope = reference_rope;
  const Form sinusoidal = reference::sinusoidal_encode<Real>;
  const Form in_place = bugs::apply_in_place_update;
  std::vector<BatteryEntry> b;
  b.push_back(entry<MatrixCase>("rotation is orthogonal", false, [](const MatrixCase& c) { check_orthogonal(c, reference_matrix); }));
  b.push_back(entry<MatrixCase>("in-place pair update is not orthogonal", true,
                              [](const MatrixCase& c) { check_orthogonal(c, bugs::rotation_matrix_in_place_update); }));
  b.push_back(entry<MatrixCase>("R_m^T R_n = R_{n-m}", false, [](const MatrixCase& c) { check_relative_rotation(c, reference_matrix); }));
  b.push_back(entry<MatrixCase>("bf16 positions break R_m^T R_n = R_{n-m}", true,
                              [](const MatrixCase& c) { check_relative_rotation(c, bugs::rotation_matrix_bf16_positions); }));
  b.push_back(entry<RopeCase>("norm is preserved", false, [rope](const RopeCase& c) { check_norm_preserved(c, rope); }));
  b.push_back(entry<RopeCase>("in-place pair update changes norms", true,
                              [in_place](const RopeCase& c) { check_norm_preserved(c, in_place); }));
  b.push_back(entry<RopeCase>("dense, sparse, complex and rotate_half forms agree", false,
                              [rope](const RopeCase& c) { check_forms_agree(c, rope); }));
  b.push_back(entry<RopeCase>("reversed rotation disagrees with the forms", true,
                              [](const RopeCase& c) { check_forms_agree(c, bugs::apply_reversed); }));
  b.push_back(entry<RopeCase>("swapped layout disagrees with the forms", true,
                              [](const RopeCase& c) { check_forms_agree(c, bugs::apply_swapped_layout); }));
  b.push_back(entry<RopeCase>("half_split = P interleaved P^-1", false, [](const RopeCase& c) {
    check_half_split_is_permuted_interleaved(c, reference::apply_rotate_half<Real>);
  }));
  b.push_back(entry<RopeCase>("MLA: interleaved and HF's permuted half_split give equal scores", false,
                              [](const RopeCase& c) { check_permuted_half_split_scores_agree(c, true); }));
  b.push_back(entry<RopeCase>("MLA: permuting q but not k changes the scores", true,
                              [](const RopeCase& c) { check_permuted_half_split_scores_agree(c, false); }));
  b.push_back(entry<RopeCase>("rotate_half with swapped halves is not permuted interleaved", true, [](const RopeCase& c) {
    check_half_split_is_permuted_interleaved(c, bugs::apply_rotate_half_swapped_halves);
  }));
  b.push_back(entry<RopeCase>("score depends on n-m only", false, [rope](const RopeCase& c) { check_score_shift_invariant(c, rope); }));
  b.push_back(entry<RopeCase>("sinusoidal additive PE score is not shift invariant", true,
                              [sinusoidal](const RopeCase& c) { check_score_shift_invariant(c, sinusoidal); }));
  b.push_back(entry<AttentionCase>("softmax attention is shift invariant", false,
                                   [rope](const AttentionCase& c) { check_softmax_attention_shift_invariant(c, rope); }));
  b.push_back(entry<AttentionCase>("sinusoidal softmax attention is not shift invariant", true, [sinusoidal](const AttentionCase& c) {
    check_softmax_attention_shift_invariant(c, sinusoidal);
  }));
  b.push_back(entry<AttentionCase>("linear attention is shift invariant", false,
                                   [rope](const AttentionCase& c) { check_linear_attention_shift_invariant(c, rope); }));
  b.push_back(entry<AttentionCase>("bf16 positions break linear attention shift invariance", true, [](const AttentionCase& c) {
    check_linear_attention_shift_invariant(c, bugs::apply_bf16_positions);
  }));
  b.push_back(entry<RopeCase>("Abel summation by parts", false,
                              [](const RopeCase& c) { check_abel_identity(c, reference::abel_by_parts<Real>); }));
  b.push_back(entry<RopeCase>("shifted partial sums break the Abel identity", true,
                              [](const RopeCase& c) { check_abel_identity(c, bugs::abel_by_parts_shifted_partial_sums); }));
  b.push_back(entry<RopeCase>("|score| <= |sum| <= Abel bound", false,
                              [](const RopeCase& c) { check_abel_bound(c, reference::abel_bound<Real>); }));
  b.push_back(entry<RopeCase>("bound without the boundary term fails", true,
                              [](const RopeCase& c) { check_abel_bound(c, bugs::abel_bound_without_boundary_term); }));
  const DecayFn decay = [](std::size_t r, double base, const Real& dist) { return reference::decay_point<Real>(r, base, dist); };
  b.push_back(entry<DecayCase>("f(0) = (R/2+1)/2 exactly", false, [decay](const DecayCase& c) { check_decay_at_zero(c, decay); }));
  b.push_back(entry<DecayCase>("exclusive partial sums miss f(0)", true,
                               [](const DecayCase& c) { check_decay_at_zero(c, bugs::decay_point_exclusive_sums); }));
  b.push_back(entry<DecayCase>("f(D) <= f(0)", false, [decay](const DecayCase& c) { check_decay_never_exceeds_zero_distance(c, decay); }));
  b.push_back(entry<DecayCase>("dropping the imaginary unit exceeds f(0)", true, [](const DecayCase& c) {
    check_decay_never_exceeds_zero_distance(c, bugs::decay_point_real_exponent);
  }));
  b.push_back(entry<DecayTrendCase>("decay octave maxima decrease up to the turn", false,
                                    [](const DecayTrendCase& c) { check_decay_trend(c, reference_frequencies); }));
  b.push_back(entry<DecayTrendCase>("inverted frequency exponent has no decay trend", true,
                                    [](const DecayTrendCase& c) { check_decay_trend(c, bugs::frequencies_inverted_exponent); }));
  add_scaled_entries(b);
  b.push_back(entry<RopeCase>("MPFR and cpp_bin_float agree", false,
                              [](const RopeCase& c) { check_backends_agree(c, cross_check_rope); }));
  b.push_back(entry<RopeCase>("a double-precision backend fails the agreement", true,
                              [](const RopeCase& c) { check_backends_agree(c, double_precision_rope); }));
  return b;
}

std::string id_of_name(std::string_view name) {
  std::string id;
  bool gap = false;
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    if (!keep) {
      gap = !id.empty();
      continue;
    }
    if (gap) id += '_';
    gap = false;
    id += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  return id;
}

std::vector<BatteryOutcome> run_battery(const std::vector<BatteryEntry>& battery, const rc::detail::TestParams& params,
                                        const std::function<void(const BatteryOutcome&, std::size_t)>& on_done) {
  std::vector<BatteryOutcome> outcomes;
  for (const BatteryEntry& e : battery) {
    BatteryOutcome o;
    o.name = e.name;
    o.id = e.id.empty() ? id_of_name(e.name) : e.id;
    o.negative_control = e.negative_control;
    rc::detail::TestParams entry_params = params;
    if (e.negative_control) {
      entry_params.maxSuccess = std::max(params.maxSuccess, kNegativeControlCases);
      entry_params.disableShrinking = true;  // see the contract in battery.h
    }
    const rc::detail::TestResult result = e.run(entry_params);
    rc::detail::SuccessResult success;
    rc::detail::FailureResult failure;
    if (result.match(success)) {
      o.ok = !e.negative_control;
      o.cases = success.numSuccess;
      if (e.negative_control) o.detail = "the wrong variant was not caught";
      if (e.declined && e.declined->measured == 0 && e.declined->declined > 0) {
        o.ok = false;
        o.skipped = true;
        o.detail = e.declined->first_reason;
      }
    } else if (result.match(failure)) {
      o.ok = e.negative_control;
      o.cases = failure.numSuccess + 1;
      std::ostringstream text;
      // RapidCheck's description is "file:line:\nRC_FAIL(...)\n\nmessage": keep the message.
      const std::string& message = failure.description;
      const std::size_t last = message.find_last_not_of('\n');
      text << (last == std::string::npos ? message : message.substr(message.rfind('\n', last) + 1, std::string::npos));
      for (const auto& [type, value] : failure.counterExample) text << "\n    " << value;
      o.detail = text.str();
    } else {
      std::ostringstream text;
      rc::detail::printResultMessage(result, text);
      o.detail = text.str();
    }
    if (e.declined && e.declined->declined > 0 && !o.skipped) {
      o.declined_cases = e.declined->declined;
      o.declined_reason = e.declined->first_reason;
    }
    outcomes.push_back(o);
    on_done(outcomes.back(), outcomes.size());
  }
  return outcomes;
}

}  // namespace ropecheck::props
