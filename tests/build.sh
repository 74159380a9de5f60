#!/bin/sh
# Bootstrap and build certkit into build/ (or $1) with warnings as errors
# and the test hooks (lib/testhook.h) the suite needs; extra arguments go
# to configure, and a later --disable-test-hooks wins.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${1:-$top/build}
[ $# -eq 0 ] || shift	# (a failed shift exits dash, even with || true)
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh >/dev/null
mkdir -p "$bdir"
cd "$bdir"
# a build dir configured before the hooks existed is configured again
[ -f Makefile ] && ./config.status --config | grep -q -e '--enable-test-hooks' || rm -f Makefile
[ -f Makefile ] || "$top/configure" --enable-werror --enable-test-hooks "$@" >configure.out
make -j"$(nproc)" >make.out 2>&1 || { cat make.out; exit 1; }
