#!/bin/sh
# The systemd units of share/systemd as built: systemd-analyze verify
# accepts them, and their logic holds on a sandbox appliance, with each
# unit's Condition lines judged by systemd-analyze condition (paths moved
# under CERTKIT_ROOT, as svcctl moves its own) and its ExecStart run as
# written (the program swapped for this build's svcctl):
#   certkit-resume.service does not run without a swap journal; after a
#   swap killed half-way it runs, and its command completes the swap;
#   certkit-renew.service runs only where a VMCA and a store exist; its
#   command, with RENEW_DAYS from debian/certkit.default, leaves a
#   certificate valid longer alone and renews one that expires sooner.
. "$top_srcdir/tests/lib.sh"
command -v systemd-analyze >/dev/null 2>&1 || skip "systemd-analyze not found"
systemd-analyze condition 'ConditionPathExists=/' >/dev/null 2>&1 ||
    skip "systemd-analyze condition does not work here"
[ -x "$SVCCTL" ] || skip "svcctl not built"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
U=$top_builddir/share/systemd
[ -f "$U/certkit-resume.service" ] || skip "units not built"

# the units with this build's svcctl, for verify and to run
UD=$T/units
mkdir -p "$UD"
for f in certkit-resume.service certkit-renew.service; do
	sed "s|^ExecStart=[^ ]*/svcctl|ExecStart=$SVCCTL|" "$U/$f" >"$UD/$f"
done
cp "$top_srcdir/share/systemd/certkit-renew.timer" "$UD/"

t "systemd-analyze verify accepts the units (their man pages are not installed)"
if systemd-analyze verify --man=no "$UD/certkit-resume.service" "$UD/certkit-renew.service" \
    "$UD/certkit-renew.timer" >"$T/out" 2>&1; then
	ok
elif grep -q -e 'Failed to connect' -e 'System has not been booted' "$T/out"; then
	ok "# skip: systemd-analyze verify cannot run here"
else
	fail "$(head -5 "$T/out")"
fi

# runs UNIT: would systemd start UNIT here (its conditions, under the sandbox)?
runs() {
	# shellcheck disable=SC2046
	systemd-analyze condition $(sed -n "s|^\(Condition[A-Za-z]*=!\{0,1\}\)/|\1$CERTKIT_ROOT/|p" "$UD/$1") \
	    >/dev/null 2>&1
}
# exec_unit UNIT: run UNIT's ExecStart as systemd would (${VAR} from the
# environment), output in $T/out and $T/err, status in $rc
exec_unit() {
	_cmd=$(sed -n 's/^ExecStart=//p' "$UD/$1" | sed 's/\${\([A-Z_]*\)}/"$\1"/g')
	eval "run $_cmd"
}

t "certkit-renew.service does not run where there is no VMCA"
if runs certkit-renew.service; then fail "it would run"; else ok; fi

appliance
export CERTKIT_REGISTRY="$REG"
t "the sandbox appliance starts"
expect_rc 0 S --start --all

t "certkit-resume.service does not run without a swap journal"
if runs certkit-resume.service; then fail "it would run"; else ok; fi

t "a swap killed half-way (after the swap phase) leaves a journal"
CERTKIT_TEST_KILL_AT=swap expect_rc 137 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
t "certkit-resume.service runs at the next boot"
if runs certkit-resume.service; then ok; else fail "it would not run"; fi
t "its command finishes the swap"
exec_unit certkit-resume.service
if [ "$rc" = 0 ]; then ok; else fail "exit $rc"; fi
eq "$(stored)" "$(fp "$W/m2.crt")"
eq "$(served)" "$(fp "$W/m2.crt")"
t "and certkit-resume.service does not run again"
if runs certkit-resume.service; then fail "it would run"; else ok; fi

t "certkit-renew.service runs where a VMCA and a store exist"
if runs certkit-renew.service; then ok; else fail "it would not run"; fi
t "RENEW_DAYS comes from /etc/default/certkit (debian/certkit.default)"
has "$UD/certkit-renew.service" 'EnvironmentFile=-'
RENEW_DAYS=$(sh -c '. "$1"; echo "$RENEW_DAYS"' x "$top_srcdir/debian/certkit.default")
case $RENEW_DAYS in '' | *[!0-9]*) fail "RENEW_DAYS=$RENEW_DAYS" ;; *) ok ;; esac
export RENEW_DAYS
if "$SVCCTL" --help 2>&1 | grep -q -e '--if-expires-within'; then
	t "renewal: a certificate valid 729 days is left alone (RENEW_DAYS=$RENEW_DAYS)"
	exec_unit certkit-renew.service
	if [ "$rc" = 0 ]; then ok; else fail "exit $rc"; fi
	eq "$(stored)" "$(fp "$W/m2.crt")"
	t "renewal: it is renewed and served when it expires within RENEW_DAYS=730"
	RENEW_DAYS=730
	exec_unit certkit-renew.service
	if [ "$rc" = 0 ]; then ok; else fail "exit $rc"; fi
	_new=$(stored)
	if [ -n "$_new" ] && [ "$_new" != "$(fp "$W/m2.crt")" ]; then ok; else fail "not renewed"; fi
	eq "$(served)" "$_new"
else
	echo "# skip: this svcctl has no --if-expires-within yet: the renewal command is not run"
fi
finish
