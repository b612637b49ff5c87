#!/usr/bin/env bash
# Configures and builds ropecheck (Release unless BUILD_TYPE says otherwise) into
# ${BUILD_DIR:-build}. Warnings are errors when CI is set. Portable: no -march=native.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
werror=OFF
[[ -n "${CI:-}" ]] && werror=ON
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" -DROPECHECK_WERROR=$werror >/dev/null
else
  cmake -S . -B "$build_dir" -DROPECHECK_WERROR=$werror >/dev/null
fi
cmake --build "$build_dir" -j2
