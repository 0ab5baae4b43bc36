#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for the Slurm integration test and for trying the
# sbatch scripts on a laptop: munged with a key of its own, slurmctld and slurmd on localhost.
# Everything (key, sockets, spool, state, logs, slurm.conf) lives in DIR; nothing in /etc changes.
# No cgroups and no systemd (proctrack/linuxproc, task/none): it runs in a container.
# Needs root (slurmd runs jobs as their users) and Debian's slurm-wlm and munge.
# Usage: deploy/slurm/local-cluster.sh start DIR   then   export SLURM_CONF=DIR/slurm.conf
#        deploy/slurm/local-cluster.sh stop DIR    (cancels every job, stops the daemons)
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
export SLURM_CONF=$dir/slurm.conf

# wait_for SECONDS WHAT COMMAND...: runs COMMAND until it succeeds; fails naming WHAT at the end.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then
      echo "local-cluster: no $what within $seconds s (logs in $dir)" >&2
      return 1
    fi
    sleep 0.2
  done
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_pid_file() {  # stop_pid_file FILE: TERM, then KILL after 10 s, the daemon the file names
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  rm -f "$file"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
}

node_idle() {
  [ "$(sinfo -h -N -o %t 2>/dev/null)" = idle ]
}

no_jobs() {
  [ -z "$(squeue -h -o %i 2>/dev/null)" ]
}

start() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "local-cluster: needs root (slurmd starts jobs as their users)" >&2
    return 1
  fi
  for b in munged slurmctld slurmd sinfo; do
    command -v "$b" >/dev/null || { echo "local-cluster: $b is missing (apt-get install slurm-wlm munge)" >&2; return 1; }
  done
  # munged insists: its key private, its socket's folder searchable by everyone.
  mkdir -p "$dir/munge" "$dir/munge-key" "$dir/spool" "$dir/state"
  chmod 755 "$dir" "$dir/munge"
  chmod 700 "$dir/munge-key"
  # A key of its own, so the machine's munge (if any) is neither used nor disturbed.
  dd if=/dev/urandom of="$dir/munge-key/munge.key" bs=1024 count=1 status=none
  chmod 400 "$dir/munge-key/munge.key"
  munged --key-file="$dir/munge-key/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed"
  wait_for 10 "munge socket" test -S "$dir/munge/munge.socket"

  # More CPUs than the machine has are allowed (config_overrides): the broker job and two
  # one-CPU workers fit on a two-core machine; the jobs here mostly wait on sockets.
  local cpus
  cpus=$(nproc)
  [ "$cpus" -lt 4 ] && cpus=4
  cat >"$dir/slurm.conf" <<CONF
ClusterName=sweep-local
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SlurmdParameters=config_overrides
ReturnToService=2
# Longer than the worker's drain timeout (20 s by default): scancel's SIGKILL comes this long
# after its SIGTERM.
KillWait=30
MinJobAge=300
NodeName=localnode NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$cpus State=UNKNOWN
PartitionName=local Nodes=localnode Default=YES MaxTime=INFINITE State=UP
CONF
  # -i: ignore state left by an earlier run of the same DIR.
  slurmctld -i
  slurmd -N localnode
  wait_for 30 "idle node (sinfo)" node_idle
  echo "local-cluster: up; export SLURM_CONF=$dir/slurm.conf"
}

stop() {
  if [ -f "$dir/slurmctld.pid" ]; then
    # Jobs first, while slurmd can still signal them, so no job process outlives the cluster.
    scancel --full --user=root >/dev/null 2>&1 || true
    wait_for 40 "empty queue after scancel" no_jobs || true
  fi
  stop_pid_file "$dir/slurmd.pid"
  stop_pid_file "$dir/slurmctld.pid"
  stop_pid_file "$dir/munge/munged.pid"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "local-cluster: unknown command '$cmd' (start or stop)" >&2; exit 2 ;;
esac
