// Precision reports (src/ropecheck/report/): the sweep's positions, the measurement and
// safe context of the built-in tables against the analytic prediction, report.json's
// round trip and validation, report.md's tables, the baseline comparison, shard merging
// and the figures. Small sweeps (3 cases, ~120 positions) keep it under a second or two.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "ropecheck/errors.h"
#include "ropecheck/gate/builtin_candidate.h"
#include "ropecheck/props/kernel_bug_variants.h"
#include "ropecheck/golden/golden_set.h"
#include "ropecheck/numeric/ulp.h"
#include "ropecheck/report/baseline_comparison.h"
#include "ropecheck/report/plot_runner.h"
#include "ropecheck/report/report_json.h"
#include "ropecheck/report/report_markdown.h"
#include "ropecheck/report/report_merge.h"
#include "ropecheck/report/sweep_positions.h"
#include "ropecheck/reference/certified_rope.h"
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

using namespace ropecheck;
using namespace ropecheck::report;
namespace fs = std::filesystem;

namespace {

// report_from_json refuses `j` changed by `change`, with a message naming `needle`.
void expect_report_rejected(const nlohmann::json& j, const std::function<void(nlohmann::json&)>& change,
                            const std::string& needle) {
  nlohmann::json bad = j;
  change(bad);
  try {
    report_from_json(bad, "bad.json");
    ADD_FAILURE() << "accepted: " << needle;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

const std::vector<golden::GoldenCase>& catalogue() {
  static const std::vector<golden::GoldenCase> all =
      golden::read_case_catalogue(fs::path(ROPECHECK_SOURCE_DIR) / "golden/cases.json");
  return all;
}

const char* kSmallSweep = "log:64:1048576";

SweepOptions small_sweep(std::vector<Implementation> implementations, golden::Shard shard = {}) {
  SweepOptions o;
  for (const golden::GoldenCase& c : golden::select_cases(catalogue(), "", shard)) {
    if (c.id == "llama2_7b_half_split_f32" || c.id == "llama2_7b_half_split_bf16" || c.id == "llama2_7b_half_split_f16") {
      o.cases.push_back(c);
    }
  }
  o.positions = sweep_positions(kSmallSweep);
  o.implementations = std::move(implementations);
  o.golden_dir = fs::path(ROPECHECK_SOURCE_DIR) / "golden/v1";
  return o;
}

const PrecisionReport& builtin_report() {
  static const PrecisionReport r = make_report(
      small_sweep({builtin_implementation("accurate"), builtin_implementation("f32-angle")}), catalogue(), "1/1");
  return r;
}

const SweepResult& result(const PrecisionReport& r, const std::string& case_id, const std::string& impl) {
  for (const SweepResult& x : r.results) {
    if (x.case_id == case_id && x.implementation == impl) return x;
  }
  throw std::runtime_error("no result " + case_id + " / " + impl);
}

// An implementation that runs `rotate` on the golden's inputs under another name.
Implementation renamed(std::string name, const props::KernelUnderTest& kernel) {
  Implementation impl;
  impl.name = std::move(name);
  impl.run = [kernel](const golden::Golden& g) {
    ImplementationOutput out;
    for (const std::uint64_t b : gate::run_on_golden(g, kernel.rotate)) {
      out.values.push_back(static_cast<double>(reference::decode_exact(b, g.output_dtype)));
    }
    return out;
  };
  return impl;
}

fs::path fresh_directory(const std::string& what) {
  const fs::path dir = fs::temp_directory_path() / ("ropecheck_report_test_" + what);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST(report_positions, default_sweep_is_log_spaced_with_the_power_of_two_neighbourhoods) {
  const std::vector<std::int64_t> p = sweep_positions("default");
  EXPECT_GE(p.size(), 250u);
  EXPECT_LE(p.size(), 350u);
  EXPECT_TRUE(std::is_sorted(p.begin(), p.end()));
  EXPECT_EQ(std::adjacent_find(p.begin(), p.end()), p.end()) << "each position once";
  EXPECT_EQ(p.front(), 0);
  EXPECT_EQ(p.back(), (1 << 20) + 1);
  for (int k = 2; k <= 20; ++k) {
    for (const std::int64_t m : {(std::int64_t{1} << k) - 1, std::int64_t{1} << k, (std::int64_t{1} << k) + 1}) {
      EXPECT_TRUE(std::binary_search(p.begin(), p.end(), m)) << m;
    }
  }
  // Log-spaced: consecutive grid points 2^(20/256) ≈ 1.056 apart above the integers.
  EXPECT_TRUE(std::binary_search(p.begin(), p.end(), 1024));
  EXPECT_EQ(sweep_positions("7,3,3,0"), (std::vector<std::int64_t>{0, 3, 7}));
  EXPECT_EQ(sweep_positions("log:1:8"), (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 7, 8, 9}));
  for (const char* bad : {"", "log:0:100", "log:10:1", "log:10:16777216", "1,x", "-1", "16777216", "log:5"}) {
    EXPECT_THROW(sweep_positions(bad), InvalidInput) << bad;
  }
}

TEST(report_sweep, accurate_tables_are_within_the_exact_bound_and_safe_everywhere) {
  for (const char* id : {"llama2_7b_half_split_f32", "llama2_7b_half_split_bf16", "llama2_7b_half_split_f16"}) {
    const SweepResult& r = result(builtin_report(), id, "kernels:accurate");
    EXPECT_LE(r.peak_ratio, 1.0) << id;
    ASSERT_FALSE(r.profiles_passed.empty());
    EXPECT_EQ(r.profiles_passed.front(), numeric::Profile::exact);
    EXPECT_FALSE(r.safe.first_unsafe) << id;
    EXPECT_FALSE(r.safe.first_outside_exact) << id;
    EXPECT_EQ(r.safe.longest_safe, builtin_report().positions.back());
    EXPECT_EQ(r.by_position.position, builtin_report().positions);
    EXPECT_EQ(r.by_pair.position, builtin_report().positions.back());
    EXPECT_EQ(r.by_pair.peak_ulps.size(), 64u);
    EXPECT_FALSE(r.predicted_unsafe_from) << "accurate tables form no float32 angle";
  }
}

// The safe context of the f32-angle tables against the prediction from their own float32
// angle error δφ (safe_context.h). First order: an element's error is ≤ its rounding
// (≤ u_out·s‖(a,b)‖) + s‖(a,b)‖·|δφ| + the compute term, and the safe bound is
// 2·u_out·s‖(a,b)‖ + the compute term, so no position is unsafe while max δφ ≤ u_out:
// measured ≥ predicted_from, always. The angle error of the worst pair reaches the
// element with a factor |a·sin φ + b·cos φ|/‖(a,b)‖ — its sensitivity, ≥ 1/2 for most of the
// pair's 2·heads elements — so once δφ > 4·u_out (about 2·predicted_by: δφ grows like m)
// an element is unsafe: measured ≤ 2·predicted_by.
TEST(report_sweep, f32_angle_safe_context_lies_where_the_angle_error_predicts) {
  for (const char* id : {"llama2_7b_half_split_f32", "llama2_7b_half_split_bf16", "llama2_7b_half_split_f16"}) {
    const SweepResult& r = result(builtin_report(), id, "kernels:f32-angle");
    ASSERT_TRUE(r.safe.first_unsafe) << id;
    ASSERT_TRUE(r.predicted_unsafe_from && r.predicted_unsafe_by) << id;
    ASSERT_TRUE(r.safe.first_outside_exact) << id;
    std::cout << fmt::format("{} f32-angle: safe to {}, unsafe from {}; predicted {}–{}; outside exact from {}\n", id,
                             r.safe.longest_safe.value_or(-1), *r.safe.first_unsafe, *r.predicted_unsafe_from,
                             *r.predicted_unsafe_by, r.safe.first_outside_exact.value_or(-1));
    EXPECT_GE(*r.safe.first_unsafe, *r.predicted_unsafe_from) << id;
    EXPECT_LE(*r.safe.first_unsafe, 2 * *r.predicted_unsafe_by) << id;
    EXPECT_LE(*r.safe.first_outside_exact, *r.safe.first_unsafe) << id;
    EXPECT_EQ(r.profiles_passed.front(), numeric::Profile::f32_angle) << id;
  }
  // bf16 at base 1e4: half an ulp at the pair's scale is 2^-9…2^-8 rad of angle error; the
  // float32 angle's error is ≈ 2^-24·m·θ_i at the high-frequency pairs, so the angle error
  // dominates from m ≈ 2^15…2^17 (the reasoning above in numbers).
  const SweepResult& bf16 = result(builtin_report(), "llama2_7b_half_split_bf16", "kernels:f32-angle");
  EXPECT_GE(*bf16.safe.first_unsafe, std::int64_t{1} << 15);
  EXPECT_LE(*bf16.safe.first_unsafe, std::int64_t{1} << 18);
}

// Negative control: the prediction is about the angle; a table whose cos/sin are rounded to
// bf16 (error 2^-9 from position 0) is unsafe long before the f32 angles would predict.
TEST(report_sweep_negative_control, a_bf16_table_is_unsafe_before_the_angle_prediction) {
  const PrecisionReport r =
      make_report(small_sweep({renamed("bf16 table", props::kernel_bugs::bf16_table())}), catalogue(), "1/1");
  const SweepResult& bad = result(r, "llama2_7b_half_split_f16", "bf16 table");
  const SweepResult& good = result(builtin_report(), "llama2_7b_half_split_f16", "kernels:f32-angle");
  ASSERT_TRUE(bad.safe.first_unsafe);
  EXPECT_LT(*bad.safe.first_unsafe, *good.predicted_unsafe_from);
}

TEST(report_json, round_trip_is_exact_and_the_reader_rejects_malformed_reports) {
  const nlohmann::json j = report_to_json(builtin_report());
  EXPECT_EQ(report_to_json(report_from_json(j, "test")).dump(), j.dump());
  const auto expect_rejected = [&](const std::function<void(nlohmann::json&)>& change, const std::string& needle) {
    expect_report_rejected(j, change, needle);
  };
  expect_rejected([](nlohmann::json& b) { b["format"] = "ropecheck-report/0"; }, "'format'");
  expect_rejected([](nlohmann::json& b) { b.erase("positions"); }, "missing 'positions'");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["by_position"]["peak_error_ulps"].erase(0); }, "different lengths");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["implementation"] = "elsewhere"; }, "'elsewhere'");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["peak_error_ulps"] = "lots"; }, "must be a number");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["status"] = "maybe"; }, "expected measured or skipped");
  expect_rejected([](nlohmann::json& b) { b["cases"][0]["case"]["output_dtype"] = "f8"; }, "cases[]");
  // Non-finite numbers survive as strings.
  PrecisionReport with_inf = builtin_report();
  with_inf.results[0].peak_ulps = std::numeric_limits<double>::infinity();
  const nlohmann::json inf_json = report_to_json(with_inf);
  EXPECT_EQ(inf_json["results"][0]["peak_error_ulps"], "inf");
  EXPECT_TRUE(std::isinf(report_from_json(inf_json, "test").results[0].peak_ulps));
}

TEST(report_markdown, summary_rows_and_safe_context_sentences) {
  const std::string md = report_markdown(builtin_report(), PlotOutcome{false, "--no-plots", {}}, std::nullopt);
  for (const char* row : {"| kernels:accurate | f32 | 1 |", "| kernels:accurate | bf16 | 1 |", "| kernels:f32-angle | f16 | 1 |"}) {
    EXPECT_NE(md.find(row), std::string::npos) << row;
  }
  const SweepResult& bf16 = result(builtin_report(), "llama2_7b_half_split_bf16", "kernels:f32-angle");
  const auto grouped = [](std::int64_t v) {  // 1048577 → "1,048,577"
    const std::string digits = std::to_string(v);
    std::string out;
    for (std::size_t k = 0; k < digits.size(); ++k) {
      if (k > 0 && (digits.size() - k) % 3 == 0) out += ',';
      out += digits[k];
    }
    return out;
  };
  const std::string sentence =
      fmt::format("- **kernels:f32-angle**, bf16 output: safe to position {}, unsafe from {} (`llama2_7b_half_split_bf16`); "
                  "predicted from the table's angle error: unsafe possible from {}, expected by {}",
                  grouped(*bf16.safe.longest_safe), grouped(*bf16.safe.first_unsafe), grouped(*bf16.predicted_unsafe_from),
                  grouped(*bf16.predicted_unsafe_by));
  EXPECT_NE(md.find(sentence), std::string::npos) << sentence << "\n" << md;
  EXPECT_NE(md.find("Plots skipped: --no-plots."), std::string::npos);
  EXPECT_NE(md.find("## Per case"), std::string::npos);
}

TEST(report_baseline, a_report_compared_with_itself_has_no_regression) {
  const BaselineComparison c = compare_with_baseline(builtin_report(), builtin_report(), kDefaultThreshold, "self");
  EXPECT_FALSE(c.regressed()) << regression_table(c);
  EXPECT_EQ(c.compared, builtin_report().results.size());
  EXPECT_NE(regression_table(c).find("No regression"), std::string::npos);
}

// The implementation called "kernels:accurate" worsened to float32 angles: every error
// metric, the safe context and the tightest profile regress, and the table says so.
TEST(report_baseline, a_worsened_implementation_is_caught) {
  const PrecisionReport worse = make_report(
      small_sweep({renamed("kernels:accurate", props::kernel_bugs::framework_table(kernels::TableMode::f32_angle)),
                   builtin_implementation("f32-angle")}),
      catalogue(), "1/1");
  const BaselineComparison c = compare_with_baseline(worse, builtin_report(), kDefaultThreshold, "old/report.json");
  ASSERT_TRUE(c.regressed());
  const auto has = [&](const std::string& case_id, const std::string& metric) {
    return std::any_of(c.regressions.begin(), c.regressions.end(), [&](const Regression& r) {
      return r.case_id == case_id && r.implementation == "kernels:accurate" && r.metric == metric;
    });
  };
  for (const char* id : {"llama2_7b_half_split_f32", "llama2_7b_half_split_bf16", "llama2_7b_half_split_f16"}) {
    EXPECT_TRUE(has(id, "peak_error_bound_ratio")) << id;
    EXPECT_TRUE(has(id, "longest_safe_position")) << id;
    EXPECT_TRUE(has(id, "tightest_profile")) << id;
  }
  for (const Regression& r : c.regressions) EXPECT_EQ(r.implementation, "kernels:accurate") << "f32-angle did not change";
  EXPECT_NE(regression_table(c).find("| llama2_7b_half_split_bf16 | kernels:accurate | tightest_profile | exact | f32-angle |"),
            std::string::npos)
      << regression_table(c);
}

TEST(report_baseline, a_missing_case_a_skipped_result_and_other_positions_are_reported) {
  PrecisionReport fewer = builtin_report();
  fewer.cases.pop_back();
  const std::string dropped = builtin_report().cases.back().definition.id;
  std::erase_if(fewer.results, [&](const SweepResult& r) { return r.case_id == dropped; });
  fewer.results[0].skipped = "plugin crashed";
  const BaselineComparison c = compare_with_baseline(fewer, builtin_report(), kDefaultThreshold, "old");
  const auto has = [&](const std::string& metric) {
    return std::any_of(c.regressions.begin(), c.regressions.end(), [&](const Regression& r) { return r.metric == metric; });
  };
  EXPECT_TRUE(has("case")) << regression_table(c);
  EXPECT_TRUE(has("status")) << regression_table(c);
  PrecisionReport other = builtin_report();
  other.positions.pop_back();
  EXPECT_THROW(compare_with_baseline(other, builtin_report(), kDefaultThreshold, "old"), InvalidInput);
  // Below the threshold (and the noise floor) nothing regresses.
  PrecisionReport slightly = builtin_report();
  for (SweepResult& r : slightly.results) r.peak_ulps *= 1 + kDefaultThreshold / 2;
  EXPECT_FALSE(compare_with_baseline(slightly, builtin_report(), kDefaultThreshold, "old").regressed());
}

TEST(report_merge, shards_merge_into_the_whole_report) {
  const std::vector<Implementation> impls{builtin_implementation("accurate"), builtin_implementation("f32-angle")};
  const PrecisionReport first = make_report(small_sweep(impls, {1, 2}), catalogue(), "1/2");
  const PrecisionReport second = make_report(small_sweep(impls, {2, 2}), catalogue(), "2/2");
  ASSERT_FALSE(first.cases.empty());
  ASSERT_FALSE(second.cases.empty());
  PrecisionReport merged = merge_reports({second, first}, {"b.json", "a.json"});
  EXPECT_EQ(merged.shards, (std::vector<std::string>{"2/2", "1/2"}));
  merged.shards = {"1/1"};
  EXPECT_EQ(report_to_json(merged).dump(), report_to_json(builtin_report()).dump());
  EXPECT_THROW(merge_reports({first, first}, {"a.json", "a.json"}), InvalidInput);
  PrecisionReport other = second;
  other.positions.pop_back();
  EXPECT_THROW(merge_reports({first, other}, {"a.json", "c.json"}), InvalidInput);
  // Not the whole sweep: one shard of two; different implementation sets; shards of a
  // catalogue other than the one named.
  EXPECT_THROW(merge_reports({first}, {"a.json"}), InvalidInput);
  PrecisionReport fewer = second;
  fewer.implementations.pop_back();
  EXPECT_THROW(merge_reports({first, fewer}, {"a.json", "d.json"}), InvalidInput);
  EXPECT_THROW(merge_reports({first, second}, {"a.json", "b.json"}, &catalogue()), InvalidInput);  // 3 of 30 cases
}

// The figures are drawn when Python and matplotlib are there (scripts/setup.sh installs
// python3-matplotlib), and skipped with the reason when the interpreter is not.
TEST(report_plots, figures_are_written_and_skipped_without_the_tool) {
  const fs::path dir = fresh_directory("plots");
  const std::string json = report_to_json(builtin_report()).dump();
  std::ofstream(dir / "report.json") << json;
  const bool matplotlib = std::system("/usr/bin/python3 -c 'import matplotlib' 2>/dev/null") == 0;
  unsetenv("ROPECHECK_PYTHON");
  const fs::path script = fs::path(ROPECHECK_SOURCE_DIR) / "scripts/plot_report.py";
  const PlotOutcome drawn = draw_plots(dir, script);
  if (matplotlib) {
    EXPECT_TRUE(drawn.written) << drawn.skipped_reason;
    for (const char* file : {"error_vs_position.svg", "error_vs_position.png", "error_vs_pair.svg", "error_vs_pair.png",
                             "decay.svg", "decay.png"}) {
      EXPECT_TRUE(fs::exists(dir / file)) << file;
      EXPECT_NE(std::find(drawn.files.begin(), drawn.files.end(), file), drawn.files.end()) << file;
    }
  } else {
    EXPECT_NE(drawn.skipped_reason.find("matplotlib"), std::string::npos) << drawn.skipped_reason;
  }
  setenv("ROPECHECK_PYTHON", "/nonexistent/python3", 1);
  const PlotOutcome skipped = draw_plots(fresh_directory("no_python"), script);
  unsetenv("ROPECHECK_PYTHON");
  EXPECT_FALSE(skipped.written);
  EXPECT_NE(skipped.skipped_reason.find("no Python interpreter"), std::string::npos) << skipped.skipped_reason;
}

// Multi-axis cases: each axis swept alone, by_position keyed by the largest component, and
// a safe context per axis. In chunked M-RoPE t takes the first (fastest) pairs and w the
// last (slowest), so float32 angles stay safe longest along w. Negative control: h and w
// exchanged is unsafe along h and w from the first positions where they differ from 0.
TEST(report_sweep, multi_axis_cases_get_a_safe_context_per_axis) {
  golden::GoldenCase c;
  c.id = "mrope_sweep";
  c.spec = spec_from_json_text(R"({"head_dim":32,"layout":"half_split","base":1000000,"mrope_section":[4,6,6]})");
  c.input_dtype = c.output_dtype = Dtype::bf16;
  SweepOptions o;
  o.cases = {c};
  o.positions = sweep_positions(kSmallSweep);
  o.implementations = {builtin_implementation("accurate"), builtin_implementation("f32-angle"),
                       renamed("h and w swapped", props::kernel_bugs::height_width_swapped())};
  const PrecisionReport r = make_report(o, {c}, "1/1");
  const SweepResult& accurate = result(r, c.id, "kernels:accurate");
  EXPECT_EQ(accurate.by_position.position, r.positions) << "one entry per largest component";
  ASSERT_EQ(accurate.safe_by_axis.size(), 3u);
  for (const AxisSafeContext& a : accurate.safe_by_axis) {
    EXPECT_FALSE(a.safe.first_unsafe) << a.axis;
    EXPECT_EQ(a.safe.longest_safe, r.positions.back()) << a.axis;
  }
  EXPECT_EQ(accurate.safe_by_axis[0].axis, "t");
  EXPECT_EQ(accurate.safe_by_axis[2].axis, "w");
  const SweepResult& f32 = result(r, c.id, "kernels:f32-angle");
  ASSERT_EQ(f32.safe_by_axis.size(), 3u);
  const SafeContext& t = f32.safe_by_axis[0].safe;
  const SafeContext& w = f32.safe_by_axis[2].safe;
  ASSERT_TRUE(t.first_unsafe);
  EXPECT_TRUE(!w.first_unsafe || *w.first_unsafe > *t.first_unsafe)
      << "w's slow pairs outlast t's fast ones: t unsafe from " << *t.first_unsafe;
  const SweepResult& swapped = result(r, c.id, "h and w swapped");
  for (const std::size_t axis : {1u, 2u}) {
    ASSERT_TRUE(swapped.safe_by_axis[axis].safe.first_unsafe) << swapped.safe_by_axis[axis].axis;
    EXPECT_LE(*swapped.safe_by_axis[axis].safe.first_unsafe, 2) << swapped.safe_by_axis[axis].axis;
  }
  EXPECT_FALSE(swapped.safe_by_axis[0].safe.first_unsafe) << "t is read right";
  // The per-axis contexts survive the JSON round trip.
  const nlohmann::json j = report_to_json(r);
  EXPECT_EQ(report_to_json(report_from_json(j, "test")).dump(), j.dump());
  EXPECT_NE(j.dump().find("\"safe_context_by_axis\""), std::string::npos);
}

// --positions all:MAX: up to kMaxSweepPositions positions the grid 0 … MAX (that list's
// report), beyond a range that is never a list; a bad MAX names the rule.
TEST(report_positions, all_max_is_every_position_and_a_grid_up_to_the_list_limit) {
  const PositionSweep small = parse_position_sweep("all:4095");
  EXPECT_FALSE(small.all_to);
  ASSERT_EQ(small.grid.size(), kMaxSweepPositions);
  for (std::size_t m = 0; m < small.grid.size(); ++m) EXPECT_EQ(small.grid[m], static_cast<std::int64_t>(m));
  EXPECT_EQ(sweep_positions("all:4095"), small.grid);
  EXPECT_EQ(sweep_positions("all:1"), (std::vector<std::int64_t>{0, 1}));
  const PositionSweep large = parse_position_sweep("all:4096");
  EXPECT_EQ(large.all_to, 4096);
  EXPECT_TRUE(large.grid.empty());
  EXPECT_EQ(large.size(), 4097u);
  EXPECT_EQ(parse_position_sweep("all:16777215").all_to, (std::int64_t{1} << 24) - 1);
  EXPECT_EQ(parse_position_sweep("default").grid, sweep_positions("default"));
  EXPECT_FALSE(parse_position_sweep("default").all_to);
  EXPECT_THROW(sweep_positions("all:4096"), InvalidInput) << "beyond the limit all:MAX is no list";
  for (const char* bad : {"all:0", "all:-1", "all:16777216", "all:", "all:x", "all:5:6", "all:1e6", "all"}) {
    try {
      parse_position_sweep(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find("positions: "), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
}

TEST(report_positions, bins_start_log_spaced_and_at_every_power_of_two_neighbourhood) {
  const std::vector<std::int64_t> bins = position_bins(std::int64_t{1} << 20);
  EXPECT_TRUE(std::is_sorted(bins.begin(), bins.end()));
  EXPECT_EQ(std::adjacent_find(bins.begin(), bins.end()), bins.end());
  EXPECT_EQ(bins.front(), 0);
  EXPECT_EQ(bins.back(), std::int64_t{1} << 20);
  EXPECT_GE(bins.size(), 250u);
  EXPECT_LE(bins.size(), 300u);
  for (int k = 2; k <= 19; ++k) {
    for (const std::int64_t m : {(std::int64_t{1} << k) - 1, std::int64_t{1} << k, (std::int64_t{1} << k) + 1}) {
      EXPECT_TRUE(std::binary_search(bins.begin(), bins.end(), m)) << m;
    }
  }
  const std::vector<std::int64_t> short_bins = position_bins(5000);
  EXPECT_EQ(short_bins.front(), 0);
  EXPECT_LE(short_bins.back(), 5000);
}

namespace {

const golden::GoldenCase& catalogue_case(const std::string& id) {
  for (const golden::GoldenCase& c : catalogue()) {
    if (c.id == id) return c;
  }
  throw std::runtime_error("no case " + id);
}

golden::GoldenCase mrope_case() {
  golden::GoldenCase c;
  c.id = "mrope_sweep";
  c.spec = spec_from_json_text(R"({"head_dim":32,"layout":"half_split","base":1000000,"mrope_section":[4,6,6]})");
  c.input_dtype = c.output_dtype = Dtype::bf16;
  return c;
}

// The accurate kernels with `damage` applied to each call's output: a stand-in for an
// implementation whose numbers depend on how the tokens are grouped into calls, or that
// is wrong at one position.
Implementation damaged(std::string name, std::function<void(const golden::Golden&, std::vector<double>&)> damage) {
  Implementation impl = builtin_implementation("accurate");
  impl.name = std::move(name);
  impl.run = [run = impl.run, damage](const golden::Golden& g) {
    ImplementationOutput out = run(g);
    damage(g, out.values);
    return out;
  };
  return impl;
}

// The tokens of `g` whose largest component is m get every element 1 off.
void wrong_at(std::int64_t m, const golden::Golden& g, std::vector<double>& values) {
  const std::size_t row = g.heads * g.spec.head_dim;
  for (std::size_t t = 0; t < g.tokens; ++t) {
    const auto token = std::span<const std::int64_t>(g.positions).subspan(t * g.axes, g.axes);
    if (*std::max_element(token.begin(), token.end()) != m) continue;
    for (std::size_t k = t * row; k < (t + 1) * row; ++k) values[k] += 1;
  }
}

std::string json_of(const PrecisionReport& r) { return report_to_json(r).dump(); }

}  // namespace

// A sweep in chunks gives report.json to the byte of one call: every input kind (the input
// stream carries on over chunks), a multi-axis case (component 0 spans every chunk), the
// three built-in tables (f32-angle's safe context and prediction fold over chunks), chunks
// of 1, 7 and 50 positions, on one thread and on two (the next chunk made ahead, the tables
// measured side by side). Negative control: an implementation whose first output of each
// call is off, so its numbers depend on the grouping, gives another report.
TEST(report_sweep, chunks_give_report_json_to_the_byte_of_one_call) {
  SweepOptions o;
  for (const char* id : {"llama2_7b_half_split_bf16", "llama2_7b_unit_bf16", "llama2_7b_cancellation_bf16", "edge_bf16",
                         "head_dim_8_half_split_bf16"}) {
    o.cases.push_back(catalogue_case(id));
  }
  o.cases.push_back(mrope_case());
  o.positions = sweep_positions("log:40:1048576");
  o.implementations = {builtin_implementation("accurate"), builtin_implementation("f32-angle"),
                       builtin_implementation("ggml-recurrence")};
  const PrecisionReport one = make_report(o, o.cases, "1/1");
  ASSERT_GT(o.positions.size(), 50u);
  const SweepResult& angle = result(one, "llama2_7b_half_split_bf16", "kernels:f32-angle");
  ASSERT_TRUE(angle.safe.first_unsafe && angle.predicted_unsafe_by) << "the folds have something to find";
  ASSERT_EQ(result(one, "mrope_sweep", "kernels:f32-angle").safe_by_axis.size(), 3u);
  for (const unsigned threads : {1u, 2u}) {
    reference::set_truth_threads(threads);
    for (const std::size_t chunk : {1u, 7u, 50u}) {
      o.chunk_positions = chunk;
      EXPECT_EQ(json_of(make_report(o, o.cases, "1/1")), json_of(one)) << chunk << " positions a chunk, " << threads << " threads";
    }
  }
  reference::set_truth_threads(0);
  o.implementations = {damaged("first output of a call off", [](const golden::Golden&, std::vector<double>& v) { v[0] += 1; })};
  o.chunk_positions = kSweepChunkPositions;
  const std::string whole = json_of(make_report(o, o.cases, "1/1"));
  o.chunk_positions = 7;
  EXPECT_NE(json_of(make_report(o, o.cases, "1/1")), whole);
}

// all:MAX beyond the listing threshold: by_position binned over position_bins(MAX), each
// bin the summary of the listed positions it covers (the same sweep listed), every other
// number the same, and progress per chunk. Negative control: one wrong position stands out
// in its bin (worst_position, peak) and leaves every other bin as the accurate kernels'.
TEST(report_sweep, an_every_position_sweep_is_binned_beyond_the_threshold) {
  constexpr std::int64_t kWrong = 3000;
  SweepOptions o;
  o.cases = {catalogue_case("head_dim_8_half_split_bf16"), mrope_case()};
  o.all_to = static_cast<std::int64_t>(kMaxListedPositions);  // one more position than listed
  o.implementations = {builtin_implementation("accurate"), builtin_implementation("f32-angle"),
                       damaged("wrong at 3000", [](const golden::Golden& g, std::vector<double>& v) { wrong_at(kWrong, g, v); })};
  std::vector<std::pair<std::size_t, std::size_t>> progress;
  const PrecisionReport binned =
      make_report(o, o.cases, "1/1", [&](std::size_t done, std::size_t total) { progress.emplace_back(done, total); });
  EXPECT_EQ(progress, (std::vector<std::pair<std::size_t, std::size_t>>{{1, 4}, {2, 4}, {3, 4}, {4, 4}})) << "2 cases × 2 chunks";
  o.max_listed_positions = kMaxListedPositions + 1;
  const PrecisionReport listed = make_report(o, o.cases, "1/1");
  const std::vector<std::int64_t> bins = position_bins(*o.all_to);
  ASSERT_EQ(binned.results.size(), listed.results.size());
  for (std::size_t k = 0; k < binned.results.size(); ++k) {
    const SweepResult& b = binned.results[k];
    const SweepResult& l = listed.results[k];
    const std::string what = b.case_id + " / " + b.implementation;
    ASSERT_TRUE(b.skipped.empty() && l.skipped.empty()) << what;
    ASSERT_TRUE(b.by_position.binned) << what;
    ASSERT_FALSE(l.by_position.binned) << what;
    ASSERT_EQ(l.by_position.position.size(), static_cast<std::size_t>(*o.all_to) + 1) << what;
    // Everything but by_position is the same.
    nlohmann::json bj = report_to_json(binned)["results"][k], lj = report_to_json(listed)["results"][k];
    bj.erase("by_position");
    lj.erase("by_position");
    EXPECT_EQ(bj, lj) << what;
    const PositionErrors& bp = b.by_position;
    ASSERT_EQ(bp.position, bins) << what << ": every bin holds positions";
    for (std::size_t j = 0; j < bins.size(); ++j) {
      const std::int64_t last = j + 1 < bins.size() ? bins[j + 1] - 1 : *o.all_to;
      EXPECT_EQ(bp.last_position[j], last) << what << " bin " << j;
      double peak_ulps = 0, peak_ratio = 0, peak_safe = 0, sum_sq = 0;
      std::int64_t worst = bins[j];
      for (auto m = static_cast<std::size_t>(bins[j]); m <= static_cast<std::size_t>(last); ++m) {
        peak_ulps = std::max(peak_ulps, l.by_position.peak_ulps[m]);
        peak_safe = std::max(peak_safe, l.by_position.peak_safe_ratio[m]);
        if (l.by_position.peak_ratio[m] > peak_ratio) {
          peak_ratio = l.by_position.peak_ratio[m];
          worst = static_cast<std::int64_t>(m);
        }
        sum_sq += l.by_position.rms_ulps[m] * l.by_position.rms_ulps[m];  // the same element count at every position
      }
      EXPECT_EQ(bp.peak_ulps[j], peak_ulps) << what << " bin " << j;
      EXPECT_EQ(bp.peak_ratio[j], peak_ratio) << what << " bin " << j;
      EXPECT_EQ(bp.peak_safe_ratio[j], peak_safe) << what << " bin " << j;
      EXPECT_EQ(bp.worst_position[j], worst) << what << " bin " << j;
      EXPECT_NEAR(bp.rms_ulps[j], std::sqrt(sum_sq / static_cast<double>(last - bins[j] + 1)), 1e-12 * (1 + bp.rms_ulps[j]))
          << what << " bin " << j;
    }
  }
  for (const golden::GoldenCase& c : o.cases) {
    const PositionErrors& good = result(binned, c.id, "kernels:accurate").by_position;
    const PositionErrors& bad = result(binned, c.id, "wrong at 3000").by_position;
    const auto j = static_cast<std::size_t>(std::upper_bound(bins.begin(), bins.end(), kWrong) - bins.begin() - 1);
    EXPECT_EQ(bad.worst_position[j], kWrong) << c.id;
    EXPECT_GT(bad.peak_ratio[j], 100 * good.peak_ratio[j]) << c.id;
    for (std::size_t i = 0; i < bins.size(); ++i) {
      if (i == j) continue;
      EXPECT_EQ(bad.peak_ratio[i], good.peak_ratio[i]) << c.id << " bin " << i;
      EXPECT_EQ(bad.worst_position[i], good.worst_position[i]) << c.id << " bin " << i;
    }
    EXPECT_EQ(result(binned, c.id, "wrong at 3000").safe.first_unsafe, kWrong) << c.id << ": exact, not grid-limited";
  }
}

// A binned report survives report.json and back; the reader refuses bins that do not
// describe ranges in order, and a range of positions outside [1, 2^24).
TEST(report_json, a_binned_report_round_trips_and_bad_bins_are_rejected) {
  SweepOptions o;
  o.cases = {catalogue_case("head_dim_8_half_split_bf16")};
  o.all_to = 5000;
  o.implementations = {builtin_implementation("accurate")};
  const PrecisionReport r = make_report(o, o.cases, "1/1");
  const nlohmann::json j = report_to_json(r);
  EXPECT_EQ(j["positions"], nlohmann::json({{"all", 5000}}));
  EXPECT_EQ(j["results"][0]["by_position"]["binned"], true);
  const PrecisionReport back = report_from_json(j, "test");
  EXPECT_EQ(back.all_to, 5000);
  EXPECT_TRUE(back.positions.empty());
  EXPECT_EQ(report_to_json(back).dump(), j.dump());
  EXPECT_FALSE(compare_with_baseline(back, r, kDefaultThreshold, "self").regressed());
  PrecisionReport grid = r;
  grid.all_to.reset();
  grid.positions = {0, 1, 2};
  EXPECT_THROW(compare_with_baseline(grid, r, kDefaultThreshold, "old"), InvalidInput) << "other positions";
  const auto expect_rejected = [&](const std::function<void(nlohmann::json&)>& change, const std::string& needle) {
    expect_report_rejected(j, change, needle);
  };
  expect_rejected([](nlohmann::json& b) { b["positions"]["all"] = 0; }, "positions must be");
  expect_rejected([](nlohmann::json& b) { b["positions"]["all"] = 16777216; }, "positions must be");
  expect_rejected([](nlohmann::json& b) { b["positions"]["every"] = 3; }, "positions must be");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["by_position"]["binned"] = false; }, "binned must be true");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["by_position"].erase("worst_position"); }, "missing 'worst_position'");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["by_position"]["last_position"].erase(0); }, "different lengths");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["by_position"]["worst_position"][3] = 0; }, "bin 3");
  expect_rejected([](nlohmann::json& b) { b["results"][0]["by_position"]["last_position"][5] = 0; }, "bin ");
}
