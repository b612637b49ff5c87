#!/usr/bin/env bash
# Configures and builds ropecheck (Release unless BUILD_TYPE says otherwise) into
# ${BUILD_DIR:-build}. Warnings are errors when CI is set. Portable: no -march=native.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/configure_build.sh
build_dir=${BUILD_DIR:-build}
configure_build "$build_dir" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}"
cmake --build "$build_dir" -j2
