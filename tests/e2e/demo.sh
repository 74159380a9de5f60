#!/bin/sh
# share/demo/demo.sh, the README's main job, run as a user would run it
# but against this build (DEMO_SKIP_SETUP=1: no apt-get, no build), in a
# scratch copy of the tree so its sandbox and registry stay in $T, on a
# port of its own.  It must exit 0, show the new certificate served and
# the old one in BACKUP_STORE, and leave no service running.  The elapsed
# time is printed, not checked (the one-minute target is a benchmark).
. "$top_srcdir/tests/lib.sh"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"
[ -x "$CERTOOL" ] && [ -x "$VECS" ] && [ -x "$SVCCTL" ] || skip "certkit not built"

TOP=$T/top
SB=$TOP/sandbox
mkdir -p "$TOP/share/demo" "$TOP/share/config"
cp "$top_srcdir/share/demo/demo.sh" "$TOP/share/demo/"
cp "$top_srcdir/share/config/services.conf" "$TOP/share/config/"
PORT=$(( 20000 + ($$ * 7 + $(date +%N | sed 's/^0*//;s/^$/0/') % 1000) % 30000 ))
FQDN=node1.example.test
# should the demo fail half-way, its services still go
on_exit CERTKIT_ROOT="$SB" "$SVCCTL" -r "$SB/services.conf" --stop --all

# thumbprint FILE: SHA-1, lowercase hex, no colons (what vecs and svcctl print)
thumbprint() { "$OPENSSL" x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//' | tr -d : | tr A-F a-f; }
# after_step N: the demo's output from its step N on
after_step() { sed -n "/### $1\\./,\$p" "$T/out"; }

t "the demo runs to the end (exit 0)"
_t0=$(date +%s)
B=$top_builddir DEMO_SKIP_SETUP=1 DEMO_PORT=$PORT DEMO_FQDN=$FQDN expect_rc 0 sh "$TOP/share/demo/demo.sh"
echo "# demo.sh took $(($(date +%s) - _t0)) s"
has "$T/out" "skipped (DEMO_SKIP_SETUP=1)"
has "$T/out" "### done in"

M1=$(thumbprint "$SB/work/m1.crt")
M2=$(thumbprint "$SB/work/m2.crt")
t "before the swap the proxy served the first certificate"
eq "$(after_step 4 | grep -m1 '^thumbprint: ')" "thumbprint: $M1"
t "the swap verified the new certificate on the demo's port"
has "$T/out" "ok: vmware-rhttpproxy serves $M2 on 127.0.0.1:$PORT"
t "the swap dropped no connection of a client that kept connecting (nginx reloads)"
if [ -x /usr/sbin/nginx ]; then
	has "$T/out" "TLS handshakes with the proxy: 0 failed"
else
	ok "# skip: no nginx, the demo's proxy is s_server and restarts"
fi
t "after the swap the proxy served the new certificate"
eq "$(after_step 7 | grep -m1 '^thumbprint: ')" "thumbprint: $M2"
t "the old certificate was shown in BACKUP_STORE"
eq "$(after_step 8 | grep -m1 '^thumbprint: ')" "thumbprint: $M1 (bkp___MACHINE_CERT)"

t "the store holds the new certificate, BACKUP_STORE the old one"
CERTKIT_ROOT=$SB "$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$T/cur.pem" >/dev/null
eq "$(thumbprint "$T/cur.pem")" "$M2"
CERTKIT_ROOT=$SB "$VECS" entry getcert --store BACKUP_STORE --alias bkp___MACHINE_CERT --output "$T/bkp.pem" >/dev/null
eq "$(thumbprint "$T/bkp.pem")" "$M1"

t "no pidfile of the demo remains"
eq "$(find "$SB" -name '*.pid' | wc -l | tr -d ' ')" "0"
t "no process of the demo remains (working directory or environment in its sandbox)"
_left=""
for _p in /proc/[0-9]*; do
	case $(readlink "$_p/cwd" 2>/dev/null) in "$SB"*) _left="$_left ${_p#/proc/}"; continue ;; esac
	if grep -qzx "CERTKIT_ROOT=$SB" "$_p/environ" 2>/dev/null; then
		_left="$_left ${_p#/proc/}"
	fi
done
eq "$_left" ""
t "nothing answers on the demo's port any more"
if "$OPENSSL" s_client -connect "127.0.0.1:$PORT" </dev/null >/dev/null 2>&1; then
	fail "127.0.0.1:$PORT still answers"
else
	ok
fi

finish
