#!/bin/sh
# certool_crash.sh: the VMCA survives a SIGKILL at every step of installing
# its signing pair and of issuing, and never publishes an older CRL over a
# newer one (issue 11 items 3, 4, 13).  The kill and pause points are test
# hooks (CERTKIT_TEST_KILL_AT / CERTKIT_TEST_PAUSE_AT, test builds only).
. "$top_srcdir/tests/e2e/certool_lib.sh"

# pairs_match: root.cer/privatekey.pem and every root.cer.N/privatekey.pem.N
# hold a certificate and its own key
pairs_match() {
	_bad=
	for _c in "$VMCA_DATA_DIR"/root.cer "$VMCA_DATA_DIR"/root.cer.*; do
		[ -e "$_c" ] || continue
		_k=$(echo "$_c" | sed 's#root\.cer#privatekey.pem#')
		_a=$("$OPENSSL" x509 -in "$_c" -noout -pubkey 2>/dev/null)
		_b=$("$OPENSSL" pkey -in "$_k" -pubout 2>/dev/null)
		[ -n "$_a" ] && [ "$_a" = "$_b" ] || _bad="$_bad ${_c##*/}"
	done
	if [ -z "$_bad" ]; then ok; else fail "mismatched pairs:$_bad"; fi
}

"$CERTOOL" --genkey --privkey=leaf.key >/dev/null
succeeds "$CERTOOL" --selfca --config=ca.cfg
succeeds "$CERTOOL" --selfca --config=ca.cfg

t "3: a failed install (file too large to write) rotates no backup"
ls "$VMCA_DATA_DIR" | sort >before.ls
cp "$VMCA_DATA_DIR/root.cer" root-before.pem
(ulimit -f 1; trap '' XFSZ; "$CERTOOL" --selfca --config=ca.cfg >"$T/out" 2>"$T/err")
ls "$VMCA_DATA_DIR" | sort >after.ls
same before.ls after.ls
same "$VMCA_DATA_DIR/root.cer" root-before.pem
pairs_match

for p in ca-staged ca-rotate-half ca-rotate-pair ca-backup-half ca-rotated ca-key-placed \
    ca-root-placed; do
	t "3: SIGKILL at $p during --selfca: the pair and every backup pair still match"
	run env CERTKIT_TEST_KILL_AT=$p "$CERTOOL" --selfca --config=ca.cfg
	eq "$rc" 137
	succeeds "$CERTOOL" --gencert --privkey=leaf.key --cert=leaf.crt --config=host.cfg
	pairs_match
	ls -a "$VMCA_DATA_DIR" >"$T/ls"
	hasnt "$T/ls" "install.new"
done
t "3: a stray staging directory of a killed install is removed by the next"
run env CERTKIT_TEST_KILL_AT=ca-staged "$CERTOOL" --selfca --config=ca.cfg
succeeds "$CERTOOL" --selfca --config=ca.cfg
ls -a "$VMCA_DATA_DIR" >"$T/ls"
hasnt "$T/ls" ".install."
pairs_match

# crlnum FILE: the CRL number of a CRL file, in decimal
crlnum() { _h=$("$OPENSSL" crl -in "$1" -noout -crlnumber | sed 's/^crlNumber=//'); printf '%d\n' "$_h"; }

t "4: two --gencrl runs: the later, higher-numbered CRL is the one published"
succeeds "$CERTOOL" --gencert --privkey=leaf.key --cert=rev.crt --config=host.cfg
succeeds "$CERTOOL" --gencrl
n0=$(crlnum "$VMCA_DATA_DIR/vmca.crl")
env CERTKIT_TEST_PAUSE_AT=crl-committed CERTKIT_TEST_PAUSE_FILE="$T/pause" \
    "$CERTOOL" --gencrl >"$T/a.out" 2>&1 </dev/null &
a=$!
on_exit kill "$a"
i=0; while [ ! -e "$T/pause" ] && [ $i -lt 300 ] && kill -0 "$a" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
present "$T/pause"
succeeds "$CERTOOL" --revokecert --cert=rev.crt
"$CERTOOL" --gencrl >"$T/b.out" 2>&1 </dev/null &
b=$!
on_exit kill "$b"
# the second run must wait for the first; if it does not, it finishes now
i=0; while kill -0 "$b" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
rm -f "$T/pause"
wait "$a"; ra=$?
wait "$b"; rb=$?
eq "$ra $rb" "0 0"
eq "$(crlnum "$VMCA_DATA_DIR/vmca.crl")" $((n0 + 2))
serial=$("$OPENSSL" x509 -in rev.crt -noout -serial | cut -d= -f2)
"$OPENSSL" crl -in "$VMCA_DATA_DIR/vmca.crl" -noout -text >"$T/text"
has "$T/text" "$serial"
succeeds "$CERTOOL" --status --cert=rev.crt
has "$T/out" "REVOKED"

t "4: a published CRL with a higher number than the index's is never undercut"
cp "$VMCA_DATA_DIR/vmca.crl" high.crl
cp "$VMCA_DATA_DIR/certs.mdb" old.mdb
succeeds "$CERTOOL" --gencrl
succeeds "$CERTOOL" --gencrl
hi=$(crlnum "$VMCA_DATA_DIR/vmca.crl")
cp old.mdb "$VMCA_DATA_DIR/certs.mdb"
succeeds "$CERTOOL" --gencrl
eq "$(crlnum "$VMCA_DATA_DIR/vmca.crl")" $((hi + 1))

t "13: SIGKILL after recording, before delivering: no certificate file, or a revocable one"
run env CERTKIT_TEST_KILL_AT=certool-recorded "$CERTOOL" --gencert --privkey=leaf.key \
    --cert=l13.crt --config=host.cfg
eq "$rc" 137
if [ -e l13.crt ]; then
	succeeds "$CERTOOL" --revokecert --cert=l13.crt
else
	ok
fi
ls -a >"$T/ls"
has "$T/ls" "l13.crt.certool-new."
t "13/14: the next run removes the staged file of ours and delivers"
succeeds "$CERTOOL" --gencert --privkey=leaf.key --cert=l13.crt --config=host.cfg
ls -a >"$T/ls"
hasnt "$T/ls" ".certool-new"
succeeds "$CERTOOL" --revokecert --cert=l13.crt

t "14: a set killed half-renamed is finished by the next run; stale temporaries go"
succeeds "$CERTOOL" --genselfcacert --outprivkey=s.key --outcert=s.crt --config=host.cfg
: >s.crt.certool-new
: >s.key.certool-new.Ab12Cd
run env CERTKIT_TEST_KILL_AT=certool-set-half "$CERTOOL" --genselfcacert --outprivkey=s.key \
    --outcert=s.crt --config=host.cfg
eq "$rc" 137
present s.key.certool-set
ls -a >"$T/ls"
hasnt "$T/ls" "s.key.certool-new.Ab12Cd"
succeeds "$CERTOOL" --genselfcacert --outprivkey=s.key --outcert=s.crt --config=host.cfg
ls -a >"$T/ls"
hasnt "$T/ls" ".certool-new"
hasnt "$T/ls" ".certool-set"
eq "$("$OPENSSL" x509 -in s.crt -noout -pubkey)" "$("$OPENSSL" pkey -in s.key -pubout)"

finish
