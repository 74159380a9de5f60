#!/bin/sh
# svcctl --replace-cert killed (SIGKILL) at each phase, forward and
# rollback, then recovered with --resume or --rollback; and a rollback that
# fails itself (exit 11), recovered once the cause is repaired.  CERTKIT_TEST_KILL_AT=PHASE is the test-only hook
# that makes svcctl SIGKILL itself right after journaling PHASE.  After
# every kill the store must still hold a certificate (old or new), the
# next run must report the pending swap, and recovery must leave the
# expected certificate stored AND served.  Both restart policies
# (--restart-policy vmware and minimal, issue 14), each with its phases;
# the journal records the policy and recovery follows it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

appliance

expect_rc 0 S --start --all
cur=m1
next=m2
how=resume
# phases POLICY [rollback]: the journal phases of a swap with that policy
phases() {
	case $1${2:-} in
	vmware) echo plan stop core swap publish start verify ;;
	minimal) echo plan swap publish reload verify ;;
	vmwarerollback) echo rollback-stop rollback-swap rollback-publish rollback-start rollback-verify ;;
	minimalrollback) echo rollback-swap rollback-publish rollback-reload rollback-verify ;;
	esac
}
for pol in vmware minimal; do
for phase in $(phases $pol); do
	t "$pol: killed at $phase"
	CERTKIT_TEST_KILL_AT=$phase expect_rc 137 S --replace-cert --cert "$W/$next.crt" --key "$W/$next.key" \
	    --restart-policy $pol
	t "$pol: the journal of a kill at $phase names the policy"
	has "$(find "$CERTKIT_ROOT" -type f -name swap.journal | head -1)" "policy=$pol"
	t "after a kill at $phase the store still holds a certificate"
	_s=$(stored)
	if [ "$_s" = "$(fp "$W/$cur.crt")" ] || [ "$_s" = "$(fp "$W/$next.crt")" ]; then ok; else fail "stored '$_s'"; fi
	t "after a kill at $phase the next run reports the pending swap"
	expect_rc 8 S --status
	has "$T/err" "interrupted in phase $phase"
	if [ "$phase" = stop ]; then
		t "the journal and the staged keys are private"
		JD=$(find "$CERTKIT_ROOT" -type d -name journal | head -1)
		mode "$JD" 700
		mode "$JD/swap.journal" 600
		mode "$JD/new.key" 600
		mode "$JD/old.key" 600
		has "$JD/swap.journal" "phase=stop"
	fi
	t "after a kill at $phase a new swap is refused (8)"
	expect_rc 8 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key"
	t "--$how after a kill at $phase"
	expect_rc 0 S --$how
	if [ "$how" = resume ]; then
		cur=$next
		how=rollback
	else
		how=resume
	fi
	t "after --$how ($phase): $cur stored and served"
	eq "$(stored)" "$(fp "$W/$cur.crt")"
	eq "$(served)" "$(fp "$W/$cur.crt")"
	t "after recovery ($phase) nothing is pending"
	expect_rc 8 S --rollback
	if [ "$cur" = m1 ]; then next=m2; else next=m1; fi
done
done

# killed during a rollback: --resume completes the rollback (10)
M_NEXT=$(fp "$W/$next.crt")
cat >"$W/proxy.sh" <<EOS
#!/bin/sh
if [ "\$($OPENSSL x509 -in $MS_DIR/machine-ssl.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)" = "$M_NEXT" ]; then
	exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert $W/m3.crt -key $W/m3.key -www
fi
exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert $MS_DIR/machine-ssl.crt -key $MS_DIR/machine-ssl.key -www
EOS
write_registry "exec sh $W/proxy.sh"
# killed at each rollback phase (the proxy forces the rollback): --resume
# completes the rollback (10), --rollback does it (0), in turn
how=resume
for pol in vmware minimal; do
for phase in $(phases $pol rollback); do
	t "$pol: killed at $phase"
	CERTKIT_TEST_KILL_AT=$phase expect_rc 137 S --replace-cert --cert "$W/$next.crt" --key "$W/$next.key" \
	    --restart-policy $pol
	t "after a kill at $phase the store still holds a certificate"
	_s=$(stored)
	if [ "$_s" = "$(fp "$W/$cur.crt")" ] || [ "$_s" = "$M_NEXT" ]; then ok; else fail "stored '$_s'"; fi
	t "after a kill at $phase the pending swap and its reason are reported"
	expect_rc 8 S --status
	has "$T/err" "interrupted in phase $phase"
	has "$T/err" "serves the wrong certificate"
	if [ "$how" = resume ]; then
		t "--resume after a kill at $phase completes the rollback (10)"
		expect_rc 10 S --resume
		has "$T/out" "completing the rollback"
		how=rollback
	else
		t "--rollback after a kill at $phase (0)"
		expect_rc 0 S --rollback
		has "$T/out" "rollback complete"
		how=resume
	fi
	t "after recovering from a kill at $phase: $cur stored and served, nothing pending"
	eq "$(stored)" "$(fp "$W/$cur.crt")"
	eq "$(served)" "$(fp "$W/$cur.crt")"
	expect_rc 8 S --rollback
done
done

# the rollback itself fails (exit 11): a tls_endpoint nobody serves fails
# the verify step both ways; the journal is kept until the registry is
# repaired and --rollback succeeds
GHOST_PORT=$((PORT + 1))
write_registry
cat >>"$REG" <<EOR

[service ghost]
start = exec sleep 100000
tls_endpoint = 127.0.0.1:$GHOST_PORT
stop_timeout = 2s
EOR
t "the rollback fails too: the journal is kept (11)"
expect_rc 11 S --replace-cert --cert "$W/$next.crt" --key "$W/$next.key"
has "$T/err" "the rollback failed too"
has "$T/err" "ghost: no TLS answer on 127.0.0.1:$GHOST_PORT"
expect_rc 8 S --status
has "$T/err" "interrupted in phase rollback-verify"
t "after exit 11 the old certificate is stored and a new swap is refused (8)"
eq "$(stored)" "$(fp "$W/$cur.crt")"
expect_rc 8 S --replace-cert --cert "$W/$next.crt" --key "$W/$next.key"
t "registry repaired: --rollback completes (0)"
"$SVCCTL" -r "$REG" --stop ghost >/dev/null 2>&1
write_registry
expect_rc 0 S --rollback
has "$T/out" "rollback complete"
eq "$(stored)" "$(fp "$W/$cur.crt")"
eq "$(served)" "$(fp "$W/$cur.crt")"
expect_rc 8 S --rollback

t "a damaged journal is reported, not trusted"
JDIR=$(find "$CERTKIT_ROOT" -type d -name journal | head -1)
echo "format=certkit-swap-1" >"$JDIR/swap.journal"
expect_rc 8 S --status
has "$T/err" "unreadable"
expect_rc 1 S --resume
rm -f "$JDIR/swap.journal"

finish
