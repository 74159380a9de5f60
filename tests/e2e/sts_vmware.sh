#!/bin/sh
# VMware's published procedure "Generate a New STS Signing Certificate"
# (vSphere 7.0, Authentication guide), run step by step as written, with
# certkit's certool in place of /usr/lib/vmware-vmca/bin/certool, the
# VMCA root from certool --getrootca in place of
# /etc/vmware-sso/keys/ssoserverRoot.crt, and the import step ("Refresh
# the Security Token Service Certificate" with the new PEM) done with
# svcctl --set-signing-cert.  Then checked with openssl and vecs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"

appliance
t "the appliance runs, with the signing certificate it was installed with"
expect_rc 0 S --start --all
expect_rc 0 S --refresh-signing-cert
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$T/out" >"$W/old.pem"
present "$W/old.pem"

# 1. Create a top-level directory to hold the new certificate
mkdir "$T/newsts" && cd "$T/newsts" || exit 1
# 2. Copy the certool.cfg file into the new directory
t "2. copy certool.cfg"
expect_rc 0 cp "$top_srcdir/share/config/certool.cfg" "$T/newsts"
# 3. Edit it to use the local vCenter Server IP address and hostname
cat >"$T/newsts/certool.cfg" <<'EOC'
# Template file for a CSR request
# Country is needed and has to be 2 characters
Country = US
Name = STS
Organization = ExampleInc
OrgUnit = ExampleInc Dev
State = Indiana
Locality = Indianapolis
IPAddress =
Email = chen@exampleinc.com
Hostname = homecenter.exampleinc.local
EOC
t "4. generate the key (certool --server localhost --genkey)"
expect_rc 0 "$CERTOOL" --server localhost --genkey --privkey="$T/newsts/sts.key" --pubkey="$T/newsts/sts.pub"
t "5. generate the certificate (certool --gencert)"
expect_rc 0 "$CERTOOL" --gencert --cert="$T/newsts/newsts.cer" --privkey="$T/newsts/sts.key" \
    --config="$T/newsts/certool.cfg"
t "6. a PEM file with the certificate chain and private key"
"$CERTOOL" --getrootca --cert="$T/newsts/ssoserverRoot.crt" >/dev/null
cat newsts.cer ssoserverRoot.crt sts.key > newsts.pem
has newsts.pem "BEGIN PRIVATE KEY"

t "import: the PEM file as chain and key, services restarted"
expect_rc 0 S --set-signing-cert --cert newsts.pem --key newsts.pem
has "$T/out" "==> stopping all services"
has "$T/out" "==> starting all services"
t "every service runs again"
expect_rc 0 S --status --all
hasnt "$T/out" "Stopped:"

# --- checked independently ------------------------------------------------
t "the new certificate is the active one (vecs)"
expect_rc 0 "$VECS" entry getcert --store STS_SIGNING_CERT --alias __SIGNING_CERT --output "$W/active.pem"
eq "$(fp "$W/active.pem")" "$(fp newsts.cer)"
t "stored with its whole chain, leaf to root"
eq "$(grep -c 'BEGIN CERTIFICATE' "$W/active.pem")" 2
sed -n '/-----END CERTIFICATE-----/,$p' "$W/active.pem" | sed 1d >"$W/active.root"
eq "$(fp "$W/active.root")" "$(fp ssoserverRoot.crt)"
t "with the procedure's key (vecs entry getkey)"
expect_rc 0 "$VECS" entry getkey --store STS_SIGNING_CERT --alias __SIGNING_CERT --output "$W/active.key"
eq "$("$OPENSSL" pkey -in "$W/active.key" -pubout | "$OPENSSL" sha256)" \
    "$("$OPENSSL" pkey -in sts.key -pubout | "$OPENSSL" sha256)"
t "the key is PKCS#8, unencrypted"
has "$W/active.key" "BEGIN PRIVATE KEY"
t "the leaf verifies to the VMCA root and may sign (openssl)"
expect_rc 0 "$OPENSSL" verify -CAfile ssoserverRoot.crt newsts.cer
"$OPENSSL" x509 -in newsts.cer -noout -text >"$T/text"
has "$T/text" "Digital Signature"
has "$T/text" "CN = STS"
t "tokens the previous certificate signed keep validating"
"$SVCCTL" --get-signing-cert --json >"$W/sts.json"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$W/sts.json" && ok || fail "JSON does not parse"
python3 - "$W/sts.json" "$(sha1 newsts.cer)" "$(sha1 "$W/old.pem")" <<'EOP' >"$T/out" 2>&1 && ok || fail "validating chains: $(cat "$T/out")"
import json, sys
j = json.load(open(sys.argv[1]))
tp = [c["certificates"][0]["thumbprint"] for c in j["signing_cert_chains"]]
assert tp == [sys.argv[2], sys.argv[3]], tp
assert j["active_cert_chain"]["certificates"][0]["thumbprint"] == sys.argv[2]
EOP
t "the previous entry is kept in BACKUP_STORE"
expect_rc 0 "$VECS" entry getcert --store BACKUP_STORE --alias bkp___SIGNING_CERT --output "$W/bkp.pem"
eq "$(fp "$W/bkp.pem")" "$(fp "$W/old.pem")"

finish
