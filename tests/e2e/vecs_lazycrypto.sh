#!/bin/sh
# vecs loads OpenSSL's libcrypto on first use (vecs/lazycrypto.c), not at
# start-up: the binary does not list it as needed; the commands that only
# move stored bytes run even with a broken libcrypto.so.3 first on the
# library path; the ones that parse certificates and keys load it and work;
# and a libcrypto that cannot be loaded, or lacks a function, is error 126
# with a message, the store unchanged.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/vecs_lib.sh"
vecs_fixtures
BIN="$top_builddir/vecs/vecs"	# the binary itself (VECS may be a valgrind wrapper)

t "store"; expect_rc 0 "$VECS" store create --name S
t "a certificate"; expect_rc 0 "$VECS" entry create --store S --alias ca --cert "$T/ca.pem"
t "a key pair"; expect_rc 0 "$VECS" entry create --store S --alias leaf --cert "$T/leaf.pem" \
    --key "$T/leaf.key"
t "a store to delete"; expect_rc 0 "$VECS" store create --name GONE

# --- the binary ------------------------------------------------------------------
if command -v readelf >/dev/null 2>&1; then
	readelf -dW "$BIN" >"$T/d" 2>&1
	readelf --dyn-syms -W "$BIN" >"$T/s" 2>&1
	t "libcrypto is not a needed library"; has "$T/d" "(NEEDED)"; hasnt "$T/d" libcrypto
	t "no OpenSSL symbol imported"; hasnt "$T/s" OPENSSL_3
	# an exported X509_free would interpose libcrypto's own calls to it
	t "the stand-ins are not exported"; hasnt "$T/s" X509_free
else
	echo "# readelf not found: ELF checks not run"
fi

# --- with the real libcrypto -----------------------------------------------------
t "getcert"; expect_rc 0 "$VECS" entry getcert --store S --alias ca; cp "$T/out" "$T/getcert"
t "the certificate"; has "$T/out" "-----BEGIN CERTIFICATE-----"
t "list"; expect_rc 0 "$VECS" entry list --store S; cp "$T/out" "$T/list"
t "getcert --text parses it"; expect_rc 0 "$VECS" entry getcert --store S --alias ca --text
t "subject"; has "$T/out" "Subject: CN=Test-CA"
t "list --json"; expect_rc 0 "$VECS" entry list --store S --json
t "thumbprint"; has "$T/out" "\"thumbprint\": \"$TP\""
t "getkey"; expect_rc 0 "$VECS" entry getkey --store S --alias leaf
t "the key"; has "$T/out" "-----BEGIN PRIVATE KEY-----"
if [ "${VALGRIND_TESTS:-0}" != 1 ]; then
	t "getcert does not load libcrypto"
	LD_DEBUG=files "$BIN" entry getcert --store S --alias ca >/dev/null 2>"$T/ld"
	if ! grep -q "file=" "$T/ld"; then
		echo "# skip: LD_DEBUG=files says nothing (not glibc's loader)"
	else
		hasnt "$T/ld" libcrypto
		t "getcert --text does"; LD_DEBUG=files "$BIN" entry getcert --store S --alias ca --text \
		    >/dev/null 2>"$T/ld"; has "$T/ld" "file=libcrypto"
	fi
fi

# --- with a libcrypto.so.3 that is not a library ----------------------------------
mkdir "$T/bad"
echo "not a library" >"$T/bad/libcrypto.so.3"
BAD="env LD_LIBRARY_PATH=$T/bad"
t "getcert without libcrypto"; expect_rc 0 $BAD "$VECS" entry getcert --store S --alias ca
t "same output"; same "$T/out" "$T/getcert"
t "getcert --output"; expect_rc 0 $BAD "$VECS" entry getcert --store S --alias ca --output "$T/ca.out"
t "written"; has "$T/ca.out" "-----BEGIN CERTIFICATE-----"
t "list"; expect_rc 0 $BAD "$VECS" entry list --store S
t "same output"; same "$T/out" "$T/list"
t "list --aliases"; expect_rc 0 $BAD "$VECS" entry list --store S --aliases
t "aliases"; expect_out 'Number of entries in store :\t2\nca\nleaf\n'
t "store list"; expect_rc 0 $BAD "$VECS" store list
t "store delete"; expect_rc 0 $BAD "$VECS" store delete -y --name GONE
t "a secret key"; expect_rc 0 $BAD "$VECS" entry create --store S --alias sec --key "$T/secret.txt"
t "getkey of it"; expect_rc 0 $BAD "$VECS" entry getkey --store S --alias sec
t "entry delete"; expect_rc 0 $BAD "$VECS" entry delete -y --store S --alias sec
t "help"; expect_rc 0 $BAD "$VECS" entry getcert --help

t "getcert --text needs it: E126"; expect_rc 126 $BAD "$VECS" entry getcert --store S --alias ca --text
t "says why"; has "$T/err" "Error: Cannot load OpenSSL's libcrypto (libcrypto.so.3), which this command needs: $T/bad/libcrypto.so.3: "
t "E126 line"; eq "$(last_line "$T/err")" "vecs-cli failed. Error 126: Operation failed with error ERROR_MOD_NOT_FOUND (126) "
t "entry create: E126"; expect_rc 126 $BAD "$VECS" entry create --store S --alias new --cert "$T/ec.pem"
t "E126"; elast 126
t "getkey of a key pair: E126"; expect_rc 126 $BAD "$VECS" entry getkey --store S --alias leaf
t "no key printed"; expect_out ''
t "store unchanged"; expect_rc 0 "$VECS" entry list --store S --aliases
t "aliases"; expect_out 'Number of entries in store :\t2\nca\nleaf\n'

# --- with a library that is not libcrypto -------------------------------------------
other=$(ldd "$BIN" 2>/dev/null | awk '/liblmdb/ { print $3 }')
if [ -f "$other" ]; then
	mkdir "$T/other"
	cp "$other" "$T/other/libcrypto.so.3"
	t "a libcrypto without the function: E126"
	expect_rc 126 env LD_LIBRARY_PATH="$T/other" "$VECS" entry getcert --store S --alias ca --text
	t "says which"; has "$T/err" "Error: OpenSSL's libcrypto (libcrypto.so.3) lacks "
	t "E126"; elast 126
else
	echo "# liblmdb not found with ldd: missing-function case not run"
fi
finish
