#!/bin/sh
# VMware behaviours scripts rely on (issue 10): --server takes any name of
# this node (FQDN, short name, every interface address, localhost); the
# API's TlsCsr defaults (CN and SAN = the node's FQDN when certool.cfg
# leaves them out, 3072 bits); --gencsr --keepkey keeps __MACHINE_CSR as a
# Private Key entry with a certificate, so `vecs entry getcert --alias
# __MACHINE_CSR` works; --genCIScert puts its certificate and key into the
# VECS store --Name, creating it.  Checked with openssl and vecs.
. "$top_srcdir/tests/lib.sh"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"
. "$top_srcdir/tests/e2e/certool_lib.sh"
CERTKIT_FQDN=node1.example.test
export CERTKIT_FQDN
succeeds "$CERTOOL" --selfca --config=ca.cfg

# --- --server ------------------------------------------------------------
for s in localhost LOCALHOST 127.0.0.1 127.0.0.2 ::1 '[::1]' node1.example.test NODE1.example.test. \
    node1 "$(hostname)"; do
	t "--server=$s is this node"
	succeeds "$CERTOOL" --getdc --server="$s"
done
if command -v ip >/dev/null 2>&1; then
	for a in $(ip -o addr show 2>/dev/null | awk '{print $4}' | cut -d/ -f1); do
		t "--server=$a (an interface address) is this node"
		succeeds "$CERTOOL" --getdc --server="$a"
	done
fi
for s in other.example.test node1.example.org 192.0.2.254 2001:db8::99 node 'node1.example.test..' ''; do
	t "--server='$s' is another host: 70003, nothing done"
	fails 70003 "$CERTOOL" --getdc --server="$s"
	hasnt "$T/out" "Default Domain Name"
done
has "$T/err" "is not a name or address of this node"

# --- --gencsr: the API's TlsCsr defaults -----------------------------------
printf 'Country = US\nOrganization = certkit tests\n' >noname.cfg
t "--gencsr with neither Name nor Hostname: CN and DNS SAN = the node's FQDN, 3072 bits"
succeeds "$CERTOOL" --gencsr --privkey=d.key --pubkey=d.pub --csrfile=d.csr --config=noname.cfg
"$OPENSSL" req -in d.csr -noout -text >"$T/text"
has "$T/text" "Subject: CN = node1.example.test, C = US, O = certkit tests"
has "$T/text" "DNS:node1.example.test"
has "$T/text" "(3072 bit)"
t "what the config gives wins"
succeeds "$CERTOOL" --gencsr --privkey=d2.key --pubkey=d2.pub --csrfile=d2.csr --config=host.cfg \
    --keysize=2048
"$OPENSSL" req -in d2.csr -noout -text >"$T/text"
has "$T/text" "Subject: CN = host1,"
has "$T/text" "DNS:host1.example.com"
hasnt "$T/text" "node1.example.test"
has "$T/text" "(2048 bit)"

# --- --keepkey: __MACHINE_CSR as vSphere keeps it ---------------------------
t "--gencsr --keepkey: entry getcert --alias __MACHINE_CSR works (it failed with 87)"
succeeds "$CERTOOL" --gencsr --privkey=k.key --pubkey=k.pub --csrfile=k.csr --config=noname.cfg \
    --keysize=2048 --keepkey
expect_rc 0 "$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CSR --output "$W/csr.crt"
t "a Private Key entry"
expect_rc 0 "$VECS" entry list --store MACHINE_SSL_CERT --text
has "$T/out" "Alias :	__MACHINE_CSR"
t "its certificate is self-signed with the CSR's subject, SAN and key"
"$OPENSSL" x509 -in "$W/csr.crt" -noout -text >"$T/text"
has "$T/text" "Subject: CN = node1.example.test, C = US, O = certkit tests"
has "$T/text" "Issuer: CN = node1.example.test, C = US, O = certkit tests"
has "$T/text" "DNS:node1.example.test"
expect_rc 0 "$OPENSSL" verify -CAfile "$W/csr.crt" -partial_chain "$W/csr.crt"
eq "$("$OPENSSL" x509 -in "$W/csr.crt" -noout -pubkey | sha1sum)" "$("$OPENSSL" pkey -in k.key -pubout | sha1sum)"
t "and getkey gives the CSR's key"
expect_rc 0 "$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CSR
eq "$("$OPENSSL" pkey -in "$T/out" -pubout | sha1sum)" "$("$OPENSSL" pkey -in k.key -pubout | sha1sum)"

# --- --genCIScert --Name: the store ------------------------------------------
expect_rc 0 "$CERTOOL" --genkey --privkey=sol.key --pubkey=sol.pub
t "--genCIScert --Name=vpxd: the certificate and key go into the new store vpxd"
succeeds "$CERTOOL" --genCIScert --privkey=sol.key --cert=sol.crt --Name=vpxd --FQDN=node1.example.test
has "$T/out" "Certificate and key stored in [vpxd] as [vpxd]"
expect_rc 0 "$VECS" entry getcert --store vpxd --alias vpxd --output "$W/got.crt"
eq "$("$OPENSSL" x509 -in "$W/got.crt" -noout -fingerprint -sha256)" "$("$OPENSSL" x509 -in sol.crt -noout -fingerprint -sha256)"
expect_rc 0 "$VECS" entry getkey --store vpxd --alias vpxd
eq "$("$OPENSSL" pkey -in "$T/out" -pubout | sha1sum)" "$("$OPENSSL" pkey -in sol.key -pubout | sha1sum)"
t "a script deletes the entry; --genCIScert makes it again"
expect_rc 0 "$VECS" entry delete -y --store vpxd --alias vpxd
succeeds "$CERTOOL" --genCIScert --privkey=sol.key --cert=sol2.crt --Name=vpxd --FQDN=node1.example.test
expect_rc 0 "$VECS" entry getcert --store vpxd --alias vpxd --output "$W/got2.crt"
eq "$("$OPENSSL" x509 -in "$W/got2.crt" -noout -fingerprint -sha256)" "$("$OPENSSL" x509 -in sol2.crt -noout -fingerprint -sha256)"
t "run again with the entry there: replaced, one entry"
succeeds "$CERTOOL" --genCIScert --privkey=sol.key --cert=sol3.crt --Name=vpxd --FQDN=node1.example.test
expect_rc 0 "$VECS" entry list --store vpxd --aliases
has "$T/out" "Number of entries in store :	1"
t "without --Name nothing is stored"
succeeds "$CERTOOL" --genCIScert --privkey=sol.key --cert=sol4.crt --FQDN=node1.example.test
hasnt "$T/out" "stored in"
t "a store that cannot be written: failure, the files are there"
fails 2 env CERTKIT_VECS_DIR="$W/ca.cfg" "$CERTOOL" --genCIScert --privkey=sol.key --cert=sol5.crt \
    --Name=vpxd --FQDN=node1.example.test
has "$T/err" "the certificate and key files are written"
present sol5.crt

finish
