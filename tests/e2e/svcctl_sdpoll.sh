#!/bin/sh
# The systemd backend's polling: a unit that stays "activating" for its
# whole start timeout (2 s) is asked about by `systemctl is-active` a
# dozen times, not twice per 25 ms tick (about 160 times before the
# backoff in lib/systemd.c).  A count, not a timing: a slower machine
# makes fewer calls, never more.  Also: a systemd registry needs no
# start = command, and a unit name systemctl cannot take is refused.
. "$top_srcdir/tests/lib.sh"

W=$T/w
mkdir -p "$W/bin" "$W/state"
CALLS=$W/calls
cat >"$W/bin/systemctl" <<EOF2
#!/bin/sh
echo "\$*" >>$CALLS
verb=\$1; shift
while [ \$# -gt 0 ] && [ "\$1" != -- ]; do shift; done
unit=\$2
case \$verb in
start)	echo activating >$W/state/\$unit ;;
stop|kill)	echo inactive >$W/state/\$unit ;;
is-active)
	s=\$(cat $W/state/\$unit 2>/dev/null || echo inactive)
	echo "\$s"
	[ "\$s" = active ] ;;
*)	exit 1 ;;
esac
EOF2
chmod +x "$W/bin/systemctl"
PATH=$W/bin:$PATH
export PATH
REG=$W/services.conf
printf '[registry]\nbackend = systemd\n\n[service slow]\nstart_timeout = 2s\nstop_timeout = 1s\n' >"$REG"

t "a systemd service needs no start = command"
expect_rc 12 "$SVCCTL" -r "$REG" --status
t "a unit that never becomes active fails its start"
: >"$CALLS"
expect_rc 1 "$SVCCTL" -r "$REG" --start slow
N=$(grep -c '^is-active' "$CALLS")
echo "# systemctl is-active calls during a 2 s start: $N"
t "with few is-active calls (at most 30; $N)"
[ "$N" -le 30 ] && ok || fail "$N calls"
t "one start"
eq "$(grep -c '^start' "$CALLS")" 1
t "--status asks once per unit"
: >"$CALLS"
expect_rc 12 "$SVCCTL" -r "$REG" --status slow
eq "$(grep -c '^is-active' "$CALLS")" 1
"$SVCCTL" -r "$REG" --stop slow >/dev/null 2>&1

t "a unit name with a slash is refused (3), naming the line"
printf '[registry]\nbackend = systemd\n\n[service bad]\nunit = ../x.service\n' >"$W/bad.conf"
expect_rc 3 "$SVCCTL" -r "$W/bad.conf" --status
has "$T/err" "bad.conf:5: service bad: unit '../x.service' is not a systemd unit name"
t "a unit without a type suffix is refused (3)"
printf '[registry]\nbackend = systemd\n\n[service bad]\nunit = vmdird\n' >"$W/bad.conf"
expect_rc 3 "$SVCCTL" -r "$W/bad.conf" --status
t "the builtin backend still needs start =, and says how to do without"
printf '[service bad]\ndisplay = Bad\n' >"$W/bad.conf"
expect_rc 3 "$SVCCTL" -r "$W/bad.conf" --status
has "$T/err" "has no start command (add start = COMMAND, or drive units with backend = systemd)"
finish
