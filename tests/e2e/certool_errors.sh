#!/bin/sh
# certool_errors.sh: what a failing command leaves behind (nothing), how
# outputs are written (atomically, keys 0600, never through a symlink), and
# that a damaged or missing VMCA store fails cleanly.
. "$top_srcdir/tests/e2e/certool_lib.sh"

# leftovers DIR: no temporary files of ours in DIR
leftovers() {
	if ls -a "$1" | grep -q -e '\.certool-new' -e '\.tmp'; then fail "temporary files left in $1: $(ls -a "$1" | tr '\n' ' ')"; else ok; fi
}

succeeds "$CERTOOL" --selfca --config=ca.cfg
R="$VMCA_DATA_DIR/root.cer"
"$CERTOOL" --genkey --privkey=k >/dev/null
cp "$R" root-before.pem

t "an output through a symbolic link is refused; the target is untouched"
echo "precious" >target
ln -s target link.crt
fails 5 "$CERTOOL" --gencert --privkey=k --cert=link.crt --config=host.cfg
has "$T/err" "symbolic link"
eq "$(cat target)" "precious"
[ -L link.crt ] && ok || fail "link replaced"
ln -s target link.key
fails 5 "$CERTOOL" --genkey --privkey=link.key
eq "$(cat target)" "precious"
leftovers .

t "a directory as output: 5"
mkdir adir
fails 5 "$CERTOOL" --gencert --privkey=k --cert=adir --config=host.cfg
leftovers .

t "an output in a missing directory: 2, and no other output of the set is left"
fails 2 "$CERTOOL" --gencsr --privkey=new.key --pubkey=nodir/new.pub --csrfile=new.csr --config=host.cfg
absent new.key
absent new.csr
fails 2 "$CERTOOL" --genkey --privkey=new.key --pubkey=nodir/new.pub
absent new.key
fails 2 "$CERTOOL" --genselfcacert --outcert=nodir/s.crt --outprivkey=s.key --config=host.cfg
absent s.key
fails 2 "$CERTOOL" --gencert --privkey=k --cert=leaf.crt --chain=nodir/chain.pem --config=host.cfg
absent leaf.crt
fails 2 "$CERTOOL" --getrootca --cert=nodir/r.pem
hasnt "$T/out" "Certificate written to file"
fails 2 "$CERTOOL" --getcrl --crl=nodir/x.crl
leftovers .

t "one path for two outputs: 70003, nothing written"
fails 70003 "$CERTOOL" --genkey --privkey=same --pubkey=same
absent same
fails 70003 "$CERTOOL" --gencert --privkey=k --cert=same --chain=same --config=host.cfg
absent same

t "an existing output is replaced atomically; a key becomes 0600 whatever it was"
echo old >out.key
chmod 644 out.key
ino_before=$(stat -c %i out.key)
succeeds "$CERTOOL" --genkey --privkey=out.key
mode out.key 600
eq "$(head -1 out.key)" "-----BEGIN PRIVATE KEY-----"
[ "$(stat -c %i out.key)" != "$ino_before" ] && ok || fail "written in place"
echo old >out.crt
succeeds "$CERTOOL" --gencert --privkey=k --cert=out.crt --config=host.cfg
run "$OPENSSL" verify -CAfile "$R" out.crt
eq "$rc" 0
leftovers .

t "a failing gencert leaves an existing --cert untouched"
echo keep >keep.crt
fails 70061 "$CERTOOL" --gencert --privkey=k --cert=keep.crt --config=host.cfg --Hostname='*.x.com'
eq "$(cat keep.crt)" "keep"

t "a certificate that could not be written is not recorded as issued"
# ncerts: how many certificates the VMCA index lists
ncerts() { "$CERTOOL" --enumcert --filter=all 2>/dev/null | grep -c '^Cert $'; }
"$CERTOOL" --gencsr --privkey=w.key --pubkey=w.pub --csrfile=w.csr --config=host.cfg >/dev/null
n0=$(ncerts)
fails 2 "$CERTOOL" --gencert --privkey=k --cert=/missing/dir/c --config=host.cfg
fails 2 "$CERTOOL" --gencertfromcsr --csrfile=w.csr --cert=nodir/c
fails 2 "$CERTOOL" --genCIScert --privkey=k --cert=nodir/c --Name=cis
fails 2 "$CERTOOL" --renewcert --cert=out.crt --outcert=nodir/c
fails 2 "$CERTOOL" --gencert --privkey=k --cert=w.crt --chain=nodir/chain.pem --config=host.cfg
eq "$(ncerts)" "$n0"
if command -v mdb_stat >/dev/null 2>&1; then
	eq "$(mdb_stat -n -s certs "$VMCA_DATA_DIR/certs.mdb" | sed -n 's/^ *Entries: //p')" "$n0"
fi
succeeds "$CERTOOL" --gencertfromcsr --csrfile=w.csr --cert=w.crt
eq "$(ncerts)" "$((n0 + 1))"
succeeds "$CERTOOL" --status --cert=w.crt
has "$T/out" "Certificate : ACTIVE"

t "failures leave the VMCA as it was"
same "$R" root-before.pem
ls "$VMCA_DATA_DIR" >"$T/ls"
hasnt "$T/ls" "root.cer.0"
leftovers "$VMCA_DATA_DIR"

t "a damaged index: gencert fails cleanly (70101), writes no certificate"
cp "$VMCA_DATA_DIR/certs.mdb" certs.good
dd if=/dev/urandom of="$VMCA_DATA_DIR/certs.mdb" bs=4096 count=2 conv=notrunc 2>/dev/null
fails 70101 "$CERTOOL" --gencert --privkey=k --cert=dmg.crt --config=host.cfg
has "$T/err" "certs.mdb"
absent dmg.crt
fails 70101 "$CERTOOL" --status --cert=out.crt
cp certs.good "$VMCA_DATA_DIR/certs.mdb"
succeeds "$CERTOOL" --status --cert=out.crt
has "$T/out" "Certificate : ACTIVE"

t "a damaged VMCA key / root: 70000 with the file named"
cp "$VMCA_DATA_DIR/privatekey.pem" key.good
echo garbage >"$VMCA_DATA_DIR/privatekey.pem"
fails 70000 "$CERTOOL" --gencert --privkey=k --cert=dk.crt --config=host.cfg
has "$T/err" "privatekey.pem"
absent dk.crt
cp key.good "$VMCA_DATA_DIR/privatekey.pem"
"$CERTOOL" --genkey --privkey=other.key >/dev/null
cp other.key "$VMCA_DATA_DIR/privatekey.pem"
fails 70000 "$CERTOOL" --gencert --privkey=k --cert=dk.crt --config=host.cfg
has "$T/err" "does not match"
absent dk.crt
cp key.good "$VMCA_DATA_DIR/privatekey.pem"
echo garbage >"$R"
fails 70000 "$CERTOOL" --gencert --privkey=k --cert=dk.crt --config=host.cfg
has "$T/err" "root.cer"
absent dk.crt
cp root-before.pem "$R"
succeeds "$CERTOOL" --gencert --privkey=k --cert=dk.crt --config=host.cfg

t "an encrypted key without a password: 70009 / 70065, no prompt even on a tty-less run"
printf 'pw\n' >pw
"$CERTOOL" --genkey --privkey=enc.key --password-file=pw >/dev/null
fails 70009 "$CERTOOL" --gencert --privkey=enc.key --cert=e.crt --config=host.cfg
absent e.crt
fails 70065 "$CERTOOL" --gencsrfromcert --cert=out.crt --privkey=enc.key --csrfile=e.csr
absent e.csr
succeeds "$CERTOOL" --gencsrfromcert --cert=out.crt --privkey=enc.key --csrfile=e.csr --password-file=pw
present e.csr

t "an error message names the file once"
fails 2 "$CERTOOL" --gencert --privkey=k9 --cert=k9.crt --config=host.cfg
eq "$(cat "$T/err")" "certool: k9: No such file or directory"
fails 11 "$CERTOOL" --viewcert --cert=host.cfg
eq "$(cat "$T/err")" "certool: host.cfg: no PEM or DER certificate found (another encoding? openssl x509 -in FILE -out FILE.pem converts what OpenSSL can read; openssl pkcs7 -print_certs a PKCS#7 bundle)"
fails 70003 "$CERTOOL" --gencert --privkey=k --cert=k9.crt --config=nope.cfg
eq "$(cat "$T/err")" "certool: nope.cfg: No such file or directory"

t "the first failing command stops a multi-command run"
run "$CERTOOL" --gencert --privkey=/nonexistent --cert=m.crt --config=host.cfg --getrootca
eq "$rc" 2
hasnt "$T/out" "Certificate:"
eq "$(grep -c "Status :" "$T/out")" 1

t "an openssl.cnf that changes the crypto is honoured"
# default properties nothing provides: every fetch fails, so certool must
# fail; skipping the file would let it succeed
cat >props.cnf <<'CNF'
openssl_conf = init
[init]
alg_section = algs
[algs]
default_properties = provider=nonexistent
CNF
run env OPENSSL_CONF="$W/props.cnf" "$CERTOOL" --gencert --privkey=k --cert=props.crt --config=host.cfg
[ "$rc" != 0 ] && ok || fail "gencert succeeded under props.cnf"
absent props.crt
# names in comments do not count; nothing here concerns certool
cat >plain.cnf <<'CNF'
# providers = prov (commented out)
oid_section = oids
[oids]
myoid = 1.2.3.4
CNF
succeeds env OPENSSL_CONF="$W/plain.cnf" "$CERTOOL" --gencert --privkey=k --cert=plain.crt --config=host.cfg
present plain.crt

t "gencert exits only once its index record is on disk"
# Every write certool makes to the index (certs.mdb) is followed by an
# fsync/fdatasync of that descriptor or goes through one opened O_DSYNC,
# so the record survives a power loss once certool has said Success.
# Needs strace and ptrace; the real binary, not the valgrind wrapper, and
# no LeakSanitizer, which cannot run under a tracer.
if command -v strace >/dev/null 2>&1 && strace -o /dev/null true 2>/dev/null; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -o "$T/trace" -e trace=openat,close,write,writev,pwrite64,pwritev,fsync,fdatasync \
	    "$top_builddir/certool/certool" --gencert --privkey=k --cert=sync.crt --config=host.cfg \
	    >/dev/null 2>&1
	eq "$?" 0
	# unsynced: index descriptors written since their last sync, not O_DSYNC
	unsynced=$(awk '
	{ sub(/^[0-9]+ +/, "") }
	{ call = $0; sub(/\(.*/, "", call); fd = $0; sub(/^[a-z0-9_]*\(/, "", fd); sub(/[^0-9].*/, "", fd) }
	call == "openat" && /certs\.mdb"/ { r = $0; sub(/.* = /, "", r); db[r] = 1; ds[r] = /O_DSYNC/ }
	call == "close" { delete db[fd] }
	(call ~ /^p?writev?(64)?$/) && (fd in db) && !ds[fd] { dirty[fd] = 1 }
	(call == "fsync" || call == "fdatasync") && (fd in db) { delete dirty[fd] }
	END { n = 0; for (f in dirty) n++; print n }' "$T/trace")
	eq "$unsynced" 0
	grep -c 'certs\.mdb' "$T/trace" >/dev/null || fail "no index access traced"
else
	echo "# skip: strace unavailable or ptrace not permitted"
fi

leftovers .
finish
