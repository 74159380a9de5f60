#!/bin/sh
# share/demo/demo.sh's headings: bold on a terminal, plain text into a
# pipe, with NO_COLOR set or with TERM=dumb.  The demo is stopped at its
# first heading (DEMO_SKIP_SETUP=1 with no build in B: it exits 1 right
# after printing it), so nothing is built or started; script(1) gives it a
# terminal.
. "$top_srcdir/tests/lib.sh"
command -v script >/dev/null 2>&1 || skip "script(1) not found"
DEMO=$top_srcdir/share/demo/demo.sh
ESC=$(printf '\033')
# demo ENV...: the demo's first heading, stdout into $T/out
demo_pipe() { env "$@" B="$T/nobuild" DEMO_SKIP_SETUP=1 DEMO_SANDBOX="$T/sb" sh "$DEMO" >"$T/out" 2>"$T/err"; }
# the same on a terminal (script's typescript holds what it printed)
demo_tty() {
	env "$@" B="$T/nobuild" DEMO_SKIP_SETUP=1 DEMO_SANDBOX="$T/sb" \
	    script -qec "sh '$DEMO'" "$T/out" >/dev/null 2>&1 </dev/null
}
escapes() { if grep -q "$ESC" "$T/out"; then echo yes; else echo no; fi; }

t "into a pipe: the heading, without escape codes"
demo_pipe TERM=xterm
has "$T/out" "### 0. dependencies and build: skipped"
eq "$(escapes)" no
t "on a terminal: bold headings"
demo_tty TERM=xterm
has "$T/out" "### 0. dependencies and build: skipped"
eq "$(escapes)" yes
t "on a terminal with NO_COLOR=1: no escape codes"
demo_tty TERM=xterm NO_COLOR=1
has "$T/out" "### 0. dependencies and build: skipped"
eq "$(escapes)" no
t "on a terminal with TERM=dumb: no escape codes"
demo_tty TERM=dumb
eq "$(escapes)" no
t "the demo stopped there (no build in B), with exit 1 and a message"
demo_pipe TERM=xterm
eq "$?" 1
has "$T/err" "is not there"
finish
