#!/usr/bin/env bash
# A precision-report sweep on a Slurm cluster: an array of N shard jobs, then the merge as a
# job that depends on all of them (--dependency=afterok). Prints the two job ids; the
# merged report is OUT/merged/report.json, each task's log OUT/slurm-*.out.
#   scripts/slurm/sweep.sh OUT N [report options …]
#   ROPECHECK=/path/to/ropecheck scripts/slurm/sweep.sh /shared/sweep 16 --positions all:1048576
# OUT must be on a file system every node sees. The catalogue options (--cases, --hf-config)
# and --no-plots are passed to the merge too; extra sbatch options go in SBATCH_* variables
# (sbatch's own).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
(( $# >= 2 )) || { echo "usage: sweep.sh OUT N [report options …]" >&2; exit 2; }
out=$1
count=$2
shift 2
[[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "sweep.sh: N must be a positive integer, got '$count'" >&2; exit 2; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
merge_args=()
args=("$@")
for ((k = 0; k < ${#args[@]}; k++)); do
  case "${args[k]}" in
    --cases | --hf-config) merge_args+=("${args[k]}" "${args[k + 1]:-}"); k=$((k + 1)) ;;
    --no-plots) merge_args+=(--no-plots) ;;
  esac
done
array=$(sbatch --parsable --array="0-$((count - 1))" --output="$out/slurm-%A_%a.out" \
  "$here/report_shard.sbatch" "$out" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --dependency="afterok:$array" --output="$out/slurm-merge-%j.out" \
  "$here/report_merge.sbatch" "$out" "${merge_args[@]}")
echo "sweep.sh: array job $array ($count shards), merge job ${merge%%;*}: $out/merged/report.json"
