#!/bin/sh
# vecs entry import --bundle FILE --sync: TRUSTED_ROOTS made equal to a
# bundle in one transaction (the VMCA's own roots kept unless
# --remove-vmca-roots, entries that are not Trusted Certs kept), the CA
# directory published after; --dry-run lists the changes and changes
# nothing; bad bundles refused with the store unchanged.  Checked with
# mdb_dump (store unchanged) and openssl verify -CApath (published).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/vecs_lib.sh"
vecs_fixtures
[ -x "$CERTOOL" ] || skip "certool not built"
command -v "$MDB_DUMP" >/dev/null 2>&1 || skip "lmdb-utils (mdb_dump) not installed"

tp() { "$OPENSSL" x509 -in "$1" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
ss() { "$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.pem" -days 30 \
    -subj "/CN=$1" -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign 2>/dev/null; }
aliases() { "$VECS" entry list --store TRUSTED_ROOTS --aliases | grep -v '^Number of entries' | sort; }
dump() { "$MDB_DUMP" -a "$(vecs_dbdir)" >"$T/$1" 2>/dev/null; }
capath() { find "$CERTKIT_ROOT" -name .certkit-published -exec dirname {} \; | head -1; }
verifies() { "$OPENSSL" verify -CApath "$(capath)" "$1" >/dev/null 2>&1; }
sorted() { printf '%s\n' "$@" | sort; }

printf 'Country = US\nName = Sync Test VMCA\nOrganization = certkit tests\n' >"$T/ca.cfg"
"$CERTOOL" --selfca --config="$T/ca.cfg" >/dev/null || { echo "certool --selfca failed"; exit 1; }
"$CERTOOL" --getrootca --cert="$T/vmca.pem" >/dev/null
for n in old1 old2 new1 new2; do ss $n; done
"$VECS" entry create --store TRUSTED_ROOTS --cert "$T/vmca.pem" >/dev/null
"$VECS" entry create --store TRUSTED_ROOTS --cert "$T/old1.pem" >/dev/null
"$VECS" entry create --store TRUSTED_ROOTS --alias custom-name --cert "$T/old2.pem" >/dev/null
"$VECS" entry create --store TRUSTED_ROOTS --cert "$T/new1.pem" >/dev/null
"$VECS" entry create --store TRUSTED_ROOTS --alias a-note --key "$T/secret.txt" >/dev/null
"$VECS" force-refresh >/dev/null
VMCA=$(tp "$T/vmca.pem") OLD1=$(tp "$T/old1.pem") NEW1=$(tp "$T/new1.pem") NEW2=$(tp "$T/new2.pem")
# the bundle: new1 (already there), new2 (twice), nothing else
cat "$T/new1.pem" "$T/new2.pem" "$T/new2.pem" >"$T/bundle.pem"

# --- bad input first: nothing may change ------------------------------------
dump before
t "a bundle with garbage after its certificates refused (11)"
{ cat "$T/bundle.pem"; printf -- '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n'; } >"$T/garbage.pem"
expect_rc 11 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/garbage.pem" --sync
has "$T/err" "holds a damaged certificate"
t "a bundle with no certificate refused (11): it would empty the store"
printf 'nothing here\n' >"$T/empty.pem"
expect_rc 11 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/empty.pem" --sync
has "$T/err" "holds no PEM certificate"
t "a key given as the bundle refused (11)"
expect_rc 11 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/new1.key" --sync
t "a missing bundle: file not found (2)"
expect_rc 2 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/nope.pem" --sync
t "a missing store (E4312)"
expect_rc 216 "$VECS" entry import --store NOPE --bundle "$T/bundle.pem" --sync
t "--sync without --bundle is a syntax error (87)"
expect_rc 87 "$VECS" entry import --store TRUSTED_ROOTS --p12 "$T/x.p12" --sync
t "--dry-run without --sync is a syntax error (87)"
expect_rc 87 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --dry-run
t "--remove-vmca-roots without --sync is a syntax error (87)"
expect_rc 87 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --remove-vmca-roots
dump after
t "the store is byte for byte unchanged after the refusals (mdb_dump)"
same "$T/before" "$T/after"

# --- --dry-run ----------------------------------------------------------------------
t "--dry-run lists the changes"
expect_rc 0 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --sync --dry-run
has "$T/out" "Add:    [$NEW2] /CN=new2"
has "$T/out" "Remove: [$OLD1] /CN=old1"
has "$T/out" "Remove: [custom-name] /CN=old2"
has "$T/out" "Keep:   [$VMCA]"
has "$T/out" "a root of the local VMCA"
has "$T/out" "Keep:   [a-note]"
has "$T/out" "would add 1, remove 2 and keep 2 not in the bundle"
t "new2 is listed once although the bundle has it twice"
eq "$(grep -c "$NEW2" "$T/out")" 1
t "new1, in both, is not mentioned"
hasnt "$T/out" "$NEW1"
dump after
t "--dry-run changed nothing (mdb_dump)"
same "$T/before" "$T/after"
t "nor the CA directory"
verifies "$T/old1.pem" && ok || fail "old1 no longer published"
verifies "$T/new2.pem" && fail "new2 published by a dry run" || ok

# --- the sync ------------------------------------------------------------------------
t "--sync makes TRUSTED_ROOTS the bundle, plus the VMCA root and the non-certificate"
expect_rc 0 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --sync
has "$T/out" "added 1, removed 2, kept 2 not in the bundle"
eq "$(aliases)" "$(sorted "$VMCA" "$NEW1" "$NEW2" a-note)"
t "the CA directory is published after: new2 trusted, old1 and old2 no longer"
verifies "$T/new2.pem" && ok || fail "new2 not published"
verifies "$T/old1.pem" && fail "old1 still published" || ok
verifies "$T/old2.pem" && fail "old2 still published" || ok
verifies "$T/vmca.pem" && ok || fail "the VMCA root is no longer published"
t "a second --sync changes nothing"
dump before
expect_rc 0 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --sync
has "$T/out" "added 0, removed 0, kept 2"

# --- a new VMCA root: the previous one stays a VMCA root ---------------------------
"$CERTOOL" --selfca --config="$T/ca.cfg" >/dev/null 2>&1
"$CERTOOL" --getrootca --cert="$T/vmca2.pem" >/dev/null
VMCA2=$(tp "$T/vmca2.pem")
"$VECS" entry create --store TRUSTED_ROOTS --cert "$T/vmca2.pem" >/dev/null 2>&1
if [ "$VMCA2" != "$VMCA" ]; then
	t "after certool --selfca both the new and the rotated VMCA roots are kept"
	expect_rc 0 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --sync --dry-run
	has "$T/out" "Keep:   [$VMCA]"
	has "$T/out" "Keep:   [$VMCA2]"
	hasnt "$T/out" "Remove:"
fi

# --- --remove-vmca-roots ---------------------------------------------------------------
t "--remove-vmca-roots --dry-run lists the VMCA roots for removal"
expect_rc 0 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --sync --dry-run \
    --remove-vmca-roots
has "$T/out" "Remove: [$VMCA]"
t "--remove-vmca-roots removes them"
expect_rc 0 "$VECS" entry import --store TRUSTED_ROOTS --bundle "$T/bundle.pem" --sync --remove-vmca-roots
eq "$(aliases)" "$(sorted "$NEW1" "$NEW2" a-note)"
verifies "$T/vmca.pem" && fail "the VMCA root still published" || ok

# --- another store ---------------------------------------------------------------------
"$VECS" store create --name PEERS >/dev/null
"$VECS" entry create --store PEERS --cert "$T/old1.pem" >/dev/null
t "--sync works on any store"
expect_rc 0 "$VECS" entry import --store PEERS --bundle "$T/bundle.pem" --sync
eq "$("$VECS" entry list --store PEERS --aliases | grep -v '^Number' | sort)" "$(sorted "$NEW1" "$NEW2")"

finish
