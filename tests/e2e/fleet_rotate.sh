#!/bin/sh
# ansible/rotate.yml over a real sshd against three sandbox nodes: custom
# mode and vmca mode each rotate every node (each serves its new
# certificate, read with openssl s_client; the old one is in BACKUP_STORE);
# report.yml prints the census soonest first;
# bad input is refused before anything changes.  With CK_LONG=1 (run-all
# --long) also: --check changes nothing and --diff shows the thumbprints; a
# second custom and vmca run change nothing; certkit_renew_days rotates what
# is due (fleet_fail.sh's last run is CI's "a second run changes nothing").
# (Each playbook run is about 60 Ansible tasks per node: CI runs the ones
# issue 9 asks for, the soak the rest.)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/fleet_lib.sh"

nodes_up
custom_ca
# rotated I OLD CAFILE: node I serves and stores a new certificate ($new),
# issued by CAFILE; OLD is in BACKUP_STORE
rotated() {
	t "node $1 serves its new certificate, from $(basename "$3"), stored; the old one in BACKUP_STORE"
	old=$2
	new=$(stored "$1")
	[ -n "$new" ] && [ "$new" != "$old" ] && ok || fail "node $1 still stores $new"
	eq "$(served "$1")" "$new"
	issued_by "$1" "$3" && ok || fail "node $1: not from $3"
	eq "$(stored "$1" BACKUP_STORE bkp___MACHINE_CERT)" "$old"
}
for i in 1 2 3; do eval "m1_$i=\$(stored $i)"; done

t "the nodes serve their first certificates"
for i in 1 2 3; do eval "eq \"\$(served $i)\" \"\$m1_$i\""; done

if [ "${CK_LONG:-0}" = 1 ]; then
expect_rc 0 V 1 entry list --store TRUSTED_ROOTS --aliases
roots0=$(grep "Number of entries in store" "$T/out")
t "--check --diff, custom mode: exit 0, nothing changed, the plan shown"
P rotate.yml --check --diff -e certkit_mode=custom -e certkit_ca_cert="$T/ca.pem" -e certkit_ca_key="$T/ca.key"
eq "$rc" 0
has "$T/play" "dry run: nothing was changed"
has "$T/play" "n2 MACHINE_SSL_CERT/__MACHINE_CERT: -$m1_2"
has "$T/play" "certkit-fleet: n3: would be rotated"
for i in 1 2 3; do eval "eq \"\$(served $i)\" \"\$m1_$i\""; done
t "--check leaves no staging directory and no new root"
eq "$(find "$T/n1/root" -name stage)" ""
expect_rc 0 V 1 entry list --store TRUSTED_ROOTS --aliases
eq "$(grep "Number of entries in store" "$T/out")" "$roots0"
fi

t "custom mode rotates every node"
P rotate.yml -e certkit_mode=custom -e certkit_ca_cert="$T/ca.pem" -e certkit_ca_key="$T/ca.key"
eq "$rc" 0
for i in 1 2 3; do
	eval "rotated $i \"\$m1_$i\" \"$T/ca.pem\""
	has "$T/play" "certkit-fleet: n$i: rotated: $old -> $new"
	eval "c_$i=\$new"
done
t "custom: every node trusts the custom root; no key left in the staging area"
for i in 1 2 3; do
	expect_rc 0 V $i entry getcert --store TRUSTED_ROOTS --alias "$(tp "$T/ca.pem")"
done
eq "$(find "$T/n1/root" "$T/n2/root" -name new.key)" ""

# fleet_fail.sh has a second run that changes nothing in CI
if [ "${CK_LONG:-0}" = 1 ]; then
t "a second custom run changes nothing (changed=0)"
P rotate.yml -e certkit_mode=custom -e certkit_ca_cert="$T/ca.pem" -e certkit_ca_key="$T/ca.key"
eq "$rc" 0
eq "$(recap_changed)" 0
has "$T/play" "certkit-fleet: n2: unchanged"
for i in 1 2 3; do eval "eq \"\$(served $i)\" \"\$c_$i\""; done
fi

t "vmca mode rotates every node"
P rotate.yml -e certkit_mode=vmca
eq "$rc" 0
for i in 1 2 3; do eval "rotated $i \"\$c_$i\" \"$T/n$i/vmca-root.pem\""; done
t "vmca: every node trusts every node's VMCA root"
for i in 1 2 3; do for j in 1 2 3; do
	expect_rc 0 V $i entry getcert --store TRUSTED_ROOTS --alias "$(tp "$T/n$j/vmca-root.pem")"
done; done

if [ "${CK_LONG:-0}" = 1 ]; then
t "a second vmca run changes nothing (changed=0)"
P rotate.yml -e certkit_mode=vmca
eq "$rc" 0
eq "$(recap_changed)" 0

t "certkit_renew_days past the certificates' lifetime: they are due, so rotated"
P rotate.yml -e certkit_mode=vmca -e certkit_renew_days=800 --limit n3
eq "$rc" 0
has "$T/play" "expires within 800 days"
has "$T/play" "certkit-fleet: n3: rotated"
fi

t "report.yml: the census of every store of every node, soonest first"
P report.yml
eq "$rc" 0
grep -o '"[0-9]* days  [^"]*"' "$T/play" | tr -d '"' >"$T/census"
# 3 nodes x (machine cert, backup(s), roots): every node's stores are there
for i in 1 2 3; do has "$T/census" "n$i  MACHINE_SSL_CERT  __MACHINE_CERT"; has "$T/census" "n$i  TRUSTED_ROOTS"; has "$T/census" "n$i  BACKUP_STORE"; done
t "the census is sorted by days left"
cut -d' ' -f1 "$T/census" >"$T/days"
sort -n "$T/days" >"$T/days.sorted"
same "$T/days" "$T/days.sorted"

t "bad input: custom mode without a CA is refused before anything changes"
before=$(stored 1)
P rotate.yml -e certkit_mode=custom
[ "$rc" != 0 ] && ok || fail "exit 0"
has "$T/play" "custom mode needs certkit_ca_cert and certkit_ca_key"
eq "$(stored 1)" "$before"
t "bad input: an unknown mode is refused by the argument spec"
P rotate.yml -e certkit_mode=acme
[ "$rc" != 0 ] && ok || fail "exit 0"
has "$T/play" "certkit_mode"
t "bad input: a node without certkit_fqdn is refused"
sed 's/^      certkit_fqdn: n2.example.test$//' "$INV" >"$T/inv-nofqdn.yml"
# F reads $INV: this run sees only the inventory without n2's FQDN
_inv=$INV INV=$T/inv-nofqdn.yml
P rotate.yml -e certkit_mode=vmca
INV=$_inv
[ "$rc" != 0 ] && ok || fail "exit 0"
has "$T/play" "certkit_fqdn"
eq "$(stored 1)" "$before"

finish
