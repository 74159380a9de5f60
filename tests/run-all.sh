#!/bin/sh
# The README's test command (and .ci/run's).  On a fresh Debian 12 machine
# (as root) it installs what is missing, then runs five stages, each
# proving something the others do not:
#   1. gcc: builds with -Werror and the test hooks; runs the unit suites,
#      the randomised kill/hang-up loops at full size (GCC_TESTS; CK_TRIALS
#      unset: each test's own count, e.g. 50+50 hang-up trials) and the
#      fleet tests (Ansible over a real sshd), which need no sanitizer;
#   2. deb: tests/deb.sh builds the Debian package (a hardened release
#      build with no test hooks; its dh_auto_test runs tests/e2e/hardening.sh:
#      RELRO, PIE, stack protector, FORTIFY, and `strings` finds no
#      CERTKIT_TEST_* or CERTKIT_FAKE_NOW), lintians it, installs it, runs the
#      installed programs against a sandbox and purges it (as root on
#      Debian; SKIP_DEB=1 leaves it out).  Where it did not pass, and in the
#      soak, a clang release build (-Werror, --disable-test-hooks) is checked
#      by hardening.sh instead;
#   3. asan: clang with ASan+UBSan (+LSan) and libFuzzer's coverage
#      instrumentation (--enable-fuzzing): every unit and end-to-end test
#      but the fleet ones, the kill/hang-up loops cut to CK_TRIALS (5)
#      trials, since the gcc stage runs them in full.  This is where the
#      end-to-end tests prove behaviour, under the sanitizers; the gcc stage
#      does not repeat them;
#   4. valgrind: memcheck finds what ASan does not (reads of uninitialised
#      memory): the unit suites and tests/e2e/smoke.sh, a short pass
#      through each program (VALGRIND_E2E sets the e2e list);
#   5. fuzz: every libFuzzer target, built in the asan tree (`make
#      fuzz-build`), replays its committed corpus and then fuzzes for
#      FUZZ_SECONDS (5) seconds, FUZZ_JOBS (2) at once.
# `sh tests/run-all.sh --long` is the soak, for a quiet machine (it takes
# much longer): the gcc stage runs every test, the kill loops with CK_TRIALS
# (500) trials in the gcc and asan stages, CK_LONG=1 (the fleet tests' extra
# playbook runs), every e2e test but three timing ones under valgrind, and
# FUZZ_SECONDS (300) seconds per fuzz target.
# Test fixtures (keys, CAs; tests/lib.sh's cached_fixture) are made once
# per stage and shared by its tests; the unit suites' keys once per run
# (CK_TEST_KEYDIR).  Tests run CHECK_JOBS (3) at once on 2 CPUs: the long
# ones (SSH round trips, services settling) mostly wait, and start first.
# Test logs are printed so the results are visible in CI output, and each
# stage's wall time is in the summary; the last line is
# "run-all: N passed, N failed".
# SKIP_GCC=1, SKIP_CLANG=1, SKIP_ASAN=1, SKIP_VALGRIND=1, SKIP_FUZZ=1 leave
# a stage out (SKIP_ASAN also leaves out fuzz, which is built there).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
long=0
case ${1:-} in
--long) long=1 ;;
"") ;;
*) echo "usage: sh tests/run-all.sh [--long]" >&2; exit 2 ;;
esac
sh "$top/tests/deps.sh"
# the unit suites' keys (tests/unit/helpers.c): made by the first stage,
# loaded by the others (under valgrind an RSA key takes 20-60 CPU-seconds)
CK_TEST_KEYDIR=$(mktemp -d "${TMPDIR:-/tmp}/ckkeys.XXXXXX")
export CK_TEST_KEYDIR
trap 'rm -rf "$CK_TEST_KEYDIR"' EXIT
status=0
summary=""
npass=0 nfail=0
if [ "$long" = 1 ]; then
	GCC_TRIALS=${CK_TRIALS:-500} ASAN_TRIALS=${CK_TRIALS:-500}
	GCC_TESTS=${GCC_TESTS:-}	# every test
	# tests with cases only the soak runs (fleet_rotate.sh's extra playbook runs)
	CK_LONG=1; export CK_LONG
	FUZZ_SECONDS=${FUZZ_SECONDS:-300}
	# the e2e tests under memcheck: all but three whose subject is timing,
	# not memory (hostile_inputs.sh: 100 MiB of service output, a full
	# tmpfs, racing swaps; vecs_crash.sh and svcctl_kill.sh: SIGKILL at
	# random moments, and a killed process reports no leaks anyway);
	# demo.sh calls the binaries directly and hardening.sh reads ELF headers
	VALGRIND_E2E=${VALGRIND_E2E:-"tests/e2e/certool_basic.sh tests/e2e/certool_ca.sh
	 tests/e2e/certool_policy.sh tests/e2e/certool_revoke.sh tests/e2e/certool_errors.sh
	 tests/e2e/vecs_compat.sh tests/e2e/vecs_errors.sh tests/e2e/vecs_extra.sh
	 tests/e2e/vecs_lazycrypto.sh
	 tests/e2e/svcctl_cli.sh tests/e2e/svcctl_systemd.sh tests/e2e/svcctl_manual.sh
	 tests/e2e/svcctl_swap.sh tests/e2e/secrets.sh tests/e2e/workflow_csr.sh"}
else
	GCC_TRIALS=${CK_TRIALS:-} ASAN_TRIALS=${CK_TRIALS:-5}
	# the longest first: with CHECK_JOBS at once they overlap from the start
	GCC_TESTS=${GCC_TESTS:-"tests/e2e/fleet_fail.sh tests/e2e/fleet_rotate.sh
	 tests/e2e/svcctl_hangup.sh tests/e2e/vecs_crash.sh tests/e2e/fleet_lint.sh tests/unit/runner"}
	FUZZ_SECONDS=${FUZZ_SECONDS:-5}
	VALGRIND_E2E=${VALGRIND_E2E:-tests/e2e/smoke.sh}
fi
VALGRIND_E2E=$(echo $VALGRIND_E2E)	# one line, for TESTS= and the echo
GCC_TESTS=$(echo $GCC_TESTS)
CHECK_JOBS=${CHECK_JOBS:-3}

# tally RES P F: add a stage's passed and failed tests to the closing line;
# a stage that failed with no failed test counted (a build, a crash of the
# harness) counts as one failure, so a red run never reads "0 failed"
tally() {
	f=$3
	[ "$1" = ok ] || [ "$f" -gt 0 ] || f=1
	npass=$((npass + $2)) nfail=$((nfail + f))
}
# note LINE: a line of the closing summary
note() { summary="$summary
$*"; }

# automake's summary in FILE: the PASS count, and FAIL + ERROR + XPASS
am_pass() { sed -n 's/^# PASS: *//p' "$1" | awk '{ n += $1 } END { print n + 0 }'; }
am_fail() { sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$1" | awk '{ n += $1 } END { print n + 0 }'; }
am_totals() { grep -E '^# (TOTAL|FAIL|ERROR):' "$1" | tr '\n' ' '; }

print_logs() {
	for log in $(find "$1/tests" -name '*.log' ! -name test-suite.log 2>/dev/null | sort); do
		echo "--- $log"
		cat "$log"
	done
}

# build NAME BUILDDIR [configure args]: tests/build.sh, a failure counted
build() {
	name=$1 bdir=$2; shift 2
	echo "=== $name: build in $bdir ($*)"
	if sh "$top/tests/build.sh" "$bdir" "$@"; then return 0; fi
	status=1; tally FAILED 0 0; note "$name: BUILD FAILED"
	return 1
}

# check NAME BUILDDIR TRIALS [make args]: make check with fresh fixtures,
# print the logs, count the results
check() {
	name=$1 bdir=$2 trials=$3; shift 3
	echo "=== $name: make check $*"
	start=$(date +%s)
	rm -rf "$bdir/tests/fixtures"
	if (cd "$bdir" && ${trials:+env CK_TRIALS="$trials"} make -j"$CHECK_JOBS" check "$@" >"$name.out" 2>&1); then
		res=ok
	else
		res=FAILED; status=1
	fi
	print_logs "$bdir"
	grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$bdir/$name.out" || tail -30 "$bdir/$name.out"
	tally $res "$(am_pass "$bdir/$name.out")" "$(am_fail "$bdir/$name.out")"
	note "$name: $res ($(( $(date +%s) - start ))s) $(am_totals "$bdir/$name.out")"
}

if [ "${SKIP_GCC:-0}" != 1 ]; then
	if build gcc "$top/build"; then
		if [ -n "$GCC_TESTS" ]; then
			check gcc "$top/build" "$GCC_TRIALS" TESTS="$GCC_TESTS"
		else
			check gcc "$top/build" "$GCC_TRIALS"
		fi
	fi
fi

deb_res=skipped
if [ "${SKIP_DEB:-0}" != 1 ]; then
	echo "=== deb: tests/deb.sh (build the .deb, lintian, dpkg -i, run, dpkg --purge)"
	start=$(date +%s)
	if sh "$top/tests/deb.sh" >"$top/build/deb.out" 2>&1; then rc=0; else rc=$?; fi
	cat "$top/build/deb.out"
	case $rc in
	0) res=ok ;;
	77) res=skipped ;;
	*) res=FAILED; status=1 ;;
	esac
	# its closing line: "deb: N passed, N failed"
	set -- $(grep '^deb: ' "$top/build/deb.out" | tail -n 1 | tr -cs '0-9' ' ') 0 0
	[ "$res" = skipped ] || tally $res "$1" "$2"
	deb_res=$res
	note "deb (tests/deb.sh): $res ($(( $(date +%s) - start ))s) $(grep '^deb: ' "$top/build/deb.out" | tail -n 1)"
fi

# the package build is a hardened release build (gcc, --disable-test-hooks)
# that runs hardening.sh, and the asan stage builds with clang -Werror:
# the clang release stage runs only where the package stage did not pass,
# and in the soak
if [ "${SKIP_CLANG:-0}" != 1 ] && command -v clang >/dev/null &&
    { [ "$long" = 1 ] || [ "$deb_res" != ok ]; }; then
	start=$(date +%s)
	if CC=clang build clang "$top/build-clang" --disable-test-hooks; then
		echo "=== clang: tests/e2e/hardening.sh on the release build"
		if top_builddir=$top/build-clang top_srcdir=$top OPENSSL=openssl \
		    sh "$top/tests/e2e/hardening.sh" >"$top/build-clang/hardening.out" 2>&1; then
			res=ok
		else
			res=FAILED; status=1
		fi
		cat "$top/build-clang/hardening.out"
		# its closing line: "N passed, N failed"
		set -- $(tail -n 1 "$top/build-clang/hardening.out" | tr -cs '0-9' ' ') 0 0
		tally $res "$1" "$2"
		note "clang release build + hardening.sh: $res ($(( $(date +%s) - start ))s) $(tail -n 1 "$top/build-clang/hardening.out")"
	fi
fi

asan_built=0
if [ "${SKIP_ASAN:-0}" != 1 ] && command -v clang >/dev/null; then
	if CC=clang build asan "$top/build-asan" --enable-fuzzing --enable-debug; then
		asan_built=1
		# the fleet tests (Ansible over sshd) prove the playbooks, which
		# the gcc stage already did: skipped here (CK_SKIP_FLEET)
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 CK_SKIP_FLEET=1 \
		    check asan "$top/build-asan" "$ASAN_TRIALS"
	fi
fi

if [ "${SKIP_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null && [ -f "$top/build/Makefile" ]; then
	echo "=== valgrind: unit suites and $VALGRIND_E2E under memcheck"
	start=$(date +%s)
	rm -rf "$top/build/tests/fixtures"
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
	note "valgrind (unit + $VALGRIND_E2E): $res ($(( $(date +%s) - start ))s) $(am_totals "$top/build/valgrind.out")"
fi

if [ "${SKIP_FUZZ:-0}" != 1 ] && [ "$asan_built" = 1 ]; then
	echo "=== fuzz: every target replays its corpus, then fuzzes ${FUZZ_SECONDS}s"
	start=$(date +%s)
	if (cd "$top/build-asan" && make -j2 fuzz FUZZ_SECONDS="$FUZZ_SECONDS" FUZZ_JOBS="${FUZZ_JOBS:-2}") \
	    >"$top/build-asan/fuzz.out" 2>&1; then res=ok; else res=FAILED; status=1; fi
	cat "$top/build-asan/fuzz.out"
	# each target is one test: "NAME: Done N runs ..." or "FAIL: NAME ..."
	tally $res "$(grep -c ': Done ' "$top/build-asan/fuzz.out")" "$(grep -c '^FAIL: ' "$top/build-asan/fuzz.out")"
	note "fuzz (${FUZZ_SECONDS}s a target): $res ($(( $(date +%s) - start ))s)"
fi

echo "=== summary$summary"
if [ "$status" = 0 ]; then echo "run-all: all stages passed"; else echo "run-all: FAILURES"; fi
# the closing line CI reads: every test of every stage (a fuzz target is one)
echo "run-all: $npass passed, $nfail failed"
exit $status
