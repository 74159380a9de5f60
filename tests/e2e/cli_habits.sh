#!/bin/sh
# The habits admins expect of all three tools (issue 13): -h/--help on
# stdout with exit 0, --version, a failed write to stdout or stderr is a
# failure (>/dev/full), svcctl --start says "already running".
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svc_small.sh"
[ -w /dev/full ] || skip "no /dev/full"

# --- -h, --help, --version -------------------------------------------------------
for tool in "$CERTOOL" "$VECS" "$SVCCTL"; do
	n=$(basename "$tool")
	for h in -h --help; do
		t "$n $h: exit 0, usage on stdout, nothing on stderr"
		expect_rc 0 "$tool" $h
		grep -qi usage "$T/out" && ok || fail "no usage on stdout"
		eq "$(cat "$T/err")" ""
	done
	t "$n --version"
	expect_rc 0 "$tool" --version
	grep -q "[0-9]\.[0-9]" "$T/out" && ok || fail "no version"
	t "$n --help >/dev/full: a failure"
	run "$tool" --help
	"$tool" --help >/dev/full 2>"$T/err"; rc=$?
	[ "$rc" != 0 ] && ok || fail "exit 0 into a full disk"
	has "$T/err" "No space left on device"
done
t "vecs with no arguments is still vecs-cli's usage error (87)"
expect_rc 87 "$VECS"

# --- a failed write to stdout is an error --------------------------------------------
cat >"$T/ca.cfg" <<EOC
Country = US
Name = Habits CA
EOC
"$CERTOOL" --selfca --config="$T/ca.cfg" >/dev/null
t "certool --getrootca: 0"; expect_rc 0 "$CERTOOL" --getrootca
t "certool --getrootca >/dev/full: 70010 (122)"
"$CERTOOL" --getrootca >/dev/full 2>"$T/err"; eq "$?" 122
has "$T/err" "certool: standard output: write error: No space left on device"
"$VECS" store create --name H >/dev/null
"$CERTOOL" --getrootca --cert="$T/root.pem" >/dev/null
"$VECS" entry create --store H --alias r --cert "$T/root.pem" >/dev/null
t "vecs entry list >/dev/full: 29"
"$VECS" entry list --store H >/dev/full 2>"$T/err"; eq "$?" 29
has "$T/err" "Error 29"
t "vecs entry list --expiring found, >/dev/full: 29, not 1"
"$VECS" entry list --store H --expiring 36500 >/dev/full 2>"$T/err"; eq "$?" 29

REG=$T/services.conf
small_registry "$REG"
S() { "$SVCCTL" -r "$REG" "$@"; }
t "svcctl --start one"; expect_rc 0 S --start one
has "$T/out" "Performing start operation on service one..."
has "$T/out" "Successfully started service one"
t "svcctl --status >/dev/full: 1"
S --status one >/dev/full 2>"$T/err"; eq "$?" 1
has "$T/err" "svcctl: standard output: write error: No space left on device"

# --- svcctl --start of a running service -----------------------------------------------
t "--start one again: already running, not started"
expect_rc 0 S --start one
has "$T/out" "Service one is already running"
hasnt "$T/out" "Successfully started service one"
hasnt "$T/out" "Performing start operation on service one"
t "--start two: starts two, one is already running"
expect_rc 0 S --start two
has "$T/out" "Successfully started service two"
has "$T/out" "Service one is already running"
t "--restart one does start it"
expect_rc 0 S --restart one
has "$T/out" "Successfully started service one"
finish
