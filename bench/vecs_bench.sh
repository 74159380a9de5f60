#!/bin/sh
# bench/vecs_bench.sh: vecs against NSS certutil on the same certificates.
#
#   sh bench/vecs_bench.sh [BUILD_DIR]      (default: ./build; needs root-owned
#                                            or own scratch dir, ~1 GB free)
#
# Measures, in one run:
#   1. entry create into a store of 10k entries   (vecs entry create vs certutil -A)
#   2. getcert on stores of 100 and 100k entries  (vecs entry getcert vs certutil -L -n -a)
#   3. listing 100k entries: time and peak RSS     (vecs entry list vs certutil -L)
#   4. bulk import of 100k certificates            (vecs entry import --bundle vs a
#                                                   certutil -A per certificate; certutil
#                                                   is timed on 1000 and scaled, since
#                                                   100k runs would take most of an hour)
# Certificates are self-signed EC P-256 ones, each with its own key, made by
# a small C program (100k in well under a minute).  NSS databases are filled
# by a small C loader on libnss3 (one process), since certutil has no bulk
# import.  NSS import costs ~4 ms per certificate and grows with the
# database, so the large NSS database has NSS_BIG certificates (default
# 10000; NSS_BIG=100000 adds ~10 minutes).  The vecs side always uses 100k.
# Prints a table and the targets; never part of `make check`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$top/build}
VECS="$B/vecs/vecs"
[ -x "$VECS" ] || { echo "build vecs first ($VECS missing)"; exit 1; }
for c in certutil hyperfine cc pkg-config /usr/bin/time; do
	command -v "$c" >/dev/null 2>&1 || { echo "$c is needed"; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/vecsbench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export CERTKIT_ROOT="$W/root"
mkdir -p "$CERTKIT_ROOT"
RUNS=${RUNS:-30}
NSS_BIG=${NSS_BIG:-10000}

# --- tools ------------------------------------------------------------------
cat >"$W/gen.c" <<'EOF'
/* gen N OUT PREFIX: N self-signed EC certificates (trust-store style), each with
 * its own key and subject, as one PEM bundle. */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
int main(int argc, char **argv) {
	long n = atol(argv[1]);
	FILE *f = fopen(argv[2], "w");
	for (long i = 0; i < n; i++) {
		char cn[64];
		X509 *x = X509_new();
		EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		X509_NAME *sn = X509_NAME_new();
		snprintf(cn, sizeof(cn), "%s-%ld.example", argv[3], i);
		X509_NAME_add_entry_by_txt(sn, "CN", MBSTRING_ASC, (unsigned char *)cn, -1, -1, 0);
		X509_set_version(x, 2);
		ASN1_INTEGER_set_int64(X509_get_serialNumber(x), i + 1);
		X509_set_issuer_name(x, sn);
		X509_set_subject_name(x, sn);
		X509_gmtime_adj(X509_getm_notBefore(x), 0);
		X509_gmtime_adj(X509_getm_notAfter(x), 86400L * (1 + i % 700));
		X509_set_pubkey(x, k);
		X509_sign(x, k, EVP_sha256());
		PEM_write_X509(f, x);
		X509_NAME_free(sn);
		EVP_PKEY_free(k);
		X509_free(x);
	}
	return fclose(f) != 0;
}
EOF
cat >"$W/nssload.c" <<'EOF'
/* nssload DBDIR BUNDLE PREFIX: import every cert of BUNDLE into an NSS
 * sql: database as nickname PREFIX<i>, in one process. */
#include <stdio.h>
#include <string.h>
#include <nss.h>
#include <pk11pub.h>
#include <cert.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
int main(int argc, char **argv) {
	char db[4096], nick[64];
	FILE *f = fopen(argv[2], "r");
	X509 *x;
	long i = 0;
	snprintf(db, sizeof(db), "sql:%s", argv[1]);
	if (NSS_InitReadWrite(db) != SECSuccess) return 1;
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		unsigned char *der = NULL;
		int len = i2d_X509(x, &der);
		SECItem it = { siBuffer, der, (unsigned int)len };
		snprintf(nick, sizeof(nick), "%s%ld", argv[3], i++);
		if (PK11_ImportDERCert(slot, &it, CK_INVALID_HANDLE, nick, PR_FALSE) != SECSuccess)
			return 2;
		OPENSSL_free(der);
		X509_free(x);
	}
	PK11_FreeSlot(slot);
	return NSS_Shutdown() != SECSuccess;
}
EOF
cc -O2 -o "$W/gen" "$W/gen.c" -lcrypto
cc -O2 -o "$W/nssload" "$W/nssload.c" $(pkg-config --cflags --libs nss) -lcrypto

now() { date +%s.%N; }
el() { echo "$2 - $1" | bc -l | awk '{printf "%.3f", $1}'; }
mean_ms() { python3 -c "import json,sys; print('%.2f' % (json.load(open(sys.argv[1]))['results'][0]['mean']*1000))" "$1"; }
# CPU time (user + system), less sensitive than wall time to a busy machine
cpu_ms() { python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.2f' % ((r['user']+r['system'])*1000))" "$1"; }
nth() { awk -v n="$2" '/BEGIN CERTIFICATE/{i++} i==n' "$1"; }

echo "generating certificates..."
t0=$(now)
"$W/gen" 100000 "$W/c100k.pem" big
"$W/gen" 10000 "$W/c10k.pem" mid
"$W/gen" 100 "$W/c100.pem" small
if [ "$NSS_BIG" = 100000 ]; then cp "$W/c100k.pem" "$W/cbig.pem"; elif [ "$NSS_BIG" = 10000 ]; then cp "$W/c10k.pem" "$W/cbig.pem"; else "$W/gen" "$NSS_BIG" "$W/cbig.pem" nss; fi
"$W/gen" 1200 "$W/extra.pem" extra
echo "  111300 certificates in $(el "$t0" "$(now)") s"
mkdir -p "$W/extra"
awk -v d="$W/extra" '/BEGIN CERTIFICATE/{n++; f=sprintf("%s/%d.pem", d, n)} {print > f} /END CERTIFICATE/{close(f)}' "$W/extra.pem"

# --- fill vecs stores ----------------------------------------------------------
for s in S100 S10K S100K IMP; do "$VECS" store create --name $s >/dev/null; done
t0=$(now); "$VECS" entry import --store S100 --bundle "$W/c100.pem" >/dev/null
"$VECS" entry import --store S10K --bundle "$W/c10k.pem" >/dev/null
"$VECS" entry import --store S100K --bundle "$W/c100k.pem" >/dev/null 2>&1
echo "  vecs stores filled in $(el "$t0" "$(now)") s"
A100=$("$VECS" entry list --store S100 --aliases | sed -n 51p)
A100K=$("$VECS" entry list --store S100K --aliases | sed -n 50001p)

# --- fill NSS databases --------------------------------------------------------------
for d in n100 n10k nbig nimp; do mkdir -p "$W/$d"; certutil -N -d "sql:$W/$d" --empty-password; done
t0=$(now)
# (the loader only: no cache table, much faster; certutil runs with defaults)
NSS_SDB_USE_CACHE=no "$W/nssload" "$W/n100" "$W/c100.pem" c
NSS_SDB_USE_CACHE=no "$W/nssload" "$W/n10k" "$W/c10k.pem" c
if [ "$NSS_BIG" = 10000 ]; then rm -rf "$W/nbig"; ln -s "$W/n10k" "$W/nbig"; else
	NSS_SDB_USE_CACHE=no "$W/nssload" "$W/nbig" "$W/cbig.pem" c; fi
echo "  NSS databases filled in $(el "$t0" "$(now)") s (libnss3 loader, one process)"

# --- 1. create into a 10k store ---------------------------------------------------------
NC=200
t0=$(now)
i=1; while [ $i -le $NC ]; do "$VECS" entry create --store S10K --alias "new$i" --cert "$W/extra/$i.pem" >/dev/null; i=$((i + 1)); done
V_CREATE=$(echo "($(now) - $t0) * 1000 / $NC" | bc -l)
t0=$(now)
i=1; while [ $i -le $NC ]; do certutil -A -d "sql:$W/n10k" -n "new$i" -t C,, -a -i "$W/extra/$i.pem"; i=$((i + 1)); done
N_CREATE=$(echo "($(now) - $t0) * 1000 / $NC" | bc -l)

# --- 2. getcert ---------------------------------------------------------------------------
hyperfine -N -w 3 -r "$RUNS" --export-json "$W/g1.json" "$VECS entry getcert --store S100 --alias $A100" >/dev/null 2>&1
hyperfine -N -w 3 -r "$RUNS" --export-json "$W/g2.json" "$VECS entry getcert --store S100K --alias $A100K" >/dev/null 2>&1
hyperfine -N -w 3 -r "$RUNS" --export-json "$W/g3.json" "certutil -L -d sql:$W/n100 -n c50 -a" >/dev/null 2>&1
hyperfine -N -w 3 -r "$RUNS" --export-json "$W/g4.json" "certutil -L -d sql:$W/nbig -n c$((NSS_BIG / 2)) -a" >/dev/null 2>&1
VG100=$(mean_ms "$W/g1.json"); VG100K=$(mean_ms "$W/g2.json")
NG100=$(mean_ms "$W/g3.json"); NG100K=$(mean_ms "$W/g4.json")
VC100=$(cpu_ms "$W/g1.json"); VC100K=$(cpu_ms "$W/g2.json")
NC100=$(cpu_ms "$W/g3.json"); NC100K=$(cpu_ms "$W/g4.json")

# --- 3. list 100k -------------------------------------------------------------------------
rss() { /usr/bin/time -f '%e %M' "$@" 2>&1 >/dev/null | tail -n 1; }
"$VECS" entry list --store S100K >/dev/null	# warm the page cache
set -- $(rss "$VECS" entry list --store S100K); VL_T=$1 VL_M=$2
set -- $(rss "$VECS" entry list --store S100); VL100_M=$2
set -- $(rss "$VECS" entry list --store S100K --aliases); VLA_T=$1 VLA_M=$2
set -- $(rss certutil -L -d "sql:$W/nbig"); NL_T=$1 NL_M=$2
LINES=$("$VECS" entry list --store S100K | grep -c '^Alias :')

# --- 4. bulk import ----------------------------------------------------------------------
t0=$(now); "$VECS" entry import --store IMP --bundle "$W/c100k.pem" >/dev/null 2>&1; VI=$(el "$t0" "$(now)")
t0=$(now)
i=1; while [ $i -le 1000 ]; do certutil -A -d "sql:$W/nimp" -n "i$i" -t C,, -a -i "$W/extra/$i.pem"; i=$((i + 1)); done
NI1K=$(el "$t0" "$(now)")
NI=$(echo "$NI1K * 100" | bc -l | awk '{printf "%.0f", $1}')
DBSIZE=$(du -sh "$(dirname "$(find "$CERTKIT_ROOT" -name data.mdb)")" | cut -f1)

r() { echo "$1 / $2" | bc -l | awk '{printf "%.1f", $1}'; }
printf '\n%-44s %12s %12s %8s\n' "operation" "vecs" "certutil" "speedup"
printf '%-44s %10.2fms %10.2fms %7sx\n' "entry create, store of 10k (mean of $NC)" "$V_CREATE" "$N_CREATE" "$(r "$N_CREATE" "$V_CREATE")"
printf '%-44s %10.2fms %10.2fms %7sx\n' "getcert, store of 100" "$VG100" "$NG100" "$(r "$NG100" "$VG100")"
printf '%-44s %10.2fms %10.2fms %7sx\n' "getcert, store of 100k (certutil: $NSS_BIG)" "$VG100K" "$NG100K" "$(r "$NG100K" "$VG100K")"
printf '%-44s %10.2fms %10.2fms %7sx\n' "  getcert CPU time (user+sys), store of 100" "$VC100" "$NC100" "$(r "$NC100" "$VC100")"
printf '%-44s %10.2fms %10.2fms %7sx\n' "  getcert CPU time, store of 100k / $NSS_BIG" "$VC100K" "$NC100K" "$(r "$NC100K" "$VC100K")"
printf '%-44s %11ss %11ss\n' "list 100k entries, PEM (certutil -L: $NSS_BIG)" "$VL_T" "$NL_T"
printf '%-44s %11ss\n' "list 100k entries --aliases" "$VLA_T"
printf '%-44s %10sKB %10sKB\n' "peak RSS, list 100k (certutil: $NSS_BIG)" "$VL_M" "$NL_M"
printf '%-44s %10sKB\n' "peak RSS, list 100 (vecs)" "$VL100_M"
printf '%-44s %10sKB\n' "peak RSS, list 100k --aliases (vecs)" "$VLA_M"
printf '%-44s %11ss %11ss %7sx\n' "bulk import 100k (certutil: 1000 x 100)" "$VI" "$NI" "$(r "$NI" "$VI")"
echo
echo "entries listed: $LINES; vecs database: $DBSIZE"
echo "targets: create >= 3x: $(r "$N_CREATE" "$V_CREATE")x; getcert >= 3x: $(r "$NG100" "$VG100")x (100), $(r "$NG100K" "$VG100K")x (big);" \
    "getcert 100k/100 <= 1.3: $(r "$VG100K" "$VG100"); list 100k < 0.5 s: $VL_T s"
