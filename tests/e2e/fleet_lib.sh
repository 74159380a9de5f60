# fleet_lib.sh: sourced by the fleet tests (after tests/lib.sh).
# Starts a real sshd on 127.0.0.1 (its own host key, port, config, PidFile;
# key authentication only), stopped when the test exits, and builds
# $NODES sandbox appliances behind it: node i has its own CERTKIT_ROOT
# ($T/n$i/root), registry ($T/n$i/services.conf), VMCA and TLS proxy port,
# a machine certificate from its VMCA, and its services running.  An
# inventory ($INV) reaches every node over that sshd, with
# ansible_host=127.0.0.1.  F runs ansible-playbook on it.
# run-all's sanitizer stage sets CK_SKIP_FLEET=1: these tests prove the
# playbooks, which the gcc stage already runs; svcctl's memory safety in a
# swap is the other e2e tests' subject there
[ "${CK_SKIP_FLEET:-0}" != 1 ] || skip "CK_SKIP_FLEET=1 (run-all runs the fleet tests in its gcc stage)"
command -v ansible-playbook >/dev/null 2>&1 || skip "ansible-playbook not installed (tests/deps.sh installs ansible-core)"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] && command -v ssh-keygen >/dev/null 2>&1 || skip "openssh-server not installed (tests/deps.sh installs it)"
[ -x "$CERTOOL" ] && [ -x "$VECS" ] && [ -x "$SVCCTL" ] || skip "certool/vecs/svcctl not built"

NODES=${NODES:-3}
ANS=$top_srcdir/ansible
D=$T/ssh
BIN=$T/bin
INV=$T/inventory.yml
mkdir -p "$D" "$BIN" "$T/ah"
chmod 700 "$D"
for _b in certool vecs svcctl; do
	eval "ln -s \"\$$(echo "$_b" | tr a-z A-Z)\" \"$BIN/$_b\""
done

# a port away from common ones, different per test run (the kernel says
# whether it is free: sshd fails to bind, and the next one is tried)
rand_port() { echo $(( 20000 + ($$ * 13 + $(date +%N | sed 's/^0*//;s/^$/0/') / 1000 + ${1:-0} * 101) % 30000 )); }

# sshd_up: start sshd on a free port ($SPORT); its pid is $SSHD_PID
sshd_up() {
	ssh-keygen -q -t ed25519 -N '' -f "$D/host_key" -C fleet-test-host || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$D/id" -C fleet-test-client || return 1
	cp "$D/id.pub" "$D/authorized_keys"
	chmod 600 "$D/authorized_keys"
	# privilege separation needs this directory when sshd runs as root
	[ "$(id -u)" != 0 ] || [ -d /run/sshd ] || mkdir -m 755 /run/sshd
	_try=0
	while [ $_try -lt 8 ]; do
		SPORT=$(rand_port $_try)
		cat >"$D/sshd_config" <<EOC
Port $SPORT
ListenAddress 127.0.0.1
HostKey $D/host_key
PidFile $D/sshd.pid
AuthorizedKeysFile $D/authorized_keys
# the key file is in \$TMPDIR (world-writable, sticky), which StrictModes refuses
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
MaxStartups 100
MaxSessions 100
Subsystem sftp internal-sftp
EOC
		rm -f "$D/sshd.pid"
		"$SSHD" -f "$D/sshd_config" -E "$D/sshd.log" || return 1
		_n=0
		while [ ! -s "$D/sshd.pid" ] && [ $_n -lt 100 ]; do sleep 0.05; _n=$((_n + 1)); done
		if [ -s "$D/sshd.pid" ]; then
			SSHD_PID=$(cat "$D/sshd.pid")
			on_exit sshd_down
			echo "[127.0.0.1]:$SPORT $(cat "$D/host_key.pub")" >"$D/known_hosts"
			return 0
		fi
		_try=$((_try + 1))
	done
	cat "$D/sshd.log"
	return 1
}

# sshd_sessions: the pids of the sshd processes serving connections (the
# children of the listening sshd)
sshd_sessions() { ps -o pid= --ppid "$SSHD_PID" 2>/dev/null; }

# sshd_down: stop the sessions (so that Ansible's persistent connections
# end now), then the listener
sshd_down() {
	for _p in $(sshd_sessions); do kill "$_p"; done
	kill "$SSHD_PID"
}

# node_up I: build node I's appliance and start its services
node_up() {
	_i=$1
	N=$T/n$_i
	mkdir -p "$N/root" "$N/w"
	_port=$(rand_port $((_i + 20)))
	_fqdn=n$_i.example.test
	echo "$_port" >"$N/port"
	(
		CERTKIT_ROOT=$N/root CERTKIT_REGISTRY=$N/services.conf CERTKIT_FQDN=$_fqdn
		export CERTKIT_ROOT CERTKIT_REGISTRY CERTKIT_FQDN
		printf 'Country = US\nName = Node %s VMCA\nOrganization = certkit tests\n' "$_i" >"$N/w/ca.cfg"
		printf 'Name = %s\nHostname = %s\n' "$_fqdn" "$_fqdn" >"$N/w/m.cfg"
		"$CERTOOL" --selfca --config="$N/w/ca.cfg" >/dev/null &&
		"$CERTOOL" --getrootca --cert="$N/vmca-root.pem" >/dev/null &&
		"$CERTOOL" --genkey --privkey="$N/w/m1.key" --pubkey="$N/w/m1.pub" >/dev/null &&
		"$CERTOOL" --gencert --privkey="$N/w/m1.key" --cert="$N/m1.crt" --config="$N/w/m.cfg" >/dev/null &&
		"$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$N/m1.crt" \
		    --key "$N/w/m1.key" >/dev/null || exit 1
		_ms=$(find "$N/root" -type d -name machine-ssl | head -1)
		# the proxy: it cannot start while $N/break holds a thumbprint
		# other than the one it is given, and starts slowly while $N/slow
		# exists (to catch a swap in the middle)
		cat >"$N/proxy.sh" <<EOS
#!/bin/sh
[ -e $N/slow ] && sleep 3
if [ -s $N/break ] && [ "\$($OPENSSL x509 -in $_ms/machine-ssl.crt -noout -fingerprint -sha256)" != "\$(cat $N/break)" ]; then
	echo "proxy: this certificate is refused"; exit 1
fi
exec $OPENSSL s_server -quiet -accept 127.0.0.1:$_port -cert $_ms/machine-ssl.crt -key $_ms/machine-ssl.key -www
EOS
		cat >"$N/services.conf" <<EOR
[registry]
settle = 100ms
poll = 20ms

[service vmafdd]
start = exec sleep 100000
core = yes
stop_timeout = 2s

[service vmcad]
start = exec sleep 100000
requires = vmafdd
core = yes
stop_timeout = 2s

[service rhttpproxy]
start = exec sh $N/proxy.sh
probe = tls:$_port
requires = vmcad
tls_endpoint = 127.0.0.1:$_port
start_timeout = 15s
stop_timeout = 2s
EOR
		"$SVCCTL" --start --all >"$N/start.out" 2>&1
	) || return 1
	on_exit "CERTKIT_ROOT=$N/root $SVCCTL -r $N/services.conf --stop --all"
}

# nodes_up: sshd, every node, the inventory and Ansible's environment
nodes_up() {
	sshd_up || { echo "sshd did not start"; exit 1; }
	cat >"$INV" <<EOI
all:
  vars:
    ansible_host: 127.0.0.1
    ansible_port: $SPORT
    ansible_user: $(id -un)
    ansible_ssh_private_key_file: $D/id
    ansible_ssh_common_args: -o UserKnownHostsFile=$D/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes
    ansible_python_interpreter: /usr/bin/python3
    certkit_bin: $BIN
    certkit_controller_certool: $CERTOOL
    certkit_controller_openssl: $OPENSSL
  hosts:
EOI
	_i=1
	while [ $_i -le "$NODES" ]; do
		node_up $_i || { echo "node $_i setup failed"; cat "$T/n$_i/start.out"; exit 1; }
		cat >>"$INV" <<EOI
    n$_i:
      certkit_fqdn: n$_i.example.test
      certkit_root: $T/n$_i/root
      certkit_registry: $T/n$_i/services.conf
      certkit_tls_endpoint: 127.0.0.1:$(cat "$T/n$_i/port")
EOI
		_i=$((_i + 1))
	done
	ANSIBLE_CONFIG=$ANS/ansible.cfg
	ANSIBLE_HOME=$T/ah
	ANSIBLE_LOCAL_TEMP=$T/ah/tmp
	ANSIBLE_REMOTE_TEMP=$T/ah/rtmp
	ANSIBLE_SSH_CONTROL_PATH_DIR=$T/ah/cp
	ANSIBLE_NOCOLOR=1
	ANSIBLE_FORCE_COLOR=0
	TMPDIR=$T
	export ANSIBLE_CONFIG ANSIBLE_HOME ANSIBLE_LOCAL_TEMP ANSIBLE_REMOTE_TEMP ANSIBLE_SSH_CONTROL_PATH_DIR \
	    ANSIBLE_NOCOLOR ANSIBLE_FORCE_COLOR TMPDIR
	# the nodes' own environment must come from the inventory alone
	unset CERTKIT_ROOT CERTKIT_REGISTRY CERTKIT_FQDN
}

# a custom CA on the controller ($T/ca.pem, $T/ca.key)
custom_ca() {
	"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$T/ca.key" -out "$T/ca.pem" -days 60 \
	    -subj "/CN=Fleet Custom CA" -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=keyCertSign,cRLSign 2>/dev/null
}

# F ARGS...: ansible-playbook on the test inventory
F() { ( cd "$ANS" && ansible-playbook -i "$INV" "$@" ); }
# P ARGS...: the same, output in $T/play (kept while other checks use
# $T/out), exit status in $rc
P() { run F "$@"; cp "$T/out" "$T/play"; }

# port I / served I: node I's TLS port, and the SHA-1 thumbprint (as vecs
# prints it) of what it serves, read with openssl s_client
port() { cat "$T/n$1/port"; }
served() {
	echo | "$OPENSSL" s_client -connect "127.0.0.1:$(port "$1")" 2>/dev/null |
	    "$OPENSSL" x509 -noout -fingerprint -sha1 2>/dev/null | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
# tp FILE: SHA-1 thumbprint of a certificate file, as vecs prints it
tp() { "$OPENSSL" x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
# V I ARGS...: vecs on node I
V() { _i=$1; shift; CERTKIT_ROOT=$T/n$_i/root "$VECS" "$@"; }
# stored I [STORE ALIAS]: SHA-1 of node I's entry, read back with vecs
stored() {
	V "$1" entry getcert --store "${2:-MACHINE_SSL_CERT}" --alias "${3:-__MACHINE_CERT}" --output "$T/got.pem" >/dev/null 2>&1 &&
	    tp "$T/got.pem"
}
# issued_by I CAFILE: node I's stored certificate verifies to CAFILE
issued_by() { stored "$1" >/dev/null && "$OPENSSL" verify -CAfile "$2" "$T/got.pem" >/dev/null 2>&1; }
# pending I: node I has a swap journal
pending() { [ -n "$(find "$T/n$1/root" -name swap.journal 2>/dev/null)" ]; }
# recap_changed: the sum of changed= in the last run's PLAY RECAP ($T/play)
recap_changed() { sed -n 's/.* changed=\([0-9]*\).*/\1/p' "$T/play" | awk '{s += $1} END {print s + 0}'; }
