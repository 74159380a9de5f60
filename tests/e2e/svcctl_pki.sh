# svcctl_pki.sh: sourced by the svcctl swap tests (after tests/lib.sh).
# Builds a small appliance in $CERTKIT_ROOT: a VMCA root trusted in
# TRUSTED_ROOTS, a first machine certificate m1 installed in
# MACHINE_SSL_CERT, a second one m2 issued for the same FQDN, and a
# registry ($REG) with three core services and a TLS proxy (openssl
# s_server) on a port of its own ($PORT) that serves machine-ssl.crt.
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"
[ -x "$CERTOOL" ] && [ -x "$VECS" ] || skip "certool/vecs not built"

FQDN=node1.example.test
CERTKIT_FQDN=$FQDN
export CERTKIT_FQDN
# a port per test run, away from common ones
PORT=$(( 20000 + ($$ * 7 + $(date +%N | sed 's/^0*//;s/^$/0/') % 1000) % 30000 ))
W=$T/w
mkdir -p "$W"
REG=$W/services.conf

ssl_dir() {
	# where vecs publishes machine-ssl.crt/.key (ck_path MACHINE_SSL)
	find "$CERTKIT_ROOT" -type d -name machine-ssl | head -1
}

# _pki_make: the PKI, made once per build tree (cached_fixture) in
# $FX/root (a CERTKIT_ROOT) and $FX/w
_pki_make() {
	CERTKIT_ROOT=$FX/root W=$FX/w
	mkdir -p "$CERTKIT_ROOT" "$W"
	cat >"$W/ca.cfg" <<EOC
Country = US
Name = Test Root CA
Organization = certkit tests
EOC
	cat >"$W/m.cfg" <<EOC
Country = US
Name = $FQDN
Organization = certkit tests
Hostname = $FQDN
EOC
	"$CERTOOL" --selfca --config="$W/ca.cfg" >/dev/null || return 1
	"$CERTOOL" --getrootca --cert="$W/root.pem" >/dev/null || return 1
	for n in 1 2 3; do
		"$CERTOOL" --genkey --privkey="$W/m$n.key" --pubkey="$W/m$n.pub" >/dev/null || return 1
		"$CERTOOL" --gencert --privkey="$W/m$n.key" --cert="$W/m$n.crt" --config="$W/m.cfg" >/dev/null || return 1
	done
	"$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$W/m1.crt" \
	    --key "$W/m1.key" >/dev/null
}
pki_setup() {
	cached_fixture "pki-$FQDN" _pki_make "$top_srcdir/tests/e2e/svcctl_pki.sh" \
	    "$top_builddir/certool/certool" "$top_builddir/vecs/vecs" || return 1
	cp -a "$FX/root/." "$CERTKIT_ROOT/" && cp -a "$FX/w/." "$W/" || return 1
	MS_DIR=$(ssl_dir)
	[ -n "$MS_DIR" ] && [ -f "$MS_DIR/machine-ssl.crt" ]
}

# write_registry [EXTRA_PROXY_START]: the appliance's registry.  The proxy
# command can be replaced to make it misbehave.
write_registry() {
	_proxy=${1:-"exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert $MS_DIR/machine-ssl.crt -key $MS_DIR/machine-ssl.key -www"}
	cat >"$REG" <<EOR
[registry]
settle = 100ms
poll = 20ms

[service vmafdd]
display = Authentication Framework
start = exec sleep 100000
core = yes
stop_timeout = 2s

[service vmdird]
display = Directory
start = exec sleep 100000
requires = vmafdd
core = yes
stop_timeout = 2s

[service vmcad]
display = Certificate Authority
start = exec sleep 100000
requires = vmdird
core = yes
stop_timeout = 2s

[service rhttpproxy]
display = Reverse Proxy
aliases = vmware-rhttpproxy
start = $_proxy
probe = tls:$PORT
requires = vmcad
tls_endpoint = 127.0.0.1:$PORT
start_timeout = 10s
stop_timeout = 2s
EOR
}

# appliance: the start of a swap test: the PKI, the registry, every
# service stopped when the test exits
appliance() {
	pki_setup || { echo "pki setup failed"; exit 1; }
	write_registry
	on_exit "$SVCCTL" -r "$REG" --stop --all
}
# S ARGS...: svcctl on the test registry
S() { "$SVCCTL" -r "$REG" "$@"; }

# served: SHA-256 fingerprint (lowercase hex) of what the proxy serves
served() {
	echo | "$OPENSSL" s_client -connect "127.0.0.1:$PORT" 2>/dev/null |
	    "$OPENSSL" x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
fp() { "$OPENSSL" x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
sha1() { "$OPENSSL" x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
# stored ALIAS STORE: SHA-256 of the entry's certificate, read back with vecs
stored() {
	"$VECS" entry getcert --store "${2:-MACHINE_SSL_CERT}" --alias "${1:-__MACHINE_CERT}" --output "$W/got.pem" >/dev/null 2>&1 &&
	    fp "$W/got.pem"
}
