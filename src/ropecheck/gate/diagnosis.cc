#include "ropecheck/gate/diagnosis.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "ropecheck/gate/rope_variant.h"
#include "ropecheck/numeric/measure.h"
#include "ropecheck/numeric/ulp.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/forms.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/position_scale.h"

namespace ropecheck::gate {
namespace {

struct Hypothesis {
  std::string name;
  std::string description;
  RopeVariant variant;
};

constexpr double kCommonBases[] = {1e4, 1e5, 5e5, 1e6, 1e7};
constexpr std::int64_t kMaxShift = 8;
constexpr double kDefaultBase = 1e4;          // HF's rope_theta default
// The cache screen: a token is "off" when an element misses the golden by more than this
// fraction of the token's largest input (times the attention factor). bf16 compute, the
// loosest profile, moves an element by about 4·2^-8 of it; a wrong cos/sin row moves it by
// order 1 except at tiny angle differences, which the measured hypotheses then settle.
constexpr double kScreenRelative = 1.0 / 16;

// Least-squares factor s minimising Σ (candidate − s·expected)² over finite rotary elements.
double fitted_scale(const golden::Golden& g, std::span<const double> candidate) {
  double num = 0, den = 0;
  for (std::size_t k = 0; k < candidate.size(); ++k) {
    if (!g.spec.rotates(k % g.spec.head_dim)) continue;
    if (!std::isfinite(candidate[k]) || !std::isfinite(g.expected[k])) continue;
    num += candidate[k] * g.expected[k];
    den += g.expected[k] * g.expected[k];
  }
  return den > 0 ? num / den : 1;
}

// The attention factors real implementations computed instead of the right one, each
// with the formula that gives it (HF/DeepSeek/Phi-3 rules, reference/frequencies.cc).
struct NamedFactor {
  double value;
  std::string formula;
};

std::vector<NamedFactor> known_attention_factors(const Scaling& s, double golden_factor) {
  std::vector<NamedFactor> known{{1.0, "1, none applied"}, {golden_factor * golden_factor, "the factor applied twice"}};
  const auto mscale = [](double factor, double m) { return factor <= 1 ? 1.0 : 0.1 * m * std::log(factor) + 1; };
  if (s.type == ScalingType::yarn) {
    const double f = *s.factor;
    known.push_back({mscale(f, 1), fmt::format("0.1·ln({:g}) + 1, YaRN's default (mscale/mscale_all_dim ignored)", f)});
    if (s.mscale) {
      known.push_back({mscale(f, *s.mscale), fmt::format("0.1·{:g}·ln({:g}) + 1, mscale without mscale_all_dim", *s.mscale, f)});
    }
    if (s.mscale_all_dim) {
      const double softmax = mscale(f, *s.mscale_all_dim);
      known.push_back({softmax * softmax, fmt::format("(0.1·{:g}·ln({:g}) + 1)², DeepSeek's softmax scale on cos/sin",
                                                      *s.mscale_all_dim, f)});
    }
  }
  if (s.type == ScalingType::longrope && s.original_max_position_embeddings) {
    const double original = *s.original_max_position_embeddings;
    for (const auto& [f, what] : {std::pair{s.factor, "factor"}, std::pair{s.max_position_embeddings ? std::optional(*s.max_position_embeddings / original) : std::nullopt, "max_position_embeddings/original"}}) {
      if (!f || *f <= 1) continue;
      known.push_back({std::sqrt(1 + std::log(*f) / std::log(original)),
                       fmt::format("sqrt(1 + ln f/ln {:g}) with f = {} = {:g}", original, what, *f)});
    }
  }
  return known;
}

// Scaling bugs: the scaling missing, its per-pair frequency factor applied twice, another
// attention factor (a known formula's value, else the fitted one), another original
// context, LongRoPE's other factor list.
template <class Add>
void add_scaling_hypotheses(const golden::Golden& g, std::span<const double> candidate, Add&& add) {
  const Scaling& s = g.spec.scaling;
  if (s.type == ScalingType::none) return;
  const std::string type(to_string(s.type));
  const double golden_factor = RopeVariant::of(g).attention_factor;
  add("scaling_missing", fmt::format("matches no scaling (plain θ_i, attention 1): the golden's {} scaling is not applied", type),
      [](RopeVariant& v) {
        v.scaling = Scaling{};
        v.attention_factor = 1;
      });
  add("scaling_applied_twice", fmt::format("matches the {} frequency scaling applied twice (θ_i·ρ_i², ρ_i its per-pair factor)", type),
      [](RopeVariant& v) { v.scaling_twice = true; });
  // The least-squares ratio candidate/expected is the candidate's attention factor over
  // the golden's; a known formula within half the smallest bug of it is named instead.
  const double fitted = fitted_scale(g, candidate) * golden_factor;
  bool fitted_is_known = false;
  std::vector<double> tried = {golden_factor};
  for (const NamedFactor& known : known_attention_factors(s, golden_factor)) {
    // The golden's own factor and values already tried (formulas that coincide) are skipped.
    if (std::any_of(tried.begin(), tried.end(), [&](double t) { return std::fabs(known.value / t - 1) < kSmallestScaleBug; })) {
      continue;
    }
    tried.push_back(known.value);
    fitted_is_known |= std::fabs(fitted / known.value - 1) < kSmallestScaleBug / 2;
    add("attention_factor", fmt::format("matches attention factor {:.9g} = {} (golden's is {:.9g})", known.value, known.formula, golden_factor),
        [&](RopeVariant& v) { v.attention_factor = known.value; });
  }
  if (!fitted_is_known && std::isfinite(fitted) && std::fabs(fitted / golden_factor - 1) >= kSmallestScaleBug) {
    add("attention_factor", fmt::format("matches attention factor {:.6g}, fitted (golden's is {:.9g})", fitted, golden_factor),
        [&](RopeVariant& v) { v.attention_factor = fitted; });
  }
  // The context length a type reads (yarn: its correction context; dynamic: M), tried at
  // the model's other length and at the common ones. The variant's attention factor is
  // recomputed, as LongRoPE's depends on the original context.
  const bool dynamic = s.type == ScalingType::dynamic;
  const bool yarn_max = s.type == ScalingType::yarn &&
                        (s.yarn_context == YarnContext::max_position_embeddings || !s.original_max_position_embeddings);
  const std::optional<double> context =
      dynamic || yarn_max ? s.max_position_embeddings : s.original_max_position_embeddings;
  if (s.type != ScalingType::linear && context) {
    // The model's own other length first, then the common ones.
    std::vector<double> others;
    others.reserve(8);
    if (s.original_max_position_embeddings) others.push_back(*s.original_max_position_embeddings);
    if (s.max_position_embeddings) others.push_back(*s.max_position_embeddings);
    for (const double common : {2048.0, 4096.0, 8192.0, 16384.0, 32768.0, 131072.0}) others.push_back(common);
    std::vector<double> tried_contexts;
    for (const double other : others) {
      if (other == *context || std::find(tried_contexts.begin(), tried_contexts.end(), other) != tried_contexts.end()) continue;
      tried_contexts.push_back(other);
      const char* key = dynamic ? "max_position_embeddings" : "original_max_position_embeddings";
      add("original_context", fmt::format("matches {} = {:g} (golden's context is {:g})", key, other, *context),
          [&](RopeVariant& v) {
            (dynamic ? v.scaling.max_position_embeddings : v.scaling.original_max_position_embeddings) = other;
            v.scaling.yarn_context.reset();
            RopeSpec spec = g.spec;
            spec.scaling = v.scaling;
            v.attention_factor = static_cast<double>(reference::attention_factor<reference::Real>(spec));
          });
    }
  }
  if (s.type == ScalingType::llama3 && *s.high_freq_factor != *s.low_freq_factor) {
    add("llama3_smoothing",
        "matches llama3's smooth factor without its parentheses: (L/λ)/high − low instead of (L/λ − low)/(high − low)",
        [](RopeVariant& v) { v.llama3_unparenthesized_smooth = true; });
  }
  if (s.type == ScalingType::longrope) {
    add("longrope_other_factors", "matches LongRoPE's other factor list (short ↔ long: the switch at the original context)",
        [](RopeVariant& v) { std::swap(v.scaling.short_factor, v.scaling.long_factor); });
  }
}

// Gemma 4's proportional RoPE and ordinary partial rotary mistaken for each other
// (Megatron-Bridge #4195): proportional rotates A = ⌊p·R/2⌋ half_split pairs (i, i + R/2)
// with θ_i = base^(−2i/R); partial rotary rotates its first 2A dims as pairs (i, i + A)
// with θ_i = base^(−2i/2A).
template <class Add>
void add_proportional_hypotheses(const golden::Golden& g, Add&& add) {
  const Scaling& s = g.spec.scaling;
  if (s.type == ScalingType::proportional) {
    const std::size_t rotating = proportional_rotating_pairs(g.spec);
    if (rotating == 0 || 2 * rotating == g.spec.rotary_dim) return;
    add("proportional_as_partial",
        fmt::format("matches ordinary partial rotary over {} dims (pairs (i, i+{}), θ_i = base^(−2i/{})): the golden is "
                    "proportional, {} pairs (i, i+{}) with θ_i = base^(−2i/{})",
                    2 * rotating, rotating, 2 * rotating, rotating, g.spec.rotary_dim / 2, g.spec.rotary_dim),
        [&](RopeVariant& v) {
          v.rotary_dim = v.theta_dim = 2 * rotating;
          Scaling partial;
          if (s.factor && *s.factor != 1) {
            partial.type = ScalingType::linear;
            partial.factor = s.factor;
          }
          v.scaling = partial;
        });
    return;
  }
  const std::size_t r = g.spec.rotary_dim, d = g.spec.head_dim;
  if (s.type != ScalingType::none || r < 2 || r >= d || d % 2 != 0 || g.spec.rotary_offset != 0) return;
  add("partial_as_proportional",
      fmt::format("matches proportional rotary (Gemma 4's): {} pairs (i, i+{}) over the whole head, θ_i = base^(−2i/{}); "
                  "the golden rotates its first {} dims",
                  r / 2, d / 2, d, r),
      [&](RopeVariant& v) {
        v.layout = Layout::half_split;
        v.rotary_dim = v.theta_dim = d;
        v.scaling = Scaling{};
        v.scaling.type = ScalingType::proportional;
        v.scaling.partial_rotary_factor = static_cast<double>(r) / static_cast<double>(d);
      });
}

// Where a cache too short starts to show: the smallest position whose token is off the
// golden by more than bf16 rounding could make it (a rough screen that only picks which
// lengths to try; each is then measured with the real bounds), and the largest position
// below it whose token is not. A cache of L rows is right below L and wrong from L on, so
// L lies in (agrees, differs]. nullopt when no token is off.
struct CacheWindow {
  std::int64_t agrees = -1, differs = 0;
};
std::optional<CacheWindow> cache_window(const golden::Golden& g, std::span<const double> candidate, double attention_factor) {
  const std::size_t row = g.heads * g.spec.head_dim;
  const double attention = std::max(1.0, attention_factor);
  std::vector<bool> off(g.tokens, false);
  for (std::size_t t = 0; t < g.tokens; ++t) {
    double scale = 0, worst = 0;
    for (std::size_t k = t * row; k < (t + 1) * row; ++k) {
      if (!std::isfinite(g.expected[k])) continue;
      scale = std::max(scale, std::fabs(g.x[k]));
      worst = std::max(worst, std::isfinite(candidate[k]) ? std::fabs(candidate[k] - g.expected[k]) : HUGE_VAL);
    }
    off[t] = worst > kScreenRelative * scale * attention;
  }
  // A token reads the cache at each of its components: its largest decides whether it
  // reaches beyond the cache.
  const PositionsView positions(g.positions, g.axes);
  std::vector<std::int64_t> reach(g.tokens);
  for (std::size_t t = 0; t < g.tokens; ++t) {
    const std::span<const std::int64_t> token = positions.token(t);
    reach[t] = *std::max_element(token.begin(), token.end());
  }
  std::optional<CacheWindow> w;
  for (std::size_t t = 0; t < g.tokens; ++t) {
    if (off[t] && (!w || reach[t] < w->differs)) w = CacheWindow{-1, reach[t]};
  }
  if (!w) return w;
  for (std::size_t t = 0; t < g.tokens; ++t) {
    if (!off[t] && reach[t] < w->differs) w->agrees = std::max(w->agrees, reach[t]);
  }
  return w;
}

// Positions that do not reach the rotation intact: stored in int16 (vLLM-Ascend #1266),
// or looked up in a cos/sin cache shorter than the golden's positions (pegainfer #220),
// wrapped or clamped at its length L. L is tried at the powers of two and the model's
// context lengths inside the window where the candidate turns wrong (cache_window), and at
// its upper end; lengths the positions cannot tell apart are merged (diagnose).
template <class Add>
void add_position_range_hypotheses(const golden::Golden& g, std::span<const double> candidate, double attention_factor,
                                   Add&& add) {
  const std::int64_t largest = *std::max_element(g.positions.begin(), g.positions.end());
  if (largest >= 32768) {
    add("positions_overflow_int16", "matches positions stored in int16 (m wraps modulo 65536 above 32767)",
        [](RopeVariant& v) { v.positions_wrap_int16 = true; });
  }
  const std::optional<CacheWindow> window = cache_window(g, candidate, attention_factor);
  if (!window || window->differs < 1) return;
  const auto inside = [&](std::int64_t l) { return l > window->agrees && l <= window->differs; };
  std::vector<std::int64_t> lengths{window->differs};
  for (std::int64_t l = 1; l <= largest; l *= 2) {
    if (inside(l)) lengths.push_back(l);
  }
  // The M-RoPE grid's context: vLLM's cache was that long before it was made 4× (#9965).
  const std::optional<double> grid = g.grid_context ? std::optional(static_cast<double>(*g.grid_context)) : std::nullopt;
  for (const auto& context : {g.spec.scaling.original_max_position_embeddings, g.spec.scaling.max_position_embeddings, grid}) {
    if (context && *context >= 1 && *context <= static_cast<double>(largest) && inside(static_cast<std::int64_t>(*context))) {
      lengths.push_back(static_cast<std::int64_t>(*context));
    }
  }
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  for (const std::int64_t l : lengths) {
    add("cache_too_short", fmt::format("matches a cos/sin cache of L = {} rows read at m mod L: positions ≥ {} wrap", l, l),
        [l](RopeVariant& v) {
          v.cache_length = l;
          v.cache_wraps = true;
        });
    add("cache_too_short", fmt::format("matches a cos/sin cache of L = {} rows clamped at row L − 1: positions ≥ {} all read "
                                       "position {}", l, l, l - 1),
        [l](RopeVariant& v) { v.cache_length = l; });
  }
}

// DeepSeek MLA: only q_pe, dims [o, o + R) after q_nope, rotates. A port that rotates the
// whole head (θ over D) or the first R dims (part of q_nope) instead.
template <class Add>
void add_mla_slice_hypotheses(const golden::Golden& g, Add&& add) {
  const std::size_t r = g.spec.rotary_dim, d = g.spec.head_dim, offset = g.spec.rotary_offset;
  if (d % 2 == 0 && g.spec.scaling.type != ScalingType::longrope) {
    add("rotation_on_whole_head",
        fmt::format("matches RoPE over the whole {}-dim head (θ_i = base^(−2i/{})): only dims [{}, {}) should rotate "
                    "(MLA's q_pe after q_nope)",
                    d, d, offset, offset + r),
        [d](RopeVariant& v) {
          v.rotary_offset = 0;
          v.rotary_dim = v.theta_dim = d;
        });
  }
  add("rotation_on_nope_part",
      fmt::format("matches the rotation applied to dims [0, {}) (the nope part) instead of [{}, {}) (MLA's q_pe)", r, offset,
                  offset + r),
      [](RopeVariant& v) { v.rotary_offset = 0; });
}

// A position-dependent output scale (Llama 4's NoPE temperature, Mistral 3's β scale)
// missing, applied to the role it is not for, or at m + 1 instead of m (and back).
template <class Add>
void add_position_scale_hypotheses(const golden::Golden& g, Add&& add) {
  if (!g.spec.position_scale) return;
  const PositionScale& p = *g.spec.position_scale;
  const std::string formula = fmt::format("σ(m) = 1 + {:g}·ln(1 + ⌊(m + {})/{}⌋)", p.beta, p.position_offset, p.floor_scale);
  const std::string_view role = to_string(*g.spec.role), target = to_string(p.applies_to);
  if (!scales_positions(g.spec)) {
    add("position_scale_on_" + std::string(role),
        fmt::format("matches the output scaled by {}: the {} scale is applied to the {} as well", formula, target, role),
        [&](RopeVariant& v) { v.position_scale = p; });
    return;
  }
  add("position_scale_missing",
      fmt::format("matches the output without the position scale {}: the {} is not scaled", formula, role),
      [](RopeVariant& v) { v.position_scale.reset(); });
  for (const std::int64_t other : {p.position_offset + 1, p.position_offset - 1}) {
    if (other < 0) continue;
    add("position_scale_offset",
        fmt::format("matches the position scale at m {:+d} instead of m {:+d} (Llama 4 takes cache_position + 1, "
                    "Mistral 3 the position itself)",
                    other, p.position_offset),
        [&](RopeVariant& v) { v.position_scale->position_offset = other; });
  }
}

// Multi-axis positions read wrong, each the way a shipped port did (position_axes.h):
//  - mrope_interleaving_ignored: Qwen3-VL's interleaved sections run with the chunked
//    mapping (vllm-gaudi #1437 split/concat regardless of the flag; vllm-fork #2117 did
//    not pass it on);
//  - mrope_sections_not_doubled / mrope_sections_doubled_in_value: a width-R rotate_half
//    table split into sections column by column with [s_t, s_h, s_w] as they are (the
//    second half all w) or with each doubled in value (2s_t, 2s_h, 2s_w: `mrope_section *
//    2` on an array), instead of HF's list repetition; a pair's two elements then read
//    different components;
//  - height_width_swapped: h and w (row and column) exchanged;
//  - first_component_for_every_axis: temporal-only RoPE, t on every axis (sgl-kernel-xpu
//    #202 read the [3, N] positions as a flat [N]);
//  - one_dimensional_positions: every axis at the token's index in its sequence (mlx-lm
//    #1768 for Qwen3.5, Liger #276's cache_position expanded to 3 axes);
//  - batch_row_0_positions: every batch row rotated with row 0's positions (Liger #464).
// Positions beyond a cos/sin cache (vLLM #9965, #47407) are cache_too_short, read at each
// component (add_position_range_hypotheses).
template <class Add>
void add_multi_axis_hypotheses(const golden::Golden& g, Add&& add) {
  if (g.axes < 2) return;
  const RopeSpec& spec = g.spec;
  const bool mrope = spec.mrope_section.has_value();
  if (mrope && spec.mrope_interleaved) {
    RopeSpec chunked = spec;
    chunked.mrope_interleaved = false;
    add("mrope_interleaving_ignored",
        "matches the chunked M-RoPE mapping (t, then h, then w sections): the golden interleaves them (mrope_interleaved)",
        [axes = pair_axes(chunked)](RopeVariant& v) { v.first_axis = v.second_axis = axes; });
    // vLLM #40680: under torch.compile the stride-3 scatter of apply_interleaved_rope gave
    // "cyclically shifted values" (a Triton bug). The thread gives no formula; modelled as
    // the three axes rotated one step either way within the interleaved triples.
    const auto& [s_t, s_h, s_w] = *spec.mrope_section;
    const std::size_t interleaved_pairs = std::min(spec.pairs(), 3 * std::max(s_h, s_w));
    for (const std::size_t step : {1u, 2u}) {
      std::vector<std::size_t> shifted = pair_axes(spec);
      for (std::size_t i = 0; i < interleaved_pairs; ++i) shifted[i] = (i + step) % 3;
      add("mrope_interleave_shifted",
          fmt::format("matches the interleaved t, h, w triples rotated by {} (pair 3k reads {}): the cyclically shifted "
                      "values of vLLM #40680's miscompiled interleave",
                      step, axis_name(spec, step)),
          [shifted](RopeVariant& v) { v.first_axis = v.second_axis = shifted; });
    }
  }
  if (mrope && !spec.mrope_interleaved && spec.layout == Layout::half_split) {
    const auto& [s_t, s_h, s_w] = *spec.mrope_section;
    const std::size_t half = spec.pairs();
    // The axis of table column c (of R) under sections given as column widths.
    const auto columns = [&](std::size_t t_end, std::size_t h_end) {
      std::vector<std::size_t> first(half), second(half);
      for (std::size_t i = 0; i < half; ++i) {
        for (const auto& [column, axis] : {std::pair{i, &first[i]}, std::pair{i + half, &second[i]}}) {
          *axis = column < t_end ? 0 : column < h_end ? 1 : 2;
        }
      }
      return std::pair{first, second};
    };
    for (const auto& [name, description, split] :
         {std::tuple{"mrope_sections_not_doubled",
                     fmt::format("matches the width-{} table split by mrope_section [{}, {}, {}] as given: its second "
                                 "half all w (HF splits by mrope_section * 2, the list repeated)",
                                 2 * half, s_t, s_h, s_w),
                     columns(s_t, s_t + s_h)},
          std::tuple{"mrope_sections_doubled_in_value",
                     fmt::format("matches the width-{} table split by [{}, {}, {}] (mrope_section * 2 taken as values, not "
                                 "the list repeated)",
                                 2 * half, 2 * s_t, 2 * s_h, 2 * s_w),
                     columns(2 * s_t, 2 * (s_t + s_h))}}) {
      add(name, description, [&split](RopeVariant& v) {
        v.first_axis = split.first;
        v.second_axis = split.second;
      });
    }
  }
  const std::string last_two = mrope ? "h and w" : "row and column";
  add("height_width_swapped", fmt::format("matches the {} position components exchanged", last_two),
      [](RopeVariant& v) { v.positions_read = PositionsRead::height_width_swapped; });
  add("first_component_for_every_axis",
      fmt::format("matches every pair at the {} component: {}", axis_name(spec, 0),
                  mrope ? "temporal-only RoPE, the [3, N] positions read as [N]" : "the row on both axes"),
      [](RopeVariant& v) { v.positions_read = PositionsRead::first_component; });
  add("one_dimensional_positions",
      fmt::format("matches 1-D positions 0, 1, … (each token's index in its sequence) on every axis: the {} grid was "
                  "never built",
                  axis_names(spec)),
      [](RopeVariant& v) { v.positions_read = PositionsRead::token_index; });
  if (g.batch_rows > 1) {
    add("batch_row_0_positions",
        fmt::format("matches every one of the {} batch rows rotated with row 0's positions", g.batch_rows),
        [](RopeVariant& v) { v.positions_read = PositionsRead::batch_row_0; });
  }
}

std::vector<Hypothesis> hypotheses(const golden::Golden& g, std::span<const double> candidate) {
  const RopeVariant base = RopeVariant::of(g);
  const std::size_t r = g.spec.rotary_dim, d = g.spec.head_dim;
  std::vector<Hypothesis> list;
  const auto add = [&](std::string name, std::string description, auto&& change) {
    RopeVariant v = base;
    change(v);
    // A multi-axis mapping covers the golden's R/2 pairs: a variant rotating another
    // number of them, or taking θ over another width, has no mapping to read.
    if (g.axes > 1 && (v.rotary_dim != r || v.theta_dim != r)) return;
    list.push_back({std::move(name), std::move(description), v});
  };
  // First: without rotation (Llama 4's NoPE layers) a short cache or a position shift
  // changes only σ and gives the same output; the scale's own bug is the answer to give.
  add_position_scale_hypotheses(g, add);
  add_multi_axis_hypotheses(g, add);
  const Layout other = g.spec.layout == Layout::interleaved ? Layout::half_split : Layout::interleaved;
  if (r > 2) {
    add("swapped_layout",
        fmt::format("matches layout {} (golden is {})", to_string(other), to_string(g.spec.layout)),
        [&](RopeVariant& v) { v.layout = other; });
  }
  add("reversed_rotation", "matches the rotation in the opposite direction (angle −m·θ)",
      [](RopeVariant& v) { v.reverse = true; });
  for (std::int64_t k = -kMaxShift; k <= kMaxShift; ++k) {
    if (k == 0) continue;
    add("position_shift", fmt::format("matches positions shifted by {:+d} (m{:+d})", k, k),
        [k](RopeVariant& v) { v.position_shift = k; });
  }
  for (const Dtype dtype : {Dtype::bf16, Dtype::f16}) {
    const std::string name(to_string(dtype));
    add("positions_in_" + name, fmt::format("matches positions rounded to {}", name),
        [dtype](RopeVariant& v) { v.positions_in = dtype; });
    add("frequencies_in_" + name, fmt::format("matches frequencies θ_i rounded to {}", name),
        [dtype](RopeVariant& v) { v.thetas_in = dtype; });
    add("positions_and_frequencies_in_" + name, fmt::format("matches positions and frequencies θ_i rounded to {}", name),
        [dtype](RopeVariant& v) { v.positions_in = v.thetas_in = dtype; });
    add("angles_in_" + name, fmt::format("matches angles m·θ_i rounded to {}", name),
        [dtype](RopeVariant& v) { v.angles_in = dtype; });
    add("table_in_" + name, fmt::format("matches the cos/sin table rounded to {}", name),
        [dtype](RopeVariant& v) { v.table_in = dtype; });
  }
  for (const double b : kCommonBases) {
    if (b == g.spec.base) continue;
    if (b == kDefaultBase) {
      // transformers v5 keeps rope_theta inside rope_parameters; code that still reads the
      // top-level key finds nothing and falls back to the default (DeepSpeed #8341).
      add("default_base",
          fmt::format("matches base 10000, the default used when rope_theta is not read (v5 configs keep it in "
                      "rope_parameters; golden is {:g})", g.spec.base),
          [b](RopeVariant& v) { v.base = b; });
      continue;
    }
    add("other_base", fmt::format("matches base {:g} (golden is {:g})", b, g.spec.base), [b](RopeVariant& v) { v.base = b; });
  }
  // Per-pair factor lists (longrope) have R/2 entries: no other dims to compute them for.
  const bool per_pair_factors = g.spec.scaling.type == ScalingType::longrope;
  const std::size_t offset = g.spec.rotary_offset;
  for (const std::size_t other_r : {r / 2, 2 * r, d - offset}) {
    if (per_pair_factors || other_r == r || other_r < 2 || other_r % 2 != 0 || other_r > d - offset) continue;
    add("rotary_dim", fmt::format("matches rotary_dim {} (golden is {})", other_r, r),
        [other_r](RopeVariant& v) { v.rotary_dim = v.theta_dim = other_r; });
  }
  if (offset > 0 && r >= 2) add_mla_slice_hypotheses(g, add);
  if (r >= 2 && r < d && !per_pair_factors) {
    add("theta_from_head_dim",
        fmt::format("matches frequencies θ_i = base^(−2i/{}) from head_dim instead of rotary_dim {}", d, r),
        [d](RopeVariant& v) { v.theta_dim = d; });
  }
  // sglang #21537: a layer given another layer type's RoPE (Gemma 3's full layers with the
  // sliding layers' base). Only types with the same head width can be confused so.
  for (const auto& [layer_type, spec] : g.other_layer_types) {
    if (spec.head_dim != d || spec == g.spec || spec.rotary_offset + spec.rotary_dim > d) continue;
    add("other_layer_type",
        fmt::format("matches the {} layers' RoPE (base {:g}, {} scaling, rotary_dim {}): this golden is another layer type's",
                    layer_type, spec.base, to_string(spec.scaling.type), spec.rotary_dim),
        [&](RopeVariant& v) {
          v.layout = spec.layout;
          v.rotary_dim = v.theta_dim = spec.rotary_dim;
          v.rotary_offset = spec.rotary_offset;
          v.base = spec.base;
          v.scaling = spec.scaling;
          v.attention_factor = static_cast<double>(reference::attention_factor<reference::Real>(spec));
        });
  }
  add_proportional_hypotheses(g, add);
  add_position_range_hypotheses(g, candidate, base.attention_factor, add);
  if (r > 2) {
    add("other_pair_order",
        fmt::format("matches the right rotation written in {} pair order: correct values in the wrong places (HF's DeepSeek "
                    "apply_rotary_pos_emb_interleave returns [a'_0 … | b'_0 …] for interleaved pairs)",
                    to_string(other)),
        [](RopeVariant& v) { v.output_in_other_pair_order = true; });
  }
  add_scaling_hypotheses(g, candidate, add);
  const double scale = fitted_scale(g, candidate);
  if (g.spec.scaling.type == ScalingType::none && std::isfinite(scale) && std::fabs(scale - 1) >= kSmallestScaleBug) {
    add("output_scale", fmt::format("matches outputs multiplied by {:.6g} (an attention factor?)", scale),
        [scale](RopeVariant& v) { v.output_scale = scale; });
  }
  add("fast_trig_unreduced",
      "matches cos/sin evaluated on the unreduced float32 angle, reduced by one float32 multiply with 1/2π "
      "(CUDA's __sinf/__cosf or --use_fast_math, Metal's fast::sin; kekzl/imp #1325): accurate only near 0",
      [](RopeVariant& v) {
        v.angles_in = Dtype::f32;
        v.fast_trig_unreduced = true;
      });
  add("in_place_update", "matches b' computed from the already-updated a' (a pair updated in place: not a rotation)",
      [](RopeVariant& v) { v.in_place_update = true; });
  if (g.output_dtype != Dtype::f32) {
    add("truncated_output",
        fmt::format("matches the output truncated to {} instead of rounded to nearest even", to_string(g.output_dtype)),
        [](RopeVariant& v) { v.truncate_output = true; });
  }
  return list;
}

// The variant's result as the reference numeric::measure takes: the golden's reference
// (`golden_reference`, computed once per diagnosis) with the pairing and rotary dims of the
// variant and its outputs and angles for the bound.
reference::ExactRope variant_reference(const golden::Golden& g, const reference::ExactRope& golden_reference,
                                       const RopeVariant& v) {
  reference::ExactRope e = golden_reference;
  VariantOutput out = evaluate_variant(g, v);
  e.spec.layout = v.layout;
  e.spec.rotary_dim = v.rotary_dim;
  e.spec.rotary_offset = v.rotary_offset;
  e.expected.assign(out.y.begin(), out.y.end());
  e.cos = std::move(out.cos);
  e.sin = std::move(out.sin);
  e.thetas = std::move(out.thetas);  // the f32-angle term grows with the variant's own θ_i
  e.attention_factor = v.attention_factor * v.output_scale;  // σ scales with the variant's factor
  e.position_scale = std::move(out.position_scale);
  return e;
}

// The bound a candidate is held to against a variant. Under a profile with an angle
// allowance the candidate forms its own float32 angles, and a rounding the variant names
// is then applied to a slightly different value than the variant's exact one: near a
// rounding boundary it goes the other way, by one quantum of that dtype (≤ 2u_D relative).
// A flipped θ_i or angle moves the angle by ≤ 2u_D·|m|θ_i; a flipped cos/sin moves the
// table by ≤ 2u_D; a flipped truncation moves y by ≤ 2u_out·|y|. Under `exact` (angles
// in double) no flip allowance is needed, and none is given.
numeric::ErrorModel variant_error_model(numeric::Profile p, Dtype output, const RopeVariant& v) {
  numeric::ErrorModel model = numeric::error_model(p, output, numeric::Arithmetic::fused);
  if (model.angle_per_radian <= 0) return model;
  for (const auto& rounded : {v.thetas_in, v.angles_in}) {
    if (rounded) model.angle_per_radian += 2 * numeric::unit_roundoff(*rounded);
  }
  if (v.table_in) model.table_abs_error += 2 * numeric::unit_roundoff(*v.table_in);
  if (v.truncate_output) model.output_roundoff += 2 * numeric::unit_roundoff(output);
  return model;
}

// The candidate with each pair moved from the other layout's indices back to the variant's.
std::vector<double> back_in_pair_order(const golden::Golden& g, const RopeVariant& v, std::span<const double> candidate) {
  std::vector<double> out(candidate.begin(), candidate.end());
  const Layout other = v.layout == Layout::interleaved ? Layout::half_split : Layout::interleaved;
  for (std::size_t row = 0; row < g.tokens * g.heads; ++row) {
    const std::size_t base = row * g.spec.head_dim;
    const std::size_t at = base + v.rotary_offset;
    for (std::size_t i = 0; i < v.rotary_dim / 2; ++i) {
      const auto [ia, ib] = reference::pair_indices(v.layout, v.rotary_dim, i);
      const auto [oa, ob] = reference::pair_indices(other, v.rotary_dim, i);
      out[at + ia] = candidate[at + oa];
      out[at + ib] = candidate[at + ob];
    }
  }
  return out;
}

std::string norm_finding(const golden::Golden& g, std::span<const double> candidate, double attention) {
  double worst = 0;
  std::size_t worst_token = 0, worst_head = 0, worst_pair = 0;
  const std::size_t d = g.spec.head_dim;
  const DtypeFormat f = format_of(g.output_dtype);
  const double normal_floor = std::ldexp(1.0, f.min_exponent + f.precision);
  for (std::size_t t = 0; t < g.tokens; ++t) {
    // A position scale takes one axis: component 0 is m.
    const double factor = attention * reference::position_scale_double(g.spec, g.positions[t * g.axes]);
    for (std::size_t h = 0; h < g.heads; ++h) {
      const std::size_t row = (t * g.heads + h) * d;
      for (std::size_t i = 0; i < g.spec.pairs(); ++i) {
        const auto [ia, ib] = reference::pair_dims(g.spec, i);
        const double before = factor * std::hypot(g.x[row + ia], g.x[row + ib]);
        const double after = std::hypot(candidate[row + ia], candidate[row + ib]);
        // Near the underflow range the output quantum is no longer small relative to the
        // pair, so its norm is not kept by correct rounding either.
        if (!(before >= normal_floor) || !std::isfinite(before) || !std::isfinite(after)) continue;
        const double change = std::fabs(after - before) / before;
        if (change > worst) {
          worst = change;
          worst_token = t;
          worst_head = h;
          worst_pair = i;
        }
      }
    }
  }
  if (worst <= kNotARotationChange) return "";
  return fmt::format("not a rotation: pair norms change by up to {:.3g}% (token {} head {} pair {}, position {})",
                     100 * worst, worst_token, worst_head, worst_pair,
                     format_position(PositionsView(g.positions, g.axes), worst_token));
}

}  // namespace

DiagnosisReport diagnose(const golden::Golden& g, std::span<const double> candidate,
                         std::optional<numeric::Profile> passes) {
  DiagnosisReport report;
  const reference::ExactRope golden_reference = golden::exact_result(g);
  const numeric::ErrorModel strictest = numeric::error_model(numeric::Profile::exact, g.output_dtype, numeric::Arithmetic::fused);
  struct Explained {
    Diagnosis diagnosis;
    reference::ExactRope reference;
  };
  std::vector<Explained> explained;
  for (const Hypothesis& h : hypotheses(g, candidate)) {
    reference::ExactRope reference = variant_reference(g, golden_reference, h.variant);
    // A bug that gives the correct result on this case (head_dim 2: one pair, so both
    // layouts agree) explains nothing here: its exact output equals the golden's.
    if (numeric::measure(golden_reference, reference.expected, strictest).peak_ratio() <= kIndistinguishableRatio) continue;
    // Output written in the other pair order: the bound of each element follows its own
    // pair's inputs and angle, so the candidate is put back in order and held to the
    // rotation itself.
    std::optional<reference::ExactRope> in_order;
    std::vector<double> reordered;
    if (h.variant.output_in_other_pair_order) {
      RopeVariant rotation = h.variant;
      rotation.output_in_other_pair_order = false;
      in_order = variant_reference(g, golden_reference, rotation);
      reordered = back_in_pair_order(g, h.variant, candidate);
    }
    for (const numeric::Profile p : numeric::kProfiles) {
      if (passes && p >= *passes) break;  // no better an explanation than the golden's own
      const numeric::ErrorStats stats =
          in_order ? numeric::measure(*in_order, reordered, variant_error_model(p, g.output_dtype, h.variant))
                   : numeric::measure(reference, candidate, variant_error_model(p, g.output_dtype, h.variant));
      if (stats.within_bound()) {
        explained.push_back({{h.name, h.description, p, stats.peak_ratio(), {}}, std::move(reference)});
        break;
      }
    }
  }
  std::stable_sort(explained.begin(), explained.end(), [](const Explained& a, const Explained& b) {
    if (a.diagnosis.profile != b.diagnosis.profile) return a.diagnosis.profile < b.diagnosis.profile;
    return a.diagnosis.peak_ratio < b.diagnosis.peak_ratio;
  });
  // Hypotheses whose exact outputs coincide on this case cannot be told apart by it
  // (dynamic NTK leaves θ unscaled for every M at or above the sequence length, so "no
  // scaling" and those M are one result): one answer, the others listed with it.
  std::vector<const Explained*> kept;
  for (const Explained& e : explained) {
    const auto same = std::find_if(kept.begin(), kept.end(), [&](const Explained* k) {
      return numeric::measure(k->reference, e.reference.expected, strictest).peak_ratio() <= kIndistinguishableRatio;
    });
    if (same == kept.end()) {
      kept.push_back(&e);
      report.explanations.push_back(e.diagnosis);
    } else {
      report.explanations[static_cast<std::size_t>(same - kept.begin())].same_output.push_back(e.diagnosis.description);
    }
  }
  // Norms are compared over the golden's pairs: a rotation with other pairs (another
  // layout or rotary_dim) changes them too, and that hypothesis already says what it is.
  const bool rotation_explains = std::any_of(report.explanations.begin(), report.explanations.end(), [](const Diagnosis& d) {
    return d.name != "in_place_update" && d.name != "output_scale";
  });
  if (!rotation_explains) report.norm_finding = norm_finding(g, candidate, golden_reference.attention_factor);
  return report;
}

}  // namespace ropecheck::gate
