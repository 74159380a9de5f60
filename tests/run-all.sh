#!/bin/sh
# The README's test command: installs what is missing, builds with -Werror,
# runs the whole suite, then runs it again under ASan+UBSan.  Prints the
# test logs so the results are visible in CI output.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tests/deps.sh"
status=0

run_suite() {
	bdir=$1; shift
	echo "=== build: $bdir ($*)"
	sh "$top/tests/build.sh" "$bdir" "$@"
	echo "=== make check: $bdir"
	if ! (cd "$bdir" && make -j2 check >check.out 2>&1); then status=1; fi
	for log in $(find "$bdir/tests" -name '*.log' ! -name test-suite.log | sort); do
		echo "--- $log"
		cat "$log"
	done
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$bdir/check.out" || cat "$bdir/check.out"
}

run_suite "$top/build"
if [ "${SKIP_ASAN:-0}" != 1 ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    run_suite "$top/build-asan" --enable-asan --enable-debug
fi
if [ "$status" = 0 ]; then echo "run-all: all suites passed"; else echo "run-all: FAILURES"; fi
exit $status
