#!/bin/sh
# The habits admins expect of all three tools (issue 13): -h/--help on
# stdout with exit 0, --version, a failed write to stdout or stderr is a
# failure (>/dev/full), svcctl --start says "already running".
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svc_small.sh"
[ -w /dev/full ] || skip "no /dev/full"

# --- -h, --help, --version -------------------------------------------------------
for tool in "$CERTOOL" "$VECS" "$SVCCTL"; do
	n=$(basename "$tool")
	for h in -h --help; do
		t "$n $h: exit 0, usage on stdout, nothing on stderr"
		expect_rc 0 "$tool" $h
		grep -qi usage "$T/out" && ok || fail "no usage on stdout"
		eq "$(cat "$T/err")" ""
	done
	t "$n --version"
	expect_rc 0 "$tool" --version
	grep -q "[0-9]\.[0-9]" "$T/out" && ok || fail "no version"
	t "$n --help >/dev/full: a failure"
	run "$tool" --help
	"$tool" --help >/dev/full 2>"$T/err"; rc=$?
	[ "$rc" != 0 ] && ok || fail "exit 0 into a full disk"
	has "$T/err" "No space left on device"
done
t "vecs with no arguments is still vecs-cli's usage error (87)"
expect_rc 87 "$VECS"

# --- a failed write to stdout is an error --------------------------------------------
cat >"$T/ca.cfg" <<EOC
Country = US
Name = Habits CA
EOC
"$CERTOOL" --selfca --config="$T/ca.cfg" >/dev/null
t "certool --getrootca: 0"; expect_rc 0 "$CERTOOL" --getrootca
t "certool --getrootca >/dev/full: 70010 (122)"
"$CERTOOL" --getrootca >/dev/full 2>"$T/err"; eq "$?" 122
has "$T/err" "certool: standard output: write error: No space left on device"
"$VECS" store create --name H >/dev/null
"$CERTOOL" --getrootca --cert="$T/root.pem" >/dev/null
"$VECS" entry create --store H --alias r --cert "$T/root.pem" >/dev/null
t "vecs entry list >/dev/full: 29"
"$VECS" entry list --store H >/dev/full 2>"$T/err"; eq "$?" 29
has "$T/err" "Error 29"
t "vecs entry list --expiring found, >/dev/full: 29, not 1"
"$VECS" entry list --store H --expiring 36500 >/dev/full 2>"$T/err"; eq "$?" 29

REG=$T/services.conf
small_registry "$REG"
S() { "$SVCCTL" -r "$REG" "$@"; }
t "svcctl --start one"; expect_rc 0 S --start one
has "$T/out" "Performing start operation on service one..."
has "$T/out" "Successfully started service one"
t "svcctl --status >/dev/full: 1"
S --status one >/dev/full 2>"$T/err"; eq "$?" 1
has "$T/err" "svcctl: standard output: write error: No space left on device"

# --- DER wherever PEM is read (AD CS hands out DER .cer files) ----------------------
"$OPENSSL" x509 -in "$T/root.pem" -outform DER -out "$T/root.der"
"$CERTOOL" --genkey --privkey="$T/k.pem" --pubkey="$T/k.pub" >/dev/null
"$OPENSSL" pkey -in "$T/k.pem" -outform DER -out "$T/k.der"
printf 'Country = US\nName = der.example.test\nHostname = der.example.test\n' >"$T/leaf.cfg"
t "certool --viewcert reads DER"; expect_rc 0 "$CERTOOL" --viewcert --cert="$T/root.der"
has "$T/out" "Habits CA"
t "certool --gencert takes a DER key"
expect_rc 0 "$CERTOOL" --gencert --privkey="$T/k.der" --cert="$T/leaf.pem" --config="$T/leaf.cfg"
eq "$("$OPENSSL" x509 -in "$T/leaf.pem" -noout -pubkey)" "$("$OPENSSL" pkey -in "$T/k.pem" -pubout)"
"$OPENSSL" x509 -in "$T/leaf.pem" -outform DER -out "$T/leaf.der"
t "vecs entry create takes a DER certificate and key, stores PEM"
expect_rc 0 "$VECS" entry create --store H --alias der --cert "$T/leaf.der" --key "$T/k.der"
"$VECS" entry getcert --store H --alias der --output "$T/got.pem" >/dev/null
eq "$("$OPENSSL" x509 -in "$T/got.pem" -noout -fingerprint)" "$("$OPENSSL" x509 -in "$T/leaf.pem" -noout -fingerprint)"
t "an encrypted DER PKCS#8 key with its password"
printf 'pw-habits\n' >"$T/pw"
"$OPENSSL" pkcs8 -topk8 -in "$T/k.pem" -outform DER -out "$T/kenc.der" -passout "file:$T/pw" -v2 aes-256-cbc
expect_rc 0 "$CERTOOL" --gencert --privkey="$T/kenc.der" --password-file="$T/pw" --cert="$T/leaf2.pem" --config="$T/leaf.cfg"
t "neither PEM nor DER: the error says how to convert"
printf 'not a certificate\n' >"$T/junk"
run "$CERTOOL" --viewcert --cert="$T/junk"
has "$T/err" "no PEM or DER certificate found"
has "$T/err" "openssl x509 -in FILE -out FILE.pem"
t "a DER CRL is read"
"$CERTOOL" --gencrl >/dev/null; "$CERTOOL" --getcrl --crl="$T/crl.pem" >/dev/null
"$OPENSSL" crl -in "$T/crl.pem" -outform DER -out "$T/crl.der"
expect_rc 0 "$CERTOOL" --viewcrl --crl="$T/crl.der"
t "a DER CSR is signed"
"$OPENSSL" req -new -key "$T/k.pem" -subj /CN=csr.example.test -outform DER -out "$T/r.der"
expect_rc 0 "$CERTOOL" --gencertfromcsr --csrfile="$T/r.der" --cert="$T/fromcsr.pem"

# --- "-" is standard input or output -------------------------------------------------
t "certool --viewcert --cert=- reads stdin (DER too)"
"$CERTOOL" --viewcert --cert=- <"$T/root.der" >"$T/out" 2>"$T/err"; eq "$?" 0
has "$T/out" "Habits CA"
t "certool --genkey --privkey=- writes the key to stdout, before the trailer"
"$CERTOOL" --genkey --privkey=- --pubkey="$T/s.pub" >"$T/out" 2>"$T/err"; eq "$?" 0
eq "$(head -1 "$T/out")" "-----BEGIN PRIVATE KEY-----"
eq "$(tail -1 "$T/out")" "Status : Success"
absent ./-
t "the key is the public key's"
sed '/^Status/d' "$T/out" >"$T/s.key"
eq "$("$OPENSSL" pkey -in "$T/s.key" -pubout)" "$("$OPENSSL" pkey -pubin -in "$T/s.pub" -pubout 2>/dev/null || "$OPENSSL" rsa -RSAPublicKey_in -in "$T/s.pub" -pubout 2>/dev/null)"
t "vecs entry create --cert - reads stdin"
"$VECS" entry create --store H --alias fromstdin --cert - <"$T/leaf.pem" >/dev/null 2>"$T/err"; eq "$?" 0
t "vecs entry getcert --output - writes stdout"
expect_rc 0 "$VECS" entry getcert --store H --alias fromstdin --output -
eq "$("$OPENSSL" x509 -in "$T/out" -noout -fingerprint)" "$("$OPENSSL" x509 -in "$T/leaf.pem" -noout -fingerprint)"
absent ./-

# --- key generation progress: on a terminal only -----------------------------------
# CERTKIT_TEST_PROGRESS_MS=0 (test builds) shows it from the start, so no
# timing is assumed
t "keygen progress on a terminal (script(1))"
if command -v script >/dev/null 2>&1; then
	CERTKIT_TEST_PROGRESS_MS=0 script -qec "$CERTOOL --genkey --privkey=$T/p1.key --pubkey=$T/p1.pub" \
	    /dev/null >"$T/tty" 2>&1
	has "$T/tty" "certool: generating the key pair, please wait"
	has "$T/tty" " done"
	has "$T/tty" "Status : Success"
else
	ok "# skip: no script(1)"
fi
t "none into a pipe or a file"
CERTKIT_TEST_PROGRESS_MS=0 expect_rc 0 "$CERTOOL" --genkey --privkey="$T/p2.key" --pubkey="$T/p2.pub"
eq "$(cat "$T/err")" ""

# --- svcctl --start of a running service -----------------------------------------------
t "--start one again: already running, not started"
expect_rc 0 S --start one
has "$T/out" "Service one is already running"
hasnt "$T/out" "Successfully started service one"
hasnt "$T/out" "Performing start operation on service one"
t "--start two: starts two, one is already running"
expect_rc 0 S --start two
has "$T/out" "Successfully started service two"
has "$T/out" "Service one is already running"
t "--restart one does start it"
expect_rc 0 S --restart one
has "$T/out" "Successfully started service one"
finish
