# svc_small.sh: sourced by tests (after tests/lib.sh) that need a small
# registry: small_registry FILE [EXTRA] writes services "one" and "two"
# (two requires one), plus EXTRA registry text, and stops them at exit.
small_registry() {
	cat >"$1" <<EOR
[registry]
settle = 100ms
poll = 20ms

[service one]
display = One
start = exec sleep 100000
stop_timeout = 2s

[service two]
display = Two
start = exec sleep 100000
requires = one
stop_timeout = 2s
${2:-}
EOR
	on_exit "$SVCCTL" -r "$1" --stop --all
}
