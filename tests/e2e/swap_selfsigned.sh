#!/bin/sh
. "$top_srcdir/tests/lib.sh"
skip "written next"
