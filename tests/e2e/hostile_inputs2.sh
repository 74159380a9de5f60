#!/bin/sh
# hostile_inputs2.sh: issue 11 item 22 (round 2 of hostile_inputs.sh).
# FIFOs and devices given as inputs are refused at once instead of hanging;
# a PKCS#12 with a huge iteration count is refused before any key
# derivation; the three programs run with no core dumps; --password does
# not pass for a key password; a full disk is an I/O failure, not 70101.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

pki_setup || { echo "pki setup failed"; exit 1; }
write_registry
F=$T/fix
mkdir -p "$F"
printf 'right\n' >"$F/pw"

# --- FIFOs and devices as inputs ---------------------------------------------------
# A FIFO nobody writes: before the fix every open() of it blocked for ever
# (timeout's 124).  /dev/zero never ends.
mkfifo "$F/fifo"
# name | exit | message substring | command
TABLE=$(cat <<'EOF'
certool: FIFO as --cert|5|not a regular file|"$CERTOOL" --viewcert --cert="$F/fifo"
certool: /dev/zero as --cert|5|not a regular file|"$CERTOOL" --viewcert --cert=/dev/zero
certool: FIFO as --config|115|not a regular file|"$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$F/o.crt" --config="$F/fifo"
certool: FIFO as --privkey|5|not a regular file|"$CERTOOL" --gencert --privkey="$F/fifo" --cert="$F/o.crt" --config="$W/m.cfg"
certool: FIFO as --password-file|115|not a regular file|"$CERTOOL" --gencert --privkey="$W/m2.key" --password-file="$F/fifo" --cert="$F/o.crt" --config="$W/m.cfg"
certool: FIFO as --csrfile|5|not a regular file|"$CERTOOL" --gencertfromcsr --csrfile="$F/fifo" --cert="$F/o.crt"
certool: FIFO as --crl|5|not a regular file|"$CERTOOL" --viewcrl --crl="$F/fifo"
certool: FIFO as the --rootca chain|5|not a regular file|"$CERTOOL" --rootca --cert="$F/fifo" --privkey="$W/m2.key"
vecs: FIFO as --cert|5|not a regular file|"$VECS" entry create --store TRUSTED_ROOTS --cert "$F/fifo"
vecs: FIFO as --key|5|not a regular file|"$VECS" entry create --store MACHINE_SSL_CERT --alias x --cert "$W/m2.crt" --key "$F/fifo"
vecs: FIFO as --bundle|5|not a regular file|"$VECS" entry import --store TRUSTED_ROOTS --bundle "$F/fifo"
vecs: FIFO as --p12|5|not a regular file|"$VECS" entry import --store MACHINE_SSL_CERT --p12 "$F/fifo" --password-file "$F/pw"
vecs: FIFO as --password-file|5|not a regular file|"$VECS" entry import --store MACHINE_SSL_CERT --p12 "$W/m2.crt" --password-file "$F/fifo"
svcctl: FIFO as -r|3|not a regular file|"$SVCCTL" -r "$F/fifo" --list-services
svcctl: FIFO as --cert|1|not a regular file|"$SVCCTL" -r "$REG" --replace-cert --cert "$F/fifo" --key "$W/m2.key"
svcctl: FIFO as --key|1|not a regular file|"$SVCCTL" -r "$REG" --replace-cert --cert "$W/m2.crt" --key "$F/fifo"
svcctl: FIFO as --key-password|1|not a regular file|"$SVCCTL" -r "$REG" --replace-cert --cert "$W/m2.crt" --key "$W/m2.key" --key-password "file:$F/fifo"
EOF
)
echo "$TABLE" | while IFS='|' read -r name want msg cmd; do
	t "$name"
	eval "run timeout 20 $cmd"
	if [ "$rc" = "$want" ]; then ok; else fail "exit $rc, wanted $want (124: it hung)"; fi
	if grep -qiF -- "$msg" "$T/err"; then ok; else fail "no '$msg' on stderr"; fi
	echo "$_npass $_nfail" >"$T/tally"
done
read -r _npass _nfail <"$T/tally"

# --- PKCS#12 iteration counts ---------------------------------------------------------
# At most 1000000 iterations in all (MAC, encrypted parts, shrouded keys).
"$OPENSSL" pkcs12 -export -in "$W/m2.crt" -inkey "$W/m2.key" -passout pass:right \
    -out "$F/ok.p12" 2>/dev/null
"$OPENSSL" pkcs12 -export -in "$W/m2.crt" -inkey "$W/m2.key" -passout pass:right \
    -iter 1000001 -certpbe NONE -out "$F/bigkey.p12" 2>/dev/null
# the MAC's count raised to 2^31-1 after the fact: before any check the
# importer ran 2^31 iterations (an hour); the MAC no longer matches, which
# only a derivation could find
python3 - "$F/ok.p12" "$F/bigmac.p12" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
def tlv(b, i):
    tag, n = b[i], b[i + 1]; i += 2
    if n & 0x80:
        k = n & 0x7f; n = int.from_bytes(b[i:i + k], "big"); i += k
    return tag, i, n
def enc(tag, body):
    n = len(body)
    ln = bytes([n]) if n < 128 else (lambda x: bytes([0x80 | len(x)]) + x)(n.to_bytes((n.bit_length() + 7) // 8, "big"))
    return bytes([tag]) + ln + body
_, i, n = tlv(d, 0)
kids, j = [], i
while j < i + n:
    t, k, m = tlv(d, j); kids.append(d[j:k + m]); j = k + m
_, mi, mn = tlv(kids[2], 0)
mac, j = [], mi
while j < mi + mn:
    t, k, m = tlv(kids[2], j); mac.append(kids[2][j:k + m]); j = k + m
mac[2] = enc(0x02, (2**31 - 1).to_bytes(4, "big"))
kids[2] = enc(0x30, b"".join(mac))
open(sys.argv[2], "wb").write(enc(0x30, b"".join(kids)))
PY
t "vecs: a PKCS#12 as OpenSSL exports it is imported"
run timeout 60 "$VECS" entry import --store MACHINE_SSL_CERT --alias p12ok --p12 "$F/ok.p12" --password-file "$F/pw"
eq "$rc" 0
t "vecs: a PKCS#12 whose key asks for 1000001 iterations is refused (1292)"
run timeout 60 "$VECS" entry import --store MACHINE_SSL_CERT --alias p12big --p12 "$F/bigkey.p12" --password-file "$F/pw"
eq "$rc" 12
has "$T/err" "1000001 key-derivation iterations"
t "vecs: a PKCS#12 whose MAC asks for 2^31-1 iterations is refused at once"
run timeout 60 "$VECS" entry import --store MACHINE_SSL_CERT --alias p12mac --p12 "$F/bigmac.p12" --password-file "$F/pw"
eq "$rc" 12
has "$T/err" "MAC asks for 2147483647"
t "vecs: a PKCS#12 with a wrong password is still a wrong password (1323)"
printf 'wrong\n' >"$F/pw-wrong"
run timeout 60 "$VECS" entry import --store MACHINE_SSL_CERT --alias p12w --p12 "$F/ok.p12" --password-file "$F/pw-wrong"
eq "$rc" $((1323 % 256))
has "$T/err" "wrong password"

# --- no core dumps ------------------------------------------------------------------
# Each program, stopped at its "main" pause point (test builds), has a soft
# core limit of 0 and is not dumpable: its /proc files belong to root, not
# to the user it runs as (so run as nobody when we are root).
as_user=""
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 && as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
fi
# the pause file lives where nobody can write ($T is 0700)
PD=$(mktemp -d "${TMPDIR:-/tmp}/ckpause.XXXXXX")
chmod 1777 "$PD"
on_exit rm -rf "$PD"
rm -f "$T/out" "$T/err"
for prog in certool/certool vecs/vecs svcctl/svcctl; do
	t "$prog: no core file (RLIMIT_CORE 0, not dumpable)"
	if [ "$(id -u)" = 0 ] && [ -z "$as_user" ]; then echo "# skip: needs setpriv as root"; continue; fi
	pf=$PD/$(basename "$prog")
	CERTKIT_TEST_PAUSE_AT=main CERTKIT_TEST_PAUSE_FILE=$pf $as_user \
	    "$top_builddir/$prog" --version >/dev/null 2>&1 &
	pid=$!
	for _i in $(seq 1 400); do [ -e "$pf" ] && break; sleep 0.05; done
	core=$(awk '/^Max core file size/ { print $5 }' "/proc/$pid/limits" 2>/dev/null)
	owner=$(stat -c %u "/proc/$pid/status" 2>/dev/null)
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	rm -f "$pf"
	wait "$pid"
	eq "$core" 0
	if [ -n "$uid" ] && [ "$uid" != 0 ] && [ "$owner" = 0 ]; then ok
	else fail "/proc/$pid/status owned by $owner, process uid $uid: dumpable"; fi
done

# --- --password does not encrypt a key ---------------------------------------------
t "certool --genkey --password=X: refused (70003), no key written"
run "$CERTOOL" --genkey --privkey="$F/pw.key" --pubkey="$F/pw.pub" --password=secret
eq "$rc" 115
has "$T/err" "does not encrypt"
absent "$F/pw.key"
t "certool --genselfcacert --password=X: refused likewise"
run "$CERTOOL" --genselfcacert --outcert="$F/sc.crt" --outprivkey="$F/sc.key" --password=secret --config="$W/ca.cfg"
eq "$rc" 115
absent "$F/sc.key"
t "certool --genkey --password=X --password-file=F: encrypted with the file's password"
run "$CERTOOL" --genkey --privkey="$F/pw.key" --password=secret --password-file="$F/pw"
eq "$rc" 0
has "$F/pw.key" "BEGIN ENCRYPTED PRIVATE KEY"
"$OPENSSL" pkey -in "$F/pw.key" -passin pass:right -noout 2>/dev/null && ok || fail "not under the file's password"

# --- a full disk is an I/O failure ---------------------------------------------------
t "full filesystem"
mkdir -p "$T/full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$T/full" 2>/dev/null; then
	on_exit umount "$T/full"
	head -c 1048576 /dev/zero >"$T/full/filler" 2>/dev/null
	t "full disk: --gencert fails with 70010 (Cert I/O failure), not 70101"
	run "$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$T/full/leaf.crt" --config="$W/m.cfg"
	eq "$rc" 122
	has "$T/out" "Error Code : 70010"
	has "$T/err" "No space left on device"
	t "full disk: --genkey fails with 70009 (Key I/O failure)"
	run "$CERTOOL" --genkey --privkey="$T/full/k.key" --keytype=ec
	eq "$rc" 121
	has "$T/err" "No space left on device"
	t "full disk: nothing left behind"
	eq "$(ls "$T/full")" filler
	umount "$T/full"
else
	echo "# skip: full filesystem rows need root and a tmpfs mount"
fi

finish
