#!/usr/bin/env bash
# Installs the build and test dependencies of ropecheck from Debian 12's packages, and
# only those that are missing: on a machine that has them all it changes nothing and
# runs no apt-get at all. Uses sudo when not root. No other download, ever.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libboost-dev          # Boost.Multiprecision 1.74 (header-only parts)
  libmpfr-dev libgmp-dev libmpc-dev   # MPFR reals, MPC complex (Meta complex form)
  librapidcheck-dev     # CMake targets rapidcheck, rapidcheck_gtest
  libhwy-dev            # Google Highway 1.0.3: SIMD kernels with run-time dispatch
  libbenchmark-dev      # Google Benchmark: src/bench
  libgtest-dev libgmock-dev
  libfmt-dev
  libcli11-dev
  nlohmann-json3-dev
  libssl-dev            # libcrypto's SHA-256 for golden/*/SHA256SUMS
  python3-numpy python3-torch   # scripts/adapters/torch_rope.py and its test
  python3-matplotlib python3-jsonschema  # scripts/plot_report.py; the report schema test
  python3-pytest        # python/tests: the worker client and assert_rope_conforms
  nodejs                # examples/node: the worker protocol without Python
  gappa                 # proofs/: the certified reference's error bounds
)

source "$(dirname "$0")/lib/debian_packages.sh"
install_missing_packages setup "${packages[@]}"
echo "setup: all ${#packages[@]} dependencies present"
