#!/usr/bin/env bash
# Stop what start_cluster.sh started, by its pid files: jobs first, then slurmd, slurmctld and
# munged (only when start_cluster.sh started it). Idempotent: no pid file, nothing to stop.
set -uo pipefail

BASE=${RGAN_SLURM_DIR:-/tmp/rgan-slurm}
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export SLURM_CONF=$BASE/etc/slurm.conf

# stop PIDFILE NAME: end that process if it is still NAME, waiting up to 5 s before SIGKILL.
stop() {
	[ -f "$1" ] || return 0
	local pid
	pid=$(cat "$1")
	if [ "$($SUDO cat "/proc/$pid/comm" 2> /dev/null)" = "$2" ]; then
		$SUDO kill "$pid"
		for _ in $(seq 50); do
			$SUDO kill -0 "$pid" 2> /dev/null || break
			sleep 0.1
		done
		$SUDO kill -0 "$pid" 2> /dev/null && $SUDO kill -9 "$pid"
	fi
	$SUDO rm -f "$1"
}

if [ -f "$BASE/run/slurmctld.pid" ]; then
	squeue -h -o %A 2> /dev/null | xargs -r $SUDO scancel 2> /dev/null
fi
stop "$BASE/run/slurmd.pid" slurmd
stop "$BASE/run/slurmctld.pid" slurmctld
stop "$BASE/run/munged.pid" munged
# slurmd's configless cache link, when it points into this cluster's state.
if [[ "$(readlink /run/slurm/conf 2> /dev/null)" == "$BASE"/* ]]; then
	$SUDO rm -f /run/slurm/conf
fi
exit 0
