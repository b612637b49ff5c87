#!/usr/bin/env bash
# Sets up, builds and runs every test with CTest. RapidCheck runs with a fixed seed
# (printed) so CI is deterministic; `--deep` runs 1000 cases per property instead of 100.
#   scripts/test.sh                  # CI budget: 100 cases per property, seed 20261122
#   scripts/test.sh --deep           # 1000 cases per property
#   ROPECHECK_SEED=123 scripts/test.sh   # another seed (reproduce a failure with it)
set -euo pipefail
cd "$(dirname "$0")/.."
cases=100
for arg in "$@"; do
  case "$arg" in
    --deep) cases=1000 ;;
    *) echo "test.sh: unknown argument '$arg' (expected --deep)" >&2; exit 2 ;;
  esac
done
scripts/setup.sh
scripts/build.sh
seed=${ROPECHECK_SEED:-20261122}
export RC_PARAMS="seed=$seed max_success=$cases"
echo "test.sh: RapidCheck seed $seed, $cases cases per property (RC_PARAMS=\"$RC_PARAMS\")"
cd "${BUILD_DIR:-build}"
ctest -j2 --output-on-failure --timeout 1500
