#!/bin/sh
# hardening.sh: the shipped binaries carry the hardening configure probes
# for: full RELRO (GNU_RELRO + BIND_NOW), PIE, a non-executable stack, the
# stack protector (__stack_chk_fail) and FORTIFY_SOURCE (*_chk calls).
# Skipped for --enable-asan and --disable-hardening builds; FORTIFY is not
# expected with --enable-debug (-O0).
. "$top_srcdir/tests/lib.sh"
command -v readelf >/dev/null 2>&1 || skip "readelf not found"
cfg="$top_builddir/config.status"
[ -f "$cfg" ] || skip "no config.status in $top_builddir"
grep -q -e '--enable-asan' "$cfg" && skip "sanitizer build"
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
