#!/usr/bin/env bash
# A sweep on a real single-node Slurm cluster: slurmctld and slurmd on this machine (Debian's
# slurm-wlm and munge, installed here when missing), a 4-task array of `report --shard
# auto` shards submitted with scripts/slurm/sweep.sh, the merge as a job depending on them.
# The merged report.json and report.md equal the single-machine run's byte for byte, but for
# the record of the shards they were built from (["1/4", …, "4/4"] against ["1/1"]). Then
# the golden set the same way (scripts/slurm/golden.sh): the merged directory, files and
# SHA256SUMS, equals `golden --out` on one machine byte for byte and verifies.
# Exit 77 (CTest: skipped, with the reason) where the daemons cannot be installed or
# started (not root, no apt, no munge); every daemon started here is stopped on exit.
# Usage: slurm_test.sh ROPECHECK_CLI SOURCE_DIR
set -euo pipefail
cli=$1
src=$2
skip() { echo "slurm_test: SKIPPED: $*"; exit 77; }
fail() { echo "slurm_test: FAIL: $*"; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  [[ $(id -u) -eq 0 ]] || skip "slurm-wlm and munge are not installed and this is not root"
  command -v apt-get >/dev/null || skip "no apt-get to install slurm-wlm and munge"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1 ||
    skip "apt-get could not install slurm-wlm and munge"
fi
[[ $(id -u) -eq 0 ]] || skip "slurmd runs jobs as their users: it needs root"
[[ -r /etc/munge/munge.key ]] || skip "no /etc/munge/munge.key"

tmp=$(mktemp -d)
cleanup() {
  local stopped=()
  for pid_file in "$tmp/slurmctld.pid" "$tmp/slurmd.pid" "$tmp/munged.pid"; do
    [[ -f "$pid_file" ]] || continue
    stopped+=("$(cat "$pid_file")")
    kill -9 "${stopped[-1]}" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do  # gone before the test ends, not just signalled
    local alive=0
    for pid in "${stopped[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/out"
node=$(hostname -s)
# Ports of our own, so a cluster already on this machine is neither used nor disturbed.
base=$((20000 + RANDOM % 20000))
munged --socket="$tmp/munge.socket" --pid-file="$tmp/munged.pid" --seed-file="$tmp/munge.seed" \
  --log-file="$tmp/munged.log" --key-file=/etc/munge/munge.key --force 2>"$tmp/munged.err" ||
  skip "munged would not start: $(tail -1 "$tmp/munged.err")"
cat > "$tmp/slurm.conf" <<CONF
ClusterName=ropecheck
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldPort=$base
SlurmdPort=$((base + 1))
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$node CPUs=2 RealMemory=500 State=UNKNOWN
PartitionName=ropecheck Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$tmp/slurm.conf
slurmctld -f "$SLURM_CONF" 2>"$tmp/slurmctld.err" || skip "slurmctld would not start: $(tail -1 "$tmp/slurmctld.err")"
slurmd -f "$SLURM_CONF" 2>"$tmp/slurmd.err" || skip "slurmd would not start: $(tail -1 "$tmp/slurmd.err")"
for _ in $(seq 1 60); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 0.5
done
sinfo -h -o %T 2>/dev/null | grep -q idle ||
  skip "the node never became idle: $(tail -2 "$tmp/slurmd.log" 2>/dev/null | tr '\n' ' ')"

sweep=(--impl accurate --positions 0,1,4096,65536 --no-plots)
start=$(date +%s)
"$cli" report --out "$tmp/single" "${sweep[@]}" > /dev/null
ROPECHECK=$cli "$src/scripts/slurm/sweep.sh" "$tmp/out" 4 "${sweep[@]}"
for _ in $(seq 1 240); do
  [[ -z "$(squeue -h 2>/dev/null)" ]] && break
  sleep 0.5
done
[[ -z "$(squeue -h)" ]] || fail "jobs still queued after 2 minutes: $(squeue -h | tr '\n' ' ')"
[[ -f "$tmp/out/merged/report.json" ]] || fail "no merged report; merge log: $(cat "$tmp"/out/slurm-merge-*.out 2>/dev/null)"
# The merged report records its four shards where the single run records 1/1; all else is
# the same bytes.
normal() { sed -e '/"shards": \[/,/\]/c\  "shards": [SHARDS]' -e 's/Shards: .*$/Shards: SHARDS./' "$1"; }
cmp <(normal "$tmp/single/report.json") <(normal "$tmp/out/merged/report.json") ||
  fail "merged report.json differs from the single-machine run beyond its shard list"
cmp <(normal "$tmp/single/report.md") <(normal "$tmp/out/merged/report.md") ||
  fail "merged report.md differs from the single-machine run beyond its shard list"
grep -q '"4/4"' "$tmp/out/merged/report.json" || fail "the merge does not record four shards"

# The golden set the same way: four shards, the merge, and the same bytes as one machine.
"$cli" golden --out "$tmp/golden-single" > /dev/null
ROPECHECK=$cli "$src/scripts/slurm/golden.sh" "$tmp/golden-out" 4
for _ in $(seq 1 240); do
  [[ -z "$(squeue -h 2>/dev/null)" ]] && break
  sleep 0.5
done
[[ -z "$(squeue -h)" ]] || fail "golden jobs still queued after 2 minutes: $(squeue -h | tr '\n' ' ')"
[[ -f "$tmp/golden-out/golden/SHA256SUMS" ]] ||
  fail "no merged golden set; merge log: $(cat "$tmp"/golden-out/slurm-merge-*.out 2>/dev/null)"
diff -r "$tmp/golden-single" "$tmp/golden-out/golden" > /dev/null ||
  fail "the merged golden set differs from the single-machine run: $(diff -rq "$tmp/golden-single" "$tmp/golden-out/golden" | head -3)"
"$cli" golden --verify "$tmp/golden-out/golden" > /dev/null || fail "the merged golden set does not verify"
echo "slurm_test: 4-task sbatch sweeps of a report and of the golden set merged equal to the single-machine runs in $(( $(date +%s) - start )) s"
