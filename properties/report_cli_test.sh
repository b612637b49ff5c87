#!/usr/bin/env bash
# `ropecheck report` and `ropecheck report merge` end to end on a small sweep:
#  - report.json validates against scripts/report.schema.json (python3-jsonschema);
#  - report.md has its tables, and the figures are written (python3-matplotlib) or, with
#    no interpreter, the report says they were skipped;
#  - a report compared with itself exits 0; one that lost an implementation exits 1 and
#    prints the regression table;
#  - two shards merged equal the whole sweep;
#  - bad input exits 2 with a one-line reason and writes nothing.
#  - a plugin and a candidate directory are measured like the built-in kernels (the
#    candidate at its golden file's positions);
#  - --positions all:MAX: the list's report up to 4096 positions, binned beyond; a bad MAX
#    exits 2.
# Usage: report_cli_test.sh ROPECHECK_CLI SOURCE_DIR KERNELS_PLUGIN
set -euo pipefail
cli=$1
src=$2
plugin=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python=${ROPECHECK_PYTHON:-/usr/bin/python3}
cd "$src"
fail() { echo "report_cli_test: $*"; exit 1; }

"$cli" report --help | grep -q -- "--baseline" || fail "report --help"
"$cli" report merge --help | grep -q -- "--out" || fail "report merge --help"

# Two cases in a catalogue of their own, so that two shards have one case each.
"$python" - "$src/golden/cases.json" "$tmp/cases.json" <<'PY'
import json, sys
catalogue = json.load(open(sys.argv[1]))
keep = {"llama2_7b_half_split_bf16", "llama2_7b_half_split_f16"}
catalogue["cases"] = [c for c in catalogue["cases"] if c["id"] in keep]
json.dump(catalogue, open(sys.argv[2], "w"))
PY
cases_and_positions=(--cases "$tmp/cases.json" --positions log:32:1048576)
sweep=("${cases_and_positions[@]}" --impl accurate --impl f32-angle)

"$cli" report --out "$tmp/full" "${sweep[@]}" > "$tmp/full.txt"
for f in report.json report.md; do [[ -s "$tmp/full/$f" ]] || fail "no $f"; done
"$python" - "$src/scripts/report.schema.json" "$tmp/full/report.json" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.validate(json.load(open(sys.argv[2])), schema, cls=jsonschema.Draft202012Validator)
PY
grep -q "^| kernels:f32-angle | bf16 | 1 |" "$tmp/full/report.md" || fail "summary row missing"
grep -q "^## Safe context, measured and predicted" "$tmp/full/report.md" || fail "safe-context section missing"
if "$python" -c "import matplotlib" 2>/dev/null; then
  for f in error_vs_position error_vs_pair decay; do
    [[ -s "$tmp/full/$f.png" && -s "$tmp/full/$f.svg" ]] || fail "figure $f missing"
    grep -q "($f.svg)" "$tmp/full/report.md" || fail "figure $f not linked"
  done
fi

ROPECHECK_PYTHON=/nonexistent/python3 "$cli" report --out "$tmp/noplot" "${sweep[@]}" > /dev/null
grep -q "Plots skipped: no Python interpreter" "$tmp/noplot/report.md" || fail "skipped plots not reported"

"$cli" report --out "$tmp/same" "${sweep[@]}" --no-plots --baseline "$tmp/full/report.json" > "$tmp/same.txt" ||
  fail "self-comparison exited $?"
grep -q "No regression" "$tmp/same.txt" || fail "self-comparison did not say 'No regression'"

status=0
"$cli" report --out "$tmp/worse" --cases "$tmp/cases.json" --positions log:32:1048576 --impl f32-angle --no-plots \
  --baseline "$tmp/full/report.json" > "$tmp/worse.txt" || status=$?
[[ $status -eq 1 ]] || fail "a lost implementation exited $status, expected 1"
grep -q "| — | kernels:accurate | implementation | present | missing |" "$tmp/worse.txt" || fail "regression table"
grep -q "kernels:accurate | implementation | present | missing" "$tmp/worse/report.md" || fail "regressions not in report.md"

"$cli" report --out "$tmp/s1" "${sweep[@]}" --no-plots --shard 1/2 > /dev/null
"$cli" report --out "$tmp/s2" "${sweep[@]}" --no-plots --shard 2/2 > /dev/null
"$cli" report merge --out "$tmp/merged" --no-plots --cases "$tmp/cases.json" "$tmp/s2/report.json" "$tmp/s1/report.json" > /dev/null
"$python" - "$tmp/full/report.json" "$tmp/merged/report.json" <<'PY'
import json, sys
full, merged = (json.load(open(p)) for p in sys.argv[1:])
assert merged["shards"] == ["2/2", "1/2"], merged["shards"]
for key in ("positions", "cases", "implementations", "results", "decay"):
    assert full[key] == merged[key], key
PY

# The kernels plugin is the accurate kernels behind the C ABI: the same numbers. A
# candidate directory of the accurate kernels' outputs is measured at the golden's positions.
"$cli" report --out "$tmp/plugin" "${cases_and_positions[@]}" --impl none --plugin "$plugin" --no-plots > /dev/null
"$cli" apply --golden golden/v1 --out "$tmp/candidates" > /dev/null
"$cli" report --out "$tmp/candidate" --cases "$tmp/cases.json" --impl none --candidate "$tmp/candidates" --no-plots > /dev/null
"$python" - "$tmp/full/report.json" "$tmp/plugin/report.json" "$tmp/candidate/report.json" "$src/golden/v1" <<'PY'
import json, struct, sys
full, plugin, candidate = (json.load(open(p)) for p in sys.argv[1:4])
accurate = [r for r in full["results"] if r["implementation"] == "kernels:accurate"]
assert len(plugin["results"]) == len(accurate) == 2
for a, p in zip(accurate, plugin["results"]):
    assert p["implementation"].startswith("plugin:"), p["implementation"]
    for key in ("peak_error_ulps", "by_position", "safe_context"):
        assert a[key] == p[key], key
for r in candidate["results"]:
    assert r["implementation"] == "candidate:candidates" and r["status"] == "measured", r
    assert r["profiles_passed"][0] == "exact", r
    # measured at the golden file's positions, ascending
    with open(f"{sys.argv[4]}/{r['case']}.safetensors", "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        begin, end = header["positions"]["data_offsets"]
        f.seek(8 + n + begin)
        positions = struct.unpack(f"<{(end - begin) // 8}q", f.read(end - begin))
    assert r["by_position"]["position"] == sorted(positions), r["case"]
PY

# --positions all:MAX on a one-case catalogue of 4 heads × 8 dims. Up to 4096 positions it
# is the list 0, 1, …, MAX: the same report.json, byte for byte (control: all:4094 is not
# the list to 4095's). Beyond, every position in chunks, by_position binned, valid against
# the schema, drawn, and comparable with itself as a baseline.
"$python" - "$src/golden/cases.json" "$tmp/tiny.json" <<'PY'
import json, sys
catalogue = json.load(open(sys.argv[1]))
catalogue["cases"] = [c for c in catalogue["cases"] if c["id"] == "head_dim_8_half_split_bf16"]
json.dump(catalogue, open(sys.argv[2], "w"))
PY
tiny=(--cases "$tmp/tiny.json" --impl accurate --impl f32-angle)
list=$("$python" -c "print(','.join(map(str, range(4096))))")
"$cli" report --out "$tmp/all_small" "${tiny[@]}" --no-plots --positions all:4095 > /dev/null
"$cli" report --out "$tmp/list_small" "${tiny[@]}" --no-plots --positions "$list" > /dev/null
cmp -s "$tmp/all_small/report.json" "$tmp/list_small/report.json" || fail "all:4095 and the list 0,…,4095 differ"
"$cli" report --out "$tmp/all_fewer" "${tiny[@]}" --no-plots --positions all:4094 > /dev/null
if cmp -s "$tmp/all_fewer/report.json" "$tmp/list_small/report.json"; then fail "control: all:4094 gave the list to 4095's report"; fi
"$cli" report --out "$tmp/all_binned" "${tiny[@]}" --positions all:5000 > "$tmp/all_binned.txt"
grep -q "over 5001 positions" "$tmp/all_binned.txt" || fail "all:5000 did not sweep 5001 positions"
grep -q "Every position from 0 to 5,000 swept (5,001 positions; errors by position in log-spaced bins)" \
  "$tmp/all_binned/report.md" || fail "report.md does not name the range"
"$python" - "$src/scripts/report.schema.json" "$tmp/all_binned/report.json" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
assert report["positions"] == {"all": 5000}, report["positions"]
assert len(report["results"]) == 2
for r in report["results"]:
    b = r["by_position"]
    assert b["binned"] is True and b["position"][0] == 0 and b["last_position"][-1] == 5000, r["implementation"]
    assert all(b["last_position"][j] + 1 == b["position"][j + 1] for j in range(len(b["position"]) - 1))
    assert 200 < len(b["position"]) < 300, len(b["position"])
PY
if "$python" -c "import matplotlib" 2>/dev/null; then
  [[ -s "$tmp/all_binned/error_vs_position.svg" ]] || fail "binned report not drawn"
fi
"$cli" report --out "$tmp/all_same" "${tiny[@]}" --no-plots --positions all:5000 --baseline "$tmp/all_binned/report.json" \
  > "$tmp/all_same.txt" || fail "all:5000 against itself exited $?"
grep -q "No regression" "$tmp/all_same.txt" || fail "all:5000 against itself"

expect_usage_error() {
  local what=$1; shift
  local status=0
  "$cli" "$@" > "$tmp/out.txt" 2> "$tmp/err.txt" || status=$?
  [[ $status -eq 2 ]] || fail "$what: exit $status, expected 2"
  [[ $(wc -l < "$tmp/err.txt") -eq 1 ]] || fail "$what: stderr is not one line: $(cat "$tmp/err.txt")"
}
expect_usage_error "bad positions" report --out "$tmp/bad1" "${sweep[@]}" --positions "log:0:5"
[[ ! -e "$tmp/bad1" ]] || fail "bad positions wrote $tmp/bad1"
expect_usage_error "unknown implementation" report --out "$tmp/bad2" --cases "$tmp/cases.json" --impl fastest
expect_usage_error "missing baseline" report --out "$tmp/bad3" "${sweep[@]}" --baseline "$tmp/nothing.json"
[[ ! -e "$tmp/bad3" ]] || fail "missing baseline wrote $tmp/bad3"
expect_usage_error "other positions" report --out "$tmp/bad4" --cases "$tmp/cases.json" --positions 0,1 \
  --baseline "$tmp/full/report.json"
[[ ! -e "$tmp/bad4" ]] || fail "an incomparable baseline wrote $tmp/bad4"
expect_usage_error "merge of a non-report" report merge --out "$tmp/bad5" "$tmp/cases.json"
expect_usage_error "merge of one shard twice" report merge --out "$tmp/bad6" --cases "$tmp/cases.json" "$tmp/s1/report.json" "$tmp/s1/report.json"
# Merges that would look complete and measure less than the sweep: one shard of two,
# shards of another catalogue (the default one), a NaN threshold, an empty baseline.
expect_usage_error "merge of one of two shards" report merge --out "$tmp/bad7" --cases "$tmp/cases.json" "$tmp/s1/report.json"
expect_usage_error "merge against another catalogue" report merge --out "$tmp/bad8" "$tmp/s1/report.json" "$tmp/s2/report.json"
expect_usage_error "NaN threshold" report merge --out "$tmp/bad9" --cases "$tmp/cases.json" --threshold nan \
  "$tmp/s1/report.json" "$tmp/s2/report.json"
expect_usage_error "all:0" report --out "$tmp/bad11" "${tiny[@]}" --positions all:0
grep -q "all:MAX needs 1 ≤ MAX < 2^24" "$tmp/err.txt" || fail "all:0 does not name the rule"
expect_usage_error "all:2^24" report --out "$tmp/bad12" "${tiny[@]}" --positions all:16777216
expect_usage_error "all:x" report --out "$tmp/bad13" "${tiny[@]}" --positions all:x
[[ ! -e "$tmp/bad11" && ! -e "$tmp/bad12" && ! -e "$tmp/bad13" ]] || fail "a bad all:MAX wrote its directory"
expect_usage_error "all:MAX against another range" report --out "$tmp/bad14" "${tiny[@]}" --no-plots --positions all:5001 \
  --baseline "$tmp/all_binned/report.json"
"$python" - "$tmp/full/report.json" "$tmp/empty_baseline.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["results"] = []
json.dump(r, open(sys.argv[2], "w"))
PY
expect_usage_error "a baseline that measured nothing" report --out "$tmp/bad10" "${sweep[@]}" --no-plots \
  --baseline "$tmp/empty_baseline.json"
echo "report_cli_test: passed"
