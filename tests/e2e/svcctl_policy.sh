#!/bin/sh
# svcctl --replace-cert --restart-policy (issue 14): the minimal policy
# reloads a front end that can reload (nginx, SIGHUP) and restarts one that
# cannot (s_server), with its restart_with_requires dependents only; a
# service that does not use the entry keeps its pid; a reload that fails,
# or a front end that keeps serving the old certificate, rolls back; the
# journal records the policy and --resume follows it; the vmware policy
# still stops everything.  No timing is asserted.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

pki_setup || { echo "pki setup failed"; exit 1; }
on_exit "$SVCCTL" -r "$REG" --stop --all
SSERVER="exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert \$CK_MACHINE_SSL/machine-ssl.crt -key \$CK_MACHINE_SSL/machine-ssl.key -www"
NGINX="mkdir -p nginx/tmp && printf 'pid nginx.pid;\\nerror_log stderr;\\nevents { worker_connections 64; }\\nhttp {\\n access_log off;\\n client_body_temp_path tmp/body; proxy_temp_path tmp/proxy; fastcgi_temp_path tmp/fastcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;\\n server {\\n  listen 127.0.0.1:$PORT ssl;\\n  ssl_certificate %s/machine-ssl.crt;\\n  ssl_certificate_key %s/machine-ssl.key;\\n  location / { return 200 ok; }\\n }\\n}\\n' \"\$CK_MACHINE_SSL\" \"\$CK_MACHINE_SSL\" >nginx/nginx.conf && exec /usr/sbin/nginx -e stderr -p \"\$CK_RUN_DIR/nginx/\" -c nginx.conf -g 'daemon off; worker_processes 1;'"

# policy_registry START RELOAD: core services, a front end (start command
# START, reload RELOAD or none), a dependent of it that follows its
# restarts (follower), one that does not (bystander), and a service that
# uses nothing (other)
policy_registry() {
	cat >"$REG" <<EOR
[registry]
settle = 100ms
poll = 20ms
swap_policy = minimal

[service vmafdd]
start = exec sleep 100000
core = yes
stop_timeout = 2s

[service vmdird]
start = exec sleep 100000
requires = vmafdd
core = yes
stop_timeout = 2s

[service vmcad]
start = exec sleep 100000
requires = vmdird
core = yes
stop_timeout = 2s

[service rhttpproxy]
start = $1
${2:+reload = $2}
probe = tls:$PORT
requires = vmcad
tls_endpoint = 127.0.0.1:$PORT
start_timeout = 10s
stop_timeout = 3s

[service follower]
start = exec sleep 100000
requires = rhttpproxy
restart_with_requires = yes
stop_timeout = 2s

[service bystander]
start = exec sleep 100000
requires = rhttpproxy
stop_timeout = 2s

[service other]
start = exec sleep 100000
requires = vmcad
stop_timeout = 2s
EOR
}
# pids: "name=pid ..." of every service, from the pidfiles
pids() {
	for _s in vmafdd vmdird vmcad rhttpproxy follower bystander other; do
		printf '%s=%s ' "$_s" "$(cut -d' ' -f1 "$RUN/$_s.pid" 2>/dev/null)"
	done
}
pid_of() { cut -d' ' -f1 "$RUN/$1.pid" 2>/dev/null; }
cur=m1
# swap_to NEXT ARGS...: a swap to NEXT (m1/m2), expecting exit 0
swap_to() {
	_n=$1
	shift
	expect_rc 0 S --replace-cert --cert "$W/$_n.crt" --key "$W/$_n.key" "$@"
	cur=$_n
}
other_cert() { if [ "$cur" = m1 ]; then echo m2; else echo m1; fi; }

t "usage: --restart-policy takes vmware or minimal, with --replace-cert only"
policy_registry "$SSERVER" ""
expect_rc 2 S --replace-cert --cert "$W/m2.crt" --restart-policy fast
has "$T/err" "--restart-policy fast: use vmware or minimal"
expect_rc 2 S --resume --restart-policy minimal
expect_rc 2 S --start --all --restart-policy vmware

expect_rc 0 S --start --all
RUN=$(dirname "$(find "$CERTKIT_ROOT" -name 'vmafdd.pid' | head -1)")

t "dry run: the minimal plan names what is reloaded, restarted and left alone"
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key" --dry-run
has "$T/out" "plan: restart policy minimal"
has "$T/out" "plan: 4. reload: (none)"
has "$T/out" "restart (they cannot reload, or follow one that restarts): rhttpproxy follower"
has "$T/out" "plan:    leave as they are: vmafdd vmdird vmcad bystander other"

t "minimal, a front end that cannot reload: it and its follower restart, nothing else"
before=$(pids)
swap_to m2
has "$T/out" "==> reloading or restarting the services that use MACHINE_SSL_CERT/__MACHINE_CERT"
has "$T/out" "restarting: rhttpproxy follower"
hasnt "$T/out" "stopping all services"
after=$(pids)
for s in vmafdd vmdird vmcad bystander other; do
	t "minimal restart: $s keeps its pid"
	eq "$(echo "$after" | tr ' ' '\n' | grep "^$s=")" "$(echo "$before" | tr ' ' '\n' | grep "^$s=")"
done
for s in rhttpproxy follower; do
	t "minimal restart: $s was restarted (new pid)"
	if [ "$(echo "$after" | tr ' ' '\n' | grep "^$s=")" != "$(echo "$before" | tr ' ' '\n' | grep "^$s=")" ]; then ok; else fail "same pid"; fi
done
t "minimal restart: the new certificate is stored and served, nothing pending"
eq "$(stored)" "$(fp "$W/m2.crt")"
eq "$(served)" "$(fp "$W/m2.crt")"
expect_rc 8 S --rollback

t "the vmware policy, asked for, stops every service"
before=$(pids)
swap_to m1 --restart-policy vmware
has "$T/out" "==> stopping all services"
after=$(pids)
t "vmware: a service that does not use the entry was restarted too"
if [ "$(echo "$after" | tr ' ' '\n' | grep '^other=')" != "$(echo "$before" | tr ' ' '\n' | grep '^other=')" ]; then ok; else fail "same pid"; fi
eq "$(served)" "$(fp "$W/m1.crt")"

t "minimal: a reload command that fails rolls back (10), the front end restarted instead"
"$SVCCTL" -r "$REG" --stop --all >/dev/null 2>&1
policy_registry "$SSERVER" "echo reload refused >&2; exit 3"
expect_rc 0 S --start --all
other_pid=$(pid_of other)
expect_rc 10 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
has "$T/err" "the reload command of rhttpproxy failed (exit status 3)"
has "$T/out" "==> rollback: reloading or restarting the services that use"
has "$T/out" "restarting it instead"
eq "$(stored)" "$(fp "$W/m1.crt")"
eq "$(served)" "$(fp "$W/m1.crt")"
t "after the failed reload nothing is pending and other kept its pid"
expect_rc 8 S --rollback
eq "$(pid_of other)" "$other_pid"

t "minimal: a front end that keeps serving the old certificate rolls back (10)"
"$SVCCTL" -r "$REG" --stop rhttpproxy follower bystander >/dev/null 2>&1
policy_registry "$SSERVER" "true"
expect_rc 0 S --start --all
expect_rc 10 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
has "$T/err" "rhttpproxy serves the wrong certificate"
has "$T/out" "reloading: rhttpproxy"
eq "$(stored)" "$(fp "$W/m1.crt")"
eq "$(served)" "$(fp "$W/m1.crt")"
expect_rc 8 S --rollback

t "the journal records the policy; --resume after a kill follows it"
CERTKIT_TEST_KILL_AT=reload expect_rc 137 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
JD=$(find "$CERTKIT_ROOT" -type d -name journal | head -1)
has "$JD/swap.journal" "policy=minimal"
has "$JD/swap.journal" "phase=reload"
"$SVCCTL" -r "$REG" --stop rhttpproxy >/dev/null 2>&1
policy_registry "$SSERVER" ""
other_pid=$(pid_of other)
expect_rc 0 S --resume
hasnt "$T/out" "stopping all services"
has "$T/out" "restarting: rhttpproxy"
eq "$(stored)" "$(fp "$W/m2.crt")"
eq "$(served)" "$(fp "$W/m2.crt")"
eq "$(pid_of other)" "$other_pid"
cur=m2

t "a journal of an unknown policy is refused, not guessed"
CERTKIT_TEST_KILL_AT=swap expect_rc 137 S --replace-cert --cert "$W/m1.crt" --key "$W/m1.key" --restart-policy vmware
has "$JD/swap.journal" "policy=vmware"
sed -i 's/^policy=.*/policy=fastest/' "$JD/swap.journal"
expect_rc 1 S --resume
has "$T/err" "unknown restart policy 'fastest'"
sed -i 's/^policy=.*/policy=vmware/' "$JD/swap.journal"
expect_rc 0 S --rollback
eq "$(stored)" "$(fp "$W/m2.crt")"

if [ -x /usr/sbin/nginx ]; then
	t "minimal, nginx: reloaded with SIGHUP, no service restarted"
	"$SVCCTL" -r "$REG" --stop --all >/dev/null 2>&1
	policy_registry "$NGINX" "signal:HUP"
	expect_rc 0 S --start --all
	eq "$(served)" "$(fp "$W/m2.crt")"
	before=$(pids)
	swap_to m1
	has "$T/out" "reloading: rhttpproxy"
	hasnt "$T/out" "restarting:"
	eq "$(pids)" "$before"
	eq "$(served)" "$(fp "$W/m1.crt")"
	t "minimal, nginx: and back"
	swap_to m2
	eq "$(pids)" "$before"
	eq "$(served)" "$(fp "$W/m2.crt")"
else
	echo "# nginx not installed: its reload is not tested (tests/deps.sh installs nginx-light)"
fi

finish
