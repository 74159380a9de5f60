#!/bin/sh
# A new VMCA root is trusted (issue 10): certool --selfca and --rootca add
# the VMCA's chain to TRUSTED_ROOTS and publish it in the CA directory, the
# previous roots stay, and certool --publish-roots and vecs force-refresh
# put it back.  --selfca runs with defaults only (the vSphere API's
# VmcaRoot defaults, 3072 bits) and honours certool.cfg's root fields.
# VMware's certool procedure "Regenerate a New VMCA Root Certificate"
# (--genselfcacert, then --rootca) runs as written and ends with
# `openssl verify -CApath` succeeding.  Checked with openssl and vecs.
. "$top_srcdir/tests/lib.sh"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"
. "$top_srcdir/tests/e2e/certool_lib.sh"
CERTKIT_FQDN=node1.example.test
export CERTKIT_FQDN

sha1() { "$OPENSSL" x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
aliases() { "$VECS" entry list --store TRUSTED_ROOTS --aliases 2>/dev/null | tail -n +2; }
subject() { "$OPENSSL" x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }

t "--publish-roots with no VMCA root: 70000"
fails 70000 "$CERTOOL" --publish-roots
has "$T/err" "no VMCA root"

# --- --selfca with defaults only -----------------------------------------
t "--selfca with no certool.cfg and no --config runs on defaults"
mkdir "$W/empty" && cd "$W/empty" || exit 99
succeeds "$CERTOOL" --selfca
has "$T/out" "Using config file : none (defaults)"
has "$T/out" "Root added to TRUSTED_ROOTS"
cd "$W" || exit 99
expect_rc 0 "$CERTOOL" --getrootca --cert="$W/root1.pem"
t "the API's VmcaRoot defaults: CN = the node's FQDN, O=VMware, C=US, ST, L, DC"
eq "$(subject "$W/root1.pem")" "O=VMware,L=Palo Alto,ST=California,C=US,DC=local,DC=vsphere,CN=node1.example.test"
t "3072-bit key by default"
"$OPENSSL" x509 -in "$W/root1.pem" -noout -text >"$T/text"
has "$T/text" "Public-Key: (3072 bit)"
t "the root is in TRUSTED_ROOTS under its SHA-1 thumbprint"
eq "$(aliases)" "$(sha1 "$W/root1.pem")"
t "and published in the CA directory: openssl verify -CApath"
CAPATH=$(dirname "$(find "$CERTKIT_ROOT" -name .certkit-published | head -1)")
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/root1.pem"
present "$CAPATH/$("$OPENSSL" x509 -in "$W/root1.pem" -noout -hash).0"

t "a certificate it issues verifies with -CApath at once"
expect_rc 0 "$CERTOOL" --genkey --privkey="$W/h1.key" --pubkey="$W/h1.pub"
expect_rc 0 "$CERTOOL" --gencert --privkey="$W/h1.key" --cert="$W/h1.crt" --config=host.cfg
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/h1.crt"

# --- Regenerate a New VMCA Root Certificate, as VMware's docs write it ---------
cat >"$W/newroot.cfg" <<'CFG'
Country = DE
Name = New Root CA
Organization = Example AG
OrgUnit = IT Security
State = Bayern
Locality = Muenchen
CFG
t "--genselfcacert --outprivkey --outcert --config (step 1)"
succeeds "$CERTOOL" --genselfcacert --outprivkey="$W/vmcarootcert.key" \
    --outcert="$W/vmcarootcert.crt" --config="$W/newroot.cfg"
t "--rootca --cert --privkey (step 2)"
succeeds "$CERTOOL" --rootca --cert="$W/vmcarootcert.crt" --privkey="$W/vmcarootcert.key"
t "the new root is trusted, the previous one stays"
aliases >"$T/al"
has "$T/al" "$(sha1 "$W/root1.pem")"
has "$T/al" "$(sha1 "$W/vmcarootcert.crt")"
eq "$(wc -l <"$T/al")" 2
t "a certificate from the new root verifies with -CApath"
expect_rc 0 "$CERTOOL" --gencert --privkey="$W/h1.key" --cert="$W/h2.crt" --config=host.cfg
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/h2.crt"
t "and one the previous root issued still does"
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/h1.crt"

# --- --selfca honours certool.cfg's root fields ----------------------------
t "--selfca --config honours Organization, OrgUnit, Locality, State, Country"
succeeds "$CERTOOL" --selfca --config="$W/newroot.cfg" --keysize=2048
expect_rc 0 "$CERTOOL" --getrootca --cert="$W/root3.pem"
eq "$(subject "$W/root3.pem")" "OU=IT Security,O=Example AG,L=Muenchen,ST=Bayern,C=DE,DC=local,DC=vsphere,CN=New Root CA"
t "--keysize still wins"
"$OPENSSL" x509 -in "$W/root3.pem" -noout -text >"$T/text"
has "$T/text" "Public-Key: (2048 bit)"
t "three roots trusted now"
eq "$(aliases | wc -l)" 3
t "running it twice adds nothing twice"
succeeds "$CERTOOL" --publish-roots
has "$T/out" "(0 new)"
eq "$(aliases | wc -l)" 3

# --- --publish-roots and force-refresh put the VMCA's root back --------------
ROOT3=$(sha1 "$W/root3.pem")
t "the admin deletes the current root from TRUSTED_ROOTS"
expect_rc 0 "$VECS" entry delete -y --store TRUSTED_ROOTS --alias "$ROOT3"
expect_rc 2 "$OPENSSL" verify -CApath "$CAPATH" "$W/root3.pem"
t "--publish-roots adds and publishes it again"
succeeds "$CERTOOL" --publish-roots
has "$T/out" "(1 new)"
has "$(aliases >"$T/al"; echo "$T/al")" "$ROOT3"
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/root3.pem"
t "vecs force-refresh does too"
expect_rc 0 "$VECS" entry delete -y --store TRUSTED_ROOTS --alias "$ROOT3"
expect_rc 0 "$VECS" force-refresh
has "$T/out" "Added 1 certificate of the VMCA to [TRUSTED_ROOTS]"
expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$W/root3.pem"
t "and says nothing when there is nothing to add"
expect_rc 0 "$VECS" force-refresh
hasnt "$T/out" "Added"
t "a root that is already trusted under another alias is not added twice"
expect_rc 0 "$VECS" entry delete -y --store TRUSTED_ROOTS --alias "$ROOT3"
expect_rc 0 "$VECS" entry create --store TRUSTED_ROOTS --alias my-root --cert "$W/root3.pem"
succeeds "$CERTOOL" --publish-roots
has "$T/out" "(0 new)"
hasnt "$(aliases >"$T/al"; echo "$T/al")" "$ROOT3"

t "a store that cannot be written: the root is installed, the failure says how to finish"
fails 2 env CERTKIT_VECS_DIR="$W/newroot.cfg" "$CERTOOL" --selfca --config="$W/newroot.cfg" \
    --keysize=2048
has "$T/err" "run certool --publish-roots once this is fixed"
expect_rc 0 "$CERTOOL" --getrootca --cert="$W/root4.pem"
t "(it is installed)"
eq "$(subject "$W/root4.pem")" "$(subject "$W/root3.pem")"
if [ "$(sha1 "$W/root4.pem")" != "$(sha1 "$W/root3.pem")" ]; then ok; else fail "the old root"; fi

finish
