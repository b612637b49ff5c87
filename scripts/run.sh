#!/usr/bin/env bash
# The main job: set up, build Release, print the seed's decay table (R = 128, base 1e4,
# Δ = 0…256), run the property battery against the built-in reference and kernels, then
# the conformance gate on the committed golden set: verify that it regenerates byte for
# byte, write the built-in kernels' outputs as candidates and check them (verdict table).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
build_dir=${BUILD_DIR:-build}
cli=$build_dir/src/cli/ropecheck
echo "== ropecheck decay --dim 128 --max-distance 256"
"$cli" decay --dim 128 --max-distance 256
echo "== ropecheck props"
"$cli" props
echo "== ropecheck golden --verify golden/v1"
"$cli" golden --cases golden/cases.json --verify golden/v1
candidates=$build_dir/candidates/kernels
echo "== ropecheck apply --golden golden/v1 --out $candidates"
"$cli" apply --golden golden/v1 --out "$candidates"
echo "== ropecheck check --golden golden/v1 --candidate $candidates"
"$cli" check --golden golden/v1 --candidate "$candidates" --json "$build_dir/candidates/check.json" \
  --junit "$build_dir/candidates/check.xml"
echo "== ropecheck report --out report"
"$cli" report --out report
echo "run.sh: the precision report is in $(pwd)/report/report.md (data: report/report.json)"
