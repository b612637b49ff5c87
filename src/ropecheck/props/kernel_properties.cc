#include "ropecheck/props/kernel_properties.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "ropecheck/numeric/measure.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/reference/exact_rope.h"
#include "ropecheck/reference/forms.h"

namespace ropecheck::props {
namespace {

// Restricts Highway's dispatch to one target for the lifetime of the scope.
class DispatchScope {
 public:
  explicit DispatchScope(std::int64_t target) { kernels::restrict_dispatch(target); }
  ~DispatchScope() { kernels::restrict_dispatch(0); }
  DispatchScope(const DispatchScope&) = delete;
  DispatchScope& operator=(const DispatchScope&) = delete;
};

KernelUnderTest builtin_kernel(std::int64_t target, kernels::TableMode mode, kernels::Bf16Conversion bf16,
                               const std::string& suffix) {
  DispatchScope scope(target);
  KernelUnderTest k;
  k.name = fmt::format("{} ({} table{})", kernels::target_name(target), kernels::to_string(mode), suffix);
  k.arithmetic = kernels::dispatched_target_fuses_multiply_add() ? numeric::Arithmetic::fused
                                                                 : numeric::Arithmetic::unfused;
  k.rotate = [target, mode, bf16](const RopeSpec& spec, PositionsView positions,
                                  std::size_t heads, kernels::ConstTensor in, kernels::MutableTensor out) {
    DispatchScope inner(target);
    const kernels::CosSinTable table = kernels::build_table(spec, positions, mode);
    kernels::KernelOptions options;
    options.bf16 = bf16;
    kernels::apply_rope(kernels::rope_shape(spec, positions.tokens(), heads), table, in, out, options);
  };
  return k;
}

struct Run {
  const KernelUnderTest* kernel;
  std::vector<double> output;
};

std::vector<Run> run_all(const KernelCase& c, const KernelBuffers& buffers,
                         const std::vector<KernelUnderTest>& kernels) {
  std::vector<Run> runs;
  for (const KernelUnderTest& k : kernels) {
    const std::vector<unsigned char> out = run_kernel(c, buffers, k);
    const std::size_t touched = first_touched_padding(c, out);
    if (touched != SIZE_MAX) {
      RC_FAIL(fmt::format("{}: wrote stride padding element {} (token {})", k.name, touched,
                          touched / c.token_stride()));
    }
    runs.push_back({&k, widen_output(c, out)});
  }
  return runs;
}

}  // namespace

std::vector<KernelUnderTest> builtin_kernels(kernels::TableMode mode) {
  std::vector<KernelUnderTest> list;
  for (const std::int64_t target : kernels::available_targets()) {
    list.push_back(builtin_kernel(target, mode, kernels::Bf16Conversion::automatic, ""));
    DispatchScope scope(target);
    if (kernels::dispatched_target_has_bf16_instructions()) {
      list.push_back(builtin_kernel(target, mode, kernels::Bf16Conversion::software, ", bf16 by hand"));
    }
  }
  return list;
}

std::vector<unsigned char> run_kernel(const KernelCase& c, const KernelBuffers& buffers,
                                      const KernelUnderTest& kernel) {
  std::vector<unsigned char> out = make_output(c, buffers);
  const kernels::ConstTensor in{c.in_place ? static_cast<const void*>(out.data()) : buffers.in.data(), c.dtype,
                                c.token_stride()};
  const kernels::MutableTensor result{out.data(), c.dtype, c.token_stride()};
  kernel.rotate(c.spec, c.position_view(), c.heads, in, result);
  return out;
}

void check_matches_reference(const KernelCase& c, const std::vector<KernelUnderTest>& kernels,
                             numeric::Profile profile) {
  const KernelBuffers buffers = make_buffers(c);
  const reference::ExactRope exact = reference::exact_rope(c.spec, c.position_view(), buffers.x, c.heads);
  for (const Run& run : run_all(c, buffers, kernels)) {
    const numeric::ErrorStats stats =
        numeric::measure(exact, run.output, numeric::error_model(profile, c.dtype, run.kernel->arithmetic));
    if (!stats.within_bound()) RC_FAIL(fmt::format("{}: {}", run.kernel->name, stats.summary()));
  }
}

void check_preserves_norm(const KernelCase& c, const std::vector<KernelUnderTest>& kernels,
                          numeric::Profile profile) {
  const KernelBuffers buffers = make_buffers(c);
  const reference::ExactRope exact = reference::exact_rope(c.spec, c.position_view(), buffers.x, c.heads);
  const std::size_t d = c.spec.head_dim;
  const std::size_t pairs = c.spec.pairs();
  // Each norm is a sum of R squares in double: relative error ≤ (R/2 + 2)·2^-53 for
  // √ of a sum of R terms (R additions, R products, one square root, halved by the √).
  const double norm_rounding = (static_cast<double>(d) / 2 + 2) * 0x1p-53;
  for (const Run& run : run_all(c, buffers, kernels)) {
    const numeric::ErrorModel model = numeric::error_model(profile, c.dtype, run.kernel->arithmetic);
    for (std::size_t t = 0; t < c.tokens(); ++t) {
      for (std::size_t h = 0; h < c.heads; ++h) {
        const std::size_t row = (t * c.heads + h) * d;
        // Rotated dims scale by s·σ(m), pass-through dims by σ(m) where it is not 1 (and are
        // bit-exact copies, checked elsewhere, where it is).
        const double sigma = exact.position_scale[t];
        double x_sq = 0, y_sq = 0, bound_sq = 0;
        const auto add = [&](std::size_t dim, double factor) {
          const double scaled = factor * exact.x[row + dim];
          x_sq += scaled * scaled;
          y_sq += run.output[row + dim] * run.output[row + dim];
          const double b = numeric::element_bound(model, exact.expected[row + dim], numeric::pair_terms(exact, t, h, dim));
          bound_sq += b * b;
        };
        for (std::size_t i = 0; i < pairs; ++i) {
          const auto [ia, ib] = reference::pair_dims(c.spec, i);
          add(ia, exact.attention_factor * sigma);
          add(ib, exact.attention_factor * sigma);
        }
        if (sigma != 1) {
          for (std::size_t dim = 0; dim < d; ++dim) {
            if (!c.spec.rotates(dim)) add(dim, sigma);
          }
        }
        const double x_norm = std::sqrt(x_sq);
        const double y_norm = std::sqrt(y_sq);
        const double allowed = std::sqrt(bound_sq) + norm_rounding * (x_norm + y_norm);
        if (!(std::fabs(y_norm - x_norm) <= allowed)) {
          RC_FAIL(fmt::format("{}: token {} head {} position {}: ‖ŷ‖ = {:a}, sσ‖x‖ = {:a}, difference {:.3g} > allowed {:.3g}",
                              run.kernel->name, t, h, format_position(c.position_view(), t), y_norm, x_norm,
                              std::fabs(y_norm - x_norm), allowed));
        }
      }
    }
  }
}

void check_bitwise_equal(const KernelCase& c, const KernelUnderTest& a, const KernelUnderTest& b) {
  const KernelBuffers buffers = make_buffers(c);
  const std::vector<unsigned char> out_a = run_kernel(c, buffers, a);
  const std::vector<unsigned char> out_b = run_kernel(c, buffers, b);
  const std::size_t bytes = storage_bytes(c.dtype);
  for (std::size_t k = 0; k < c.storage_elements(); ++k) {
    const std::uint32_t bits_a = storage_bits(out_a.data() + k * bytes, c.dtype);
    const std::uint32_t bits_b = storage_bits(out_b.data() + k * bytes, c.dtype);
    if (bits_a != bits_b) {
      RC_FAIL(fmt::format("{} and {} differ at storage element {} (token {}): {:#x} vs {:#x}", a.name, b.name, k,
                          k / c.token_stride(), bits_a, bits_b));
    }
  }
}

void check_score_shift_invariant(const KernelCase& c, const KernelUnderTest& kernel, numeric::Profile profile) {
  // One head, no padding; tokens 0, 1 (q at m, k at n) and 2, 3 (the same q and k moved by Δ).
  KernelCase pair = c;
  pair.heads = 1;
  pair.stride_padding = 0;
  pair.in_place = false;
  constexpr std::int64_t kLimit = kOrdinaryPositionLimit;
  // q's and k's components (A of each) and each axis' own shift: per axis the score may
  // depend only on that axis' difference (position_axes.h), so moving every axis by its
  // own Δ_a leaves it unchanged.
  const std::size_t axes = c.axes;
  std::vector<std::int64_t> q_at(axes), k_at(axes), shift(axes);
  for (std::size_t a = 0; a < axes; ++a) {
    q_at[a] = c.positions[a] % (kLimit / 2);
    k_at[a] = (c.tokens() > 1 ? c.positions[axes + a] : q_at[a] + 7) % (kLimit / 2);
    shift[a] = static_cast<std::int64_t>((c.data_seed >> (16 * a)) % 100000) + 1;
  }
  pair.positions = q_at;
  pair.positions.insert(pair.positions.end(), k_at.begin(), k_at.end());
  const KernelBuffers qk = make_buffers(pair);
  KernelCase shifted = pair;
  for (const std::vector<std::int64_t>* token : {&q_at, &k_at}) {
    for (std::size_t a = 0; a < axes; ++a) shifted.positions.push_back((*token)[a] + shift[a]);
  }
  KernelBuffers buffers;
  buffers.in = qk.in;
  buffers.in.insert(buffers.in.end(), qk.in.begin(), qk.in.end());
  buffers.x = qk.x;
  buffers.x.insert(buffers.x.end(), qk.x.begin(), qk.x.end());
  const std::vector<double> y = widen_output(shifted, run_kernel(shifted, buffers, kernel));
  const reference::ExactRope exact = reference::exact_rope(shifted.spec, shifted.position_view(), buffers.x, 1);
  const numeric::ErrorModel model = numeric::error_model(profile, c.dtype, kernel.arithmetic);
  const std::size_t d = c.spec.head_dim;
  std::vector<double> bound(y.size(), 0.0);
  for (std::size_t t = 0; t < 4; ++t) {
    // Pass-through dims are exact unless the token is position-scaled.
    const bool scaled = exact.position_scale[t] != 1;
    for (std::size_t dim = 0; dim < d; ++dim) {
      if (!scaled && !c.spec.rotates(dim)) continue;
      bound[t * d + dim] = numeric::element_bound(model, exact.expected[t * d + dim], numeric::pair_terms(exact, t, 0, dim));
    }
  }
  // ŝ = Σ ŷ_q ŷ_k in double: |ŝ − s| ≤ Σ (|ŷ_k| e_q + |ŷ_q| e_k + e_q e_k) + D·2^-52·Σ |ŷ_q ŷ_k|.
  const auto score = [&](std::size_t tq, std::size_t tk, double& tolerance) {
    double sum = 0, magnitude = 0;
    for (std::size_t dim = 0; dim < d; ++dim) {
      const double q = y[tq * d + dim], k = y[tk * d + dim];
      const double eq = bound[tq * d + dim], ek = bound[tk * d + dim];
      sum += q * k;
      magnitude += std::fabs(q * k);
      tolerance += std::fabs(k) * eq + std::fabs(q) * ek + eq * ek;
    }
    tolerance += static_cast<double>(d) * 0x1p-52 * magnitude;
    return sum;
  };
  // A position scale multiplies the score by σ(m_q)·σ(m_k) (exact, from the reference):
  // divided out, what remains must depend on n − m only.
  double tolerance_before = 0, tolerance_after = 0;
  const double scale_before = exact.position_scale[0] * exact.position_scale[1];
  const double scale_after = exact.position_scale[2] * exact.position_scale[3];
  const double before = score(0, 1, tolerance_before) / scale_before;
  const double after = score(2, 3, tolerance_after) / scale_after;
  // The divisions add ≤ 2^-52 relative each (the σ products are rounded too: 2^-52 more).
  const double tolerance = tolerance_before / scale_before + tolerance_after / scale_after +
                           0x1p-50 * (std::fabs(before) + std::fabs(after));
  if (!(std::fabs(before - after) <= tolerance)) {
    const PositionsView at = shifted.position_view();
    RC_FAIL(fmt::format("{}: ⟨q', k'⟩ at positions ({}, {}) is {:a}, at ({}, {}) {:a}: differ by {:.3g} > allowed {:.3g}",
                        kernel.name, format_position(at, 0), format_position(at, 1), before, format_position(at, 2),
                        format_position(at, 3), after, std::fabs(before - after), tolerance));
  }
}

namespace {

// Token t of a case as a case of its own, with its slice of the case's buffers: what one
// call per token (a KV-cache decode) is given.
std::pair<KernelCase, KernelBuffers> token_alone(const KernelCase& c, const KernelBuffers& buffers, std::size_t t) {
  const std::size_t bytes = storage_bytes(c.dtype);
  const std::size_t stride = c.token_stride();
  const std::size_t row = c.heads * c.spec.head_dim;
  KernelCase one = c;
  one.positions.assign(c.positions.begin() + static_cast<std::ptrdiff_t>(t * c.axes),
                       c.positions.begin() + static_cast<std::ptrdiff_t>((t + 1) * c.axes));
  KernelBuffers token;
  token.in.assign(buffers.in.begin() + static_cast<std::ptrdiff_t>(t * stride * bytes),
                  buffers.in.begin() + static_cast<std::ptrdiff_t>((t + 1) * stride * bytes));
  token.x.assign(buffers.x.begin() + static_cast<std::ptrdiff_t>(t * row), buffers.x.begin() + static_cast<std::ptrdiff_t>((t + 1) * row));
  return {std::move(one), std::move(token)};
}

}  // namespace

void check_decode_consistent(const KernelCase& c, const KernelUnderTest& kernel) {
  const KernelBuffers buffers = make_buffers(c);
  const std::vector<unsigned char> whole = run_kernel(c, buffers, kernel);
  const std::size_t bytes = storage_bytes(c.dtype);
  const std::size_t stride = c.token_stride();
  const std::size_t row = c.heads * c.spec.head_dim;
  for (std::size_t t = 0; t < c.tokens(); ++t) {
    const auto [one, token] = token_alone(c, buffers, t);
    const std::vector<unsigned char> alone = run_kernel(one, token, kernel);
    for (std::size_t e = 0; e < row; ++e) {
      const std::uint32_t a = storage_bits(whole.data() + (t * stride + e) * bytes, c.dtype);
      const std::uint32_t b = storage_bits(alone.data() + e * bytes, c.dtype);
      if (a != b) {
        RC_FAIL(fmt::format("{}: token {} (position {}) element {}: {:#x} in a {}-token call, {:#x} alone", kernel.name, t,
                            format_position(c.position_view(), t), e, a, c.tokens(), b));
      }
    }
  }
}

void check_qk_matches_reference(const KernelCase& c, const KernelUnderTest& kernel, numeric::Profile profile) {
  const KernelCase q = [&] {
    KernelCase dense = c;
    dense.stride_padding = 0;
    dense.in_place = false;
    return dense;
  }();
  const KernelCase k = key_case(c);
  const KernelBuffers q_in = make_buffers(q), k_in = make_buffers(k);
  std::vector<unsigned char> q_out = make_output(q, q_in), k_out = make_output(k, k_in);
  kernel.rotate_qk(c.spec, c.position_view(), q.heads, k.heads, {q_in.in.data(), c.dtype, 0}, {q_out.data(), c.dtype, 0},
                   {k_in.in.data(), c.dtype, 0}, {k_out.data(), c.dtype, 0});
  const numeric::ErrorModel model = numeric::error_model(profile, c.dtype, kernel.arithmetic);
  for (const auto& [name, one, in, out] : {std::tuple{"q", &q, &q_in, &q_out}, std::tuple{"k", &k, &k_in, &k_out}}) {
    const reference::ExactRope exact = reference::exact_rope(one->spec, one->position_view(), in->x, one->heads);
    const numeric::ErrorStats stats = numeric::measure(exact, widen_output(*one, *out), model);
    if (!stats.within_bound()) {
      RC_FAIL(fmt::format("{}: {} of a call with {} q heads and {} k heads: {}", kernel.name, name, q.heads, k.heads,
                          stats.summary()));
    }
  }
}

void check_decode_within_bound(const KernelCase& c, const KernelUnderTest& kernel, numeric::Profile profile) {
  const KernelBuffers buffers = make_buffers(c);
  const numeric::ErrorModel model = numeric::error_model(profile, c.dtype, kernel.arithmetic);
  for (std::size_t t = 0; t < c.tokens(); ++t) {
    const auto [one, token] = token_alone(c, buffers, t);
    const std::vector<unsigned char> alone = run_kernel(one, token, kernel);
    const reference::ExactRope exact = reference::exact_rope(one.spec, one.position_view(), token.x, one.heads);
    const numeric::ErrorStats stats = numeric::measure(exact, widen_output(one, alone), model);
    if (!stats.within_bound()) {
      RC_FAIL(fmt::format("{}: token {} (position {}) called alone: {}", kernel.name, t,
                          format_position(c.position_view(), t), stats.summary()));
    }
  }
}

}  // namespace ropecheck::props
