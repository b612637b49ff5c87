#!/usr/bin/env bash
# The PyTorch adapter as a worker (scripts/adapters/torch_rope.py --serve), on the CPU; a
# machine with a GPU runs the same commands with --device cuda.
#  - HF's rotate_half, Meta's complex form and auto (both) pass the battery under
#    f32-angle, with every scaling type they declare;
#  - vLLM's forward_native (cos/sin cache and arithmetic in the model dtype) passes
#    bf16-compute for bf16 and f16-compute for f16, and fails f32-angle for bf16;
#  - HF #29285's bf16 positions fail with a shrunk case;
#  - check --exec on the committed golden set gives the adapter's own verdicts.
# Usage: torch_worker_test.sh ROPECHECK_CLI SOURCE_DIR
set -euo pipefail
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python=${ROPECHECK_PYTHON:-/usr/bin/python3}
worker="$python $src/scripts/adapters/torch_rope.py --serve"

expect() {  # expect EXIT_CODE NAME PATTERN COMMAND...
  local want=$1 name=$2 pattern=$3 status=0
  shift 3
  "$@" > "$tmp/$name.txt" 2>&1 || status=$?
  if [[ $status -ne $want ]]; then echo "torch_worker_test: FAIL: $name exited $status, expected $want"; cat "$tmp/$name.txt"; exit 1; fi
  grep -q -- "$pattern" "$tmp/$name.txt" || { echo "torch_worker_test: FAIL: $name: no '$pattern'"; cat "$tmp/$name.txt"; exit 1; }
}

for style in hf meta; do
  expect 0 "$style" '^worker: [0-9]* passed, 0 failed' "$cli" props --exec "$worker --style $style" --profile f32-angle --cases 40
done
expect 0 auto '^worker: 12 passed, 0 failed, 1 skipped' "$cli" props --exec "$worker --style auto" --profile f32-angle --cases 40
vllm="$worker --style vllm --max-position 4096"
expect 0 vllm_bf16 '^worker: 7 passed, 0 failed' "$cli" props --exec "$vllm --dtypes bf16" --profile bf16-compute --cases 40
expect 0 vllm_f16 '^worker: 7 passed, 0 failed' "$cli" props --exec "$vllm --dtypes f16" --profile f16-compute --cases 40
expect 1 vllm_bf16_f32_angle 'FAIL   worker torch .* vllm (cpu): bf16 output within the f32-angle bound' \
  "$cli" props --exec "$vllm --dtypes bf16" --profile f32-angle --cases 40 --no-shrink
expect 1 bf16_positions 'FAIL   worker torch .* auto (cpu) with bug bf16-positions' \
  "$cli" props --exec "$worker --bug bf16-positions --dtypes f32" --profile f32-angle --cases 40
grep -q ', positions \[' "$tmp/bf16_positions.txt" || { echo "torch_worker_test: FAIL: no shrunk case"; cat "$tmp/bf16_positions.txt"; exit 1; }
expect 0 check 'check: 30 of 30 cases pass under profile f32-angle' \
  "$cli" check --golden "$src/golden/v1" --exec "$worker" --profile f32-angle
echo "torch_worker_test: every style passes its profile, and the planted bug is caught"
