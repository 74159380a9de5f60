#!/bin/sh
# Backups of replaced entries: a failed, rolled-back swap keeps the backup
# it found; a history of previous certificates per alias in BACKUP_STORE
# (bkp_<alias> the newest, bkp_<alias>.1 ... older, --backup-depth);
# svcctl --replace-cert --from-backup N puts one back with the swap's
# validation, verify and rollback; vecs entry create --replace refuses a
# key file that holds no key.  Checked with openssl s_client and vecs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

appliance
M1=$(fp "$W/m1.crt") M2=$(fp "$W/m2.crt") M3=$(fp "$W/m3.crt")
# switch_proxy [CMD]: the registry with another proxy command, the
# services stopped under the old one and started under the new one (so the
# old proxy cannot still hold the port when the next swap starts the new)
switch_proxy() {
	S --stop --all >/dev/null 2>&1
	write_registry "$@"
	S --start --all >/dev/null 2>&1
}
# aliases in BACKUP_STORE, one a line
backups() { "$VECS" entry list --store BACKUP_STORE --aliases 2>/dev/null | grep -v "^Number of entries" | sort; }

# --- vecs entry create --replace with a key file without a key --------------
: >"$W/empty.key"
printf '\n\n' >"$W/blank.key"
t "--replace with an empty key file refused (11)"
expect_rc 11 "$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$W/m2.crt" \
    --key "$W/empty.key" --replace
has "$T/err" "holds no private key"
t "the store is unchanged: still a Private Key entry, m1"
run "$VECS" entry list --store MACHINE_SSL_CERT
has "$T/out" "Private Key"
eq "$(stored)" "$M1"
t "the published machine-ssl.key and .crt are still there"
present "$MS_DIR/machine-ssl.key"
present "$MS_DIR/machine-ssl.crt"
t "no backup was made"
eq "$(backups)" ""
t "entry replace with a blank key file refused (11)"
expect_rc 11 "$VECS" entry replace --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$W/m2.crt" \
    --key "$W/blank.key"
eq "$(stored)" "$M1"
# (today's code replaced it: put m1 back for what follows)
"$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$W/m1.crt" \
    --key "$W/m1.key" --replace >/dev/null 2>&1
"$VECS" store delete --name BACKUP_STORE -y >/dev/null 2>&1

t "start the appliance"
expect_rc 0 S --start --all

# --- a failed swap keeps the backup it found ------------------------------------
t "swap m1 -> m2"
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M1"

# the proxy serves m1 whenever machine-ssl.crt is m3: the swap to m3 fails
cat >"$W/proxy.sh" <<EOS
#!/bin/sh
if [ "\$($OPENSSL x509 -in $MS_DIR/machine-ssl.crt -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)" = "$M3" ]; then
	exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert $W/m1.crt -key $W/m1.key -www
fi
exec $OPENSSL s_server -quiet -accept 127.0.0.1:$PORT -cert $MS_DIR/machine-ssl.crt -key $MS_DIR/machine-ssl.key -www
EOS
switch_proxy "exec sh $W/proxy.sh"
t "swap m2 -> m3 fails and is rolled back (10)"
expect_rc 10 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key"
has "$T/out" "rollback complete"
t "m2 is current again"
eq "$(stored)" "$M2"
t "the backup of m1 survived the failed swap"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M1"
t "the failed swap left no bkp_ generation behind"
eq "$(backups)" "bkp___MACHINE_CERT"

# --- the history ------------------------------------------------------------------
switch_proxy
t "swap m2 -> m3: m2 newest, m1 beside it"
expect_rc 0 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key"
has "$T/out" "as bkp___MACHINE_CERT (older ones kept: 3 in all)"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M2"
eq "$(stored bkp1___MACHINE_CERT BACKUP_STORE)" "$M1"
t "swap m3 -> m1: three generations"
expect_rc 0 S --replace-cert --cert "$W/m1.crt" --key "$W/m1.key"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M3"
eq "$(stored bkp1___MACHINE_CERT BACKUP_STORE)" "$M2"
eq "$(stored bkp2___MACHINE_CERT BACKUP_STORE)" "$M1"
t "swap m1 -> m2: the default depth (3) drops the oldest"
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
eq "$(backups)" "$(printf 'bkp___MACHINE_CERT\nbkp1___MACHINE_CERT\nbkp2___MACHINE_CERT\n' | sort)"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M1"
eq "$(stored bkp2___MACHINE_CERT BACKUP_STORE)" "$M2"
t "the history is in BACKUP_STORE for vecs and openssl"
"$VECS" entry getcert --store BACKUP_STORE --alias bkp1___MACHINE_CERT --output "$W/b1.pem" >/dev/null
eq "$(fp "$W/b1.pem")" "$M3"

t "--backup-depth 0 refused (2)"
expect_rc 2 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key" --backup-depth 0
t "--backup-depth 10 refused (2)"
expect_rc 2 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key" --backup-depth 10
t "--backup-depth without --replace-cert refused (2)"
expect_rc 2 S --status --backup-depth 2
t "store and history unchanged after the refusals"
eq "$(stored)" "$M2"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M1"

# --- --from-backup ---------------------------------------------------------------
t "--from-backup 1 --dry-run: validates bkp1___MACHINE_CERT (m3), changes nothing"
expect_rc 0 S --replace-cert --from-backup 1 --dry-run
has "$T/out" "source: BACKUP_STORE/bkp1___MACHINE_CERT (backup 1)"
has "$T/out" "ok: the chain verifies to TRUSTED_ROOTS"
eq "$(stored)" "$M2"
t "--from-backup 1 puts m3 back, verified as served"
expect_rc 0 S --replace-cert --from-backup 1
eq "$(stored)" "$M3"
eq "$(served)" "$M3"
t "the replaced m2 is the newest backup"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M2"
t "--from-backup 0 puts m2 back; --backup-depth 1 keeps one backup"
expect_rc 0 S --replace-cert --from-backup 0 --backup-depth 1
eq "$(stored)" "$M2"
eq "$(served)" "$M2"
eq "$(backups)" "bkp___MACHINE_CERT"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M3"
t "--from-backup of a generation that does not exist: NotFound (6)"
expect_rc 6 S --replace-cert --from-backup 4
has "$T/err" "no backup 4 of __MACHINE_CERT"
t "--from-backup 9 is out of range (2)"
expect_rc 2 S --replace-cert --from-backup 9
t "--from-backup with --key refused (2)"
expect_rc 2 S --replace-cert --from-backup 0 --key "$W/m3.key"
t "--from-backup with another source refused (2)"
expect_rc 2 S --replace-cert --from-backup 0 --renew
t "a backup that fails validation is refused (5): expired"
CERTKIT_FAKE_NOW=$(( $(date +%s) + 800 * 86400 )) expect_rc 5 S --replace-cert --from-backup 0
has "$T/err" "expired"
t "a keyless backup is refused (5)"
"$VECS" entry create --store BACKUP_STORE --alias bkp1___MACHINE_CERT --cert "$W/m1.crt" >/dev/null
expect_rc 5 S --replace-cert --from-backup 1
has "$T/err" "holds no certificate with a private key"
t "store unchanged after the refusals"
eq "$(stored)" "$M2"
eq "$(served)" "$M2"

# --- a swap killed halfway: --rollback and --resume handle the history --------
"$VECS" entry delete --store BACKUP_STORE --alias bkp1___MACHINE_CERT -y >/dev/null
t "killed after the swap phase: the history is shifted"
CERTKIT_TEST_KILL_AT=publish expect_rc 137 S --replace-cert --cert "$W/m1.crt" --key "$W/m1.key"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M2"
eq "$(stored bkp1___MACHINE_CERT BACKUP_STORE)" "$M3"
t "--rollback puts the history back as it was"
expect_rc 0 S --rollback
eq "$(stored)" "$M2"
eq "$(backups)" "bkp___MACHINE_CERT"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M3"
t "killed again, then --resume keeps the shifted history"
CERTKIT_TEST_KILL_AT=publish expect_rc 137 S --replace-cert --cert "$W/m1.crt" --key "$W/m1.key"
expect_rc 0 S --resume
eq "$(stored)" "$M1"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M2"
eq "$(stored bkp1___MACHINE_CERT BACKUP_STORE)" "$M3"

switch_proxy "exec sh $W/proxy.sh"
t "a failing swap killed during its rollback, after the history was put back"
CERTKIT_TEST_KILL_AT=rollback-start expect_rc 137 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M2"
t "--rollback finishes it without shifting the history a second time"
expect_rc 0 S --rollback
eq "$(stored)" "$M1"
eq "$(served)" "$M1"
eq "$(backups)" "$(printf 'bkp___MACHINE_CERT\nbkp1___MACHINE_CERT\n' | sort)"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M2"
eq "$(stored bkp1___MACHINE_CERT BACKUP_STORE)" "$M3"

finish
