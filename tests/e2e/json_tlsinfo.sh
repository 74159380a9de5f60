#!/bin/sh
# Tls.Info JSON (issue 10, issue 13): vecs entry getcert --json and certool
# --viewcert/--status/--enumcert --json print the vSphere API's fields
# (these names, lists as JSON arrays), parsed with a strict parser
# (python3's json, which refuses NaN, trailing text and bad escapes); the
# output is valid UTF-8 even for a certificate whose names hold bytes that
# are not; every time is RFC 3339 (entry list --json's too).
. "$top_srcdir/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip "python3 not found"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"
. "$top_srcdir/tests/e2e/certool_lib.sh"
CERTKIT_FQDN=node1.example.test
export CERTKIT_FQDN

# jcheck FILE PYEXPR...: FILE parses strictly as UTF-8 JSON (j) and each
# Python expression over j is true
jcheck() {
	_f=$1; shift
	if python3 - "$_f" "$@" <<'PY'; then ok; else fail "$_f: $*"; fi
import json, re, sys
def strict(c): raise ValueError("bad constant " + c)
raw = open(sys.argv[1], 'rb').read()
j = json.loads(raw.decode('utf-8'), parse_constant=strict)
rfc3339 = lambda s: re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', s) is not None
FIELDS = ['version', 'serial_number', 'signature_algorithm', 'issuer_dn', 'valid_from',
    'valid_to', 'subject_dn', 'thumbprint', 'is_ca', 'path_length_constraint', 'key_usage',
    'extended_key_usage', 'subject_alternative_name', 'authority_information_access_uri', 'cert']
def tls(o): return all(k in o for k in FIELDS) and rfc3339(o['valid_from']) and \
    rfc3339(o['valid_to']) and all(isinstance(o[k], list) for k in FIELDS[10:14])
for e in sys.argv[2:]:
    if not eval(e):
        print('# false: ' + e); sys.exit(1)
PY
}

succeeds "$CERTOOL" --selfca --config=ca.cfg
expect_rc 0 "$CERTOOL" --genkey --privkey=h.key --pubkey=h.pub
expect_rc 0 "$CERTOOL" --gencert --privkey=h.key --cert=h.crt --config=host.cfg --aia-url=http://ca.example.test/ca.cer
sha1=$("$OPENSSL" x509 -in h.crt -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
sha256=$("$OPENSSL" x509 -in h.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
serial=$("$OPENSSL" x509 -in h.crt -noout -serial | sed 's/.*=//' | tr 'A-F' 'a-f')

t "certool --viewcert --json: Tls.Info, nothing else on stdout"
run "$CERTOOL" --viewcert --cert=h.crt --json
eq "$rc" 0
cp "$T/out" "$W/view.json"
jcheck "$W/view.json" "tls(j)" "j['version'] == 3" "j['serial_number'] == '$serial'" \
    "j['signature_algorithm'] == 'sha256WithRSAEncryption'" \
    "j['subject_dn'] == 'OU=OU1,O=Org,L=PA,ST=CA,C=US,CN=host1'" \
    "j['thumbprint'] == '$sha1'" "j['thumbprint_sha256'] == '$sha256'" \
    "j['is_ca'] is False" "j['path_length_constraint'] == -1" \
    "j['key_usage'] == ['digitalSignature', 'nonRepudiation', 'keyEncipherment']" \
    "j['subject_alternative_name'] == ['a@example.com', '10.0.0.5', 'host1.example.com']" \
    "j['authority_information_access_uri'] == ['http://ca.example.test/ca.cer']" \
    "j['cert'].startswith('-----BEGIN CERTIFICATE-----')"
has "$T/err" "Status : Success"
t "the VMCA root: a CA, pathlen 0, keyCertSign and cRLSign"
run "$CERTOOL" --viewcert --cert="$VMCA_DATA_DIR/root.cer" --json
jcheck "$T/out" "tls(j)" "j['is_ca'] is True" "j['path_length_constraint'] == 0" \
    "j['key_usage'] == ['keyCertSign', 'cRLSign']" "j['issuer_dn'] == j['subject_dn']"
t "--viewcert --json of a missing file: the failure on stderr, nothing on stdout"
run "$CERTOOL" --viewcert --cert=none.crt --json
eq "$rc" 2
eq "$(wc -c <"$T/out")" 0
has "$T/err" "Status : Failed"

t "certool --status --json: status and Tls.Info"
run "$CERTOOL" --status --cert=h.crt --json
jcheck "$T/out" "tls(j)" "j['status'] == 'ACTIVE'" "j['thumbprint'] == '$sha1'"
t "certool --enumcert --json: an array"
run "$CERTOOL" --enumcert --filter=all --json
jcheck "$T/out" "isinstance(j, list)" "len(j) == 1" "tls(j[0])" "j[0]['status'] == 'ACTIVE'"
expect_rc 0 "$CERTOOL" --revokecert --cert=h.crt
run "$CERTOOL" --enumcert --filter=active --json
jcheck "$T/out" "j == []"
run "$CERTOOL" --enumcert --filter=revoked --json
jcheck "$T/out" "j[0]['status'] == 'REVOKED'"

t "vecs entry getcert --json"
expect_rc 0 "$VECS" entry create --store TRUSTED_ROOTS --alias leaf --cert h.crt
expect_rc 0 "$VECS" entry getcert --store TRUSTED_ROOTS --alias leaf --json
jcheck "$T/out" "tls(j)" "j['thumbprint'] == '$sha1'" "j['extended_key_usage'] == []"
t "the same fields as certool's"
python3 -c "import json,sys; a=json.load(open('$T/out')); b=json.load(open('$W/view.json')); sys.exit(a != b)" && ok || fail "differ"
t "--json with --text: syntax error"
expect_rc 87 "$VECS" entry getcert --store TRUSTED_ROOTS --alias leaf --json --text
t "--json of a CRL entry: 87"
"$CERTOOL" --gencrl >/dev/null && "$CERTOOL" --getcrl --crl=c.crl >/dev/null
expect_rc 0 "$VECS" entry create --store TRUSTED_ROOT_CRLS --alias crl --crl c.crl
expect_rc 87 "$VECS" entry getcert --store TRUSTED_ROOT_CRLS --alias crl --json

t "entry list --json: created and not_after in RFC 3339"
expect_rc 0 "$VECS" entry list --store TRUSTED_ROOTS --json
jcheck "$T/out" "all(rfc3339(e['created']) and rfc3339(e['not_after']) for e in j['entries'])"

# --- bytes that are not UTF-8 ----------------------------------------------
t "a certificate whose names are not UTF-8: still valid UTF-8 JSON"
printf '[req]\ndistinguished_name=dn\nprompt=no\nstring_mask=nombstr\n[dn]\nCN=bad\\xff\\xfename\nO=caf\\xc3\\xa9\n' >bad.cnf
if "$OPENSSL" req -x509 -new -newkey rsa:2048 -nodes -keyout bad.key -out bad.crt -config bad.cnf \
    -days 2 >/dev/null 2>&1; then
	run "$CERTOOL" --viewcert --cert=bad.crt --json
	jcheck "$T/out" "tls(j)" "'name' in j['subject_dn']"
	expect_rc 0 "$VECS" entry create --store TRUSTED_ROOTS --alias bad --cert bad.crt
	expect_rc 0 "$VECS" entry getcert --store TRUSTED_ROOTS --alias bad --json
	jcheck "$T/out" "tls(j)"
else
	echo "# openssl could not make the certificate: skipped"
fi

t "--json is in --help and certool(1), and in vecs(1)"
expect_rc 0 "$CERTOOL" --help=options
has "$T/out" "--json"
has "$top_srcdir/man/certool.1" "It Fl Ns Fl json"
has "$top_srcdir/man/vecs.1" "Op Fl -text | Fl -json"

finish
