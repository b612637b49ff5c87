#!/usr/bin/env bash
# Sets up, builds and runs every test with CTest. RapidCheck runs with a fixed seed
# (printed) so CI is deterministic; `--deep` runs 1000 cases per property instead of 100.
# Then the I/O, gate and report tests (the code that reads other people's files) run once more in
# a second build under AddressSanitizer + UndefinedBehaviorSanitizer (${BUILD_DIR}-sanitize).
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
(cd "${BUILD_DIR:-build}" && ctest -j2 --output-on-failure --timeout 1500)

sanitize_dir=${BUILD_DIR:-build}-sanitize
sanitized_suites=(io_test file_safety_test golden_test check_test gate_integrity_test diagnosis_test report_test)
echo "test.sh: ${sanitized_suites[*]} under AddressSanitizer + UndefinedBehaviorSanitizer in $sanitize_dir"
werror=OFF
[[ -n "${CI:-}" ]] && werror=ON
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$sanitize_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$sanitize_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROPECHECK_SANITIZE=ON \
    -DROPECHECK_BUILD_BENCH=OFF -DROPECHECK_WERROR=$werror >/dev/null
else
  cmake -S . -B "$sanitize_dir" -DROPECHECK_WERROR=$werror >/dev/null
fi
cmake --build "$sanitize_dir" -j2 --target "${sanitized_suites[@]}"
label_regex="^($(IFS='|'; echo "${sanitized_suites[*]}"))\$"
(cd "$sanitize_dir" && ASAN_OPTIONS=abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest -j2 --output-on-failure --timeout 1500 -L "$label_regex")
