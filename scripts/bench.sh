#!/usr/bin/env bash
# Sets up, builds Release and runs ropecheck_bench: the RoPE kernels and cos/sin tables
# timed against same-run memcpy / in-place scale / sinf-cosf baselines (docs/benchmarks.md#method), then
# the ratio table with its targets. Single thread; run it on an otherwise idle machine.
#   scripts/bench.sh                                    # everything, median of 3 repetitions
#   scripts/bench.sh --benchmark_filter='rope/cache'    # a subset (any Google Benchmark flag)
#   BENCH_REPETITIONS=5 BENCH_OUT=/tmp/bench.json scripts/bench.sh
#   scripts/bench.sh --harness                          # one call's cost: plugin vs exec workers
#   scripts/bench.sh --truth [--elements N]             # MPFR vs the certified truth, 1 and 2 threads
# The raw results go to ${BENCH_OUT:-build/bench.json} (Google Benchmark's JSON format).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_TYPE=Release scripts/build.sh
build_dir=${BUILD_DIR:-build}
# build.sh keeps the build type of an existing build directory.
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt")
if [[ "$build_type" != Release ]]; then
  echo "bench.sh: warning: $build_dir is a '$build_type' build, timings want Release (set BUILD_DIR)" >&2
fi
if [[ "${1:-}" == --harness ]]; then
  shift
  exec "$build_dir/src/bench/ropecheck_harness_bench" "$@"
fi
if [[ "${1:-}" == --truth ]]; then
  shift
  exec "$build_dir/src/bench/ropecheck_truth_bench" "$@"
fi
out=${BENCH_OUT:-$build_dir/bench.json}
"$build_dir/src/bench/ropecheck_bench" \
  --benchmark_out="$out" --benchmark_out_format=json \
  --benchmark_repetitions="${BENCH_REPETITIONS:-3}" --benchmark_report_aggregates_only=true \
  "$@"
echo "bench.sh: JSON results in $out"
