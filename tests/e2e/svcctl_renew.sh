#!/bin/sh
# svcctl --replace-cert --renew --if-expires-within DAYS: renews only when
# the machine certificate expires within DAYS (checked at a later date with
# faketime), says "not due: expires DATE" and exits 0 otherwise; and the
# renewal units the packaging helper writes run exactly that command.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

appliance
expect_rc 0 S --start --all
M1=$(fp "$W/m1.crt")

t "bad values are usage errors (2)"
expect_rc 2 S --replace-cert --renew --if-expires-within -1
expect_rc 2 S --replace-cert --renew --if-expires-within 3651
expect_rc 2 S --replace-cert --renew --if-expires-within soon
expect_rc 2 S --replace-cert --renew --if-expires-within
t "only with --replace-cert --renew (2)"
expect_rc 2 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key" --if-expires-within 30
expect_rc 2 S --status --if-expires-within 30
has "$T/err" "--if-expires-within goes with --replace-cert --renew"

t "not due: exit 0, the date said, nothing changed"
expect_rc 0 S --replace-cert --renew --if-expires-within 30
has "$T/out" "not due: expires "
END=$(date -u -d "$("$OPENSSL" x509 -in "$W/m1.crt" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%d)
has "$T/out" "not due: expires $END"
eq "$(stored)" "$M1"
t "an entry that is not there (6)"
expect_rc 6 S --replace-cert --renew --if-expires-within 30 --alias nosuch

if command -v faketime >/dev/null 2>&1; then
	# 20 days before the certificate expires: due within 30, not within 10
	left=$(( ($(date -u -d "$END" +%s) - $(date -u +%s)) / 86400 - 20 ))
	t "20 days before expiry, not due within 10"
	run faketime -f "+${left}d" "$SVCCTL" -r "$REG" --replace-cert --renew --if-expires-within 10
	eq "$rc" 0
	has "$T/out" "not due: expires $END"
	eq "$(stored)" "$M1"
	t "20 days before expiry, due within 30: renewed"
	run faketime -f "+${left}d" "$SVCCTL" -r "$REG" --replace-cert --renew --if-expires-within 30 --days 1
	eq "$rc" 0
	hasnt "$T/out" "not due"
	_s=$(stored)
	if [ -n "$_s" ] && [ "$_s" != "$M1" ]; then ok; else fail "entry not renewed ('$_s')"; fi
else
	echo "# faketime not installed (tests/deps.sh installs it): the later-date checks skipped"
fi

t "the shipped renewal unit runs exactly this command, from a timer that catches up"
eq "$(sed -n 's/^ExecStart=//p' "$top_srcdir/share/systemd/certkit-renew.service.in")" \
    '@sbindir@/svcctl --replace-cert --renew --if-expires-within ${RENEW_DAYS}'
has "$top_srcdir/share/systemd/certkit-renew.timer" "Persistent=true"
has "$top_srcdir/share/systemd/certkit-renew.timer" "RandomizedDelaySec="

finish
