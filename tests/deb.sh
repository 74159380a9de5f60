#!/bin/sh
# The package stage of CI (issue 13): on Debian 12, as root,
#   1. builds the certkit .deb from a copy of this tree with
#      dpkg-buildpackage -us -uc -b, and runs lintian on it;
#   2. installs it with dpkg -i and checks the installed layout: programs,
#      the names runbooks type, conffiles, units, tmpfiles.d, logrotate,
#      completion, Depends, and no test hook in the shipped programs;
#   3. checks the units (systemd-analyze verify, and the conditions that
#      decide whether they run) and runs the installed programs from
#      /usr/bin and /usr/sbin against a sandbox (CERTKIT_ROOT): a VMCA, a
#      certificate, a store entry, a swap with svcctl on the demo registry;
#      the installed completion script (tests/e2e/completion.sh); the
#      installed demo, into a pipe (no escape codes);
#   4. purges it with dpkg --purge and checks that nothing is left.
# Ends with "deb: N passed, N failed"; exits non-zero on a failure, 77 when
# it cannot run here (not root, not Debian).  It refuses to run where
# certkit state already exists, since the purge would remove it.
#   sh tests/deb.sh            DEB_KEEP=dir: keep the built .deb there
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$top_srcdir/build
export top_srcdir top_builddir
. "$top_srcdir/tests/lib.sh"
started=$(date +%s)

finish() {
	echo "# tests/deb.sh took $(($(date +%s) - started)) s"
	echo "deb: $_npass passed, $_nfail failed"
	[ "$_nfail" = 0 ]
	exit $?
}
skip() { echo "SKIP: $*"; echo "deb: 0 passed, 0 failed (skipped)"; exit 77; }

[ "$(id -u)" = 0 ] || skip "dpkg -i needs root"
command -v dpkg >/dev/null 2>&1 || skip "no dpkg (not Debian?)"
sh "$top_srcdir/tests/deps.sh" || skip "cannot install the build dependencies"

t "no certkit state on this machine that the purge would remove"
_found=""
for d in /var/lib/certkit /etc/certkit /var/log/certkit /run/certkit; do
	[ -e "$d" ] && _found="$_found $d"
done
if dpkg-query -W -f='${Status}' certkit 2>/dev/null | grep -q 'ok installed'; then
	_found="$_found (package certkit installed)"
fi
if [ -n "$_found" ]; then
	fail "found$_found: tests/deb.sh installs and purges certkit; run it on a CI machine"
	finish
fi
ok

# 1. build -------------------------------------------------------------------
SRC=$T/src/certkit
mkdir -p "$SRC"
# the tree as committed plus what is new, without build output
if git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top_srcdir" && git ls-files -z -co --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' x |
	    tar -cf - -T -) | tar -xf - -C "$SRC"
else
	(cd "$top_srcdir" && tar -cf - --exclude='./build*' --exclude=./sandbox \
	    --exclude=./debian/certkit .) | tar -xf - -C "$SRC"
fi

t "dpkg-buildpackage -us -uc -b builds certkit_*.deb"
_t0=$(date +%s)
(cd "$SRC" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b) >"$T/build.out" 2>&1
_rc=$?
echo "# dpkg-buildpackage took $(($(date +%s) - _t0)) s"
DEB=$(ls "$T"/src/certkit_*.deb 2>/dev/null | head -1)
if [ "$_rc" = 0 ] && [ -n "$DEB" ]; then
	ok
else
	fail "exit $_rc"
	tail -40 "$T/build.out" | sed 's/^/#   /'
	finish
fi
[ -n "${DEB_KEEP:-}" ] && mkdir -p "$DEB_KEEP" && cp "$DEB" "$DEB_KEEP/"

echo "# $(($(date +%s) - started)) s so far"
t "lintian: no error or warning (overrides say why)"
lintian --fail-on error,warning --display-info "$T"/src/certkit_*.changes >"$T/lintian.out" 2>&1
_rc=$?
sed 's/^/# lintian: /' "$T/lintian.out"
if [ "$_rc" = 0 ]; then ok; else fail "lintian exit $_rc"; fi

t "Depends names libssl3 (vecs loads libcrypto.so.3 with dlopen)"
_dep=$(dpkg-deb -f "$DEB" Depends)
echo "# Depends: $_dep"
case $_dep in *libssl3*) ok ;; *) fail "Depends: $_dep" ;; esac

# 2. install -----------------------------------------------------------------
t "dpkg -i installs it"
on_exit dpkg --purge certkit
if dpkg -i "$DEB" >"$T/out" 2>"$T/err"; then ok; else fail "dpkg -i failed"; finish; fi

t "the programs and the names runbooks type"
for f in /usr/bin/certool /usr/bin/vecs /usr/sbin/svcctl /usr/bin/vecs-cli /usr/sbin/service-control; do
	if [ -x "$f" ]; then ok; else fail "$f is not installed"; fi
done
eq "$(readlink /usr/bin/vecs-cli) $(readlink /usr/sbin/service-control)" "vecs svcctl"
t "man pages, with vecs-cli(1) and service-control(8)"
for f in man1/certool.1 man1/vecs.1 man1/vecs-cli.1 man8/svcctl.8 man8/service-control.8 man7/certkit.7; do
	present "/usr/share/man/$f.gz"
done
t "conffiles: /etc/certkit/services.conf and certool.cfg, /etc/default/certkit, logrotate"
dpkg-query -W -f='${Conffiles}\n' certkit | awk 'NF { print $1 }' >"$T/conffiles"
for f in /etc/certkit/services.conf /etc/certkit/certool.cfg /etc/default/certkit /etc/logrotate.d/certkit; do
	if grep -qxF "$f" "$T/conffiles"; then ok; else fail "$f is not a conffile"; fi
done
t "units, tmpfiles.d, bash completion under every name"
U=/lib/systemd/system
for f in $U/certkit-resume.service $U/certkit-renew.service $U/certkit-renew.timer \
    /usr/lib/tmpfiles.d/certkit.conf; do
	present "$f"
done
for n in certool vecs vecs-cli svcctl service-control; do
	present "/usr/share/bash-completion/completions/$n"
done
t "the tmpfiles.d entry made /run/certkit, the run directory itself (no link)"
if command -v systemd-tmpfiles >/dev/null 2>&1; then
	present /run/certkit
	eq "$(readlink /var/lib/certkit/run || echo none)" none
	grep -q /run/certkit /usr/sbin/svcctl && ok || fail "svcctl does not use /run/certkit"
else
	ok "# skip: no systemd-tmpfiles"
fi
t "no test hook in the shipped programs"
_hooks=$(strings /usr/bin/certool /usr/bin/vecs /usr/sbin/svcctl | grep -c -e CERTKIT_TEST_ -e CERTKIT_FAKE_NOW)
eq "$_hooks" 0

# 3. units and programs ------------------------------------------------------
t "systemd-analyze verify accepts the units"
if systemd-analyze verify $U/certkit-resume.service $U/certkit-renew.service \
    $U/certkit-renew.timer >"$T/out" 2>&1; then
	ok
elif grep -q -e 'Failed to connect' -e 'System has not been booted' "$T/out"; then
	ok "# skip: systemd-analyze verify cannot run here"
else
	fail "$(head -5 "$T/out")"
fi
t "the timer is certbot-like: Persistent=true, RandomizedDelaySec"
has $U/certkit-renew.timer "Persistent=true"
has $U/certkit-renew.timer "RandomizedDelaySec="
t "the renewal runs svcctl with RENEW_DAYS from /etc/default/certkit"
has $U/certkit-renew.service 'ExecStart=/usr/sbin/svcctl --replace-cert --renew --if-expires-within ${RENEW_DAYS}'
has $U/certkit-renew.service "EnvironmentFile=-/etc/default/certkit"
has /etc/default/certkit "RENEW_DAYS="
has $U/certkit-resume.service "ExecStart=/usr/sbin/svcctl --resume"

# cond UNIT: systemd-analyze's verdict on UNIT's Condition lines (0: run)
cond() {
	# shellcheck disable=SC2046
	systemd-analyze condition $(sed -n 's/^\(Condition[A-Za-z]*=.*\)/\1/p' "$1") >/dev/null 2>&1
}
J=/var/lib/certkit/journal
t "certkit-resume.service runs only when a swap journal was left behind"
if systemd-analyze condition 'ConditionPathExists=/' >/dev/null 2>&1; then
	if cond $U/certkit-resume.service; then fail "runs without a journal"; else ok; fi
	mkdir -p "$J" && : >"$J/swap.journal"
	if cond $U/certkit-resume.service; then ok; else fail "does not run with a journal"; fi
	rm -f "$J/swap.journal"
	t "certkit-renew.service runs only where a VMCA and a store exist"
	if cond $U/certkit-renew.service; then fail "runs without a VMCA"; else ok; fi
else
	ok "# skip: systemd-analyze condition cannot run here"
fi

SB=$CERTKIT_ROOT
W=$T/work
mkdir -p "$W"
PORT=$(( 20000 + ($$ * 7 + $(date +%N | sed 's/^0*//;s/^$/0/') % 1000) % 30000 ))
REG=$W/services.conf
sed "s/18443/$PORT/g" /usr/share/certkit/services.conf >"$REG"
on_exit /usr/sbin/svcctl -r "$REG" --stop --all
FQDN=node1.example.test
printf 'Country = US\nName = deb test CA\n' >"$W/ca.cfg"
printf 'Country = US\nName = %s\nHostname = %s\n' "$FQDN" "$FQDN" >"$W/m.cfg"

t "installed certool: a VMCA, a key, a certificate"
expect_rc 0 /usr/bin/certool --selfca --config="$W/ca.cfg"
present "$SB/var/lib/certkit/vmca/root.cer"
expect_rc 0 /usr/bin/certool --genkey --privkey="$W/m1.key" --pubkey="$W/m1.pub"
expect_rc 0 /usr/bin/certool --gencert --privkey="$W/m1.key" --cert="$W/m1.crt" --config="$W/m.cfg"
t "installed vecs-cli: the VMCA root trusted, the machine certificate in the store"
expect_rc 0 /usr/bin/certool --getrootca --cert="$W/root.pem"
expect_rc 0 /usr/bin/vecs-cli entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT \
    --cert "$W/m1.crt" --key "$W/m1.key"
expect_rc 0 /usr/bin/vecs entry list --store MACHINE_SSL_CERT --aliases
has "$T/out" "__MACHINE_CERT"
t "installed service-control: the demo appliance starts"
expect_rc 0 /usr/sbin/service-control -r "$REG" --start --all
t "installed svcctl: a new certificate swapped in"
expect_rc 0 /usr/bin/certool --genkey --privkey="$W/m2.key" --pubkey="$W/m2.pub"
expect_rc 0 /usr/bin/certool --gencert --privkey="$W/m2.key" --cert="$W/m2.crt" --config="$W/m.cfg"
expect_rc 0 /usr/sbin/svcctl -r "$REG" --replace-cert --cert "$W/m2.crt" --key "$W/m2.key" --fqdn "$FQDN"
M2=$(openssl x509 -in "$W/m2.crt" -noout -fingerprint -sha1 | sed 's/.*=//' | tr -d : | tr A-F a-f)
has "$T/out" "$M2"
t "the old certificate is in BACKUP_STORE"
expect_rc 0 /usr/bin/vecs entry list --store BACKUP_STORE --aliases
has "$T/out" "bkp___MACHINE_CERT"
t "the renewal unit's command: nothing to do for a certificate valid 730 days"
if /usr/sbin/svcctl --help 2>&1 | grep -q -e '--if-expires-within'; then
	expect_rc 0 /usr/sbin/svcctl -r "$REG" --replace-cert --renew --if-expires-within 30 --fqdn "$FQDN"
	expect_rc 0 /usr/bin/vecs entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT \
	    --output "$W/cur.pem"
	eq "$(openssl x509 -in "$W/cur.pem" -noout -fingerprint -sha1 | sed 's/.*=//' | tr -d : | tr A-F a-f)" "$M2"
else
	ok "# skip: this svcctl has no --if-expires-within yet"
fi
t "the renewal unit's command: RENEW_DAYS from /etc/default/certkit is a number"
_days=$(sh -c '. /etc/default/certkit; echo "$RENEW_DAYS"')
case $_days in '' | *[!0-9]*) fail "RENEW_DAYS=$_days" ;; *) ok ;; esac
expect_rc 0 /usr/sbin/svcctl -r "$REG" --stop --all

t "the installed completion script (tests/e2e/completion.sh on it)"
COMPSCRIPT=/usr/share/bash-completion/completions/certool \
    sh "$top_srcdir/tests/e2e/completion.sh" >"$T/comp.out" 2>&1
_rc=$?
sed 's/^/#   /' "$T/comp.out" | grep -v '^#   ok' 
if [ "$_rc" = 0 ]; then ok; else fail "exit $_rc"; fi

t "the installed demo runs from /usr/share/certkit/demo, into a pipe"
DEMO_PORT=$((PORT + 1)) DEMO_SANDBOX=$T/demo DEMO_FQDN=$FQDN \
    sh /usr/share/certkit/demo/demo.sh >"$T/demo.out" 2>&1
_rc=$?
if [ "$_rc" = 0 ]; then ok; else fail "exit $_rc"; tail -20 "$T/demo.out" | sed 's/^/#   /'; fi
has "$T/demo.out" "### done in"
has "$T/demo.out" "installed programs"
t "no escape code in the demo's piped output"
if grep -q "$(printf '\033')" "$T/demo.out"; then fail "escape codes in a pipe"; else ok; fi

echo "# $(($(date +%s) - started)) s so far"
# 4. purge -------------------------------------------------------------------
dpkg-query -L certkit >"$T/files"
t "dpkg --purge removes it"
if dpkg --purge certkit >"$T/out" 2>"$T/err"; then ok; else fail "dpkg --purge failed"; fi
t "none of its files is left"
_left=""
while IFS= read -r f; do
	# directories other packages share (/usr/bin, /etc, /lib) stay
	[ -d "$f" ] && continue
	if [ -e "$f" ] || [ -L "$f" ]; then _left="$_left $f"; fi
done <"$T/files"
eq "$_left" ""
t "nothing it made at run time is left"
for d in /etc/certkit /var/lib/certkit /var/log/certkit /run/certkit /etc/default/certkit \
    /etc/logrotate.d/certkit; do
	absent "$d"
done
eq "$(find /etc/systemd /var/lib/systemd -name '*certkit*' 2>/dev/null)" ""
finish
