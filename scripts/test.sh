#!/usr/bin/env bash
# Sets up, builds and runs every test with CTest. RapidCheck runs with a fixed seed
# (printed) so CI is deterministic; `--deep` runs 1000 cases per property instead of 100.
# Then the I/O, gate and report tests (the code that reads other people's files) and the CLI's
# plugin tests run once more in a second build under AddressSanitizer +
# UndefinedBehaviorSanitizer (${BUILD_DIR}-sanitize).
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
# The suites that read untrusted files, and the CLI tests that run hostile plugins (cli_test's
# props_plugin_* and the report ones that load a plugin): the plugin's parent side (shared
# buffers, the output capture, the process group) under the sanitizers.
sanitized_suites=(io_test file_safety_test golden_test check_test tensor_check_test gate_integrity_test diagnosis_test
                  report_test hf_config_test worker_test cli_test)
sanitized_cli_tests='^cli[.](props_plugin_|props_worker_faults|plugin_names|report_fails_when_a_plugin|check_tensors)'
echo "test.sh: ${sanitized_suites[*]} under AddressSanitizer + UndefinedBehaviorSanitizer in $sanitize_dir"
# -O1 -g1: what the sanitizers need (inlining kept modest, line tables for the reports) at a
# third of -O2 -g's compile time, which Highway's kernels make the largest part of CI.
sanitize_flags="-O1 -g1 -DNDEBUG"
source scripts/lib/configure_build.sh
configure_build "$sanitize_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DROPECHECK_SANITIZE=ON -DROPECHECK_BUILD_BENCH=OFF \
  -- -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$sanitize_flags" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$sanitize_flags"
cmake --build "$sanitize_dir" -j2 --target "${sanitized_suites[@]}"
file_suites=("${sanitized_suites[@]:0:${#sanitized_suites[@]}-1}")
label_regex="^($(IFS='|'; echo "${file_suites[*]}"))\$"
# handle_segv=0: a plugin's SIGSEGV in its forked child must stay a SIGSEGV, which
# ropecheck reports, rather than become the sanitizer's own report and exit.
(cd "$sanitize_dir" && export ASAN_OPTIONS=abort_on_error=1:handle_segv=0 UBSAN_OPTIONS=print_stacktrace=1 &&
  ctest -j2 --output-on-failure --timeout 1500 -L "$label_regex" &&
  ctest -j2 --output-on-failure --timeout 1500 -L '^cli_test$' -R "$sanitized_cli_tests")
