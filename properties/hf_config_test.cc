// Reading HF config.json files (ropecheck/config/hf_config.h): the published configs of
// golden/configs give the specs their modeling code implies; the same model written in
// the v4, v5 flat and v5 nested dialects gives the same specs; bad configs are refused
// with the field named.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ropecheck/config/hf_config.h"
#include "ropecheck/errors.h"
#include "ropecheck/io/safetensors.h"
#include "ropecheck/reference/frequencies.h"
#include "ropecheck/reference/real.h"
#include "support/run_cli.h"

namespace {

using nlohmann::json;
using ropecheck::InvalidInput;
using ropecheck::Layout;
using ropecheck::RopeSpec;
using ropecheck::ScalingType;
using ropecheck::config::HfLayerRope;
using ropecheck::config::HfRopeConfig;
using ropecheck::config::read_hf_config;

const std::string kConfigs = ROPECHECK_SOURCE_DIR "/golden/configs/";

json load(const std::string& name) {
  std::ifstream in(kConfigs + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::vector<std::size_t> range(std::size_t begin, std::size_t end, std::size_t step = 1) {
  std::vector<std::size_t> out;
  for (std::size_t i = begin; i < end; i += step) out.push_back(i);
  return out;
}

const HfLayerRope& only(const HfRopeConfig& c) {
  EXPECT_EQ(c.layer_types.size(), 1u);
  return c.layer_types.at(0);
}

const HfLayerRope& layer_type(const HfRopeConfig& c, const std::string& name) {
  for (const HfLayerRope& l : c.layer_types) {
    if (l.layer_type == name) return l;
  }
  throw std::runtime_error("no layer type " + name);
}

bool contains(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

void expect_refused(const json& config, const std::string& message) {
  try {
    read_hf_config(config);
    ADD_FAILURE() << "accepted; expected: " << message;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

TEST(hf_config, llama_3_1_reads_llama3_scaling_over_half_split_pairs) {
  const HfRopeConfig c = read_hf_config(load("Llama-3.1-8B.json"));
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.dialect, "v4");
  const HfLayerRope& l = only(c);
  EXPECT_EQ(l.layer_type, "all_layers");
  EXPECT_EQ(l.layers, range(0, 32));
  EXPECT_EQ(l.spec.head_dim, 128u);  // 4096 / 32
  EXPECT_EQ(l.spec.rotary_dim, 128u);
  EXPECT_EQ(l.spec.layout, Layout::half_split);
  EXPECT_EQ(l.spec.base, 500000.0);
  EXPECT_EQ(l.spec.scaling.type, ScalingType::llama3);
  EXPECT_EQ(l.spec.scaling.factor, 8.0);
  EXPECT_EQ(l.spec.scaling.low_freq_factor, 1.0);
  EXPECT_EQ(l.spec.scaling.high_freq_factor, 4.0);
  EXPECT_EQ(l.spec.scaling.original_max_position_embeddings, 8192.0);
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  EXPECT_TRUE(contains(c.fields_read, "rope_scaling.low_freq_factor"));
  EXPECT_TRUE(contains(c.fields_ignored, "vocab_size"));
}

// Llama 4: interleaved (complex) pairs, llama3 with equal low and high factors (no
// smoothing band), every 4th layer without RoPE, and those layers' query temperature as a
// spec of its own: no rotation, σ(m) = 1 + 0.1·ln(1 + ⌊(m + 1)/8192⌋) on the query.
TEST(hf_config, llama_4_scout_has_interleaved_pairs_and_nope_layers) {
  const HfRopeConfig c = read_hf_config(load("Llama-4-Scout-17B-16E-Instruct.json"));
  EXPECT_EQ(c.model_type, "llama4_text");
  EXPECT_EQ(c.no_rope_layers, range(3, 48, 4));
  ASSERT_EQ(c.layer_types.size(), 2u);
  const HfLayerRope& nope = layer_type(c, "no_rope");
  EXPECT_EQ(nope.layers, range(3, 48, 4));
  EXPECT_EQ(nope.spec.rotary_dim, 0u);
  ASSERT_TRUE(nope.spec.position_scale);
  EXPECT_EQ(*nope.spec.position_scale,
            (ropecheck::PositionScale{.beta = 0.1, .floor_scale = 8192, .position_offset = 1, .applies_to = ropecheck::Role::query}));
  EXPECT_TRUE(contains(c.warnings, "floor_scale and attn_scale are absent"));
  json off = load("Llama-4-Scout-17B-16E-Instruct.json");
  off["text_config"]["attn_temperature_tuning"] = false;
  EXPECT_EQ(read_hf_config(off).layer_types.size(), 1u);  // NoPE layers then change nothing
  const HfLayerRope& l = layer_type(c, "all_layers");
  EXPECT_EQ(l.layers.size(), 36u);
  EXPECT_EQ(l.spec.layout, Layout::interleaved);
  EXPECT_EQ(l.spec.head_dim, 128u);
  EXPECT_EQ(l.spec.scaling.type, ScalingType::llama3);
  EXPECT_EQ(l.spec.scaling.factor, 16.0);
  EXPECT_TRUE(contains(c.warnings, "vision_config.rope_theta is not read"));
  // Equal factors: θ_i/16 exactly where the wavelength 2π/θ_i exceeds 8192, θ_i elsewhere.
  using ropecheck::reference::Real;
  RopeSpec unscaled = l.spec;
  unscaled.scaling = {};
  const std::vector<Real> scaled = ropecheck::reference::frequencies<Real>(l.spec);
  const std::vector<Real> plain = ropecheck::reference::frequencies<Real>(unscaled);
  std::size_t divided = 0;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const bool long_wave = 2 * boost::math::constants::pi<Real>() / plain[i] > 8192;
    EXPECT_EQ(scaled[i], long_wave ? Real(plain[i] / 16) : plain[i]) << i;
    divided += long_wave;
  }
  EXPECT_GT(divided, 0u);
  EXPECT_LT(divided, plain.size());
}

// Gemma 3: sliding layers rotate with rope_local_base_freq and no scaling, every 6th
// layer is global with rope_theta and the linear factor 8; the omitted fields come from
// the config class's defaults, each a warning.
TEST(hf_config, gemma_3_gives_sliding_and_full_layers_their_own_rope) {
  const HfRopeConfig c = read_hf_config(load("gemma-3-4b-it.json"));
  EXPECT_EQ(c.model_type, "gemma3_text");
  ASSERT_EQ(c.layer_types.size(), 2u);
  const HfLayerRope& full = layer_type(c, "full_attention");
  const HfLayerRope& sliding = layer_type(c, "sliding_attention");
  EXPECT_EQ(full.layers, (std::vector<std::size_t>{5, 11, 17, 23, 29}));
  EXPECT_EQ(sliding.layers.size(), 29u);
  EXPECT_EQ(full.spec.base, 1e6);
  EXPECT_EQ(full.spec.scaling.type, ScalingType::linear);
  EXPECT_EQ(full.spec.scaling.factor, 8.0);
  EXPECT_EQ(sliding.spec.base, 1e4);
  EXPECT_EQ(sliding.spec.scaling.type, ScalingType::none);
  EXPECT_EQ(full.spec.head_dim, 256u);
  EXPECT_EQ(full.spec.layout, Layout::half_split);
  EXPECT_TRUE(contains(c.warnings, "head_dim is absent"));
  EXPECT_TRUE(contains(c.warnings, "rope_local_base_freq is absent"));
}

TEST(hf_config, qwen_2_5_with_and_without_the_model_cards_yarn) {
  const HfLayerRope plain = only(read_hf_config(load("Qwen2.5-7B-Instruct.json")));
  EXPECT_EQ(plain.spec.head_dim, 128u);  // 3584 / 28
  EXPECT_EQ(plain.spec.base, 1e6);
  EXPECT_EQ(plain.spec.scaling.type, ScalingType::none);
  const HfLayerRope yarn = only(read_hf_config(load("Qwen2.5-7B-Instruct-yarn.json")));
  EXPECT_EQ(yarn.spec.scaling.type, ScalingType::yarn);
  EXPECT_EQ(yarn.spec.scaling.factor, 4.0);
  EXPECT_EQ(yarn.spec.scaling.original_max_position_embeddings, 32768.0);
}

// DeepSeek MLA: the q/k head is [nope 128 | rope 64]; only the last 64 dims rotate, in
// interleaved pairs, with YaRN over those 64 dims.
TEST(hf_config, deepseek_v3_rotates_the_rope_slice_with_yarn) {
  const HfRopeConfig c = read_hf_config(load("DeepSeek-V3.json"));
  const HfLayerRope& l = only(c);
  EXPECT_EQ(l.spec.head_dim, 192u);
  EXPECT_EQ(l.spec.rotary_offset, 128u);
  EXPECT_EQ(l.spec.rotary_dim, 64u);
  EXPECT_EQ(l.spec.layout, Layout::interleaved);
  EXPECT_EQ(l.spec.scaling.type, ScalingType::yarn);
  EXPECT_EQ(l.spec.scaling.factor, 40.0);
  EXPECT_EQ(l.spec.scaling.mscale, 1.0);
  EXPECT_EQ(l.spec.scaling.mscale_all_dim, 1.0);
  EXPECT_EQ(l.spec.scaling.original_max_position_embeddings, 4096.0);
  EXPECT_NE(l.applies_to.find("[128, 192)"), std::string::npos) << l.applies_to;
  EXPECT_TRUE(contains(c.warnings, "softmax scale"));
}

TEST(hf_config, gpt_oss_keeps_yarn_untruncated_over_both_layer_types) {
  const HfRopeConfig c = read_hf_config(load("gpt-oss-20b.json"));
  const HfLayerRope& l = only(c);  // sliding and full layers share one RoPE
  EXPECT_EQ(l.layers, range(0, 24));
  EXPECT_EQ(l.spec.head_dim, 64u);  // head_dim, not 2880 / 64
  EXPECT_EQ(l.spec.base, 150000.0);
  EXPECT_EQ(l.spec.scaling.truncate, false);
  EXPECT_EQ(l.spec.scaling.factor, 32.0);
}

TEST(hf_config, phi_4_mini_rotates_three_quarters_with_longrope) {
  const HfLayerRope l = only(read_hf_config(load("Phi-4-mini-instruct.json")));
  EXPECT_EQ(l.spec.head_dim, 128u);
  EXPECT_EQ(l.spec.rotary_dim, 96u);
  EXPECT_EQ(l.spec.scaling.type, ScalingType::longrope);
  EXPECT_EQ(l.spec.scaling.long_factor->size(), 48u);
  EXPECT_EQ(l.spec.scaling.original_max_position_embeddings, 4096.0);  // the top-level field
  EXPECT_EQ(l.spec.scaling.max_position_embeddings, 131072.0);
}

TEST(hf_config, glm_4_rotates_half_the_head_in_interleaved_pairs) {
  const HfLayerRope l = only(read_hf_config(load("glm-4-9b-chat-hf.json")));
  EXPECT_EQ(l.spec.rotary_dim, 64u);
  EXPECT_EQ(l.spec.layout, Layout::interleaved);
}

TEST(hf_config, ministral_3_reads_v5_rope_parameters_and_names_the_query_scale) {
  const HfRopeConfig c = read_hf_config(load("ministral3-ernie-image-pe.json"));
  EXPECT_EQ(c.dialect, "v5");
  const HfLayerRope& l = only(c);
  EXPECT_EQ(l.spec.base, 1e6);
  EXPECT_EQ(l.spec.scaling.type, ScalingType::yarn);
  EXPECT_EQ(l.spec.scaling.factor, 16.0);
  EXPECT_EQ(l.spec.scaling.original_max_position_embeddings, 16384.0);
  // llama_4_scaling_beta: the query, after RoPE, times 1 + 0.1·ln(1 + ⌊m/16384⌋).
  ASSERT_TRUE(l.spec.position_scale);
  EXPECT_EQ(*l.spec.position_scale,
            (ropecheck::PositionScale{.beta = 0.1, .floor_scale = 16384, .position_offset = 0, .applies_to = ropecheck::Role::query}));
  EXPECT_EQ(l.spec.role, ropecheck::Role::query);
  EXPECT_TRUE(contains(c.fields_read, "rope_parameters.llama_4_scaling_beta"));
}

// v4 → v5 by hand, as HF's standardize_rope_params does it: rope_theta, rope_scaling
// (type → rope_type) and partial_rotary_factor move into rope_parameters.
json to_v5_flat(json config) {
  json& text = config.contains("text_config") ? config["text_config"] : config;
  json parameters = text.contains("rope_scaling") && !text["rope_scaling"].is_null() ? text["rope_scaling"] : json::object();
  if (parameters.contains("type")) {
    parameters["rope_type"] = parameters["type"];
    parameters.erase("type");
  }
  if (!parameters.contains("rope_type")) parameters["rope_type"] = "default";
  if (text.contains("rope_theta")) parameters["rope_theta"] = text["rope_theta"];
  if (text.contains("partial_rotary_factor")) parameters["partial_rotary_factor"] = text["partial_rotary_factor"];
  text.erase("rope_scaling");
  text.erase("rope_theta");
  text.erase("partial_rotary_factor");
  text["rope_parameters"] = parameters;
  return config;
}

// … and nested: the same dict under every layer type, with layer_types.
json to_v5_nested(json config) {
  config = to_v5_flat(config);
  json& text = config.contains("text_config") ? config["text_config"] : config;
  const std::size_t layers = text["num_hidden_layers"].get<std::size_t>();
  json types = json::array();
  for (std::size_t i = 0; i < layers; ++i) types.push_back(i % 2 ? "full_attention" : "sliding_attention");
  text["layer_types"] = types;
  text["rope_parameters"] = {{"full_attention", text["rope_parameters"]}, {"sliding_attention", text["rope_parameters"]}};
  return config;
}

TEST(hf_config, v4_v5_and_v5_nested_give_the_same_specs) {
  for (const char* name : {"Llama-3.1-8B.json", "Llama-4-Scout-17B-16E-Instruct.json", "Qwen2.5-7B-Instruct-yarn.json",
                           "DeepSeek-V3.json", "gpt-oss-20b.json", "Phi-4-mini-instruct.json", "glm-4-9b-chat-hf.json"}) {
    SCOPED_TRACE(name);
    const json v4 = load(name);
    // Llama 4's NoPE layers keep their temperature spec in every dialect; the rest is the RoPE.
    const auto rope_types = [](HfRopeConfig c) {
      std::erase_if(c.layer_types, [](const HfLayerRope& l) { return l.layer_type == ropecheck::config::kNoRopeLayerType; });
      return c;
    };
    const RopeSpec expected = only(rope_types(read_hf_config(v4))).spec;
    const HfRopeConfig flat = read_hf_config(to_v5_flat(v4));
    EXPECT_EQ(flat.dialect, "v5");
    EXPECT_EQ(only(rope_types(flat)).spec, expected);
    const HfRopeConfig nested = rope_types(read_hf_config(to_v5_nested(v4)));
    EXPECT_EQ(nested.dialect, "v5 nested");
    ASSERT_EQ(nested.layer_types.size(), 2u);
    std::vector<std::size_t> layers;
    for (const HfLayerRope& l : nested.layer_types) {
      EXPECT_EQ(l.spec, expected) << l.layer_type;
      layers.insert(layers.end(), l.layers.begin(), l.layers.end());
    }
    std::sort(layers.begin(), layers.end());
    EXPECT_EQ(layers, only(rope_types(read_hf_config(v4))).layers);
  }
}

// Gemma 3 in v5: its two layer types nested, with the values its v4 config implies.
TEST(hf_config, gemma_3_nested_by_hand_gives_the_same_specs) {
  const HfRopeConfig v4 = read_hf_config(load("gemma-3-4b-it.json"));
  json config = load("gemma-3-4b-it.json");
  json& text = config["text_config"];
  text.erase("rope_scaling");
  json types = json::array();
  for (int i = 0; i < 34; ++i) types.push_back((i + 1) % 6 ? "sliding_attention" : "full_attention");
  text["layer_types"] = types;
  text["head_dim"] = 256;
  text["rope_parameters"] = {{"full_attention", {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 1e6}}},
                             {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 1e4}}}};
  const HfRopeConfig v5 = read_hf_config(config);
  EXPECT_EQ(v5.dialect, "v5 nested");
  for (const char* type : {"full_attention", "sliding_attention"}) {
    EXPECT_EQ(layer_type(v5, type).spec, layer_type(v4, type).spec) << type;
    EXPECT_EQ(layer_type(v5, type).layers, layer_type(v4, type).layers) << type;
  }
}

TEST(hf_config, bad_configs_are_refused_with_the_field_named) {
  json llama = load("Llama-3.1-8B.json");
  json c = llama;
  c["rope_scaling"]["rope_type"] = "llama5";
  expect_refused(c, "rope_scaling.rope_type: unknown rope_type 'llama5'");
  c = llama;
  c["model_type"] = "not_a_model";
  expect_refused(c, "model_type: 'not_a_model' is not a model type ropecheck knows");
  c = llama;
  c.erase("num_hidden_layers");
  expect_refused(c, "num_hidden_layers: missing");
  c = llama;
  c["rope_scaling"].erase("factor");
  expect_refused(c, "rope_scaling.factor: missing");
  c = llama;
  c["rope_parameters"] = {{"rope_type", "default"}};
  expect_refused(c, "rope_scaling: given together with rope_parameters");
  c = llama;
  c["partial_rotary_factor"] = 0.09;  // 128 · 0.09 = 11.52 → 11 dims: odd
  expect_refused(c, "partial_rotary_factor: 0.09 of head dim 128 gives 11 rotary dims");
  c = llama;
  c["hidden_size"] = 4100;  // not a multiple of 32 heads, and no head_dim
  expect_refused(c, "hidden_size: 4100 is not a multiple of num_attention_heads 32");
  c = llama;
  c["rope_theta"] = "500000";
  expect_refused(c, "rope_theta: must be a number");
  // GPT-NeoX computes the head dim as the quotient: a head_dim that differs contradicts it.
  json neox = {{"model_type", "gpt_neox"}, {"hidden_size", 4096}, {"num_attention_heads", 32}, {"num_hidden_layers", 2},
               {"rotary_pct", 0.25}, {"rope_theta", 10000}, {"head_dim", 96}};
  expect_refused(neox, "head_dim: 96 contradicts hidden_size / num_attention_heads = 128");
  neox.erase("head_dim");
  EXPECT_EQ(only(read_hf_config(neox)).spec.rotary_dim, 32u);
  // Layer types that do not match the layers, or a type without rope parameters.
  json nested = to_v5_nested(llama);
  nested["layer_types"].erase(0);
  expect_refused(nested, "layer_types: has 31 entries for num_hidden_layers 32");
  nested = to_v5_nested(llama);
  nested["rope_parameters"].erase("sliding_attention");
  expect_refused(nested, "has no entry for layer type 'sliding_attention' of layer 0");
  nested = to_v5_nested(llama);
  nested.erase("layer_types");
  expect_refused(nested, "layer_types: missing, but rope_parameters is keyed by layer type");
  expect_refused(json::array(), "the config must be a JSON object");
  // A hostile key or type name cannot add a line to a message or a warning.
  c = llama;
  c["rope_scaling"]["rope_type"] = "llama3\nprops: 999 passed";
  expect_refused(c, "unknown rope_type 'llama3\\x0aprops: 999 passed'");
  c = llama;
  c["rope_scaling"]["x\nfake"] = 1;
  const HfRopeConfig hostile = read_hf_config(c);
  EXPECT_TRUE(contains(hostile.warnings, "rope_scaling.x\\x0afake is not read"));
  for (const std::string& w : hostile.warnings) EXPECT_EQ(w.find('\n'), std::string::npos) << w;
  // Nesting far deeper than any config is listed whole, not recursed into.
  json deep = 1;
  for (int i = 0; i < 100000; ++i) deep = json{{"a", std::move(deep)}};
  c = llama;
  c["deep"] = std::move(deep);
  EXPECT_TRUE(contains(read_hf_config(c).fields_ignored, "deep.a.a.a.a.a.a.a"));
}

// The v5 rules where a config says a thing twice: the nested rope_theta wins, the
// top-level partial_rotary_factor wins, and both are warnings.
TEST(hf_config, where_a_value_is_given_twice_hf_semantics_apply_with_a_warning) {
  json c = to_v5_flat(load("glm-4-9b-chat-hf.json"));
  c["rope_theta"] = 5e6;
  c["partial_rotary_factor"] = 0.25;
  const HfRopeConfig r = read_hf_config(c);
  EXPECT_EQ(only(r).spec.base, 10000.0);
  EXPECT_EQ(only(r).spec.rotary_dim, 32u);
  EXPECT_TRUE(contains(r.warnings, "rope_parameters.rope_theta 10000 differs from the top-level rope_theta 5000000"));
  EXPECT_TRUE(contains(r.warnings, "partial_rotary_factor 0.5 differs from the top-level 0.25"));
}

TEST(hf_config, cli_prints_the_specs_and_refuses_bad_configs_with_exit_2) {
  using ropecheck::testing::run_cli;
  const auto run_quiet = [](const std::string& args) {  // stdout only: the JSON
    return ropecheck::testing::run_shell(std::string(ROPECHECK_CLI) + " " + args + " 2>/dev/null");
  };
  auto r = run_quiet("spec --hf-config " + kConfigs + "gemma-3-4b-it.json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json printed = json::parse(r.out);
  EXPECT_EQ(printed["format"], "ropecheck-hf-spec/1");
  EXPECT_EQ(printed["layer_types"].size(), 2u);
  r = run_quiet("spec --hf-config " + kConfigs + "gemma-3-4b-it.json --layer-type sliding_attention");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(json::parse(r.out)["base"], 10000.0);
  r = run_cli("spec --hf-config " + kConfigs + "gemma-3-4b-it.json --layer-type nope");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("it has: full_attention, sliding_attention"), std::string::npos) << r.out;
  r = run_cli("spec --hf-config " + kConfigs + "README.md");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(ropecheck::testing::count_lines(r.out), 1u) << r.out;
  r = run_cli("spec --hf-config " + kConfigs + "gemma-3-4b-it.json");
  EXPECT_NE(r.out.find("ropecheck spec: warning: head_dim is absent"), std::string::npos) << r.out;
}

// The committed golden/models set is what `golden --hf-config` makes of golden/configs,
// byte for byte, with the config's name and digest in each file; the built-in kernels pass
// every one of its cases under `exact`.
TEST(hf_config, golden_models_regenerate_from_the_configs_and_the_kernels_pass_them) {
  using ropecheck::testing::run_cli;
  std::string configs;
  for (const char* name : {"DeepSeek-V3.json", "Llama-3.1-8B.json", "Llama-4-Scout-17B-16E-Instruct.json",
                           "Phi-4-mini-instruct.json", "Qwen2.5-7B-Instruct-yarn.json", "Qwen2.5-7B-Instruct.json",
                           "Qwen2.5-VL-7B-Instruct.json", "Qwen3-VL-4B-Instruct.json", "gemma-3-4b-it.json", "glm-4-9b-chat-hf.json", "gpt-oss-20b.json",
                           "ministral3-ernie-image-pe.json"}) {
    configs += " --hf-config " + kConfigs + name;
  }
  const std::string models = ROPECHECK_SOURCE_DIR "/golden/models";
  auto r = run_cli("golden" + configs + " --verify " + models);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("golden --verify: 18 of 18 case files reproduce byte for byte"), std::string::npos) << r.out;
  // A config changed by one value no longer reproduces its file.
  const std::string dir = ::testing::TempDir() + "ropecheck_hf_golden";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  json changed = load("Llama-3.1-8B.json");
  changed["rope_theta"] = 500001.0;
  std::ofstream(dir + "/Llama-3.1-8B.json") << changed.dump();
  r = run_cli("golden --hf-config " + dir + "/Llama-3.1-8B.json --verify " + models);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("DIFFERS llama_3_1_8b_all_layers.safetensors"), std::string::npos) << r.out;
  // Metadata names the model and the config's digest.
  const ropecheck::io::SafetensorsFile file = ropecheck::io::read_safetensors(models + "/gemma_3_4b_it_full_attention.safetensors");
  EXPECT_EQ(file.metadata.at("layer_type"), "full_attention");
  EXPECT_EQ(file.metadata.at("model_type"), "gemma3_text");
  EXPECT_EQ(file.metadata.at("hf_config_sha256").size(), 64u);
  // The built-in kernels on the models' inputs: every layer type passes `exact`.
  r = run_cli("apply --golden " + models + " --out " + dir + "/candidates");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("check --golden " + models + " --candidate " + dir + "/candidates");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("check: 18 of 18 cases pass under profile exact"), std::string::npos) << r.out;
}

TEST(hf_config, golden_hf_config_refuses_what_it_cannot_make) {
  using ropecheck::testing::run_cli;
  const std::string dir = ::testing::TempDir() + "ropecheck_hf_golden_bad";
  std::filesystem::remove_all(dir);
  auto r = run_cli("golden --hf-config " + kConfigs + "gpt-oss-20b.json --hf-config " + kConfigs +
                   "gpt-oss-20b.json --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("two --hf-config files make the case id 'gpt_oss_20b_all_layers'"), std::string::npos) << r.out;
  r = run_cli("golden --hf-config " + kConfigs + "gpt-oss-20b.json --positions 1,,2 --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = run_cli("golden --hf-config " + kConfigs + "gpt-oss-20b.json --positions 16777216 --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  r = run_cli("golden --dtype bf16 --out " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--dtype and --positions go with --hf-config"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir + "/SHA256SUMS")) << "nothing is written half-way";
  // Explicit positions and dtype reach the file.
  r = run_cli("golden --hf-config " + kConfigs + "gpt-oss-20b.json --positions 0,4095,4096,131071 --dtype bf16 --out " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const ropecheck::io::SafetensorsFile file = ropecheck::io::read_safetensors(dir + "/gpt_oss_20b_all_layers.safetensors");
  EXPECT_EQ(file.metadata.at("input_dtype"), "bf16");
}

// `report --hf-config`: the model's layer types are the swept cases; shards of such a sweep
// merge only against the same configs.
TEST(hf_config, report_sweeps_a_models_layer_types) {
  using ropecheck::testing::run_cli;
  const std::string dir = ::testing::TempDir() + "ropecheck_hf_report";
  std::filesystem::remove_all(dir);
  const std::string gemma = " --hf-config " + kConfigs + "gemma-3-4b-it.json";
  auto r = run_cli("report" + gemma + " --impl accurate --positions 0,1,4096,131071 --no-plots --out " + dir + "/all");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("kernels:accurate           f32    2 cases"), std::string::npos) << r.out;
  const json report = json::parse(std::ifstream(dir + "/all/report.json"));
  EXPECT_NE(report.dump().find("gemma_3_4b_it_sliding_attention"), std::string::npos);
  for (const char* shard : {"1/2", "2/2"}) {
    r = run_cli("report" + gemma + " --impl accurate --positions 0,1,4096 --no-plots --shard " + shard + " --out " + dir +
                "/shard" + std::string(1, shard[0]));
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  r = run_cli("report merge" + gemma + " --out " + dir + "/merged " + dir + "/shard1/report.json " + dir +
              "/shard2/report.json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // Against the catalogue the shards did not sweep, the merge is refused.
  r = run_cli("report merge --out " + dir + "/wrong " + dir + "/shard1/report.json " + dir + "/shard2/report.json");
  EXPECT_NE(r.exit_code, 0) << r.out;
  r = run_cli("report" + gemma + " --cases " ROPECHECK_SOURCE_DIR "/golden/cases.json --out " + dir + "/both");
  EXPECT_EQ(r.exit_code, 2) << r.out;
}

// Gemma 4, from the defaults of HF's Gemma4TextConfig (configuration_gemma4.py; no
// published checkpoint config could be confirmed, so this is a test input, not a fixture):
// sliding layers rotate all of a 256-dim head with base 1e4; full layers have 512-dim
// heads of which 64 pairs (i, i + 256) rotate with base^(−2i/512), base 1e6: proportional,
// not ordinary partial rotary over 128 dims.
TEST(hf_config, gemma_4_full_layers_rotate_proportionally) {
  json types = json::array();
  for (int i = 0; i < 30; ++i) types.push_back((i + 1) % 6 == 0 || i == 29 ? "full_attention" : "sliding_attention");
  const json gemma4 = {
      {"model_type", "gemma4_text"}, {"num_hidden_layers", 30}, {"hidden_size", 2304}, {"num_attention_heads", 8},
      {"head_dim", 256}, {"global_head_dim", 512}, {"max_position_embeddings", 131072}, {"layer_types", types},
      {"rope_parameters",
       {{"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 10000.0}}},
        {"full_attention", {{"rope_type", "proportional"}, {"partial_rotary_factor", 0.25}, {"rope_theta", 1000000.0}}}}}};
  const HfRopeConfig c = read_hf_config(gemma4);
  const HfLayerRope& full = layer_type(c, "full_attention");
  const HfLayerRope& sliding = layer_type(c, "sliding_attention");
  EXPECT_EQ(full.layers, (std::vector<std::size_t>{5, 11, 17, 23, 29}));
  EXPECT_EQ(full.spec.head_dim, 512u);
  EXPECT_EQ(full.spec.rotary_dim, 512u);
  EXPECT_EQ(full.spec.layout, Layout::half_split);
  EXPECT_EQ(full.spec.scaling.type, ScalingType::proportional);
  EXPECT_EQ(full.spec.scaling.partial_rotary_factor, 0.25);
  EXPECT_EQ(ropecheck::proportional_rotating_pairs(full.spec), 64u);
  EXPECT_EQ(sliding.spec.head_dim, 256u);
  EXPECT_EQ(sliding.spec.rotary_dim, 256u);
  EXPECT_EQ(sliding.spec.scaling.type, ScalingType::none);
  EXPECT_EQ(sliding.spec.base, 1e4);
  // Its golden files: the built-in kernels pass exact on both layer types.
  using ropecheck::testing::run_cli;
  const std::string dir = ::testing::TempDir() + "ropecheck_hf_gemma4";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/gemma4.json") << gemma4.dump();
  auto r = run_cli("golden --hf-config " + dir + "/gemma4.json --positions 0,1,2,4095,4096,131071 --out " + dir + "/golden");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("apply --golden " + dir + "/golden --out " + dir + "/kernels");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = run_cli("check --golden " + dir + "/golden --candidate " + dir + "/kernels");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("2 of 2 cases pass under profile exact"), std::string::npos) << r.out;
}

}  // namespace
