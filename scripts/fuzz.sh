#!/usr/bin/env bash
# Fuzzes the file readers with libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/fuzz.sh                   # every target, 600 s each, one after the other
#   scripts/fuzz.sh 120 npy           # one target (safetensors | npy | catalogue | report | worker_reply | all), 120 s
# Targets: safetensors and npy (src/ropecheck/io), catalogue (the golden case catalogue,
# golden/cases.json), report (report.json, read as a baseline or a shard to merge) and
# worker_reply (what an exec worker answers, src/ropecheck/harness/worker_protocol.h).
# They (fuzz/*_fuzz.cc) build through CMake with clang++-14 (-DROPECHECK_FUZZ=ON, fuzz/
# CMakeLists.txt) into build-fuzz/, apart from the GCC build. Installs clang-14 and
# libclang-rt-14-dev (libFuzzer, sanitizer runtimes) from Debian only when missing, with
# sudo when not root. Seeds are written to build-fuzz/seeds/ on every run; the growing
# corpus lives in build-fuzz/corpus/, findings in build-fuzz/artifacts/. Exit 1 on a finding.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-600}
which=${2:-all}
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2; exit 2; }
case "$which" in
  safetensors | npy | catalogue | report | worker_reply) targets=("$which") ;;
  all) targets=(safetensors npy catalogue report worker_reply) ;;
  *) echo "fuzz.sh: unknown target '$which' (expected safetensors, npy, catalogue, report, worker_reply or all)" >&2; exit 2 ;;
esac

source scripts/lib/debian_packages.sh
install_missing_packages fuzz.sh clang-14 libclang-rt-14-dev

out=build-fuzz
mkdir -p "$out"
# The longest input libFuzzer builds: room for the largest seed (golden/cases.json is
# 28 KB), small enough that each run stays fast.
max_len_of() {
  case "$1" in
    safetensors) echo 16384 ;;
    catalogue) echo 32768 ;;
    report) echo 8192 ;;
    *) echo 4096 ;;
  esac
}
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
  local s="$out/seeds/safetensors" n="$out/seeds/npy" c="$out/seeds/catalogue" r="$out/seeds/report"
  local w="$out/seeds/worker_reply"
  rm -rf "$out/seeds"
  mkdir -p "$s" "$n" "$c" "$r" "$w"
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
  # The committed catalogue, and small ones with every positions form and a scaled spec.
  cp golden/cases.json "$c/cases.json"
  printf '%s' '{"format":"ropecheck-cases/1","cases":[{"id":"a","description":"d","spec":{"head_dim":8,"layout":"half_split","base":10000},"input_dtype":"bf16","output_dtype":"bf16","heads":1,"positions":{"values":[0,1,70000]},"inputs":"edge","seed":7}]}' >"$c/values"
  printf '%s' '{"format":"ropecheck-cases/1","cases":[{"id":"b","description":"d","spec":{"head_dim":64,"rotary_dim":32,"layout":"interleaved","base":500000,"scaling":{"type":"llama3","factor":8,"low_freq_factor":1,"high_freq_factor":4,"original_max_position_embeddings":8192}},"input_dtype":"f16","output_dtype":"f32","positions":{"special":false,"random":3,"max":300},"inputs":"cancellation"}]}' >"$c/recipe"
  printf '%s' '{"format":"ropecheck-cases/1","cases":[]}' >"$c/empty"
  # A report.json as `ropecheck report` writes it (one case, positions 0,1,2, its curves cut
  # to 4 points), with a skipped result and non-finite errors written as strings.
  cp fuzz/seeds/report.json "$r/report.json"
  # Worker replies: a hello, an apply reply for the target's call (2 tokens × 1 head × 4
  # bf16), an error and a refusal.
  st_seed "$w/hello" '{"__metadata__":{"id":"0","name":"w","op":"hello","protocol":"1","supports":"{\"dtypes\":[\"bf16\"],\"layouts\":[\"half_split\"],\"max_position\":65535,\"multi_axis\":false,\"strides\":true}"}}'
  st_seed "$w/apply" '{"__metadata__":{"id":"1","op":"apply"},"out":{"data_offsets":[0,16],"dtype":"BF16","shape":[2,1,4]}}' \
    '\x80\x3f\x00\x40\x40\x40\x80\x40\x80\xbf\x00\xc0\x40\xc0\x80\xc0'
  st_seed "$w/error" '{"__metadata__":{"error":"ValueError: x","id":"1","op":"apply"}}'
  st_seed "$w/unsupported" '{"__metadata__":{"id":"1","op":"apply","unsupported":"no"}}'
}

# The targets build through CMake (fuzz/CMakeLists.txt, ROPECHECK_FUZZ) with clang-14, the
# project's warnings as errors, into build-fuzz/.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$out" -G Ninja -DROPECHECK_FUZZ=ON -DROPECHECK_WERROR=ON \
  -DROPECHECK_BUILD_TESTS=OFF -DROPECHECK_BUILD_BENCH=OFF -DROPECHECK_INSTALL=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" >/dev/null
cmake --build "$out" -j2 --target "${targets[@]/%/_fuzz}"

write_seeds
status=0
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t" "$out/artifacts"
  max_len=$(max_len_of "$t")
  log="$out/$t.log"
  echo "fuzz.sh: running ${t}_fuzz for ${seconds}s (log: $log)"
  # The first corpus directory receives new inputs; the seeds stay as written.
  if "$out/fuzz/${t}_fuzz" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
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
