#!/bin/sh
# svcctl_bench.sh [BUILDDIR] [RUNS]: start --all and stop --all of a
# 30-service registry, dependency depth 4 (3 + 6 + 9 + 12 services, each
# requiring one or two of the level above), every service taking 200 ms
# to become ready (cmd probe on a file it creates).  The critical path is
# 4 x 200 ms = 0.8 s, plus the registry's settle time once (the last level
# must stay up that long); the target is a start within 1.15 x that, which
# only a parallel start can reach (a serial one takes 30 x 200 ms = 6 s).
# PROBE=file uses a file probe instead of the command probe, SETTLE and
# POLL override the registry's settle time (50ms) and poll interval (20ms).
# SERVICE=shell makes each service `sleep 0.2; touch NAME.ready; exec sleep`
# (three processes, as a shell script would be) instead of the default
# single-process stand-in bench/svc_mock.c (sleeps 200 ms, creates the file,
# runs on): on a 2-core VM the extra processes of 12 services starting at
# once cost tens of ms per level, which is the services' cost, not svcctl's.
# Both baselines below use the same services as svcctl does.
# Run on demand (make bench-svcctl), never in the test suite.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
RUNS=${2:-5}
SVCCTL=$B/svcctl/svcctl
[ -x "$SVCCTL" ] || { echo "svcctl_bench: build first ($SVCCTL missing)" >&2; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/svcbench.XXXXXX")
CERTKIT_ROOT=$D/root
export CERTKIT_ROOT
REG=$D/services.conf
MOCK=$D/svc_mock
${CC:-cc} -O2 -o "$MOCK" "$top/bench/svc_mock.c"
# svc FILE: the service's start command; once FILE: the same service, but
# exiting once ready, for the baselines (which then need no polling)
if [ "${SERVICE:-mock}" = shell ]; then
	svc() { echo "sleep 0.2; touch $1; exec sleep 1000"; }
	once() { echo "sleep 0.2; touch $1"; }
else
	svc() { echo "exec $MOCK 200 $1"; }
	once() { echo "exec $MOCK 200 $1 once"; }
fi
trap '"$SVCCTL" -r "$REG" --stop --all >/dev/null 2>&1 || true; rm -rf "$D"' EXIT INT TERM

{
	echo "[registry]"
	echo "settle = ${SETTLE:-50ms}"
	echo "poll = ${POLL:-20ms}"
	n=0
	prev=""
	for level in 1 2 3 4; do
		count=$((level * 3))
		cur=""
		i=0
		while [ $i -lt $count ]; do
			name=l${level}s$i
			echo
			echo "[service $name]"
			echo "start = $(svc $name.ready)"
			if [ "${PROBE:-cmd}" = file ]; then
				echo "probe = file:$name.ready"
			else
				echo "probe = cmd:test -f $name.ready"
			fi
			echo "stop_timeout = 5s"
			if [ -n "$prev" ]; then
				set -- $prev
				np=$#
				a=$(( i % np + 1 ))
				b=$(( (i + 1) % np + 1 ))
				eval "da=\${$a}"
				eval "db=\${$b}"
				if [ "$da" = "$db" ]; then echo "requires = $da"; else echo "requires = $da, $db"; fi
			fi
			cur="$cur $name"
			i=$((i + 1))
			n=$((n + 1))
		done
		prev=$cur
	done
} >"$REG"

ms() { date +%s%N | cut -c1-13; }
# What this machine needs without svcctl, with the same services:
# serial: one service per level, one after the other (the bare critical path);
# parallel: each level's 3, 6, 9, 12 services started at once from plain sh,
# the next level once all of them are ready (the floor of a parallel start,
# including what running that many processes at once costs on this machine).
b0=$(ms)
for l in 1 2 3 4; do sh -c "$(once $D/x$l.ready)"; done
base=$(( $(ms) - b0 ))
b0=$(ms)
for l in 1 2 3 4; do
	i=0
	while [ $i -lt $((l * 3)) ]; do
		sh -c "$(once $D/p$l.$i.ready)" &
		i=$((i + 1))
	done
	wait
done
par=$(( $(ms) - b0 ))
echo "svcctl_bench: 30 services (${SERVICE:-mock}), depth 4, 200 ms each, ${PROBE:-cmd} probe, settle ${SETTLE:-50ms}, poll ${POLL:-20ms}"
# The settle time is a wait svcctl adds after the last level is ready (a
# service must stay up that long), so it is on the critical path too.
settle_ms=$(echo "${SETTLE:-50ms}" | awk '/ms$/ {print $0 + 0; next} /s$/ {print ($0 + 0) * 1000; next} {print $0 + 0}')
crit=$((800 + settle_ms))
echo "critical path 4 x 200 ms + settle $settle_ms ms = $crit ms; target <= $(awk "BEGIN {printf \"%d\", $crit * 1.15}") ms"
echo "run  start_ms  stop_ms"
starts=""
for r in $(seq 1 "$RUNS"); do
	t0=$(ms)
	"$SVCCTL" -r "$REG" --start --all >/dev/null
	t1=$(ms)
	"$SVCCTL" -r "$REG" --stop --all >/dev/null
	t2=$(ms)
	# the ready files of this run must not make the next one look ready
	find "$CERTKIT_ROOT" -name '*.ready' -delete
	echo "$r    $((t1 - t0))      $((t2 - t1))"
	starts="$starts $((t1 - t0))"
done
med=$(echo $starts | tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "median start: $med ms = $(awk "BEGIN {printf \"%.2f\", $med / $crit}") x the critical path (target 1.15), $(awk "BEGIN {printf \"%.2f\", $med / 800}") x 4 x 200 ms"
echo "plain sh, one service per level, serially: $base ms here (svcctl: $(awk "BEGIN {printf \"%.2f\", $med / $base}") x that)"
echo "plain sh, each level's services at once: $par ms here (svcctl: $(awk "BEGIN {printf \"%.2f\", $med / $par}") x that)"
