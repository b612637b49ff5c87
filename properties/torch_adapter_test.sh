#!/usr/bin/env bash
# The documented path for PyTorch users (scripts/adapters/torch_rope.py), end to end on
# the committed golden sets (golden/v1 and the model cases in golden/models):
#  - a correct float32 PyTorch pipeline (HF rotate_half for half_split cases, Meta's
#    complex form for interleaved ones, HF's scaling formulas for the scaled cases) passes
#    `check` under f32-angle;
#  - it fails `exact` (f32 angles at positions up to 2^20 cost more than its bound);
#  - HF's rotate_half forced on a Meta-layout case fails and is diagnosed as a swapped layout.
# Usage: torch_adapter_test.sh ROPECHECK_CLI SOURCE_DIR
set -euo pipefail
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Debian's interpreter, where python3-torch and python3-numpy are installed (a python3
# earlier in PATH, e.g. from pyenv, would not see them).
python=${ROPECHECK_PYTHON:-/usr/bin/python3}
adapter=("$python" "$src/scripts/adapters/torch_rope.py")

"${adapter[@]}" --golden "$src/golden/v1" --out "$tmp/auto"
"$cli" check --golden "$src/golden/v1" --candidate "$tmp/auto" --profile f32-angle
# The model cases from golden/configs (every layer type of nine models): no false failure
# of the same correct pipelines there either.
"${adapter[@]}" --golden "$src/golden/models" --out "$tmp/models"
"$cli" check --golden "$src/golden/models" --candidate "$tmp/models" --profile f32-angle

status=0
"$cli" check --golden "$src/golden/v1" --candidate "$tmp/auto" > "$tmp/exact.txt" || status=$?
if [[ $status -ne 1 ]]; then
  echo "torch_adapter_test: expected exit 1 under exact, got $status"; cat "$tmp/exact.txt"; exit 1
fi

case=llama2_7b_interleaved_f32
"${adapter[@]}" --style hf --golden "$src/golden/v1/$case.safetensors" --out "$tmp/hf"
status=0
"$cli" check --golden "$src/golden/v1/$case.safetensors" --candidate "$tmp/hf/$case.safetensors" > "$tmp/hf.txt" || status=$?
cat "$tmp/hf.txt"
if [[ $status -ne 1 ]] || ! grep -q "diagnosis: matches layout half_split (golden is interleaved)" "$tmp/hf.txt"; then
  echo "torch_adapter_test: rotate_half on Meta-layout data was not diagnosed as a swapped layout"; exit 1
fi
echo "torch_adapter_test: passed"
