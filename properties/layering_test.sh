#!/usr/bin/env bash
# The layering check on the tree, and its negative control: the same check on a copy of the
# tree with one upward include (props including gate) and one same-layer include (golden
# including harness) must fail and name both.
#   properties/layering_test.sh SOURCE_DIR
set -euo pipefail
root=$1
check=$root/scripts/check_layering.sh
"$check" "$root/src"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp -r "$root/src" "$scratch/src"
echo '#include "ropecheck/gate/conformance.h"' >> "$scratch/src/ropecheck/props/battery.h"
echo '#include "ropecheck/harness/plugin_limits.h"' >> "$scratch/src/ropecheck/golden/golden_file.h"
if out=$("$check" "$scratch/src"); then
  echo "layering_test: FAIL: the check passed a tree with an upward include"; exit 1
fi
grep -q 'props/battery.h includes ropecheck/gate/conformance.h' <<<"$out" || { echo "layering_test: FAIL: upward include not named: $out"; exit 1; }
grep -q 'golden/golden_file.h includes ropecheck/harness/plugin_limits.h' <<<"$out" || { echo "layering_test: FAIL: same-layer include not named: $out"; exit 1; }
echo "layering_test: the negative control was caught"
