#!/usr/bin/env python3
"""Runs the Gappa proofs of the certified fast path's error bounds (proofs/README.md).

For every table row j of certified_trig (0..51) it instantiates certified_trig_template.g
with sin(j/64) and cos(j/64) enclosed to 60 digits and asks Gappa to prove the evaluation
bound; then it runs certified_element.g and certified_reduction.g. Exit 0 only when Gappa
proves every goal; a missing gappa is a failure, never a skip.
  proofs/check_proofs.py [--gappa PATH] [--keep DIR] [--rows FIRST:END] [--evaluation-goal N]
"""
import argparse
import decimal
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE_ENTRIES = 52      # certified_lanes.h: kTrigTableEntries
TABLE_STEPS = 64        # kTrigTableSteps
# The evaluation's share of kTrigRelativeError = 2^-99 = 128·2^-106: the rest is the
# reduced argument's relative error, ≤ 1.12·8.01·2^-106 (README), and MPFR's 2^-250.
EVALUATION_GOAL = 118

decimal.getcontext().prec = 80


def sin_cos(x):
    """sin and cos of a Decimal by their Taylor series, to 80 digits (|x| < 1)."""
    s, c = decimal.Decimal(0), decimal.Decimal(0)
    term = decimal.Decimal(1)
    for n in range(0, 80):
        if n > 0:
            term = term * x / n
        if n % 4 == 0:
            c += term
        elif n % 4 == 1:
            s += term
        elif n % 4 == 2:
            c -= term
        else:
            s -= term
    return s, c


def enclosure(v):
    """A 60-digit interval around v, rounded outwards by far more than the series' error."""
    margin = decimal.Decimal("1e-60")
    return format(v - margin, ".65e"), format(v + margin, ".65e")


def run_gappa(gappa, text, name, keep):
    path = os.path.join(keep, name)
    with open(path, "w") as f:
        f.write(text)
    result = subprocess.run([gappa, path], capture_output=True, text=True, timeout=300)
    ok = result.returncode == 0 and "Error" not in result.stderr and "failed" not in result.stderr.lower()
    if not ok:
        print(f"FAILED {name}:\n{result.stderr}{result.stdout}", file=sys.stderr)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gappa", default=shutil.which("gappa"), help="the gappa binary (default: from PATH)")
    parser.add_argument("--keep", help="write the generated scripts here instead of a temporary directory")
    parser.add_argument("--rows", default=f"0:{TABLE_ENTRIES}",
                        help="table rows FIRST:END to prove (default all, %(default)s); the element and reduction "
                             "proofs run with the row range that starts at 0")
    parser.add_argument("--evaluation-goal", type=int, default=EVALUATION_GOAL,
                        help="the trig rows' bound in units of 2^-106 (default %(default)s; a smaller one is the "
                             "negative control: Gappa must refuse it)")
    args = parser.parse_args()
    if not args.gappa or not os.access(args.gappa, os.X_OK):
        print("check_proofs: gappa not found (Debian: apt-get install gappa); the proofs did not run", file=sys.stderr)
        return 1
    keep = args.keep or tempfile.mkdtemp(prefix="ropecheck_proofs_")
    os.makedirs(keep, exist_ok=True)
    template = open(os.path.join(HERE, "certified_trig_template.g")).read()
    z_max = "0.0078125000000000002220446049250313080847263336181640625"  # 2^-7 + 2^-52: r's low part
    first, end = (int(v) for v in args.rows.split(":"))
    if not 0 <= first < end <= TABLE_ENTRIES:
        print(f"check_proofs: --rows must be FIRST:END within 0:{TABLE_ENTRIES}", file=sys.stderr)
        return 2
    failures = 0
    for j in range(first, end):
        s, c = sin_cos(decimal.Decimal(j) / TABLE_STEPS)
        s_lo, s_hi = enclosure(s)
        c_lo, c_hi = enclosure(c)
        text = (template.replace("@J@", str(j)).replace("@SJ_LO@", s_lo).replace("@SJ_HI@", s_hi)
                .replace("@CJ_LO@", c_lo).replace("@CJ_HI@", c_hi).replace("@Z_MAX@", z_max)
                .replace("@GOAL@", str(args.evaluation_goal)))
        if j == 0:
            # Row 0: S_0 = 0 and C_0 = 1 exactly, the combination is exact, and sin r = sin z
            # has no lower bound away from 0: its relative error is taken with z divided out.
            goal = args.evaluation_goal
            text = text.replace("|(sr - SR) / SR| <= %db-106 /\\ |(cr - CR) / CR| <= %db-106" % (goal, goal),
                                "|(ps*(1 + m4) - PS*(1 + rs)) / (PS*(1 + rs))| <= %db-106 /\\ |(cz - COSZ) / COSZ| <= %db-106"
                                % (goal, goal))
        failures += 0 if run_gappa(args.gappa, text, f"certified_trig_j{j:02d}.g", keep) else 1
    others = ("certified_element.g", "certified_reduction.g") if first == 0 else ()
    for name in others:
        failures += 0 if run_gappa(args.gappa, open(os.path.join(HERE, name)).read(), name, keep) else 1
    total = end - first + len(others)
    print(f"check_proofs: Gappa proved {total - failures} of {total} scripts" + (f" (kept in {keep})" if args.keep else ""))
    if not args.keep:
        shutil.rmtree(keep, ignore_errors=True)
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
