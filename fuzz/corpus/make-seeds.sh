#!/bin/sh
# Regenerate the generated seed corpora (run from anywhere; needs openssl
# and python3).  The INI seeds under corpus/inifile are plain text, edited
# by hand; inputs that once crashed a target are kept next to the seeds as
# crash-* files and are never regenerated.
set -eu
c=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$c/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$c/certsum" "$c/pem" "$c/config" "$c/registry" "$c/store" "$c/csr_crl" "$c/vecs_import" \
    "$c/args_certool" "$c/args_vecs" "$c/args_svcctl"

# --- certsum: a PEM and a DER certificate, and an expiry summary (vecs,
# without libcrypto)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/cs.key" -out "$c/certsum/cert.pem" \
    -subj /CN=seed -days 5 2>/dev/null
openssl x509 -in "$c/certsum/cert.pem" -outform der -out "$c/certsum/cert.der"
printf '# certkit expiry summary 1 1796469268\nNL\tx\tTrusted Cert\t1796900735\tcb7f13fff82080a6565b00eb13af6e00b3ab9b6e\n' \
    >"$c/certsum/summary"

# --- pem: certificates and keys as certkit loads them
cd "$c/pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ec.key" \
    -out ec.crt -subj /CN=seed -days 30 2>/dev/null
cat ec.crt "$tmp/ec.key" > ec-pair.pem
openssl pkcs8 -topk8 -in "$tmp/ec.key" -passout pass:pw -v2 aes-256-cbc -out enc.key
openssl x509 -in ec.crt -outform der -out ec.der

# --- config: certool.cfg
cp "$top/share/config/certool.cfg" "$c/config/certool.cfg"
printf '\357\273\277Country = US\r\nName = a\r\nHostname = a.example.com,b.example.com\r\nIPAddress = 10.0.0.1, ::1\r\nEmail = a@example.com\r\n' >"$c/config/bom-crlf.cfg"
printf 'Name=x # comment\n  Organization = O\nOrgUnit=U\nState=S\nLocality=L\n' >"$c/config/indented.cfg"

# --- registry: first byte 1 = services.conf, 2 = swap journal, 0 = a duration
{ printf '\001'; cat "$top/share/config/services.conf"; } >"$c/registry/services.conf"
printf '\002format=certkit-swap-1\nop=replace\nphase=plan\nstore=S\nalias=A\nold_sha1=1\nnew_sha1=2\nold_sha256=3\nnew_sha256=4\nold_type=1\nnew_type=1\nstarted=5\npid=6\nreason=\n' \
    >"$c/registry/journal"
printf '\00010s' >"$c/registry/duration"
printf '\001[a]\nstart=x\nrequires=b\n[b]\nstart=y\nrequires=a\n' >"$c/registry/cycle.conf"

# --- store: a store record and an entry record as lib/store.c encodes them
python3 - "$c/store" <<'PY'
import struct, sys
d = sys.argv[1]
name = b"TRUSTED_ROOTS"
open(d + "/store-record", "wb").write(struct.pack(">IIII", 2, 0, 1, len(name)) + name + struct.pack(">II", 0xffffffff, 0x40000000))
alias, cert, key = b"alias\0", b"-----BEGIN CERTIFICATE-----\n", b"KEY"
hdr = struct.pack(">IIqqIIII", 1, 0, 1700000000, 7, len(alias), len(cert), len(key), 0)
open(d + "/entry-record", "wb").write(hdr + alias + cert + key)
PY

# --- csr_crl: first byte odd = CSR (bits 2/4: allow CA / wildcard), even = CRL
openssl req -new -key "$tmp/ec.key" -subj "/CN=host.example.com/O=x" \
    -addext "subjectAltName=DNS:host.example.com,IP:10.1.2.3,email:a@example.com" \
    -addext "keyUsage=digitalSignature" -out "$tmp/req.pem" 2>/dev/null
{ printf '\001'; cat "$tmp/req.pem"; } >"$c/csr_crl/csr"
openssl req -new -key "$tmp/ec.key" -subj "/CN=*.example.com" \
    -addext "basicConstraints=critical,CA:TRUE" -out "$tmp/req2.pem" 2>/dev/null
{ printf '\007'; cat "$tmp/req2.pem"; } >"$c/csr_crl/csr-ca-wildcard"
mkdir -p "$tmp/ca"
: >"$tmp/ca/index.txt"
cat >"$tmp/ca/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $tmp/ca/index.txt
crlnumber = $tmp/ca/crlnumber
default_md = sha256
default_crl_days = 30
CNF
echo 01 >"$tmp/ca/crlnumber"
openssl ca -config "$tmp/ca/ca.cnf" -gencrl -keyfile "$tmp/ec.key" -cert ec.crt \
    -out "$tmp/crl.pem" 2>/dev/null
{ printf '\000'; cat "$tmp/crl.pem"; } >"$c/csr_crl/crl"

# --- vecs_import: first byte odd = PKCS#12 (password pw), even = PEM bundle
openssl pkcs12 -export -inkey "$tmp/ec.key" -in ec.crt -passout pass:pw -out "$tmp/p.p12"
{ printf '\001'; cat "$tmp/p.p12"; } >"$c/vecs_import/p12"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/k2" \
    -out "$tmp/c2" -subj /CN=seed2 -days 30 2>/dev/null
{ printf '\000'; cat ec.crt "$tmp/c2" ec.crt; } >"$c/vecs_import/bundle"

# --- argument parsers: argv split on NUL
a() { f=$1; shift; printf '%s\0' "$@" | head -c -1 >"$f"; }
a "$c/args_certool/gencert" --gencert --cert=a.crt --privkey k.pem --config c.cfg --Name x --days 30
a "$c/args_certool/help" --help init
a "$c/args_certool/prefix" --genk --priv=a --pub b --keysize=2048
a "$c/args_vecs/entry-create" entry create --store TRUSTED_ROOTS --alias a --cert c.pem -y
a "$c/args_vecs/store-perm" store permission --name S --user u --grant=read,write
a "$c/args_vecs/list" entry list --store=S --text --json --aliases
a "$c/args_svcctl/start" --start a b --ignore
a "$c/args_svcctl/replace" --replace-cert --cert c.pem --key k.pem --key-password file:p --dry-run -r r.conf
a "$c/args_svcctl/status" --status --all --vmon-profile=NONE
