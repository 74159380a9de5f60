#!/bin/sh
# The documented manual machine-SSL replacement (workflows.md), run step
# by step with certool, svcctl in its service-control form, and vecs.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/svcctl_pki.sh"

pki_setup || { echo "pki setup failed"; exit 1; }
write_registry
on_exit "$SVCCTL" -r "$REG" --stop --all
CERTKIT_REGISTRY=$REG
export CERTKIT_REGISTRY

expect_rc 0 "$SVCCTL" --start --all
cd "$W" || exit 1
t "1. certool --genkey"
expect_rc 0 "$CERTOOL" --genkey --privkey=m.priv --pubkey=m.pub
mode m.priv 600
t "2. certool --gencert"
expect_rc 0 "$CERTOOL" --gencert --privkey=m.priv --cert=m.crt --Name=Machine_Cert --config=m.cfg
expect_rc 0 "$OPENSSL" verify -CAfile root.pem m.crt
t "3. service-control --stop --all"
expect_rc 0 "$SVCCTL" --stop --all
expect_rc 12 "$SVCCTL" --status
eq "$(cat "$T/out")" "Stopped:
 vmafdd vmdird vmcad rhttpproxy"
t "4. start vmafdd, vmdird, vmcad"
expect_rc 0 "$SVCCTL" --start vmafdd
expect_rc 0 "$SVCCTL" --start vmdird
expect_rc 0 "$SVCCTL" --start vmcad
expect_rc 12 "$SVCCTL" --status
eq "$(cat "$T/out")" "Running:
 vmafdd vmdird vmcad
Stopped:
 rhttpproxy"
t "5. vecs entry delete (answered Y)"
run_in "Y
" "$VECS" entry delete --store MACHINE_SSL_CERT --alias __MACHINE_CERT
eq "$rc" 0
expect_rc 216 "$VECS" entry getcert --store MACHINE_SSL_CERT --alias __MACHINE_CERT
has "$T/err" "No entry with alias"
t "6. vecs entry create"
expect_rc 0 "$VECS" entry create --store MACHINE_SSL_CERT --alias __MACHINE_CERT --cert m.crt --key m.priv
eq "$(stored)" "$(fp m.crt)"
t "7. service-control --start --all"
expect_rc 0 "$SVCCTL" --start --all
has "$T/out" "Successfully started service rhttpproxy"
t "the new certificate is served"
eq "$(served)" "$(fp m.crt)"
t "long alias accepted and canonical name reported"
expect_rc 0 "$SVCCTL" --status vmware-rhttpproxy
eq "$(cat "$T/out")" "Running:
 rhttpproxy"

finish
