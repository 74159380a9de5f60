#!/bin/sh
# A dropped session must not cancel svcctl (issue 9, issue 11 item 2).
# svcctl runs in a session of its own (setsid, as under an SSH login) and
# HUP, INT or TERM is sent to every process of that session at a random
# instant of a --replace-cert; then SIGKILL at a random instant, followed
# by --resume or --rollback.  After every trial: no swap pending, every
# automatic service running, the entry the old or the new certificate and
# the one served, and no service process svcctl does not track (a process
# carrying this sandbox's CERTKIT_ROOT and a CK_SERVICE whose session is
# not recorded in a pidfile).  Both restart policies (--restart-policy
# vmware and minimal, issue 14) go through every kind of trial; CK_TRIALS
# sets the number of trials of each kind per policy (default 25).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
command -v setsid >/dev/null 2>&1 || skip "setsid not found"

TRIALS=${CK_TRIALS:-25}
appliance
expect_rc 0 S --start --all
# the pidfiles' directory: $runstatedir/certkit under the sandbox root
RUN=$(find "$CERTKIT_ROOT" -type d -path '*/run/certkit' | head -1)
[ -n "$RUN" ] || { echo "no run directory"; exit 1; }

# random in [0, $1) from /dev/urandom
rnd() { echo $(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % $1 )); }
# signal session $2's process group with $1 at once, as the kernel does when
# a terminal hangs up (SIGHUP to its process group).  A ps-then-kill loop
# would signal pids it listed a moment before: a service svcctl spawned in
# between, already in a session of its own, would be killed by the test,
# not by any hang-up.
sig_session() {
	kill -s "$1" -- "-$2" 2>/dev/null
}
# service processes of this sandbox whose session no pidfile records
untracked() {
	grep -lzxF "CERTKIT_ROOT=$CERTKIT_ROOT" /proc/[0-9]*/environ 2>/dev/null |
	    xargs -r grep -lz '^CK_SERVICE=' 2>/dev/null | cut -d/ -f3 >"$T/cand"
	[ -s "$T/cand" ] || return 0
	cat "$RUN"/*.pid 2>/dev/null | awk '{ print $2 }' >"$T/sids"
	ps -e -o pid=,sid= | awk -v c="$T/cand" -v k="$T/sids" '
	    BEGIN { while ((getline l < c) > 0) cand[l] = 1; while ((getline l < k) > 0) known[l] = 1 }
	    ($1 in cand) && !($2 in known) { print $1 }'
}
# the checks after a trial
check_state() {
	_k=$1
	t "$_k: no swap pending"
	run S --status
	if grep -q "interrupted" "$T/err"; then fail "$(cat "$T/err")"; else ok; fi
	t "$_k: every automatic service running"
	eq "$(sed -n 's/^Running: *//p' "$T/out")" ""
	has "$T/out" " vmafdd vmdird vmcad rhttpproxy"
	hasnt "$T/out" "Stopped"
	t "$_k: the entry is old or new, and served"
	_s=$(stored)
	if [ "$_s" = "$(fp "$W/m1.crt")" ] || [ "$_s" = "$(fp "$W/m2.crt")" ]; then ok; else fail "stored '$_s'"; fi
	eq "$(served)" "$_s"
	t "$_k: no untracked service process"
	_n=0
	# a probe or stop command of a killed svcctl ends on its own; wait for it
	while [ -n "$(untracked)" ] && [ $_n -lt 30 ]; do sleep 0.1; _n=$((_n + 1)); done
	eq "$(untracked)" ""
}
# a swap to the other certificate in a session of its own, in the
# background ($pid), and a random wait into it ($delay ms)
swap_in_session() {
	n=$(next_cert)
	delay=$(rnd "$SPAN")
	setsid "$SVCCTL" -r "$REG" --replace-cert --cert "$W/$n.crt" --key "$W/$n.key" \
	    --restart-policy "$POL" >"$T/sout" 2>"$T/serr" </dev/null &
	pid=$!
	sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
}
next_cert() { if [ "$(stored)" = "$(fp "$W/m1.crt")" ]; then echo m2; else echo m1; fi; }

# svcctl killed right after spawning a service, before its pid is
# recorded (CERTKIT_TEST_KILL_AFTER_SPAWN, test builds only)
cat >"$W/one.conf" <<EOF
[registry]
settle = 50ms
[service lone]
start = exec sleep 100000
EOF
t "killed between spawn and record"
CERTKIT_TEST_KILL_AFTER_SPAWN=1 expect_rc 137 "$SVCCTL" -r "$W/one.conf" --start lone
t "the next svcctl finds the service"
run "$SVCCTL" -r "$W/one.conf" --status lone
has "$T/out" "Running:"
t "and stops it"
expect_rc 0 "$SVCCTL" -r "$W/one.conf" --stop lone
t "no process of it is left"
eq "$(untracked)" ""
run "$SVCCTL" -r "$W/one.conf" --status lone
has "$T/out" "Stopped:"

# span: how long a swap with policy $POL takes here ($SPAN ms), to aim
# the signals inside it (a minimal swap is much shorter)
span() {
	_n=$(next_cert)
	t0=$(date +%s%N)
	t "a timed $POL swap"
	expect_rc 0 S --replace-cert --cert "$W/$_n.crt" --key "$W/$_n.key" --restart-policy "$POL"
	SPAN=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$SPAN" -gt 50 ] || SPAN=50
}

for POL in vmware minimal; do
span
i=0
while [ $i -lt "$TRIALS" ]; do
	i=$((i + 1))
	case $((i % 3)) in 0) sig=HUP ;; 1) sig=INT ;; *) sig=TERM ;; esac
	swap_in_session
	sig_session "$sig" "$pid"
	wait "$pid"
	rc=$?
	t "$POL: SIG$sig after ${delay} ms (trial $i): svcctl carried on (exit $rc)"
	# 0, or 129/130/143 only if the signal came before svcctl began (nothing changed)
	case $rc in
	0) ok ;;
	129|130|143) if [ "$(stored)" = "$(fp "$W/$n.crt")" ]; then fail "killed after the swap"; else ok; fi ;;
	*) fail "exit $rc: $(cat "$T/serr")" ;;
	esac
	check_state "$POL: SIG$sig trial $i"
done
done

t "the last result is recorded for the admin"
LOGD=$(find "$CERTKIT_ROOT" -type d -name certkit -path '*log*' | head -1)
has "$LOGD/svcctl.log" "--replace-cert: exit 0"

how=resume
for POL in vmware minimal; do
span
i=0
while [ $i -lt "$TRIALS" ]; do
	i=$((i + 1))
	swap_in_session
	kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	run S --status
	if grep -q "interrupted" "$T/err"; then
		t "$POL: SIGKILL after ${delay} ms (trial $i): --$how"
		run S --$how
		case $rc in 0|10) ok ;; *) fail "exit $rc" ;; esac
		if [ $how = resume ]; then how=rollback; else how=resume; fi
	fi
	check_state "$POL: SIGKILL trial $i"
done
done

finish
