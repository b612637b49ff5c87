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
#include "ropecheck/reference/real.h"
#include "ropecheck/reference/rounding.h"

using namespace ropecheck;
using namespace ropecheck::report;
namespace fs = std::filesystem;

namespace {

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
    nlohmann::json bad = j;
    change(bad);
    try {
      report_from_json(bad, "bad.json");
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
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
  const PlotOutcome drawn = draw_plots(dir);
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
  const PlotOutcome skipped = draw_plots(fresh_directory("no_python"));
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
