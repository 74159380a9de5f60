#!/bin/sh
# vecs under stress: writers killed with SIGKILL mid-replace, concurrent
# writers, and a full filesystem / full map.  The store must always open,
# hold the old or the new entry (never none, never a damaged one), and
# lose nothing that was committed.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/vecs_lib.sh"
vecs_fixtures
command -v mdb_stat >/dev/null 2>&1 || skip "lmdb-utils (mdb_stat) not installed"
# a second pair for the machine certificate
( cd "$T" && "$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout new.key -out new.pem \
    -subj /CN=new.example -days 30 ) >/dev/null 2>&1
# The full sizes (120 kill trials, 4 x 250 concurrent creates) run in the
# normal build; a sanitizer build starts each process ~10x slower, so it
# runs a quarter of them to keep CI time sane.  CK_TRIALS (tests/lib.sh's
# trials) sets the kill trials and the creates per writer: low in CI's sanitizer stage, high in
# `tests/run-all.sh --long`.
TRIALS=$(trials 120) PER_WRITER=$(trials 250)
if grep -q __asan_init "$VECS" 2>/dev/null; then TRIALS=$(trials 30) PER_WRITER=$(trials 60); fi
FP_OLD=$("$OPENSSL" x509 -in "$T/leaf.pem" -noout -fingerprint)
FP_NEW=$("$OPENSSL" x509 -in "$T/new.pem" -noout -fingerprint)

run "$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$T/leaf.pem" --key "$T/leaf.key"
DB=$(vecs_dbdir)

# --- SIGKILL during atomic replaces --------------------------------------------
# Each trial starts a replace to the other pair and kills it after a random
# delay of up to 1.25 times a replace's duration, so kills land before,
# during and after the write transaction.  Then the entry must be exactly one of the two pairs, with a
# matching key, and BACKUP_STORE must hold a complete entry too.
# Three replaces to completion first (new, old, new): BACKUP_STORE exists
# from here on, and their mean duration (slower under sanitizers) scales
# the random kill delays.  One cold first replace alone overstated it, so
# most delays outlasted the writer and few kills landed.
t0=$(date +%s%N) rcs=""
for p in new leaf new; do
	run "$VECS" entry replace --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert "$T/$p.pem" --key "$T/$p.key"
	rcs="$rcs$rc"
done
span=$(( ($(date +%s%N) - t0) / 3000000 + 1 ))
t "replaces to completion"; eq "$rcs" 000
# starting sleep(1) costs time of its own on a busy machine (tens of ms):
# the delays leave it out, and the random draw happens before the writer
# starts, or most kills would come after the writer had finished
t0=$(date +%s%N); sleep 0; oh=$(( ($(date +%s%N) - t0) / 1000000 ))
trials=$TRIALS bad=0 killed=0 cur=new
i=0
while [ $i -lt $trials ]; do
	if [ $cur = old ]; then c=new.pem k=new.key; else c=leaf.pem k=leaf.key; fi
	ms=$(( $(od -An -N2 -tu2 /dev/urandom) % (span + span / 4 + 1) - oh ))
	"$VECS" entry replace --store MACHINE_SSL_CERT --alias __MACHINE_CERT \
	    --cert "$T/$c" --key "$T/$k" >/dev/null 2>&1 &
	pid=$!
	[ $ms -gt 0 ] && sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	kill -KILL $pid 2>/dev/null && killed=$((killed + 1))
	wait $pid 2>/dev/null
	if ! "$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$T/g.pem" >/dev/null 2>"$T/g.err"; then
		bad=$((bad + 1)); echo "# trial $i: getcert failed: $(cat "$T/g.err")"; i=$((i + 1)); continue
	fi
	fp=$("$OPENSSL" x509 -in "$T/g.pem" -noout -fingerprint 2>/dev/null)
	"$VECS" entry getkey --store MACHINE_SSL_CERT --alias __MACHINE_CERT --output "$T/g.key" >/dev/null 2>&1
	km=$("$OPENSSL" pkey -in "$T/g.key" -pubout 2>/dev/null)
	cm=$("$OPENSSL" x509 -in "$T/g.pem" -noout -pubkey 2>/dev/null)
	if [ "$fp" = "$FP_OLD" ]; then cur=old; elif [ "$fp" = "$FP_NEW" ]; then cur=new; else
		bad=$((bad + 1)); echo "# trial $i: neither old nor new"; fi
	[ -n "$km" ] && [ "$km" = "$cm" ] || { bad=$((bad + 1)); echo "# trial $i: key does not match"; }
	i=$((i + 1))
done
echo "# $trials trials (a replace takes ~$span ms), $killed writers killed before they finished"
t "every trial left the old or the new pair"; eq "$bad" 0
t "some kills landed before the writer finished"; [ "$killed" -gt 0 ] && ok || fail "no writer was killed: the trials tested nothing"
# a kill between the two renames may leave a new key with the old
# certificate; the next publish repairs the pair
t "force-refresh after the kills"; expect_rc 0 "$VECS" force-refresh
SSLDIR=$(find "$CERTKIT_ROOT" -type d -path '*/certkit/machine-ssl' | head -n 1)
t "published key matches published cert"; eq "$("$OPENSSL" pkey -in "$SSLDIR/machine-ssl.key" -pubout 2>&1)" "$("$OPENSSL" x509 -in "$SSLDIR/machine-ssl.crt" -noout -pubkey 2>&1)"
t "published cert is the stored one"; run "$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT
eq "$("$OPENSSL" x509 -in "$T/out" -noout -fingerprint)" "$("$OPENSSL" x509 -in "$SSLDIR/machine-ssl.crt" -noout -fingerprint)"
t "the store opens and lists"; expect_rc 0 "$VECS" entry list --store MACHINE_SSL_CERT --aliases
t "one machine entry"; expect_out 'Number of entries in store :\t1\n__MACHINE_CERT\n'
t "backup complete"; run "$VECS" entry list --store BACKUP_STORE --aliases
t "one backup"; expect_out 'Number of entries in store :\t1\nbkp___MACHINE_CERT\n'
t "backup cert readable"; run "$VECS" entry getcert --store BACKUP_STORE --alias bkp___MACHINE_CERT --output "$T/b.pem"
t "backup cert is one of the two"; case "$("$OPENSSL" x509 -in "$T/b.pem" -noout -fingerprint)" in "$FP_OLD"|"$FP_NEW") ok;; *) fail "backup damaged";; esac
t "entries and order index agree"; eq "$(mdb_stat -s entries "$DB" | sed -n 's/.*Entries: //p')" "$(mdb_stat -s order "$DB" | sed -n 's/.*Entries: //p')"

# --- concurrent writers ------------------------------------------------------------
run "$VECS" store create --name CONC
for w in 1 2 3 4; do
	(
	n=0
	while [ $n -lt $PER_WRITER ]; do
		"$VECS" entry create --store CONC --alias "w$w-$n" --cert "$T/ca.pem" >/dev/null 2>>"$T/conc.err" || echo "w$w-$n" >>"$T/conc.fail"
		n=$((n + 1))
	done
	) &
done
wait
t "no writer failed"; absent "$T/conc.fail"
run "$VECS" entry list --store CONC --aliases
t "$((4 * PER_WRITER)) entries"; eq "$(head -n 1 "$T/out")" "$(printf 'Number of entries in store :\t%d' $((4 * PER_WRITER)))"
t "all distinct"; eq "$(tail -n +2 "$T/out" | sort -u | wc -l)" $((4 * PER_WRITER))
t "each writer's entries in its own order"; eq "$(grep '^w3-' "$T/out" | sed 's/^w3-//' | sort -n -c && echo sorted)" sorted

# --- full map (always) ----------------------------------------------------------------
# A small map makes MDB_MAP_FULL come quickly; the failed create must say so
# and leave everything that was there.
fill_until_full() {	# fill_until_full DIR: creates secrets until one fails
	head -c 200000 /dev/urandom | base64 >"$T/big.txt"
	n=0 frc=0
	while [ $n -lt 200 ]; do
		CERTKIT_VECS_DIR=$1 "$VECS" entry create --store S --alias "big$n" --key "$T/big.txt" >/dev/null 2>"$T/fill.err" || { frc=$?; break; }
		n=$((n + 1))
	done
}
check_full() {	# check_full DIR LABEL
	t "$2: a create failed"; eq "$frc" 112
	t "$2: clear message"; has "$T/fill.err" "the store is full"
	t "$2: E112"; eq "$(tail -n 1 "$T/fill.err")" "vecs-cli failed. Error 112: Operation failed with error ERROR_DISK_FULL (112) "
	t "$2: says the store is unchanged"; has "$T/fill.err" "the store is unchanged"
	run env CERTKIT_VECS_DIR="$1" "$VECS" entry list --store S --aliases
	t "$2: store opens"; eq "$rc" 0
	t "$2: all $n earlier entries there"; eq "$(head -n 1 "$T/out")" "$(printf 'Number of entries in store :\t%s' "$n")"
	t "$2: the first one intact"; run env CERTKIT_VECS_DIR="$1" "$VECS" entry getkey --store S --alias big0
	printf '\n' >>"$T/big.txt"; same "$T/out" "$T/big.txt"
	t "$2: mdb_dump reads it"; expect_rc 0 mdb_dump -s entries "$1"
	t "$2: room after a delete"; run env CERTKIT_VECS_DIR="$1" "$VECS" entry delete --store S --alias big0 -y
	expect_rc 0 env CERTKIT_VECS_DIR="$1" "$VECS" entry create --store S --alias again --cert "$T/ca.pem"
}
CERTKIT_VECS_DIR="$T/small" CERTKIT_VECS_MAPSIZE=2097152 "$VECS" store create --name S >/dev/null
export CERTKIT_VECS_MAPSIZE=2097152
fill_until_full "$T/small"
check_full "$T/small" "map full"
unset CERTKIT_VECS_MAPSIZE

# --- full filesystem (root and a mountable tmpfs only) ------------------------------------
mkdir -p "$T/fs"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=3m,mode=0700 certkit-test "$T/fs" 2>/dev/null; then
	on_exit "umount '$T/fs'"
	CERTKIT_VECS_DIR="$T/fs/vecs" "$VECS" store create --name S >/dev/null
	fill_until_full "$T/fs/vecs"
	check_full "$T/fs/vecs" "tmpfs full"
	umount "$T/fs"
else
	echo "# cannot mount a tmpfs here: the full-disk case is covered by the full map only"
fi
finish
