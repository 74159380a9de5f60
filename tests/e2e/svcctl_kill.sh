#!/bin/sh
# svcctl --replace-cert killed (SIGKILL) at each phase, then recovered with
# --resume or --rollback.  CERTKIT_TEST_KILL_AT=PHASE is the test-only hook
# that makes svcctl SIGKILL itself right after journaling PHASE.  After
# every kill the store must still hold a certificate (old or new), the
# next run must report the pending swap, and recovery must leave the
# expected certificate stored AND served.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

pki_setup || { echo "pki setup failed"; exit 1; }
write_registry
on_exit "$SVCCTL" -r "$REG" --stop --all
S() { "$SVCCTL" -r "$REG" "$@"; }

expect_rc 0 S --start --all
cur=m1
next=m2
how=resume
for phase in plan stop core swap publish start verify; do
	t "killed at $phase"
	CERTKIT_TEST_KILL_AT=$phase expect_rc 137 S --replace-cert --cert "$W/$next.crt" --key "$W/$next.key"
	t "after a kill at $phase the store still holds a certificate"
	_s=$(stored)
	if [ "$_s" = "$(fp "$W/$cur.crt")" ] || [ "$_s" = "$(fp "$W/$next.crt")" ]; then ok; else fail "stored '$_s'"; fi
	t "after a kill at $phase the next run reports the pending swap"
	expect_rc 0 S --status
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
t "killed in the middle of a rollback"
CERTKIT_TEST_KILL_AT=rollback-swap expect_rc 137 S --replace-cert --cert "$W/$next.crt" --key "$W/$next.key"
expect_rc 0 S --status
has "$T/err" "interrupted in phase rollback-swap"
has "$T/err" "serves the wrong certificate"
t "--resume completes the rollback (10)"
expect_rc 10 S --resume
has "$T/out" "completing the rollback"
eq "$(stored)" "$(fp "$W/$cur.crt")"
eq "$(served)" "$(fp "$W/$cur.crt")"

t "a damaged journal is reported, not trusted"
JDIR=$(find "$CERTKIT_ROOT" -type d -name journal | head -1)
echo "format=certkit-swap-1" >"$JDIR/swap.journal"
expect_rc 0 S --status
has "$T/err" "unreadable"
expect_rc 1 S --resume
rm -f "$JDIR/swap.journal"

finish
