#!/bin/sh
# Build the libFuzzer targets with clang, ASan and UBSan.
#   sh fuzz/build.sh [BUILDDIR] [OUTDIR]
# BUILDDIR is a configured build tree (for config.h; default build/),
# OUTDIR receives one binary per fuzz/fuzz_*.c (default BUILDDIR/fuzz).
# lib/*.c go into one archive, so a target may #include a lib source to reach
# its static decoders (its own copy then wins over the archive member).  A
# target names the binaries' sources it needs in a line
#   /* fuzz-extra: vecs/main.c vecs/opts.c */
# they are compiled with main renamed, so argument parsers can be driven
# without running commands.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${1:-$top/build}
out=${2:-$bdir/fuzz}
[ -f "$bdir/config.h" ] || { echo "fuzz/build.sh: $bdir/config.h missing: configure first (sh tests/build.sh)" >&2; exit 1; }
command -v clang >/dev/null || { echo "fuzz/build.sh: clang is needed" >&2; exit 1; }
mkdir -p "$out/obj"
CFLAGS="-g -O1 -std=c11 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
 -I$top/lib -I$bdir -DCK_FUZZING=1 -DCK_LOCALSTATEDIR=\"/var\" -DCK_SYSCONFDIR=\"/etc\" -DCK_DATADIR=\"/usr/share/certkit\"
 $(pkg-config --cflags libcrypto libssl lmdb inih)"
LIBS="$(pkg-config --libs libssl libcrypto lmdb inih)"
objs=""
for c in "$top"/lib/*.c; do
	o="$out/obj/$(basename "$c" .c).o"
	# shellcheck disable=SC2086
	clang $CFLAGS -c "$c" -o "$o"
	objs="$objs $o"
done
rm -f "$out/obj/libfuzzck.a"
# shellcheck disable=SC2086
ar rcs "$out/obj/libfuzzck.a" $objs
for f in "$top"/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	extra=$(sed -n 's|^/\* fuzz-extra: \(.*\) \*/$|\1|p' "$f")
	eobjs=""
	for e in $extra; do
		o="$out/obj/$name-$(echo "$e" | tr / _).o"
		# shellcheck disable=SC2086
		clang $CFLAGS -I"$top/$(dirname "$e")" -Dmain=ck_fuzz_unused_main -c "$top/$e" -o "$o"
		eobjs="$eobjs $o"
	done
	# shellcheck disable=SC2086
	clang $CFLAGS -fsanitize=fuzzer "$f" $eobjs "$out/obj/libfuzzck.a" $LIBS -o "$out/$name"
	echo "built $out/$name"
done
