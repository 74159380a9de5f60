#!/bin/sh
# The audit trail (lib/audit.h): every change -- store entries, stores and
# their permissions, the VMCA root, issue/renew/revoke, the CRL, each swap
# phase and its outcome -- is one line in <state>/log/audit.log (0640,
# appended) and one syslog record (ident certool/vecs/svcctl), with who,
# what and the old and new thumbprints, and never a key or a password.
# syslog goes to a datagram socket of this test's own (CERTKIT_TEST_SYSLOG,
# a test-build hook: test machines often have no syslog daemon).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"

appliance
AUDIT=$(find "$CERTKIT_ROOT" -name audit.log | head -1)
[ -n "$AUDIT" ] || AUDIT=$(dirname "$(find "$CERTKIT_ROOT" -type d -name vmca | head -1)")/log/audit.log
: >"$AUDIT"	# the fixture's own records are not this test's

# a syslog receiver: every datagram, one per line, into $T/syslog
SOCK=$T/syslog.sock
python3 -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(600)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        f.write(d.rstrip(b"\n") + b"\n")
' "$SOCK" "$T/syslog" &
RECV=$!
on_exit kill "$RECV"
for _i in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
CERTKIT_TEST_SYSLOG=$SOCK
export CERTKIT_TEST_SYSLOG
# the records so far, both copies
recs() { cat "$AUDIT"; }
# field LINE KEY: the value of KEY=VALUE in a record
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }
last() { grep -F " audit: $1 " "$AUDIT" | tail -1; }

# --- a full swap, with a password-protected key --------------------------------
printf 'Sw0rdfish-audit-%s\n' "$$" >"$W/pw"
"$OPENSSL" pkey -in "$W/m2.key" -aes256 -passout "file:$W/pw" -out "$W/m2enc.key"
t "start the appliance"
expect_rc 0 S --start --all
t "the swap"
SUDO_USER=alice expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2enc.key" \
    --key-password "file:$W/pw"
t "the trail file is 0640"
mode "$AUDIT" 640
for ph in plan stop core swap publish start verify; do
	t "swap phase $ph recorded"
	grep -F " audit: swap.phase " "$AUDIT" | grep -qF "phase=$ph " && ok || fail "no phase $ph"
done
t "the outcome recorded"
L=$(last swap.done)
[ -n "$L" ] && ok || fail "no swap.done"
t "outcome names the old and new thumbprints"
eq "$(field "$L" old_sha1)/$(field "$L" new_sha1)" "$(sha1 "$W/m1.crt")/$(sha1 "$W/m2.crt")"
eq "$(field "$L" old_sha256)/$(field "$L" new_sha256)" "$(fp "$W/m1.crt")/$(fp "$W/m2.crt")"
t "the entry replaced, old and new thumbprints"
L=$(last store.entry.replace)
eq "$(field "$L" alias)" '"__MACHINE_CERT"'
eq "$(field "$L" old_sha256)/$(field "$L" new_sha256)" "$(fp "$W/m1.crt")/$(fp "$W/m2.crt")"
t "who: uid, user name, SUDO_USER"
eq "$(field "$L" uid)" "$(id -u)"
eq "$(field "$L" user)" "$(id -un)"
eq "$(field "$L" sudo_user)" alice
t "each record is in syslog too, ident svcctl"
grep -F "svcctl[" "$T/syslog" | grep -qF "audit: swap.done " && ok || fail "not in syslog"
grep -F "svcctl[" "$T/syslog" | grep -qF "audit: store.entry.replace " && ok || fail "not in syslog"
t "syslog records are auth notices (<85>)"
grep -q '^<85>svcctl\[' "$T/syslog" && ok || fail "priority"
t "secret-free: neither the password nor any line of the key"
hasnt "$AUDIT" "Sw0rdfish"
hasnt "$T/syslog" "Sw0rdfish"
_leak=0
for f in "$W/m1.key" "$W/m2.key" "$W/m2enc.key"; do
	grep -v -e '-----' "$f" | while read -r line; do
		if grep -qF -- "$line" "$AUDIT" "$T/syslog"; then echo leak; fi
	done | grep -q leak && _leak=1
done
eq "$_leak" 0
t "no PEM at all in the trail"
hasnt "$AUDIT" "-----BEGIN"
t "one line per record: every line has a timestamp and an event"
eq "$(grep -cv '^[0-9-]*T[0-9:]*Z [a-z]*\[[0-9]*\]: audit: [a-z.-]* uid=' "$AUDIT")" 0

# --- each kind of change -------------------------------------------------------
: >"$AUDIT"
t "vecs store create / permission / delete"
expect_rc 0 "$VECS" store create --name AUD
expect_rc 0 "$VECS" store permission --name AUD --user nobody --grant read
L=$(last store.permission)
eq "$(field "$L" acl)" "\"$(id -u nobody):r\""
t "vecs entry create: new thumbprints"
expect_rc 0 "$VECS" entry create --store AUD --alias one --cert "$W/m3.crt"
L=$(last store.entry.create)
eq "$(field "$L" new_sha1)/$(field "$L" old_sha1)" "$(sha1 "$W/m3.crt")/-"
t "vecs entry replace: both"
expect_rc 0 "$VECS" entry create --store AUD --alias one --cert "$W/m1.crt" --replace
L=$(last store.entry.replace)
eq "$(field "$L" old_sha1)/$(field "$L" new_sha1)" "$(sha1 "$W/m3.crt")/$(sha1 "$W/m1.crt")"
t "vecs entry delete: the old thumbprint"
expect_rc 0 "$VECS" entry delete -y --store AUD --alias one
L=$(last store.entry.delete)
eq "$(field "$L" old_sha256)/$(field "$L" new_sha256)" "$(fp "$W/m1.crt")/-"
t "a failed change leaves no record"
_n=$(wc -l <"$AUDIT")
expect_rc 216 "$VECS" entry delete -y --store AUD --alias nothere --strict
eq "$(wc -l <"$AUDIT")" "$_n"
expect_rc 0 "$VECS" store delete -y --name AUD
t "vecs records carry ident vecs"
grep -q '^<85>vecs\[[0-9]*\]: audit: store.delete ' "$T/syslog" && ok || fail "ident"
t "a SUDO_USER with a newline stays on one line (the store refuses such names)"
SUDO_USER="$(printf 'mallory\n2026-01-01T00:00:00Z forged')" expect_rc 0 "$VECS" store create --name NL
eq "$(grep -cv '^[0-9-]*T[0-9:]*Z ' "$AUDIT")" 0
has "$AUDIT" 'sudo_user=mallory\x0a2026'

t "certool --gencert: vmca.cert.issue"
"$CERTOOL" --genkey --privkey="$W/a.key" --pubkey="$W/a.pub" >/dev/null
expect_rc 0 "$CERTOOL" --gencert --privkey="$W/a.key" --cert="$W/a.crt" --config="$W/m.cfg"
L=$(last vmca.cert.issue)
eq "$(field "$L" new_sha256)" "$(fp "$W/a.crt")"
t "certool records carry ident certool"
grep -q '^<85>certool\[[0-9]*\]: audit: vmca.cert.issue ' "$T/syslog" && ok || fail "ident"
t "certool --renewcert: vmca.cert.renew, old and new"
expect_rc 0 "$CERTOOL" --renewcert --cert="$W/a.crt" --outcert="$W/a2.crt" --days 30
L=$(last vmca.cert.renew)
eq "$(field "$L" old_sha256)/$(field "$L" new_sha256)" "$(fp "$W/a.crt")/$(fp "$W/a2.crt")"
t "certool --revokecert: vmca.cert.revoke"
expect_rc 0 "$CERTOOL" --revokecert --cert="$W/a2.crt"
L=$(last vmca.cert.revoke)
eq "$(field "$L" old_sha256)" "$(fp "$W/a2.crt")"
t "certool --gencrl: vmca.crl.generate"
expect_rc 0 "$CERTOOL" --gencrl
L=$(last vmca.crl.generate)
[ -n "$(field "$L" crl_number)" ] && ok || fail "no CRL number"
t "a new VMCA root: vmca.root.install, old and new"
cp "$W/root.pem" "$W/oldroot.pem"
expect_rc 0 "$CERTOOL" --selfca --config="$W/ca.cfg"
"$CERTOOL" --getrootca --cert="$W/newroot.pem" >/dev/null
L=$(last vmca.root.install)
eq "$(field "$L" old_sha256)/$(field "$L" new_sha256)" "$(fp "$W/oldroot.pem")/$(fp "$W/newroot.pem")"

# --- a trail that cannot be written does not undo the change --------------------
t "an unwritable audit file: the change is made, syslog still has it"
: >"$T/notadir"
CERTKIT_AUDIT_LOG=$T/notadir/audit.log expect_rc 0 "$VECS" store create --name AUD2
tail -1 "$T/syslog" | grep -qF 'audit: store.create ' && ok || fail "no syslog record"
finish
