#!/bin/sh
# Monitoring exit codes: vecs entry list --expiring (exit 1 when something
# expires), its Nagios/Icinga mode (0 OK, 1 WARNING, 2 CRITICAL,
# 3 UNKNOWN, one line with perfdata), the published expiry summary a
# non-root monitor reads (0644, no key), and svcctl --status (exit 3 when
# a selected service is not running, 8 when a swap is pending; --json).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svc_small.sh"
command -v "$OPENSSL" >/dev/null 2>&1 || skip "openssl not found"

# certificates that expire in 5, 20 and 400 days, and one that has expired
mkcert() { # NAME DAYS-FROM-NOW
	"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" \
	    -subj "/CN=$1" -days "$2" 2>/dev/null
}
mkcert d5 5; mkcert d20 20; mkcert d400 400
"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$T/old.key" -out "$T/old.pem" \
    -subj "/CN=old" -not_before 20200101000000Z -not_after 20200201000000Z 2>/dev/null ||
    faketime -f '-400d' "$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$T/old.key" \
    -out "$T/old.pem" -subj "/CN=old" -days 30 2>/dev/null
"$VECS" store create --name MON >/dev/null
"$VECS" entry create --store MON --alias far --cert "$T/d400.pem" >/dev/null
"$VECS" entry create --store MON --alias soon --cert "$T/d20.pem" --key "$T/d20.key" >/dev/null
"$VECS" store create --name OTHER >/dev/null
"$VECS" entry create --store OTHER --alias sooner --cert "$T/d5.pem" >/dev/null
"$VECS" entry create --store OTHER --alias secret --key "$T/d5.key" >/dev/null 2>&1

# --- plain mode: exit 1 when something is listed --------------------------------
t "nothing within 3 days in MON: exit 0"; expect_rc 0 "$VECS" entry list --store MON --expiring 3
eq "$(cat "$T/out")" ""
t "within 30 days in MON: exit 1, the entry"; expect_rc 1 "$VECS" entry list --store MON --expiring 30
eq "$(cut -f1,2,4 "$T/out")" "$(printf 'MON\tsoon\t19')"
t "all stores, soonest first"; expect_rc 1 "$VECS" entry list --all-stores --expiring 30
eq "$(cut -f2 "$T/out" | tr '\n' ' ')" "sooner soon "
t "--json: exit 1 too"; expect_rc 1 "$VECS" entry list --all-stores --expiring 30 --json
has "$T/out" '"alias": "sooner"'
t "a bad number: 87"; expect_rc 87 "$VECS" entry list --store MON --expiring soon
t "--nagios without --expiring: 87"; expect_rc 87 "$VECS" entry list --store MON --nagios
t "--critical without --nagios: 87"; expect_rc 87 "$VECS" entry list --store MON --expiring 3 --critical 1

# --- Nagios mode -----------------------------------------------------------------
t "OK: 0, one line, perfdata"; expect_rc 0 "$VECS" entry list --all-stores --expiring 3 --nagios
eq "$(wc -l <"$T/out")" 1
eq "$(cat "$T/out")" "VECS OK - 3 certificates, none expires within 3 days | certificates=3;;;0 expiring=0;;;0 expired=0;;;0"
t "WARNING: 1"; expect_rc 1 "$VECS" entry list --all-stores --expiring 30 --nagios
has "$T/out" "VECS WARNING - 2 of 3 certificates expire within 30 days (0 expired): OTHER/sooner in 4 days, MON/soon in 19 days | "
has "$T/out" "min_days_left=4;30;0"
t "CRITICAL within --critical: 2"; expect_rc 2 "$VECS" entry list --all-stores --expiring 30 --nagios --critical 7
has "$T/out" "VECS CRITICAL - "
t "--critical beyond --expiring: UNKNOWN 3"; expect_rc 3 "$VECS" entry list --all-stores --expiring 3 --nagios --critical 7
has "$T/out" "VECS UNKNOWN - "
t "no store: UNKNOWN 3, on stdout"; expect_rc 3 "$VECS" entry list --store NOPE --expiring 3 --nagios
has "$T/out" "VECS UNKNOWN - no such store"
t "bad number: UNKNOWN 3"; expect_rc 3 "$VECS" entry list --store MON --expiring x --nagios
t "expired: CRITICAL 2 even without --critical"
"$VECS" entry create --store MON --alias gone --cert "$T/old.pem" >/dev/null
expect_rc 2 "$VECS" entry list --store MON --expiring 1 --nagios
has "$T/out" "(1 expired): MON/gone expired"

# --- the published summary, for a caller who may not open the store ----------------------
SUM=$(find "$CERTKIT_ROOT" -name vecs.expiry)
t "the summary is published, 0644"; mode "$SUM" 644
t "it holds no certificate or key"; hasnt "$SUM" "-----"
eq "$(grep -c . "$SUM")" 5	# header, 4 certificates (the secret has none)
t "a deleted entry leaves it"
"$VECS" entry delete -y --store MON --alias gone >/dev/null
hasnt "$SUM" "$(printf '\tgone\t')"
if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	chmod 755 "$T" "$CERTKIT_ROOT"
	find "$CERTKIT_ROOT" -type d -name certkit -path '*/lib/*' -exec chmod 755 {} +
	for d in $(dirname "$SUM"); do while [ "$d" != "$CERTKIT_ROOT" ] && [ "$d" != / ]; do chmod o+x "$d"; d=$(dirname "$d"); done; done
	NB="setpriv --reuid=nobody --regid=nogroup --clear-groups env CERTKIT_ROOT=$CERTKIT_ROOT $top_builddir/vecs/vecs"
	t "nobody cannot open the store"; expect_rc 5 $NB entry list --store MON
	t "but gets the census (WARNING)"; expect_rc 1 $NB entry list --all-stores --expiring 30 --nagios
	has "$T/out" "VECS WARNING - 2 of 3 certificates expire within 30 days"
	t "plain lines too"; expect_rc 1 $NB entry list --store OTHER --expiring 30
	eq "$(cut -f1,2 "$T/out")" "$(printf 'OTHER\tsooner')"
	t "without a summary: UNKNOWN 3"
	mv "$SUM" "$SUM.away"
	expect_rc 3 $NB entry list --all-stores --expiring 30 --nagios
	has "$T/out" "VECS UNKNOWN - no readable expiry summary"
	t "plain mode says how to get one"; expect_rc 216 $NB entry list --all-stores --expiring 30
	has "$T/err" "force-refresh"
	t "force-refresh writes it again"; expect_rc 0 "$VECS" force-refresh
	present "$SUM"
	rm -f "$SUM.away"
	chmod 700 "$T"
else
	echo "# the non-root census needs root and setpriv: not run"
fi

# --- svcctl --status, systemctl is-active style ------------------------------------
REG=$T/services.conf
small_registry "$REG" "
[service hand]
display = Manual
start = exec sleep 100000
startup = manual
stop_timeout = 2s"
S() { "$SVCCTL" -r "$REG" "$@"; }
t "--status, all stopped: 12"; expect_rc 12 S --status
eq "$(cat "$T/out")" "Stopped:
 one two hand"
t "start the automatic ones"; expect_rc 0 S --start --all
t "--status: the manual one may be stopped: 0"; expect_rc 0 S --status
eq "$(cat "$T/out")" "Running:
 one two
Stopped:
 hand"
t "--status naming it: 12"; expect_rc 12 S --status hand
t "--status naming running ones: 0"; expect_rc 0 S --status one two
t "--json"; expect_rc 0 S --status --json
if command -v python3 >/dev/null 2>&1; then
	eq "$(python3 -c 'import json,sys; d=json.load(sys.stdin); print([(s["name"], s["state"], s["manual"]) for s in d["services"]], d["swap_pending"])' <"$T/out")" \
	    "[('one', 'running', False), ('two', 'running', False), ('hand', 'stopped', True)] None"
fi
t "--json with a stopped one: 12 too"; expect_rc 12 S --status --json hand
has "$T/out" '"state": "stopped"'
t "--json without --status: 2"; expect_rc 2 S --list --json
t "a pending swap: 8, whatever runs"
JDIR=$(dirname "$(find "$CERTKIT_ROOT" -name vecs.expiry)")/journal
mkdir -p "$JDIR"
printf 'format=certkit-swap-1\nop=replace\nphase=start\nstore=MACHINE_SSL_CERT\nalias=__MACHINE_CERT\nold_sha1=aa\nnew_sha1=bb\nold_sha256=cc\nnew_sha256=dd\nold_type=1\nnew_type=1\nstarted=1\npid=1\n' >"$JDIR/swap.journal"
expect_rc 8 S --status one
has "$T/err" "interrupted in phase start"
t "--json names it"; expect_rc 8 S --status --json one
has "$T/out" '"swap_pending": {"store": "MACHINE_SSL_CERT", "alias": "__MACHINE_CERT", "phase": "start"'
rm -f "$JDIR/swap.journal"
t "stop: 12 again"; expect_rc 0 S --stop two
expect_rc 12 S --status
finish
