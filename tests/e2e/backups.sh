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
write_registry "exec sh $W/proxy.sh"
t "swap m2 -> m3 fails and is rolled back (10)"
expect_rc 10 S --replace-cert --cert "$W/m3.crt" --key "$W/m3.key"
has "$T/out" "rollback complete"
t "m2 is current again"
eq "$(stored)" "$M2"
t "the backup of m1 survived the failed swap"
eq "$(stored bkp___MACHINE_CERT BACKUP_STORE)" "$M1"
