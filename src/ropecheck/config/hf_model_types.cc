#include "ropecheck/config/hf_model_types.h"

#include <array>

namespace ropecheck::config {
namespace {

// The pairing of each type is what its modeling code does to q and k, read in HF
// transformers (src/transformers/models/<type>/modeling_<type>.py) unless said otherwise:
//  - half_split: `rotate_half` = cat(−x[R/2:], x[:R/2]) with cos/sin = cat(freqs, freqs).
//  - interleaved: pairs (x[2i], x[2i+1]), by a complex view or an every-two rotation.
constexpr std::array kModelTypes = {
    // llama: rotate_half, emb = cat((freqs, freqs)); head_dim = getattr(config, "head_dim",
    // hidden_size // num_attention_heads).
    HfModelType{.model_type = "llama", .layout = Layout::half_split},
    // mistral, ministral3 (modular_ministral3.py imports mistral's apply_rotary_pos_emb).
    HfModelType{.model_type = "mistral", .layout = Layout::half_split},
    HfModelType{.model_type = "ministral3", .layout = Layout::half_split},
    // qwen2, qwen3 and their MoE variants: rotate_half.
    HfModelType{.model_type = "qwen2", .layout = Layout::half_split},
    HfModelType{.model_type = "qwen2_moe", .layout = Layout::half_split},
    HfModelType{.model_type = "qwen3", .layout = Layout::half_split},
    HfModelType{.model_type = "qwen3_moe", .layout = Layout::half_split},
    // gemma, gemma2: rotate_half over the whole head_dim.
    HfModelType{.model_type = "gemma", .layout = Layout::half_split},
    HfModelType{.model_type = "gemma2", .layout = Layout::half_split},
    // gemma3_text: rotate_half. configuration_gemma3.py: head_dim 256,
    // max_position_embeddings 131072, rope_theta 1e6 (global), rope_local_base_freq 1e4,
    // sliding_window_pattern 6 and
    // layer i sliding iff (i + 1) % pattern != 0. Gemma3Model builds the local rotary
    // embedding from rope_local_base_freq with rope_scaling {"rope_type": "default"}; v5's
    // Gemma3TextConfig merges a legacy rope_scaling into full_attention only.
    HfModelType{.model_type = "gemma3_text",
                .layout = Layout::half_split,
                .default_rope_theta = 1e6,
                .default_head_dim = 256,
                .default_max_position_embeddings = 131072,
                .local_base_freq_layers = true,
                .default_rope_local_base_freq = 1e4,
                .default_sliding_window_pattern = 6},
    // gemma4_text: rotate_half (apply_rotary_pos_emb(x, cos, sin, unsqueeze_dim=2)).
    // configuration_gemma4.py (transformers 351f643): head_dim 256, global_head_dim 512,
    // max_position_embeddings 131072; modeling_gemma4.py: self.head_dim = global_head_dim
    // for non-sliding layers, and the full_attention rotary embedding is built with
    // head_dim_key "global_head_dim" when its rope_type is proportional.
    HfModelType{.model_type = "gemma4_text",
                .layout = Layout::half_split,
                .default_head_dim = 256,
                .default_max_position_embeddings = 131072,
                .global_head_dim_for_full_attention = true},
    // phi3 (Phi-3, Phi-4-mini): rotate_half inside the prefix q[..., :rotary_dim], rotary_dim
    // = cos.shape[-1] = int(head_dim · partial_rotary_factor).
    HfModelType{.model_type = "phi3", .layout = Layout::half_split},
    // glm, glm4: cos/sin[..., :R/2].repeat_interleave(2) and an every-two rotate_half
    // (stack(−x[1::2], x[0::2])) on q[..., :R]. configuration_glm.py (transformers
    // 008e574): kwargs.setdefault("partial_rotary_factor", 0.5).
    HfModelType{.model_type = "glm", .layout = Layout::interleaved, .default_partial_rotary_factor = 0.5},
    HfModelType{.model_type = "glm4", .layout = Layout::interleaved, .default_partial_rotary_factor = 0.5},
    // Multi-axis (M-RoPE) text models; their sections are read from the rope dict.
    // qwen2_vl, qwen2_5_vl (flat configs; HF v5 nests them as *_text): rotate_half with
    // cos/sin split by mrope_section * 2 (apply_multimodal_rotary_pos_emb); Qwen2_5_VLAttention:
    // self.head_dim = self.hidden_size // self.num_heads.
    HfModelType{.model_type = "qwen2_vl", .layout = Layout::half_split, .head_dim = HeadDimSource::quotient_only},
    HfModelType{.model_type = "qwen2_vl_text", .layout = Layout::half_split, .head_dim = HeadDimSource::quotient_only},
    HfModelType{.model_type = "qwen2_5_vl", .layout = Layout::half_split, .head_dim = HeadDimSource::quotient_only},
    HfModelType{.model_type = "qwen2_5_vl_text", .layout = Layout::half_split, .head_dim = HeadDimSource::quotient_only},
    // qwen3_vl_text, qwen3_vl_moe_text: rotate_half after apply_interleaved_mrope;
    // head_dim = getattr(config, "head_dim", None) or hidden_size // num_attention_heads.
    HfModelType{.model_type = "qwen3_vl_text", .layout = Layout::half_split},
    HfModelType{.model_type = "qwen3_vl_moe_text", .layout = Layout::half_split},
    // glm4v_text (modeling_glm4v.py apply_multimodal_rotary_pos_emb): sections over
    // mrope_section * 2, then cos[..., :R/2].repeat_interleave(2) and rotate_half_llm on
    // q[..., :R]: interleaved pairs; partial_rotary_factor 0.5 in its configs.
    HfModelType{.model_type = "glm4v_text", .layout = Layout::interleaved, .default_partial_rotary_factor = 0.5},
    // llama4_text: torch.view_as_complex(xq.float().reshape(..., -1, 2)) times freqs_cis;
    // self.use_rope = config.no_rope_layers[layer_idx] (1 = RoPE, 0 = NoPE).
    HfModelType{.model_type = "llama4_text", .layout = Layout::interleaved, .no_rope_layers = true},
    // deepseek_v2/v3: q_pe, k_pe = the last qk_rope_head_dim dims of each head. DeepSeek's
    // inference/model.py rotates them as complex pairs; HF's apply_rotary_pos_emb_interleave
    // (rope_interleave, default true) de-interleaves them and applies rotate_half, which is
    // the same rotation of the same pairs, with the output in the de-interleaved order.
    HfModelType{.model_type = "deepseek_v2", .layout = Layout::interleaved, .head_dim = HeadDimSource::qk_rope_head_dim},
    HfModelType{.model_type = "deepseek_v3", .layout = Layout::interleaved, .head_dim = HeadDimSource::qk_rope_head_dim},
    // gpt_oss: _apply_rotary_emb splits x into halves (torch.chunk) with cos/sin not doubled.
    HfModelType{.model_type = "gpt_oss", .layout = Layout::half_split},
    // gpt_neox: rotate_half on q[..., :rotary_ndims], rotary_ndims = int(head_size ·
    // rotary_pct) with head_size = hidden_size // num_attention_heads; rotary_pct 0.25.
    HfModelType{.model_type = "gpt_neox",
                .layout = Layout::half_split,
                .head_dim = HeadDimSource::quotient_only,
                .rotary_width = RotaryWidthSource::rotary_pct,
                .default_rotary_pct = 0.25},
    // gptj: rotate_every_two on q[..., :rotary_dim]; head_dim = hidden_size // heads.
    HfModelType{.model_type = "gptj",
                .layout = Layout::interleaved,
                .head_dim = HeadDimSource::quotient_only,
                .rotary_width = RotaryWidthSource::rotary_dim},
    // cohere: emb = repeat_interleave(freqs, 2) and rotate_half = stack(−x[1::2], x[::2]).
    HfModelType{.model_type = "cohere", .layout = Layout::interleaved},
};

}  // namespace

const HfModelType* find_hf_model_type(std::string_view model_type) {
  for (const HfModelType& row : kModelTypes) {
    if (row.model_type == model_type) return &row;
  }
  return nullptr;
}

std::string known_hf_model_types() {
  std::string names;
  for (const HfModelType& row : kModelTypes) {
    if (!names.empty()) names += ", ";
    names += row.model_type;
  }
  return names;
}

}  // namespace ropecheck::config
