#!/bin/sh
# certool_bench.sh: certool against the openssl command line, in one run.
#
#   certool --gencert (existing RSA-2048 key)  vs  openssl req -new + openssl x509 -req
#                                              and GnuTLS certtool --generate-certificate
#                                              (when installed: apt-get install gnutls-bin)
#   certool --genkey                           vs  openssl genpkey
#
# Prints the median wall time of each, the ratios, the instructions each
# --gencert path retires (callgrind, repeatable on a busy machine) and the
# peak RSS of the certool runs.  Run on demand (make bench-certool), never in the test
# suite: timings depend on the machine.
#
# usage: bench/certool_bench.sh [BUILDDIR] [RUNS]
set -eu

top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-${top_builddir:-$top_srcdir/build}}
runs=${2:-${RUNS:-41}}
CERTOOL=$builddir/certool/certool
OPENSSL=${OPENSSL:-openssl}
[ -x "$CERTOOL" ] || { echo "certool_bench: no $CERTOOL; build first" >&2; exit 1; }

W=$(mktemp -d "${TMPDIR:-/tmp}/ckbench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
export VMCA_DATA_DIR="$W/vmca"
cd "$W"

cat >host.cfg <<'EOF'
Name = host1.example.com
Country = US
State = CA
Locality = Palo Alto
Organization = Example
OrgUnit = Bench
Email = a@example.com
IPAddress = 10.0.0.5
Hostname = host1.example.com
EOF
# the same certificate profile for the openssl CLI
cat >ext.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = host1.example.com
[v3]
keyUsage = digitalSignature, nonRepudiation, keyEncipherment
subjectAltName = email:a@example.com, IP:10.0.0.5, DNS:host1.example.com
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
SUBJ="/CN=host1.example.com/C=US/ST=CA/L=Palo Alto/O=Example/OU=Bench"

"$CERTOOL" --selfca --config=host.cfg >/dev/null
"$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out leaf.key 2>/dev/null

# time_runs NAME CMDLINE: median wall time of CMDLINE in ms.  hyperfine
# when present (-N: no shell in between), else a loop over the clock.
time_runs() {
	_name=$1; shift
	if command -v hyperfine >/dev/null 2>&1; then
		hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$_name.json" \
		    "$*" >/dev/null 2>&1 || { echo "certool_bench: $_name failed: $*" >&2; exit 1; }
		sed -n 's/.*"median": *\([0-9.e-]*\).*/\1/p' "$_name.json" | head -1 |
		    awk '{ printf "%.2f\n", $1 * 1000 }'
		return
	fi
	: >"$_name.times"
	_i=0
	while [ "$_i" -lt "$runs" ]; do
		_t0=$(date +%s%N)
		$* >/dev/null 2>&1 || { echo "certool_bench: $_name failed: $*" >&2; exit 1; }
		_t1=$(date +%s%N)
		echo $(( (_t1 - _t0) / 1000 )) >>"$_name.times"
		_i=$((_i + 1))
	done
	sort -n "$_name.times" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f\n", m / 1000 }'
}

# The openssl two-step as one script, so both steps are timed together
# (the script's own /bin/sh start-up is a small handicap for openssl).
{
	echo '#!/bin/sh'
	echo "\"$OPENSSL\" req -new -key leaf.key -subj \"$SUBJ\" -config ext.cnf -out leaf.csr &&"
	echo "exec \"$OPENSSL\" x509 -req -in leaf.csr -CA \"$VMCA_DATA_DIR/root.cer\" \\"
	echo "    -CAkey \"$VMCA_DATA_DIR/privatekey.pem\" -set_serial 0x\$\$c0ffee \\"
	echo "    -days 730 -sha256 -extfile ext.cnf -extensions v3 -out leaf-ossl.crt 2>/dev/null"
} >twostep.sh
chmod +x twostep.sh
# GnuTLS certtool signs the same key with the same root, subject, SAN, key
# usage and lifetime (it fsyncs nothing; certool syncs the certificate, its
# directory and the VMCA index)
cat >gnutls.tmpl <<'EOF'
cn = "host1.example.com"
country = US
state = CA
locality = "Palo Alto"
organization = Example
unit = Bench
email = a@example.com
ip_address = 10.0.0.5
dns_name = host1.example.com
signing_key
encryption_key
expiration_days = 730
EOF

# peak RSS (KiB) of one run: /usr/bin/time -v, else getrusage(RUSAGE_CHILDREN)
peak_rss() {
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ { gsub(/ /, "", $2); print $2 }'
	else
		python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
	fi
}

echo "certool_bench: $runs runs each, median wall time (ms)"
echo "machine: $(uname -srm), $(nproc) CPUs; $("$OPENSSL" version)"
gc=$(time_runs gencert "$CERTOOL --gencert --privkey=leaf.key --cert=leaf.crt --config=host.cfg")
os=$(time_runs twostep "$W/twostep.sh")
# the same on tmpfs, where fsync costs nothing: what is left is CPU and
# process start-up (certool fsyncs its outputs and its index; openssl
# does not fsync at all)
gct=""
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	S=$(mktemp -d /dev/shm/ckbench.XXXXXX)
	cp -r "$VMCA_DATA_DIR" "$S/vmca"
	cp leaf.key host.cfg "$S/"
	gct=$(export VMCA_DATA_DIR="$S/vmca"; cd "$S" &&
	    time_runs gencert-tmpfs "$CERTOOL --gencert --privkey=leaf.key --cert=leaf.crt --config=host.cfg")
	rm -rf "$S"
fi
gk=$(time_runs genkey "$CERTOOL --genkey --privkey=k.pem --pubkey=p.pem")
gt=""
if command -v certtool >/dev/null 2>&1 && certtool --version 2>/dev/null | grep -qi gnutls; then
	gt=$(time_runs gnutls "certtool --generate-certificate --load-privkey leaf.key --load-ca-certificate $VMCA_DATA_DIR/root.cer --load-ca-privkey $VMCA_DATA_DIR/privatekey.pem --template gnutls.tmpl --outfile leaf-gnutls.crt")
	"$OPENSSL" verify -CAfile "$VMCA_DATA_DIR/root.cer" leaf-gnutls.crt >/dev/null
fi
nop=$(time_runs version "$CERTOOL --version")
og=$(time_runs genpkey "$OPENSSL genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ok.pem")
"$OPENSSL" verify -CAfile "$VMCA_DATA_DIR/root.cer" leaf.crt >/dev/null
"$OPENSSL" verify -CAfile "$VMCA_DATA_DIR/root.cer" leaf-ossl.crt >/dev/null
rss_gc=$(peak_rss "$CERTOOL" --gencert --privkey=leaf.key --cert=leaf.crt --config=host.cfg)
rss_gk=$(peak_rss "$CERTOOL" --genkey --privkey=k.pem --pubkey=p.pem)
rss_os=$(peak_rss "$OPENSSL" x509 -req -in leaf.csr -CA "$VMCA_DATA_DIR/root.cer" \
    -CAkey "$VMCA_DATA_DIR/privatekey.pem" -days 730 -extfile ext.cnf -extensions v3 -out x.crt)

printf '%-44s %10s\n' "command" "median ms"
printf '%-44s %10s\n' "certool --gencert (RSA-2048 key given)" "$gc"
[ -n "$gct" ] && printf '%-44s %10s\n' "certool --gencert, files on tmpfs" "$gct"
printf '%-44s %10s\n' "openssl req -new + openssl x509 -req" "$os"
[ -n "$gt" ] && printf '%-44s %10s\n' "GnuTLS certtool --generate-certificate" "$gt"
printf '%-44s %10s\n' "certool --version (process start-up floor)" "$nop"
printf '%-44s %10s\n' "certool --genkey (RSA-2048)" "$gk"
printf '%-44s %10s\n' "openssl genpkey (RSA-2048)" "$og"
awk -v a="$os" -v b="$gc" 'BEGIN { printf "gencert speed-up vs openssl two-step: %.1fx (target >= 8x)\n", a / b }'
[ -n "$gct" ] && awk -v a="$os" -v b="$gct" 'BEGIN { printf "gencert speed-up with its files on tmpfs:  %.1fx\n", a / b }'
[ -n "$gt" ] && awk -v a="$gt" -v b="$gc" 'BEGIN { printf "gencert vs GnuTLS certtool: %.2fx (target >= 1x)\n", a / b }'
[ -n "$gt" ] && [ -n "$gct" ] && awk -v a="$gt" -v b="$gct" 'BEGIN { printf "gencert on tmpfs vs GnuTLS certtool: %.2fx\n", a / b }'
awk -v a="$og" -v b="$gk" 'BEGIN { printf "genkey  speed-up vs openssl genpkey:  %.2fx (key generation is random: a wide spread)\n", a / b }'
# Instructions retired (callgrind): the same for the same binaries and
# inputs however busy the machine is, so the CPU side of the comparison can
# be read on a shared machine where wall times are mostly waiting for a core.
# CALLGRIND=0 leaves it out.
instr() {
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
	    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
if [ "${CALLGRIND:-1}" != 0 ] && command -v valgrind >/dev/null 2>&1; then
	ig=$(instr "$CERTOOL" --gencert --privkey=leaf.key --cert=leaf.crt --config=host.cfg)
	ir=$(instr "$OPENSSL" req -new -key leaf.key -subj "$SUBJ" -config ext.cnf -out leaf.csr)
	ix=$(instr "$OPENSSL" x509 -req -in leaf.csr -CA "$VMCA_DATA_DIR/root.cer" \
	    -CAkey "$VMCA_DATA_DIR/privatekey.pem" -set_serial 0xc0ffee -days 730 -sha256 \
	    -extfile ext.cnf -extensions v3 -out leaf-ossl.crt)
	iv=$(instr "$CERTOOL" --version)
	awk -v g="$ig" -v r="$ir" -v x="$ix" -v v="$iv" 'BEGIN {
		printf "instructions (callgrind): certool --gencert %.1fM (of which start-up %.1fM); openssl req %.1fM + x509 -req %.1fM = %.1fM: %.1fx (target >= 8x)\n",
		    g / 1e6, v / 1e6, r / 1e6, x / 1e6, (r + x) / 1e6, (r + x) / g }'
	if [ -n "$gt" ]; then
		igt=$(instr certtool --generate-certificate --load-privkey leaf.key \
		    --load-ca-certificate "$VMCA_DATA_DIR/root.cer" --load-ca-privkey "$VMCA_DATA_DIR/privatekey.pem" \
		    --template gnutls.tmpl --outfile leaf-gnutls.crt)
		awk -v g="$ig" -v t="$igt" 'BEGIN { printf "instructions (callgrind): GnuTLS certtool %.1fM: certool retires %.2fx fewer\n", t / 1e6, t / g }'
	fi
fi
echo "peak RSS: certool --gencert ${rss_gc} KiB, certool --genkey ${rss_gk} KiB (target <= 8192), openssl x509 -req ${rss_os} KiB"
