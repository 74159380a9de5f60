#!/bin/sh
# Every error path of vecs: the message, the vecs-cli error line, the exit
# status (error mod 256), usage only for syntax errors (on stderr), and no
# change to the store or partial output file afterwards.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/vecs_lib.sh"
vecs_fixtures
run "$VECS" store create --name S
run "$VECS" entry create --store S --alias a --cert "$T/leaf.pem" --key "$T/leaf.key"
run "$VECS" entry create --store S --alias t --cert "$T/ca.pem"
run "$VECS" entry create --store S --alias s --key "$T/secret.txt"
snapshot() { "$VECS" entry list --store S >"$T/snap.$1" 2>&1; "$VECS" store list >>"$T/snap.$1" 2>&1; }
snapshot before

# syntax: usage on stderr, nothing on stdout
syntax() {	# syntax LABEL CMD...: exit 87, usage on stderr, stdout empty
	_l=$1; shift
	t "$_l"; expect_rc 87 "$@"
	t "$_l: usage on stderr"; has "$T/err" "Usage: vecs-cli"
	t "$_l: stdout empty"; expect_out ''
	t "$_l: E87 last"; elast 87
}
syntax "unknown group" "$VECS" frob
syntax "unknown verb" "$VECS" entry frob
syntax "verb missing" "$VECS" store
syntax "group is case-sensitive" "$VECS" Store list
syntax "unknown option" "$VECS" entry list --store S --frob
syntax "option of another verb" "$VECS" store list --name S
syntax "--text on create" "$VECS" entry create --store S --cert "$T/ca.pem" --text
syntax "flag with =value" "$VECS" entry list --store S --text=1
syntax "dangling entry option" "$VECS" entry list --store
syntax "dangling force-refresh option" "$VECS" force-refresh --capath
syntax "store create dangling --name" "$VECS" store create --name
t "dangling --name message"; eq "$(head -n 1 "$T/err")" "Error : An invalid store name [] was specified "
syntax "store create empty" "$VECS" store create --name ''
syntax "store delete no name" "$VECS" store delete -y
syntax "permission no user" "$VECS" store permission --name S --grant read
syntax "permission neither" "$VECS" store permission --name S --user nobody
syntax "permission grant twice" "$VECS" store permission --name S --user nobody --grant read --grant write
syntax "permission bad access" "$VECS" store permission --name S --user nobody --grant admin
syntax "revoke read,write" "$VECS" store permission --name S --user nobody --revoke read,write
syntax "get-permissions no name" "$VECS" store get-permissions
syntax "entry list no store" "$VECS" entry list
t "message"; eq "$(head -n 1 "$T/err")" "Error : An invalid store name [] was specified "
syntax "--text with --aliases" "$VECS" entry list --store S --text --aliases
syntax "--all-stores alone" "$VECS" entry list --all-stores
syntax "--expiring not a number" "$VECS" entry list --store S --expiring soon
syntax "--expiring without store" "$VECS" entry list --expiring 5
syntax "create no store" "$VECS" entry create --cert "$T/ca.pem"
t "message"; eq "$(head -n 1 "$T/err")" "Error: The store name [] is invalid "
syntax "create --crl with --cert" "$VECS" entry create --store S --crl "$T/ca.crl" --cert "$T/ca.pem"
syntax "create both password kinds" "$VECS" entry create --store S --alias p --cert "$T/leaf.pem" --key "$T/leaf.key" --password x --password-file "$T/secret.txt"
: >"$T/empty.pem"
syntax "empty files count as not given" "$VECS" entry create --store S --alias e --cert "$T/empty.pem"
t "message"; has "$T/err" "A certificate or a key must be specified."
syntax "getcert no alias" "$VECS" entry getcert --store S
t "message"; eq "$(head -n 1 "$T/err")" "Error: The store name [S] or the Alias [] is invalid "
syntax "getkey no store" "$VECS" entry getkey --alias a
syntax "delete no alias" "$VECS" entry delete --store S -y
t "message"; eq "$(head -n 1 "$T/err")" "Error : An invalid store name [S] was specified"
syntax "import neither" "$VECS" entry import --store S
syntax "import both" "$VECS" entry import --store S --bundle "$T/ca.pem" --p12 "$T/x.p12"
syntax "bundle with --alias" "$VECS" entry import --store S --bundle "$T/ca.pem" --alias x
syntax "p12 import without password" "$VECS" entry import --store S --p12 "$T/x.p12"
syntax "p12 export without alias" "$VECS" entry export --store S --p12 "$T/x.p12" --password-file "$T/secret.txt"
syntax "export --alias without --p12" "$VECS" entry export --store S --alias a
syntax "force-refresh empty dir" "$VECS" force-refresh --capath ''

# semantic errors: no usage
semantic() {	# semantic LABEL CODE EXIT CMD...
	_l=$1 _c=$2 _x=$3; shift 3
	t "$_l"; expect_rc "$_x" "$@"
	t "$_l: E$_c"; elast "$_c"
	t "$_l: no usage"; hasnt "$T/err" "Usage:"
}
semantic "create into missing store" 4312 216 "$VECS" entry create --store NOPE --alias x --cert "$T/ca.pem"
semantic "duplicate store" 183 183 "$VECS" store create --name s
semantic "129-char store" 154 154 "$VECS" store create --name "$(printf '%0129d' 0)"
semantic "missing cert file" 2 2 "$VECS" entry create --store S --alias x --cert "$T/none.pem"
semantic "missing key file" 2 2 "$VECS" entry create --store S --alias x --cert "$T/leaf.pem" --key "$T/none.key"
t "names the file"; has "$T/err" "Error: Failed to open file [$T/none.key] "
printf 'not a cert\n' >"$T/garbage.pem"
semantic "garbage cert, no alias" 11 11 "$VECS" entry create --store S --cert "$T/garbage.pem"
t "alias message"; eq "$(head -n 1 "$T/err")" "Error: Could not generate alias from certificate"
semantic "garbage cert with alias" 11 11 "$VECS" entry create --store S --alias g --cert "$T/garbage.pem"
semantic "garbage key" 11 11 "$VECS" entry create --store S --alias g --cert "$T/leaf.pem" --key "$T/garbage.pem"
"$OPENSSL" pkey -in "$T/leaf.key" -aes256 -passout pass:x -out "$T/enc.key" 2>/dev/null
semantic "encrypted input key" 11 11 "$VECS" entry create --store S --alias g --cert "$T/leaf.pem" --key "$T/enc.key"
t "says encrypted"; has "$T/err" "is encrypted"
semantic "key mismatch" 90018 162 "$VECS" entry create --store S --alias g --cert "$T/leaf.pem" --key "$T/other.key"
semantic "EC with --rsa-only" 11 11 "$VECS" entry create --store S --alias g --cert "$T/ec.pem" --key "$T/ec.key" --rsa-only
semantic "cert as --crl" 11 11 "$VECS" entry create --store TRUSTED_ROOT_CRLS --crl "$T/ca.pem"
semantic "duplicate alias" 183 183 "$VECS" entry create --store S --alias A --cert "$T/ca.pem"
semantic "password file missing" 2 2 "$VECS" entry create --store S --alias p --cert "$T/leaf.pem" --key "$T/leaf.key" --password-file "$T/nopw"
semantic "getcert missing store" 4312 216 "$VECS" entry getcert --store NOPE --alias a
t "message"; eq "$(head -n 1 "$T/err")" "Error: Failed to open the store."
semantic "getcert missing alias" 4312 216 "$VECS" entry getcert --store S --alias nope
semantic "getcert secret" 87 87 "$VECS" entry getcert --store S --alias s
semantic "getkey trusted" 87 87 "$VECS" entry getkey --store S --alias t
semantic "getkey missing alias" 4312 216 "$VECS" entry getkey --store S --alias nope
semantic "getcert --output in a missing dir" 2 2 "$VECS" entry getcert --store S --alias a --output "$T/nodir/o.pem"
t "no file"; absent "$T/nodir"
semantic "delete from missing store" 4312 216 "$VECS" entry delete --store NOPE --alias a -y
t "message (no period, as vecs-cli)"; eq "$(head -n 1 "$T/err")" "Error: Failed to open the store"
semantic "delete --strict missing alias" 4312 216 "$VECS" entry delete --store S --alias nope -y --strict
semantic "list missing store" 4312 216 "$VECS" entry list --store NOPE
semantic "expiring missing store" 4312 216 "$VECS" entry list --store NOPE --expiring 3
semantic "store delete missing" 4312 216 "$VECS" store delete --name NOPE -y
semantic "store delete built-in" 5 5 "$VECS" store delete --name machine_ssl_cert -y
semantic "permission missing store" 4312 216 "$VECS" store permission --name NOPE --user nobody --grant read
semantic "permission no such user" 1317 37 "$VECS" store permission --name S --user no-such-user-x --grant read
semantic "get-permissions missing store" 4312 216 "$VECS" store get-permissions --name NOPE
semantic "server without upn" 5023 159 "$VECS" store create --name X --server h
semantic "both: not supported" 50 50 "$VECS" store list --server h --upn u
semantic "import missing bundle" 2 2 "$VECS" entry import --store S --bundle "$T/none.pem"
semantic "import bundle without certs" 11 11 "$VECS" entry import --store S --bundle "$T/garbage.pem"
{ cat "$T/ec.pem"; sed '5s/^./#/' "$T/ca.pem"; } >"$T/damaged.pem"
semantic "import damaged bundle" 11 11 "$VECS" entry import --store S --bundle "$T/damaged.pem"
t "nothing imported"; run "$VECS" entry list --store S --aliases; eq "$(head -n 1 "$T/out")" "$(printf 'Number of entries in store :\t3')"
semantic "import bundle into missing store" 4312 216 "$VECS" entry import --store NOPE --bundle "$T/ca.pem"
printf 'pw\n' >"$T/pw"
semantic "p12 import garbage" 11 11 "$VECS" entry import --store S --p12 "$T/garbage.pem" --password-file "$T/pw"
"$OPENSSL" pkcs12 -export -in "$T/leaf.pem" -inkey "$T/leaf.key" -out "$T/l.p12" -passout pass:right 2>/dev/null
semantic "p12 wrong password" 1323 43 "$VECS" entry import --store S --p12 "$T/l.p12" --password-file "$T/pw"
semantic "p12 export of a trusted cert" 87 87 "$VECS" entry export --store S --alias t --p12 "$T/t.p12" --password-file "$T/pw"
t "no p12 file"; absent "$T/t.p12"
semantic "p12 export missing alias" 4312 216 "$VECS" entry export --store S --alias nope --p12 "$T/t.p12" --password-file "$T/pw"
semantic "export missing store" 4312 216 "$VECS" entry export --store NOPE
: >"$T/afile"
semantic "force-refresh into a file" 3 3 "$VECS" force-refresh --capath "$T/afile/sub"
t "refresh message"; has "$T/err" "Error: Failed to trigger root cert refresh "
semantic "refresh --machine-ssl-dir is a file" 3 3 "$VECS" force-refresh --capath "$T/cap" --machine-ssl-dir "$T/afile"
t "db unreadable"; mkdir -p "$T/baddb" && printf 'garbage' >"$T/baddb/data.mdb" && CERTKIT_VECS_DIR="$T/baddb" expect_rc 217 "$VECS" store list
t "db message"; has "$T/err" "Failed to open the certificate store"
t "E4313"; elast 4313
snapshot after
t "the store is unchanged by all of the above"; same "$T/snap.before" "$T/snap.after"
finish
