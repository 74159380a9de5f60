#!/bin/sh
# The custom-CA machine certificate workflow across the three programs, as
# the REST API has it (POST tls-csr keeps the private key; PUT tls with the
# certificate alone): certool --gencsr --keepkey writes the CSR and keeps
# the new key in MACHINE_SSL_CERT/__MACHINE_CSR, a CA signs the CSR (here
# the VMCA through --gencertfromcsr), and svcctl --replace-cert --cert,
# given no key, finds the kept key, swaps and the proxy serves the new
# certificate.  Checked with openssl (key and served certificate) and vecs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

appliance
# pub: SHA-1 of the public key of the private key on stdin
pub() { "$OPENSSL" pkey -pubout 2>/dev/null | sha1sum | cut -d' ' -f1; }
# kept: the public key of the kept CSR key, read back with vecs
kept() { "$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CSR 2>/dev/null | pub; }
csr() {
	"$CERTOOL" --gencsr --privkey="$W/$1.key" --pubkey="$W/$1.pub" --csrfile="$W/$1.csr" \
	    --config="$W/m.cfg" --keepkey
}

t "--help lists --keepkey"
expect_rc 0 "$CERTOOL" --help=options
has "$T/out" "--keepkey"

t "--gencsr --keepkey: CSR and key files, and the key kept in the store"
expect_rc 0 csr c1
has "$T/out" "Key kept in store [MACHINE_SSL_CERT] as [__MACHINE_CSR]"
has "$T/out" "Status : Success"
mode "$W/c1.key" 600
t "the CSR verifies and holds the key written"
expect_rc 0 "$OPENSSL" req -in "$W/c1.csr" -noout -verify
eq "$("$OPENSSL" req -in "$W/c1.csr" -noout -pubkey | sha1sum | cut -d' ' -f1)" "$(pub <"$W/c1.key")"
t "the kept key is the key written"
eq "$(kept)" "$(pub <"$W/c1.key")"

t "a second --keepkey replaces the kept key (one entry, no backup)"
expect_rc 0 csr c2
eq "$(kept)" "$(pub <"$W/c2.key")"
expect_rc 0 "$VECS" entry list --store MACHINE_SSL_CERT --aliases
eq "$(grep -c '^__MACHINE_CSR$' "$T/out")" 1
"$VECS" entry list --store BACKUP_STORE --aliases >"$T/out" 2>&1
hasnt "$T/out" "bkp___MACHINE_CSR"

t "--gencsr without --keepkey leaves the kept key alone"
expect_rc 0 "$CERTOOL" --gencsr --privkey="$W/x.key" --pubkey="$W/x.pub" --csrfile="$W/x.csr" \
    --config="$W/m.cfg"
hasnt "$T/out" "Key kept"
eq "$(kept)" "$(pub <"$W/c2.key")"

t "a store that cannot be written: failure that says the files are there"
expect_rc 2 env CERTKIT_VECS_DIR="$W/m.cfg" "$CERTOOL" --gencsr --privkey="$W/c9.key" \
    --pubkey="$W/c9.pub" --csrfile="$W/c9.csr" --config="$W/m.cfg" --keepkey
has "$T/out" "Status : Failed"
has "$T/err" "--keepkey: the CSR and key files are written"
present "$W/c9.key"
t "and the kept key is unchanged"
eq "$(kept)" "$(pub <"$W/c2.key")"

# --- the CA signs; svcctl swaps with the kept key --------------------------
t "the VMCA signs the CSR"
expect_rc 0 "$CERTOOL" --gencertfromcsr --csrfile="$W/c2.csr" --cert="$W/c2.crt"
expect_rc 0 "$OPENSSL" verify -CAfile "$W/root.pem" "$W/c2.crt"

t "start the appliance"
expect_rc 0 S --start --all
eq "$(served)" "$(fp "$W/m1.crt")"

t "--replace-cert --cert alone uses the kept key"
expect_rc 0 S --replace-cert --cert "$W/c2.crt"
has "$T/out" "key of the earlier CSR"
t "the proxy serves the new certificate, the store holds it with the kept key"
eq "$(served)" "$(fp "$W/c2.crt")"
eq "$(stored)" "$(fp "$W/c2.crt")"
eq "$("$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CERT | pub)" "$(pub <"$W/c2.key")"
t "the previous certificate is in BACKUP_STORE"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$(fp "$W/m1.crt")"

t "a certificate for another key is refused with the kept key (5), nothing changes"
expect_rc 0 "$CERTOOL" --gencertfromcsr --csrfile="$W/x.csr" --cert="$W/x.crt"
expect_rc 5 S --replace-cert --cert "$W/x.crt"
has "$T/err" "does not match"
eq "$(served)" "$(fp "$W/c2.crt")"

# a copy of the VMCA whose index is a directory: the root is there (m1 is
# its certificate), recording fails
VD=$(dirname "$(find "$CERTKIT_ROOT" -name root.cer | head -1)")
cp -r "$VD" "$W/badvmca" && rm -f "$W/badvmca"/certs.mdb* && mkdir "$W/badvmca/certs.mdb"
t "a VMCA whose index cannot be opened does not undo a --cert swap: a warning"
expect_rc 0 env VMCA_DATA_DIR="$W/badvmca" "$SVCCTL" -r "$REG" --replace-cert --cert "$W/m1.crt" --key "$W/m1.key"
has "$T/out" "warning: the new certificate is in place, but could not be recorded in the VMCA index"
eq "$(served)" "$(fp "$W/m1.crt")"
eq "$(stored)" "$(fp "$W/m1.crt")"

finish
