#!/bin/sh
# Run every fuzz target (or those named): each first replays its committed
# seed corpus (fuzz/corpus/NAME) and what earlier runs found, then fuzzes
# for SECONDS.  Any crash, leak, timeout or out-of-memory fails.
#   sh fuzz/run.sh [-t SECONDS] [-b BUILDDIR] [-j JOBS] [TARGET...]
# BUILDDIR is a tree configured with CC=clang --enable-fuzzing whose
# `make fuzz-build` has run (`make fuzz` does both).  -j runs that many
# targets at once (each still gets SECONDS); TARGET may be given with or
# without its fuzz_ prefix.  New inputs found go to BUILDDIR/fuzz/corpus-NAME,
# crashes to BUILDDIR/fuzz/artifacts.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=60
bdir=$top/build
jobs=1
while getopts t:b:j: o; do
	case $o in
	t) secs=$OPTARG ;;
	b) bdir=$OPTARG ;;
	j) jobs=$OPTARG ;;
	*) echo "usage: fuzz/run.sh [-t SECONDS] [-b BUILDDIR] [-j JOBS] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=$bdir/fuzz
targets=${*:-$(cd "$top/fuzz" && ls fuzz_*.c | sed 's/\.c$//')}
# scratch state of the targets (a VMCA, a store) on tmpfs when possible,
# removed afterwards
scratch=$(mktemp -d /dev/shm/ckfuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# one target: its log in $out/NAME.log, its result in $scratch/NAME.rc
run_one() {
	t=$1
	seeds="$top/fuzz/corpus/${t#fuzz_}"
	work="$out/corpus-${t#fuzz_}"
	mkdir -p "$work" "$out/artifacts" "$scratch/$t"
	rc=0
	TMPDIR=$scratch/$t ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	    "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -close_fd_mask=3 \
	    -artifact_prefix="$out/artifacts/$t-" -print_final_stats=1 "$work" "$seeds" \
	    >"$out/$t.log" 2>&1 || rc=$?
	echo "$rc" >"$scratch/$t.rc"
}

status=0
set -- 
for t in $targets; do
	case $t in fuzz_*) ;; *) t=fuzz_$t ;; esac
	[ -x "$out/$t" ] || { echo "fuzz/run.sh: no target $t in $out (make fuzz-build)" >&2; status=1; continue; }
	set -- "$@" "$t"
done
while [ $# -gt 0 ]; do
	batch=""
	n=0
	while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		echo "=== $1 for ${secs}s"
		run_one "$1" &
		batch="$batch $1"
		n=$((n + 1))
		shift
	done
	wait
	for t in $batch; do
		if [ "$(cat "$scratch/$t.rc")" != 0 ]; then
			status=1
			echo "FAIL: $t (see $out/$t.log; artifacts in $out/artifacts)"
			tail -40 "$out/$t.log"
		else
			echo "$t: $(grep -E '^Done ' "$out/$t.log" | tail -1)"
		fi
	done
done
exit $status
