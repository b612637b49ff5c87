// The accurate cos/sin table against MPFR on every Highway target: each entry within
// 0.5 ulp_f32 + s·kAccurateTableAbsError of s·cos(m·θ_i) (s·sin), for positions up to the
// exact-reduction limit. Negative controls: the same check catches f32 angles (the
// framework tables) and a double angle without the exact reduction.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "ropecheck/errors.h"
#include "ropecheck/props/property_cases.h"
#include "ropecheck/kernels/cos_sin_table.h"
#include "ropecheck/kernels/rope_kernels.h"
#include "ropecheck/numeric/error_model.h"
#include "ropecheck/numeric/ulp.h"
#include "ropecheck/reference/frequencies.h"
#include "support/expect_counterexample.h"

using namespace ropecheck;
using ropecheck::reference::Real;
using ropecheck::testing::expect_counterexample;

namespace {

struct TableCase {
  RopeSpec spec;
  std::vector<std::int64_t> positions;
};

std::ostream& operator<<(std::ostream& os, const TableCase& c) {
  os << "spec " << to_json_text(c.spec) << ", positions [";
  for (std::size_t t = 0; t < c.positions.size(); ++t) os << (t ? ", " : "") << c.positions[t];
  return os << "]";
}

rc::Gen<TableCase> gen_table_case() {
  using namespace rc;
  // |m| < 2^26 with max θ = θ_0 = 1; powers of two and their neighbours, uniform values.
  const Gen<std::int64_t> position = gen::weightedOneOf<std::int64_t>({
      {1, gen::map(gen::pair(gen::inRange(0, 26), gen::inRange(-1, 2)),
                   [](const std::pair<int, int>& p) { return std::max<std::int64_t>(0, (std::int64_t{1} << p.first) + p.second); })},
      {2, gen::inRange<std::int64_t>(0, std::int64_t{1} << 26)},
      {1, gen::inRange<std::int64_t>(-(std::int64_t{1} << 24), std::int64_t{1} << 24)},
  });
  return gen::apply(
      [](RopeSpec spec, std::vector<std::int64_t> positions) { return TableCase{spec, std::move(positions)}; },
      props::gen_spec(),
      gen::suchThat(gen::container<std::vector<std::int64_t>>(position),
                    [](const std::vector<std::int64_t>& p) { return !p.empty() && p.size() <= 8; }));
}

using TableBuilder = std::function<kernels::CosSinTable(const RopeSpec&, std::span<const std::int64_t>)>;

struct TableStats {
  double worst_ratio = 0;       // |entry − exact| / (0.5 ulp + s·Δ)
  double worst_ulps = 0;
  std::size_t entries = 0, correctly_rounded = 0;
  std::string worst;
};

TableStats measure_table(const TableCase& c, const TableBuilder& build) {
  const kernels::CosSinTable table = build(c.spec, c.positions);
  const std::vector<Real> thetas = reference::frequencies<Real>(c.spec);
  const double s = static_cast<double>(reference::attention_factor<Real>(c.spec));
  TableStats stats;
  for (std::size_t t = 0; t < c.positions.size(); ++t) {
    const auto exact = reference::cos_sin(thetas, Real(c.positions[t]));
    for (std::size_t i = 0; i < c.spec.pairs(); ++i) {
      for (const bool is_cos : {true, false}) {
        const double want = s * static_cast<double>(is_cos ? exact.cos[i] : exact.sin[i]);
        const double got = static_cast<double>((is_cos ? table.cos : table.sin)[t * table.pairs + i]);
        const double ulp = numeric::ulp_at(want, Dtype::f32);
        const double error = std::fabs(got - want);
        const double ratio = error / (0.5 * ulp + s * numeric::kAccurateTableAbsError);
        ++stats.entries;
        if (error <= 0.5 * ulp) ++stats.correctly_rounded;
        stats.worst_ulps = std::max(stats.worst_ulps, error / ulp);
        if (ratio > stats.worst_ratio) {
          stats.worst_ratio = ratio;
          stats.worst = fmt::format("{} position {} pair {}: got {:a}, exact {:a} ({:.3g} ulp)", is_cos ? "cos" : "sin",
                                    c.positions[t], i, got, want, error / ulp);
        }
      }
    }
  }
  return stats;
}

void check_table(const TableCase& c, const std::string& name, const TableBuilder& build) {
  const TableStats stats = measure_table(c, build);
  if (stats.worst_ratio > 1) {
    RC_FAIL(fmt::format("{}: entry outside 0.5 ulp + s·2^-50 ({:.3g} of it): {}", name, stats.worst_ratio, stats.worst));
  }
}

kernels::CosSinTable accurate(const RopeSpec& spec, std::span<const std::int64_t> positions) {
  return kernels::build_table(spec, positions, kernels::TableMode::accurate);
}

// The obvious "accurate" table: angle m·θ in double, libm cos/sin, rounded to f32. Its
// angle error m·θ·2^-53 reaches 2^-29 near 2^24: visible against a 2^-50 budget.
kernels::CosSinTable double_angle(const RopeSpec& spec, std::span<const std::int64_t> positions) {
  const kernels::TableFrequencies f = kernels::table_frequencies(spec);
  kernels::CosSinTable table;
  table.tokens = positions.size();
  table.pairs = f.pairs;
  for (const std::int64_t m : positions) {
    for (std::size_t i = 0; i < f.pairs; ++i) {
      const double angle = static_cast<double>(m) * f.theta[i];
      table.cos.push_back(static_cast<float>(std::cos(angle) * f.attention_factor));
      table.sin.push_back(static_cast<float>(std::sin(angle) * f.attention_factor));
    }
  }
  return table;
}

}  // namespace

RC_GTEST_PROP(cos_sin_table, accurate_entries_are_within_half_an_ulp_plus_slack_on_every_target, ()) {
  const TableCase c = *gen_table_case();
  for (const std::int64_t target : kernels::available_targets()) {
    kernels::restrict_dispatch(target);
    check_table(c, kernels::target_name(target), accurate);
  }
  kernels::restrict_dispatch(0);
}
TEST(cos_sin_table_negative_control, f32_angles_are_outside_the_accurate_tables_bound) {
  expect_counterexample("f32 angles", [] {
    check_table(*gen_table_case(), "f32_angle", [](const RopeSpec& spec, std::span<const std::int64_t> p) {
      return kernels::build_table(spec, p, kernels::TableMode::f32_angle);
    });
  });
}
TEST(cos_sin_table_negative_control, double_angles_without_exact_reduction_are_outside_the_bound) {
  expect_counterexample("double angle", [] { check_table(*gen_table_case(), "double angle", double_angle); });
}

// A sweep over 2^20 entries up to position 2^24 on the dispatched target: prints how
// many entries are correctly rounded and the largest error, for the README's claims.
TEST(cos_sin_table, sweep_measures_correct_rounding_rate) {
  TableCase c;
  c.spec.head_dim = c.spec.rotary_dim = 128;
  c.spec.base = 10000;
  for (std::int64_t t = 0; t < 8192; ++t) c.positions.push_back((t * 2048 + t * t * 7) % (std::int64_t{1} << 24));
  const TableStats stats = measure_table(c, accurate);
  std::cout << fmt::format("accurate table ({}): {} of {} entries correctly rounded ({:.6f}%), worst {:.4f} ulp, "
                           "{:.3g} of the bound: {}\n",
                           kernels::target_name(kernels::available_targets().front()), stats.correctly_rounded,
                           stats.entries, 100.0 * static_cast<double>(stats.correctly_rounded) / static_cast<double>(stats.entries),
                           stats.worst_ulps, stats.worst_ratio, stats.worst);
  EXPECT_LE(stats.worst_ratio, 1.0);
  const TableStats naive = measure_table(c, double_angle);
  std::cout << fmt::format("double-angle table: {} of {} correctly rounded, worst {:.4f} ulp\n", naive.correctly_rounded,
                           naive.entries, naive.worst_ulps);
}

TEST(cos_sin_table, rejects_angles_beyond_the_exact_reduction) {
  RopeSpec spec;
  spec.head_dim = spec.rotary_dim = 8;
  const std::vector<std::int64_t> far{std::int64_t{1} << 26};
  EXPECT_THROW(kernels::build_table(spec, far), InvalidInput);
  const std::vector<std::int64_t> near{(std::int64_t{1} << 26) - 1};
  EXPECT_NO_THROW(kernels::build_table(spec, near));
}
