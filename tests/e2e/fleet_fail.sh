#!/bin/sh
# ansible/rotate.yml when a node fails, over a real sshd against three
# sandbox nodes:
#  - node 2's proxy cannot start with its new certificate: node 1 rotated,
#    node 2 rolled back (by svcctl) and serving its old certificate, node 3
#    untouched; non-zero exit, and the play says which is which;
#  - the SSH connection is killed in the middle of node 2's swap (every
#    session process of the test's sshd): node 2 finishes or rolls back on
#    its own, the next run converges, and the one after changes nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/fleet_lib.sh"

nodes_up
custom_ca
for i in 1 2 3; do eval "m1_$i=\$(stored $i)"; done
CA="-e certkit_mode=custom -e certkit_ca_cert=$T/ca.pem -e certkit_ca_key=$T/ca.key"
CATP=$(tp "$T/ca.pem")

# --- node 2 cannot serve its new certificate ---------------------------------
ms2=$(find "$T/n2/root" -type d -name machine-ssl | head -1)
"$OPENSSL" x509 -in "$ms2/machine-ssl.crt" -noout -fingerprint -sha256 >"$T/n2/break"
t "node 2's proxy refuses its new certificate: the run stops there, non-zero exit"
# shellcheck disable=SC2086
P rotate.yml $CA
[ "$rc" != 0 ] && ok || fail "exit 0"
t "node 1 rotated: it serves a certificate from the custom CA, the old one in BACKUP_STORE"
new1=$(stored 1)
[ "$new1" != "$m1_1" ] && ok || fail "node 1 not rotated"
eq "$(served 1)" "$new1"
issued_by 1 "$T/ca.pem" && ok || fail "node 1: not from the custom CA"
eq "$(stored 1 BACKUP_STORE bkp___MACHINE_CERT)" "$m1_1"
t "node 2 rolled back: it stores and serves its old certificate, nothing pending"
eq "$(stored 2)" "$m1_2"
eq "$(served 2)" "$m1_2"
pending 2 && fail "node 2 has a swap journal" || ok
t "node 3 untouched: its old certificate, nothing in BACKUP_STORE; but it trusts the new root (trust came first)"
eq "$(stored 3)" "$m1_3"
eq "$(served 3)" "$m1_3"
expect_rc 216 V 3 entry getcert --store BACKUP_STORE --alias bkp___MACHINE_CERT
expect_rc 0 V 3 entry getcert --store TRUSTED_ROOTS --alias "$CATP"
t "the play says which node is which"
has "$T/play" "certkit-fleet: n1: rotated: $m1_1 -> $new1"
has "$T/play" "certkit-fleet: n2: rolled back: the swap failed (svcctl exit 10)"
has "$T/play" "certkit-fleet: n3: untouched"
t "svcctl's own account of node 2 is in the output"
has "$T/play" "proxy: this certificate is refused"
rm -f "$T/n2/break"

# --- the SSH connection dies in the middle of node 2's swap -------------------
: >"$T/n2/slow"
# shellcheck disable=SC2086
F rotate.yml $CA >"$T/bg.out" 2>&1 &
bg=$!
n=0
# bounded by the run itself, and by 10 minutes (a loaded CI machine)
while ! pending 2 && kill -0 "$bg" 2>/dev/null && [ $n -lt 6000 ]; do sleep 0.1; n=$((n + 1)); done
t "node 2's swap is under way"
pending 2 && ok || fail "no journal on node 2"
t "the connections are killed in the middle of it"
killed=0
for p in $(sshd_sessions); do kill -9 "$p" && killed=$((killed + 1)); done
[ "$killed" -gt 0 ] && ok || fail "no sshd session process to kill"
pending 2 && ok || fail "node 2's swap ended before the connection was killed"
n=0
while kill -0 "$bg" 2>/dev/null && [ $n -lt 6000 ]; do sleep 0.1; n=$((n + 1)); done
kill "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
t "node 2 finishes or rolls back on its own: no swap pending, it serves what it stores"
n=0
while pending 2 && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
pending 2 && fail "node 2 still has a swap journal" || ok
s2=$(stored 2)
eq "$(served 2)" "$s2"
case $s2 in "$m1_2") echo "# node 2 rolled back" ;; *) echo "# node 2 finished its swap" ;; esac
rm -f "$T/n2/slow"

t "the next run converges: every node serves a certificate from the custom CA"
# shellcheck disable=SC2086
P rotate.yml $CA
eq "$rc" 0
for i in 1 2 3; do
	s=$(stored $i)
	eq "$(served $i)" "$s"
	issued_by $i "$T/ca.pem" && ok || fail "node $i: not from the custom CA"
done
t "node 1, rotated before, is left as it is"
eq "$(stored 1)" "$new1"
has "$T/play" "certkit-fleet: n1: unchanged"

t "the run after that changes nothing (changed=0)"
# shellcheck disable=SC2086
P rotate.yml $CA
eq "$rc" 0
eq "$(recap_changed)" 0

finish
