#!/usr/bin/env bash
# The Gappa proofs of the certified reference's bounds (proofs/check_proofs.py), rows
# FIRST:END, and their negative control: a bound below what row 1 needs must be refused.
#   proofs_test.sh SOURCE_DIR FIRST:END [control]
set -euo pipefail
src=$1
rows=$2
if [[ "${3:-}" == control ]]; then
  if out=$(python3 "$src/proofs/check_proofs.py" --rows 1:2 --evaluation-goal 40 2>&1); then
    echo "proofs_test: Gappa accepted a bound of 40·2^-106 for row 1, which needs 44.4: the proof cannot fail" >&2
    echo "$out" >&2
    exit 1
  fi
  grep -q "FAILED certified_trig_j01.g" <<<"$out" || { echo "proofs_test: the control failed otherwise:" >&2; echo "$out" >&2; exit 1; }
  echo "proofs_test: row 1 at 40·2^-106 refused, as it must be"
  exit 0
fi
python3 "$src/proofs/check_proofs.py" --rows "$rows"
