#!/bin/sh
# hostile_inputs.sh: a table of hostile inputs across certool, vecs and
# svcctl.  Each row names the expected exit status, a substring of the
# message, and what must be unchanged afterwards: the whole sandbox state
# (VMCA files by checksum, the vecs store by mdb_dump, the swap journal) and,
# where the row writes an output, that no file was left behind.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
command -v mdb_dump >/dev/null 2>&1 || skip "mdb_dump not found"

pki_setup || { echo "pki setup failed"; exit 1; }
write_registry
STATE=$(dirname "$(find "$CERTKIT_ROOT" -type d -name vecs | head -1)")
F=$T/fix
mkdir -p "$F"

# --- fixtures ------------------------------------------------------------------
: >"$F/empty.pem"
head -c 400 "$W/m2.crt" >"$F/trunc.pem"
head -c 4096 /dev/urandom >"$F/binary.pem"
{ echo "-----BEGIN CERTIFICATE-----"; head -c 600 /dev/urandom | base64; echo "-----END CERTIFICATE-----"; } >"$F/garbage-b64.pem"
"$OPENSSL" x509 -in "$W/m2.crt" -outform der -out "$F/m2.der"
"$OPENSSL" pkey -in "$W/m2.key" -outform der -out "$F/m2key.der"
"$OPENSSL" pkcs8 -topk8 -in "$W/m2.key" -passout pass:right -v2 aes-256-cbc -out "$F/enc.key"
printf 'right\n' >"$F/pw-right"
printf 'wrong\n' >"$F/pw-wrong"
"$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$F/ec.key" 2>/dev/null
# a certificate with a huge extension (a 60 KiB nsComment) and one with a
# deeply nested private extension (200 levels of SEQUENCE)
python3 -c 'print("x" * 61440)' >"$F/big.txt"
printf '[x]\nsubjectAltName=DNS:big.example.test\nnsComment=%s\n' "$(cat "$F/big.txt")" >"$F/big.ext"
"$OPENSSL" req -x509 -key "$F/ec.key" -subj /CN=big -days 30 -extensions x -config "$F/big.ext" \
    -out "$F/bigext.crt" 2>/dev/null
python3 - "$F/nested.der" <<'PY'
import sys
def tlv(tag, body):
    n = len(body)
    if n < 128: ln = bytes([n])
    elif n < 256: ln = bytes([0x81, n])
    else: ln = bytes([0x82, n >> 8, n & 255])
    return bytes([tag]) + ln + body
d = tlv(0x02, b"\x01")
for i in range(200):
    d = tlv(0x30, d)
open(sys.argv[1], "wb").write(d)
PY
printf '[x]\n1.2.3.4.5=DER:%s\n' "$(od -An -tx1 -v "$F/nested.der" | tr -d ' \n')" >"$F/nested.ext"
"$OPENSSL" req -x509 -key "$F/ec.key" -subj /CN=nested -days 30 -extensions x \
    -config "$F/nested.ext" -out "$F/nested.crt" 2>/dev/null
# configs: a 1 MiB line, UTF-16, a NUL byte, no '='
{ printf 'Name='; head -c 1048576 /dev/zero | tr '\0' a; printf '\nCountry=US\n'; } >"$F/long.cfg"
printf 'Name=host\nCountry=US\n' | iconv -f UTF-8 -t UTF-16 >"$F/utf16.cfg"
printf 'Name=ho\000st\nCountry=US\n' >"$F/nul.cfg"
printf 'Name=host\nCountry US\n' >"$F/noeq.cfg"
# registries: a dependency cycle, a NUL in a service name, a 1 MiB line
cat >"$F/cycle.conf" <<EOF
[service a]
start = exec sleep 100
requires = c
[service b]
start = exec sleep 100
requires = a
[service c]
start = exec sleep 100
requires = b
EOF
printf '[service a\000b]\nstart = exec sleep 100\n' >"$F/nul.conf"
{ printf '[service a]\nstart = '; head -c 1048576 /dev/zero | tr '\0' x; printf '\n'; } >"$F/longline.conf"
# a service whose start and probe commands print 100 MiB
cat >"$F/loud.conf" <<EOF
[registry]
settle = 100ms
poll = 50ms
[service loud]
start = head -c 104857600 /dev/zero; touch loud.ready; exec sleep 100000
probe = file:loud.ready
start_timeout = 60s
stop_timeout = 2s
[service loudfail]
start = head -c 104857600 /dev/zero; exit 1
probe = file:never.ready
start_timeout = 60s
[service loudprobe]
start = exec sleep 100000
probe = cmd: head -c 104857600 /dev/zero; exit 1
start_timeout = 3s
stop_timeout = 2s
EOF
# output targets
ln -s "$F/elsewhere" "$F/link.pem"
mkdir "$F/adir"
ALIAS_BIG=$(head -c 131000 /dev/zero | tr '\0' A)	# argv's per-string limit is 128 KiB
NL="$(printf 'a\nb')"
C1="$(printf 'a\302\205b')"		# U+0085 NEXT LINE, a C1 control, in UTF-8
RAWC1="$(printf 'a\233b')"		# 0x9B: CSI of 8-bit terminals, not UTF-8
BADU="$(printf 'a\377b')"		# not UTF-8

# --- state snapshot --------------------------------------------------------------
# Every file of the sandbox by checksum (LMDB files, reader tables and logs
# excluded), plus every LMDB environment dumped with mdb_dump.
snap() {
	(cd "$CERTKIT_ROOT" && find . \( -name 'lock.mdb' -o -name '*.log' -o -name '*.pid' -o -name '*-lock' \
	    -o -name '*.lock' -o -name 'data.mdb' \) -prune -o -type f -print | sort | xargs -r sha256sum
	 find . -name data.mdb | sort | while read -r d; do echo "== $d"; mdb_dump -a "$(dirname "$d")"; done
	 find . \( -path '*/log*' -o -path '*/run*' \) -prune -o -print | sort)
}

# --- the table -------------------------------------------------------------------
# name | exit | message substring (stderr+stdout) | output that must not exist (- none) | command
TABLE=$(cat <<'EOF'
certool: empty certificate|11|no PEM or DER certificate|-|"$CERTOOL" --viewcert --cert="$F/empty.pem"
certool: truncated PEM|11|certificate|-|"$CERTOOL" --viewcert --cert="$F/trunc.pem"
certool: binary file as PEM|11|certificate|-|"$CERTOOL" --viewcert --cert="$F/binary.pem"
certool: garbage base64 in PEM|11|certificate|-|"$CERTOOL" --viewcert --cert="$F/garbage-b64.pem"
certool: a DER certificate is read (issue 13)|0|Certificate:|-|"$CERTOOL" --viewcert --cert="$F/m2.der"
certool: huge extension viewed|0|Netscape Comment|-|"$CERTOOL" --viewcert --cert="$F/bigext.crt"
certool: deeply nested extension viewed|0|1.2.3.4.5|-|"$CERTOOL" --viewcert --cert="$F/nested.crt"
certool: rootca with a huge-extension non-CA cert|123|Not a CA|-|"$CERTOOL" --rootca --cert="$F/bigext.crt" --privkey="$F/ec.key"
certool: rootca with a key that does not match|149|does not match|-|"$CERTOOL" --rootca --cert="$W/root.pem" --privkey="$W/m3.key"
certool: encrypted key without password|121|password-file|$F/o1.crt|"$CERTOOL" --gencert --privkey="$F/enc.key" --cert="$F/o1.crt" --config="$W/m.cfg"
certool: encrypted key with wrong password|121|wrong password|$F/o2.crt|"$CERTOOL" --gencert --privkey="$F/enc.key" --password-file="$F/pw-wrong" --cert="$F/o2.crt" --config="$W/m.cfg"
certool: certificate given as the key|121|not a PEM or DER private key|$F/o4.crt|"$CERTOOL" --gencert --privkey="$W/m2.crt" --cert="$F/o4.crt" --config="$W/m.cfg"
certool: output is a symlink|5|symbolic link|$F/elsewhere|"$CERTOOL" --genkey --privkey="$F/link.pem" --pubkey="$F/o5.pub"
certool: output is a directory|5|directory|$F/o6.pub|"$CERTOOL" --genkey --privkey="$F/adir" --pubkey="$F/o6.pub"
certool: output in a missing directory|2|nodir|$F/o7.key|"$CERTOOL" --genkey --privkey="$F/o7.key" --pubkey="$F/nodir/o7.pub"
certool: config line of 1 MiB|213|long.cfg:1: line longer|$F/o8.crt|"$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$F/o8.crt" --config="$F/long.cfg"
certool: UTF-16 config|115|UTF16 encoding|$F/o9.crt|"$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$F/o9.crt" --config="$F/utf16.cfg"
certool: NUL byte in a config value|213|NUL|$F/o10.crt|"$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$F/o10.crt" --config="$F/nul.cfg"
certool: config line without =|213|noeq.cfg:2|$F/o11.crt|"$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$F/o11.crt" --config="$F/noeq.cfg"
certool: CSR file that is a certificate|124|CSR|$F/o12.crt|"$CERTOOL" --gencertfromcsr --csrfile="$W/m2.crt" --cert="$F/o12.crt"
certool: CSR file that is binary|124|CSR|$F/o13.crt|"$CERTOOL" --gencertfromcsr --csrfile="$F/binary.pem" --cert="$F/o13.crt"
certool: CRL file that is binary|11|CRL|-|"$CERTOOL" --viewcrl --crl="$F/binary.pem"
vecs: empty certificate file (reported: says none was given)|87|must be specified|-|"$VECS" entry create --store TRUSTED_ROOTS --cert "$F/empty.pem"
vecs: truncated PEM|11|certificate|-|"$VECS" entry create --store TRUSTED_ROOTS --cert "$F/trunc.pem"
vecs: binary PEM|11|certificate|-|"$VECS" entry create --store TRUSTED_ROOTS --cert "$F/binary.pem"
vecs: key that does not match|162|match|-|"$VECS" entry create --store MACHINE_SSL_CERT --alias x --cert "$W/m2.crt" --key "$W/m3.key"
vecs: EC key with an RSA certificate|162|match|-|"$VECS" entry create --store MACHINE_SSL_CERT --alias x --cert "$W/m2.crt" --key "$F/ec.key"
vecs: encrypted key without password|11|encrypted|-|"$VECS" entry create --store MACHINE_SSL_CERT --alias x --cert "$W/m2.crt" --key "$F/enc.key"
vecs: alias of 128 KiB (argv's limit; 1 MiB cannot be passed)|87|alias|-|"$VECS" entry create --store TRUSTED_ROOTS --alias "$ALIAS_BIG" --cert "$W/m2.crt"
vecs: newline in an alias|87|control character|-|"$VECS" entry create --store TRUSTED_ROOTS --alias "$NL" --cert "$W/m2.crt"
vecs: newline in a store name|87|control character|-|"$VECS" store create --name "$NL"
vecs: C1 control (UTF-8 U+0085) in an alias|87|control character|-|"$VECS" entry create --store TRUSTED_ROOTS --alias "$C1" --cert "$W/m2.crt"
vecs: raw C1 byte 0x9B in an alias|87|control character|-|"$VECS" entry create --store TRUSTED_ROOTS --alias "$RAWC1" --cert "$W/m2.crt"
vecs: invalid UTF-8 in an alias|87|UTF-8|-|"$VECS" entry create --store TRUSTED_ROOTS --alias "$BADU" --cert "$W/m2.crt"
vecs: C1 control in a store name|87|control character|-|"$VECS" store create --name "$C1"
vecs: invalid UTF-8 in a store name|87|UTF-8|-|"$VECS" store create --name "$BADU"
vecs: store name of 128 KiB|154|128|-|"$VECS" store create --name "$ALIAS_BIG"
vecs: getcert output is a symlink|5|symbolic link|$F/elsewhere|"$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$F/link.pem"
vecs: getkey output is a directory|29|is a directory|-|"$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$F/adir"
vecs: getkey output in a missing directory|2|nodir|$F/nodir/k.pem|"$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$F/nodir/k.pem"
vecs: bundle that is binary|11|bundle|-|"$VECS" entry import --store TRUSTED_ROOTS --bundle "$F/binary.pem"
vecs: PKCS#12 that is a PEM file|11|PKCS#12|-|"$VECS" entry import --store MACHINE_SSL_CERT --p12 "$W/m2.crt" --password-file "$F/pw-right"
vecs: CRL that is a certificate (reported: message says certificate)|11|no valid PEM|-|"$VECS" entry create --store TRUSTED_ROOT_CRLS --crl "$W/m2.crt"
svcctl: registry with a dependency cycle|3|cycle|-|"$SVCCTL" -r "$F/cycle.conf" --start --all
svcctl: NUL in a service name|3|nul.conf|-|"$SVCCTL" -r "$F/nul.conf" --list-services
svcctl: registry line of 1 MiB|3|longline.conf:2: line longer|-|"$SVCCTL" -r "$F/longline.conf" --list-services
svcctl: UTF-16 registry|3|UTF-16|-|"$SVCCTL" -r "$F/utf16.cfg" --list-services
svcctl: swap with a key that does not match|5|does not match|-|"$SVCCTL" -r "$REG" --replace-cert --cert "$W/m2.crt" --key "$W/m3.key"
svcctl: swap with an encrypted key and no password|5|no password was given|-|"$SVCCTL" -r "$REG" --replace-cert --cert "$W/m2.crt" --key "$F/enc.key"
svcctl: swap with an encrypted key and a wrong password|5|wrong password|-|"$SVCCTL" -r "$REG" --replace-cert --cert "$W/m2.crt" --key "$F/enc.key" --key-password "file:$F/pw-wrong"
svcctl: swap with a binary certificate|5|certificate|-|"$SVCCTL" -r "$REG" --replace-cert --cert "$F/binary.pem" --key "$W/m2.key"
EOF
)

echo "$TABLE" | while IFS='|' read -r name want msg nofile cmd; do
	snap >"$T/before"
	t "$name"
	eval "run $cmd"
	if [ "$rc" = "$want" ]; then ok; else fail "exit $rc, wanted $want"; fi
	cat "$T/out" "$T/err" >"$T/all"
	if grep -qiF -- "$msg" "$T/all"; then ok; else fail "no '$msg' in the output"; fi
	if [ "$rc" -ne 0 ] && ! grep -q . "$T/err"; then fail "a failure with nothing on stderr"; fi
	snap >"$T/after"
	if cmp -s "$T/before" "$T/after"; then ok; else fail "state changed"; diff "$T/before" "$T/after" | head -5; fi
	if [ "$nofile" != - ]; then eval "absent \"$nofile\""; fi
	# the tally lives in a subshell: report it through a file
	echo "$_npass $_nfail" >"$T/tally"
done
read -r _npass _nfail <"$T/tally"

# --- rows that need their own set-up ------------------------------------------------
# peak RSS of the last command run under /usr/bin/time, in KiB (valgrind's
# own footprint is larger: then a generous bound)
rss() { tail -1 "$T/rss"; }
RSS_MAX=65536
[ "${VALGRIND_TESTS:-0}" = 1 ] && RSS_MAX=524288
t "svcctl: a service that prints 100 MiB, then becomes ready"
/usr/bin/time -f '%M' -o "$T/rss" "$SVCCTL" -r "$F/loud.conf" --start loud >"$T/out" 2>"$T/err"
eq "$?" 0
t "svcctl's memory does not grow with the service's output (RSS KiB < $RSS_MAX)"
[ "$(rss)" -lt "$RSS_MAX" ] && ok || fail "peak RSS $(rss) KiB"
t "svcctl: a service that prints 100 MiB and fails: the tail of its log is shown"
/usr/bin/time -f '%M' -o "$T/rss" "$SVCCTL" -r "$F/loud.conf" --start loudfail >"$T/out" 2>"$T/err"
eq "$?" 1
has "$T/err" "loudfail"
[ "$(rss)" -lt "$RSS_MAX" ] && ok || fail "peak RSS $(rss) KiB"
t "svcctl: a probe command that prints 100 MiB"
/usr/bin/time -f '%M' -o "$T/rss" "$SVCCTL" -r "$F/loud.conf" --start loudprobe >"$T/out" 2>"$T/err"
rc=$?
eq "$rc" 1
has "$T/err" "loudprobe"
[ "$(rss)" -lt "$RSS_MAX" ] && ok || fail "peak RSS $(rss) KiB"
"$SVCCTL" -r "$F/loud.conf" --stop --all >/dev/null 2>&1
find "$CERTKIT_ROOT" -name 'loud*.log' -exec rm -f {} +

# an unwritable state directory: a file where the VMCA directory should be
t "certool: the state directory is a file"
mkdir -p "$T/r2"
printf 'x' >"$T/r2/file"
CERTKIT_ROOT=$T/r2 VMCA_DATA_DIR=$T/r2/file run "$CERTOOL" --selfca --config="$W/ca.cfg"
[ "$rc" != 0 ] && ok || fail "exit 0"
eq "$(cat "$T/r2/file")" x
t "vecs: the store directory is a file"
CERTKIT_ROOT=$T/r2 CERTKIT_VECS_DIR=$T/r2/file run "$VECS" store list
eq "$rc" 217
eq "$(cat "$T/r2/file")" x
t "vecs: the store directory is not writable (nobody)"
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	# the binary itself: a valgrind wrapper (VALGRIND_TESTS=1) sits in a 0700 directory
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$top_builddir/vecs/vecs" entry create --store TRUSTED_ROOTS --cert "$W/m2.crt"
	eq "$rc" 5
	has "$T/err" "denied"
else
	echo "# skip: needs root and setpriv"
fi

# a full filesystem: a 64 KiB tmpfs as the VMCA and as the output directory
t "full filesystem"
mkdir -p "$T/full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
	on_exit umount "$T/full"
	head -c 1048576 /dev/zero >"$T/full/filler" 2>/dev/null
	run "$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$T/full/leaf.crt" --config="$W/m.cfg"
	# a failed write is 70010 (Cert I/O failure, 122), never 70101
	eq "$rc" 122
	has "$T/err" "No space left on device"
	absent "$T/full/leaf.crt"
	t "full filesystem: no temporary file left"
	eq "$(ls "$T/full")" filler
	run "$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$T/full/got.pem"
	[ "$rc" != 0 ] && ok || fail "exit 0 on a full disk"
	eq "$(ls "$T/full")" filler
	umount "$T/full"
else
	echo "# skip: full filesystem rows need root and a tmpfs mount"
fi

# two swaps at once: the second is refused, the first completes.  The proxy
# takes 3 s to start, so the first swap holds the lock for seconds after
# its journal appears, however slow the machine (valgrind) is.
write_registry "sleep 3; exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert $MS_DIR/machine-ssl.crt -key $MS_DIR/machine-ssl.key -www"
sed -i 's/^start_timeout = .*/start_timeout = 30s/' "$REG"
t "start the appliance for the concurrent swaps"
expect_rc 0 S --start --all
on_exit "$SVCCTL" -r "$REG" --stop --all
S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key" >"$T/first.out" 2>"$T/first.err" &
_first=$!
# wait until the first holds the lock (its journal exists), then race it
for _i in $(seq 1 1200); do
	[ -n "$(find "$CERTKIT_ROOT" -name 'swap.journal' 2>/dev/null)" ] && break
	sleep 0.05
done
t "the second swap is refused (9)"
expect_rc 9 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key"
has "$T/err" "another certificate swap is running"
wait "$_first"
t "the first swap completed"
eq "$?" 0
eq "$(stored)" "$(fp "$W/m2.crt")"
eq "$(served)" "$(fp "$W/m2.crt")"

finish
