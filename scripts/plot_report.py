#!/usr/bin/env python3
"""Figures of a ropecheck precision report (`ropecheck report` runs this).

  python3 scripts/plot_report.py REPORT_DIR

Reads REPORT_DIR/report.json (format ropecheck-report/1) and writes, as PNG and SVG:
  error_vs_position  per output dtype, each implementation's peak error at each swept
                     position, the worst over the cases of that dtype, in units of the exact
                     profile's bound (all cases) and in ulps (normal-input cases) (log x, log y);
                     a binned by_position (all:MAX sweeps) is drawn as steps, one per bin;
  error_vs_pair      per output dtype, the peak error per pair index at the largest swept
                     position, for the first normal-input case of that dtype, in both units;
  decay              Su's decay curve f(Δ), and the Abel bound against |score| of a random
                     q, k (log x).
Exits 3 when matplotlib is not installed (Debian: python3-matplotlib), 2 on a bad report.
"""
import json
import math
import os
import sys

NO_MATPLOTLIB = 3
FLOOR = 1e-3  # errors of 0 are drawn here on the log axis


def value(v):
    if isinstance(v, str):
        return {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}[v]
    return float(v)


def main():
    if len(sys.argv) != 2:
        print("usage: plot_report.py REPORT_DIR", file=sys.stderr)
        return 2
    directory = sys.argv[1]
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot_report.py: matplotlib is not installed", file=sys.stderr)
        return NO_MATPLOTLIB
    matplotlib.rcParams["svg.hashsalt"] = "ropecheck"  # deterministic SVG ids
    with open(os.path.join(directory, "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    if report.get("format") != "ropecheck-report/1":
        print("plot_report.py: not a ropecheck-report/1 file", file=sys.stderr)
        return 2
    measured = [r for r in report["results"] if r["status"] == "measured"]
    dtypes = [d for d in ("f32", "bf16", "f16") if any(r["output_dtype"] == d for r in measured)]
    implementations = report["implementations"]

    def save(fig, name):
        fig.tight_layout()
        for ext in ("png", "svg"):
            fig.savefig(os.path.join(directory, f"{name}.{ext}"), dpi=110, metadata={"Date": None} if ext == "svg" else None)
        plt.close(fig)

    inputs = {c["case"]["id"]: c["case"].get("inputs", "normal") for c in report["cases"]}
    # Two rows: in units of the exact profile's bound (every case), and in ulps over the
    # cases with normal inputs (cancellation and edge inputs have tiny results, whose
    # ulps are tiny too, so their ulp counts dwarf everything while within the bound).
    rows = (("peak_error_bound_ratio", "peak error (exact-profile bounds)", lambda r: True, 1.0),
            ("peak_error_ulps", "peak error (ulps), normal inputs", lambda r: inputs.get(r["case"]) == "normal", 0.5))
    if dtypes:
        fig, axes = plt.subplots(2, len(dtypes), figsize=(5.2 * len(dtypes), 8.0), squeeze=False)
        for row, (key, label, keep, reference_line) in enumerate(rows):
            for ax, dtype in zip(axes[row], dtypes):
                for impl in implementations:
                    worst = {}
                    binned = False
                    for r in measured:
                        if r["output_dtype"] != dtype or r["implementation"] != impl or not keep(r):
                            continue
                        binned = binned or r["by_position"].get("binned", False)
                        for m, e in zip(r["by_position"]["position"], r["by_position"][key]):
                            worst[m] = max(worst.get(m, 0.0), value(e))
                    if not worst:
                        continue
                    xs = sorted(worst)
                    ax.plot([max(m, 0.5) for m in xs], [max(worst[m], FLOOR) for m in xs], label=impl, linewidth=1,
                            drawstyle="steps-post" if binned else "default")
                ax.axhline(reference_line, color="grey", linestyle=":", linewidth=0.8)
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.set_title(f"{dtype} output: worst over the cases")
                ax.set_xlabel("position m (0 drawn at 0.5)")
                ax.set_ylabel(label)
                ax.legend(fontsize=7)
        save(fig, "error_vs_position")

        fig, axes = plt.subplots(2, len(dtypes), figsize=(5.2 * len(dtypes), 8.0), squeeze=False)
        for row, (key, label, _, reference_line) in enumerate(rows):
            for ax, dtype in zip(axes[row], dtypes):
                normal = [r for r in measured if r["output_dtype"] == dtype and inputs.get(r["case"]) == "normal"]
                first_case = (normal or [r for r in measured if r["output_dtype"] == dtype])[0]["case"]
                position = None
                for r in measured:
                    if r["case"] != first_case:
                        continue
                    pairs = r["by_pair"][key]
                    position = r["by_pair"]["position"]
                    ax.plot(range(len(pairs)), [max(value(e), FLOOR) for e in pairs], label=r["implementation"], linewidth=1)
                ax.axhline(reference_line, color="grey", linestyle=":", linewidth=0.8)
                ax.set_yscale("log")
                ax.set_title(f"{first_case} at position {position}")
                ax.set_xlabel("pair index i")
                ax.set_ylabel(label.replace(", normal inputs", ""))
                ax.legend(fontsize=7)
        save(fig, "error_vs_pair")

    decay = report["decay"]
    distance = [max(d, 0.5) for d in decay["distance"]]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(distance, [value(v) for v in decay["f"]], linewidth=1)
    left.set_xscale("log")
    left.set_title(f"Su's decay curve, R = {decay['rotary_dim']}, base {decay['base']:g}")
    left.set_xlabel("relative distance Δ = m − n (0 drawn at 0.5)")
    left.set_ylabel("f(Δ) = Σ_j |S_j(Δ)| / (R/2)")
    right.plot(distance, [value(v) for v in decay["abel_bound"]], label="Abel bound max|h_{i+1} − h_i|·(R/2)·f(Δ)",
               linewidth=1)
    right.plot(distance, [abs(value(v)) for v in decay["score"]], label="|score| of a random q, k", linewidth=1)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_title("the bound against an actual score")
    right.set_xlabel("relative distance Δ = m − n (0 drawn at 0.5)")
    right.set_ylabel("magnitude")
    right.legend(fontsize=7)
    save(fig, "decay")
    return 0


if __name__ == "__main__":
    sys.exit(main())
