#!/bin/sh
# svcctl --replace-cert on a full file system (issue 9): the whole
# appliance ($CERTKIT_ROOT: store, journal, machine-ssl files, logs) lives
# on a small tmpfs.
#  1. Nearly full before the swap: refused before anything is stopped or
#     written, with a message that says so; nothing pending afterwards.
#  2. Filled during the swap (a core service's start fills the disk, so the
#     journal cannot be written from the swap phase on): the rollback goes
#     on without its journal, every service runs again with the old
#     certificate served, exit 10, nothing pending.
. "$top_srcdir/tests/lib.sh"
[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
FS=$T/fs
mkdir -p "$FS"
mount -t tmpfs -o size=8m,mode=0755 certkit-fulldisk "$FS" 2>/dev/null || skip "cannot mount a tmpfs here"
CERTKIT_ROOT=$FS/root
mkdir -p "$CERTKIT_ROOT"
export CERTKIT_ROOT
. "$top_srcdir/tests/e2e/svcctl_pki.sh"
appliance
# after the services are stopped (appliance's hook runs first)
on_exit umount -l "$FS"

# vmcad, a core service, fills the file system once when $W/fill-on exists
cat >"$W/vmcad.sh" <<EOS
#!/bin/sh
if [ -f "$W/fill-on" ]; then
	rm -f "$W/fill-on"
	dd if=/dev/zero of="$FS/fill-by-vmcad" bs=64k 2>/dev/null
fi
exec sleep 100000
EOS
chmod +x "$W/vmcad.sh"
sed -i "/^\[service vmcad\]/,/^\[/ s|^start = .*|start = exec $W/vmcad.sh|" "$REG"

# fill_leaving KIB: fill the tmpfs so that about KIB KiB stay free
fill_leaving() {
	rm -f "$FS/fill"
	_avail=$(( $(stat -f -c '%a * %S' "$FS") / 1024 ))
	[ "$_avail" -gt "$1" ] && dd if=/dev/zero of="$FS/fill" bs=1k count=$(( _avail - $1 )) 2>/dev/null
	sync
}
running_all() {
	S --status >"$T/st" 2>&1
	grep -qx "Running:" "$T/st" && ! grep -qx "Stopped:" "$T/st"
}

t "start the appliance on the tmpfs"
expect_rc 0 S --start --all
eq "$(served)" "$(fp "$W/m1.crt")"

# --- 1. nearly full: refused up front ---------------------------------------
fill_leaving 24
t "a swap with 24 KiB free is refused before anything is stopped"
run S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
if [ "$rc" != 0 ] && [ "$rc" != 10 ] && [ "$rc" != 11 ]; then ok; else fail "exit $rc"; fi
has "$T/err" "not enough free space"
has "$T/err" "no service was stopped"
hasnt "$T/out" "stopping all services"
t "nothing pending, every service running, m1 stored and served"
expect_rc 0 S --status
hasnt "$T/err" "interrupted"
if running_all; then ok; else fail "$(cat "$T/st")"; fi
eq "$(stored)" "$(fp "$W/m1.crt")"
eq "$(served)" "$(fp "$W/m1.crt")"
rm -f "$FS/fill"

# --- 2. filled during the swap: best-effort rollback ------------------------
touch "$W/fill-on"
t "the disk fills during the swap: rolled back (10), not left broken (11)"
expect_rc 10 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
has "$T/err" "rolling back"
has "$T/out" "rollback: starting all services"
has "$T/err" "journal"
t "every service runs again"
if running_all; then ok; else fail "$(cat "$T/st")"; fi
t "the old certificate is stored and served"
eq "$(stored)" "$(fp "$W/m1.crt")"
eq "$(served)" "$(fp "$W/m1.crt")"
rm -f "$FS/fill-by-vmcad"
t "nothing pending once space is back"
expect_rc 0 S --status
hasnt "$T/err" "interrupted"
t "and the swap then succeeds"
expect_rc 0 S --replace-cert --cert "$W/m2.crt" --key "$W/m2.key"
eq "$(served)" "$(fp "$W/m2.crt")"

finish
