#!/usr/bin/env bash
# A golden set generated on a Slurm cluster: an array of N shard jobs, each writing its
# cases and their SHA256SUMS to OUT/shard-<task id>/, then the merge as a job that depends
# on all of them (--dependency=afterok): OUT/golden/ with every file and one SHA256SUMS,
# the same bytes as `ropecheck golden --out` on one machine. Prints the two job ids.
#   scripts/slurm/golden.sh OUT N [golden options …]
#   ROPECHECK=/path/to/ropecheck scripts/slurm/golden.sh /shared/golden 16 --hf-config Llama-3.1-8B.json
# OUT must be on a file system every node sees; extra sbatch options go in SBATCH_*
# variables (sbatch's own).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(( $# >= 2 )) || { echo "usage: golden.sh OUT N [golden options …]" >&2; exit 2; }
out=$1
count=$2
shift 2
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "golden.sh: N must be a positive integer, got '$count'" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
array=$(sbatch --parsable --array="0-$((count - 1))" --output="$out/slurm-%A_%a.out" \
  "$here/golden_shard.sbatch" "$out" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --output="$out/slurm-merge-%j.out" \
  "$here/golden_merge.sbatch" "$out")
echo "golden.sh: array job $array ($count shards), merge job ${merge%%;*}: $out/golden"
