# tests/e2e/vecs_lib.sh: fixtures shared by the vecs_*.sh tests (sourced
# after tests/lib.sh).  Generated at test time with openssl, into $T:
#   ca.pem/ca.key      a CA          leaf.pem/leaf.key  a leaf signed by it
#   other.key          an RSA key matching nothing
#   chain.pem          leaf.pem + ca.pem
#   ec.pem/ec.key      an ECDSA P-256 pair
#   secret.txt         "s3cret\n"
#   ca.crl             an empty CRL issued by the CA
# TP is the SHA-1 thumbprint of ca.pem (lowercase, no colons).
[ -x "$VECS" ] || skip "vecs not built"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"

# made once per build tree (cached_fixture), copied into $T by each test
_vecs_make_fixtures() {
	(
	cd "$FX" || exit 1
	"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	    -subj /CN=Test-CA -days 30 -addext basicConstraints=critical,CA:true \
	    -addext keyUsage=critical,keyCertSign,cRLSign
	"$OPENSSL" req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=leaf.example
	printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:leaf.example\n' >leaf.ext
	"$OPENSSL" x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -out leaf.pem -days 10 \
	    -set_serial 2 -extfile leaf.ext
	"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.key
	cat leaf.pem ca.pem >chain.pem
	"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
	    -out ec.pem -subj /CN=ec.example -days 400
	printf 's3cret\n' >secret.txt
	printf '[ca]\ndefault_ca=c\n[c]\ndatabase=index.txt\ndefault_md=sha256\ndefault_crl_days=30\n' >crl.cnf
	: >index.txt
	"$OPENSSL" ca -config crl.cnf -gencrl -keyfile ca.key -cert ca.pem -out ca.crl
	) >"$FX/fixtures.log" 2>&1 || { cat "$FX/fixtures.log"; exit 1; }
}
vecs_fixtures() {
	cached_fixture vecs _vecs_make_fixtures "$top_srcdir/tests/e2e/vecs_lib.sh" ||
	    { echo "fixture generation failed"; exit 1; }
	cp -p "$FX"/* "$T"/ || exit 1
	TP=$("$OPENSSL" x509 -in "$T/ca.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
	LEAF_TP=$("$OPENSSL" x509 -in "$T/leaf.pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
}

# last_line FILE: the last line of FILE
last_line() { tail -n 1 "$1"; }
# elast N: the last stderr line is vecs-cli's error line for code N
elast() {
	if tail -n 1 "$T/err" | grep -q "^vecs-cli failed\. Error $1: .* \$"; then ok; else fail "last stderr line is not E($1)"; fi
}
# expect_out FORMAT [ARGS]: stdout is exactly printf FORMAT ARGS
expect_out() { printf "$@" >"$T/want"; same "$T/out" "$T/want"; }
# expect_err FORMAT [ARGS]: stderr is exactly printf FORMAT ARGS
expect_err() { printf "$@" >"$T/want"; same "$T/err" "$T/want"; }
VDB="$CERTKIT_ROOT"
vecs_dbdir() { find "$CERTKIT_ROOT" -name data.mdb -printf '%h\n' | head -n 1; }
: "${MDB_DUMP:=mdb_dump}"
[ -n "$MDB_DUMP" ] || MDB_DUMP=mdb_dump
