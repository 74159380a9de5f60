#!/bin/sh
# svcctl --replace-cert --self-signed: a new self-signed end-entity
# certificate for the node's FQDN swapped in with one command (appliances
# without a CA), checked with openssl x509 -text, openssl verify -CApath
# and the TLS handshake; bad input refused with the store unchanged.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

appliance
M1=$(fp "$W/m1.crt")

t "start the appliance"
expect_rc 0 S --start --all

t "--dry-run makes and validates one, changes nothing"
expect_rc 0 S --replace-cert --self-signed --dry-run
has "$T/out" "source: a new self-signed certificate for $FQDN"
has "$T/out" "ok: not a CA certificate"
has "$T/out" "ok: the SubjectAltName holds the node FQDN $FQDN"
has "$T/out" "add the root to TRUSTED_ROOTS"
eq "$(stored)" "$M1"

t "--self-signed with --cert refused (2)"
expect_rc 2 S --replace-cert --self-signed --cert "$W/m2.crt"
t "--self-signed with --days 0 refused (2)"
expect_rc 2 S --replace-cert --self-signed --days 0
t "--self-signed with --days 731 refused (2)"
expect_rc 2 S --replace-cert --self-signed --days 731
t "--self-signed with --chain refused (2)"
expect_rc 2 S --replace-cert --self-signed --chain "$W/root.pem"
t "--self-signed with a key that does not parse refused (5)"
expect_rc 5 S --replace-cert --self-signed --key "$W/m2.crt"
t "--self-signed with a missing key file: NotFound (6)"
expect_rc 6 S --replace-cert --self-signed --key "$W/nope.key"
t "store unchanged after the refusals"
eq "$(stored)" "$M1"
eq "$(served)" "$M1"

t "--self-signed --days 90: swapped in and served"
expect_rc 0 S --replace-cert --self-signed --days 90
has "$T/out" "ok: rhttpproxy serves"
"$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$W/ss.pem" >/dev/null
eq "$(served)" "$(fp "$W/ss.pem")"
"$OPENSSL" x509 -in "$W/ss.pem" -noout -text >"$W/ss.txt"
t "it is self-signed, for the FQDN"
eq "$("$OPENSSL" x509 -in "$W/ss.pem" -noout -subject -nameopt RFC2253)" "subject=CN=$FQDN"
eq "$("$OPENSSL" x509 -in "$W/ss.pem" -noout -issuer -nameopt RFC2253)" "issuer=CN=$FQDN"
t "SAN is the FQDN only"
has "$W/ss.txt" "DNS:$FQDN"
eq "$(grep -c 'DNS:' "$W/ss.txt")" 1
t "not a CA"
has "$W/ss.txt" "CA:FALSE"
t "a server certificate"
has "$W/ss.txt" "TLS Web Server Authentication"
has "$W/ss.txt" "Digital Signature, Key Encipherment"
t "an RSA 3072 key, SHA-256"
has "$W/ss.txt" "(3072 bit)"
has "$W/ss.txt" "sha256WithRSAEncryption"
t "valid 90 days"
end=$("$OPENSSL" x509 -in "$W/ss.pem" -noout -enddate | sed 's/notAfter=//')
days=$(( ($(date -d "$end" +%s) - $(date +%s) + 3600) / 86400 ))
eq "$days" 90
t "the key is stored and published with it"
eq "$("$OPENSSL" pkey -in "$MS_DIR/machine-ssl.key" -pubout)" "$("$OPENSSL" x509 -in "$W/ss.pem" -noout -pubkey)"
t "it is in TRUSTED_ROOTS, and openssl verify -CApath accepts it from the CA directory"
run "$VECS" entry list --store TRUSTED_ROOTS --aliases
has "$T/out" "$(sha1 "$W/ss.pem")"
CAPATH=$(find "$CERTKIT_ROOT" -name .certkit-published -exec dirname {} \; | head -1)
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/ss.pem"
t "the VMCA certificate before it is the backup"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M1"

t "a second --self-signed makes a new key and certificate"
expect_rc 0 S --replace-cert --self-signed
"$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$W/ss2.pem" >/dev/null
eq "$(served)" "$(fp "$W/ss2.pem")"
t "different key"
[ "$("$OPENSSL" x509 -in "$W/ss2.pem" -noout -pubkey)" != "$("$OPENSSL" x509 -in "$W/ss.pem" -noout -pubkey)" ] && ok || fail "same key"
t "--fqdn names another node: its SAN, and the check passes for it"
expect_rc 0 S --replace-cert --self-signed --fqdn other.example.test --dry-run
has "$T/out" "ok: the SubjectAltName holds the node FQDN other.example.test"
t "--self-signed --key: that key"
expect_rc 0 S --replace-cert --self-signed --key "$W/m3.key"
eq "$("$OPENSSL" pkey -in "$MS_DIR/machine-ssl.key" -pubout)" "$("$OPENSSL" pkey -in "$W/m3.key" -pubout)"
t "and back to the VMCA certificate from the backups"
expect_rc 0 S --replace-cert --from-backup 2
eq "$(served)" "$M1"

finish
