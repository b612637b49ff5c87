#include "ropecheck/config/hf_config.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ropecheck/config/hf_model_types.h"
#include "ropecheck/errors.h"
#include "ropecheck/json_excerpt.h"

namespace ropecheck::config {
namespace {

using nlohmann::json;

// HF's default rope_theta (modeling_rope_utils.py, RotaryEmbeddingConfigMixin.default_theta)
// when neither the config nor its model type's config class gives one.
constexpr double kHfDefaultTheta = 10000.0;
// Llama 4: configuration_llama4.py, no_rope_layer_interval = 4: layer i has no RoPE iff
// (i + 1) % 4 == 0, used when no_rope_layers is absent or empty.
constexpr std::size_t kLlama4DefaultNoRopeInterval = 4;
// Far above any model (DeepSeek-V3 has 61 layers): a bound on what a config can make us list.
constexpr double kMaxLayers = 100000;
constexpr double kLargestHeadDim = static_cast<double>(kMaxHeadDim);

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw InvalidInput(fmt::format("hf-config: {}: {}", path, reason));
}

// A config's own text (keys, type names) as it may appear in a message: control bytes and
// backslashes escaped, so a hostile key cannot add lines to ropecheck's output.
std::string shown(std::string_view text) {
  std::string out;
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte == 0x7f || ch == '\\') {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += ch;
    }
  }
  return out;
}

// A config number that must be a positive integer (a floor divisor of positions).
std::int64_t positive_integer(double value, const std::string& field) {
  if (!(value >= 1 && value <= 0x1p53 && value == std::floor(value))) {
    fail(field, fmt::format("must be a positive integer, not {}", value));
  }
  return static_cast<std::int64_t>(value);
}

std::string join(const std::string& base, std::string_view key) {
  return base.empty() ? shown(key) : fmt::format("{}.{}", base, shown(key));
}

// Every read goes through here, so that what was not read can be reported as ignored.
class FieldReader {
 public:
  // The value of obj[key] at `path`, or nullptr when absent or null (HF treats both alike).
  const json* find(const json& obj, const std::string& path, std::string_view key) {
    const auto it = obj.find(key);
    if (it == obj.end()) return nullptr;
    read_.insert(join(path, key));
    return it->is_null() ? nullptr : &*it;
  }
  std::optional<double> number(const json& obj, const std::string& path, std::string_view key) {
    const json* v = find(obj, path, key);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(join(path, key), fmt::format("must be a number, not {}", json_excerpt(*v)));
    const double x = v->get<double>();
    if (!std::isfinite(x)) fail(join(path, key), "must be finite");
    return x;
  }
  std::optional<std::size_t> count(const json& obj, const std::string& path, std::string_view key, double low,
                                   double high) {
    const std::optional<double> x = number(obj, path, key);
    if (!x) return std::nullopt;
    if (*x != std::floor(*x) || *x < low || *x > high) {
      fail(join(path, key), fmt::format("must be a whole number in [{}, {}], not {}", low, high, *x));
    }
    return static_cast<std::size_t>(*x);
  }
  std::optional<std::string> string(const json& obj, const std::string& path, std::string_view key) {
    const json* v = find(obj, path, key);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail(join(path, key), fmt::format("must be a string, not {}", json_excerpt(*v)));
    return v->get<std::string>();
  }
  std::optional<bool> boolean(const json& obj, const std::string& path, std::string_view key) {
    const json* v = find(obj, path, key);
    if (!v) return std::nullopt;
    if (!v->is_boolean()) fail(join(path, key), fmt::format("must be true or false, not {}", json_excerpt(*v)));
    return v->get<bool>();
  }
  std::optional<std::vector<double>> numbers(const json& obj, const std::string& path, std::string_view key) {
    const json* v = find(obj, path, key);
    if (!v) return std::nullopt;
    if (!v->is_array()) fail(join(path, key), "must be a list of numbers");
    std::vector<double> out;
    for (const json& e : *v) {
      if (!e.is_number() || !std::isfinite(e.get<double>())) fail(join(path, key), "must be a list of finite numbers");
      out.push_back(e.get<double>());
    }
    return out;
  }
  const std::set<std::string>& read() const { return read_; }

 private:
  std::set<std::string> read_;
};

// Fields whose name says they concern RoPE (or the head geometry it acts on): ignoring one
// is a warning. Everything under a rope dict is such a field too.
bool is_rope_relevant(const std::string& path) {
  if (path.find("rope_scaling") != std::string::npos || path.find("rope_parameters") != std::string::npos) return true;
  const std::string key = path.substr(path.rfind('.') == std::string::npos ? 0 : path.rfind('.') + 1);
  for (std::string_view word : {"rope", "rotary", "theta", "mscale", "temperature", "attn_scale", "floor_scale",
                                "position_embeddings", "sliding_window_pattern", "layer_types", "partial"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return key == "head_dim" || key == "global_head_dim";
}

// Configs nest a few levels (text_config.rope_parameters.full_attention.factor); deeper
// objects are listed whole, so a hostile nesting cannot exhaust the stack.
constexpr int kMaxListedDepth = 8;

// Every field path of `value` (objects recursed into, arrays and scalars are leaves).
void collect_paths(const json& value, const std::string& path, std::vector<std::string>& out, int depth = 0) {
  if (value.is_object() && !value.empty() && depth < kMaxListedDepth) {
    for (const auto& [key, child] : value.items()) collect_paths(child, join(path, key), out, depth + 1);
  } else if (!path.empty()) {
    out.push_back(path);
  }
}

// The scaling parameters a rope dict P carries for its type, by HF's names; a key the type
// does not take is left unread (and so reported as ignored).
struct RopeParameters {
  const json* dict = nullptr;  // null: a v4 config without rope_scaling
  std::string path;            // "rope_scaling", "rope_parameters.full_attention", …
};

struct ModelContext {
  const HfModelType* row = nullptr;
  const json* text = nullptr;
  std::string text_path;
  std::size_t head_dim = 0;
  std::optional<double> max_position_embeddings;
  std::optional<double> top_rope_theta;
  std::optional<double> top_partial_rotary_factor;
  std::optional<double> top_original_max_position_embeddings;  // Phi-3 keeps it at the top level
  bool nested = false;
};

std::string rope_type_of(FieldReader& reader, const RopeParameters& p) {
  if (!p.dict) return "default";
  const std::optional<std::string> rope_type = reader.string(*p.dict, p.path, "rope_type");
  const std::optional<std::string> type = reader.string(*p.dict, p.path, "type");
  if (rope_type && type && *rope_type != *type) {
    fail(join(p.path, "rope_type"), fmt::format("'{}' contradicts type '{}'", shown(*rope_type), shown(*type)));
  }
  return rope_type ? *rope_type : type ? *type : "default";
}

Scaling scaling_from(FieldReader& reader, const RopeParameters& p, const std::string& rope_type, const ModelContext& m,
                     std::vector<std::string>& warnings) {
  Scaling s;
  // Qwen2-VL/Qwen2.5-VL configs say "mrope": HF's config class rewrites it to "default"
  // (configuration_qwen2_5_vl.py: if self.rope_scaling["type"] == "mrope": … = "default");
  // the sections are read by mrope_sections_from.
  if (rope_type == "default" || rope_type == "mrope") return s;
  const json& d = *p.dict;
  const auto required = [&](std::string_view key) {
    const std::optional<double> x = reader.number(d, p.path, key);
    if (!x) fail(join(p.path, key), fmt::format("missing (rope_type '{}' needs it)", shown(rope_type)));
    return x;
  };
  const auto model_max = [&](std::string_view why) {
    if (!m.max_position_embeddings) fail(join(m.text_path, "max_position_embeddings"), fmt::format("missing ({})", why));
    return m.max_position_embeddings;
  };
  // HF v5 standardize_rope_params: original_max_position_embeddings is the model's top-level
  // attribute when it has one (Phi-3), else the rope dict's, else max_position_embeddings.
  const auto original_max = [&]() -> std::optional<double> {
    if (m.top_original_max_position_embeddings) {
      const std::optional<double> own = reader.number(d, p.path, "original_max_position_embeddings");
      if (own && *own != *m.top_original_max_position_embeddings) {
        warnings.push_back(fmt::format("{}.original_max_position_embeddings {} differs from the top-level {}; HF uses the top-level one",
                                       p.path, *own, *m.top_original_max_position_embeddings));
      }
      return m.top_original_max_position_embeddings;
    }
    if (const std::optional<double> own = reader.number(d, p.path, "original_max_position_embeddings")) return own;
    const std::optional<double> fallback = model_max("original_max_position_embeddings is absent");
    warnings.push_back(fmt::format("{}.original_max_position_embeddings is absent: HF uses max_position_embeddings {}",
                                   p.path, *fallback));
    return fallback;
  };
  if (rope_type == "linear") {
    s.type = ScalingType::linear;
    s.factor = required("factor");
  } else if (rope_type == "dynamic") {
    s.type = ScalingType::dynamic;
    s.factor = required("factor");
    s.max_position_embeddings = model_max("dynamic NTK rescales against it");
  } else if (rope_type == "yarn") {
    s.type = ScalingType::yarn;
    s.factor = required("factor");
    s.original_max_position_embeddings = original_max();
    s.beta_fast = reader.number(d, p.path, "beta_fast");
    s.beta_slow = reader.number(d, p.path, "beta_slow");
    s.mscale = reader.number(d, p.path, "mscale");
    s.mscale_all_dim = reader.number(d, p.path, "mscale_all_dim");
    s.attention_factor = reader.number(d, p.path, "attention_factor");
    s.truncate = reader.boolean(d, p.path, "truncate");
    if (m.nested && s.truncate && !*s.truncate) {
      // modeling_rope_utils.py _compute_yarn_parameters: config.rope_parameters.get("truncate",
      // True) reads the top level of rope_parameters, not the layer type's dict.
      warnings.push_back(fmt::format("{}.truncate is false, but HF transformers reads truncate from the top level of "
                                     "rope_parameters and truncates in a nested config; the spec follows the config",
                                     p.path));
    }
  } else if (rope_type == "llama3") {
    s.type = ScalingType::llama3;
    s.factor = required("factor");
    s.low_freq_factor = required("low_freq_factor");
    s.high_freq_factor = required("high_freq_factor");
    s.original_max_position_embeddings = original_max();
  } else if (rope_type == "longrope") {
    s.type = ScalingType::longrope;
    s.short_factor = reader.numbers(d, p.path, "short_factor");
    s.long_factor = reader.numbers(d, p.path, "long_factor");
    if (!s.short_factor) fail(join(p.path, "short_factor"), "missing (rope_type 'longrope' needs it)");
    if (!s.long_factor) fail(join(p.path, "long_factor"), "missing (rope_type 'longrope' needs it)");
    s.original_max_position_embeddings = original_max();
    s.factor = reader.number(d, p.path, "factor");
    s.attention_factor = reader.number(d, p.path, "attention_factor");
    s.max_position_embeddings = m.max_position_embeddings;
  } else if (rope_type == "proportional") {
    // _compute_proportional_rope_parameters: rope_proportion = partial_rotary_factor (1.0
    // when absent, with a warning), factor 1.0 by default; the config's top-level
    // partial_rotary_factor overwrites the dict's (standardize_rope_params).
    s.type = ScalingType::proportional;
    const std::optional<double> own = reader.number(d, p.path, "partial_rotary_factor");
    if (m.top_partial_rotary_factor && own && *own != *m.top_partial_rotary_factor) {
      warnings.push_back(fmt::format("{}.partial_rotary_factor {} differs from the top-level {}; HF uses the top-level one",
                                     p.path, *own, *m.top_partial_rotary_factor));
    }
    s.partial_rotary_factor = m.top_partial_rotary_factor ? m.top_partial_rotary_factor : own;
    if (!s.partial_rotary_factor) {
      warnings.push_back(fmt::format("{}.partial_rotary_factor is absent: HF rotates every pair (proportion 1)", p.path));
      s.partial_rotary_factor = 1.0;
    }
    s.factor = reader.number(d, p.path, "factor");
  } else {
    fail(join(p.path, "rope_type"),
         fmt::format("unknown rope_type '{}' (expected default, linear, dynamic, yarn, llama3, longrope or proportional)",
                     shown(rope_type)));
  }
  return s;
}

// The rotary width R for head dim D: HF's int(head_dim · partial_rotary_factor) (floor),
// GPT-NeoX's int(head_size · rotary_pct), GPT-J's rotary_dim.
std::size_t rotary_width(FieldReader& reader, const RopeParameters& p, const ModelContext& m,
                         std::vector<std::string>& warnings) {
  const json& text = *m.text;
  const std::size_t d = m.head_dim;
  const auto from_fraction = [&](double fraction, const std::string& field) {
    if (!(fraction > 0 && fraction <= 1)) fail(field, fmt::format("must be in (0, 1], not {}", fraction));
    const double width = std::floor(static_cast<double>(d) * fraction);
    if (width < 2 || std::fmod(width, 2) != 0) {
      fail(field, fmt::format("{} of head dim {} gives {} rotary dims, which is not an even number ≥ 2", fraction, d, width));
    }
    return static_cast<std::size_t>(width);
  };
  if (m.row->rotary_width == RotaryWidthSource::rotary_dim) {
    const std::optional<std::size_t> r = reader.count(text, m.text_path, "rotary_dim", 2, static_cast<double>(d));
    if (!r) return d;
    if (*r % 2 != 0) fail(join(m.text_path, "rotary_dim"), fmt::format("{} is odd", *r));
    return *r;
  }
  if (m.row->rotary_width == RotaryWidthSource::rotary_pct) {
    if (const std::optional<double> pct = reader.number(text, m.text_path, "rotary_pct")) {
      return from_fraction(*pct, join(m.text_path, "rotary_pct"));
    }
  }
  const std::optional<double> nested = p.dict ? reader.number(*p.dict, p.path, "partial_rotary_factor") : std::nullopt;
  if (m.top_partial_rotary_factor) {
    // standardize_rope_params: the config's partial_rotary_factor overwrites the dict's.
    if (nested && *nested != *m.top_partial_rotary_factor) {
      warnings.push_back(fmt::format("{}.partial_rotary_factor {} differs from the top-level {}; HF uses the top-level one",
                                     p.path, *nested, *m.top_partial_rotary_factor));
    }
    return from_fraction(*m.top_partial_rotary_factor, join(m.text_path, "partial_rotary_factor"));
  }
  if (nested) return from_fraction(*nested, join(p.path, "partial_rotary_factor"));
  if (m.row->default_partial_rotary_factor) {
    warnings.push_back(fmt::format("partial_rotary_factor is absent: {}'s config class defaults it to {}",
                                   m.row->model_type, *m.row->default_partial_rotary_factor));
    return from_fraction(*m.row->default_partial_rotary_factor, join(m.text_path, "partial_rotary_factor"));
  }
  if (m.row->default_rotary_pct) {
    warnings.push_back(fmt::format("rotary_pct is absent: {}'s config class defaults it to {}", m.row->model_type,
                                   *m.row->default_rotary_pct));
    return from_fraction(*m.row->default_rotary_pct, join(m.text_path, "rotary_pct"));
  }
  return d;
}

// M-RoPE keys of a rope dict, whatever its rope_type says (Qwen3-VL and Qwen3.5 say
// "default" next to mrope_section, mlx-lm #1768): HF reads them in the rotary embedding
// (Qwen2_5_VLRotaryEmbedding / Qwen3VLTextRotaryEmbedding: config.rope_parameters
// ["mrope_section"], .get("mrope_interleaved")).
void mrope_sections_from(FieldReader& reader, const RopeParameters& p, RopeSpec& spec) {
  if (!p.dict) return;
  if (const std::optional<std::vector<double>> section = reader.numbers(*p.dict, p.path, "mrope_section")) {
    if (section->size() != 3) fail(join(p.path, "mrope_section"), fmt::format("has {} values, expected 3 (t, h, w)", section->size()));
    std::array<std::size_t, 3> s{};
    for (std::size_t a = 0; a < 3; ++a) {
      const double v = (*section)[a];
      if (!(v >= 0 && v <= 65536 && v == std::floor(v))) {
        fail(join(p.path, "mrope_section"), fmt::format("value {} is not a whole number of pairs in [0, 65536]", v));
      }
      s[a] = static_cast<std::size_t>(v);
    }
    spec.mrope_section = s;
    spec.mrope_interleaved = reader.boolean(*p.dict, p.path, "mrope_interleaved").value_or(false);
  } else if (reader.boolean(*p.dict, p.path, "mrope_interleaved").value_or(false)) {
    fail(join(p.path, "mrope_interleaved"), "true without mrope_section");
  }
}

RopeSpec spec_from(FieldReader& reader, const RopeParameters& p, std::optional<double> base, const ModelContext& m,
                   std::vector<std::string>& warnings) {
  RopeSpec spec;
  spec.head_dim = m.head_dim;
  spec.layout = m.row->layout;
  const std::string rope_type = rope_type_of(reader, p);
  // A rope dict's own rope_theta wins over the top level's (HF: setdefault).
  const std::optional<double> own = p.dict ? reader.number(*p.dict, p.path, "rope_theta") : std::nullopt;
  if (own && base && *own != *base) {
    warnings.push_back(fmt::format("{}.rope_theta {} differs from the top-level rope_theta {}; HF uses {}", p.path, *own,
                                   *base, *own));
  }
  if (own) base = own;
  if (!base) {
    const double fallback = m.row->default_rope_theta.value_or(kHfDefaultTheta);
    warnings.push_back(fmt::format("rope_theta is absent{}: HF uses its default {}",
                                   p.dict ? fmt::format(" (top level and {})", p.path) : "", fallback));
    base = fallback;
  }
  spec.base = *base;
  // proportional keeps every dim in its pairs (i, i + D/2); its partial_rotary_factor
  // says how many of them rotate, not how wide the rotary part is.
  spec.rotary_dim = rope_type == "proportional" ? spec.head_dim : rotary_width(reader, p, m, warnings);
  spec.scaling = scaling_from(reader, p, rope_type, m, warnings);
  mrope_sections_from(reader, p, spec);
  if (p.dict) {
    if (const std::optional<double> beta = reader.number(*p.dict, p.path, "llama_4_scaling_beta")) {
      // Mistral 3 (HF modular_ministral3.py _get_llama_4_attn_scale): the query, after RoPE,
      // times 1 + β·log(1 + floor(cache_position / original_max_position_embeddings)),
      // both read from rope_parameters.
      const std::optional<double> floor = reader.number(*p.dict, p.path, "original_max_position_embeddings");
      if (!floor) fail(join(p.path, "original_max_position_embeddings"), "missing: llama_4_scaling_beta divides positions by it");
      spec.position_scale = PositionScale{.beta = *beta,
                                          .floor_scale = positive_integer(*floor, join(p.path, "original_max_position_embeddings")),
                                          .position_offset = 0,
                                          .applies_to = Role::query};
      spec.role = Role::query;
    }
  }
  try {
    validate(spec);
  } catch (const InvalidInput& e) {
    fail(p.dict ? p.path : join(m.text_path, "rope_theta"), fmt::format("gives an invalid spec: {}", e.what()));
  }
  return spec;
}

std::size_t head_dim_of(FieldReader& reader, const ModelContext& m, std::vector<std::string>& warnings) {
  const json& text = *m.text;
  const std::string& at = m.text_path;
  if (m.row->head_dim == HeadDimSource::qk_rope_head_dim) {
    const std::optional<std::size_t> rope = reader.count(text, at, "qk_rope_head_dim", 2, kLargestHeadDim);
    if (!rope) fail(join(at, "qk_rope_head_dim"), fmt::format("missing ({} rotates only that slice of each head)", m.row->model_type));
    return *rope;
  }
  const std::optional<std::size_t> explicit_dim = reader.count(text, at, "head_dim", 1, kLargestHeadDim);
  const std::optional<double> hidden = reader.number(text, at, "hidden_size");
  const std::optional<double> heads = reader.number(text, at, "num_attention_heads");
  std::optional<std::size_t> quotient;
  if (hidden && heads) {
    if (!(*heads >= 1) || !(*hidden >= 1) || std::fmod(*hidden, *heads) != 0) {
      if (!explicit_dim || m.row->head_dim == HeadDimSource::quotient_only) {
        fail(join(at, "hidden_size"), fmt::format("{} is not a multiple of num_attention_heads {}", *hidden, *heads));
      }
    } else if (*hidden / *heads <= kLargestHeadDim) {
      quotient = static_cast<std::size_t>(*hidden / *heads);
    } else if (!explicit_dim) {
      fail(join(at, "hidden_size"), "/ num_attention_heads gives a head dim above 65536");
    }
  }
  if (m.row->head_dim == HeadDimSource::quotient_only) {
    if (!quotient) fail(join(at, hidden ? "num_attention_heads" : "hidden_size"), "missing (the head dim is hidden_size / num_attention_heads)");
    if (explicit_dim && *explicit_dim != *quotient) {
      fail(join(at, "head_dim"), fmt::format("{} contradicts hidden_size / num_attention_heads = {}, which {} uses", *explicit_dim,
                                             *quotient, m.row->model_type));
    }
    return *quotient;
  }
  if (explicit_dim) return *explicit_dim;
  if (m.row->default_head_dim) {
    warnings.push_back(fmt::format("head_dim is absent: {}'s config class defaults it to {}", m.row->model_type,
                                   *m.row->default_head_dim));
    return static_cast<std::size_t>(*m.row->default_head_dim);
  }
  if (!quotient) fail(join(at, hidden ? "num_attention_heads" : "hidden_size"), "missing (no head_dim either)");
  return *quotient;
}

// The layer type of each layer, from layer_types when given (validated), else nullopt.
std::optional<std::vector<std::string>> layer_types_of(FieldReader& reader, const ModelContext& m, std::size_t layers) {
  const json* v = reader.find(*m.text, m.text_path, "layer_types");
  if (!v) return std::nullopt;
  const std::string field = join(m.text_path, "layer_types");
  if (!v->is_array()) fail(field, "must be a list of strings");
  if (v->size() != layers) fail(field, fmt::format("has {} entries for num_hidden_layers {}", v->size(), layers));
  std::vector<std::string> out;
  for (const json& e : *v) {
    if (!e.is_string()) fail(field, "must be a list of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

// Llama 4's layers without RoPE: no_rope_layers[i] == 0 (1 = RoPE), or the default pattern.
std::set<std::size_t> no_rope_layers_of(FieldReader& reader, const ModelContext& m, std::size_t layers,
                                        std::vector<std::string>& warnings) {
  std::set<std::size_t> nope;
  if (!m.row->no_rope_layers) return nope;
  const json& text = *m.text;
  const std::string& at = m.text_path;
  const json* listed = reader.find(text, at, "no_rope_layers");
  if (listed && !listed->is_array()) fail(join(at, "no_rope_layers"), "must be a list of 0 and 1");
  if (listed && !listed->empty()) {
    if (listed->size() != layers) {
      fail(join(at, "no_rope_layers"), fmt::format("has {} entries for num_hidden_layers {}", listed->size(), layers));
    }
    for (std::size_t i = 0; i < layers; ++i) {
      const json& e = (*listed)[i];
      if (!e.is_number_integer() || (e.get<long long>() != 0 && e.get<long long>() != 1)) {
        fail(join(at, "no_rope_layers"), "must be a list of 0 (no RoPE) and 1 (RoPE)");
      }
      if (e.get<long long>() == 0) nope.insert(i);
    }
  } else {
    const std::size_t interval =
        reader.count(text, at, "no_rope_layer_interval", 1, kMaxLayers).value_or(kLlama4DefaultNoRopeInterval);
    for (std::size_t i = 0; i < layers; ++i) {
      if ((i + 1) % interval == 0) nope.insert(i);
    }
    warnings.push_back(fmt::format("no_rope_layers is {}: HF's default, every {}th layer without RoPE",
                                   listed ? "empty" : "absent", interval));
  }
  return nope;
}

// Llama 4's NoPE layers: no rotation, and with attn_temperature_tuning (default on) the
// query times 1 + attn_scale·log(floor((cache_position + 1) / floor_scale) + 1)
// (modeling_llama4.py; configuration_llama4.py defaults floor_scale 8192, attn_scale 0.1).
// nullopt when the tuning is off: those layers then change nothing.
std::optional<RopeSpec> no_rope_spec(FieldReader& reader, const ModelContext& m, std::vector<std::string>& warnings) {
  const json& text = *m.text;
  const std::string& at = m.text_path;
  if (!reader.boolean(text, at, "attn_temperature_tuning").value_or(true)) return std::nullopt;
  const std::optional<double> floor = reader.number(text, at, "floor_scale");
  const std::optional<double> beta = reader.number(text, at, "attn_scale");
  if (!floor || !beta) {
    warnings.push_back(fmt::format("{}: the NoPE layers' temperature uses HF's default floor_scale 8192 / attn_scale 0.1",
                                   !floor && !beta ? "floor_scale and attn_scale are absent" : !floor ? "floor_scale is absent" : "attn_scale is absent"));
  }
  RopeSpec spec;
  spec.head_dim = m.head_dim;
  spec.rotary_dim = 0;
  spec.layout = m.row->layout;
  spec.position_scale = PositionScale{.beta = beta.value_or(0.1),
                                      .floor_scale = positive_integer(floor.value_or(8192), join(at, "floor_scale")),
                                      .position_offset = 1,
                                      .applies_to = Role::query};
  spec.role = Role::query;
  try {
    validate(spec);
  } catch (const InvalidInput& e) {
    fail(join(at, "attn_scale"), fmt::format("gives an invalid temperature: {}", e.what()));
  }
  return spec;
}

// DeepSeek MLA: the width of q_nope in front of the rotated slice of each q/k head;
// nullopt for a model whose whole head is the spec's.
std::optional<std::size_t> mla_nope_dims(FieldReader& reader, const ModelContext& m) {
  if (m.row->head_dim != HeadDimSource::qk_rope_head_dim) return std::nullopt;
  const std::optional<std::size_t> nope = reader.count(*m.text, m.text_path, "qk_nope_head_dim", 0, kLargestHeadDim);
  if (!nope) fail(join(m.text_path, "qk_nope_head_dim"), "missing (it places the rotated slice in the head)");
  return nope;
}

std::string applies_to(const ModelContext& m, std::optional<std::size_t> nope) {
  if (!nope) return "each query and key head";
  return fmt::format("each query head [q_nope | q_pe] and key [k_nope | k_pe] of {} dims: dims [{}, {}) rotate (q_pe, "
                     "and k_pe shared by the heads)",
                     *nope + m.head_dim, *nope, *nope + m.head_dim);
}

}  // namespace

// The vision tower's 2-D RoPE, per the outer model_type (or vision_config.model_type):
//  - Qwen-VL ViTs (qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_vl_moe, glm4v): HF
//    VisionRotaryEmbedding(head_dim // 2) with its default theta 10000 (no config field),
//    head_dim = hidden_size // num_heads (qwen2_vl: embed_dim), apply_rotary_pos_emb_vision
//    = rotate_half; layers = depth.
//  - Pixtral (vision_config.model_type "pixtral", in mistral3 and llava wrappers): HF
//    PixtralRotaryEmbedding, theta = vision_config rope_theta (default 10000), head_dim =
//    head_dim or hidden_size // num_attention_heads, rotate_half; a side of image_size //
//    patch_size patches (max_patches_per_side); layers = num_hidden_layers.
std::optional<HfLayerRope> vision_rope(FieldReader& reader, const json& config, const std::optional<std::string>& outer_type,
                                       std::vector<std::string>& warnings) {
  const json* vision = reader.find(config, "", "vision_config");
  if (!vision) return std::nullopt;
  if (!vision->is_object()) fail("vision_config", "must be an object");
  const std::string path = "vision_config";
  const std::optional<std::string> vision_type = reader.string(*vision, path, "model_type");
  static constexpr std::array<std::string_view, 5> kQwenVit{"qwen2_vl", "qwen2_5_vl", "qwen3_vl", "qwen3_vl_moe", "glm4v"};
  const bool qwen = outer_type && std::find(kQwenVit.begin(), kQwenVit.end(), *outer_type) != kQwenVit.end();
  const bool pixtral = vision_type == "pixtral";
  if (!qwen && !pixtral) {
    warnings.push_back("vision_config: a vision tower ropecheck does not model; its RoPE (if any) is not read");
    return std::nullopt;
  }
  HfLayerRope l;
  l.layer_type = std::string(kVisionLayerType);
  l.spec.layout = Layout::half_split;
  l.spec.vision_2d = pixtral ? Vision2d::pixtral : Vision2d::qwen_vl;
  const char* width_key = outer_type == "qwen2_vl" ? "embed_dim" : "hidden_size";
  const char* heads_key = pixtral ? "num_attention_heads" : "num_heads";
  const std::optional<std::size_t> width = reader.count(*vision, path, width_key, 1, 1 << 20);
  const std::optional<std::size_t> heads = reader.count(*vision, path, heads_key, 1, 1 << 16);
  if (!width) fail(join(path, width_key), "missing (the vision head dim is it divided by the heads)");
  if (!heads) fail(join(path, heads_key), "missing (the vision head dim is the width divided by it)");
  std::size_t head_dim = *width / *heads;
  if (pixtral) {
    if (const std::optional<std::size_t> explicit_dim = reader.count(*vision, path, "head_dim", 1, kLargestHeadDim)) {
      head_dim = *explicit_dim;
    }
  }
  l.spec.head_dim = l.spec.rotary_dim = head_dim;
  l.spec.base = 10000;
  if (pixtral) {
    if (const std::optional<double> theta = reader.number(*vision, path, "rope_theta")) {
      l.spec.base = *theta;
    } else {
      warnings.push_back("vision_config.rope_theta is absent: PixtralVisionConfig defaults it to 10000");
    }
    const std::optional<std::size_t> image = reader.count(*vision, path, "image_size", 1, 1 << 24);
    const std::optional<std::size_t> patch = reader.count(*vision, path, "patch_size", 1, 1 << 24);
    if (!image || !patch) fail(join(path, image ? "patch_size" : "image_size"), "missing (patches per side = image_size // patch_size)");
    l.position_limit = static_cast<double>(*image / *patch);
  } else {
    l.position_limit = kDefaultVisionPatchesPerSide;
  }
  const std::optional<std::size_t> depth = reader.count(*vision, path, pixtral ? "num_hidden_layers" : "depth", 1, kMaxLayers);
  if (!depth) fail(join(path, pixtral ? "num_hidden_layers" : "depth"), "missing");
  for (std::size_t i = 0; i < *depth; ++i) l.layers.push_back(i);
  l.applies_to = fmt::format("the vision encoder's q/k heads ({} of {} dims: rows on the first half of the pairs, columns "
                             "on the second)",
                             head_dim, head_dim);
  try {
    validate(l.spec);
  } catch (const InvalidInput& e) {
    fail(path, fmt::format("gives an invalid vision spec: {}", e.what()));
  }
  return l;
}

HfRopeConfig read_hf_config(const json& config) {
  if (!config.is_object()) throw InvalidInput("hf-config: the config must be a JSON object");
  FieldReader reader;
  HfRopeConfig out;
  std::vector<std::string>& warnings = out.warnings;
  ModelContext m;
  m.text = &config;
  // Multimodal wrappers keep the language model's fields in text_config.
  const std::optional<std::string> outer_type = reader.string(config, "", "model_type");
  if (const json* text = reader.find(config, "", "text_config")) {
    if (!text->is_object()) fail("text_config", "must be an object");
    m.text = text;
    m.text_path = "text_config";
  }
  const json& text = *m.text;
  std::optional<std::string> model_type =
      m.text_path.empty() ? outer_type : reader.string(text, m.text_path, "model_type");
  if (!model_type) fail(join(m.text_path, "model_type"), "missing (it decides the pairing of the rotary dims)");
  m.row = find_hf_model_type(*model_type);
  if (!m.row) {
    fail(join(m.text_path, "model_type"),
         fmt::format("'{}' is not a model type ropecheck knows (known: {})", shown(*model_type), known_hf_model_types()));
  }
  out.model_type = *model_type;
  const std::optional<std::size_t> layers = reader.count(text, m.text_path, "num_hidden_layers", 1, kMaxLayers);
  if (!layers) fail(join(m.text_path, "num_hidden_layers"), "missing");
  out.num_hidden_layers = *layers;
  m.head_dim = head_dim_of(reader, m, warnings);
  m.max_position_embeddings = reader.number(text, m.text_path, "max_position_embeddings");
  if (!m.max_position_embeddings && m.row->default_max_position_embeddings) {
    m.max_position_embeddings = m.row->default_max_position_embeddings;
    warnings.push_back(fmt::format("max_position_embeddings is absent: {}'s config class defaults it to {}",
                                   m.row->model_type, *m.max_position_embeddings));
  }
  out.max_position_embeddings = m.max_position_embeddings;
  m.top_rope_theta = reader.number(text, m.text_path, "rope_theta");
  m.top_partial_rotary_factor = reader.number(text, m.text_path, "partial_rotary_factor");
  if (m.row->model_type == "phi3") {
    m.top_original_max_position_embeddings = reader.number(text, m.text_path, "original_max_position_embeddings");
  }

  const json* scaling = reader.find(text, m.text_path, "rope_scaling");
  const json* parameters = reader.find(text, m.text_path, "rope_parameters");
  if (scaling && parameters) {
    fail(join(m.text_path, "rope_scaling"), "given together with rope_parameters (v4 and v5 in one config)");
  }
  if (scaling && !scaling->is_object()) fail(join(m.text_path, "rope_scaling"), "must be an object or null");
  if (parameters && !parameters->is_object()) fail(join(m.text_path, "rope_parameters"), "must be an object or null");
  const std::optional<std::vector<std::string>> types = layer_types_of(reader, m, *layers);
  // v5 nests rope_parameters by layer type when every key names one (validate_rope).
  bool nested = false;
  if (parameters && !parameters->empty()) {
    nested = true;
    for (const json& value : *parameters) nested = nested && value.is_object();
    if (nested && !types) {
      fail(join(m.text_path, "layer_types"), "missing, but rope_parameters is keyed by layer type");
    }
  }
  m.nested = nested;
  out.dialect = parameters ? (nested ? "v5 nested" : "v5") : "v4";
  const std::set<std::size_t> nope = no_rope_layers_of(reader, m, *layers, warnings);
  out.no_rope_layers.assign(nope.begin(), nope.end());
  const std::optional<std::size_t> nope_dims = mla_nope_dims(reader, m);
  const std::string where = applies_to(m, nope_dims);

  // Layer type → its RoPE, and which layers have it.
  std::map<std::string, std::vector<std::size_t>> layers_of_type;
  const auto add_layer = [&](const std::string& type, std::size_t layer) {
    if (!nope.count(layer)) layers_of_type[type].push_back(layer);
  };
  const std::string top = m.text_path;
  if (nested) {
    for (std::size_t i = 0; i < *layers; ++i) {
      if (!parameters->contains((*types)[i])) {
        fail(join(top, "rope_parameters"),
             fmt::format("has no entry for layer type '{}' of layer {} (layer_types)", shown((*types)[i]), i));
      }
      add_layer((*types)[i], i);
    }
    for (const auto& [type, dict] : parameters->items()) {
      const RopeParameters p{&dict, join(join(top, "rope_parameters"), type)};
      if (!layers_of_type.count(type)) {
        warnings.push_back(fmt::format("{}: no layer with RoPE has this type", p.path));
        reader.find(*parameters, join(top, "rope_parameters"), type);
        continue;
      }
      // Gemma 4: the full layers' heads are global_head_dim wide.
      ModelContext layer = m;
      if (m.row->global_head_dim_for_full_attention && type == "full_attention") {
        if (const std::optional<std::size_t> global = reader.count(text, top, "global_head_dim", 1, kLargestHeadDim)) {
          layer.head_dim = *global;
        }
      }
      out.layer_types.push_back({type, spec_from(reader, p, m.top_rope_theta, layer, warnings), layers_of_type[type], where, std::nullopt});
    }
  } else if (m.row->local_base_freq_layers) {
    // Gemma 3 before v5's nesting: sliding layers rotate with rope_local_base_freq and no
    // scaling, full layers with rope_theta and rope_scaling.
    std::vector<std::string> per_layer;
    if (types) {
      per_layer = *types;
    } else {
      const std::optional<std::size_t> pattern = reader.count(text, top, "sliding_window_pattern", 1, kMaxLayers);
      const double every = pattern ? static_cast<double>(*pattern) : *m.row->default_sliding_window_pattern;
      if (!pattern) warnings.push_back(fmt::format("sliding_window_pattern is absent: {}'s config class defaults it to {}", m.row->model_type, every));
      for (std::size_t i = 0; i < *layers; ++i) {
        per_layer.push_back(std::fmod(static_cast<double>(i + 1), every) != 0 ? "sliding_attention" : "full_attention");
      }
    }
    for (std::size_t i = 0; i < *layers; ++i) {
      if (per_layer[i] != "sliding_attention" && per_layer[i] != "full_attention") {
        fail(join(top, "layer_types"),
             fmt::format("layer {} has type '{}' (expected sliding_attention or full_attention)", i, shown(per_layer[i])));
      }
      add_layer(per_layer[i], i);
    }
    std::optional<double> local = reader.number(text, top, "rope_local_base_freq");
    if (!local) {
      local = m.row->default_rope_local_base_freq;
      warnings.push_back(fmt::format("rope_local_base_freq is absent: {}'s config class defaults it to {}", m.row->model_type, *local));
    }
    for (const auto& [type, indices] : layers_of_type) {
      const bool sliding = type == "sliding_attention";
      const RopeParameters p = sliding ? RopeParameters{} : RopeParameters{scaling ? scaling : parameters,
                                                                           join(top, scaling ? "rope_scaling" : "rope_parameters")};
      out.layer_types.push_back({type, spec_from(reader, p, sliding ? local : m.top_rope_theta, m, warnings), indices, where, std::nullopt});
    }
  } else {
    for (std::size_t i = 0; i < *layers; ++i) add_layer("all_layers", i);
    const RopeParameters p{scaling ? scaling : parameters, join(top, scaling ? "rope_scaling" : "rope_parameters")};
    if (layers_of_type.empty()) fail(join(top, "no_rope_layers"), "leaves no layer with RoPE");
    out.layer_types.push_back({"all_layers", spec_from(reader, p, m.top_rope_theta, m, warnings),
                               layers_of_type["all_layers"], where, std::nullopt});
  }
  if (!nope.empty()) {
    if (const std::optional<RopeSpec> temperature = no_rope_spec(reader, m, warnings)) {
      out.layer_types.push_back({std::string(kNoRopeLayerType), *temperature, out.no_rope_layers, where, std::nullopt});
    }
  }
  if (nope_dims) {
    // The spec is of the whole q/k head, [nope | rope]: its last qk_rope_head_dim dims
    // rotate (HF modeling_deepseek_v3.py: q_pass, q_rot = torch.split(q_states,
    // [self.qk_nope_head_dim, self.qk_rope_head_dim], dim=-1), RoPE on q_rot and k_rot, then
    // query_states = torch.cat((q_pass, q_rot), dim=-1); DeepSeek's inference/model.py splits
    // q into q_nope, q_pe the same way).
    for (HfLayerRope& l : out.layer_types) {
      l.spec.rotary_offset = *nope_dims;
      l.spec.head_dim = *nope_dims + l.spec.head_dim;
      try {
        validate(l.spec);
      } catch (const InvalidInput& e) {
        fail(join(m.text_path, "qk_nope_head_dim"), fmt::format("gives an invalid spec: {}", e.what()));
      }
    }
    for (const HfLayerRope& l : out.layer_types) {
      if (l.spec.scaling.type == ScalingType::yarn && l.spec.scaling.mscale_all_dim && *l.spec.scaling.mscale_all_dim != 0) {
        warnings.push_back("mscale_all_dim also multiplies the softmax scale by mscale(factor, mscale_all_dim)²; "
                           "that is outside the rotation and not checked");
        break;
      }
    }
  }

  if (std::optional<HfLayerRope> vision = vision_rope(reader, config, outer_type, warnings)) {
    out.layer_types.push_back(std::move(*vision));
  }

  // What was not read: every field of the config (the wrapper's and text_config's).
  std::vector<std::string> all;
  collect_paths(config, "", all);
  const std::set<std::string>& read = reader.read();
  for (const std::string& path : all) (read.count(path) ? out.fields_read : out.fields_ignored).push_back(path);
  std::sort(out.fields_read.begin(), out.fields_read.end());
  std::sort(out.fields_ignored.begin(), out.fields_ignored.end());
  for (const std::string& path : out.fields_ignored) {
    if (is_rope_relevant(path)) warnings.push_back(fmt::format("{} is not read: ropecheck does not model it", path));
  }
  return out;
}

nlohmann::ordered_json to_json(const HfRopeConfig& config) {
  nlohmann::ordered_json types = nlohmann::ordered_json::array();
  for (const HfLayerRope& l : config.layer_types) {
    types.push_back({{"layer_type", l.layer_type},
                     {"layers", l.layers},
                     {"applies_to", l.applies_to},
                     {"spec", nlohmann::ordered_json::parse(to_json(l.spec).dump())}});
  }
  return {{"format", "ropecheck-hf-spec/1"},
          {"model_type", config.model_type},
          {"dialect", config.dialect},
          {"num_hidden_layers", config.num_hidden_layers},
          {"layer_types", types},
          {"no_rope_layers", config.no_rope_layers},
          {"fields_read", config.fields_read},
          {"fields_ignored", config.fields_ignored},
          {"warnings", config.warnings}};
}

}  // namespace ropecheck::config
