#!/bin/sh
# vecs against the vecs-cli compatibility cases of specs/vecs-cli.md section 7,
# in order, on a fresh store, outputs compared byte for byte.  Where vecs
# chose better behaviour the case is adapted and says so:
#   - usage goes to stderr, and only for syntax errors (cases 2, 14, 15, 23, 25)
#   - EC keys are accepted; --rsa-only restores vecs-cli's error 11 (case 31)
#   - deleting a missing alias still exits 0 but warns on stderr (case 33)
#   - non-root callers are refused with 5 for now (case 35)
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/vecs_lib.sh"
vecs_fixtures
E87='vecs-cli failed. Error 87: Operation failed with error ERROR_INVALID_PARAMETER (87) \n'

t "1 help"; expect_rc 0 "$VECS" help
t "1 help first line"; eq "$(head -n 1 "$T/out")" "Usage: vecs-cli { arguments }"
t "1 help last line"; eq "$(tail -n 1 "$T/out")" "$(printf '\thelp')"
t "1 help Arguments"; eq "$(sed -n 2p "$T/out")" "Arguments:"
t "2 no args"; expect_rc 87 "$VECS"
t "2 usage on stderr"; has "$T/err" "Usage: vecs-cli { arguments }"
t "2 stdout empty"; expect_out ''
t "2 E87"; elast 87
t "2 store frob"; expect_rc 87 "$VECS" store frob
t "2 E87 exact"; eq "$(tail -n 1 "$T/err")" "$(printf "$E87" | head -n 1)"
t "3 store list"; expect_rc 0 "$VECS" store list
t "3 exactly the built-ins"; expect_out 'MACHINE_SSL_CERT\nTRUSTED_ROOTS\nTRUSTED_ROOT_CRLS\n'
t "4 store create"; expect_rc 0 "$VECS" store create --name TEST
t "4 message"; expect_out 'Successfully created store [TEST]\n'
t "4 list"; expect_rc 0 "$VECS" store list
t "4 TEST last"; expect_out 'MACHINE_SSL_CERT\nTRUSTED_ROOTS\nTRUSTED_ROOT_CRLS\nTEST\n'
t "5 duplicate, other case"; expect_rc 183 "$VECS" store create --name test
t "5 E183"; elast 183
N129=$(printf '%0129d' 0)
t "6 129-char name"; expect_rc 154 "$VECS" store create --name "$N129"
t "6 E154"; elast 154
t "6 128 chars is fine"; expect_rc 0 "$VECS" store create --name "$(printf '%0128d' 0)"
run "$VECS" store delete --name "$(printf '%0128d' 0)" -y
t "7 empty list"; expect_rc 0 "$VECS" entry list --store TEST
t "7 format"; expect_out 'Number of entries in store :\t0\n'
t "8 create a1"; expect_rc 0 "$VECS" entry create --store TEST --alias a1 --cert "$T/leaf.pem" --key "$T/leaf.key"
t "8 message"; expect_out 'Entry with alias [a1] in store [TEST] was created successfully \n'
t "9 again"; expect_rc 183 "$VECS" entry create --store TEST --alias a1 --cert "$T/leaf.pem" --key "$T/leaf.key"
t "9 E183"; elast 183
t "10 A1"; expect_rc 183 "$VECS" entry create --store TEST --alias A1 --cert "$T/ca.pem"
t "10 E183"; elast 183
t "11 thumbprint alias"; expect_rc 0 "$VECS" entry create --store TEST --cert "$T/ca.pem"
t "11 message"; expect_out 'Entry with alias [%s] in store [TEST] was created successfully \n' "$TP"
t "12 mismatch"; expect_rc 162 "$VECS" entry create --store TEST --alias bad --cert "$T/leaf.pem" --key "$T/other.key"
t "12 line"; eq "$(tail -n 1 "$T/err")" "vecs-cli failed. Error 90018: Private key does not match certificate "
t "13 secret"; expect_rc 0 "$VECS" entry create --store TEST --alias s1 --key "$T/secret.txt"
t "13 message"; expect_out 'Entry with alias [s1] in store [TEST] was created successfully \n'
t "14 secret no alias"; expect_rc 87 "$VECS" entry create --store TEST --key "$T/secret.txt"
t "14 message"; eq "$(head -n 1 "$T/err")" "Error: The alias [] is invalid "
t "14 usage on stderr"; has "$T/err" "Usage: vecs-cli"
t "14 E87"; elast 87
t "14 stdout empty"; expect_out ''
t "15 nothing given"; expect_rc 87 "$VECS" entry create --store TEST --alias x
t "15 message"; eq "$(head -n 1 "$T/err")" "Error: A certificate or a key must be specified. "
t "15 E87"; elast 87
t "16 missing file"; expect_rc 2 "$VECS" entry create --store TEST --alias x --cert /nonexistent
t "16 message"; expect_err 'Error: Failed to open file [/nonexistent] \nvecs-cli failed. Error 2: Operation failed with error ERROR_FILE_NOT_FOUND (2) \n'
t "17 missing store"; expect_rc 216 "$VECS" entry create --store NOPE --alias x --cert "$T/ca.pem"
t "17 message"; expect_err 'Error: Failed to open the store.\nvecs-cli failed. Error 4312: Operation failed with error ERROR_OBJECT_NOT_FOUND (4312) \n'
t "18 list"; expect_rc 0 "$VECS" entry list --store TEST
{ printf 'Number of entries in store :\t3\n'
  printf 'Alias :\ta1\nEntry type :\tPrivate Key\nCertificate :\t'; "$OPENSSL" x509 -in "$T/leaf.pem"; printf '\n\n'
  printf 'Alias :\t%s\nEntry type :\tTrusted Cert\nCertificate :\t' "$TP"; "$OPENSSL" x509 -in "$T/ca.pem"; printf '\n\n'
  printf 'Alias :\ts1\nEntry type :\tSecret Key\nCertificate :\t\n\n'; } >"$T/want18"
t "18 byte for byte"; same "$T/out" "$T/want18"
t "18 cert blocks end in two blank lines"; eq "$(grep -c '^$' "$T/out")" 5
t "19 --text"; expect_rc 0 "$VECS" entry list --store TEST --text
t "19 two Not After"; eq "$(grep -c 'Not After' "$T/out")" 2
t "19 block start"; eq "$(sed -n 4,6p "$T/out")" "$(printf 'Certificate:\n    Data:\n        Version: 3 (0x2)')"
t "19 Not After as openssl prints it"; has "$T/out" "$("$OPENSSL" x509 -in "$T/leaf.pem" -noout -text | grep 'Not After')"
t "19 secret block"; has "$T/out" "$(printf 'Entry type :\tSecret Key')"
t "19 secret cert line"; eq "$(tail -n 2 "$T/out" | head -n 1)" "$(printf 'Certificate :\t')"
t "20 --aliases"; expect_rc 0 "$VECS" entry list --store TEST --aliases
t "20 format"; expect_out 'Number of entries in store :\t3\na1\n%s\ns1\n' "$TP"
t "21 getcert"; expect_rc 0 "$VECS" entry getcert --store TEST --alias a1
{ "$OPENSSL" x509 -in "$T/leaf.pem"; printf '\n'; } >"$T/want21"
t "21 PEM + blank line"; same "$T/out" "$T/want21"
t "21 same fingerprint"; eq "$("$OPENSSL" x509 -in "$T/out" -noout -fingerprint)" "$("$OPENSSL" x509 -in "$T/leaf.pem" -noout -fingerprint)"
t "22 --output"; expect_rc 0 "$VECS" entry getcert --store TEST --alias a1 --output "$T/o.crt"
t "22 stdout empty"; expect_out ''
t "22 mode"; mode "$T/o.crt" 600
t "22 content"; same "$T/o.crt" "$T/want21"
# issue 11 item 16: temporary names were getpid() ^ rand() (unseeded), so
# a local user could compute and pre-create every one a process would try
# (all 100) and make the write fail; now they come from mkostemp
if command -v python3 >/dev/null 2>&1; then
	t "22 temporary names cannot be predicted and pre-created"
	sh -c 'python3 - "$$" "$1" <<"PY"
import ctypes, os, sys
libc = ctypes.CDLL("libc.so.6")
pid, path = int(sys.argv[1]), sys.argv[2]
for tries in range(100):
    rnd = pid ^ libc.rand() ^ (tries << 20)
    open("%s.tmp%06x" % (path, rnd & 0xffffff), "w").close()
PY
	exec "$2" entry getcert --store TEST --alias a1 --output "$1"' sh "$T/o2.crt" "$VECS" \
	    >"$T/out" 2>"$T/err" </dev/null
	eq "$?" 0
	same "$T/o2.crt" "$T/want21"
fi
t "23 getcert secret"; expect_rc 87 "$VECS" entry getcert --store TEST --alias s1
t "23 message"; expect_err 'Error: No certificates were found for entry [s1] of type [Secret Key].\n'"$E87"
t "23 no usage on stdout"; expect_out ''
t "24 getkey"; expect_rc 0 "$VECS" entry getkey --store TEST --alias a1
t "24 PKCS#8"; eq "$(head -n 1 "$T/out")" "-----BEGIN PRIVATE KEY-----"
t "24 trailing blank line"; eq "$(tail -c 2 "$T/out" | od -An -tx1 | tr -d ' ')" 0a0a
t "24 modulus"; eq "$("$OPENSSL" rsa -in "$T/out" -noout -modulus 2>/dev/null)" "$("$OPENSSL" rsa -in "$T/leaf.key" -noout -modulus)"
t "25 getkey trusted"; expect_rc 87 "$VECS" entry getkey --store TEST --alias "$TP"
t "25 message"; expect_err "Error: No key was found for entry [$TP] of type [Trusted Cert]\\n$E87"
t "26 getkey secret"; expect_rc 0 "$VECS" entry getkey --store TEST --alias s1
t "26 raw + newline"; expect_out 's3cret\n\n'
t "27 no such alias"; expect_rc 216 "$VECS" entry getcert --store TEST --alias nosuch
t "27 E4312"; elast 4312
t "28 encrypted"; expect_rc 0 "$VECS" entry create --store TEST --alias enc --cert "$T/leaf.pem" --key "$T/leaf.key" --password pw
run "$VECS" entry list --store TEST
t "28 type"; has "$T/out" "$(printf 'Entry type :\tEncrypted Private Key')"
t "29 no password"; expect_rc 43 "$VECS" entry getkey --store TEST --alias enc
t "29 E1323"; elast 1323
t "29 bad password"; expect_rc 43 "$VECS" entry getkey --store TEST --alias enc --password bad
t "29 E1323"; elast 1323
t "29 right password"; expect_rc 0 "$VECS" entry getkey --store TEST --alias enc --password pw
t "29 decrypted PKCS#8"; eq "$(head -n 1 "$T/out")" "-----BEGIN PRIVATE KEY-----"
t "29 same key"; eq "$("$OPENSSL" rsa -in "$T/out" -noout -modulus 2>/dev/null)" "$("$OPENSSL" rsa -in "$T/leaf.key" -noout -modulus)"
t "30 chain"; expect_rc 0 "$VECS" entry create --store TEST --alias ch --cert "$T/chain.pem" --key "$T/leaf.key"
t "30 chain warning"; has "$T/err" "chain of 2 certificates"
t "30 getcert"; expect_rc 0 "$VECS" entry getcert --store TEST --alias ch
t "30 two PEM blocks"; eq "$(grep -c 'BEGIN CERTIFICATE' "$T/out")" 2
t "30 --text"; expect_rc 0 "$VECS" entry getcert --store TEST --alias ch --text
t "30 leaf only"; eq "$(grep -c 'Subject:' "$T/out")" 1
t "30 leaf subject"; has "$T/out" "Subject: CN=leaf.example"
t "31 EC with --rsa-only (vecs-cli behaviour)"; expect_rc 11 "$VECS" entry create --store TEST --alias ec --cert "$T/ec.pem" --key "$T/ec.key" --rsa-only
t "31 E11"; elast 11
t "31 EC accepted by default (better)"; expect_rc 0 "$VECS" entry create --store TEST --alias ec --cert "$T/ec.pem" --key "$T/ec.key"
PROMPT='Warning: This operation will delete entry [a1] from store [TEST]\nDo you wish to continue? Y/N [N] \n'
t "32 declined"; run_in n "$VECS" entry delete --store TEST --alias a1; eq "$rc" 0
t "32 prompt"; expect_out "$PROMPT"
run "$VECS" entry list --store TEST --aliases
t "32 unchanged"; has "$T/out" a1
t "32 confirmed"; run_in Y "$VECS" entry delete --store TEST --alias a1; eq "$rc" 0
t "32 prompt + message"; expect_out "${PROMPT}Deleted entry with alias [a1] in store [TEST] successfully\\n "
run "$VECS" entry list --store TEST --aliases
t "32 gone (line)"; eq "$(grep -cx a1 "$T/out")" 0
t "32 empty answer"; run_in '' "$VECS" entry delete --store TEST --alias s1; eq "$rc" 0
t "32 lowercase y"; run_in y "$VECS" entry delete --store TEST --alias ec; eq "$rc" 0
run "$VECS" entry list --store TEST --aliases
t "32 s1 kept, ec gone"; eq "$(grep -cx s1 "$T/out")$(grep -cx ec "$T/out")" 10
t "33 missing alias"; expect_rc 0 "$VECS" entry delete --store TEST --alias nosuch -y
t "33 message"; expect_out 'Deleted entry with alias [nosuch] in store [TEST] successfully\n '
t "33 warning (better)"; has "$T/err" "Warning: No entry with alias [nosuch]"
t "34 grant read"; expect_rc 0 "$VECS" store permission --name TEST --user nobody --grant read
t "34 message"; expect_out 'Permissions for store [TEST] set  successfully\n '
t "34 get-permissions"; expect_rc 0 "$VECS" store get-permissions --name TEST
t "34 layout"; expect_out 'PERMISSIONS FOR STORE: [TEST]\nOWNER : root\nUSER\t\tACCESS\nnobody\tread\n'
if command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	# the binary itself: a valgrind wrapper (VALGRIND_TESTS=1) lives in a
	# directory nobody cannot enter
	NVECS="$top_builddir/vecs/vecs"
	chmod 755 "$T"
	t "35 nobody list (refused for now)"; expect_rc 5 $AS_NOBODY "$NVECS" entry list --store TEST
	t "35 access denied message"; has "$T/err" "Access denied"
	t "35 E5"; elast 5
	t "35 nobody create"; expect_rc 5 $AS_NOBODY "$NVECS" entry create --store TEST --alias z --cert "$T/ca.pem"
	t "35 E5"; elast 5
	t "35 nobody getkey"; expect_rc 5 $AS_NOBODY "$NVECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CERT
	t "35 E5"; elast 5
	run "$VECS" entry list --store TEST --aliases
	t "35 nothing created"; eq "$(grep -cx z "$T/out")" 0
	chmod 700 "$T"
else
	echo "# case 35 needs root and setpriv: not run"
fi
t "36 grant write replaces"; expect_rc 0 "$VECS" store permission --name TEST --user nobody --grant write
run "$VECS" store get-permissions --name TEST
t "36 nobody write"; eq "$(tail -n 1 "$T/out")" "$(printf 'nobody\twrite')"
t "36 revoke write"; expect_rc 0 "$VECS" store permission --name TEST --user nobody --revoke write
run "$VECS" store get-permissions --name TEST
t "36 no user lines"; expect_out 'PERMISSIONS FOR STORE: [TEST]\nOWNER : root\nUSER\t\tACCESS\n'
t "36 no such user"; expect_rc 37 "$VECS" store permission --name TEST --user nosuchuser --grant read
t "36 E1317"; elast 1317
t "36 grant and revoke"; expect_rc 87 "$VECS" store permission --name TEST --user nobody --grant read --revoke read
t "36 usage"; has "$T/err" "Usage: vecs-cli"
t "36 E87"; elast 87
t "37 TRUSTED_ROOTS permissions"; expect_rc 0 "$VECS" store get-permissions --name TRUSTED_ROOTS
t "37 layout"; expect_out 'PERMISSIONS FOR STORE: [TRUSTED_ROOTS]\nOWNER : root\nUSER\t\tACCESS\nEVERYONE\tread\n'
t "38 server without upn"; expect_rc 159 "$VECS" entry list --store TEST --server h
t "38 message"; expect_err 'Error: Error: You have to provide both server and upn \nvecs-cli failed. Error 5023: Operation failed with error ERROR_INVALID_STATE (5023) \n'
t "38 upn without server"; expect_rc 159 "$VECS" store list --upn u
t "38 both: not supported"; expect_rc 50 "$VECS" entry list --store TEST --server h --upn u
t "38 says so"; has "$T/err" "not supported"
t "39 trusted root"; expect_rc 0 "$VECS" entry create --store TRUSTED_ROOTS --cert "$T/ca.pem"
t "39 force-refresh"; expect_rc 0 "$VECS" force-refresh
t "39 silent"; expect_out ''
CAPATH=$(find "$CERTKIT_ROOT" -type d -path '*/certkit/trusted' | head -n 1)
H=$("$OPENSSL" x509 -hash -noout -in "$T/ca.pem")
t "39 hash file"; present "$CAPATH/$H.0"
t "39 mode"; mode "$CAPATH/$H.0" 644
t "39 content"; eq "$("$OPENSSL" x509 -in "$CAPATH/$H.0" -noout -fingerprint)" "$("$OPENSSL" x509 -in "$T/ca.pem" -noout -fingerprint)"
t "39 openssl verify with -CApath"; expect_rc 0 "$OPENSSL" verify -CApath "$CAPATH" "$T/leaf.pem"
t "40 built-in"; expect_rc 5 "$VECS" store delete --name TRUSTED_ROOTS -y
t "40 E5"; elast 5
t "40 built-in, any case"; expect_rc 5 "$VECS" store delete --name trusted_roots -y
run "$VECS" store list
t "40 still there"; has "$T/out" TRUSTED_ROOTS
t "40 NOPE"; expect_rc 216 "$VECS" store delete --name NOPE -y
t "40 NOPE message"; expect_err 'Error : Store [NOPE] does not exist\nvecs-cli failed. Error 4312: Operation failed with error ERROR_OBJECT_NOT_FOUND (4312) \n'
t "40 TEST"; expect_rc 0 "$VECS" store delete --name TEST -y
t "40 message"; expect_out 'Successfully deleted store [TEST]\n'
t "40 gone"; expect_rc 216 "$VECS" entry list --store TEST
t "40 E4312"; elast 4312
t "store delete prompt, declined"; run_in N "$VECS" store delete --name TRUSTED_ROOTS; eq "$rc" 0
t "store delete prompt"; expect_out 'Warning: This operation will delete store [TRUSTED_ROOTS]\nDo you wish to continue? Y/N [N] \n'
finish
