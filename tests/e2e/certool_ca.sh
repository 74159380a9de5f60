#!/bin/sh
# certool_ca.sh: the VMCA's own certificate: --selfca, --genselfcacert,
# --rootca, --getrootca, intermediate chains (specs/certool.md section 7
# cases 9-12, 22, 26-32).
. "$top_srcdir/tests/e2e/certool_lib.sh"

t "22/getrootca without a root: 70000"
fails 70000 "$CERTOOL" --getrootca
has "$T/err" "--selfca"
t "WaitVMCA with --wait=0 is refused"
fails 70003 "$CERTOOL" --WaitVMCA --wait=0
t "WaitVMCA without a root: 70004 after a dot per poll, the dots on a line of their own"
# CERTKIT_TEST_POLL_MS: each poll still counts 10 s of --wait, so 6 dots
fails 70004 env CERTKIT_TEST_POLL_MS=0 "$CERTOOL" --WaitVMCA --wait=1
grep -qx '\.\{6\}' "$T/out" && ok || fail "no line of 6 dots"
has "$T/out" "Error Message : Time out occurred before specified Event."
has "$T/err" "no VMCA root appeared within 1 minutes"

t "11: predate out of range: 70003 with VMware's message, nothing written"
for p in 10081 -1 abc; do
	fails 70003 "$CERTOOL" --selfca --config=ca.cfg --predate=$p
	has "$T/out" "Invalid start time predate specified it should be between 10080 and 0"
done
absent "$VMCA_DATA_DIR/root.cer"

t "12: Country=USA with --selfca: 87, nothing written"
sed 's/^Country=US$/Country=USA/' host.cfg >usa.cfg
fails 87 "$CERTOOL" --selfca --config=usa.cfg
has "$T/err" "Country"
absent "$VMCA_DATA_DIR/root.cer"
t "17: a CA needs a Name: 70012 (--genselfcacert; --selfca takes the node's FQDN, as the API)"
sed '/^Name=/d' host.cfg >noname.cfg
fails 70012 "$CERTOOL" --genselfcacert --config=noname.cfg --outcert=nn.crt --outprivkey=nn.key
absent nn.crt
t "selfca: EC is refused for the VMCA key"
fails 70009 "$CERTOOL" --selfca --config=ca.cfg --keytype=ec
absent "$VMCA_DATA_DIR/root.cer"

# a WaitVMCA polling until the root of test 9 appears (checked after 10)
env CERTKIT_TEST_POLL_MS=100 "$CERTOOL" --WaitVMCA --wait=1440 >"$T/wait.out" 2>"$T/wait.err" </dev/null &
waiter=$!
on_exit kill "$waiter"
while kill -0 "$waiter" 2>/dev/null && ! grep -q '\.' "$T/wait.out"; do sleep 1; done

t "9: selfca with the shipped config"
now=$(date -u +%s)
succeeds "$CERTOOL" --selfca --config=ca.cfg
has "$T/out" "Using config file : ca.cfg"
R="$VMCA_DATA_DIR/root.cer"
present "$R"
mode "$VMCA_DATA_DIR/privatekey.pem" 600
eq "$(head -1 "$VMCA_DATA_DIR/privatekey.pem")" "-----BEGIN PRIVATE KEY-----"
text "$R"
has "$T/text" "Version: 3 (0x2)"
has "$T/text" "Signature Algorithm: sha256WithRSAEncryption"
has "$T/text" "Public-Key: (3072 bit)"
serial=$("$OPENSSL" x509 -in "$R" -noout -serial | cut -d= -f2)
eq "${#serial}" 16
case $serial in [C-Fc-f]*) ok ;; *) fail "serial $serial does not start with c-f" ;; esac
# certool.cfg's root fields honoured, as the API's VmcaRoot (VMware's
# certool puts the host name in O and drops L: certool(1) DIFFERENCES)
subj="CN = CA, DC = vsphere, DC = local, C = US, ST = California, L = Palo Alto, O = VMware, OU = VMware Engineering"
eq "$("$OPENSSL" x509 -in "$R" -noout -subject -nameopt oneline,-esc_msb | sed 's/^subject=//')" "$subj"
eq "$("$OPENSSL" x509 -in "$R" -noout -issuer -nameopt oneline,-esc_msb | sed 's/^issuer=//')" "$subj"
eq "$(ext_order "$R")" "Subject Key Identifier;Subject Alternative Name;Key Usage;Basic Constraints;"
has "$T/text" "email:email@acme.com, IP Address:127.0.0.1"
hasnt "$T/text" "DNS:"
grep -A1 "Key Usage: critical" "$T/text" >"$T/ku"
has "$T/ku" "Certificate Sign, CRL Sign"
grep -A1 "Basic Constraints: critical" "$T/text" >"$T/bc"
has "$T/bc" "CA:TRUE, pathlen:0"
hasnt "$T/text" "Authority Key Identifier"

t "10: root validity: now - 3 days, 3650 days long, verifies"
nb=$(certdate "$R" start)
na=$(certdate "$R" end)
near "$nb" $((now - 3 * 86400)) 120
eq $((na - nb)) $((3650 * 86400))
run "$OPENSSL" verify -CAfile "$R" "$R"
eq "$rc" 0

t "WaitVMCA waiting for the root: dots, then Success on its own line"
wait "$waiter"
eq "$?" 0
grep -qx '\.\.*' "$T/wait.out" && ok || fail "no line of dots: $(cat "$T/wait.out")"
grep -qx 'Status : Success' "$T/wait.out" && ok || fail "no Success line: $(cat "$T/wait.out")"

t "getrootca / WaitVMCA with a root"
succeeds "$CERTOOL" --getroot
has "$T/out" "Issuer: CN=CA, DC=vsphere, DC=local"
hasnt "$T/out" "Certificate written to file"
succeeds "$CERTOOL" --WaitVMCA --wait=1
t "26: getrootca --cert writes root.cer"
succeeds "$CERTOOL" --getrootca --cert=r.pem
has "$T/out" "Certificate written to file : r.pem"
"$OPENSSL" x509 -in r.pem -outform der -out r.der
"$OPENSSL" x509 -in "$R" -outform der -out root.der
same r.der root.der

t "27: genselfcacert with host.cfg; root.cer unchanged"
cp "$R" root-before.pem
succeeds "$CERTOOL" --genselfcacert --outcert=n.crt --outprivkey=n.key --config=host.cfg
same "$R" root-before.pem
mode n.key 600
eq "$(head -1 n.key)" "-----BEGIN PRIVATE KEY-----"
text n.crt
has "$T/text" "Subject: CN = host1, C = US, ST = CA, L = PA, O = Org, OU = OU1"
has "$T/text" "Issuer: CN = host1, C = US, ST = CA, L = PA, O = Org, OU = OU1"
has "$T/text" "DNS:host1.example.com"
eq "$(ext_order n.crt)" "Subject Key Identifier;Subject Alternative Name;Key Usage;Basic Constraints;"
has "$T/text" "CA:TRUE, pathlen:0"
nb=$(certdate n.crt start)
eq $(($(certdate n.crt end) - nb)) $((3650 * 86400))
near "$nb" $(($(date -u +%s) - 3 * 86400)) 120
eq "$("$OPENSSL" x509 -in n.crt -noout -modulus)" "$("$OPENSSL" rsa -in n.key -noout -modulus)"
run "$OPENSSL" verify -CAfile n.crt n.crt
eq "$rc" 0
t "genselfcacert: predate 0, encrypted key, keysize 3072"
printf 'pw-for-ca\n' >capw
succeeds "$CERTOOL" --genselfcacert --outcert=e.crt --outprivkey=e.key --config=host.cfg --predate=0 --password-file=capw --keysize=3072
eq "$(head -1 e.key)" "-----BEGIN ENCRYPTED PRIVATE KEY-----"
near "$(certdate e.crt start)" "$(date -u +%s)" 120
text e.crt
has "$T/text" "(3072 bit)"

t "28: genselfcacert without --outcert / --outprivkey: 70003"
fails 70003 "$CERTOOL" --genselfcacert --outprivkey=n2.key --config=host.cfg
has "$T/out" "Error : No certficate file specified."
absent n2.key
fails 70003 "$CERTOOL" --genselfcacert --outcert=n2.crt --config=host.cfg
has "$T/out" "Error : No private key file specified."
absent n2.crt
t "12: genselfcacert with Country=USA: 87, nothing written"
fails 87 "$CERTOOL" --genselfcacert --outcert=n2.crt --outprivkey=n2.key --config=usa.cfg
absent n2.crt
absent n2.key

t "29: rootca installs n.crt; previous pair rotated to .0"
cp "$VMCA_DATA_DIR/privatekey.pem" key-before.pem
succeeds "$CERTOOL" --rootca --cert=n.crt --privkey=n.key
eq "$(grep -c "Status" "$T/out")" 1
same "$VMCA_DATA_DIR/root.cer.0" root-before.pem
same "$VMCA_DATA_DIR/privatekey.pem.0" key-before.pem
mode "$VMCA_DATA_DIR/privatekey.pem" 600
mode "$VMCA_DATA_DIR/privatekey.pem.0" 600
eq "$("$OPENSSL" x509 -in "$R" -noout -subject)" "$("$OPENSSL" x509 -in n.crt -noout -subject)"
"$CERTOOL" --genkey --privkey=leaf.key >/dev/null
succeeds "$CERTOOL" --gencert --privkey=leaf.key --cert=leaf.crt --config=host.cfg
eq "$("$OPENSSL" x509 -in leaf.crt -noout -issuer)" "$("$OPENSSL" x509 -in n.crt -noout -subject | sed 's/^subject/issuer/')"
run "$OPENSSL" verify -CAfile n.crt leaf.crt
eq "$rc" 0
t "rootca with an encrypted key needs the password"
cp "$R" root-now.pem
fails 70009 "$CERTOOL" --rootca --cert=e.crt --privkey=e.key
has "$T/err" "--password-file"
same "$R" root-now.pem
succeeds "$CERTOOL" --rootca --cert=e.crt --privkey=e.key --password-file=capw
same "$VMCA_DATA_DIR/root.cer.0" root-now.pem
same "$VMCA_DATA_DIR/root.cer.1" root-before.pem
t "a third install keeps .0 and .1"
succeeds "$CERTOOL" --rootca --cert=n.crt --privkey=n.key
same "$VMCA_DATA_DIR/root.cer.2" root-before.pem
same "$R" n.crt
eq "$(head -1 "$VMCA_DATA_DIR/privatekey.pem")" "-----BEGIN PRIVATE KEY-----"

t "30: rootca with a leaf: 70062, root.cer unchanged"
cp "$R" root-now.pem
fails 70062 "$CERTOOL" --rootca --cert=leaf.crt --privkey=leaf.key
same "$R" root-now.pem
t "30: a self-signed CA:FALSE cert: 70011 'Not a CA Cert', says why"
cat >notca.cnf <<'EOF'
[req]
distinguished_name = dn
[dn]
[v3]
basicConstraints = critical, CA:FALSE
EOF
"$OPENSSL" req -x509 -new -key leaf.key -subj /CN=notca -days 30 -config notca.cnf -extensions v3 -out notca.crt 2>/dev/null
fails 70011 "$CERTOOL" --rootca --cert=notca.crt --privkey=leaf.key
has "$T/out" "Error Message : Not a CA Cert"
has "$T/err" "CA:FALSE"
same "$R" root-now.pem
t "30: a v1 self-signed cert: 70011 says no basicConstraints"
"$OPENSSL" req -new -key leaf.key -subj /CN=v1 -out v1.csr
"$OPENSSL" x509 -req -in v1.csr -signkey leaf.key -days 30 -out v1.crt 2>/dev/null
fails 70011 "$CERTOOL" --rootca --cert=v1.crt --privkey=leaf.key
has "$T/err" "v3"
same "$R" root-now.pem

t "31: rootca with a key that does not match: 70037"
fails 70037 "$CERTOOL" --rootca --cert=n.crt --privkey=leaf.key
has "$T/out" "Error Message : Cert/Key pair does not match"
same "$R" root-now.pem
t "rootca with an RSA-1024 CA: 70015, nothing written"
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out small.key 2>/dev/null
"$OPENSSL" req -x509 -new -key small.key -subj /CN=small -days 30 -addext "basicConstraints=critical,CA:TRUE" -out small.crt 2>/dev/null
fails 70015 "$CERTOOL" --rootca --cert=small.crt --privkey=small.key
same "$R" root-now.pem
t "rootca with an expired CA: 70002 (VMware accepts it), nothing written"
run env CERTKIT_FAKE_NOW=$(($(date +%s) - 4000 * 86400)) "$CERTOOL" --genselfcacert --outcert=old.crt --outprivkey=old.key --config=host.cfg
eq "$rc" 0
fails 70002 "$CERTOOL" --rootca --cert=old.crt --privkey=old.key
has "$T/err" "expired"
same "$R" root-now.pem
t "rootca: missing file 2, file without certs 11, missing options 70003"
fails 2 "$CERTOOL" --rootca --cert=/nonexistent.crt --privkey=n.key
fails 11 "$CERTOOL" --rootca --cert=host.cfg --privkey=n.key
fails 70003 "$CERTOOL" --rootca --cert=n.crt
fails 2 "$CERTOOL" --rootca --cert=n.crt --privkey=/nonexistent.key
fails 70009 "$CERTOOL" --rootca --cert=n.crt --privkey=host.cfg
same "$R" root-now.pem
ls "$VMCA_DATA_DIR" >"$T/ls"
hasnt "$T/ls" "root.cer.3"

t "32: intermediate VMCA under an enterprise root"
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ent.key 2>/dev/null
"$OPENSSL" req -x509 -new -key ent.key -subj "/CN=Enterprise Root/O=Corp" -days 3650 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ent.crt 2>/dev/null
succeeds "$CERTOOL" --gencsr --privkey=i.key --pubkey=i.pub --csrfile=i.csr --config=ca.cfg --Name="VMCA Intermediate"
cat >int.ext <<'EOF'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
"$OPENSSL" x509 -req -in i.csr -CA ent.crt -CAkey ent.key -set_serial 0x1234 -days 1800 -extfile int.ext -out i.crt 2>/dev/null
cat ent.crt i.crt >ri.pem
cat i.crt ent.crt >ir.pem
fails 70063 "$CERTOOL" --rootca --cert=ri.pem --privkey=i.key
has "$T/err" "order"
fails 70062 "$CERTOOL" --rootca --cert=i.crt --privkey=i.key
same "$R" root-now.pem
succeeds "$CERTOOL" --rootca --cert=ir.pem --privkey=i.key
same "$R" ir.pem
t "32: gencert returns leaf + intermediate, without the root"
succeeds "$CERTOOL" --gencert --privkey=leaf.key --cert=l2.crt --config=host.cfg
eq "$(grep -c "BEGIN CERTIFICATE" l2.crt)" 2
"$OPENSSL" x509 -in l2.crt -noout -subject >"$T/s"
has "$T/s" "CN = host1"
sed -n '/END CERTIFICATE/,$p' l2.crt | sed 1d >l2-rest.pem
"$OPENSSL" x509 -in l2-rest.pem -noout -subject >"$T/s"
has "$T/s" "VMCA Intermediate"
hasnt l2.crt "$(sed -n 2p ent.crt)"
"$OPENSSL" x509 -in l2.crt -out l2-leaf.crt
run "$OPENSSL" verify -CAfile ent.crt -untrusted i.crt l2-leaf.crt
eq "$rc" 0
t "32: --chain keeps the leaf alone in --cert"
succeeds "$CERTOOL" --gencert --privkey=leaf.key --cert=l3.crt --chain=l3-chain.pem --config=host.cfg
eq "$(grep -c "BEGIN CERTIFICATE" l3.crt)" 1
eq "$(grep -c "BEGIN CERTIFICATE" l3-chain.pem)" 1
same l3-chain.pem i.crt
run "$OPENSSL" verify -CAfile ent.crt -untrusted l3-chain.pem l3.crt
eq "$rc" 0
t "32: renewcert returns leaf + intermediate too, or the chain apart with --chain"
succeeds "$CERTOOL" --renewcert --cert=l2.crt --outcert=rn2.crt
eq "$(grep -c "BEGIN CERTIFICATE" rn2.crt)" 2
sed -n '/END CERTIFICATE/,$p' rn2.crt | sed 1d >rn2-rest.pem
same rn2-rest.pem i.crt
"$OPENSSL" x509 -in rn2.crt -out rn2-leaf.crt
run "$OPENSSL" verify -CAfile ent.crt -untrusted i.crt rn2-leaf.crt
eq "$rc" 0
succeeds "$CERTOOL" --renewcert --cert=l3.crt --outcert=rn3.crt --chain=rn3-chain.pem
eq "$(grep -c "BEGIN CERTIFICATE" rn3.crt)" 1
same rn3-chain.pem i.crt
run "$OPENSSL" verify -CAfile ent.crt -untrusted rn3-chain.pem rn3.crt
eq "$rc" 0
t "32: getrootca shows the intermediate and writes the chain"
succeeds "$CERTOOL" --getrootca --cert=chain-out.pem
has "$T/out" "Subject: CN=VMCA Intermediate"
eq "$(grep -c "BEGIN CERTIFICATE" chain-out.pem)" 2

finish
