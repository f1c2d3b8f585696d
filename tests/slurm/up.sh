#!/usr/bin/env bash
# Start a one-node SLURM test cluster on localhost, with job accounting.
#
#   sudo tests/slurm/up.sh        # as root; no systemd needed
#   tests/slurm/down.sh           # stops exactly what this script started
#
# What it does (idempotent: an already healthy cluster is left alone):
#   1. installs Debian's munge, slurmctld, slurmd, slurm-client, slurmdbd and
#      mariadb-server if any of them is missing (apt-get update once, then one
#      apt-get install; services are started by hand, never by apt);
#   2. renders /etc/slurm/slurm.conf and /etc/slurm/slurmdbd.conf from the
#      templates beside this script (node line from `slurmd -C`, RealMemory
#      ~90 %);
#   3. starts munged, mariadbd (--skip-networking, unix socket), slurmdbd,
#      registers the cluster with `sacctmgr`, then slurmctld and slurmd, and
#      records each daemon's PID (and start time) in $STATE_DIR;
#   4. waits, with bounded timeouts, until the node is idle, `sacct` answers
#      and a one-second `srun` works.
#
# Environment:
#   MODELCOLLAPSE_SLURM_STATE   state dir (default /run/modelcollapse-slurm)
#   SLURM_UP_KEEP_ON_FAILURE=1  leave started daemons running when bring-up fails
#
# Exit status: 0 when the cluster is up and healthy, non-zero otherwise.
set -euo pipefail

T0=$(date +%s.%N)
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE_DIR=${MODELCOLLAPSE_SLURM_STATE:-/run/modelcollapse-slurm}
export MODELCOLLAPSE_SLURM_STATE=$STATE_DIR

CLUSTER=local
PARTITION=debug
DB_NAME=slurm_acct_db
DB_USER=slurm
DB_PASS=modelcollapse-test     # local test database on a unix socket only
MYSQL_SOCK=/run/mysqld/mysqld.sock
MYSQL_DATADIR=/var/lib/mysql
PKGS=(munge slurmctld slurmd slurm-client slurmdbd mariadb-server)
# start order; down.sh stops them in reverse
DAEMONS=(munged mariadbd slurmdbd slurmctld slurmd)

log() { echo "up.sh: $*"; }
die() { echo "up.sh: ERROR: $*" >&2; exit 1; }
elapsed() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}'; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it installs packages and starts system daemons); try: sudo $0"
# The daemons inherit the working directory and umask: use neutral ones.
cd /
umask 022

# ---------------------------------------------------------------- helpers ---
# /proc start time (clock ticks since boot) of a PID: together with the PID
# this identifies one process, so a recycled PID is never mistaken for ours.
proc_start() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }

# is the daemon recorded in $STATE_DIR/<name>.pid still that very process?
recorded_alive() {
    local name=$1 f="$STATE_DIR/$1.pid" pid start
    [[ -f $f ]] || return 1
    read -r pid start <"$f" || return 1
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || return 1
    [[ $(proc_start "$pid") == "$start" ]]
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll every 0.2 s until COMMAND
# succeeds; die with DESCRIPTION after SECONDS.
wait_for() {
    local timeout=$1 what=$2; shift 2
    local deadline=$(( $(date +%s) + timeout ))
    until "$@" >/dev/null 2>&1; do
        if (( $(date +%s) >= deadline )); then
            die "timed out after ${timeout}s waiting for $what"
        fi
        sleep 0.2
    done
}

# start_daemon NAME LOGFILE COMMAND...: run a daemon in the foreground of its
# own session (setsid without fork: this script is not a process-group
# leader), record "PID STARTTIME" in $STATE_DIR/NAME.pid.
start_daemon() {
    local name=$1 logf=$2; shift 2
    setsid "$@" </dev/null >>"$logf" 2>&1 &
    local pid=$! i
    for i in $(seq 50); do   # up to 5 s for exec to reach the daemon binary
        [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) != "$name" ]]; then
        tail -n 20 "$logf" >&2 || true
        die "$name did not start (pid $pid; log $logf)"
    fi
    echo "$pid $(proc_start "$pid")" >"$STATE_DIR/$name.pid"
    log "started $name (pid $pid)"
}

is_healthy() {
    local d
    for d in "${DAEMONS[@]}"; do recorded_alive "$d" || return 1; done
    cmp -s "$RENDER/slurm.conf" /etc/slurm/slurm.conf || return 1
    cmp -s "$RENDER/slurmdbd.conf" /etc/slurm/slurmdbd.conf || return 1
    node_ready || return 1
    sacct_ok
}
node_state() { timeout 10 sinfo -h -N -n localhost -o %t 2>/dev/null | head -n1; }
node_ready() { [[ $(node_state) =~ ^(idle|mix|alloc)$ ]]; }
sacct_ok() { timeout 10 sacct -n -X -S now-1hours -o JobID >/dev/null 2>&1; }

RENDER=$(mktemp -d)
ADDED_POLICY=0
STARTED_ANY=0
cleanup() {
    local rc=$?
    rm -rf "$RENDER"
    if (( ADDED_POLICY )); then rm -f /usr/sbin/policy-rc.d; fi
    if (( rc != 0 && STARTED_ANY )) && [[ ${SLURM_UP_KEEP_ON_FAILURE:-0} != 1 ]]; then
        echo "up.sh: bring-up failed; stopping the daemons it started (set SLURM_UP_KEEP_ON_FAILURE=1 to keep them)." >&2
        for f in /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log /var/log/slurm/slurmdbd.log; do
            [[ -f $f ]] && { echo "--- last lines of $f" >&2; tail -n 8 "$f" >&2; }
        done
        "$HERE/down.sh" >&2 || true
    fi
    exit "$rc"
}
trap cleanup EXIT

# --------------------------------------------------------------- packages ---
missing=()
for p in "${PKGS[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
done
if (( ${#missing[@]} )); then
    log "installing ${PKGS[*]} (missing: ${missing[*]})"
    # Debian postinst scripts start services through invoke-rc.d; block that
    # (we start every daemon by hand), but only if no policy exists already.
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\n# temporary, added by tests/slurm/up.sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        ADDED_POLICY=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    ta=$(date +%s.%N)
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${PKGS[@]}" >"$RENDER/apt.log" 2>&1 ||
        { tail -n 30 "$RENDER/apt.log" >&2; die "apt-get install ${PKGS[*]} failed"; }
    if (( ADDED_POLICY )); then rm -f /usr/sbin/policy-rc.d; ADDED_POLICY=0; fi
    log "apt done in $(awk -v a="$ta" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
else
    log "packages already installed"
fi
for b in munged mariadbd slurmdbd slurmctld slurmd sinfo sacct sacctmgr srun setpriv; do
    command -v "$b" >/dev/null || die "$b not found after installing ${PKGS[*]}"
done

# ---------------------------------------------------------------- configs ---
# Node topology from `slurmd -C`; rename the node to localhost (hostname
# independent, slurmd runs with -N localhost) and keep 90 % of the memory.
node_c=$(slurmd -C 2>/dev/null | grep '^NodeName=') || die "slurmd -C printed no node line"
mem=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$node_c")
[[ -n $mem ]] || die "no RealMemory in: $node_c"
NODE_LINE=$(sed -e 's/^NodeName=[^ ]*/NodeName=localhost NodeAddr=127.0.0.1/' \
                -e "s/RealMemory=[0-9]*/RealMemory=$(( mem * 9 / 10 ))/" <<<"$node_c")
NODE_LINE="$NODE_LINE State=UNKNOWN"
render() {
    sed -e "s|@CLUSTER@|$CLUSTER|g" -e "s|@PARTITION@|$PARTITION|g" \
        -e "s|@NODE_LINE@|$NODE_LINE|g" -e "s|@DB_NAME@|$DB_NAME|g" \
        -e "s|@DB_USER@|$DB_USER|g" -e "s|@DB_PASS@|$DB_PASS|g" "$1"
}
render "$HERE/slurm.conf.in" >"$RENDER/slurm.conf"
render "$HERE/slurmdbd.conf.in" >"$RENDER/slurmdbd.conf"

# ------------------------------------------------------ already running? ---
if is_healthy; then
    log "cluster already up and healthy; nothing to do ($(elapsed) s)"
    exit 0
fi
if compgen -G "$STATE_DIR/*.pid" >/dev/null; then
    log "cluster partly up, unhealthy, or its config changed: restarting the daemons up.sh recorded"
    "$HERE/down.sh"
fi
# Daemons we did not start would hold the ports and sockets: refuse to
# guess, and never stop them (only PIDs recorded here are ever stopped).
for d in "${DAEMONS[@]}"; do
    if pids=$(pgrep -x "$d"); then
        die "$d is already running (pid $(echo $pids)) but was not started by up.sh; stop it first"
    fi
done

mkdir -p "$STATE_DIR"
STARTED_ANY=1

# install the configs (keep a one-time backup of a foreign slurm.conf)
mkdir -p /etc/slurm
for f in slurm.conf slurmdbd.conf; do
    if [[ -f /etc/slurm/$f ]] && ! grep -q 'Generated by tests/slurm/up.sh' "/etc/slurm/$f" &&
       [[ ! -e /etc/slurm/$f.before-up.sh ]]; then
        cp -p "/etc/slurm/$f" "/etc/slurm/$f.before-up.sh"
        log "kept the previous /etc/slurm/$f as /etc/slurm/$f.before-up.sh"
    fi
done
install -m 644 -o root -g root "$RENDER/slurm.conf" /etc/slurm/slurm.conf
install -m 600 -o slurm -g slurm "$RENDER/slurmdbd.conf" /etc/slurm/slurmdbd.conf

# runtime, spool and log directories (not all exist without systemd)
install -d -o munge -g munge -m 755 /run/munge
install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
install -d -o mysql -g mysql -m 755 /run/mysqld /var/log/mysql
install -d -o slurm -g slurm -m 755 /run/slurm /var/spool/slurmctld /var/log/slurm
install -d -o root -g root -m 755 /var/spool/slurmd

# ------------------------------------------------------------------ munge ---
if [[ ! -s /etc/munge/munge.key ]]; then
    mungekey --create --keyfile=/etc/munge/munge.key || die "could not create /etc/munge/munge.key"
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
start_daemon munged "$STATE_DIR/munged.out" \
    setpriv --reuid=munge --regid=munge --init-groups munged --foreground
wait_for 20 "munged to answer (munge -n | unmunge)" bash -c 'munge -n | unmunge'

# ---------------------------------------------------------------- mariadb ---
if [[ ! -d $MYSQL_DATADIR/mysql ]]; then
    mariadb-install-db --user=mysql --datadir="$MYSQL_DATADIR" --skip-test-db \
        >"$STATE_DIR/mariadb-install-db.out" 2>&1 ||
        { tail -n 20 "$STATE_DIR/mariadb-install-db.out" >&2; die "mariadb-install-db failed"; }
fi
start_daemon mariadbd "$STATE_DIR/mariadbd.out" \
    mariadbd --user=mysql --datadir="$MYSQL_DATADIR" --skip-networking \
    --socket="$MYSQL_SOCK" --pid-file=/run/mysqld/mysqld.pid \
    --log-error=/var/log/mysql/error.log
wait_for 60 "mariadbd on $MYSQL_SOCK (log /var/log/mysql/error.log)" \
    mariadb-admin --socket="$MYSQL_SOCK" ping
mariadb --socket="$MYSQL_SOCK" <<SQL || die "could not create the accounting database and user"
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\`;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
SQL

# --------------------------------------------------------------- slurmdbd ---
start_daemon slurmdbd "$STATE_DIR/slurmdbd.out" slurmdbd -D
wait_for 30 "slurmdbd to answer sacctmgr (log /var/log/slurm/slurmdbd.log)" \
    timeout 10 sacctmgr -n show cluster
if ! timeout 10 sacctmgr -n -P show cluster format=cluster | grep -qx "$CLUSTER"; then
    timeout 20 sacctmgr -i add cluster "$CLUSTER" >/dev/null || die "sacctmgr add cluster $CLUSTER failed"
fi

# ------------------------------------------------------- slurmctld/slurmd ---
start_daemon slurmctld "$STATE_DIR/slurmctld.out" slurmctld -D
wait_for 30 "slurmctld to answer (log /var/log/slurm/slurmctld.log)" timeout 10 scontrol ping
start_daemon slurmd "$STATE_DIR/slurmd.out" slurmd -D -N localhost
deadline=$(( $(date +%s) + 60 ))
until node_ready; do
    st=$(node_state)
    if [[ $st =~ ^(down|drain|drng|fail) ]]; then
        scontrol update nodename=localhost state=resume >/dev/null 2>&1 || true
    fi
    (( $(date +%s) < deadline )) ||
        die "timed out after 60s waiting for node localhost to become idle (state '$st'; log /var/log/slurm/slurmd.log)"
    sleep 0.2
done
wait_for 30 "sacct to answer (slurmdbd accounting)" sacct_ok
timeout 60 srun -t 1 -n 1 true >/dev/null 2>&1 ||
    die "a test job (srun true) failed; see /var/log/slurm/slurmctld.log and slurmd.log"

# ---------------------------------------------------------------- summary ---
log "cluster '$CLUSTER' up in $(elapsed) s: $(sinfo --version), partition $PARTITION, node localhost $(node_state)"
log "node: $NODE_LINE"
for d in "${DAEMONS[@]}"; do printf 'up.sh:   %-9s pid %s\n' "$d" "$(cut -d' ' -f1 "$STATE_DIR/$d.pid")"; done
log "state in $STATE_DIR; stop with $HERE/down.sh"
