#!/bin/sh
# secrets.sh: private keys and passwords never show up where others can see
# them: in the arguments of processes certkit runs (sampled from
# /proc/*/cmdline during a swap), in service logs or the swap journal, in
# error messages, or in any file under the sandbox that is not mode 0600.
# (Wiping of key buffers is proved by the unit suite "secrets".)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

pki_setup || { echo "pki setup failed"; exit 1; }
write_registry
on_exit "$SVCCTL" -r "$REG" --stop --all

PW="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$PW" >"$W/pw"
chmod 600 "$W/pw"
WRONG="wrong-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$WRONG" >"$W/wrongpw"
"$OPENSSL" pkcs8 -topk8 -in "$W/m2.key" -passout "file:$W/pw" -v2 aes-256-cbc -out "$W/m2enc.key"
VMCA_KEY=$(find "$CERTKIT_ROOT" -name privatekey.pem | head -1)

# markers: the second line of base64 of each private key (unique material)
: >"$W/markers"
for k in "$W/m1.key" "$W/m2.key" "$W/m3.key" "$W/m2enc.key" "$VMCA_KEY"; do
	sed -n 2p "$k" >>"$W/markers"
done
printf '%s\n%s\n' "$PW" "$WRONG" >>"$W/markers"
t "markers collected"
eq "$(grep -c . "$W/markers")" 7

# leaks FILE...: no marker in any of the files
leaks() {
	if grep -aqF -f "$W/markers" "$@" 2>/dev/null; then
		fail "secret material in: $(grep -alF -f "$W/markers" "$@" | tr '\n' ' ')"
	else ok; fi
}

# --- process arguments during a swap ---------------------------------------------
t "start the appliance"
expect_rc 0 S --start --all
: >"$W/cmdlines"
(
	while [ ! -f "$W/stop-sampling" ]; do
		# one cat per sweep, so a sweep is quick
		cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' '\n' >>"$W/cmdlines"
		sleep 0.01
	done
) &
_sampler=$!
t "swap with an encrypted key and its password from a file"
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2enc.key" --key-password "file:$W/pw"
cp "$T/out" "$W/swap.out"
cp "$T/err" "$W/swap.err"
touch "$W/stop-sampling"
wait "$_sampler"
echo "# sampled $(wc -l <"$W/cmdlines") command lines"
t "the sampler saw the swap's processes"
has "$W/cmdlines" "replace-cert"
has "$W/cmdlines" "s_server"
t "no key or password in any process's arguments"
leaks "$W/cmdlines"
t "no key or password in the swap's output"
leaks "$W/swap.out" "$W/swap.err"

# --- logs and the journal -------------------------------------------------------------
t "no key or password in service logs, journal or run files"
_logs=$(find "$CERTKIT_ROOT" \( -path '*/log/*' -o -path '*/journal*' -o -path '*/run/*' \) -type f)
[ -n "$_logs" ] && ok || fail "no log files found"
# shellcheck disable=SC2086
leaks $_logs
t "the password is stored nowhere under the sandbox"
if grep -raqF -e "$PW" "$CERTKIT_ROOT"; then fail "password found: $(grep -rlaF -e "$PW" "$CERTKIT_ROOT")"; else ok; fi

# --- error messages --------------------------------------------------------------------
t "error messages never echo keys or passwords"
: >"$W/errors"
{
	"$CERTOOL" --gencert --privkey="$W/m2enc.key" --password-file="$W/wrongpw" --cert="$W/x.crt" --config="$W/m.cfg"
	"$CERTOOL" --gencert --privkey="$W/m2enc.key" --cert="$W/x.crt" --config="$W/m.cfg"
	"$CERTOOL" --viewcert --cert="$W/m2.key"
	"$CERTOOL" --rootca --cert="$W/m2.key" --privkey="$W/m2.key"
	"$CERTOOL" --gencertfromcsr --csrfile="$W/m2.key" --cert="$W/x.crt"
	"$CERTOOL" --gencert --privkey="$W/m2.crt" --cert="$W/x.crt" --config="$W/m2.key"
	"$VECS" entry create --store TRUSTED_ROOTS --cert "$W/m2.key"
	"$VECS" entry create --store MACHINE_SSL_CERT --alias y --cert "$W/m3.crt" --key "$W/m2enc.key" --password-file "$W/wrongpw"
	"$VECS" entry create --store MACHINE_SSL_CERT --alias y --cert "$W/m3.crt" --key "$W/m2.key"
	"$VECS" entry import --store MACHINE_SSL_CERT --p12 "$W/m2.key" --password-file "$W/wrongpw"
	"$VECS" entry create --store TRUSTED_ROOT_CRLS --crl "$W/m2.key"
	S --replace-cert --cert "$W/m3.crt" --key "$W/m2enc.key" --key-password "file:$W/wrongpw"
	S --replace-cert --cert "$W/m2.key" --key "$W/m2.key"
	S --replace-cert --cert "$W/m3.crt" --key "$W/m2.key"
	"$SVCCTL" -r "$W/m2.key" --list-services
} >>"$W/errors" 2>&1 </dev/null
grep -q . "$W/errors" && ok || fail "no error output collected"
leaks "$W/errors"
t "the wrong password is stored nowhere under the sandbox"
if grep -raqF -e "$WRONG" "$CERTKIT_ROOT"; then fail "found"; else ok; fi

# --- files -------------------------------------------------------------------------------
t "certool and vecs write keys 0600"
"$CERTOOL" --genkey --privkey="$W/new.key" --pubkey="$W/new.pub" >/dev/null
mode "$W/new.key" 600
"$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$W/got.key" >/dev/null
mode "$W/got.key" 600
t "every file under the sandbox holding a private key is 0600"
grep -rlaF -e "PRIVATE KEY" "$CERTKIT_ROOT" >"$W/keyfiles" || true
grep -q . "$W/keyfiles" && ok || fail "no key files found under the sandbox"
while read -r f; do
	t "key file $f"
	mode "$f" 600
done <"$W/keyfiles"
t "every file holding key material (by marker) is 0600"
grep -rlaF -f "$W/markers" "$CERTKIT_ROOT" >"$W/markfiles" || true
while read -r f; do
	t "key material in $f"
	mode "$f" 600
done <"$W/markfiles"
t "directories holding keys are writable by their owner only (no key can be swapped under us)"
for f in $(cat "$W/keyfiles"); do
	d=$(dirname "$f")
	_m=$(stat -c %a "$d")
	case $_m in
	*[2367]? | *[2367]) fail "$d is mode $_m" ;;
	*) ok ;;
	esac
done

# --- issue 11 item 18: a password file given as a config or registry --------
# Parse errors show the file and line number, never the line itself
printf '[%s]\n' "$PW" >"$W/pw-section"
printf '%s = x\n' "$PW" >"$W/pw-key"
for f in "$W/pw" "$W/pw-section" "$W/pw-key"; do
	t "certool --config=$(basename "$f"): refused without printing the password"
	run "$CERTOOL" --gencert --privkey="$W/m2.key" --cert="$W/never.crt" --config="$f"
	if [ "$rc" != 0 ]; then ok; else fail "exit 0"; fi
	[ "$f" = "$W/pw" ] && has "$T/err" "$(basename "$f"):1"
	if grep -qF -e "$PW" "$T/out" "$T/err"; then fail "the password was printed"; else ok; fi
	t "svcctl -r $(basename "$f"): refused without printing the password"
	run "$SVCCTL" -r "$f" --status
	eq "$rc" 3
	has "$T/err" "$(basename "$f"):1"
	if grep -qF -e "$PW" "$T/out" "$T/err"; then fail "the password was printed"; else ok; fi
done

finish
