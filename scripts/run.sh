#!/usr/bin/env bash
# The main job: set up, build Release, print Su's decay table (R = 128, base 1e4,
# Δ = 0…256), run the property battery against the built-in reference and kernels, then
# the conformance gate on the committed golden set: verify that it regenerates byte for
# byte, write the built-in kernels' outputs as candidates and check them (verdict table),
# and the same for one model's layer types, from its config.json.
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
# A model with two RoPE layer types, from its config.json: Gemma 3's sliding layers (base
# 1e4) and global layers (base 1e6, linear 8), one verdict each.
gemma_dir=$build_dir/candidates/gemma3
echo "== ropecheck spec --hf-config golden/configs/gemma-3-4b-it.json --layer-type full_attention"
"$cli" spec --hf-config golden/configs/gemma-3-4b-it.json --layer-type full_attention
echo "== ropecheck golden --hf-config golden/configs/gemma-3-4b-it.json --out $gemma_dir/golden"
"$cli" golden --hf-config golden/configs/gemma-3-4b-it.json --out "$gemma_dir/golden"
"$cli" apply --golden "$gemma_dir/golden" --out "$gemma_dir/kernels"
echo "== ropecheck check --golden $gemma_dir/golden --candidate $gemma_dir/kernels"
"$cli" check --golden "$gemma_dir/golden" --candidate "$gemma_dir/kernels"
echo "== ropecheck report --out report"
"$cli" report --out report
echo "run.sh: the precision report is in $(pwd)/report/report.md (data: report/report.json)"
