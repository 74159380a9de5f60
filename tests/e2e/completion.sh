#!/bin/sh
# share/completion/certkit.bash: it parses (bash -n), registers all five
# command names, and, driven as bash-completion drives it (COMP_WORDS,
# COMP_CWORD, then the function `complete -p` names), offers the options
# of this build's --help, the verbs of `vecs help`, store names, aliases
# (with a space in one) and the registry's service names, by either name
# of each program.  COMPSCRIPT=FILE checks another copy (tests/deb.sh: the
# installed one) against the programs on PATH.
. "$top_srcdir/tests/lib.sh"
command -v bash >/dev/null 2>&1 || skip "bash not found"
SCRIPT=${COMPSCRIPT:-$top_srcdir/share/completion/certkit.bash}
REG=$top_srcdir/share/config/services.conf

# the programs under the names users type, first on PATH
BIN=$T/bin
mkdir -p "$BIN"
if [ -z "${COMPSCRIPT:-}" ]; then
	[ -x "$CERTOOL" ] && [ -x "$VECS" ] && [ -x "$SVCCTL" ] || skip "certkit not built"
	ln -s "$CERTOOL" "$BIN/certool"
	ln -s "$VECS" "$BIN/vecs"
	ln -s "$VECS" "$BIN/vecs-cli"
	ln -s "$SVCCTL" "$BIN/svcctl"
	ln -s "$SVCCTL" "$BIN/service-control"
fi
PATH=$BIN:$PATH:/usr/sbin:/sbin
export PATH

t "the script parses (bash -n)"
expect_rc 0 bash -n "$SCRIPT"

# comp WORD...: the candidates for the last WORD, one per line, in $T/out
comp() {
	bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		f=$(complete -p "$1" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		[ -n "$f" ] || exit 3
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" || exit 4
		printf "%s\n" "${COMPREPLY[@]}"' comp "$SCRIPT" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
# candidates WANT WORD...: the candidates are exactly WANT (one line
# each, in any order)
candidates() {
	_want=$1; shift
	comp "$@"
	if [ "$rc" != 0 ]; then fail "exit $rc: $*"; return; fi
	eq "$(sort "$T/out")" "$(printf '%s\n' "$_want" | sort)"
}
# offers WANT WORD...: WANT is among the candidates
offers() {
	_want=$1; shift
	comp "$@"
	if [ "$rc" != 0 ]; then fail "exit $rc: $*"; return; fi
	if grep -qxF -- "$_want" "$T/out"; then ok; else fail "'$_want' not offered for: $*"; fi
}

t "every name is registered with complete -F"
expect_rc 0 bash -c '. "$1"; for n in certool vecs vecs-cli svcctl service-control; do
	complete -p "$n" | grep -q -- "-F _certkit_" || { echo "$n"; exit 1; }; done' x "$SCRIPT"

t "certool: every option of --help is offered after --"
certool --help | sed -n 's/^ *\(--[A-Za-z0-9-]*\)\(=\{0,1\}\).*/\1\2/p' | sort -u >"$T/want"
comp certool --
sort "$T/out" >"$T/got"
same "$T/want" "$T/got"
t "certool: a prefix narrows the options"
candidates "--gencsr
--gencsrfromcert" certool --gencsr
t "certool: values after '=' (--filter=re)"
candidates "revoked" certool --filter = re
t "certool: --help groups"
offers "connection" certool --help =
t "certool: file names after --privkey="
: >"$T/key.pem"
offers "$T/key.pem" certool --privkey = "$T/key"

t "vecs: the groups"
candidates "store
entry
force-refresh
help" vecs ""
t "vecs-cli: the entry verbs from vecs help"
offers "getcert" vecs-cli entry ""
offers "import" vecs-cli entry ""
t "vecs: the options of one verb's line of help"
offers "--aliases" vecs entry list --
comp vecs entry list --
hasnt "$T/out" "--bundle"
# vecs answers root only (exit 5 otherwise): a build as a user skips these
if ! vecs store list >/dev/null 2>&1; then
	echo "# skip: vecs store list fails here (not root?): no store names to complete"
elif ! command -v "$OPENSSL" >/dev/null 2>&1; then
	echo "# skip: no openssl to make a certificate"
else
	t "vecs: store names from vecs store list"
	vecs store create --name 'COMP_STORE' >/dev/null 2>&1
	offers "COMP_STORE" vecs entry create --store ""
	offers "TRUSTED_ROOTS" vecs-cli entry list --store T
	t "vecs: store create --name completes no existing store"
	candidates "" vecs store create --name ""

	t "vecs: aliases of the store named on the line, one with a space"
	"$OPENSSL" req -x509 -newkey rsa:2048 -nodes -keyout "$T/c.key" -out "$T/c.pem" \
	    -subj /CN=comp -days 2 >/dev/null 2>&1
	vecs entry create --store COMP_STORE --alias 'web cert' --cert "$T/c.pem" >/dev/null 2>&1
	vecs entry create --store COMP_STORE --alias other --cert "$T/c.pem" >/dev/null 2>&1
	candidates "web cert" vecs entry getcert --store COMP_STORE --alias w
	candidates "web cert
other" vecs entry delete --store COMP_STORE --alias ""
fi
t "vecs: no alias without --store, and no error"
candidates "" vecs entry getcert --alias ""

t "svcctl: the options of --help"
offers "--replace-cert" svcctl --re
offers "--registry" service-control --reg
t "svcctl: service names of the registry named with -r/--registry"
offers "vmware-rhttpproxy" svcctl --registry "$REG" --start vmw
offers "vmcad" service-control -r "$REG" --stop vmc
comp svcctl -r "$REG" --status vmw
hasnt "$T/out" "("
t "svcctl: --key-password kinds"
candidates "file:
fd:
env:" svcctl --replace-cert --key-password ""
t "svcctl: an unreadable registry offers nothing, and no error"
candidates "" svcctl -r "$T/none.conf" --start ""

finish
