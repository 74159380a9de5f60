#!/bin/sh
# The STS signing certificate (issue 10): svcctl --get-signing-cert
# [--json], --set-signing-cert, --refresh-signing-cert,
# --remove-signing-chain.  Every refusal leaves the store byte for byte as
# it was (mdb_dump); a token service that cannot load the new certificate
# makes the swap roll back; the JSON parses with strict parsers; the chains
# are checked with openssl.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"

appliance
# the token service: loads the active signing certificate from the store
# at start and exits (fails to start) when it is the one named in
# $W/poison, as a service that cannot use a new key would
cat >"$W/stsd" <<EOS
#!/bin/sh
CERTKIT_ROOT='$CERTKIT_ROOT'; export CERTKIT_ROOT
if "$VECS" entry getcert --store STS_SIGNING_CERT --alias __SIGNING_CERT --output '$W/stsd.pem' >/dev/null 2>&1 &&
    [ -s '$W/poison' ] && [ "\$("$OPENSSL" x509 -in '$W/stsd.pem' -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr A-F a-f)" = "\$(cat '$W/poison')" ]; then
	echo "stsd: cannot use the signing key" >&2
	exit 1
fi
: >'$W/stsd.ready'
exec sleep 100000
EOS
chmod +x "$W/stsd"
cat >>"$REG" <<EOR

[service vmware-stsd]
display = Security Token Service
start = exec $W/stsd
stop = rm -f $W/stsd.ready; kill \$CK_PID
probe = file:$W/stsd.ready
start_timeout = 10s
requires = vmdird
stop_timeout = 2s
EOR

VDIR=$(dirname "$(find "$CERTKIT_ROOT" -name data.mdb | grep -v vmca | head -1)")
# dump: the whole store, every named database, for before/after comparisons
dump() { mdb_dump -a "$VDIR" >"$1"; }
# unchanged: the store is byte for byte what $T/before holds
unchanged() { dump "$T/after"; same "$T/before" "$T/after"; }
json() { "$SVCCTL" --get-signing-cert --json >"$T/json" 2>"$T/err" || { fail "--json failed"; return; }
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/json" && jq -e . "$T/json" >/dev/null &&
	    ok || fail "strict JSON parse"; }
# q EXPR: evaluate a python expression over the parsed JSON (as j)
q() { python3 -c 'import json,sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/json" "$1"; }
command -v mdb_dump >/dev/null 2>&1 || skip "mdb_dump not installed (lmdb-utils)"
command -v jq >/dev/null 2>&1 || skip "jq not installed"

t "start the appliance (with a token service)"
expect_rc 0 S --start --all

# --- nothing set yet ---------------------------------------------------------
t "get with nothing set"
expect_rc 0 S --get-signing-cert
has "$T/out" "Active signing certificate: none"
t "JSON with nothing set parses strictly"; json
t "active_cert_chain is null"; eq "$(q 'j["active_cert_chain"]')" None
t "no validating chains"; eq "$(q 'len(j["signing_cert_chains"])')" 0

# --- refresh: the VMCA issues the first one ------------------------------------
t "refresh --dry-run changes nothing"
dump "$T/before"
expect_rc 0 S --refresh-signing-cert --dry-run
has "$T/out" "plan: 4. replace STS_SIGNING_CERT/__SIGNING_CERT"
has "$T/out" "dry run: nothing was changed"
unchanged

t "refresh: a new VMCA-issued signing certificate, active at once"
expect_rc 0 S --refresh-signing-cert
has "$T/out" "==> stopping all services"
has "$T/out" "==> starting all services"
has "$T/out" "ok: the key usage allows digitalSignature"
t "refresh prints the new chain"
sed -n '/-----BEGIN CERTIFICATE-----/,$p' "$T/out" >"$W/r1.chain"
"$OPENSSL" x509 -in "$W/r1.chain" -out "$W/r1.pem" 2>/dev/null
present "$W/r1.pem"
t "its leaf is CN=STS, from the VMCA, RSA 3072, digitalSignature"
"$OPENSSL" x509 -in "$W/r1.pem" -noout -text >"$T/text"
has "$T/text" "Subject: CN = STS"
has "$T/text" "Public-Key: (3072 bit)"
has "$T/text" "Digital Signature"
t "it verifies to the VMCA root (openssl verify)"
expect_rc 0 "$OPENSSL" verify -CAfile "$W/root.pem" "$W/r1.pem"
t "the chain printed runs leaf to root"
eq "$(grep -c 'BEGIN CERTIFICATE' "$W/r1.chain")" 2
sed -n '/-----END CERTIFICATE-----/,$p' "$W/r1.chain" | sed 1d >"$W/r1.root"
eq "$(fp "$W/r1.root")" "$(fp "$W/root.pem")"
t "the token service runs with it"
expect_rc 0 S --status vmware-stsd
has "$T/out" "Running:"
eq "$(fp "$W/stsd.pem")" "$(fp "$W/r1.pem")"
t "its lifetime is the API's 10 years, capped at the VMCA root's notAfter"
eq "$("$OPENSSL" x509 -in "$W/r1.pem" -noout -enddate)" "$("$OPENSSL" x509 -in "$W/root.pem" -noout -enddate)"
t "the store is VECS's STS_SIGNING_CERT, the key entry 0600 on disk"
expect_rc 0 "$VECS" store list
has "$T/out" "STS_SIGNING_CERT"
mode "$VDIR/data.mdb" 600
t "the VMCA index knows the new certificate"
expect_rc 0 "$CERTOOL" --status --cert="$W/r1.pem"
has "$T/out" "ACTIVE"

# --- set: files -------------------------------------------------------------------
cat >"$W/sts.cfg" <<EOC
Country = US
Name = STS
Organization = certkit tests
Hostname = $FQDN
EOC
for n in 1 2 3; do
	"$CERTOOL" --genkey --privkey="$W/s$n.key" --pubkey="$W/s$n.pub" >/dev/null
	"$CERTOOL" --gencert --privkey="$W/s$n.key" --cert="$W/s$n.crt" --config="$W/sts.cfg" >/dev/null
done
t "set s1 (chain + PKCS#8 key)"
expect_rc 0 S --set-signing-cert --cert "$W/s1.crt" --key "$W/s1.key"
has "$T/out" "ok: the chain verifies to TRUSTED_ROOTS (2 certificates, leaf to root)"
has "$T/out" "which stays in the list of chains that validate tokens"
t "get: s1 active, the refreshed one still validates"
expect_rc 0 S --get-signing-cert
has "$T/out" "Chains that validate tokens: 2"
has "$T/out" "1. STS_SIGNING_CERT/__SIGNING_CERT (active)"
has "$T/out" "2. STS_SIGNING_CERT/TrustedCertChain-1"
has "$T/out" "SHA-1: $(sha1 "$W/s1.crt")"
has "$T/out" "SHA-1: $(sha1 "$W/r1.pem")"
t "JSON parses strictly"; json
t "JSON: the active chain is s1, leaf first"
eq "$(q 'j["active_cert_chain"]["certificates"][0]["thumbprint"]')" "$(sha1 "$W/s1.crt")"
t "JSON: the validating list starts with the active chain"
eq "$(q '[c["alias"] for c in j["signing_cert_chains"]]')" "['__SIGNING_CERT', 'TrustedCertChain-1']"
eq "$(q 'j["signing_cert_chains"][1]["certificates"][0]["thumbprint"]')" "$(sha1 "$W/r1.pem")"
t "JSON: times are RFC 3339"
q 'j["active_cert_chain"]["certificates"][0]["valid_to"]' | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' && ok || fail "valid_to not RFC 3339"
t "JSON: cert_chain holds PEM, the leaf first"
q 'j["active_cert_chain"]["cert_chain"][0]' >"$W/j.pem"
eq "$(fp "$W/j.pem")" "$(fp "$W/s1.crt")"
t "the previous entry is backed up with its key"
expect_rc 0 "$VECS" entry getkey --store BACKUP_STORE --alias bkp___SIGNING_CERT
has "$T/out" "PRIVATE KEY"

# --- refusals: nothing changes ----------------------------------------------------
dump "$T/before"
t "wrong key refused (5)"
expect_rc 5 S --set-signing-cert --cert "$W/s2.crt" --key "$W/s3.key"
has "$T/err" "does not match"
unchanged

"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$W/oca.key" -out "$W/oca.pem" -days 30 \
    -subj "/CN=Other CA" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign 2>/dev/null
"$OPENSSL" req -newkey rsa:2048 -nodes -keyout "$W/o.key" -out "$W/o.csr" -subj "/CN=STS" 2>/dev/null
printf 'keyUsage=digitalSignature\n' >"$W/ds.ext"
"$OPENSSL" x509 -req -in "$W/o.csr" -CA "$W/oca.pem" -CAkey "$W/oca.key" -CAcreateserial \
    -out "$W/o.crt" -days 60 -extfile "$W/ds.ext" 2>/dev/null
cat "$W/o.crt" "$W/oca.pem" >"$W/o.chain"
t "a chain that does not verify to TRUSTED_ROOTS refused (5), even with its root in it"
expect_rc 5 S --set-signing-cert --cert "$W/o.chain" --key "$W/o.key"
has "$T/err" "does not verify to TRUSTED_ROOTS"
unchanged

VMCA_KEY=$(find "$CERTKIT_ROOT" -name privatekey.pem | head -1)
printf 'keyUsage=keyEncipherment\n' >"$W/ke.ext"
"$OPENSSL" x509 -req -in "$W/o.csr" -CA "$W/root.pem" -CAkey "$VMCA_KEY" -CAcreateserial \
    -out "$W/ke.crt" -days 60 -extfile "$W/ke.ext" 2>/dev/null
t "a leaf whose key usage lacks digitalSignature refused (5)"
expect_rc 5 S --set-signing-cert --cert "$W/ke.crt" --key "$W/o.key"
has "$T/err" "does not allow digitalSignature"
unchanged

"$OPENSSL" pkcs8 -topk8 -v2 aes-256-cbc -in "$W/s2.key" -out "$W/s2enc.key" -passout pass:secret
t "an encrypted PKCS#8 key refused (5)"
expect_rc 5 S --set-signing-cert --cert "$W/s2.crt" --key "$W/s2enc.key"
has "$T/err" "encrypted"
unchanged

"$OPENSSL" pkey -in "$W/s2.key" -traditional -out "$W/s2rsa.key" 2>/dev/null
t "a key that is not PKCS#8 refused (5)"
expect_rc 5 S --set-signing-cert --cert "$W/s2.crt" --key "$W/s2rsa.key"
has "$T/err" "not an unencrypted PKCS#8 key"
unchanged

t "an expired leaf refused (5)"
CERTKIT_FAKE_NOW=$(( $(date +%s) + 800 * 86400 )) expect_rc 5 S --set-signing-cert --cert "$W/s2.crt" --key "$W/s2.key"
has "$T/err" "expired"
unchanged

t "a missing chain file: NotFound (6)"
expect_rc 6 S --set-signing-cert --cert "$W/nope.crt" --key "$W/s2.key"
has "$T/err" "nope.crt"
t "a missing key file: NotFound (6)"
expect_rc 6 S --set-signing-cert --cert "$W/s2.crt" --key "$W/nope.key"
has "$T/err" "nope.key"
unchanged

t "the active one again: AlreadyExists (7)"
expect_rc 7 S --set-signing-cert --cert "$W/s1.crt" --key "$W/s1.key"
unchanged

t "usage: --set-signing-cert without --key (2)"
expect_rc 2 S --set-signing-cert --cert "$W/s2.crt"
t "usage: --json with --refresh-signing-cert (2)"
expect_rc 2 S --refresh-signing-cert --json
t "usage: --key-password is not taken (the key is unencrypted) (2)"
expect_rc 2 S --set-signing-cert --cert "$W/s2.crt" --key "$W/s2.key" --key-password env:X
t "usage: --cert with --refresh-signing-cert (2)"
expect_rc 2 S --refresh-signing-cert --cert "$W/s2.crt"
t "usage: two actions (2)"
expect_rc 2 S --get-signing-cert --refresh-signing-cert
t "usage: service names with --get-signing-cert (2)"
expect_rc 2 S --get-signing-cert vmware-stsd
t "no journal after the refusals"
expect_rc 0 S --status
hasnt "$T/err" "interrupted"
unchanged

# --- rollback: the token service cannot use the new key ------------------------------
sha1 "$W/s2.crt" >"$W/poison"
t "set s2, which the token service refuses: rolled back (10)"
expect_rc 10 S --set-signing-cert --cert "$W/s2.crt" --key "$W/s2.key"
has "$T/out" "rollback: restoring STS_SIGNING_CERT/__SIGNING_CERT $(sha1 "$W/s1.crt")"
has "$T/err" "the previous signing certificate is active again"
t "s1 is active again, and the token service runs with it"
expect_rc 0 S --get-signing-cert --json
json
eq "$(q 'j["active_cert_chain"]["certificates"][0]["thumbprint"]')" "$(sha1 "$W/s1.crt")"
expect_rc 0 S --status vmware-stsd
has "$T/out" "Running:"
eq "$(fp "$W/stsd.pem")" "$(fp "$W/s1.crt")"
t "s2, active for a moment, still validates what it may have signed; s1 is listed once"
eq "$(q '[c["certificates"][0]["thumbprint"] for c in j["signing_cert_chains"]].count("'"$(sha1 "$W/s1.crt")"'")')" 1
q '[c["certificates"][0]["thumbprint"] for c in j["signing_cert_chains"]]' | grep -q "$(sha1 "$W/s2.crt")" && ok || fail "s2 not validating"
t "no journal is left"
expect_rc 0 S --status
hasnt "$T/err" "interrupted"
rm -f "$W/poison"

# --- a swap killed halfway is finished by --resume, or undone by --rollback -------------
t "killed after the swap phase, --resume finishes it"
CERTKIT_TEST_KILL_AT=start expect_rc 137 S --set-signing-cert --cert "$W/s3.crt" --key "$W/s3.key"
# 8: a swap is pending (svcctl(8) EXIT STATUS)
expect_rc 8 S --status
has "$T/err" "STS_SIGNING_CERT/__SIGNING_CERT"
expect_rc 0 S --resume
expect_rc 0 S --get-signing-cert --json
json
eq "$(q 'j["active_cert_chain"]["certificates"][0]["thumbprint"]')" "$(sha1 "$W/s3.crt")"
t "killed again, --rollback puts the previous one back"
CERTKIT_TEST_KILL_AT=start expect_rc 137 S --set-signing-cert --cert "$W/s2.crt" --key "$W/s2.key"
expect_rc 0 S --rollback
json
eq "$(q 'j["active_cert_chain"]["certificates"][0]["thumbprint"]')" "$(sha1 "$W/s3.crt")"

# --- remove a validating chain -------------------------------------------------------------
t "the active entry cannot be removed (5)"
dump "$T/before"
expect_rc 5 S --remove-signing-chain __SIGNING_CERT
has "$T/err" "active signing certificate"
unchanged
t "an unknown chain: NotFound (6)"
expect_rc 6 S --remove-signing-chain TrustedCertChain-99
unchanged
t "remove TrustedCertChain-1 (the refreshed one)"
expect_rc 0 S --remove-signing-chain TrustedCertChain-1
json
q '[c["alias"] for c in j["signing_cert_chains"]]' | grep -q "TrustedCertChain-1'" && fail "still listed" || ok
t "the active chain is untouched"
eq "$(q 'j["active_cert_chain"]["certificates"][0]["thumbprint"]')" "$(sha1 "$W/s3.crt")"

finish
