#!/bin/sh
# The README's test command.  On a fresh Debian 12 machine (as root) it
# installs what is missing, then:
#   1. builds with gcc and -Werror and runs the whole suite (unit + e2e);
#   2. builds with clang and -Werror (warnings must be clean with both);
#   3. builds with ASan+UBSan and runs the whole suite again;
#   4. runs the unit suites and the end-to-end tests (VALGRIND_E2E: all but
#      three timing tests) under valgrind memcheck: any error or definite
#      leak fails;
#   5. runs every libFuzzer target (fuzz/) for FUZZ_SECONDS (60) seconds
#      from the committed corpus, FUZZ_JOBS (2) at once: any crash, leak or
#      timeout fails.
# Test logs are printed so the results are visible in CI output, and each
# stage's wall time is in the summary.
# SKIP_ASAN=1, SKIP_CLANG=1, SKIP_VALGRIND=1, SKIP_FUZZ=1 leave a stage out.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
sh "$top/tests/deps.sh"
status=0
summary=""
npass=0 nfail=0

# tally RES P F: add a stage's passed and failed tests to the closing line;
# a stage that failed with no failed test counted (a build, a crash of the
# harness) counts as one failure, so a red run never reads "0 failed"
tally() {
	f=$3
	[ "$1" = ok ] || [ "$f" -gt 0 ] || f=1
	npass=$((npass + $2)) nfail=$((nfail + f))
}

# automake's summary in FILE: the PASS count, and FAIL + ERROR + XPASS
am_pass() { sed -n 's/^# PASS: *//p' "$1" | awk '{ n += $1 } END { print n + 0 }'; }
am_fail() { sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$1" | awk '{ n += $1 } END { print n + 0 }'; }

print_logs() {
	for log in $(find "$1/tests" -name '*.log' ! -name test-suite.log 2>/dev/null | sort); do
		echo "--- $log"
		cat "$log"
	done
}

# run_suite NAME BUILDDIR [configure args]: build, make check, print logs
run_suite() {
	name=$1 bdir=$2; shift 2
	echo "=== $name: build in $bdir ($*)"
	if ! sh "$top/tests/build.sh" "$bdir" "$@"; then
		status=1; tally FAILED 0 0; summary="$summary
$name: BUILD FAILED"; return
	fi
	echo "=== $name: make check"
	start=$(date +%s)
	if (cd "$bdir" && make -j2 check >check.out 2>&1); then res=ok; else res=FAILED; status=1; fi
	print_logs "$bdir"
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$bdir/check.out" || tail -30 "$bdir/check.out"
	tally $res "$(am_pass "$bdir/check.out")" "$(am_fail "$bdir/check.out")"
	summary="$summary
$name: $res ($(( $(date +%s) - start ))s) $(grep -E '^# (TOTAL|FAIL|ERROR):' "$bdir/check.out" | tr '\n' ' ')"
}

run_suite gcc "$top/build"

if [ "${SKIP_CLANG:-0}" != 1 ] && command -v clang >/dev/null; then
	echo "=== clang: -Werror build"
	start=$(date +%s)
	if CC=clang sh "$top/tests/build.sh" "$top/build-clang"; then
		summary="$summary
clang: build ok ($(( $(date +%s) - start ))s)"
	else
		status=1; tally FAILED 0 0; summary="$summary
clang: BUILD FAILED"
	fi
fi

if [ "${SKIP_ASAN:-0}" != 1 ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    run_suite asan "$top/build-asan" --enable-asan --enable-debug
fi

# The e2e tests run under memcheck (tests/lib.sh VALGRIND_TESTS=1 wraps every
# certool/vecs/svcctl they call): every e2e test of the three binaries and
# of the workflows, except three whose subject is timing, not memory, and
# that would take most of CI's time under memcheck (each binary start costs
# a second or more there): hostile_inputs.sh (100 MiB of service output,
# a full tmpfs, two racing swaps; ~15 min), vecs_crash.sh and svcctl_kill.sh
# (SIGKILL at random moments: a killed process reports no leaks anyway).
# demo.sh calls the binaries directly and hardening.sh reads ELF headers.
# VALGRIND_E2E="..." sets the list (e.g. to add those on a quiet machine).
VALGRIND_E2E=${VALGRIND_E2E:-"tests/e2e/certool_basic.sh tests/e2e/certool_ca.sh
 tests/e2e/certool_policy.sh tests/e2e/certool_revoke.sh tests/e2e/certool_errors.sh
 tests/e2e/vecs_compat.sh tests/e2e/vecs_errors.sh tests/e2e/vecs_extra.sh
 tests/e2e/vecs_lazycrypto.sh
 tests/e2e/svcctl_cli.sh tests/e2e/svcctl_systemd.sh tests/e2e/svcctl_manual.sh
 tests/e2e/svcctl_swap.sh tests/e2e/secrets.sh tests/e2e/workflow_csr.sh"}
VALGRIND_E2E=$(echo $VALGRIND_E2E)	# one line, for TESTS= and the echo
if [ "${SKIP_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null; then
	echo "=== valgrind: unit suites and $VALGRIND_E2E under memcheck"
	start=$(date +%s)
	if (cd "$top/build" && make -j2 check VALGRIND_TESTS=1 TESTS="tests/unit/runner $VALGRIND_E2E" \
	    >valgrind.out 2>&1); then
		res=ok
	else
		res=FAILED; status=1
	fi
	tally $res "$(am_pass "$top/build/valgrind.out")" "$(am_fail "$top/build/valgrind.out")"
	for t in tests/unit/runner $VALGRIND_E2E; do
		echo "--- valgrind: ${t%.sh}.log"
		cat "$top/build/${t%.sh}.log"
	done
	summary="$summary
valgrind (unit + e2e): $res ($(( $(date +%s) - start ))s) $(grep -E '^# (TOTAL|FAIL|ERROR):' "$top/build/valgrind.out" | tr '\n' ' ')"
fi

if [ "${SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null; then
	echo "=== fuzz: every target for ${FUZZ_SECONDS:-60}s"
	start=$(date +%s)
	if sh "$top/fuzz/run.sh" -t "${FUZZ_SECONDS:-60}" -j "${FUZZ_JOBS:-2}" -b "$top/build" \
	    >"$top/build/fuzz.out" 2>&1; then res=ok; else res=FAILED; status=1; fi
	cat "$top/build/fuzz.out"
	# each target is one test: "NAME: Done N runs ..." or "FAIL: NAME ..."
	tally $res "$(grep -c ': Done ' "$top/build/fuzz.out")" "$(grep -c '^FAIL: ' "$top/build/fuzz.out")"
	summary="$summary
fuzz: $res ($(( $(date +%s) - start ))s)"
fi

echo "=== summary$summary"
if [ "$status" = 0 ]; then echo "run-all: all stages passed"; else echo "run-all: FAILURES"; fi
# the closing line CI reads: every test of every stage (a fuzz target is one)
echo "run-all: $npass passed, $nfail failed"
exit $status
