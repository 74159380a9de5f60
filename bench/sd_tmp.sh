#!/bin/sh
# swap_downtime.sh [BUILDDIR] [RUNS]: what a TLS client sees during
# svcctl --replace-cert, for both restart policies, with the same registry
# in one run (issue 14).
#
# An appliance in a scratch CERTKIT_ROOT: a VMCA, two machine
# certificates for the same FQDN, a registry of 3 core services, 4 other
# services that do not use the certificate, and a TLS front end on
# 127.0.0.1:PORT, in two variants: nginx (reload = signal:HUP) and openssl
# s_server (no reload: it must restart).  For each front end and each
# policy, RUNS swaps (m1 -> m2, m2 -> m1, ...) run while bench/tls_prober.c
# connects every 10 ms; for each swap it prints the failed handshakes, the
# longest gap between two successful handshakes, the time from the publish
# phase to the first handshake with the new certificate, and handshakes
# that saw the old certificate after the new one.  The baseline of the
# restart case, the front end's own stop+start, is the gap of RUNS plain
# `svcctl --restart` of it under the same prober.
#
# Targets (issue 14): reloadable front end, minimal policy: 0 failed
# handshakes and the new certificate served within 100 ms of the publish;
# restarting front end, minimal policy: longest gap at most 1.2 x the
# front end's own stop+start gap; the vmware policy is the baseline.
# Run on demand (make bench-swap), never in the test suite.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
RUNS=${2:-3}
OPENSSL=${OPENSSL:-openssl}
SVCCTL=$B/svcctl/svcctl CERTOOL=$B/certool/certool VECS=$B/vecs/vecs
for b in "$SVCCTL" "$CERTOOL" "$VECS"; do
	[ -x "$b" ] || { echo "swap_downtime: build first ($b missing)" >&2; exit 1; }
done
[ -x /usr/sbin/nginx ] || { echo "swap_downtime: needs nginx (apt-get install nginx-light)" >&2; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/swapbench.XXXXXX")
CERTKIT_ROOT=$D/root CERTKIT_FQDN=bench.example.test
export CERTKIT_ROOT CERTKIT_FQDN
PORT=${PORT:-18643}
REG=$D/services.conf
PROBER=$D/tls_prober
${CC:-cc} -O2 -o "$PROBER" "$top/bench/tls_prober.c" -lssl -lcrypto
trap '"$SVCCTL" -r "$REG" --stop --all >/dev/null 2>&1 || true; cp $D/st.* /tmp/; rm -rf "$D"' EXIT INT TERM

# the PKI: a VMCA root in TRUSTED_ROOTS, m1 installed, m2 ready
mkdir -p "$D/w"
printf 'Country = US\nName = bench CA\nOrganization = certkit\n' >"$D/w/ca.cfg"
printf 'Country = US\nName = %s\nOrganization = certkit\nHostname = %s\n' "$CERTKIT_FQDN" \
    "$CERTKIT_FQDN" >"$D/w/m.cfg"
"$CERTOOL" --selfca --config="$D/w/ca.cfg" >/dev/null
"$CERTOOL" --getrootca --cert="$D/w/root.pem" >/dev/null
"$VECS" entry create --store TRUSTED_ROOTS --cert "$D/w/root.pem" >/dev/null
for n in 1 2; do
	"$CERTOOL" --genkey --privkey="$D/w/m$n.key" --pubkey="$D/w/m$n.pub" >/dev/null
	"$CERTOOL" --gencert --privkey="$D/w/m$n.key" --cert="$D/w/m$n.crt" --config="$D/w/m.cfg" >/dev/null
done
"$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$D/w/m1.crt" \
    --key "$D/w/m1.key" >/dev/null
cur=1

nginx_start="mkdir -p nginx/tmp && printf 'pid nginx.pid;\\nerror_log stderr;\\nevents { worker_connections 512; }\\nhttp {\\n access_log off;\\n client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;\\n server {\\n  listen 127.0.0.1:$PORT ssl;\\n  ssl_certificate %s/machine-ssl.crt;\\n  ssl_certificate_key %s/machine-ssl.key;\\n  location / { return 200 ok; }\\n }\\n}\\n' \"\$CK_MACHINE_SSL\" \"\$CK_MACHINE_SSL\" >nginx/nginx.conf && exec /usr/sbin/nginx -e stderr -p \"\$CK_RUN_DIR/nginx/\" -c nginx.conf -g 'daemon off; worker_processes 1;'"
sserver_start="exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert \"\$CK_MACHINE_SSL/machine-ssl.crt\" -key \"\$CK_MACHINE_SSL/machine-ssl.key\" -www"

# registry FRONTEND: the appliance with that front end
registry() {
	if [ "$1" = nginx ]; then
		fe_start=$nginx_start fe_reload="reload = signal:HUP"
	else
		fe_start=$sserver_start fe_reload=""
	fi
	{
		printf '[registry]\nsettle = 100ms\npoll = 10ms\n'
		for s in vmafdd vmdird vmcad; do
			printf '\n[service %s]\nstart = exec sleep 100000\ncore = yes\nstop_timeout = 2s\n' "$s"
		done
		for s in vpostgres vpxd ui updatemgr; do
			printf '\n[service %s]\nstart = exec sleep 100000\nrequires = vmcad\nstop_timeout = 2s\n' "$s"
		done
		printf '\n[service proxy]\nstart = %s\n%s\nprobe = tls:%s\ntls_endpoint = 127.0.0.1:%s\n' \
		    "$fe_start" "$fe_reload" "$PORT" "$PORT"
		printf 'requires = vmcad\nstart_timeout = 10s\nstop_timeout = 5s\n'
	} >"$REG"
}

MS=$(find "$CERTKIT_ROOT" -type d -name machine-ssl | head -1)

# measure WHAT CMD...: run CMD under the prober; print one result line
measure() {
	what=$1
	shift
	"$PROBER" 127.0.0.1 "$PORT" 10 >"$D/probe.out" &
	pp=$!
	sleep 0.5
	t0=$(date +%s%3N)
	"$@" >"$D/cmd.out" 2>&1 || true
	t1=$(date +%s%3N)
	sleep 0.5
	kill -TERM "$pp"
	wait "$pp" || true
	# the publish: when the new machine-ssl.crt was written (it is renamed
	# into place after the key, so its mtime is the end of the publish)
	pub=$(stat -c %.3Y "$MS/machine-ssl.crt" | tr -d .)
	set -- $(sed 's/[a-z_]*=//g' "$D/probe.out")
	case $what in *restart-policy*) new="$(($4 - pub)) ms" ;; *) new="-" ;; esac
	printf '%-34s %4s ms  attempts %4s  failed %3s  longest gap %5s ms  publish->new %7s  old-after-new %s\n' \
	    "$what" "$((t1 - t0))" "$1" "$2" "$3" "$new" "$5"
	grep -q -e 'done: ' -e 'Successfully' "$D/cmd.out" || { echo "  (the command failed:)"; sed 's/^/    /' "$D/cmd.out"; }
}

echo "swap_downtime: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each, prober every 10 ms"
for fe in s_server; do
	registry "$fe"
	"$SVCCTL" -r "$REG" --start --all >/dev/null
	echo "front end: $fe"
	for i in $(seq "$RUNS"); do
		measure "  own" strace -f -tt -o $D/st.own -e trace=kill,execve,connect,wait4,rename "$SVCCTL" -r "$REG" --restart proxy
	done
	for pol in minimal; do
		for i in $(seq "$RUNS"); do
			next=$((3 - cur))
			measure "  --restart-policy $pol" strace -f -tt -o $D/st.$pol -e trace=kill,execve,connect,wait4,rename "$SVCCTL" -r "$REG" --replace-cert \
			    --cert "$D/w/m$next.crt" --key "$D/w/m$next.key" --restart-policy "$pol"
			cur=$next
		done
	done
	"$SVCCTL" -r "$REG" --stop --all >/dev/null
done
