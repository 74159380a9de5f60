#!/bin/sh
# svcctl service control: the service-control compatible CLI, the registry
# errors, dependency order, and fake services that fail to start, never
# become ready, die after starting or ignore SIGTERM.
. "$top_srcdir/tests/lib.sh"

W=$T/w
mkdir -p "$W"
REG=$W/services.conf
LOGF=$W/order.log
S() { "$SVCCTL" -r "$REG" "$@"; }
on_exit "$SVCCTL" -r "$REG" --stop --all

cat >"$REG" <<EOF
[registry]
settle = 100ms
poll = 20ms

[service alpha]
display = Alpha Service
aliases = vmware-alpha, al
start = echo alpha >>$LOGF; exec sleep 100000
core = yes
profiles = HACore, Small

[service beta]
display = Beta Service
start = sleep 0.2; echo beta >>$LOGF; touch beta.ready; exec sleep 100000
stop = echo stopping-beta >>$LOGF; rm -f beta.ready; kill \$CK_PID
probe = file:beta.ready
requires = alpha
profiles = Small

[service gamma]
start = echo gamma >>$LOGF; exec sleep 100000
probe = cmd: test -f beta.ready
requires = beta, alpha

[service manual1]
display = Manual One
start = exec sleep 100000
startup = manual
EOF

# --- CLI basics ----------------------------------------------------------
t "--help lists every option"
expect_rc 0 "$SVCCTL" --help
for o in --start --stop --restart --status --list-services --list --replace-cert --resume \
    --rollback --all --ignore --vmon-profile --registry --cert --key --key-password --chain \
    --root-cert --vmca-config --renew --days --store --alias --fqdn --dry-run --help --version; do
	has "$T/out" "$o"
done
t "-h is --help"
"$SVCCTL" --help >"$W/h1"
"$SVCCTL" -h >"$W/h2"
same "$W/h1" "$W/h2"
t "-n (dry run) only with --replace-cert (2)"
expect_rc 2 S --start --all -n
has "$T/err" "--dry-run goes with --replace-cert"
t "no action: usage (2)"
expect_rc 2 "$SVCCTL"
t "unknown option (2)"
expect_rc 2 S --frobnicate
has "$T/err" "unknown option '--frobnicate'"
t "two actions (2)"
expect_rc 2 S --start --stop alpha
t "--start without names (2)"
expect_rc 2 S --start
t "--ignore with --status (2)"
expect_rc 2 S --status --ignore
t "option value missing (2)"
expect_rc 2 S --status --registry
t "--opt=value form"
expect_rc 0 "$SVCCTL" --registry="$REG" --list
t "--version"
expect_rc 0 "$SVCCTL" --version
has "$T/out" "svcctl (certkit)"

t "--list-services: name (Display Name)"
expect_rc 0 S --list-services
has "$T/out" "alpha (Alpha Service)"
has "$T/out" "gamma (gamma)"
t "--list is the same"
S --list-services >"$W/a"
S --list >"$W/b"
same "$W/a" "$W/b"
t "scripts take field 1"
eq "$(S --list | awk '{print $1}' | tr '\n' ' ')" "alpha beta gamma manual1 "

t "status when everything is stopped"
expect_rc 12 S --status
eq "$(cat "$T/out")" "Stopped:
 alpha beta gamma manual1"

t "unknown service is an error (4)"
expect_rc 4 S --start vmca
has "$T/err" "unknown service 'vmca'"
t "unknown profile (4)"
expect_rc 4 S --start --vmon-profile NOPE

# --- start, order, aliases ------------------------------------------------------
t "start gamma pulls in beta and alpha, in order"
expect_rc 0 S --start gamma
has "$T/out" "Operation not cancellable. Please wait for it to finish..."
has "$T/out" "Performing start operation on service alpha..."
has "$T/out" "Successfully started service gamma"
eq "$(tr '\n' ' ' <"$LOGF")" "alpha beta gamma "
t "status after start"
expect_rc 0 S --status
eq "$(cat "$T/out")" "Running:
 alpha beta gamma
Stopped:
 manual1"
t "status of one service by alias reports the canonical name"
expect_rc 0 S --status vmware-alpha
eq "$(cat "$T/out")" "Running:
 alpha"
t "alias case-insensitive"
expect_rc 0 S --status AL
has "$T/out" " alpha"
t "pidfile and log exist, log has the output"
PIDF=$(find "$CERTKIT_ROOT" -name alpha.pid)
present "$PIDF"
has "$(find "$CERTKIT_ROOT" -name alpha.log)" "=== svcctl: starting alpha"

t "services run in their own session"
_pid=$(cut -d' ' -f1 "$PIDF")
eq "$(ps -o sid= -p "$_pid" | tr -d ' ')" "$(cut -d' ' -f2 "$PIDF")"
if [ "$(ps -o sid= -p "$_pid" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')" ]; then ok; else fail "same session as the test"; fi

# --- stop: dependents first, stop command ------------------------------------------
: >"$LOGF"
t "stop --ignore --all (flags in any order)"
expect_rc 0 S --stop --ignore --all
has "$LOGF" "stopping-beta"
t "gamma stopped before beta is stopped, beta before alpha"
_gs=$(grep -n "Successfully stopped service gamma" "$T/out" | cut -d: -f1)
_bb=$(grep -n "Performing stop operation on service beta" "$T/out" | cut -d: -f1)
_bs=$(grep -n "Successfully stopped service beta" "$T/out" | cut -d: -f1)
_ab=$(grep -n "Performing stop operation on service alpha" "$T/out" | cut -d: -f1)
if [ -n "$_gs" ] && [ -n "$_bb" ] && [ -n "$_bs" ] && [ -n "$_ab" ] && [ "$_gs" -lt "$_bb" ] && [ "$_bs" -lt "$_ab" ]; then
	ok
else
	fail "order: $(tr '\n' '|' <"$T/out")"
fi
t "pidfiles removed after stop"
absent "$PIDF"

# --- --all skips manual services; profiles -----------------------------------------
t "--start --all skips manual services"
expect_rc 0 S --start --all
hasnt "$T/out" "manual1"
expect_rc 12 S --status manual1
has "$T/out" "Stopped:"
t "--restart by profile"
expect_rc 0 S --restart --vmon-profile HACore
has "$T/out" "Successfully stopped service alpha"
has "$T/out" "Successfully started service alpha"
t "--status --all: every service, manual ones too"
expect_rc 0 S --status --all
eq "$(cat "$T/out")" "Running:
 alpha beta gamma
Stopped:
 manual1"

# pid_of NAME: the pid in the service's pidfile
pid_of() { cut -d' ' -f1 "$(find "$CERTKIT_ROOT" -name "$1.pid")"; }
# restarted NAME OLDPID: its pidfile names another process now
restarted() { _np=$(pid_of "$1"); if [ -n "$_np" ] && [ "$_np" != "$2" ]; then ok; else fail "$1 still pid '$_np'"; fi; }
t "--restart by name restarts that service only"
_a=$(pid_of alpha) _b=$(pid_of beta) _g=$(pid_of gamma)
expect_rc 0 S --restart beta
has "$T/out" "Successfully stopped service beta"
has "$T/out" "Successfully started service beta"
hasnt "$T/out" "stopped service alpha"
hasnt "$T/out" "stopped service gamma"
restarted beta "$_b"
eq "$(pid_of alpha) $(pid_of gamma)" "$_a $_g"
t "--restart --all restarts every automatic service, not the manual ones"
_a=$(pid_of alpha) _b=$(pid_of beta) _g=$(pid_of gamma)
expect_rc 0 S --restart --all
has "$T/out" "Successfully stopped service alpha"
has "$T/out" "Successfully started service gamma"
hasnt "$T/out" "manual1"
restarted alpha "$_a"
restarted beta "$_b"
restarted gamma "$_g"
expect_rc 0 S --status
eq "$(cat "$T/out")" "Running:
 alpha beta gamma
Stopped:
 manual1"

t "--vmon-profile ALL: every automatic service, not the manual ones"
expect_rc 0 S --start manual1
expect_rc 0 S --stop --vmon-profile ALL
has "$T/out" "Successfully stopped service alpha"
has "$T/out" "Successfully stopped service gamma"
hasnt "$T/out" "manual1"
expect_rc 12 S --status
eq "$(cat "$T/out")" "Running:
 manual1
Stopped:
 alpha beta gamma"
t "--vmon-profile all (case-insensitive) starts them again"
expect_rc 0 S --start --vmon-profile all
hasnt "$T/out" "manual1"
expect_rc 0 S --status
eq "$(cat "$T/out")" "Running:
 alpha beta gamma manual1"

t "--stop --all stops manual services too"
expect_rc 0 S --start manual1
expect_rc 0 S --stop --all
has "$T/out" "Successfully stopped service manual1"
expect_rc 12 S --status
eq "$(cat "$T/out")" "Stopped:
 alpha beta gamma manual1"

# --- pid reuse: a pidfile naming someone else's process -------------------------------
sleep 100000 &
_other=$!
# the pidfiles' directory: $runstatedir/certkit under the sandbox root
RUN_DIR=$(find "$CERTKIT_ROOT" -type d -path '*/run/certkit' | head -1)
[ -n "$RUN_DIR" ] || { echo "no run directory"; exit 1; }
echo "$_other $(ps -o sid= -p "$_other" | tr -d ' ') 12345" >"$RUN_DIR/alpha.pid"
t "a pidfile whose start time differs is stale: Stopped"
expect_rc 12 S --status alpha
has "$T/out" "Stopped:"
t "and stopping it does not signal that process"
expect_rc 0 S --stop alpha
if kill -0 "$_other" 2>/dev/null; then ok; else fail "process $_other was killed"; fi
kill "$_other"
wait "$_other" 2>/dev/null

# --- fake services that misbehave -------------------------------------------------------
# (and one tcp: probe that passes: a TLS server is a TCP listener at hand)
TPORT=$(( 20000 + ($$ * 7 + $(date +%N | sed 's/^0*//;s/^$/0/') % 1000) % 30000 ))
"$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$W/t.key" \
    -out "$W/t.crt" -days 2 -subj /CN=tcp-probe 2>/dev/null
cat >"$REG" <<EOF
[registry]
settle = 1s
poll = 20ms

[service base]
start = exec sleep 100000

[service nostart]
start = echo "cannot open config"; exit 3
requires = base

[service neverready]
start = echo "waiting forever"; exec sleep 100000
probe = tcp:1
start_timeout = 700ms

[service dies]
start = sleep 0.1; touch dies.ready; echo "fatal: bad certificate"; exit 1
probe = file:dies.ready

[service stubborn]
start = trap '' TERM; echo stubborn; while :; do sleep 0.1; done
stop_timeout = 400ms

[service dependent]
start = exec sleep 100000
requires = nostart

[service missingcmd]
start = exec /nonexistent/daemon

[service ftest]
start = exec sleep 100000
probe = cmd: [ -d / ]

[service fmissing]
start = exec sleep 100000
probe = cmd: test -f never.ready
start_timeout = 300ms

[service nodir]
start = exec sleep 100000
directory = $W/no-such-dir

[service later]
start = sleep 0.3; mkdir -p sub; touch sub/ready; exec sleep 100000
probe = file:sub/ready

[service renamed]
start = sleep 0.2; echo ok >r.tmp; mv r.tmp r.ready; exec sleep 100000
probe = cmd: test -s r.ready

[service quick]
start = exit 0
probe = file:never

[service listener]
start = exec $OPENSSL s_server -quiet -accept 127.0.0.1:$TPORT -cert $W/t.crt -key $W/t.key -www
probe = tcp:$TPORT
start_timeout = 20s
EOF
t "a service that fails to start: exit 1, named, with its log"
expect_rc 1 S --start nostart
has "$T/err" "Error executing start on service nostart. Details {"
has "$T/err" "cannot open config"
has "$T/err" "Service-control failed. Error: {"
t "a service that never becomes ready: named, with the timeout"
expect_rc 1 S --start neverready
has "$T/err" "service neverready did not become ready within 0.7 s"
has "$T/err" "waiting forever"
t "it is left StartPending"
expect_rc 12 S --status neverready
eq "$(cat "$T/out")" "StartPending:
 neverready"
t "a service that dies after becoming ready: named, with its log"
expect_rc 1 S --start dies
has "$T/err" "service dies exited"
has "$T/err" "fatal: bad certificate"
t "a file-test command probe: true"
expect_rc 0 S --start ftest
t "a file-test command probe: false"
expect_rc 1 S --start fmissing
has "$T/err" "service fmissing did not become ready"
t "a tcp: probe passes once the service listens"
expect_rc 0 S --start listener
has "$T/out" "Successfully started service listener"
expect_rc 0 S --status listener
eq "$(cat "$T/out")" "Running:
 listener"
t "a directory that does not exist is named"
expect_rc 1 S --start nodir
has "$T/err" "chdir for service nodir failed"
has "$T/err" "$W/no-such-dir"
t "a file probe in a directory that appears later still passes (polled)"
expect_rc 0 S --start later
t "a file probe passes on a file renamed into place"
expect_rc 0 S --start renamed
t "a service that exits at once (a zombie until reaped) is seen dead"
expect_rc 1 S --start quick
has "$T/err" "service quick exited before it became ready"
expect_rc 12 S --status quick
has "$T/out" "Stopped:"
# A plain start command (a path and plain words) is exec'd by svcctl, not
# through /bin/sh.  Needs strace and ptrace; the real binary, not the
# valgrind wrapper, and no LeakSanitizer, which cannot run under a tracer.
if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
	printf '[service plain]\nstart = exec /bin/true plain-arg --x=1\n\n[service shelly]\nstart = exec /bin/true $HOME\n' >"$W/plain.conf"
	for svc in plain shelly; do
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		    strace -f -qq -o "$W/$svc.tr" -e trace=execve \
		    "$top_builddir/svcctl/svcctl" -r "$W/plain.conf" --start $svc >/dev/null 2>&1
	done
	t "a plain start command is exec'd without a shell"
	has "$W/plain.tr" 'execve("/bin/true", ["/bin/true", "plain-arg", "--x=1"]'
	if grep -q 'execve("/bin/sh"' "$W/plain.tr"; then fail "a shell was run"; else ok; fi
	t "a start command with anything the shell expands goes through /bin/sh"
	has "$W/shelly.tr" 'execve("/bin/sh", ["/bin/sh", "-c", "exec /bin/true $HOME"]'
else
	echo "# skip: strace unavailable or ptrace not permitted"
fi
t "a missing program: named"
expect_rc 1 S --start missingcmd
has "$T/err" "/nonexistent/daemon"
t "dependents of a failed service are not started"
expect_rc 1 S --start dependent
has "$T/err" "service dependent not started: it requires nostart"
t "--ignore carries on and exits 0"
expect_rc 0 S --start --ignore nostart stubborn
has "$T/out" "Successfully started service stubborn"
has "$T/err" "Error executing start on service nostart"
t "a service that ignores SIGTERM is killed after its stop timeout"
expect_rc 0 S --stop stubborn
has "$T/err" "did not stop within 0.4 s and was killed (SIGKILL)"
has "$T/out" "Successfully stopped service stubborn"
expect_rc 12 S --status stubborn
has "$T/out" "Stopped:"
expect_rc 0 S --stop --all


# --- user and directory -------------------------------------------------------------
mkdir -p "$W/wd"
chmod 755 "$T" "$W" "$W/wd"
cat >"$REG" <<EOF
[service asnobody]
start = id -un; pwd; exec sleep 100000
user = nobody
directory = $W/wd

[service baduser]
start = exec sleep 100000
user = no-such-user-ck
EOF
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	t "user = nobody runs the service as nobody, in its directory"
	expect_rc 0 S --start asnobody
	_log=$(find "$CERTKIT_ROOT" -name asnobody.log)
	has "$_log" "nobody"
	has "$_log" "$W/wd"
	expect_rc 0 S --stop asnobody
	t "user = nobody: its probe and stop command run as nobody, with a clean environment"
	chmod 1777 "$W/wd"
	cat >"$W/user.conf" <<EOF
[registry]
poll = 20ms
[service probed]
start = exec sleep 100000
stop = id -un >$W/wd/stop.who; env >$W/wd/stop.env; kill \$CK_PID
probe = cmd:id -un >$W/wd/probe.who; env >$W/wd/probe.env; true
user = nobody
directory = $W/wd
EOF
	SWAP_PW=hunter2-secret expect_rc 0 "$SVCCTL" -r "$W/user.conf" --start probed
	eq "$(cat "$W/wd/probe.who")" nobody
	hasnt "$W/wd/probe.env" hunter2-secret
	has "$W/wd/probe.env" "USER=nobody"
	SWAP_PW=hunter2-secret expect_rc 0 "$SVCCTL" -r "$W/user.conf" --stop probed
	eq "$(cat "$W/wd/stop.who")" nobody
	hasnt "$W/wd/stop.env" hunter2-secret
	has "$W/wd/stop.env" "HOME="
fi
t "an unknown user is named"
expect_rc 1 S --start baduser
has "$T/err" "getpwnam for service baduser failed"

# --- registry errors: exit 3, file and line named ------------------------------------------
bad() { # bad NAME LINE TEXT
	printf '%b' "$3" >"$W/bad.conf"
	t "registry: $1"
	expect_rc 3 "$SVCCTL" -r "$W/bad.conf" --status
	has "$T/err" "bad.conf:$2:"
}
bad "unknown key" 3 "[service a]\nstart = x\nbogus = 1\n"
bad "duplicate key" 3 "[service a]\nstart = x\nstart = y\n"
bad "missing start command" 4 "[service a]\nstart = x\n\n[service b]\ndisplay = B\n"
bad "duplicate alias" 6 "[service a]\nstart = x\naliases = one\n[service b]\nstart = y\naliases = two, ONE\n"
bad "alias equal to a service name" 3 "[service a]\nstart = x\naliases = b\n[service b]\nstart = y\n"
bad "dependency cycle" 6 "[service a]\nstart = x\nrequires = b\n[service b]\nstart = y\nrequires = a\n"
bad "unknown dependency" 3 "[service a]\nstart = x\nrequires = zzz\n"
bad "service defined twice" 3 "[service a]\nstart = x\n[service a]\nstart = y\n"
bad "unknown section" 1 "[services a]\nstart = x\n"
bad "bad probe" 3 "[service a]\nstart = x\nprobe = udp:5\n"
bad "bad timeout" 3 "[service a]\nstart = x\nstart_timeout = soon\n"
bad "bad startup type" 3 "[service a]\nstart = x\nstartup = sometimes\n"
bad "line without =" 2 "[service a]\nstart\n"
bad "key outside a section" 1 "start = x\n"
bad "bad backend" 2 "[registry]\nbackend = upstart\n"
t "registry: the cycle is shown"
printf '[service a]\nstart = x\nrequires = c\n[service b]\nstart = y\nrequires = a\n[service c]\nstart = z\nrequires = b\n' >"$W/cyc.conf"
expect_rc 3 "$SVCCTL" -r "$W/cyc.conf" --list
has "$T/err" "dependency cycle"
has "$T/err" "a -> c -> b -> a"
t "missing registry (3) says where to put one"
expect_rc 3 "$SVCCTL" --status
has "$T/err" "services.conf"
t "CERTKIT_REGISTRY names the registry"
CERTKIT_REGISTRY=$REG expect_rc 0 "$SVCCTL" --list

t "the shipped sample registry is valid and models the appliance"
expect_rc 0 "$SVCCTL" -r "$top_srcdir/share/config/services.conf" --list-services
has "$T/out" "vmafdd (VMware Authentication Framework)"
has "$T/out" "vmware-rhttpproxy (VMware HTTP Reverse Proxy)"
eq "$(head -3 "$T/out" | cut -d' ' -f1 | tr '\n' ' ')" "vmafdd vmdird vmcad "

t "no descriptor of svcctl leaks into a service"
cat >"$W/fd.conf" <<EOF
[service fdcheck]
start = echo \$\$ >$W/fdpid; exec sleep 100000
EOF
"$SVCCTL" -r "$W/fd.conf" --start fdcheck 7>"$W/seven" >/dev/null 2>&1
# listed from outside, after the exec: a listing by the service's own
# shell would race with the shell's pipes
eq "$(ls "/proc/$(cat "$W/fdpid")/fd" | tr '\n' ' ')" "0 1 2 "
"$SVCCTL" -r "$W/fd.conf" --stop --all >/dev/null 2>&1


t "a long dependency chain is sorted without recursion (no stack overflow)"
awk 'BEGIN { n = 8000; for (i = 0; i < n - 1; i++) printf "[service s%d]\nstart = x\nrequires = s%d\n", i, i + 1;
    printf "[service s%d]\nstart = x\n", n - 1 }' >"$W/chain.conf"
# a small stack makes the old recursive walk crash at this depth
run sh -c 'ulimit -s 100 && exec "$0" -r "$1" --list-services' "$SVCCTL" "$W/chain.conf"
eq "$rc" 0
eq "$(head -1 "$T/out")" "s7999 (s7999)"


t "a failing service's log tail reaches the terminal without escape sequences"
cat >"$W/esc.conf" <<EOF
[service esc]
start = printf 'boom\\033]0;owned\\007\\033[31mred\\302\\233x\\n'; exit 1
EOF
run "$SVCCTL" -r "$W/esc.conf" --start esc
eq "$rc" 1
has "$T/err" "boom?]0;owned??[31mred?x"
if LC_ALL=C grep -q "$(printf '\033')" "$T/err" "$T/out"; then fail "raw ESC in the output"; else ok; fi


if [ "$(id -u)" = 0 ]; then
	t "root refuses a registry writable by others (3)"
	printf '[service a]\nstart = exec sleep 1\nprobe = cmd:touch %s/pwned\n' "$W" >"$W/loose.conf"
	chmod 666 "$W/loose.conf"
	expect_rc 3 "$SVCCTL" -r "$W/loose.conf" --status
	has "$T/err" "must be owned by root and writable by nobody else"
	t "root refuses a registry writable by its group (3)"
	chmod 620 "$W/loose.conf"
	expect_rc 3 "$SVCCTL" -r "$W/loose.conf" --status
	t "root refuses a registry owned by another user (3)"
	chmod 644 "$W/loose.conf"
	chown 65534 "$W/loose.conf"
	expect_rc 3 "$SVCCTL" -r "$W/loose.conf" --status
	t "no probe of a refused registry ran"
	absent "$W/pwned"
	t "root accepts its own registry, mode 644"
	chown 0 "$W/loose.conf"
	expect_rc 12 "$SVCCTL" -r "$W/loose.conf" --status
fi
t "a FIFO as registry is refused, not waited on (3)"
mkfifo "$W/fifo.conf"
expect_rc 3 "$SVCCTL" -r "$W/fifo.conf" --status
has "$T/err" "not a regular file"


t "a service gets an environment built for it, not svcctl's"
cat >"$W/env.conf" <<EOF
[service envdump]
start = env >$W/env.txt; exec sleep 100000
EOF
SWAP_PW=hunter2-secret FOO_UNRELATED=x "$SVCCTL" -r "$W/env.conf" --start envdump >/dev/null 2>&1
hasnt "$W/env.txt" "hunter2-secret"
hasnt "$W/env.txt" "FOO_UNRELATED"
has "$W/env.txt" "CK_SERVICE=envdump"
has "$W/env.txt" "CK_MACHINE_SSL="
has "$W/env.txt" "CERTKIT_ROOT=$CERTKIT_ROOT"
has "$W/env.txt" "PATH="
"$SVCCTL" -r "$W/env.conf" --stop envdump >/dev/null 2>&1
t "the library never changes the caller's environment"
eq "$(grep -l -e 'setenv(' -e 'putenv(' "$top_srcdir"/lib/*.c)" ""

finish
