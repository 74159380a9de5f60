# tests/lib.sh: shared helpers for the shell end-to-end tests.
# Source it first; it makes a scratch dir $T (removed on exit), points
# CERTKIT_ROOT at a sandbox inside it, and offers small assertions.
# A test file ends with `finish`, which prints "N passed, N failed".
set -u

: "${top_builddir:=$(cd "$(dirname "$0")/../.." && pwd)/build}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${OPENSSL:=openssl}"
[ -n "$OPENSSL" ] || OPENSSL=openssl
CERTOOL="$top_builddir/certool/certool"
VECS="$top_builddir/vecs/vecs"
SVCCTL="$top_builddir/svcctl/svcctl"
DATA="$top_srcdir/tests/data"
export CERTOOL VECS SVCCTL DATA OPENSSL

# VALGRIND_TESTS=1 runs every certkit binary the test calls under memcheck:
# any memory error or definite leak makes the binary exit 99, failing the check.
if [ "${VALGRIND_TESTS:-0}" = 1 ]; then
	_vgbin=$(mktemp -d "${TMPDIR:-/tmp}/ckvg.XXXXXX")
	for _b in certool vecs svcctl; do
		eval "_real=\$$(echo "$_b" | tr a-z A-Z)"
		cat >"$_vgbin/$_b" <<VGEOF
#!/bin/sh
exec ${VALGRIND:-valgrind} --quiet --error-exitcode=99 --leak-check=full \\
    --errors-for-leak-kinds=definite --show-leak-kinds=definite "$_real" "\$@"
VGEOF
		chmod +x "$_vgbin/$_b"
	done
	CERTOOL=$_vgbin/certool VECS=$_vgbin/vecs SVCCTL=$_vgbin/svcctl
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/cke2e.XXXXXX")
CERTKIT_ROOT="$T/root"
mkdir -p "$CERTKIT_ROOT"
export CERTKIT_ROOT T
unset VMCA_DATA_DIR CERTKIT_VECS_DIR CERTKIT_REGISTRY CERTKIT_CAPATH CERTKIT_MACHINE_SSL_DIR
_cleanup_hooks=""
# on_exit CMD: run CMD (e.g. stopping services) before $T is removed
on_exit() { _cleanup_hooks="$_cleanup_hooks
$*"; }
_cleanup() { eval "$_cleanup_hooks" >/dev/null 2>&1 || true; rm -rf "$T" ${_vgbin:+"$_vgbin"}; }
trap _cleanup EXIT
trap 'exit 130' INT TERM

_npass=0
_nfail=0
_test=""

# t NAME: start a named check (shown on failure)
t() { _test="$*"; }
ok() { _npass=$((_npass + 1)); echo "ok - ${1:-$_test}"; }
fail() { _nfail=$((_nfail + 1)); echo "not ok - $_test: $*"; [ -f "$T/out" ] && sed 's/^/#   out: /' "$T/out" | head -20; [ -f "$T/err" ] && sed 's/^/#   err: /' "$T/err" | head -20; return 0; }

# run CMD...: run with stdout in $T/out, stderr in $T/err, status in $rc
run() { "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?; }
# run_in INPUT CMD...: the same with INPUT on stdin
run_in() { _in=$1; shift; printf '%s' "$_in" | "$@" >"$T/out" 2>"$T/err"; rc=$?; }

# expect_rc N CMD...: run, and check the exit status
expect_rc() { _want=$1; shift; run "$@"; if [ "$rc" = "$_want" ]; then ok; else fail "exit $rc, wanted $_want: $*"; fi; }
# has FILE STRING / hasnt FILE STRING: fixed-string grep
has() { if grep -qF -- "$2" "$1"; then ok; else fail "$1 lacks '$2'"; fi; }
hasnt() { if grep -qF -- "$2" "$1"; then fail "$1 has '$2'"; else ok; fi; }
# eq A B: string equality
eq() { if [ "$1" = "$2" ]; then ok; else fail "'$1' != '$2'"; fi; }
# same FILE1 FILE2: byte equality
same() { if cmp -s "$1" "$2"; then ok; else fail "$1 and $2 differ"; diff "$1" "$2" | head -10 | sed 's/^/#   /'; fi; }
# absent PATH / present PATH
absent() { if [ -e "$1" ] || [ -L "$1" ]; then fail "$1 exists"; else ok; fi; }
present() { if [ -e "$1" ]; then ok; else fail "$1 missing"; fi; }
# mode PATH OCTAL
mode() { _m=$(stat -c %a "$1" 2>/dev/null); if [ "$_m" = "$2" ]; then ok; else fail "$1 mode $_m, wanted $2"; fi; }

finish() {
	echo "$_npass passed, $_nfail failed"
	[ "$_nfail" = 0 ]
	exit $?
}

# skip REASON: exit 77 (automake's skip)
skip() { echo "SKIP: $*"; exit 77; }

# trials N: how many rounds a randomised stress or kill loop runs.
# CK_TRIALS sets it for every such loop (tests/run-all.sh keeps it low in
# its sanitizer stage and high with --long); without it, N.
trials() { echo "${CK_TRIALS:-$1}"; }

# cached_fixture NAME FUNC FILE...: make the fixture set NAME (keys, CAs)
# once per build tree and let every test reuse it.  FUNC runs in a subshell
# and fills the empty directory $FX; after the call $FX names the finished
# set, which callers copy from and never change.  Tests run in parallel:
# the first caller makes the set under a lock while the others wait.  The
# set is made again when FILE... (the scripts and binaries that make it)
# change, when it is a day old (its certificates expire), and on every
# tests/run-all.sh run (it empties tests/fixtures).  CK_FIXTURE_CACHE=0
# makes a private set under $T instead.
cached_fixture() {
	_fxname=$1 _fxfunc=$2
	shift 2
	if [ "${CK_FIXTURE_CACHE:-1}" = 0 ]; then
		FX=$T/fixture-$_fxname
		rm -rf "$FX" && mkdir -p "$FX" && ( "$_fxfunc" )
		return
	fi
	_fxbase=$top_builddir/tests/fixtures
	FX=$_fxbase/$_fxname-$(cat "$@" | cksum | cut -d' ' -f1)
	mkdir -p "$_fxbase" || return 1
	(
	flock 9 || exit 1
	[ -f "$FX/.complete" ] && [ -z "$(find "$FX/.complete" -mmin +1440)" ] && exit 0
	rm -rf "$_fxbase/$_fxname"-* && mkdir -p "$FX" && ( "$_fxfunc" ) && : >"$FX/.complete"
	) 9>"$_fxbase/$_fxname.lock"
}
