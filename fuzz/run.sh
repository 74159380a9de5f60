#!/bin/sh
# Run every fuzz target (or those named) for SECONDS each, starting from the
# committed seed corpus.  Any crash, leak, timeout or out-of-memory fails.
#   sh fuzz/run.sh [-t SECONDS] [-b BUILDDIR] [TARGET...]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
secs=60
bdir=$top/build
while getopts t:b: o; do
	case $o in
	t) secs=$OPTARG ;;
	b) bdir=$OPTARG ;;
	*) echo "usage: fuzz/run.sh [-t SECONDS] [-b BUILDDIR] [TARGET...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
out=$bdir/fuzz
sh "$top/fuzz/build.sh" "$bdir" "$out" >/dev/null
targets=${*:-$(cd "$out" && ls fuzz_* 2>/dev/null | grep -v '\.' || true)}
# scratch state of the targets (a VMCA, a store) on tmpfs when possible,
# removed afterwards
scratch=$(mktemp -d /dev/shm/ckfuzz.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in $targets; do
	case $t in fuzz_*) ;; *) t=fuzz_$t ;; esac
	seeds="$top/fuzz/corpus/${t#fuzz_}"
	work="$out/corpus-${t#fuzz_}"
	mkdir -p "$work" "$out/artifacts"
	echo "=== $t for ${secs}s"
	if ! TMPDIR=$scratch ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	    "$out/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -close_fd_mask=3 \
	    -artifact_prefix="$out/artifacts/$t-" -print_final_stats=1 "$work" "$seeds" \
	    >"$out/$t.log" 2>&1; then
		status=1
		echo "FAIL: $t (see $out/$t.log; artifacts in $out/artifacts)"
		tail -40 "$out/$t.log"
	else
		grep -E 'stat::number_of_executed_units|Done ' "$out/$t.log" | tail -2
	fi
done
exit $status
