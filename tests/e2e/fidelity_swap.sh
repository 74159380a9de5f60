#!/bin/sh
# VMware's procedures run as written against a node whose VMCA root is
# brand new (issue 10): "Regenerate a New VMCA Root Certificate"
# (certool --genselfcacert, certool --rootca) then "Replace Machine SSL
# Certificates with VMCA-Signed Certificates" (certool --genkey,
# --gencert), the swap done by certkit(7)'s "in one command" recipe:
# svcctl --replace-cert accepts the new certificate without any manual
# TRUSTED_ROOTS step, and the proxy serves it.  The appliance's own VMCA
# (tests/e2e/svcctl_pki.sh) is itself trusted only through certool --selfca.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

appliance
CAPATH=$(dirname "$(find "$CERTKIT_ROOT" -name .certkit-published | head -1)")

t "a fresh VMCA: its root was trusted by --selfca alone"
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/m1.crt"
t "start the appliance"
expect_rc 0 S --start --all
eq "$(served)" "$(fp "$W/m1.crt")"

t "certkit(7) in one command, on that fresh VMCA: dry run, then the swap"
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key" --dry-run
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
eq "$(served)" "$(fp "$W/m2.crt")"

# --- Regenerate a New VMCA Root Certificate ------------------------------
cat >"$W/newroot.cfg" <<'CFG'
Country = US
Name = Regenerated Root
Organization = certkit tests
State = California
Locality = Palo Alto
CFG
t "step 1: certool --genselfcacert"
expect_rc 0 "$CERTOOL" --genselfcacert --outprivkey="$W/vmcarootcert.key" \
    --outcert="$W/vmcarootcert.crt" --config="$W/newroot.cfg"
t "step 2: certool --rootca"
expect_rc 0 "$CERTOOL" --rootca --cert="$W/vmcarootcert.crt" --privkey="$W/vmcarootcert.key"
has "$T/out" "Status : Success"
t "the new root verifies with -CApath"
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/vmcarootcert.crt"

# --- Replace Machine SSL Certificates with VMCA-Signed Certificates ------------
t "certool --genkey and --gencert from the new root"
expect_rc 0 "$CERTOOL" --genkey --privkey="$W/new_ssl.priv" --pubkey="$W/new_ssl.pub"
expect_rc 0 "$CERTOOL" --gencert --cert="$W/new_ssl.crt" --privkey="$W/new_ssl.priv" --config="$W/m.cfg"
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/new_ssl.crt"
t "svcctl --replace-cert accepts it and the proxy serves it"
expect_rc 0 S --replace-cert --cert "$W/new_ssl.crt" --key "$W/new_ssl.priv"
eq "$(served)" "$(fp "$W/new_ssl.crt")"
t "a certificate of the previous root still verifies"
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/m2.crt"
t "the previous root's certificate can be swapped back in"
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key" --dry-run

# --- the API's ReplaceSpec defaults and SHA-256 thumbprints ----------------------
t "--vmca-config with neither Name nor Hostname: CN and SAN are the node's FQDN"
printf 'Country = US\nOrganization = certkit tests\n' >"$W/bare.cfg"
expect_rc 0 S --replace-cert --vmca-config "$W/bare.cfg"
stored >/dev/null
"$OPENSSL" x509 -in "$W/got.pem" -noout -text >"$T/text"
has "$T/text" "Subject: CN = $FQDN, C = US, O = certkit tests"
has "$T/text" "DNS:$FQDN"
eq "$(served)" "$(fp "$W/got.pem")"
t "the swap prints the SHA-256 thumbprints next to the SHA-1 ones"
cat "$T/out" "$T/err" >"$T/all"
has "$T/all" "ok: new SHA-256 thumbprint $(fp "$W/got.pem") (current $(fp "$W/new_ssl.crt"))"
has "$T/all" "done: SHA-256 thumbprint $(fp "$W/got.pem") (previous $(fp "$W/new_ssl.crt"))"

finish
