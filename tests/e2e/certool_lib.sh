# certool_lib.sh: set-up shared by the certool_*.sh tests (sourced, not run).
# A scratch VMCA in $T/vmca, the spec's two configs in the working dir $W,
# and assertions on certool's Status trailer.
. "$top_srcdir/tests/lib.sh"

VMCA_DATA_DIR="$T/vmca"
export VMCA_DATA_DIR
W="$T/w"
mkdir -p "$W"
cd "$W" || exit 99
cp "$top_srcdir/share/config/certool.cfg" ca.cfg
cat >host.cfg <<'CFG'
Name=host1
Hostname=host1.example.com
IPAddress=10.0.0.5
Email=a@example.com
Country=US
State=CA
Locality=PA
Organization=Org
OrgUnit=OU1
CFG

# succeeds CMD...: exit 0 and "Status : Success" on stdout
succeeds() {
	run "$@"
	if [ "$rc" = 0 ] && grep -qx "Status : Success" "$T/out"; then ok; else fail "exit $rc: $*"; fi
}
# fails CODE CMD...: "Status : Failed", "Error Code : CODE", exit CODE & 255
fails() {
	_code=$1; shift
	run "$@"
	_want=$((_code % 256))
	if [ "$rc" = "$_want" ] && grep -qx "Status : Failed" "$T/out" &&
	    grep -qx "Error Code : $_code" "$T/out"; then ok
	else fail "exit $rc (wanted $_want, code $_code): $*"; fi
}
# parse_error CMD...: exit 213, "error:" on stderr, no Status line
parse_error() {
	run "$@"
	if [ "$rc" = 213 ] && grep -q "error" "$T/err" && ! grep -q "Status :" "$T/out"; then ok
	else fail "exit $rc (wanted 213 and no trailer): $*"; fi
}
# epoch of a certificate date: certdate FILE start|end
certdate() {
	_d=$("$OPENSSL" x509 -in "$1" -noout -"$2"date | cut -d= -f2)
	date -u -d "$_d" +%s
}
# near A B SLACK: |A - B| <= SLACK
near() {
	_d=$(( $1 - $2 )); [ "$_d" -lt 0 ] && _d=$(( -_d ))
	if [ "$_d" -le "$3" ]; then ok; else fail "$1 and $2 differ by $_d (> $3)"; fi
}
# text FILE: openssl's text dump of a cert into $T/text
text() { "$OPENSSL" x509 -in "$1" -noout -text >"$T/text" 2>&1; }
# ext_order FILE: the X509v3 extension names of a cert, one line, in order
ext_order() {
	"$OPENSSL" x509 -in "$1" -noout -text | sed -n 's/^ *X509v3 \(.*\):\( critical\)\{0,1\} *$/\1/p' |
	    grep -v '^extensions$' | tr '\n' ';'
}
