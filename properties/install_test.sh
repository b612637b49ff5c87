#!/usr/bin/env bash
# ropecheck installed, three ways (properties/CMakeLists.txt runs each as a CTest test):
#   find_package  cmake --install into a scratch prefix; a consumer project builds and runs
#                 against it; the installed command works from / on the installed data.
#   subdirectory  the consumer with ropecheck's source as a subdirectory: configured, and its
#                 own files compiled with the usage requirements the targets carry (linking
#                 the library in-tree is what every test executable of this build does).
#   deb           cpack -G DEB; the package declares its dependencies, and its files,
#                 unpacked into a scratch root, run from / without the source tree.
# Usage: install_test.sh find_package|subdirectory|deb BUILD_DIR SOURCE_DIR
set -euo pipefail
mode=$1
build=$(cd "$2" && pwd)
source_dir=$(cd "$3" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/ropecheck_install_${mode}.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
fail() { echo "install_test $mode: FAIL: $*" >&2; exit 1; }

# The installed command from /, on the data installed beside it (never the source tree).
check_installed_command() {
  local prefix=$1 cli=$1/bin/ropecheck data=$1/share/ropecheck
  local out
  out=$(cd / && env -u ROPECHECK_DATA_DIR "$cli" --version) || fail "--version"
  grep -qx "ropecheck [0-9.]*" <<<"$out" || fail "--version said: $out"
  out=$(cd / && env -u ROPECHECK_DATA_DIR "$cli" cases) || fail "cases"
  grep -q "^30 cases in $data/golden/cases.json" <<<"$out" || fail "cases does not read the installed catalogue"
  (cd / && "$cli" golden --verify "$data/golden/v1" >/dev/null) || fail "golden --verify on the installed set"
  (cd / && "$cli" apply --golden "$data/golden/v1" --out "$scratch/candidates" >/dev/null) || fail "apply"
  (cd / && "$cli" check --golden "$data/golden/v1" --candidate "$scratch/candidates" --json "$scratch/check.json" \
    >/dev/null) || fail "check on the installed golden set"
  grep -q '"passed": true' "$scratch/check.json" || fail "check.json does not say passed"
  # The control: a changed golden file fails the installed gate.
  cp -r "$data/golden/v1" "$scratch/changed"
  printf '\x01' | dd of="$scratch/changed/edge_f32.safetensors" bs=1 seek=100 conv=notrunc status=none
  if (cd / && "$cli" golden --verify "$scratch/changed" >/dev/null 2>&1); then fail "a changed golden file verified"; fi
}

case $mode in
  find_package)
    cmake --install "$build" --prefix "$scratch/prefix" >/dev/null
    for f in bin/ropecheck lib/libropecheck.a lib/libropecheck_properties.a lib/ropecheck/libropecheck_kernels_plugin.so \
             include/ropecheck/harness/ropecheck_plugin.h include/ropecheck/reference/certified_rope.h \
             lib/cmake/ropecheck/ropecheck-config.cmake lib/cmake/ropecheck/ropecheck-config-version.cmake \
             lib/pkgconfig/ropecheck.pc share/ropecheck/golden/cases.json share/ropecheck/scripts/plot_report.py \
             share/doc/ropecheck/README.md; do
      [[ -e "$scratch/prefix/$f" ]] || fail "not installed: $f"
    done
    cmake -S "$source_dir/properties/consumer" -B "$scratch/consumer" "${generator[@]}" \
      -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
    cmake --build "$scratch/consumer" -j2 >/dev/null
    "$scratch/consumer/consumer" | grep -q ": pass$" || fail "the consumer did not pass"
    # pkg-config: the relocatable prefix leads to the installed headers.
    include=$(PKG_CONFIG_PATH="$scratch/prefix/lib/pkgconfig" pkg-config --cflags-only-I ropecheck | tr ' ' '\n' |
              grep "^-I$scratch/prefix" | head -1)
    [[ -f "${include#-I}/ropecheck/spec.h" ]] || fail "pkg-config --cflags does not lead to the headers: $include"
    check_installed_command "$scratch/prefix"
    ;;
  subdirectory)
    command -v ninja >/dev/null || fail "needs ninja to build single object files (scripts/setup.sh installs ninja-build)"
    cmake -S "$source_dir/properties/consumer" -B "$scratch/consumer" "${generator[@]}" -DROPECHECK_SOURCE="$source_dir" \
      -DROPECHECK_BUILD_TESTS=OFF -DROPECHECK_BUILD_BENCH=OFF >/dev/null
    grep -q "ROPECHECK_INSTALL:BOOL=OFF" "$scratch/consumer/CMakeCache.txt" ||
      fail "a subproject installs ropecheck by default"
    # The consumer's own objects: include paths and definitions from ropecheck::ropecheck
    # and ropecheck::plugin_abi (object files, so the library itself is not rebuilt here).
    objects=$(cd "$scratch/consumer" && ninja -t targets all | grep -o '^CMakeFiles/consumer[a-z_]*\.dir/[^:]*\.o')
    [[ $(wc -l <<<"$objects") == 2 ]] || fail "expected the consumer's two object files, got: $objects"
    (cd "$scratch/consumer" && ninja $objects >/dev/null) || fail "the consumer's files do not compile in-tree"
    ;;
  deb)
    (cd "$build" && cpack -G DEB -B "$scratch/deb" >/dev/null) || fail "cpack"
    deb=$(ls "$scratch"/deb/ropecheck_*.deb)
    depends=$(dpkg-deb -f "$deb" Depends)
    for lib in libc6 libstdc++6 libmpfr6 libmpc3 libgmp10 libfmt9 libhwy1 libssl3; do
      grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
    done
    # Every shared library the installed command needs is one the package depends on.
    dpkg-deb -x "$deb" "$scratch/root"
    for so in $(ldd "$scratch/root/usr/bin/ropecheck" | awk '/=>/ {print $3}'); do
      real=$(readlink -f "$so")
      package=""
      # Merged /usr: dpkg may list a library under /lib or /usr/lib, by either name.
      for path in "$so" "$real" "${so#/usr}" "${real#/usr}" "/usr${so#/usr}" "/usr${real#/usr}"; do
        package=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n $package ]] && break
      done
      [[ -n $package ]] || fail "no Debian package owns $so"
      grep -qw "$package" <<<"$depends" || fail "$so comes from $package, which Depends does not list: $depends"
    done
    check_installed_command "$scratch/root/usr"
    ;;
  *) fail "unknown mode" ;;
esac
echo "install_test $mode: passed"
