// Why a candidate fails: hypotheses about the bug, each tested by recomputing the
// reference under it (rope_variant.h) and measuring the candidate against that with the
// same bounds as the gate (numeric::measure). A hypothesis explains the candidate when
// every element is within the bound of a profile tighter than any the candidate meets
// against the golden itself (a candidate that passes f32-angle is only explained by a
// hypothesis it meets under exact); the tightest such profile is kept.
//
// Hypotheses (the bugs real implementations shipped):
//   swapped_layout         interleaved ↔ half_split (HF rotate_half on Meta-layout weights)
//   reversed_rotation      angle −m·θ (sin with the wrong sign)
//   position_shift         positions m + k, k = ±1 … ±8 (off-by-one in KV-cache offsets)
//   <what>_in_<dtype>      positions, frequencies, angles, the cos/sin table, or positions
//                          and frequencies together, rounded to bf16 or f16
//   other_base             base 1e4, 1e5, 5e5, 1e6 or 1e7 instead of the golden's
//   rotary_dim             R/2, 2R or head_dim pairs rotated instead of R (not for longrope,
//                          whose factor lists are per pair)
//   theta_from_head_dim    θ_i = base^(−2i/head_dim) while rotating R < head_dim dims
//   output_scale           unscaled goldens: outputs multiplied by a constant s,
//                          |s − 1| ≥ kSmallestScaleBug (fitted by least squares)
//   in_place_update        b' computed from the already-updated a' (not a rotation)
//   truncated_output       narrow output truncated instead of rounded to nearest even
//   default_base           base 10000 where the golden's differs (rope_theta not read)
//   proportional_as_partial / partial_as_proportional
//                          Gemma 4's proportional rotary read as ordinary partial rotary,
//                          and the reverse
//   positions_overflow_int16  positions wrapped modulo 2^16
//   cache_too_short        a cos/sin cache of L rows, wrapped (m mod L) or clamped (L − 1)
//   other_pair_order       the right rotation written in the other layout's pair order
// Multi-axis goldens (position_axes.h; the bugs of vllm-gaudi #1437, vLLM #40680, mlx-lm
// #1768, Liger #276 and #464, sgl-kernel-xpu #202, vLLM #9965):
//   mrope_interleaving_ignored       Qwen3-VL's sections read with the chunked mapping
//   mrope_interleave_shifted         its t, h, w triples rotated by one step (vLLM #40680's
//                                    "cyclically shifted values", no formula published)
//   mrope_sections_not_doubled       a width-R table split by [s_t, s_h, s_w] as given
//   mrope_sections_doubled_in_value  … or by [2s_t, 2s_h, 2s_w]
//   height_width_swapped             h ↔ w (row ↔ column)
//   first_component_for_every_axis   t (or the row) on every axis
//   one_dimensional_positions        each token's index in its sequence on every axis
//   batch_row_0_positions            every batch row with row 0's positions
//   cache_too_short                  read at each component; L also the grid's context
// Hypotheses that rotate another number of pairs are not tried on multi-axis goldens.
// Scaled goldens (the bugs of llama.cpp #8650, vLLM #27431/#46280, sglang #22711, HF #33783):
//   scaling_missing        plain θ_i and attention 1
//   scaling_applied_twice  θ_i·ρ_i², ρ_i = scaled θ_i / plain θ_i (the frequency factor twice)
//   attention_factor       another attention factor: 1, the golden's squared, YaRN's default
//                          0.1·ln s + 1, mscale alone, DeepSeek's softmax scale, LongRoPE's
//                          sqrt(1 + ln f/ln L) from factor or from the context ratio — each
//                          named by its formula — else the least-squares fit, named by value
//   original_context       original_max_position_embeddings (dynamic: max_position_embeddings;
//                          yarn: its correction context) set to the model's other length or
//                          2k…128k
//   longrope_other_factors short and long factor lists swapped (the switch misplaced)
//   llama3_smoothing       llama3's smooth factor without its parentheses
//
// Hypotheses with the same exact output on the case are one explanation (same_output).
// A hypothesis whose own exact output equals the golden's on this case (within
// kIndistinguishableRatio of the exact bound) cannot be told apart from the correct result there (head_dim 2: both layouts are one pair) and is not
// listed. Besides the hypotheses, the pair norms are compared: a rotation keeps ‖(a', b')‖ =
// s‖(a, b)‖, and a change beyond kNotARotationChange is reported unless a hypothesis that
// is a rotation with other pairs (layout, rotary_dim, …) already explains the candidate.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ropecheck/golden/golden_file.h"
#include "ropecheck/numeric/error_model.h"

namespace ropecheck::gate {

// The largest relative change of a pair's norm any profile allows is (K + 1)·u_c for
// bf16-compute ≈ 4·2^-8 = 1.6% (rounding each element of the pair by ≤ that relative
// amount changes the norm by at most as much). Twice that cannot come from rounding.
inline constexpr double kNotARotationChange = 1.0 / 32;
// A scale within 2^-8 of 1 is indistinguishable from bf16 rounding; real attention-factor
// bugs are ≥ 3% (YaRN's 0.1·ln(factor) + 1 at factor 1.35 and up).
inline constexpr double kSmallestScaleBug = 1.0 / 256;
// A hypothesis whose exact output is this close to the golden's (in units of the `exact`
// bound) is the correct result on that case. The same value computed another way in
// double differs by ~2^-53 relative, about 2^-29 of an f32 bound; a real bug moves at
// least one element by about half an output ulp (ratio ~1) — truncation is the smallest.
inline constexpr double kIndistinguishableRatio = 1.0 / 1024;

struct Diagnosis {
  std::string name;         // the hypothesis, as listed above
  std::string description;  // "matches layout half_split (golden is interleaved)"
  numeric::Profile profile = numeric::Profile::exact;  // tightest profile it fits in
  double peak_ratio = 0;    // peak error / bound under that profile
  // Other hypotheses whose exact output on this case is the same (within
  // kIndistinguishableRatio): the case cannot tell them apart.
  std::vector<std::string> same_output;
};

struct DiagnosisReport {
  std::vector<Diagnosis> explanations;  // tightest profile first, then by peak ratio
  std::string norm_finding;             // empty when every pair norm is kept
};

// `passes` is the tightest profile the candidate meets against the golden, if any.
DiagnosisReport diagnose(const golden::Golden& g, std::span<const double> candidate,
                         std::optional<numeric::Profile> passes);

}  // namespace ropecheck::gate
