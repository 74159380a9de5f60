#!/bin/sh
# Bootstrap and build certkit into build/ (or $1) with warnings as errors.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bdir=${1:-$top/build}
shift 2>/dev/null || true
cd "$top"
[ -x configure ] && [ configure -nt configure.ac ] || ./autogen.sh >/dev/null
mkdir -p "$bdir"
cd "$bdir"
[ -f Makefile ] || "$top/configure" --enable-werror "$@" >configure.out
make -j"$(nproc)" >make.out 2>&1 || { cat make.out; exit 1; }
