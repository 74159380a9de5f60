#!/bin/sh
# svcctl's systemd backend, driven through a stub systemctl on PATH that
# records its calls and keeps each unit's ActiveState in a file.
. "$top_srcdir/tests/lib.sh"

W=$T/w
mkdir -p "$W/bin" "$W/state"
REG=$W/services.conf
CALLS=$W/calls
cat >"$W/bin/systemctl" <<EOF
#!/bin/sh
# stub: systemctl VERB [OPT] -- UNIT
echo "\$*" >>$CALLS
verb=\$1; shift
while [ \$# -gt 0 ] && [ "\$1" != -- ]; do shift; done
unit=\$2
# a unit with a script $W/bin/unit-UNIT also runs a real process
[ -x $W/bin/unit-\$unit ] && case \$verb in start|stop|kill) $W/bin/unit-\$unit \$verb ;; esac
case \$verb in
start)	case \$unit in broken.service) echo failed ;; slow.service) echo activating ;; *) echo active ;; esac >$W/state/\$unit ;;
stop)	case \$unit in stuck.service) echo deactivating ;; *) echo inactive ;; esac >$W/state/\$unit ;;
kill)	echo inactive >$W/state/\$unit ;;
is-active)
	s=\$(cat $W/state/\$unit 2>/dev/null || echo inactive)
	echo "\$s"
	[ "\$s" = active ] ;;
*)	exit 1 ;;
esac
EOF
chmod +x "$W/bin/systemctl"
PATH=$W/bin:$PATH
export PATH

# the head of both registries: the systemd backend and a core vmafdd
sd_registry() {
	printf '[registry]\nbackend = systemd\nsettle = 50ms\npoll = 20ms\n\n'
	printf '[service vmafdd]\nstart = unused by the systemd backend\ncore = yes\n\n'
}
sd_registry >"$REG"
cat >>"$REG" <<EOF
[service vmdird]
start = unused
requires = vmafdd
unit = vmware-vmdird.service
core = yes

[service broken]
start = unused
startup = manual
start_timeout = 500ms

[service slow]
start = unused
startup = manual
start_timeout = 500ms

[service stuck]
start = unused
startup = manual
stop_timeout = 300ms
EOF
S() { "$SVCCTL" -r "$REG" "$@"; }

t "systemd: start --all"
expect_rc 0 S --start --all
has "$T/out" "Successfully started service vmdird"
has "$CALLS" "start --no-block -- vmafdd.service"
has "$CALLS" "start --no-block -- vmware-vmdird.service"
t "systemd: vmafdd started before vmdird"
eq "$(grep '^start' "$CALLS" | tr '\n' '|')" "start --no-block -- vmafdd.service|start --no-block -- vmware-vmdird.service|"
t "systemd: status from is-active"
expect_rc 0 S --status
eq "$(cat "$T/out")" "Running:
 vmafdd vmdird
Stopped:
 broken slow stuck"
t "systemd: a unit that fails is reported with the journalctl hint"
expect_rc 1 S --start broken
has "$T/err" "see journalctl -u broken.service"
t "systemd: a unit stuck in activating is not started"
expect_rc 1 S --start slow
has "$T/err" "service slow did not become ready"
has "$T/err" "see journalctl -u slow.service"
hasnt "$T/out" "Successfully started service slow"
t "systemd: a unit stuck in activating is StartPending"
expect_rc 12 S --status slow
eq "$(cat "$T/out")" "StartPending:
 slow"
t "systemd: a unit that will not stop gets systemctl kill --signal=SIGKILL"
expect_rc 0 S --start stuck
expect_rc 0 S --stop stuck
has "$T/err" "service stuck did not stop within 0.3 s and was killed (SIGKILL)"
has "$CALLS" "kill --signal=SIGKILL -- stuck.service"
has "$T/out" "Successfully stopped service stuck"
t "systemd: stop --all, dependents first"
: >"$CALLS"
expect_rc 0 S --stop --all
eq "$(grep '^stop' "$CALLS" | grep -v -e slow -e stuck -e broken | tr '\n' '|')" "stop --no-block -- vmware-vmdird.service|stop --no-block -- vmafdd.service|"
expect_rc 12 S --status
eq "$(cat "$T/out")" "Stopped:
 vmafdd vmdird broken slow stuck"
t "systemd: no pidfiles are written"
eq "$(find "$CERTKIT_ROOT" -name '*.pid' | wc -l | tr -d ' ')" "0"

# --- the certificate swap through systemctl ---------------------------------
# proxy.service is a real openssl s_server that the stub starts and stops,
# so the swap's verify step sees what the unit serves after its restart.
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
pki_setup || { echo "pki setup failed"; exit 1; }
cat >"$W/bin/unit-proxy.service" <<EOF
#!/bin/sh
case \$1 in
start)	$OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert "\$CK_MACHINE_SSL/machine-ssl.crt" \\
	    -key "\$CK_MACHINE_SSL/machine-ssl.key" -www </dev/null >/dev/null 2>&1 &
	echo \$! >$W/state/proxy.pid ;;
*)	p=\$(cat $W/state/proxy.pid 2>/dev/null) || exit 0
	kill \$p 2>/dev/null
	while kill -0 \$p 2>/dev/null; do sleep 0.05; done
	rm -f $W/state/proxy.pid ;;
esac
EOF
chmod +x "$W/bin/unit-proxy.service"
SREG=$W/swap.conf
sd_registry >"$SREG"
cat >>"$SREG" <<EOF
[service proxy]
start = unused
requires = vmafdd
probe = tls:$PORT
tls_endpoint = 127.0.0.1:$PORT
start_timeout = 10s
EOF
on_exit "$SVCCTL" -r "$SREG" --stop --all
t "systemd: the proxy unit serves m1"
expect_rc 0 "$SVCCTL" -r "$SREG" --start --all
eq "$(served)" "$(fp "$W/m1.crt")"
t "systemd: --replace-cert restarts the units and verifies m2 is served"
: >"$CALLS"
expect_rc 0 "$SVCCTL" -r "$SREG" --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
has "$T/out" "ok: proxy serves $(sha1 "$W/m2.crt") on 127.0.0.1:$PORT"
eq "$(grep -e '^start' -e '^stop' "$CALLS" | tr '\n' '|')" "stop --no-block -- proxy.service|\
stop --no-block -- vmafdd.service|start --no-block -- vmafdd.service|start --no-block -- proxy.service|"
eq "$(served)" "$(fp "$W/m2.crt")"
eq "$(stored)" "$(fp "$W/m2.crt")"
t "systemd: after the swap the units are stopped through systemctl"
expect_rc 0 "$SVCCTL" -r "$SREG" --stop --all
absent "$W/state/proxy.pid"

finish
