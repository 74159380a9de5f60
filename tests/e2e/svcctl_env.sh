#!/bin/sh
# A service's environment is built for it (issue 11 item 5): what the
# registry sets (environment =) and passes (pass_environment =) is there,
# with certkit's own CK_* variables; anything else of svcctl's own
# environment (a password in env:NAME, a caller's export) is not.  The
# same holds for its stop command and its probe.
. "$top_srcdir/tests/lib.sh"

REG=$T/services.conf
cat >"$REG" <<'EOR'
[registry]
settle = 50ms
poll = 20ms

[service printer]
start = env | sort > printer.env; exec sleep 100000
stop = env | sort > printer.stop.env; kill $CK_PID
probe = cmd: env | sort > printer.probe.env
environment = GREETING="hello world" QUOTED="a\"b" PATH=/usr/bin:/bin
pass_environment = PASSED_VAR UNSET_VAR
stop_timeout = 2s

[service plain]
start = env | sort > plain.env; exec sleep 100000
stop_timeout = 2s
EOR
on_exit "$SVCCTL" -r "$REG" --stop --all
export PASSED_VAR=passed-value SECRET_PASSWORD=hunter2-do-not-leak
unset UNSET_VAR

t "the services start"
expect_rc 0 "$SVCCTL" -r "$REG" --start --all
envf=$(find "$CERTKIT_ROOT" -name printer.env | head -1)
plainf=$(find "$CERTKIT_ROOT" -name plain.env | head -1)
probef=$(find "$CERTKIT_ROOT" -name printer.probe.env | head -1)
t "a variable the registry sets"
has "$envf" "GREETING=hello world"
has "$envf" 'QUOTED=a"b'
t "the registry's PATH replaces the one built for every child"
eq "$(grep -c '^PATH=' "$envf")" 1
has "$envf" "PATH=/usr/bin:/bin"
t "a variable the registry passes from svcctl's environment"
has "$envf" "PASSED_VAR=passed-value"
t "a passed variable svcctl does not have stays unset"
hasnt "$envf" "UNSET_VAR"
t "a secret in svcctl's environment that the registry does not list"
hasnt "$envf" "hunter2"
hasnt "$envf" "SECRET_PASSWORD"
t "certkit's own variables, per child"
has "$envf" "CK_SERVICE=printer"
has "$envf" "CK_RUN_DIR="
t "the probe gets the same environment"
has "$probef" "GREETING=hello world"
hasnt "$probef" "hunter2"
t "a service without registry variables gets none of another's"
has "$plainf" "CK_SERVICE=plain"
hasnt "$plainf" "GREETING"
hasnt "$plainf" "PASSED_VAR"
hasnt "$plainf" "hunter2"
t "the stop command too"
expect_rc 0 "$SVCCTL" -r "$REG" --stop printer
stopf=$(find "$CERTKIT_ROOT" -name printer.stop.env | head -1)
has "$stopf" "PASSED_VAR=passed-value"
has "$stopf" "GREETING=hello world"
has "$stopf" "CK_PID="
hasnt "$stopf" "hunter2"

t "a bad environment line is a registry error that does not echo the value"
cat >"$T/bad.conf" <<'EOR'
[service a]
start = exec sleep 1
environment = GOOD=1 topsecretword
EOR
expect_rc 3 "$SVCCTL" -r "$T/bad.conf" --status
has "$T/err" "bad.conf:3: environment of service a: word 2 is not NAME=VALUE"
hasnt "$T/err" "topsecretword"

finish
