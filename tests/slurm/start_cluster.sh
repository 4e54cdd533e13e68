#!/usr/bin/env bash
# Bring up a real one-node SLURM cluster on 127.0.0.1 for `make test-slurm`: Debian's slurmctld,
# slurmd and munge, two fake GPUs (gres gpu:fakegpu:2, /dev/null links) split into 8 shards (gres
# shard, for the profile's switch to shared GPUs), partitions `cpu` (default) and `gpu` as in
# profiles/slurm. Idempotent: does nothing when it is already up.
#
#   RGAN_SLURM_DIR   configuration, state, logs and pid files (default /tmp/rgan-slurm)
#
# Clients (sbatch, squeue, also inside jobs) find the cluster without SLURM_CONF: slurmctld runs
# configless and slurmd publishes its configuration at /run/slurm/conf. The executor plugin strips
# SLURM_* variables inside jobs, so a cluster found only through SLURM_CONF would fail there.
set -euo pipefail

BASE=${RGAN_SLURM_DIR:-/tmp/rgan-slurm}
CONF=$BASE/etc/slurm.conf
HOST=$(hostname -s)
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export SLURM_CONF=$CONF # only for this script's own client commands

log() { echo "[rgan-slurm] $*" >&2; }
alive() { [ -f "$1" ] && $SUDO kill -0 "$(cat "$1")" 2> /dev/null; }
node_state() { sinfo -h -n "$HOST" -o '%T' 2> /dev/null | head -n 1; }

if [ -e /etc/slurm/slurm.conf ]; then
	log "/etc/slurm/slurm.conf exists: clients would read it instead of this cluster; move it away"
	exit 1
fi

if alive "$BASE/run/slurmctld.pid" && alive "$BASE/run/slurmd.pid" \
	&& [[ "$(node_state)" =~ ^(idle|mixed|allocated)$ ]]; then
	log "already up (node $HOST: $(node_state))"
	exit 0
fi

mkdir -p "$BASE"/{etc,log,run,dev}
missing=()
command -v slurmctld > /dev/null || missing+=(slurmctld)
command -v slurmd > /dev/null || missing+=(slurmd)
command -v sbatch > /dev/null || missing+=(slurm-client)
command -v munged > /dev/null || missing+=(munge)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	$SUDO apt-get update -qq
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" > "$BASE/log/apt.log" 2>&1 || {
		tail -n 20 "$BASE/log/apt.log" >&2
		exit 1
	}
fi

# Leftovers of an earlier, half-started cluster go; drained-node state must not survive.
for daemon in slurmd slurmctld; do
	if alive "$BASE/run/$daemon.pid"; then
		$SUDO kill "$(cat "$BASE/run/$daemon.pid")"
		sleep 1
	fi
done
$SUDO rm -rf "$BASE/state"
mkdir -p "$BASE"/state/{slurmctld,slurmd}

# munge: started (and later stopped) only when no munged answers yet.
if ! munge -n 2> /dev/null | unmunge > /dev/null 2>&1; then
	if ! $SUDO test -s /etc/munge/munge.key; then
		$SUDO mungekey --create --keyfile=/etc/munge/munge.key
		$SUDO chown munge:munge /etc/munge/munge.key
		$SUDO chmod 400 /etc/munge/munge.key
	fi
	$SUDO install -d -o munge -g munge -m 0755 /run/munge
	$SUDO runuser -u munge -- /usr/sbin/munged
	for _ in $(seq 50); do
		munge -n 2> /dev/null | unmunge > /dev/null 2>&1 && break
		sleep 0.1
	done
	$SUDO cat /run/munge/munged.pid > "$BASE/run/munged.pid"
fi

# Fake GPUs: gres needs File= entries that are character devices.
ln -sfn /dev/null "$BASE/dev/nvidia0"
ln -sfn /dev/null "$BASE/dev/nvidia1"
printf 'AutoDetect=off\nName=gpu Type=fakegpu File=%s/dev/nvidia[0-1]\nName=shard Count=8 File=%s/dev/nvidia[0-1]\n' \
	"$BASE" "$BASE" > "$BASE/etc/gres.conf"

# Bookkeeping only (no cgroups, and slurmd trusts this file): at least two CPUs and 20 GiB, so
# that two training jobs of profiles/slurm (8000 MB each) and one other job fit side by side.
cpus=$(nproc)
[ "$cpus" -ge 2 ] || cpus=2
memory=$(($(free -m | awk '/^Mem:/{print $2}') - 2048))
[ "$memory" -ge 20480 ] || memory=20480
cat > "$CONF" << CONF
ClusterName=rgan
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldParameters=enable_configless
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CryptoType=crypto/munge
SlurmUser=root
SlurmdUser=root
SlurmdParameters=config_overrides
MailProg=/bin/true
StateSaveLocation=$BASE/state/slurmctld
SlurmdSpoolDir=$BASE/state/slurmd
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
EnforcePartLimits=ALL
MinJobAge=300
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
GresTypes=gpu,shard
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory Gres=gpu:fakegpu:2,shard:8 State=UNKNOWN
PartitionName=cpu Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=ALL Default=NO MaxTime=INFINITE State=UP
CONF

$SUDO /usr/sbin/slurmctld -f "$CONF"
for _ in $(seq 100); do
	scontrol ping 2> /dev/null | grep -q UP && break
	sleep 0.1
done
$SUDO env -u SLURM_CONF /usr/sbin/slurmd --conf-server 127.0.0.1:6817

for _ in $(seq 300); do
	case "$(node_state)" in
		idle | mixed | allocated) break ;;
		drain* | down* | inval*) scontrol update nodename="$HOST" state=resume 2> /dev/null || true ;;
	esac
	sleep 0.2
done
if [ "$(node_state)" != idle ]; then
	log "node $HOST is not idle but '$(node_state)'"
	sinfo -R >&2 || true
	$SUDO tail -n 20 "$BASE/log/slurmctld.log" "$BASE/log/slurmd.log" >&2
	exit 1
fi
log "up: $(env -u SLURM_CONF sinfo -h -N -o '%N %T cpus=%c mem=%m gres=%G partition=%P' | tr '\n' ' ')"
