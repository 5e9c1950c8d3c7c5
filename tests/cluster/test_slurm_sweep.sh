#!/usr/bin/env bash
# scripts/slurm_sweep.sh against a real Slurm (CTest `slurm_sweep`, run by scripts/test_cluster.sh):
# starts slurmctld and slurmd on localhost from a slurm.conf of its own in a temporary folder
# (auth/none and cred/none, which Debian 12's Slurm 22.05 ships, so no munged; free ports; its
# own state and spool folders), submits an 8-point sweep as 3 shards (an sbatch array) plus the
# dependent merge job, waits for them, and checks that the merged sweep.csv and best.csv are
# byte-identical to a local unsharded run's. Prints the run log: the jobs, their states, the
# task and merge logs and the comparison. Exits 77 (CTest's skip) only when not root or when
# slurm-wlm is not installed. Nothing is left running: the daemons are stopped by their pids.
# The binary is $NCORESIM, else build/ncoresim.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
ncoresim=$(realpath "${NCORESIM:-$root/build/ncoresim}")
if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: not root (slurmd runs jobs as root here)"
  exit 77
fi
for tool in slurmctld slurmd sbatch squeue scontrol sinfo scancel; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not found (apt-get install slurm-wlm, or scripts/test_cluster.sh)"
    exit 77
  fi
done

tmp=$(mktemp -d /tmp/ncoresim_slurm.XXXXXX)
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/log"
export SLURM_CONF=$tmp/slurm.conf
pids=()
cleanup() {
  local rc=$?
  scancel --quiet --user=root 2>/dev/null || true  # this cluster's jobs only (SLURM_CONF)
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ $rc -eq 0 ]]; then rm -rf "$tmp"; else echo "kept $tmp for inspection"; fi
}
trap cleanup EXIT

log() { echo "[$(date +%T)] $*"; }

# Two free TCP ports on the loopback for slurmctld and slurmd.
read -r ctld_port d_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
node=$(hostname -s)
cat >"$SLURM_CONF" <<EOF
ClusterName=ncoresimtest
SlurmctldHost=$node(127.0.0.1)
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=ncoresim Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
log "slurm.conf in $tmp: slurmctld on port $ctld_port, slurmd (node $node) on port $d_port"
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/log/slurmd.out" 2>&1 &
pids+=($!)
for ((t = 0; t < 60; t++)); do
  [[ $(sinfo -h -o %T 2>/dev/null) == idle ]] && break
  sleep 0.5
done
if [[ $(sinfo -h -o %T 2>/dev/null) != idle ]]; then
  log "the test cluster did not come up:"
  tail -n 20 "$tmp"/log/*
  exit 1
fi
sinfo

# 8 points of tiny_cnn (2 SBUF sizes x 4 batches) with an slo, so best.csv is written too.
cat >"$tmp/s.yaml" <<EOF
base: $root/configs/runs/tiny_cnn.yaml
axes:
  hw.state_buffer.capacity: [64 KiB, 1 MiB]
  batch: [1, 2, 4, 8]
slo: 1 ms
EOF
log "local unsharded run: ncoresim sweep s.yaml -o local --jobs 2"
"$ncoresim" sweep "$tmp/s.yaml" -q -o "$tmp/local" --jobs 2

log "scripts/slurm_sweep.sh s.yaml --shards 3 -o cluster --cpus-per-task=1"
submitted=$(NCORESIM=$ncoresim "$root/scripts/slurm_sweep.sh" "$tmp/s.yaml" --shards 3 \
  -o "$tmp/cluster" --cpus-per-task=1)
echo "$submitted"
array_job=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' <<<"$submitted")
merge_job=$(sed -n 's/^merge job \([0-9]*\) .*/\1/p' <<<"$submitted")
[[ -n $array_job && -n $merge_job ]] || { log "could not read the job ids"; exit 1; }
squeue
for job in "$array_job" "$merge_job"; do
  log "job $job's batch script:"
  scontrol write batch_script "$job" - 2>/dev/null || true
done

# Wait (up to 4 minutes) for both jobs to leave the queue, showing it when it changes.
last=""
for ((t = 0; t < 480; t++)); do
  queue=$(squeue -h -o '%i %j %T %r')
  [[ $queue != "$last" ]] && { log "queue:"; echo "${queue:-(empty)}"; last=$queue; }
  [[ -z $queue ]] && break
  sleep 0.5
done
[[ -z $(squeue -h) ]] || { log "the jobs did not finish in 4 minutes"; exit 1; }

status=0
for job in "${array_job}_1" "${array_job}_2" "${array_job}_3" "$merge_job"; do
  state=$(scontrol show job "$job" | grep -o 'JobState=[A-Z_]*\|ExitCode=[0-9:]*' | tr '\n' ' ')
  log "job $job: $state"
  [[ $state == "JobState=COMPLETED ExitCode=0:0 " ]] || status=1
done
for f in "$tmp"/cluster/logs/*.out; do
  log "$(basename "$f"):"
  cat "$f"
done
log "cluster/ holds: $(ls "$tmp/cluster" | tr '\n' ' ')"

for table in sweep.csv best.csv; do
  if cmp "$tmp/local/$table" "$tmp/cluster/$table"; then
    log "$table byte-identical: $(sha256sum <"$tmp/cluster/$table" | cut -c1-16)," \
      "$(wc -l <"$tmp/cluster/$table") lines (merged from 3 shards) = local"
  else
    log "$table differs from the local run's:"
    diff "$tmp/local/$table" "$tmp/cluster/$table" || true
    status=1
  fi
done
[[ $status -eq 0 ]] && log "PASS"
exit $status
