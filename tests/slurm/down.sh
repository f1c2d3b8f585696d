#!/usr/bin/env bash
# Stop the one-node SLURM test cluster that tests/slurm/up.sh started.
#
# Only the daemons whose PIDs up.sh recorded in $STATE_DIR are stopped, and
# only if each PID is still the same process (same name and start time):
# never by name. Jobs still in the queue are cancelled first. Idempotent:
# with nothing recorded it does nothing and exits 0.
#
# Environment: MODELCOLLAPSE_SLURM_STATE (default /run/modelcollapse-slurm).
set -euo pipefail

T0=$(date +%s.%N)
STATE_DIR=${MODELCOLLAPSE_SLURM_STATE:-/run/modelcollapse-slurm}

log() { echo "down.sh: $*"; }
die() { echo "down.sh: ERROR: $*" >&2; exit 1; }
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

[[ $(id -u) -eq 0 ]] || die "must run as root"
if [[ ! -d $STATE_DIR ]]; then
    log "nothing recorded in $STATE_DIR; nothing to stop"
    exit 0
fi

proc_start() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
# prints the recorded PID if it is still the very process up.sh started
recorded_pid() {
    local name=$1 f="$STATE_DIR/$1.pid" pid start
    [[ -f $f ]] || return 1
    read -r pid start <"$f" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || return 1
    [[ $(proc_start "$pid") == "$start" ]] || return 1
    echo "$pid"
}
same_process() { [[ $(proc_start "$1") == "$2" ]]; }

# Cancel whatever is still queued or running on our cluster, so no
# slurmstepd outlives slurmd.
if recorded_pid slurmctld >/dev/null; then
    jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ' || true)
    if [[ -n ${jobs// /} ]]; then
        log "cancelling jobs: $jobs"
        # shellcheck disable=SC2086
        timeout 10 scancel $jobs || true
        for _ in $(seq 50); do
            [[ -z $(timeout 10 squeue -h -t R,CG,PD -o %A 2>/dev/null) ]] && break
            sleep 0.2
        done
    fi
fi

# stop_phase NAME...: SIGTERM the named recorded daemons together, wait for
# all of them (SIGKILL after a timeout), and forget their records.
stopped=()
stop_phase() {
    local d pid t0 names=() pids=() starts=() i
    t0=$(date +%s.%N)
    for d in "$@"; do
        [[ -f $STATE_DIR/$d.pid ]] || continue
        if pid=$(recorded_pid "$d"); then
            names+=("$d"); pids+=("$pid"); starts+=("$(proc_start "$pid")")
            kill -TERM "$pid" 2>/dev/null || true
        else
            log "$d: recorded process is gone already"
            rm -f "$STATE_DIR/$d.pid"
        fi
    done
    # up to 60 s (mariadbd flushes InnoDB on shutdown), then SIGKILL
    for i in "${!pids[@]}"; do
        for _ in $(seq 600); do
            same_process "${pids[i]}" "${starts[i]}" || break
            sleep 0.1
        done
        if same_process "${pids[i]}" "${starts[i]}"; then
            log "${names[i]} (pid ${pids[i]}) ignored SIGTERM for 60 s; sending SIGKILL"
            kill -KILL "${pids[i]}" 2>/dev/null || true
            for _ in $(seq 50); do same_process "${pids[i]}" "${starts[i]}" || break; sleep 0.1; done
            same_process "${pids[i]}" "${starts[i]}" && die "${names[i]} (pid ${pids[i]}) survived SIGKILL"
        fi
        rm -f "$STATE_DIR/${names[i]}.pid"
        stopped+=("${names[i]}:${pids[i]}")
    done
    (( ${#pids[@]} )) && log "stopped ${names[*]} in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
    return 0
}
# slurmd and slurmctld first (slurmctld reports to slurmdbd on the way out),
# then slurmdbd, then its database and munged, which the others authenticate with.
stop_phase slurmd slurmctld
stop_phase slurmdbd
stop_phase mariadbd munged
rm -rf "$STATE_DIR"
log "stopped ${stopped[*]:-nothing} in $(elapsed) s"
