#!/bin/sh
# svcctl's option table against its documentation: the options --help
# lists (the table), the usage lines at its top, svcctl(8)'s SYNOPSIS and
# the options svcctl(8) describes (.It Fl ...) must be the same set, so
# neither the help nor the manual can drift from what the parser accepts.
. "$top_srcdir/tests/lib.sh"

MAN=$top_srcdir/man/svcctl.8
t "--help"; expect_rc 0 "$SVCCTL" --help
cp "$T/out" "$T/help"

# short option -> long name, from the table's "-r, --registry FILE" lines
sed -n 's/^  -\([a-zA-Z]\), --\([a-z0-9-]*\).*/\1 \2/p' "$T/help" >"$T/short"
t "the table has short options"; eq "$(wc -l <"$T/short" | tr -d ' ')" 3
long() { while read -r o; do
	case $o in
	--*) echo "${o#--}" ;;
	-?) awk -v s="${o#-}" '$1 == s { print $2 }' "$T/short" ;;
	esac
done | sort -u; }

# the table: one option per line after "options:", up to the blank line
sed -n '/^options:/,/^$/p' "$T/help" | grep -oE '^ +(-[a-z], )?--[a-z0-9-]+' |
    grep -oE -- '--[a-z0-9-]+' | long >"$T/table"
# the usage lines
sed -n '1,/^$/p' "$T/help" | grep -oE -- '(^|[ [|])--?[a-z0-9-]+' | tr -d ' [|' | long >"$T/usage"
# the manual: SYNOPSIS, and the options it describes
sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$MAN" | grep -oE 'Fl (Fl )?[a-z0-9-]+' |
    sed 's/^Fl Fl /--/; s/^Fl /-/' | long >"$T/synopsis"
grep '^\.It Fl' "$MAN" | grep -oE 'Fl (Fl )?[a-z0-9-]+' | sed 's/^Fl Fl /--/; s/^Fl /-/' |
    long >"$T/described"

t "the table has every action"; eq "$(grep -c -e '^start$' -e '^replace-cert$' -e '^rollback$' "$T/table")" 3
t "--help's usage lines name every option of the table"; same "$T/table" "$T/usage"
t "svcctl(8) SYNOPSIS names every option of the table"; same "$T/table" "$T/synopsis"
t "svcctl(8) describes every option of the table"; same "$T/table" "$T/described"

# every option of the table is accepted by the parser (an unknown one is 2)
t "an unknown option is a usage error"; expect_rc 2 "$SVCCTL" --no-such-option
while read -r o; do
	"$SVCCTL" "--$o" --no-such-option >/dev/null 2>"$T/perr"
	grep -q "no-such-option" "$T/perr" || grep -q -- "--$o" "$T/perr" || echo "$o"
done <"$T/table" >"$T/unparsed"
t "the parser knows every option of the table"; eq "$(cat "$T/unparsed")" ""

finish
