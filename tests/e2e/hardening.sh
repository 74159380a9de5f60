#!/bin/sh
# hardening.sh: the shipped binaries carry the hardening configure probes
# for: full RELRO (GNU_RELRO + BIND_NOW), PIE, a non-executable stack, the
# stack protector (__stack_chk_fail) and FORTIFY_SOURCE (*_chk calls).
# And no test hook: in a build without --enable-test-hooks (a release),
# strings finds no CERTKIT_TEST_ or CERTKIT_FAKE_NOW in any binary; in a
# test build it does find them, which shows the check can see a leak.
# The ELF checks are skipped for --enable-asan, --enable-fuzzing and
# --disable-hardening builds; FORTIFY is not expected with --enable-debug
# (-O0).  tests/run-all.sh runs this on its clang release build too.
. "$top_srcdir/tests/lib.sh"
command -v readelf >/dev/null 2>&1 || skip "readelf not found"
command -v strings >/dev/null 2>&1 || skip "strings not found"
cfg="$top_builddir/config.status"
[ -f "$cfg" ] || skip "no config.status in $top_builddir"

hooks=0
grep -q '^#define CK_TEST_HOOKS 1' "$top_builddir/config.h" && hooks=1
: >"$T/allhooks"
for b in certool/certool vecs/vecs svcctl/svcctl; do
	n=$(basename "$b")
	strings -a "$top_builddir/$b" | grep -oE 'CERTKIT_(TEST_[A-Z0-9_]*|FAKE_NOW)' | sort -u >"$T/hooks"
	cat "$T/hooks" >>"$T/allhooks"
	if [ "$hooks" = 0 ]; then
		t "$n: release build: no test hook in the binary"
		if [ -s "$T/hooks" ]; then fail "hook names in $b: $(tr '\n' ' ' <"$T/hooks")"; else ok; fi
	fi
done
if [ "$hooks" = 1 ]; then
	t "test build: strings finds the hooks (so a release check would see a leak)"
	if [ -s "$T/allhooks" ]; then ok; else fail "no hook name in any binary"; fi
fi

# vecs loads libcrypto with dlopen (vecs/lazycrypto.c) and declares it in a
# freedesktop.org "ELF dlopen metadata" note: owner FDO, type 0x407c0c0a,
# a JSON array naming the soname with priority "required"
t "vecs: a .note.dlopen note, owner FDO, type 0x407c0c0a"
readelf -nW "$VECS" >"$T/notes" 2>&1
if grep -E '^ *FDO ' "$T/notes" | grep -qE '0x407c0c0a|FDO_DLOPEN_METADATA'; then ok; else fail "no FDO dlopen note"; fi
t "vecs: the note names libcrypto as required"
readelf -p .note.dlopen "$VECS" | sed -n 's/^ *\[ *[0-9a-f]*\] *\(\[{.*\)$/\1/p' >"$T/dlopen.json"
has "$T/dlopen.json" '"soname":["libcrypto.so.'
has "$T/dlopen.json" '"priority":"required"'
if command -v python3 >/dev/null 2>&1; then
	t "vecs: the note's JSON parses, one entry with a soname list"
	run python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert isinstance(d[0]["soname"], list) and d[0]["feature"]; print(d[0]["soname"][0])' "$T/dlopen.json"
	eq "$rc:$(cat "$T/out")" "0:$(sed -n 's/.*"soname":\["\([^"]*\)".*/\1/p' "$T/dlopen.json")"
fi
t "vecs: not linked with libcrypto (the note is the only record)"
if readelf -dW "$VECS" | grep -q 'NEEDED.*libcrypto'; then fail "vecs links libcrypto"; else ok; fi

if grep -q -e '--enable-asan' -e '--enable-fuzzing' "$cfg"; then
	echo "# sanitizer build: the ELF hardening checks are skipped"
	finish
fi
grep -q -e '--disable-hardening' "$cfg" && skip "built with --disable-hardening"
debug=0
grep -q -e '--enable-debug' "$cfg" && debug=1

for b in certool/certool vecs/vecs svcctl/svcctl; do
	bin="$top_builddir/$b"
	n=$(basename "$b")
	readelf -hW "$bin" >"$T/h" 2>&1
	readelf -lW "$bin" >"$T/l" 2>&1
	readelf -dW "$bin" >"$T/d" 2>&1
	readelf --dyn-syms -W "$bin" >"$T/s" 2>&1
	t "$n: PIE"
	has "$T/h" "DYN (Position-Independent Executable"
	has "$T/d" "PIE"
	t "$n: RELRO"
	has "$T/l" "GNU_RELRO"
	t "$n: BIND_NOW (full RELRO)"
	if grep -qE 'BIND_NOW|Flags:.* NOW' "$T/d"; then ok; else fail "no BIND_NOW"; fi
	t "$n: non-executable stack"
	if grep -E '^ *GNU_STACK' "$T/l" | grep -q 'RWE'; then fail "executable stack"; else ok; fi
	has "$T/l" "GNU_STACK"
	t "$n: stack protector"
	has "$T/s" "__stack_chk_fail"
	t "$n: FORTIFY_SOURCE"
	if [ "$debug" = 1 ]; then
		echo "# skip: --enable-debug builds at -O0 without FORTIFY_SOURCE"
	elif grep -qE '__[a-z_]+_chk(@|$| )' "$T/s" && grep -E '__[a-z_]+_chk' "$T/s" | grep -vq '__stack_chk'; then
		ok
	else
		fail "no fortified (_chk) calls"
	fi
	t "$n: no RPATH/RUNPATH"
	if grep -qE 'RPATH|RUNPATH' "$T/d"; then fail "has an rpath"; else ok; fi
done

finish
