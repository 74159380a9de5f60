#!/bin/sh
# Every man page renders (mandoc, no errors), and the literal strings the
# programs print appear in the rendered page as the programs print them:
# mdoc drops the space before a ':' in a macro line ("Status : Success"
# became "Status: Success") and turns words after "Fl x ," into flags
# ("--days, -at -most -730").  Each literal is also looked up in the
# source that prints it, so page and program cannot drift apart.
. "$top_srcdir/tests/lib.sh"
command -v mandoc >/dev/null 2>&1 || skip "mandoc not installed (tests/deps.sh)"
M=$top_srcdir/man
for f in "$M"/*.[0-9]; do
	n=$(basename "$f")
	t "$n renders without errors"
	mandoc -Tlint -Werror "$f" >"$T/lint" 2>&1
	if grep -q -e ERROR -e UNSUPP "$T/lint"; then fail "$(grep -e ERROR -e UNSUPP "$T/lint" | head -3)"; else ok; fi
	# one line, blanks squeezed: a literal may wrap
	mandoc -Tascii "$f" 2>/dev/null | col -b | tr '\n\t' '  ' | tr -s ' ' >"$T/$n.txt"
	t "$n: no word after a flag turned into a flag"
	if grep -nE -- '\(-?-[A-Za-z-]+, -[a-z]+ -' "$T/$n.txt" >"$T/bad"; then fail "$(head -3 "$T/bad")"; else ok; fi
done
# lit PAGE LITERAL [SOURCE]: the page shows the literal, and the source
# (when given) prints it
lit() {
	t "$1 shows '$2'${3:+ as $3 prints it}"
	grep -qF -- "$2" "$T/$1.txt" && { [ -z "${3:-}" ] || grep -rqF -- "$2" "$top_srcdir/$3"; } &&
	    ok || fail "missing in the page${3:+ or in $3}"
}
lit certool.1 "Status : Success" certool/main.c
lit certool.1 "Using config file : " certool/util.c
lit certool.1 "Default Domain Name : " certool/cmd_ca.c
lit certool.1 "Certificate : " certool/cmd_crl.c
lit certool.1 "Certificate written to file : " certool/cmd_ca.c
lit certool.1 "(--domain, default vsphere.local)"
lit svcctl.8 "(--days, at most 730, default 730)"
lit svcctl.8 "Successfully started service " svcctl/common.c
lit svcctl.8 "is already running" svcctl/common.c
lit vecs.1 "VECS WARNING - 1 of 7 certificates"
lit vecs.1 "min_days_left=" vecs/expiring.c
lit vecs.1 "# certkit expiry summary 1 " lib/expiry.c
finish
