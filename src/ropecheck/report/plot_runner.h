// Drawing a report's figures with scripts/plot_report.py (matplotlib, Debian's
// python3-matplotlib): error against position (log x), error against pair index at the
// largest position, and the decay curve with the Abel bound against a random score — each
// as PNG and SVG in the report directory.
//
// Contract: the interpreter is $ROPECHECK_PYTHON, else /usr/bin/python3; the script is
// $ROPECHECK_PLOT_SCRIPT, else `script` (the CLI passes the shipped scripts/plot_report.py). When either is
// missing, or matplotlib is not installed (the script exits with kNoMatplotlibExit), the
// figures are skipped with that reason and the report still completes. The script's
// output goes to a log file in the report directory, never to our stdout.
#pragma once

#include <filesystem>

#include "ropecheck/report/report_markdown.h"

namespace ropecheck::report {

inline constexpr int kNoMatplotlibExit = 3;
inline constexpr const char* kPlotLog = "plot.log";

PlotOutcome draw_plots(const std::filesystem::path& report_dir, const std::filesystem::path& script);

}  // namespace ropecheck::report
