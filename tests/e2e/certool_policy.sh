#!/bin/sh
# certool_policy.sh: certificates the VMCA issues and the signing policy
# (specs/certool.md section 7 cases 12-23, 34, plus --gencertfromcsr,
# --genCIScert, --renewcert and our policy options).
# Changed from VMware on purpose: 21 (EC P-256 leaf keys are accepted),
# 23 (no Start Time Error: notBefore is clamped to the root's), 14 (730-day
# default lifetime), 19 (multiplesan is on by default).
. "$top_srcdir/tests/e2e/certool_lib.sh"

t "22: gencert without a root: 70000, no output"
"$CERTOOL" --genkey --privkey=k >/dev/null
fails 70000 "$CERTOOL" --gencert --privkey=k --cert=c0 --config=host.cfg
absent c0

t "23 (changed): selfca --predate=0, then gencert at once succeeds, starting with the root"
succeeds "$CERTOOL" --selfca --config=ca.cfg --predate=0
R="$VMCA_DATA_DIR/root.cer"
succeeds "$CERTOOL" --gencert --privkey=k --cert=c23 --config=host.cfg
[ "$(certdate c23 start)" -ge "$(certdate "$R" start)" ] && ok || fail "leaf starts before the root"
run "$OPENSSL" verify -CAfile "$R" c23
eq "$rc" 0

# a root from three days ago for the rest
succeeds "$CERTOOL" --selfca --config=ca.cfg

t "13: gencert with host.cfg"
now=$(date -u +%s)
succeeds "$CERTOOL" --gencert --privkey=k --cert=c --config=host.cfg
has "$T/out" "Using config file : host.cfg"
text c
has "$T/text" "Subject: CN = host1, C = US, ST = CA, L = PA, O = Org, OU = OU1"
eq "$("$OPENSSL" x509 -in c -noout -issuer | sed 's/^issuer=//')" "$("$OPENSSL" x509 -in "$R" -noout -subject | sed 's/^subject=//')"
has "$T/text" "email:a@example.com, IP Address:10.0.0.5, DNS:host1.example.com"
grep -A1 "X509v3 Key Usage:" "$T/text" >"$T/ku"
hasnt "$T/ku" "critical"
has "$T/ku" "Digital Signature, Non Repudiation, Key Encipherment"
hasnt "$T/text" "Basic Constraints"
hasnt "$T/text" "Extended Key Usage"
hasnt "$T/text" "Authority Information Access"
eq "$(ext_order c)" "Key Usage;Subject Alternative Name;Subject Key Identifier;Authority Key Identifier;"
ski=$(grep -A1 "Subject Key Identifier" "$T/text" | tail -1 | tr -d ' ')
want=$("$OPENSSL" x509 -in c -noout -pubkey | "$OPENSSL" pkey -pubin -outform der | "$OPENSSL" asn1parse -inform der -strparse 19 -noout -out "$T/bits" >/dev/null 2>&1; "$OPENSSL" dgst -sha1 -binary "$T/bits" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
eq "$(echo "$ski" | tr -d ':')" "$want"
rootski=$(text "$R"; grep -A1 "Subject Key Identifier" "$T/text" | tail -1 | tr -d ' ')
text c
aki=$(grep -A1 "Authority Key Identifier" "$T/text" | tail -1 | tr -d ' ' | sed 's/^keyid://')
eq "$aki" "$rootski"
eq "$("$OPENSSL" x509 -in c -noout -modulus)" "$("$OPENSSL" rsa -in k -noout -modulus)"
run "$OPENSSL" verify -CAfile "$R" c
eq "$rc" 0
serial=$("$OPENSSL" x509 -in c -noout -serial | cut -d= -f2)
case $serial in [C-F]???????????????) ok ;; *) fail "serial $serial" ;; esac

t "14: validity: now - 10 min, 730 days, within the root"
nb=$(certdate c start)
na=$(certdate c end)
near "$nb" $((now - 600)) 60
eq $((na - nb)) $((730 * 86400))
[ "$na" -le "$(certdate "$R" end)" ] && ok || fail "leaf outlives the root"
t "14: --days=3660 is clamped to the root's end; 3661 and 0 are refused"
succeeds "$CERTOOL" --gencert --privkey=k --cert=c14 --config=host.cfg --days=3660
eq "$(certdate c14 end)" "$(certdate "$R" end)"
fails 70002 "$CERTOOL" --gencert --privkey=k --cert=c14b --config=host.cfg --days=3661
absent c14b
fails 70002 "$CERTOOL" --gencert --privkey=k --cert=c14b --config=host.cfg --days=0
absent c14b
succeeds "$CERTOOL" --gencert --privkey=k --cert=c14c --config=host.cfg --days 90
eq $(($(certdate c14c end) - $(certdate c14c start))) $((90 * 86400))

t "15: the command line beats the file"
succeeds "$CERTOOL" --gencert --privkey=k --cert=c15 --config=host.cfg --Name=override --Country DE
"$OPENSSL" x509 -in c15 -noout -subject >"$T/s"
has "$T/s" "CN = override, C = DE, ST = CA"

t "15: every certool.cfg key as an option, over an empty file"
: >empty.cfg
succeeds "$CERTOOL" --gencert --privkey=k --cert=c15b --config=empty.cfg --Name=cli \
    --DomainComponent=corp.local --Country=FR --State=IDF --Locality=Paris \
    --Organization=Acme --OrgUnit=Ops --Email=ops@corp.local --IPAddress=192.0.2.1 \
    --Hostname=cli.corp.local
"$OPENSSL" x509 -in c15b -noout -subject >"$T/s"
has "$T/s" "CN = cli, DC = corp, DC = local, C = FR, ST = IDF, L = Paris, O = Acme, OU = Ops"
"$OPENSSL" x509 -in c15b -noout -text >"$T/text"
has "$T/text" "email:ops@corp.local, IP Address:192.0.2.1, DNS:cli.corp.local"

t "16: two OUs, DomainComponent split after CN, fixed order whatever the file order"
cat >multi.cfg <<'EOF'
OrgUnit = A,B
Country = US
DomainComponent = vsphere.local
Name = multi
EOF
succeeds "$CERTOOL" --gencert --privkey=k --cert=c16 --config=multi.cfg
"$OPENSSL" x509 -in c16 -noout -subject >"$T/s"
has "$T/s" "CN = multi, DC = vsphere, DC = local, C = US, OU = A, OU = B"

t "17: empty Name gives no CN; no fields at all is 70012"
sed 's/^Name=.*/Name=/' host.cfg >nocn.cfg
succeeds "$CERTOOL" --gencert --privkey=k --cert=c17 --config=nocn.cfg
"$OPENSSL" x509 -in c17 -noout -subject >"$T/s"
hasnt "$T/s" "CN ="
has "$T/s" "C = US"
printf '# nothing\n' >none.cfg
fails 70012 "$CERTOOL" --gencert --privkey=k --cert=c17b --config=none.cfg
absent c17b

t "12: Country=USA with gencert: 70012"
sed 's/^Country=US$/Country=USA/' host.cfg >usa.cfg
fails 70012 "$CERTOOL" --gencert --privkey=k --cert=c12 --config=usa.cfg
has "$T/err" "Country"
absent c12

t "18: wildcards: 70061 (DNS), 70060 (CN), allowed with --allow-wildcard"
fails 70061 "$CERTOOL" --gencert --privkey=k --cert=c18 --config=host.cfg --Hostname='*.example.com'
has "$T/err" "wildcard DNS"
absent c18
fails 70060 "$CERTOOL" --gencert --privkey=k --cert=c18 --config=host.cfg --Name='*.example.com'
has "$T/err" "wildcard CN"
absent c18
succeeds "$CERTOOL" --gencert --privkey=k --cert=c18 --config=host.cfg --Name='*.example.com' --Hostname='*.example.com' --allow-wildcard
"$OPENSSL" x509 -in c18 -noout -text >"$T/text"
has "$T/text" "DNS:*.example.com"

t "19 (changed): multiplesan is on by default; off refuses two DNS names"
succeeds "$CERTOOL" --getserveroption
has "$T/out" "multiplesan"
succeeds "$CERTOOL" --gencert --privkey=k --cert=c19 --config=host.cfg --Hostname=a.example.com,b.example.com
succeeds "$CERTOOL" --disableserveroption --option=multiplesan
succeeds "$CERTOOL" --getserveroption
hasnt "$T/out" "multiplesan"
rm -f c19
fails 70061 "$CERTOOL" --gencert --privkey=k --cert=c19 --config=host.cfg --Hostname="a.example.com, b.example.com"
has "$T/err" "multiplesan"
absent c19
succeeds "$CERTOOL" --enableserveroption --option=multiplesan
succeeds "$CERTOOL" --gencert --privkey=k --cert=c19 --config=host.cfg --Hostname="a.example.com, b.example.com"
"$OPENSSL" x509 -in c19 -noout -text >"$T/text"
has "$T/text" "DNS:a.example.com, DNS:b.example.com"
succeeds "$CERTOOL" --getserveroption
has "$T/out" "multiplesan"
t "19: server option errors"
fails 70003 "$CERTOOL" --enableserveroption --option=bogus
has "$T/err" "Unrecognizable server option: bogus"
fails 70003 "$CERTOOL" --disableserveroption

t "20: invalid IP address: 70012"
fails 70012 "$CERTOOL" --gencert --privkey=k --cert=c20 --config=host.cfg --IPAddress=999.1.1.1
has "$T/err" "999.1.1.1"
absent c20
t "IPv6 addresses work"
succeeds "$CERTOOL" --gencert --privkey=k --cert=c20 --config=host.cfg --IPAddress="10.0.0.5, fd00::5"
"$OPENSSL" x509 -in c20 -noout -text >"$T/text"
has "$T/text" "IP Address:FD00:0:0:0:0:0:0:5"

t "21: RSA-1024 key: 70015"
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out k1024 2>/dev/null
fails 70015 "$CERTOOL" --gencert --privkey=k1024 --cert=c21 --config=host.cfg
absent c21
t "21 (changed): an EC P-256 key is accepted and the cert verifies"
succeeds "$CERTOOL" --genkey --keytype=ec --privkey=kec
succeeds "$CERTOOL" --gencert --privkey=kec --cert=c21 --config=host.cfg
"$OPENSSL" x509 -in c21 -noout -text >"$T/text"
has "$T/text" "id-ecPublicKey"
run "$OPENSSL" verify -CAfile "$R" c21
eq "$rc" 0
t "gencert: an encrypted key without its password is 70009, never a prompt"
printf 'leafpw\n' >pw
succeeds "$CERTOOL" --genkey --privkey=kenc --password-file=pw
fails 70009 "$CERTOOL" --gencert --privkey=kenc --cert=cenc --config=host.cfg
has "$T/err" "encrypted"
absent cenc
printf 'wrong\n' >badpw
fails 70009 "$CERTOOL" --gencert --privkey=kenc --cert=cenc --config=host.cfg --password-file=badpw
absent cenc
succeeds "$CERTOOL" --gencert --privkey=kenc --cert=cenc --config=host.cfg --password-file=pw
run "$OPENSSL" verify -CAfile "$R" cenc
eq "$rc" 0
t "gencert: missing key file 2, garbage key 70009, missing options 70003"
fails 2 "$CERTOOL" --gencert --privkey=/nonexistent --cert=cx --config=host.cfg
fails 70009 "$CERTOOL" --gencert --privkey=host.cfg --cert=cx --config=host.cfg
fails 70003 "$CERTOOL" --gencert --privkey=k --config=host.cfg
fails 70003 "$CERTOOL" --gencert --cert=cx --config=host.cfg
absent cx

t "policy: --dataencipherment and --aia-url"
succeeds "$CERTOOL" --gencert --privkey=k --cert=cde --config=host.cfg --dataencipherment --aia-url=https://vc.example.com/afd/vecs/ca
"$OPENSSL" x509 -in cde -noout -text >"$T/text"
has "$T/text" "Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment"
has "$T/text" "CA Issuers - URI:https://vc.example.com/afd/vecs/ca"

t "gencertfromcsr: signs an external CSR under the same policy"
"$OPENSSL" req -new -key k -subj "/CN=ext.example.com" -addext "subjectAltName=DNS:ext.example.com" -out ext.csr
succeeds "$CERTOOL" --gencertfromcsr --csrfile=ext.csr --cert=ext.crt
"$OPENSSL" x509 -in ext.crt -noout -text >"$T/text"
has "$T/text" "DNS:ext.example.com"
has "$T/text" "Authority Key Identifier"
run "$OPENSSL" verify -CAfile "$R" ext.crt
eq "$rc" 0
t "gencertfromcsr: a CA request needs --allow-ca"
"$OPENSSL" req -new -key k -subj "/CN=sub CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out sub.csr
fails 70012 "$CERTOOL" --gencertfromcsr --csrfile=sub.csr --cert=sub.crt
has "$T/err" "subordinate CA"
absent sub.crt
succeeds "$CERTOOL" --gencertfromcsr --csrfile=sub.csr --cert=sub.crt --allow-ca
"$OPENSSL" x509 -in sub.crt -noout -text >"$T/text"
has "$T/text" "CA:TRUE"
t "gencertfromcsr: a wildcard request, a damaged CSR, no CSR file"
"$OPENSSL" req -new -key k -subj "/CN=*.example.com" -out wild.csr
fails 70060 "$CERTOOL" --gencertfromcsr --csrfile=wild.csr --cert=wild.crt
absent wild.crt
sed 's/^MII/MIA/' ext.csr >bad.csr
fails 70012 "$CERTOOL" --gencertfromcsr --csrfile=bad.csr --cert=bad.crt
absent bad.crt
fails 2 "$CERTOOL" --gencertfromcsr --csrfile=/nonexistent.csr --cert=bad.crt
fails 70003 "$CERTOOL" --gencertfromcsr --csrfile=ext.csr

t "34: gencsrfromcert copies subject, SAN and KU; adds CA:TRUE for a CA"
succeeds "$CERTOOL" --gencsrfromcert --cert=c --privkey=k --csrfile=f.csr
"$OPENSSL" req -in f.csr -noout -text >"$T/text"
has "$T/text" "Subject: CN = host1, C = US, ST = CA, L = PA, O = Org, OU = OU1"
has "$T/text" "email:a@example.com, IP Address:10.0.0.5, DNS:host1.example.com"
has "$T/text" "Digital Signature, Non Repudiation, Key Encipherment"
hasnt "$T/text" "Basic Constraints"
eq "$("$OPENSSL" req -in f.csr -noout -pubkey)" "$("$OPENSSL" pkey -in k -pubout)"
run "$OPENSSL" req -in f.csr -verify -noout
eq "$rc" 0
succeeds "$CERTOOL" --gencsrfromcert --cert="$R" --privkey="$VMCA_DATA_DIR/privatekey.pem" --csrfile=root.csr
"$OPENSSL" req -in root.csr -noout -text >"$T/text"
has "$T/text" "CA:TRUE"
grep -A1 "Basic Constraints" "$T/text" | head -1 >"$T/bc"
has "$T/bc" "critical"
t "34: gencsrfromcert errors: 70008 cert, 70065 key"
fails 70008 "$CERTOOL" --gencsrfromcert --cert=host.cfg --privkey=k --csrfile=g.csr
absent g.csr
fails 70065 "$CERTOOL" --gencsrfromcert --cert=c --privkey=host.cfg --csrfile=g.csr
absent g.csr

t "genCIScert: OU=mID-<uuid>, DC from --domain, C=US, FQDN as DNS"
succeeds "$CERTOOL" --genCIScert --privkey=k --cert=cis.crt --Name=wcp --FQDN=vc.example.com --domain=vsphere.local
hasnt "$T/out" "Using config file"
"$OPENSSL" x509 -in cis.crt -noout -subject -nameopt oneline >"$T/s"
has "$T/s" "CN = wcp, DC = vsphere, DC = local, C = US, OU = mID-"
"$OPENSSL" x509 -in cis.crt -noout -text >"$T/text"
has "$T/text" "DNS:vc.example.com"
mid=$(cat "$CERTKIT_ROOT"/var/lib/certkit/machine-id 2>/dev/null || find "$CERTKIT_ROOT" -name machine-id -exec cat {} \;)
has "$T/s" "OU = mID-$mid"
succeeds "$CERTOOL" --genCIScert --privkey=k --cert=cis2.crt --Name=vpxd --config=host.cfg --dataencipherment
has "$T/out" "Using config file : host.cfg"
"$OPENSSL" x509 -in cis2.crt -noout -subject -nameopt oneline >"$T/s"
has "$T/s" "OU = mID-$mid"
has "$T/s" "CN = vpxd"
"$OPENSSL" x509 -in cis2.crt -noout -text >"$T/text"
has "$T/text" "Data Encipherment"

t "renewcert: same subject, key and SAN, new serial, days <= 730"
succeeds "$CERTOOL" --renewcert --cert=c --outcert=c-new --days=365 --privkey=k
eq "$("$OPENSSL" x509 -in c-new -noout -subject)" "$("$OPENSSL" x509 -in c -noout -subject)"
eq "$("$OPENSSL" x509 -in c-new -noout -modulus)" "$("$OPENSSL" x509 -in c -noout -modulus)"
[ "$("$OPENSSL" x509 -in c-new -noout -serial)" != "$("$OPENSSL" x509 -in c -noout -serial)" ] && ok || fail "same serial"
"$OPENSSL" x509 -in c-new -noout -text >"$T/text"
has "$T/text" "email:a@example.com, IP Address:10.0.0.5, DNS:host1.example.com"
eq $(($(certdate c-new end) - $(certdate c-new start))) $((365 * 86400))
run "$OPENSSL" verify -CAfile "$R" c-new
eq "$rc" 0
fails 70002 "$CERTOOL" --renewcert --cert=c --outcert=c-731 --days=731
absent c-731
fails 70037 "$CERTOOL" --renewcert --cert=c --outcert=c-k --privkey=kec
absent c-k
t "renewcert in place"
cp c c-inplace
succeeds "$CERTOOL" --renewcert --cert=c-inplace
[ "$("$OPENSSL" x509 -in c-inplace -noout -serial)" != "$("$OPENSSL" x509 -in c -noout -serial)" ] && ok || fail "not renewed"
eq $(($(certdate c-inplace end) - $(certdate c-inplace start))) $((730 * 86400))
t "renewcert of a certificate the VMCA did not issue: 50 Unsupported"
"$OPENSSL" req -x509 -new -key k -subj /CN=foreign -days 30 -out foreign.crt 2>/dev/null
fails 50 "$CERTOOL" --renewcert --cert=foreign.crt --outcert=f2.crt
has "$T/err" "Unsupported"
absent f2.crt

t "several commands run in the fixed order: gencert before genkey"
fails 2 "$CERTOOL" --genkey --gencert --privkey=knew --cert=cnew --config=host.cfg
absent knew
absent cnew
t "several commands: selfca (init) runs before viewcert and getrootca"
succeeds "$CERTOOL" --getrootca --viewcert --cert=c --selfca --config=ca.cfg
[ "$(grep -n "Using config file" "$T/out" | cut -d: -f1)" -lt "$(grep -n "Certificate:" "$T/out" | head -1 | cut -d: -f1)" ] && ok || fail "selfca did not run first"
eq "$(grep -c "Status :" "$T/out")" 1

finish
