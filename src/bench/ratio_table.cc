#include "bench/ratio_table.h"

#include <fmt/format.h>

#include <optional>
#include <string_view>

#include "bench/bench_cases.h"
#include "bench/ratio_targets.h"

namespace ropecheck::bench {

namespace {

constexpr int kNameWidth = 42;
constexpr int kTargetWidth = 20;

std::optional<double> time_of(const RunTimes& times, std::string_view name) {
  const auto it = times.find(name);
  if (it == times.end()) return std::nullopt;
  return it->second;
}

std::optional<double> ratio(std::optional<double> baseline, double kernel) {
  if (!baseline || kernel <= 0) return std::nullopt;
  return *baseline / kernel;
}

std::string ratio_cell(std::optional<double> r) {
  return r ? fmt::format("{:.2f}", *r) : std::string("—");
}

std::string time_cell(double seconds) { return fmt::format("{:.2f} us", seconds * 1e6); }

// Checks one ratio against its target and counts the outcome.
std::string verdict(std::optional<double> r, double min_ratio, bool applies, TargetTally& tally) {
  if (!applies) {
    ++tally.not_checked;
    return "n/a (no AVX512-BF16)";
  }
  if (!r) {
    ++tally.not_checked;
    return "baseline not run";
  }
  if (*r >= min_ratio) {
    ++tally.met;
    return "yes";
  }
  ++tally.missed;
  return "NO";
}

bool print_kernel_rows(std::ostream& out, const RunTimes& times, const RatioTableContext& context,
                       TargetTally& tally) {
  bool header = false;
  for (const BenchShape& shape : kShapes) {
    for (const Dtype dtype : kDtypes) {
      const std::optional<double> memcpy_time = time_of(times, memcpy_name(shape, dtype));
      const std::optional<double> scale_time = time_of(times, scale_name(shape, dtype));
      for (const Layout layout : kLayouts) {
        for (const Placement placement : kPlacements) {
          const std::string name = kernel_name(shape, dtype, layout, placement);
          const std::optional<double> kernel_time = time_of(times, name);
          if (!kernel_time) continue;
          if (!header) {
            out << fmt::format("{:<{}} {:>12} {:>8} {:>8}   {:<{}} {}\n", "kernel", kNameWidth,
                               "time/iter", "×memcpy", "×scale", "target", kTargetWidth, "met");
            header = true;
          }
          const std::optional<double> vs_memcpy = ratio(memcpy_time, *kernel_time);
          const std::optional<double> vs_scale = ratio(scale_time, *kernel_time);
          std::string target_text = "—";
          std::string met;
          if (const KernelTarget* target = kernel_target(shape, dtype, placement)) {
            target_text = fmt::format("≥ {:.2f}× {}", target->min_ratio, to_string(target->baseline));
            const std::optional<double> r =
                target->baseline == Baseline::memcpy ? vs_memcpy : vs_scale;
            met = verdict(r, target->min_ratio, !target->needs_avx512_bf16 || context.avx512_bf16,
                          tally);
          }
          out << fmt::format("{:<{}} {:>12} {:>8} {:>8}   {:<{}} {}\n", name, kNameWidth,
                             time_cell(*kernel_time), ratio_cell(vs_memcpy),
                             ratio_cell(vs_scale), target_text, kTargetWidth, met);
        }
      }
    }
  }
  return header;
}

bool print_table_rows(std::ostream& out, const RunTimes& times, TargetTally& tally) {
  const std::optional<double> scalar_time = time_of(times, scalar_table_name());
  bool header = false;
  for (const kernels::TableMode mode : kTableModes) {
    const std::string name = table_name(mode);
    const std::optional<double> table_time = time_of(times, name);
    if (!table_time) continue;
    if (!header) {
      out << fmt::format("{:<{}} {:>12} {:>10}   {:<{}} {}\n", "cos/sin table", kNameWidth,
                         "time/iter", "×sinf/cosf", "target", kTargetWidth, "met");
      header = true;
    }
    const std::optional<double> vs_scalar = ratio(scalar_time, *table_time);
    std::string target_text = "—";
    std::string met;
    if (mode == kernels::TableMode::accurate) {
      target_text = fmt::format("≥ {:.2f}× sinf/cosf", kAccurateTableMinRatio);
      met = verdict(vs_scalar, kAccurateTableMinRatio, true, tally);
    }
    out << fmt::format("{:<{}} {:>12} {:>10}   {:<{}} {}\n", name, kNameWidth,
                       time_cell(*table_time), ratio_cell(vs_scalar), target_text, kTargetWidth,
                       met);
  }
  return header;
}

}  // namespace

TargetTally print_ratio_table(std::ostream& out, const RunTimes& times,
                              const RatioTableContext& context) {
  TargetTally tally;
  out << fmt::format(
      "\nSpeed relative to same-run baselines (ratio = baseline time / kernel time; ≥ 1 is "
      "baseline speed)\nHighway target: {} (supported: {})\nAVX512-BF16: CPU {}, used by the "
      "kernels {}\nTimes: {}\n\n",
      context.highway_target, context.supported_targets, context.avx512_bf16 ? "yes" : "no",
      context.bf16_instructions ? "yes" : "no", context.timing);
  const bool kernels_printed = print_kernel_rows(out, times, context, tally);
  if (kernels_printed) out << '\n';
  const bool tables_printed = print_table_rows(out, times, tally);
  if (tables_printed) out << '\n';
  if (!kernels_printed && !tables_printed) out << "no kernel or table benchmark ran\n\n";
  out << fmt::format("targets: {} met, {} missed, {} not checked\n", tally.met, tally.missed,
                     tally.not_checked);
  out.flush();
  return tally;
}

}  // namespace ropecheck::bench
