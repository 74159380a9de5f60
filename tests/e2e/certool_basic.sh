#!/bin/sh
# certool_basic.sh: help, parsing, keys, config errors, viewing
# (specs/certool.md section 7 cases 1-8, 24, 25, 33, 38 and the parser rules).
. "$top_srcdir/tests/e2e/certool_lib.sh"

t "1: no arguments prints help, exit 0"
expect_rc 0 "$CERTOOL"
has "$T/out" "--gencert"
hasnt "$T/out" "Status :"

t "2: --help=functions lists the functions"
expect_rc 0 "$CERTOOL" --help=functions
for c in genkey gencert viewcert getrootca enumcert genselfcacert gencertfromcsr renewcert; do
	has "$T/out" "--$c"
done
hasnt "$T/out" "--selfca"
t "2: --help=config lists all ten keys"
expect_rc 0 "$CERTOOL" --help=config
for k in Name DomainComponent Country State Locality Organization OrgUnit Email IPAddress Hostname; do
	has "$T/out" "--$k="
done
t "2: --help init (older form) works like --help=init"
expect_rc 0 "$CERTOOL" --help init
has "$T/out" "--selfca"
hasnt "$T/out" "--genkey"
t "2: --help=files and --help=options"
expect_rc 0 "$CERTOOL" --help=files
has "$T/out" "--chain="
expect_rc 0 "$CERTOOL" --help=options
has "$T/out" "--password-file="
expect_rc 0 "$CERTOOL" --help=connection
has "$T/out" "--server=HOST"
t "2: every option of --help is in the man page"
"$CERTOOL" --help >"$T/help"
for o in $(sed -n 's/^  --\([A-Za-z0-9-]*\).*/\1/p' "$T/help"); do
	if grep -q -- "Fl $o\b" "$top_srcdir/man/certool.1"; then ok; else fail "certool.1 lacks --$o"; fi
done
t "2: an unknown help group is an error"
parse_error "$CERTOOL" --help=bogus

t "3: genkey writes PKCS#8 and PKCS#1"
succeeds "$CERTOOL" --genkey --privkey=k --pubkey=p
mode k 600
eq "$(head -1 k)" "-----BEGIN PRIVATE KEY-----"
"$OPENSSL" pkey -in k -noout -text >"$T/text"
has "$T/text" "Private-Key: (2048 bit"
has "$T/text" "publicExponent: 65537"
eq "$(head -1 p)" "-----BEGIN RSA PUBLIC KEY-----"
run "$OPENSSL" rsa -RSAPublicKey_in -in p -noout -modulus
eq "$(cat "$T/out")" "$("$OPENSSL" rsa -in k -noout -modulus)"

t "4: genkey without --privkey fails 70003"
fails 70003 "$CERTOOL" --genkey --pubkey=p4
has "$T/err" "--privkey"
absent p4

t "5: genkey with --privkey alone (vSphere form) succeeds"
succeeds "$CERTOOL" --genkey --privkey=k5
present k5

t "genkey: EC P-256 and P-384, RSA 3072; public key as SPKI for EC"
succeeds "$CERTOOL" --genkey --keytype=ec --privkey=ec256 --pubkey=ec256.pub
"$OPENSSL" pkey -in ec256 -noout -text >"$T/text"
has "$T/text" "NIST CURVE: P-256"
eq "$(head -1 ec256.pub)" "-----BEGIN PUBLIC KEY-----"
succeeds "$CERTOOL" --genkey --keytype ec --keysize 384 --privkey=ec384
"$OPENSSL" pkey -in ec384 -noout -text >"$T/text"
has "$T/text" "NIST CURVE: P-384"
succeeds "$CERTOOL" --genkey --keysize=3072 --privkey=k3072
"$OPENSSL" pkey -in k3072 -noout -text >"$T/text"
has "$T/text" "(3072 bit"
t "genkey: bad key sizes and types"
fails 70015 "$CERTOOL" --genkey --keysize=1024 --privkey=kbad
absent kbad
fails 70015 "$CERTOOL" --genkey --keysize=16385 --privkey=kbad
absent kbad
fails 70003 "$CERTOOL" --genkey --keytype=ec --keysize=521 --privkey=kbad
absent kbad
fails 70003 "$CERTOOL" --genkey --keytype=dsa --privkey=kbad
absent kbad
fails 70003 "$CERTOOL" --genkey --keysize=big --privkey=kbad
absent kbad

t "genkey: an encrypted key with --password-file, readable only with it"
printf 'correct horse\n' >pw
succeeds "$CERTOOL" --genkey --privkey=kenc --password-file=pw
eq "$(head -1 kenc)" "-----BEGIN ENCRYPTED PRIVATE KEY-----"
mode kenc 600
run "$OPENSSL" pkey -in kenc -passin file:pw -noout
eq "$rc" 0
t "genkey: --password-fd"
run sh -c "exec 3<pw; \"$CERTOOL\" --genkey --privkey=kfd --password-fd=3"
eq "$rc" 0
run "$OPENSSL" pkey -in kfd -passin file:pw -noout
eq "$rc" 0
t "password: file and fd together, missing file, empty password"
fails 70003 "$CERTOOL" --genkey --privkey=kbad --password-file=pw --password-fd=0
absent kbad
fails 70003 "$CERTOOL" --genkey --privkey=kbad --password-file=/nonexistent/pw
absent kbad
: >emptypw
fails 70003 "$CERTOOL" --genkey --privkey=kbad --password-file=emptypw
absent kbad

t "6: gencert in a directory without certool.cfg: 70003"
mkdir empty
(cd empty && "$CERTOOL" --gencert --privkey=../k --cert=c >"$T/out" 2>"$T/err"; echo $? >"$T/rc")
eq "$(cat "$T/rc")" 115
has "$T/out" "Failed to open config file: certool.cfg"
has "$T/out" "Error Code : 70003"
absent empty/c

t "7: unknown config key: 213, 'unrecognised option' on stderr, no trailer"
printf 'Name = a\nFoo = 1\n' >foo.cfg
parse_error "$CERTOOL" --gencsr --privkey=k7 --pubkey=p7 --csrfile=r7 --config=foo.cfg
has "$T/err" "unrecognised option"
has "$T/err" "foo.cfg:2"
absent k7
t "7: duplicate key and line without '=' name the file and line"
printf 'Name = a\nCountry = US\nName = b\n' >dup.cfg
parse_error "$CERTOOL" --gencsr --privkey=k7 --pubkey=p7 --csrfile=r7 --config=dup.cfg
has "$T/err" "dup.cfg:3"
has "$T/err" "more than once"
printf 'Name = a\nthis line has no equals\n' >noeq.cfg
parse_error "$CERTOOL" --gencsr --privkey=k7 --pubkey=p7 --csrfile=r7 --config=noeq.cfg
has "$T/err" "noeq.cfg:2"
printf '[sect]\nName = a\n' >sect.cfg
parse_error "$CERTOOL" --gencsr --privkey=k7 --pubkey=p7 --csrfile=r7 --config=sect.cfg
absent k7
absent r7

t "8: UTF-16 config: 70003 and a message about UTF16"
printf '\377\376N\000a\000m\000e\000=\000a\000\n\000' >u16.cfg
fails 70003 "$CERTOOL" --gencsr --privkey=k8 --pubkey=p8 --csrfile=r8 --config=u16.cfg
has "$T/out" "UTF16"
absent k8

t "config: BOM, CRLF, indentation, comments, long lines are fine"
{
	printf '\357\273\277# generated\r\n'
	printf '   Name = bom-host   # trailing comment\r\n'
	printf '\tCountry=US\r\n'
	printf 'Hostname = '
	i=0
	while [ $i -lt 40 ]; do printf 'h%d.example.com,' $i; i=$((i + 1)); done
	printf 'last.example.com\r\n'
} >fancy.cfg
succeeds "$CERTOOL" --gencsr --privkey=kf --pubkey=pf --csrfile=rf --config=fancy.cfg
"$OPENSSL" req -in rf -noout -text >"$T/text"
has "$T/text" "CN = bom-host, C = US"
has "$T/text" "DNS:h39.example.com, DNS:last.example.com"
has "$T/out" "Using config file : fancy.cfg"

t "33: gencsr: verifiable CSR, subject, SAN then SKI, no KU, SPKI public key"
succeeds "$CERTOOL" --gencsr --privkey=k2 --pubkey=p2 --csrfile=r.csr --config=host.cfg
has "$T/out" "Using config file : host.cfg"
run "$OPENSSL" req -in r.csr -verify -noout
eq "$rc" 0
"$OPENSSL" req -in r.csr -noout -text >"$T/text"
has "$T/text" "Subject: CN = host1, C = US, ST = CA, L = PA, O = Org, OU = OU1"
has "$T/text" "(3072 bit)"	# the API's TlsCsr default
hasnt "$T/text" "Key Usage"
eq "$(sed -n 's/^ *X509v3 \(.*\):.*/\1/p' "$T/text" | tr '\n' ';')" "Subject Alternative Name;Subject Key Identifier;"
eq "$(head -1 p2)" "-----BEGIN PUBLIC KEY-----"
mode k2 600
t "initcsr prints the deprecation line and works"
succeeds "$CERTOOL" --initcsr --privkey=k3 --pubkey=p3 --csrfile=r3.csr --config=host.cfg
has "$T/out" "This is deprecated. Use gencsr instead."
present r3.csr
t "gencsr needs all three files"
fails 70003 "$CERTOOL" --gencsr --privkey=k9 --pubkey=p9 --config=host.cfg
absent k9
absent p9

t "24: viewcert prints X509_print text"
"$OPENSSL" req -x509 -key k -subj "/CN=CA/DC=vsphere/DC=local" -days 1 -out v.crt 2>/dev/null
succeeds "$CERTOOL" --viewcert --cert=v.crt
has "$T/out" "Issuer: CN=CA, DC=vsphere, DC=local"
t "25: viewcert of a missing file: code 2"
fails 2 "$CERTOOL" --viewcert --cert=/nonexistent
has "$T/out" "Operation failed with error = ERROR_FILE_NOT_FOUND (2)"
t "viewcert of a file without a certificate: code 11"
fails 11 "$CERTOOL" --viewcert --cert=host.cfg

t "38: prefixes: --viewce runs viewcert; exact --gencsr is not --gencsrfromcert"
succeeds "$CERTOOL" --viewce --cert=v.crt
has "$T/out" "Issuer: CN=CA"
succeeds "$CERTOOL" --gencsr --priv k10 --pubkey p10 --csrfile=r10 --config host.cfg
present r10
t "38: ambiguous prefix, unknown option, positional argument: 213"
parse_error "$CERTOOL" --gen --privkey=x
has "$T/err" "ambiguous"
parse_error "$CERTOOL" --viewc --cert=v.crt
has "$T/err" "'--viewcrl'"
parse_error "$CERTOOL" --frobnicate
has "$T/err" "unrecognised option"
parse_error "$CERTOOL" --viewcert stray
t "38: duplicate option: 213, no trailer"
parse_error "$CERTOOL" --Name=a --Name=b --gencert --privkey=k --cert=c38 --config=host.cfg
has "$T/err" "cannot be specified more than once"
absent c38
parse_error "$CERTOOL" --viewcert --cert
has "$T/err" "missing"
parse_error "$CERTOOL" --genkey=yes
t "options but no command: Status : Success, nothing done"
succeeds "$CERTOOL" --privkey=nothing
absent nothing
t "accepted and ignored options"
succeeds "$CERTOOL" --PKCS12 --prv --trs --rvk --all --InitVMCA --currcrl=x --srp-upn=u --srp-pwd=p --port=389 --user=u --password=p --domain=d

t "version, getdc, publish-roots, WaitVMDIR"
succeeds "$CERTOOL" --version
has "$T/out" "Version"
succeeds "$CERTOOL" --getdc
has "$T/out" "Default Domain Name : vsphere.local"
succeeds "$CERTOOL" --getdc --domain=corp.local
has "$T/out" "Default Domain Name : corp.local"
# publish-roots publishes the VMCA's roots now (tests/e2e/fidelity_roots.sh):
# with none installed there is nothing to publish
fails 70000 "$CERTOOL" --publish-roots
succeeds "$CERTOOL" --WaitVMDIR
fails 70003 "$CERTOOL" --WaitVMDIR --wait=0

t "viewerror explains a code"
succeeds "$CERTOOL" --viewerror=70011
has "$T/out" "Not a CA Cert"
succeeds "$CERTOOL" --viewerror 2
has "$T/out" "ERROR_FILE_NOT_FOUND"
fails 70003 "$CERTOOL" --viewerror=12345
fails 70003 "$CERTOOL" --viewerror=abc

t "--server: local names accepted, others refused"
succeeds "$CERTOOL" --version --server=localhost
succeeds "$CERTOOL" --version --server=127.0.0.1
succeeds "$CERTOOL" --version --server="$(hostname)"
fails 70003 "$CERTOOL" --version --server=vc.example.com
has "$T/err" "only serves the local VMCA"

finish
