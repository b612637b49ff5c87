#!/usr/bin/env bash
# The main job: set up, build Release, print the seed's decay table (R = 128, base 1e4,
# Δ = 0…256) and run the property battery against the built-in reference.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
cli=${BUILD_DIR:-build}/src/cli/ropecheck
echo "== ropecheck decay --dim 128 --max-distance 256"
"$cli" decay --dim 128 --max-distance 256
echo "== ropecheck props"
"$cli" props
