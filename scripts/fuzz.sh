#!/usr/bin/env bash
# Fuzzes the file readers with libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/fuzz.sh                   # both targets, 600 s each
#   scripts/fuzz.sh 120 npy           # one target (safetensors | npy | all), 120 s
# The targets (fuzz/*_fuzz.cc) are compiled with clang++-14 straight from the io sources
# into build-fuzz/ — not through the CMake build, which uses GCC. Installs clang-14 and
# libclang-rt-14-dev (libFuzzer, sanitizer runtimes) from Debian only when missing, with
# sudo when not root. Seeds are written to build-fuzz/seeds/ on every run; the growing
# corpus lives in build-fuzz/corpus/, findings in build-fuzz/artifacts/. Exit 1 on a finding.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
which=${2:-all}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
case "$which" in
  safetensors) targets=(safetensors) ;;
  npy) targets=(npy) ;;
  all) targets=(safetensors npy) ;;
  *) echo "fuzz.sh: unknown target '$which' (expected safetensors, npy or all)" >&2; exit 2 ;;
esac

packages=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "fuzz.sh: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "fuzz.sh: not root and no sudo; install: ${missing[*]}" >&2; exit 2; }
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

out=build-fuzz
mkdir -p "$out"
sources=(src/ropecheck/io/safetensors.cc src/ropecheck/io/npy.cc src/ropecheck/dtype.cc)
# The project's warning list (CMakeLists.txt) as errors, so clang sees what GCC sees.
# fmt header-only: the sanitizers then instrument it too, and no GCC-built library is linked.
flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -DFMT_HEADER_ONLY -Isrc
       -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wdouble-promotion
       -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference
       -Wimplicit-fallthrough -Werror)

# u64 little-endian, as printf escapes.
le() {
  local value=$1 bytes=$2 i
  for ((i = 0; i < bytes; i++)); do printf '\\x%02x' $(((value >> (8 * i)) & 255)); done
}
# A safetensors file: header JSON (padded with spaces to a multiple of 8), then data given
# as printf escapes.
st_seed() {
  local file=$1 header=$2 data=${3:-}
  while ((${#header} % 8)); do header+=" "; done
  printf "$(le ${#header} 8)%s$data" "$header" >"$file"
}
# An .npy file: version, dict (padded with spaces and a newline to 64 bytes), data escapes.
npy_seed() {
  local file=$1 major=$2 dict=$3 data=${4:-} prefix=10 width=2
  ((major == 1)) || { prefix=12; width=4; }
  while (((prefix + ${#dict} + 1) % 64)); do dict+=" "; done
  dict+=$'\n'
  printf "\\x93NUMPY\\x$(printf %02x "$major")\\x00$(le ${#dict} "$width")%s$data" "$dict" >"$file"
}

write_seeds() {
  local s="$out/seeds/safetensors" n="$out/seeds/npy"
  rm -rf "$out/seeds"
  mkdir -p "$s" "$n"
  st_seed "$s/empty" '{}'
  st_seed "$s/metadata_only" '{"__metadata__":{"format":"ropecheck-golden/1","case":"c"}}'
  # A golden-like file: bf16 x [1,1,2], i64 positions [1], f64 expected [1,1,2].
  st_seed "$s/golden_like" \
    '{"__metadata__":{"format":"ropecheck-golden/1"},"expected":{"data_offsets":[0,16],"dtype":"F64","shape":[1,1,2]},"positions":{"data_offsets":[16,24],"dtype":"I64","shape":[1]},"x":{"data_offsets":[24,28],"dtype":"BF16","shape":[1,1,2]}}' \
    '\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\xc0\x07\x00\x00\x00\x00\x00\x00\x00\x80\x3f\x00\xc0'
  # Key order of the Rust writer, a zero-size tensor sharing an offset, a scalar.
  st_seed "$s/reference_order" \
    '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"z":{"dtype":"U8","shape":[0,3],"data_offsets":[8,8]},"s":{"dtype":"I16","shape":[],"data_offsets":[8,10]}}' \
    '\x00\x00\x80\x3f\x00\x00\x00\x40\xfe\xff'
  st_seed "$s/every_dtype" \
    '{"b":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]},"c":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"d":{"dtype":"I8","shape":[1],"data_offsets":[2,3]},"e":{"dtype":"U16","shape":[1],"data_offsets":[3,5]},"f":{"dtype":"I16","shape":[1],"data_offsets":[5,7]},"g":{"dtype":"F16","shape":[1],"data_offsets":[7,9]},"h":{"dtype":"BF16","shape":[1],"data_offsets":[9,11]},"i":{"dtype":"U32","shape":[1],"data_offsets":[11,15]},"j":{"dtype":"I32","shape":[1],"data_offsets":[15,19]},"k":{"dtype":"F32","shape":[1],"data_offsets":[19,23]},"l":{"dtype":"U64","shape":[1],"data_offsets":[23,31]},"m":{"dtype":"I64","shape":[1],"data_offsets":[31,39]},"n":{"dtype":"F64","shape":[1],"data_offsets":[39,47]}}' \
    '\x01\x02\xfd\x04\x00\xfb\xff\x00\x3c\x80\x3f\x08\x00\x00\x00\xf7\xff\xff\xff\x00\x00\x80\x3f\x0a\x00\x00\x00\x00\x00\x00\x80\xf5\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\xf0\x3f'
  npy_seed "$n/v1_f8" 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }" \
    '\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\x00\x40'
  npy_seed "$n/v2_f4_scalar" 2 "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" '\x00\x00\x80\x3f'
  npy_seed "$n/v3_f2_empty" 3 '{"shape": (0, 4), "fortran_order": False, "descr": "<f2"}'
  npy_seed "$n/v1_f2_2d" 1 "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }" '\x00\x3c\x00\xc0'
}

build() {
  local name=$1 bin="$out/${1}_fuzz"
  local newest
  newest=$(ls -t "fuzz/${name}_fuzz.cc" "${sources[@]}" src/ropecheck/io/*.h src/ropecheck/dtype.h src/ropecheck/errors.h | head -1)
  if [[ -x "$bin" && "$bin" -nt "$newest" ]]; then return; fi
  echo "fuzz.sh: building $bin"
  clang++-14 "${flags[@]}" "fuzz/${name}_fuzz.cc" "${sources[@]}" -o "$bin"
}

write_seeds
status=0
for t in "${targets[@]}"; do
  build "$t"
  mkdir -p "$out/corpus/$t" "$out/artifacts"
  max_len=4096
  [[ "$t" == safetensors ]] && max_len=16384
  log="$out/$t.log"
  echo "fuzz.sh: running ${t}_fuzz for ${seconds}s (log: $log)"
  # The first corpus directory receives new inputs; the seeds stay as written.
  if "$out/${t}_fuzz" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
      -dict="fuzz/$t.dict" -artifact_prefix="$out/artifacts/$t-" -print_final_stats=1 \
      "$out/corpus/$t" "$out/seeds/$t" >"$log" 2>&1; then
    done_line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1)
    echo "fuzz.sh: $t: no finding. ${done_line:-} (corpus: $(ls "$out/corpus/$t" | wc -l) files)"
  else
    status=1
    echo "fuzz.sh: $t: FINDING — see $log and $out/artifacts/" >&2
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -20 >&2 || true
  fi
done
exit $status
