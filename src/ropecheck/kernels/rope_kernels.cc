// Validation at the library boundary and run-time dispatch of the RoPE kernels
// (rope_kernels-inl.h holds the per-target code).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ropecheck/kernels/rope_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ropecheck/kernels/rope_kernels-inl.h"

#if HWY_ONCE

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "hwy/targets.h"
#include "ropecheck/errors.h"
#include "ropecheck/kernels/rope_kernels.h"

namespace ropecheck::kernels {

HWY_EXPORT(RotateF32);
HWY_EXPORT(RotateBF16);
HWY_EXPORT(RotateF16);
HWY_EXPORT(FusesMultiplyAdd);
HWY_EXPORT(HasBf16Instructions);

namespace {

void check_call(const RopeShape& shape, const CosSinTable& table, const ConstTensor& in,
                const MutableTensor& out) {
  if (in.dtype != out.dtype) {
    throw InvalidInput(fmt::format("input dtype {} and output dtype {} differ", to_string(in.dtype),
                                   to_string(out.dtype)));
  }
  if (in.dtype == Dtype::f64) throw InvalidInput("the kernels take f32, bf16 or f16, not f64");
  if (shape.rotary_dim % 2 != 0 || shape.rotary_dim > shape.head_dim) {
    throw InvalidInput(fmt::format("rotary_dim {} must be even and ≤ head_dim {}", shape.rotary_dim,
                                   shape.head_dim));
  }
  if (shape.rotary_offset > shape.head_dim - shape.rotary_dim) {
    throw InvalidInput(fmt::format("rotary_offset {} + rotary_dim {} exceeds head_dim {}", shape.rotary_offset,
                                   shape.rotary_dim, shape.head_dim));
  }
  if (table.tokens != shape.tokens || table.pairs != shape.rotary_dim / 2 ||
      table.cos.size() != table.tokens * table.pairs || table.sin.size() != table.cos.size()) {
    throw InvalidInput(fmt::format("cos/sin table is [{}, {}], the call needs [{}, {}]", table.tokens,
                                   table.pairs, shape.tokens, shape.rotary_dim / 2));
  }
  if (!table.scale.empty() && table.scale.size() != table.tokens) {
    throw InvalidInput(fmt::format("the table's position scale has {} entries for {} tokens", table.scale.size(), table.tokens));
  }
  if (shape.tokens * shape.heads * shape.head_dim == 0) return;
  if (in.data == nullptr || out.data == nullptr) throw InvalidInput("tensor data is null");
  const std::size_t row = shape.heads * shape.head_dim;
  if (in.token_stride < row || out.token_stride < row) {
    throw InvalidInput(fmt::format("token stride {} / {} is below heads × head_dim = {}",
                                   in.token_stride, out.token_stride, row));
  }
  const bool same_start = in.data == out.data;
  if (same_start && in.token_stride != out.token_stride) {
    throw InvalidInput("in-place call with different input and output strides");
  }
  if (!same_start) {
    const std::size_t bytes = storage_bytes(in.dtype);
    const auto span_of = [&](const void* p, std::size_t stride) {
      const auto begin = reinterpret_cast<std::uintptr_t>(p);
      return std::pair{begin, begin + ((shape.tokens - 1) * stride + row) * bytes};
    };
    const auto [in_begin, in_end] = span_of(in.data, in.token_stride);
    const auto [out_begin, out_end] = span_of(out.data, out.token_stride);
    if (in_begin < out_end && out_begin < in_end) {
      throw InvalidInput("input and output overlap without being the same tensor");
    }
  }
}

ConstTensor with_default_stride(ConstTensor t, const RopeShape& s) {
  if (t.token_stride == 0) t.token_stride = s.heads * s.head_dim;
  return t;
}
MutableTensor with_default_stride(MutableTensor t, const RopeShape& s) {
  if (t.token_stride == 0) t.token_stride = s.heads * s.head_dim;
  return t;
}

}  // namespace

RopeShape rope_shape(const RopeSpec& spec, std::size_t tokens, std::size_t heads) {
  validate(spec);
  return {tokens, heads, spec.head_dim, spec.rotary_dim, spec.layout, spec.rotary_offset};
}

void apply_rope(const RopeShape& shape, const CosSinTable& table, ConstTensor in_arg,
                MutableTensor out_arg, const KernelOptions& options) {
  const ConstTensor in = with_default_stride(in_arg, shape);
  const MutableTensor out = with_default_stride(out_arg, shape);
  check_call(shape, table, in, out);
  if (shape.tokens * shape.heads * shape.head_dim == 0) return;

  // Reused across calls (one per thread), so a call allocates nothing once warmed up.
  thread_local std::vector<float> scratch;
  scratch.resize(std::max(scratch.size(), detail::scratch_floats(shape.rotary_dim)));
  detail::RotateCall call;
  call.tokens = shape.tokens;
  call.heads = shape.heads;
  call.head_dim = shape.head_dim;
  call.rotary_dim = shape.rotary_dim;
  call.rotary_offset = shape.rotary_offset;
  call.interleaved = shape.layout == Layout::interleaved;
  call.cos = table.cos.data();
  call.sin = table.sin.data();
  call.scale = table.scale.empty() ? nullptr : table.scale.data();
  call.in = in.data;
  call.in_token_stride = in.token_stride;
  call.out = out.data;
  call.out_token_stride = out.token_stride;
  call.in_place = in.data == out.data;
  call.bf16_instructions = options.bf16 == Bf16Conversion::automatic && cpu_has_avx512_bf16();
  const std::size_t out_bytes = shape.tokens * out.token_stride * storage_bytes(out.dtype);
  call.stream = options.streaming == Streaming::always ||
                (options.streaming == Streaming::automatic && out_bytes >= kStreamingThresholdBytes);
  call.scratch = scratch.data();
  switch (in.dtype) {
    case Dtype::f32: HWY_DYNAMIC_DISPATCH(RotateF32)(call); return;
    case Dtype::bf16: HWY_DYNAMIC_DISPATCH(RotateBF16)(call); return;
    case Dtype::f16: HWY_DYNAMIC_DISPATCH(RotateF16)(call); return;
    case Dtype::f64: break;
  }
}

void apply_rope(const RopeSpec& spec, PositionsView positions, std::size_t heads,
                ConstTensor in, MutableTensor out, const KernelOptions& options) {
  const CosSinTable table = build_table(spec, positions, TableMode::accurate);
  apply_rope(rope_shape(spec, positions.tokens(), heads), table, in, out, options);
}

std::vector<std::int64_t> available_targets() { return hwy::SupportedAndGeneratedTargets(); }

std::string target_name(std::int64_t target) { return hwy::TargetName(target); }

void restrict_dispatch(std::int64_t target) { hwy::SetSupportedTargetsForTest(target); }

bool dispatched_target_fuses_multiply_add() { return HWY_DYNAMIC_DISPATCH(FusesMultiplyAdd)(); }

bool dispatched_target_has_bf16_instructions() {
  return HWY_DYNAMIC_DISPATCH(HasBf16Instructions)() && cpu_has_avx512_bf16();
}

bool cpu_has_avx512_bf16() {
#if HWY_ARCH_X86 && (defined(__GNUC__) || defined(__clang__))
  static const bool has = __builtin_cpu_supports("avx512bf16");
  return has;
#else
  return false;
#endif
}

}  // namespace ropecheck::kernels

#endif  // HWY_ONCE
