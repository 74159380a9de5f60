#!/bin/sh
# fleet_bench.sh [BUILDDIR]: the cost of running the swap through Ansible.
# Builds the fleet tests' three sandbox nodes behind a real sshd on
# 127.0.0.1 (tests/e2e/fleet_lib.sh), then, in one run:
#  1. each node's own swap, run on the spot (svcctl --replace-cert
#     --vmca-config), timed: their sum is what the swaps alone cost;
#  2. ansible-playbook rotate.yml (vmca mode, certkit_force=true, so every
#     node is rotated again) over SSH, pipelining and ControlPersist on
#     (ansible/ansible.cfg), timed; svcctl is wrapped to time each swap
#     inside the run as well.
# The fleet overhead per node is (playbook time - the swaps in it) / 3;
# the target is at most 5 s per node.  Run on demand (make bench-fleet),
# never in the test suite.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$top
top_builddir=$(cd "${1:-$top/build}" && pwd)
export top_srcdir top_builddir
. "$top/tests/lib.sh"
. "$top/tests/e2e/fleet_lib.sh"
now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{printf "%.2f", $2 - $1}'; }

nodes_up

# 1. the three swaps, run directly on each node
sum=0
for i in 1 2 3; do
	t0=$(now)
	CERTKIT_ROOT=$T/n$i/root CERTKIT_REGISTRY=$T/n$i/services.conf \
	    "$SVCCTL" --replace-cert --vmca-config "$T/n$i/w/m.cfg" --fqdn "n$i.example.test" >"$T/own$i.out" 2>&1 ||
	    { echo "fleet_bench: node $i's own swap failed"; cat "$T/own$i.out"; exit 1; }
	d=$(secs "$t0" "$(now)")
	echo "node $i: svcctl --replace-cert on the node: $d s"
	sum=$(echo "$sum $d" | awk '{printf "%.2f", $1 + $2}')
done
echo "sum of the three nodes' own swaps: $sum s"

# 2. the fleet run; svcctl timed inside it
rm "$BIN/svcctl"
cat >"$BIN/svcctl" <<EOS
#!/bin/sh
case "\$*" in *--replace-cert*) ;; *) exec "$SVCCTL" "\$@" ;; esac
t0=\$(date +%s.%N)
"$SVCCTL" "\$@"
rc=\$?
echo "\$t0 \$(date +%s.%N)" >>"$T/swaps"
exit \$rc
EOS
chmod +x "$BIN/svcctl"
t0=$(now)
F rotate.yml -e certkit_mode=vmca -e certkit_force=true >"$T/fleet.out" 2>&1 ||
    { echo "fleet_bench: the playbook failed"; tail -40 "$T/fleet.out"; exit 1; }
fleet=$(secs "$t0" "$(now)")
inrun=$(awk '{s += $2 - $1} END {printf "%.2f", s}' "$T/swaps")
echo "ansible-playbook rotate.yml, 3 nodes over SSH: $fleet s (swaps inside it: $inrun s)"
echo "fleet overhead per node: $(echo "$fleet $inrun" | awk '{printf "%.2f", ($1 - $2) / 3}') s" \
    "(against the nodes' own swaps: $(echo "$fleet $sum" | awk '{printf "%.2f", ($1 - $2) / 3}') s); target <= 5 s"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
