#!/bin/sh
# svcctl --replace-cert --p12: a PKCS#12 file (key, certificate, chain)
# through the whole swap, its password from file:, fd: or env: (never
# argv); wrong passwords, files without a key, damaged files and hostile
# iteration counts refused with the store unchanged.  vecs entry import
# --p12 --replace still works and says what it does not do.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

appliance
M1=$(fp "$W/m1.crt") M2=$(fp "$W/m2.crt") M3=$(fp "$W/m3.crt")
printf 'p12 secret\n' >"$W/pw"
printf 'wrong\n' >"$W/badpw"
p12() { _out=$1; shift; "$OPENSSL" pkcs12 -export -passout "file:$W/pw" -out "$_out" "$@" 2>/dev/null; }
p12 "$W/m2.p12" -in "$W/m2.crt" -inkey "$W/m2.key" -certfile "$W/root.pem" -name m2 || skip "openssl pkcs12 failed"
p12 "$W/m3.p12" -in "$W/m3.crt" -inkey "$W/m3.key"
p12 "$W/nokey.p12" -in "$W/m2.crt" -nokeys
p12 "$W/slow.p12" -in "$W/m2.crt" -inkey "$W/m2.key" -iter 2000000 -maciter
head -c 300 "$W/m2.p12" >"$W/cut.p12"

t "start the appliance"
expect_rc 0 S --start --all

t "wrong password refused (5)"
expect_rc 5 S --replace-cert --p12 "$W/m2.p12" --key-password "file:$W/badpw"
has "$T/err" "wrong password"
has "$T/err" "nothing was changed"
t "no password given: the empty one is tried, and refused (5)"
expect_rc 5 S --replace-cert --p12 "$W/m2.p12"
t "a PKCS#12 file without a private key refused (5)"
expect_rc 5 S --replace-cert --p12 "$W/nokey.p12" --key-password "file:$W/pw"
has "$T/err" "holds no private key with its certificate"
t "a truncated file refused (5)"
expect_rc 5 S --replace-cert --p12 "$W/cut.p12" --key-password "file:$W/pw"
has "$T/err" "not a PKCS#12 file"
t "a PEM file given as --p12 refused (5)"
expect_rc 5 S --replace-cert --p12 "$W/m2.crt" --key-password "file:$W/pw"
t "a file asking for 2000000 iterations refused before any key derivation (5)"
expect_rc 5 S --replace-cert --p12 "$W/slow.p12" --key-password "file:$W/pw"
has "$T/err" "key-derivation"
t "a missing file: NotFound (6)"
expect_rc 6 S --replace-cert --p12 "$W/nope.p12" --key-password "file:$W/pw"
t "a missing password file: NotFound (6)"
expect_rc 6 S --replace-cert --p12 "$W/m2.p12" --key-password "file:$W/nope"
t "--p12 with --key refused (2)"
expect_rc 2 S --replace-cert --p12 "$W/m2.p12" --key "$W/m2.key"
t "--p12 with --cert refused (2)"
expect_rc 2 S --replace-cert --p12 "$W/m2.p12" --cert "$W/m2.crt"
t "--p12 with --days refused (2)"
expect_rc 2 S --replace-cert --p12 "$W/m2.p12" --days 30
t "the store, the served certificate and BACKUP_STORE unchanged after the refusals"
eq "$(stored)" "$M1"
eq "$(served)" "$M1"
run "$VECS" entry list --store BACKUP_STORE --aliases
hasnt "$T/out" "bkp_"

t "--dry-run validates the PKCS#12 and changes nothing"
expect_rc 0 S --replace-cert --p12 "$W/m2.p12" --key-password "file:$W/pw" --dry-run
has "$T/out" "(PKCS#12)"
has "$T/out" "ok: the private key matches the certificate"
has "$T/out" "ok: the chain verifies to TRUSTED_ROOTS"
eq "$(stored)" "$M1"

t "--p12 with the password from env: swaps in m2, served"
P12PW="p12 secret" expect_rc 0 S --replace-cert --p12 "$W/m2.p12" --key-password env:P12PW
eq "$(stored)" "$M2"
eq "$(served)" "$M2"
t "the stored key is m2's, unencrypted, and published"
"$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$W/k.pem" >/dev/null
eq "$("$OPENSSL" pkey -in "$W/k.pem" -pubout)" "$("$OPENSSL" pkey -in "$W/m2.key" -pubout)"
eq "$("$OPENSSL" pkey -in "$MS_DIR/machine-ssl.key" -pubout)" "$("$OPENSSL" pkey -in "$W/m2.key" -pubout)"
t "the root in the file is not kept in the entry (it lives in TRUSTED_ROOTS)"
"$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$W/got.pem" >/dev/null
eq "$(grep -c 'BEGIN CERTIFICATE' "$W/got.pem")" 1
t "m1 is the backup"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M1"
t "the password never appears in the output"
hasnt "$T/out" "p12 secret"
hasnt "$T/err" "p12 secret"

t "--p12 with the password from fd: swaps in m3"
expect_rc 0 sh -c "exec 3<'$W/pw'; exec \"\$0\" -r '$REG' --replace-cert --p12 '$W/m3.p12' --key-password fd:3" "$SVCCTL"
eq "$(stored)" "$M3"
eq "$(served)" "$M3"

# --- a PKCS#12 from a CA the node does not trust, with --root-cert ---------
"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$W/oca.key" -out "$W/oca.pem" -days 30 \
    -subj "/CN=Other CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign 2>/dev/null
"$OPENSSL" req -newkey rsa:2048 -nodes -keyout "$W/o.key" -out "$W/o.csr" -subj "/CN=$FQDN" 2>/dev/null
printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n' "$FQDN" >"$W/o.ext"
"$OPENSSL" x509 -req -in "$W/o.csr" -CA "$W/oca.pem" -CAkey "$W/oca.key" -CAcreateserial \
    -out "$W/o.crt" -days 60 -extfile "$W/o.ext" 2>/dev/null
p12 "$W/o.p12" -in "$W/o.crt" -inkey "$W/o.key"
t "an untrusted chain refused (5)"
expect_rc 5 S --replace-cert --p12 "$W/o.p12" --key-password "file:$W/pw"
has "$T/err" "does not verify to TRUSTED_ROOTS"
t "with --root-cert it verifies, and the root is added to TRUSTED_ROOTS"
expect_rc 0 S --replace-cert --p12 "$W/o.p12" --key-password "file:$W/pw" --root-cert "$W/oca.pem"
eq "$(served)" "$(fp "$W/o.crt")"
run "$VECS" entry list --store TRUSTED_ROOTS --aliases
has "$T/out" "$(sha1 "$W/oca.pem")"

# --- vecs entry import --p12 --replace -------------------------------------------
t "vecs entry import --p12 --replace still replaces"
expect_rc 0 "$VECS" entry import --store MACHINE_SSL_CERT --alias __MACHINE_CERT --p12 "$W/m2.p12" \
    --password-file "$W/pw" --replace
eq "$(stored)" "$M2"
t "and says that it neither verifies nor restarts"
has "$T/err" "svcctl --replace-cert --p12"
t "without --replace, no such note"
"$VECS" store create --name P12 >/dev/null
expect_rc 0 "$VECS" entry import --store P12 --alias x --p12 "$W/m2.p12" --password-file "$W/pw"
hasnt "$T/err" "svcctl"

finish
