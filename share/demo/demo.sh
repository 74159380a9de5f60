#!/bin/sh
# demo.sh: the README's main job, end to end, on a fresh Debian machine.
#
# Installs what is missing (tests/deps.sh, as root), builds certkit into
# ./build, then in a sandbox root inside the checkout (./sandbox, via
# CERTKIT_ROOT) runs a small appliance (share/config/services.conf):
# creates the VMCA root, issues and installs a first machine certificate,
# starts the services, shows the certificate the TLS proxy serves, issues
# a new one for the node FQDN, swaps it with one svcctl command while a
# client keeps connecting to the proxy (nginx, reloaded: no connection is
# dropped; without nginx, openssl s_server, restarted), and shows the new
# certificate served and the old one in BACKUP_STORE.  Every
# process it starts is stopped on exit.  Safe to run again.
#
#   sh share/demo/demo.sh
#
# Installed (the certkit package: /usr/share/certkit/demo/demo.sh) it
# needs no checkout: it uses the installed programs and registry, and a
# new sandbox in $TMPDIR (or /tmp), which it keeps for inspection.
#
# Headings are bold on a terminal only: not into a pipe or a file, nor
# with NO_COLOR set or TERM=dumb.
#
# Environment:
#   DEMO_FQDN=name      the node FQDN (default: hostname -f)
#   B=dir               the build directory (default: ./build)
#   DEMO_SKIP_SETUP=1   skip step 0 (no apt-get, no build): use the
#                       binaries already built in $B (tests/e2e/demo.sh)
#   DEMO_PORT=port      serve TLS on this port instead of 18443 (the
#                       registry is then a copy in the sandbox)
#   DEMO_SANDBOX=dir    the sandbox root (default: ./sandbox in a
#                       checkout, a new directory in /tmp when installed)
#   NO_COLOR=1          no bold headings, even on a terminal
set -eu
here=$(cd "$(dirname "$0")" && pwd)
OPENSSL=${OPENSSL:-openssl}
PORT=${DEMO_PORT:-18443}
started=$(date +%s)

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-dumb}" != dumb ]; then
	say() { printf '\n\033[1m### %s\033[0m\n' "$*"; }
else
	say() { printf '\n### %s\n' "$*"; }
fi
run() { printf '$ %s\n' "$*"; "$@"; }

# A checkout (or a copy of share/: tests/e2e/demo.sh) has the registry at
# share/config; the package installs this script in <pkgdatadir>/demo and
# the registry in <pkgdatadir>.
if [ -f "$here/../config/services.conf" ]; then
	top=$(cd "$here/../.." && pwd)
	B=${B:-$top/build}
	SANDBOX=${DEMO_SANDBOX:-$top/sandbox}
	REGISTRY=$top/share/config/services.conf
	if [ "${DEMO_SKIP_SETUP:-0}" = 1 ]; then
		say "0. dependencies and build: skipped (DEMO_SKIP_SETUP=1), using $B"
	else
		say "0. dependencies and build (tests/deps.sh, tests/build.sh)"
		sh "$top/tests/deps.sh"
		sh "$top/tests/build.sh" "$B"
	fi
	CERTOOL=$B/certool/certool
	VECS=$B/vecs/vecs
	SVCCTL=$B/svcctl/svcctl
elif [ -f "$here/../services.conf" ]; then
	REGISTRY=$(cd "$here/.." && pwd)/services.conf
	SANDBOX=${DEMO_SANDBOX:-$(mktemp -d "${TMPDIR:-/tmp}/certkit-demo.XXXXXX")}
	say "0. the installed programs (no build); sandbox $SANDBOX"
	# svcctl is in sbin, which a user's PATH may lack
	PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin
	CERTOOL=$(command -v certool || echo certool)
	VECS=$(command -v vecs || echo vecs)
	SVCCTL=$(command -v svcctl || echo svcctl)
else
	echo "demo: no services.conf in $here/../config or $here/..: run it from a checkout or an installed certkit" >&2
	exit 1
fi
for b in "$CERTOOL" "$VECS" "$SVCCTL"; do
	[ -x "$b" ] || { echo "demo: $b is not there (B=${B:-})" >&2; exit 1; }
done

CERTKIT_ROOT=$SANDBOX
CERTKIT_REGISTRY=$REGISTRY
[ "$PORT" = 18443 ] || CERTKIT_REGISTRY=$SANDBOX/services.conf
export CERTKIT_ROOT CERTKIT_REGISTRY
# a previous run may have left services up: stop them before wiping (a
# directory of yours that is not a demo sandbox is refused, not wiped)
if [ -d "$SANDBOX/work" ]; then
	"$SVCCTL" --stop --all >/dev/null 2>&1 || true
	rm -rf "$SANDBOX"
elif [ -d "$SANDBOX" ] && [ -n "$(ls -A "$SANDBOX")" ]; then
	echo "demo: $SANDBOX is not empty and not a demo sandbox: not wiping it" >&2
	exit 1
fi
mkdir -p "$SANDBOX/work"
# without nginx (the package only recommends it) the proxy is the
# registry's openssl s_server variant, which a swap restarts
FALLBACK=
if [ ! -x /usr/sbin/nginx ]; then
	FALLBACK='/^start = mkdir -p nginx/d; /^reload = signal:HUP/d; s/^#   start = exec openssl s_server/start = exec openssl s_server/'
	CERTKIT_REGISTRY=$SANDBOX/services.conf
	echo "demo: nginx is not installed (apt-get install nginx-light): the proxy is openssl s_server, which a swap restarts"
fi
[ "$CERTKIT_REGISTRY" = "$REGISTRY" ] ||
    sed -e "s/18443/$PORT/g" -e "$FALLBACK" "$REGISTRY" >"$CERTKIT_REGISTRY"
W=$SANDBOX/work
cleanup() {
	st=$?
	: >"$W/probe.stop"
	say "cleaning up: svcctl --stop --all"
	"$SVCCTL" --stop --all >/dev/null 2>&1 || true
	exit $st
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FQDN=${DEMO_FQDN:-$(hostname -f 2>/dev/null || hostname)}
case $FQDN in *.*) ;; *) FQDN=$FQDN.localdomain ;; esac
echo "node FQDN: $FQDN; sandbox: $SANDBOX"

# thumbprint <PEM: SHA-1 in lowercase hex without colons, as vecs and
# svcctl print thumbprints
thumbprint() {
	"$OPENSSL" x509 -noout -fingerprint -sha1 | sed 's/.*=//' | tr -d : | tr A-F a-f
}
served_pem() {
	echo | "$OPENSSL" s_client -connect "127.0.0.1:$PORT" -servername "$FQDN" 2>/dev/null |
	    "$OPENSSL" x509
}
served() {
	served_pem | "$OPENSSL" x509 -noout -subject -serial -enddate
	echo "thumbprint: $(served_pem | thumbprint)"
}

say "1. create the VMCA root (certool --selfca) and trust it (TRUSTED_ROOTS)"
cat >"$W/ca.cfg" <<EOC
Country = US
Name = certkit demo VMCA
Organization = certkit
EOC
run "$CERTOOL" --selfca --config="$W/ca.cfg"
run "$CERTOOL" --getrootca --cert="$W/root.pem"

say "2. issue the first machine certificate and install it (certool + vecs)"
cat >"$W/machine.cfg" <<EOC
Country = US
Name = $FQDN
Organization = certkit
Hostname = $FQDN
EOC
run "$CERTOOL" --genkey --privkey="$W/m1.priv" --pubkey="$W/m1.pub"
run "$CERTOOL" --gencert --privkey="$W/m1.priv" --cert="$W/m1.crt" --Name=Machine_Cert --config="$W/machine.cfg"
run "$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$W/m1.crt" --key "$W/m1.priv"

say "3. start the appliance"
run "$SVCCTL" --start --all
run "$SVCCTL" --status

say "4. the certificate the proxy serves (openssl s_client, 127.0.0.1:$PORT)"
served

say "5. issue a new machine certificate for $FQDN"
run "$CERTOOL" --genkey --privkey="$W/m2.priv" --pubkey="$W/m2.pub"
run "$CERTOOL" --gencert --privkey="$W/m2.priv" --cert="$W/m2.crt" --Name=Machine_Cert --config="$W/machine.cfg"

# probe_loop: TLS handshakes with the proxy, one after another, until
# $W/probe.stop exists; then "OK FAILED" in $W/probe.count
probe_loop() {
	_ok=0 _bad=0
	while [ ! -e "$W/probe.stop" ]; do
		if "$OPENSSL" s_client -connect "127.0.0.1:$PORT" </dev/null >/dev/null 2>&1; then
			_ok=$((_ok + 1))
		else
			_bad=$((_bad + 1))
		fi
	done
	echo "$_ok $_bad" >"$W/probe.count"
}

say "6. swap it in with one command, while a client keeps connecting to the proxy"
echo "(the registry's swap_policy = minimal: validate, swap, publish, reload only the"
echo " services that use the certificate, verify; --restart-policy vmware stops them all)"
probe_loop &
probe_pid=$!
run "$SVCCTL" --replace-cert --cert "$W/m2.crt" --key "$W/m2.priv" --fqdn "$FQDN"
: >"$W/probe.stop"
wait "$probe_pid"
read -r probe_ok probe_bad <"$W/probe.count"
echo "during the swap a client made $((probe_ok + probe_bad)) TLS handshakes with the proxy: $probe_bad failed"

say "7. the proxy now serves the new certificate"
served
echo "expected:   $(thumbprint <"$W/m2.crt") (m2.crt)"

say "8. the previous certificate is kept in BACKUP_STORE"
run "$VECS" entry list --store BACKUP_STORE --aliases
"$VECS" entry getcert --store BACKUP_STORE --alias bkp___MACHINE_CERT --output "$W/backup.pem" >/dev/null
"$OPENSSL" x509 -in "$W/backup.pem" -noout -serial
echo "thumbprint: $(thumbprint <"$W/backup.pem") (bkp___MACHINE_CERT)"
echo "first cert: $(thumbprint <"$W/m1.crt") (m1.crt)"
run "$SVCCTL" --status
say "done in $(($(date +%s) - started)) s"
