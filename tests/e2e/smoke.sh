#!/bin/sh
# smoke.sh: one short pass through each program's main paths: a VMCA, a key,
# a certificate, a CRL (certool); a store, an entry in and out, the machine
# certificate published (vecs); a service started, reported and stopped
# (svcctl).  The other e2e tests check these paths in depth; this one is
# short so that tests/run-all.sh can afford it under valgrind memcheck
# (VALGRIND_TESTS=1), where each program start costs a second or more: it
# finds uninitialised reads, which ASan (whose suite runs every e2e test)
# does not look for.
. "$top_srcdir/tests/e2e/certool_lib.sh"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"
[ -x "$VECS" ] && [ -x "$SVCCTL" ] || skip "vecs/svcctl not built"

# --- certool -------------------------------------------------------------
t "certool: a root CA"
succeeds "$CERTOOL" --selfca --config=ca.cfg
succeeds "$CERTOOL" --getrootca --cert=root.pem
t "certool: a key pair (EC: an RSA key costs ~20 s under memcheck), 0600"
succeeds "$CERTOOL" --genkey --keytype=ec --privkey=h.key --pubkey=h.pub
mode h.key 600
t "certool: a certificate the root verifies"
succeeds "$CERTOOL" --gencert --privkey=h.key --cert=h.crt --config=host.cfg
expect_rc 0 "$OPENSSL" verify -CAfile root.pem h.crt
t "certool: revoke, status, CRL"
succeeds "$CERTOOL" --revokecert --cert=h.crt
succeeds "$CERTOOL" --status --cert=h.crt
has "$T/out" "Certificate : REVOKED"
succeeds "$CERTOOL" --getcrl --crl=h.crl
"$OPENSSL" crl -in h.crl -noout -text >"$T/text" 2>&1
has "$T/text" "Serial Number"
t "certool: a bad option"
parse_error "$CERTOOL" --no-such-option

# --- vecs ------------------------------------------------------------------
t "vecs: a store and an entry"
expect_rc 0 "$VECS" store create --name SMOKE
expect_rc 0 "$VECS" entry create --store SMOKE --alias a --cert h.crt --key h.key
t "vecs: list, getcert, getkey"
expect_rc 0 "$VECS" entry list --store SMOKE --aliases
has "$T/out" "a"
expect_rc 0 "$VECS" entry getcert --store SMOKE --alias a --output got.crt
eq "$("$OPENSSL" x509 -in got.crt -noout -fingerprint)" "$("$OPENSSL" x509 -in h.crt -noout -fingerprint)"
expect_rc 0 "$VECS" entry getkey --store SMOKE --alias a
t "vecs: delete, then the entry is gone"
expect_rc 0 "$VECS" entry delete --store SMOKE --alias a -y
run "$VECS" entry getcert --store SMOKE --alias a
[ "$rc" != 0 ] && ok || fail "getcert of a deleted entry exited 0"
t "vecs: the machine certificate, published"
expect_rc 0 "$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert h.crt --key h.key
MS=$(find "$CERTKIT_ROOT" -type d -name machine-ssl | head -1)
same "$MS/machine-ssl.crt" h.crt

# --- svcctl ----------------------------------------------------------------
REG=$W/services.conf
cat >"$REG" <<EOR
[registry]
settle = 100ms
poll = 20ms

[service smoke]
display = Smoke
start = exec sleep 100000
stop_timeout = 2s
EOR
on_exit "$SVCCTL" -r "$REG" --stop --all
t "svcctl: start, status, stop"
expect_rc 0 "$SVCCTL" -r "$REG" --start smoke
expect_rc 0 "$SVCCTL" -r "$REG" --status smoke
has "$T/out" "smoke"
expect_rc 0 "$SVCCTL" -r "$REG" --stop smoke
expect_rc 12 "$SVCCTL" -r "$REG" --status
has "$T/out" "Stopped"
t "svcctl: an unknown service"
run "$SVCCTL" -r "$REG" --start nosuch
[ "$rc" != 0 ] && ok || fail "starting an unknown service exited 0"

finish
