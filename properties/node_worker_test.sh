#!/usr/bin/env bash
# The worker protocol without Python: node/rope_worker.js (Node's standard library only)
# passes the battery it declares (f32 and bf16, unscaled RoPE), and its one-line bug
# (heads after the first left unrotated) fails with a shrunk case.
# Usage: node_worker_test.sh ROPECHECK_CLI SOURCE_DIR
set -euo pipefail
cli=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
node=$(command -v node || command -v nodejs) || { echo "node_worker_test: FAIL: no node (scripts/setup.sh installs nodejs)"; exit 1; }
worker="$node $src/node/rope_worker.js"

"$cli" props --exec "$worker" --profile f32-angle --cases 40 > "$tmp/pass.txt" || { cat "$tmp/pass.txt"; exit 1; }
grep -q '^worker: 8 passed, 0 failed, 5 skipped (unsupported); self-checks: 15 caught, 0 missed$' "$tmp/pass.txt" ||
  { echo "node_worker_test: FAIL: unexpected summary"; cat "$tmp/pass.txt"; exit 1; }
grep -q 'SKIP   f16 properties: the worker does not implement f16 (its hello)' "$tmp/pass.txt" ||
  { echo "node_worker_test: FAIL: f16 not reported as skipped"; cat "$tmp/pass.txt"; exit 1; }

status=0
"$cli" props --exec "$worker --bug only-head-0" --profile f32-angle --cases 40 > "$tmp/bug.txt" || status=$?
if [[ $status -ne 1 ]]; then echo "node_worker_test: FAIL: the bug passed (exit $status)"; cat "$tmp/bug.txt"; exit 1; fi
grep -q 'FAIL   worker node float64 with bug only-head-0: f32 output within the f32-angle bound' "$tmp/bug.txt" ||
  { echo "node_worker_test: FAIL: the bug was not caught where expected"; cat "$tmp/bug.txt"; exit 1; }
grep -q 'heads 2, .*positions \[' "$tmp/bug.txt" ||
  { echo "node_worker_test: FAIL: no shrunk two-head case"; cat "$tmp/bug.txt"; exit 1; }
echo "node_worker_test: the Node worker passes, and its bug is caught"
