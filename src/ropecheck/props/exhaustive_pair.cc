#include "ropecheck/props/exhaustive_pair.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "ropecheck/errors.h"
#include "ropecheck/reference/parallel_ranges.h"
#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/position_axes.h"
#include "ropecheck/props/kernel_cases.h"
#include "ropecheck/reference/position_scale.h"
#include "ropecheck/reference/real.h"

namespace ropecheck::props {
namespace {

// Every finite bit pattern of a 16-bit dtype, in ascending pattern order.
std::vector<std::uint32_t> finite_patterns(Dtype dtype) {
  std::vector<std::uint32_t> patterns;
  unsigned char element[2];
  for (std::uint32_t bits = 0; bits <= 0xffff; ++bits) {
    store_bits(element, dtype, bits);
    if (std::isfinite(widen(element, dtype))) patterns.push_back(bits);
  }
  return patterns;
}

// What every a value of one thread's range shares: the table row, the error model and
// the element terms that do not depend on (a, b).
struct Setup {
  const ExhaustiveRequest* request = nullptr;
  std::vector<std::uint32_t> patterns;  // every finite b (and a) pattern
  float table_cos = 1, table_sin = 0;
  numeric::ErrorModel model;
  bool position_scaled = false;
};

// One a value against every b: the kernel, the truth, the verdicts.
void check_one_a(const Setup& setup, std::uint32_t a_bits, ExhaustiveResult& r) {
  const ExhaustiveRequest& q = *setup.request;
  const std::size_t n = setup.patterns.size();
  const std::size_t bytes = storage_bytes(q.dtype);
  std::vector<unsigned char> in(2 * n * bytes), out(2 * n * bytes);
  std::vector<double> ab(2 * n);
  unsigned char a_element[2];
  store_bits(a_element, q.dtype, a_bits);
  const double a = widen(a_element, q.dtype);
  for (std::size_t k = 0; k < n; ++k) {
    store_bits(&in[2 * k * bytes], q.dtype, a_bits);
    store_bits(&in[(2 * k + 1) * bytes], q.dtype, setup.patterns[k]);
    ab[2 * k] = a;
    ab[2 * k + 1] = widen(&in[(2 * k + 1) * bytes], q.dtype);
  }
  // The kernel on a one-pair head whose every row holds pair i's table entries at m.
  kernels::CosSinTable table;
  table.tokens = n;
  table.pairs = 1;
  table.cos.assign(n, setup.table_cos);
  table.sin.assign(n, setup.table_sin);
  kernels::RopeShape shape;
  shape.tokens = n;
  shape.heads = 1;
  shape.head_dim = 2;
  shape.rotary_dim = 2;
  shape.layout = Layout::interleaved;
  kernels::apply_rope(shape, table, {in.data(), q.dtype, 0}, {out.data(), q.dtype, 0});

  std::vector<double> expected(2 * n);
  std::vector<std::uint64_t> bits(2 * n);
  reference::CertifiedStats stats;
  r.angle = reference::certified_pair(q.spec, q.pair, q.position, ab, q.dtype, expected, bits, &stats);
  r.truth += stats;
  r.inputs += n;
  r.elements += 2 * n;
  for (std::size_t e = 0; e < 2 * n; ++e) {
    const std::uint32_t got_bits = storage_bits(&out[e * bytes], q.dtype);
    if (got_bits == bits[e]) {
      ++r.correctly_rounded;
      continue;
    }
    const double got = widen(&out[e * bytes], q.dtype);
    numeric::PairTerms terms;
    terms.a = ab[e & ~std::size_t{1}];
    terms.b = ab[e | 1];
    terms.cos = r.angle.cos;
    terms.sin = r.angle.sin;
    terms.attention = r.angle.factor;
    terms.position_scaled = setup.position_scaled;
    terms.position = static_cast<double>(q.position);
    terms.theta = r.angle.theta;
    terms.pair = q.pair;
    terms.second = (e & 1) != 0;
    const double bound = numeric::element_bound(setup.model, expected[e], terms);
    const double error = std::fabs(got - expected[e]);
    const double ratio = bound > 0 && std::isfinite(error) ? error / bound : std::numeric_limits<double>::infinity();
    if (ratio > 1) ++r.beyond_bound;
    if (ratio > r.peak_ratio) {  // strictly: the first element of the peak, in input order
      r.peak_ratio = ratio;
      r.worst = ExhaustiveWorst{a_bits, setup.patterns[e / 2], (e & 1) != 0, got, expected[e], bound, ratio};
    }
  }
}

void merge(ExhaustiveResult& into, const ExhaustiveResult& from) {
  into.inputs += from.inputs;
  into.elements += from.elements;
  into.correctly_rounded += from.correctly_rounded;
  into.beyond_bound += from.beyond_bound;
  into.truth += from.truth;
  if (from.inputs != 0) into.angle = from.angle;
  if (from.peak_ratio > into.peak_ratio) {
    into.peak_ratio = from.peak_ratio;
    into.worst = from.worst;
  }
}

}  // namespace

ExhaustiveResult check_every_input_pair(const ExhaustiveRequest& request,
                                        const std::function<void(std::size_t done, std::size_t total)>& progress) {
  if (request.dtype != Dtype::bf16 && request.dtype != Dtype::f16) {
    throw InvalidInput(fmt::format("exhaustive: --dtype must be bf16 or f16 (2^32 input pairs), not {}",
                                   to_string(request.dtype)));
  }
  validate(request.spec);
  if (request.pair >= request.spec.pairs()) {
    throw InvalidInput(fmt::format("exhaustive: --pair {} is not one of the spec's {} pairs (0 to {})", request.pair,
                                   request.spec.pairs(), request.spec.pairs() == 0 ? 0 : request.spec.pairs() - 1));
  }
  if (request.shard_count == 0 || request.shard_index < 1 || request.shard_index > request.shard_count) {
    throw InvalidInput("exhaustive: the shard must be I/N with 1 ≤ I ≤ N");
  }
  Setup setup;
  setup.request = &request;
  setup.patterns = finite_patterns(request.dtype);
  const std::vector<std::int64_t> components(position_axes(request.spec), request.position);
  const kernels::CosSinTable row =
      kernels::build_table(request.spec, PositionsView(components, components.size()));  // throws beyond its domain
  setup.table_cos = static_cast<float>(static_cast<double>(row.cos[request.pair]) * (1 + request.table_perturbation));
  setup.table_sin = row.sin[request.pair];
  const numeric::Arithmetic arithmetic = kernels::dispatched_target_fuses_multiply_add() ? numeric::Arithmetic::fused
                                                                                         : numeric::Arithmetic::unfused;
  setup.model = numeric::error_model(numeric::Profile::exact, request.dtype, arithmetic);
  setup.position_scaled = reference::position_scale_double(request.spec, request.position) != 1;

  std::vector<std::uint32_t> a_values;
  for (std::size_t k = 0; k < setup.patterns.size(); ++k) {
    if (k % request.shard_count == request.shard_index - 1) a_values.push_back(setup.patterns[k]);
  }
  const std::size_t wanted = request.threads != 0 ? request.threads : reference::truth_threads();
  const std::size_t n = std::max<std::size_t>(1, std::min(wanted, a_values.size()));
  std::vector<ExhaustiveResult> partial(n);
  std::atomic<std::size_t> done{0};
  reference::for_each_range(a_values.size(), n, [&](std::size_t k, std::size_t begin, std::size_t end) {
    for (std::size_t j = begin; j < end; ++j) {
      check_one_a(setup, a_values[j], partial[k]);
      done.fetch_add(1, std::memory_order_relaxed);
      if (k == 0 && progress) progress(done.load(std::memory_order_relaxed), a_values.size());
    }
  });
  if (progress) progress(a_values.size(), a_values.size());
  ExhaustiveResult result;
  for (const ExhaustiveResult& p : partial) merge(result, p);
  return result;
}

}  // namespace ropecheck::props
