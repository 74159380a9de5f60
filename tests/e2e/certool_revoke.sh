#!/bin/sh
# certool_revoke.sh: revocation, status, enumeration and CRLs
# (specs/certool.md section 7 cases 35-38), checked with openssl crl and
# mdb_dump.
# Changed from VMware on purpose: 35 (second revoke is 70048), 37
# (--filter=expired works; an unknown filter is 70003), --status says
# UNKNOWN for a foreign certificate, --getcrl generates a CRL if none exists.
. "$top_srcdir/tests/e2e/certool_lib.sh"
: "${MDB_DUMP:=mdb_dump}"

succeeds "$CERTOOL" --selfca --config=ca.cfg
R="$VMCA_DATA_DIR/root.cer"
"$CERTOOL" --genkey --privkey=k >/dev/null
succeeds "$CERTOOL" --gencert --privkey=k --cert=c --config=host.cfg
succeeds "$CERTOOL" --gencert --privkey=k --cert=c2 --config=host.cfg --Name=host2

t "the index holds both certificates (mdb_dump)"
if command -v "$MDB_DUMP" >/dev/null 2>&1; then
	"$MDB_DUMP" -n -s certs "$VMCA_DATA_DIR/certs.mdb" >"$T/dump"
	serial=$("$OPENSSL" x509 -in c -noout -serial | cut -d= -f2 | tr A-F a-f)
	has "$T/dump" " $serial"
	eq "$(sed -n '/HEADER=END/,$p' "$T/dump" | grep -c '^ ')" 4
else
	ok "mdb_dump not installed"
fi

t "getcrl before any gencrl makes a CRL"
succeeds "$CERTOOL" --getcrl --crl=first.crl
run "$OPENSSL" crl -in first.crl -CAfile "$R" -noout
eq "$rc" 0
"$OPENSSL" crl -in first.crl -noout -text >"$T/text"
has "$T/text" "No Revoked Certificates"

t "35: status ACTIVE, revoke, REVOKED, second revoke 70048"
succeeds "$CERTOOL" --status --cert=c
has "$T/out" "Certificate : ACTIVE"
succeeds "$CERTOOL" --revokecert --cert=c
succeeds "$CERTOOL" --status --cert=c
has "$T/out" "Certificate : REVOKED"
fails 70048 "$CERTOOL" --revokecert --cert=c
has "$T/out" "Error Message : This is already revoked cert"
succeeds "$CERTOOL" --status --cert=c2
has "$T/out" "Certificate : ACTIVE"
t "a revoked certificate is not renewed: 70048, nothing written or recorded"
n0=$("$CERTOOL" --enumcert --filter=all 2>/dev/null | grep -c '^Cert $')
fails 70048 "$CERTOOL" --renewcert --cert=c --outcert=c-renewed
has "$T/err" "is revoked: a revoked certificate cannot be renewed"
absent c-renewed
eq "$("$CERTOOL" --enumcert --filter=all 2>/dev/null | grep -c '^Cert $')" "$n0"
t "38: --revoke is a prefix of --revokecert"
succeeds "$CERTOOL" --revoke --cert=c2
succeeds "$CERTOOL" --stat --cert=c2
has "$T/out" "Certificate : REVOKED"
t "status of a foreign certificate: UNKNOWN; revoking it: 50"
"$OPENSSL" req -x509 -new -key k -subj /CN=foreign -days 30 -out foreign.crt 2>/dev/null
succeeds "$CERTOOL" --status --cert=foreign.crt
has "$T/out" "Certificate : UNKNOWN"
fails 50 "$CERTOOL" --revokecert --cert=foreign.crt
has "$T/err" "not issued by this VMCA"
t "a foreign serial this VMCA never issues (0, or over 32 bytes): UNKNOWN; revoking it: 50"
"$OPENSSL" req -x509 -new -key k -subj /CN=zero -days 30 -set_serial 0 -out zero.crt 2>/dev/null
"$OPENSSL" req -x509 -new -key k -subj /CN=big -days 30 \
    -set_serial 0x$(printf '5a%.0s' $(seq 33)) -out big.crt 2>/dev/null
for f in zero.crt big.crt; do
	succeeds "$CERTOOL" --status --cert=$f
	has "$T/out" "Certificate : UNKNOWN"
	fails 50 "$CERTOOL" --revokecert --cert=$f
	has "$T/err" "not issued by this VMCA"
done
t "status of an expired certificate: EXPIRED"
"$OPENSSL" req -x509 -new -key k -subj /CN=old -days 1 -out old.crt 2>/dev/null
run env CERTKIT_FAKE_NOW=$(($(date +%s) + 3 * 86400)) "$CERTOOL" --status --cert=old.crt
has "$T/out" "Certificate : EXPIRED"
t "status/revoke: missing --cert 70003, missing file 2"
fails 70003 "$CERTOOL" --status
fails 2 "$CERTOOL" --status --cert=/nonexistent
fails 2 "$CERTOOL" --revokecert --cert=/nonexistent

t "36: gencrl + getcrl: v2, issuer, both serials with reason, number, 30 days, verifies"
succeeds "$CERTOOL" --gencrl
succeeds "$CERTOOL" --getcrl --crl=x.crl
"$OPENSSL" crl -in x.crl -noout -text >"$T/text"
has "$T/text" "Version 2 (0x1)"
has "$T/text" "Issuer: CN = CA, DC = vsphere, DC = local"
for f in c c2; do
	has "$T/text" "Serial Number: $("$OPENSSL" x509 -in $f -noout -serial | cut -d= -f2)"
done
eq "$(grep -c "Unspecified" "$T/text")" 2
has "$T/text" "X509v3 CRL Number"
has "$T/text" "X509v3 Authority Key Identifier"
n1=$(grep -A1 "CRL Number" "$T/text" | tail -1 | tr -d ' ')
lu=$(date -u -d "$("$OPENSSL" crl -in x.crl -noout -lastupdate | cut -d= -f2)" +%s)
nu=$(date -u -d "$("$OPENSSL" crl -in x.crl -noout -nextupdate | cut -d= -f2)" +%s)
eq $((nu - lu)) $((30 * 86400))
near "$lu" $(($(date -u +%s) - 600)) 60
run "$OPENSSL" crl -in x.crl -CAfile "$R" -noout
eq "$rc" 0
has "$T/err" "verify OK"
t "36: serials are sorted"
grep "Serial Number:" "$T/text" | awk '{print $3}' >"$T/serials"
sort -c "$T/serials" && ok || fail "CRL serials not sorted"
t "36: each gencrl increments the CRL number"
succeeds "$CERTOOL" --gencrl
succeeds "$CERTOOL" --getcrl --crl=y.crl
n2=$("$OPENSSL" crl -in y.crl -noout -crlnumber | cut -d= -f2)
eq "$((n2))" "$((n1 + 1))"
t "36: openssl verify with the CRL rejects the revoked cert"
cat "$R" y.crl >ca-crl.pem
run "$OPENSSL" verify -crl_check -CAfile ca-crl.pem c
[ "$rc" != 0 ] && ok || fail "revoked cert verified"
cat "$T/out" "$T/err" >"$T/all"
has "$T/all" "certificate revoked"
t "viewcrl prints CRL Info and the text"
succeeds "$CERTOOL" --viewcrl --crl=y.crl
has "$T/out" "CRL Info : "
has "$T/out" "Issuer: CN=CA, DC=vsphere"
t "CRL errors: getcrl/viewcrl without --crl 70003; a bad file 11; missing 2"
fails 70003 "$CERTOOL" --getcrl
fails 70003 "$CERTOOL" --viewcrl
fails 11 "$CERTOOL" --viewcrl --crl=host.cfg
fails 2 "$CERTOOL" --viewcrl --crl=/nonexistent

t "37: enumcert revoked lists c with Cert, PEM, text"
succeeds "$CERTOOL" --enumcert --filter=revoked
eq "$(grep -c "^Cert $" "$T/out")" 2
has "$T/out" "-----BEGIN CERTIFICATE-----"
has "$T/out" "Subject: CN=host1"
has "$T/err" "Cert index"
t "37: enumcert all / active / expired"
succeeds "$CERTOOL" --gencert --privkey=k --cert=c3 --config=host.cfg --Name=host3 --days=1
succeeds "$CERTOOL" --enumcert --filter=all
eq "$(grep -c "^Cert $" "$T/out")" 3
succeeds "$CERTOOL" --enumcert --filter=active
eq "$(grep -c "^Cert $" "$T/out")" 1
has "$T/out" "Subject: CN=host3"
succeeds "$CERTOOL" --enumcert --filter=expired
eq "$(grep -c "^Cert $" "$T/out")" 0
run env CERTKIT_FAKE_NOW=$(($(date +%s) + 2 * 86400)) "$CERTOOL" --enumcert --filter=expired
eq "$(grep -c "^Cert $" "$T/out")" 1
has "$T/out" "Subject: CN=host3"
t "37: enumcert without or with a bad filter: 70003"
fails 70003 "$CERTOOL" --enumcert
fails 70003 "$CERTOOL" --enumcert --filter=bogus
has "$T/err" "active, revoked, expired or all"

t "gencrl and getcrl without a root: 70000"
VMCA_DATA_DIR="$T/empty-vmca" run "$CERTOOL" --gencrl
has "$T/out" "Error Code : 70000"
VMCA_DATA_DIR="$T/empty-vmca" run "$CERTOOL" --getcrl --crl=z.crl
has "$T/out" "Error Code : 70000"
absent z.crl
absent "$T/empty-vmca"

finish
