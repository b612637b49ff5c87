#!/usr/bin/env bash
# The layering of src/: a folder includes only folders of a lower layer (and headers of its
# own folder), never one of its own layer or above, so the include graph has no cycle and
# the folder list reads bottom-up as the design does:
#   0  src/ropecheck/*.h          the spec, dtypes, positions, errors
#   1  config io reference        HF configs; file formats; the arbitrary-precision truth
#   2  kernels numeric            fast kernels and tables; ULPs, bounds, measurement
#   3  golden harness             golden files; plugins and workers run as hostile processes
#   4  props                      the property battery, its cases and deliberately wrong variants
#   5  gate                       candidates against golden files, diagnosis, the check report
#   6  report                     precision sweeps and their outputs
#   7  cli plugins bench          the executables
#   scripts/check_layering.sh [SRC_DIR]   # exit 1 listing every violation
set -euo pipefail
src=${1:-"$(dirname "$0")/../src"}
declare -A layer=([ropecheck]=0 [config]=1 [io]=1 [reference]=1 [kernels]=2 [numeric]=2 [golden]=3 [harness]=3
                  [props]=4 [gate]=5 [report]=6 [cli]=7 [plugins]=7 [bench]=7)
# The folder a path names: ropecheck/X/… is X, ropecheck/file.h is ropecheck, cli/… is cli.
folder_of() {
  local p=$1
  if [[ $p == ropecheck/*/* ]]; then p=${p#ropecheck/}; echo "${p%%/*}"
  elif [[ $p == ropecheck/* ]]; then echo ropecheck
  else echo "${p%%/*}"; fi
}
violations=0
checked=0
while IFS= read -r -d '' file; do
  rel=${file#"$src"/}
  from=$(folder_of "$rel")
  [[ -n ${layer[$from]+x} ]] || { echo "check_layering: $rel: folder '$from' has no layer (add it here)"; violations=$((violations + 1)); continue; }
  checked=$((checked + 1))
  while IFS= read -r included; do
    to=$(folder_of "$included")
    [[ $to == "$from" ]] && continue
    [[ -n ${layer[$to]+x} ]] || continue  # not one of ours
    if (( layer[$to] >= layer[$from] )); then
      echo "check_layering: $rel includes $included: $from (layer ${layer[$from]}) may not include $to (layer ${layer[$to]})"
      violations=$((violations + 1))
    fi
  done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/p' "$file")
done < <(find "$src" -type f \( -name '*.h' -o -name '*.cc' -o -name '*.c' \) -print0)
# A check that read nothing proves nothing.
(( checked > 0 )) || { echo "check_layering: no source file under $src"; exit 1; }
(( violations == 0 )) || { echo "check_layering: $violations violation(s) in $checked files"; exit 1; }
echo "check_layering: $checked files, no include against the layering"
