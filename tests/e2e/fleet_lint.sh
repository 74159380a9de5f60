#!/bin/sh
# The fleet playbooks pass ansible-playbook --syntax-check and ansible-lint
# with its production profile (offline: no collection is fetched).
. "$top_srcdir/tests/lib.sh"
command -v ansible-playbook >/dev/null 2>&1 || skip "ansible-playbook not installed (tests/deps.sh installs ansible-core)"
ANS=$top_srcdir/ansible
ANSIBLE_CONFIG=$ANS/ansible.cfg ANSIBLE_HOME=$T/ah ANSIBLE_LOCAL_TEMP=$T/ah/tmp XDG_CACHE_HOME=$T/cache
ANSIBLE_NOCOLOR=1 NO_COLOR=1
export ANSIBLE_CONFIG ANSIBLE_HOME ANSIBLE_LOCAL_TEMP XDG_CACHE_HOME ANSIBLE_NOCOLOR NO_COLOR
# in_ans CMD...: run CMD in ansible/
in_ans() { ( cd "$ANS" && exec "$@" ); }

for pb in rotate.yml report.yml; do
	t "ansible-playbook --syntax-check $pb"
	expect_rc 0 in_ans ansible-playbook -i inventory.example.yml --syntax-check "$pb"
done
t "the example inventory parses and gives certkit_fqdn for every host"
expect_rc 0 ansible-inventory -i "$ANS/inventory.example.yml" --list
n_hosts=$(grep -c '^    [a-z0-9.-]*:$' "$ANS/inventory.example.yml")
eq "$(grep -c 'certkit_fqdn:' "$ANS/inventory.example.yml")" "$n_hosts"

if command -v ansible-lint >/dev/null 2>&1; then
	t "ansible-lint --profile production"
	expect_rc 0 in_ans ansible-lint --offline --profile production --nocolor
	has "$T/err" "Passed with production profile: 0 failure(s), 0 warning(s)"
else
	echo "# ansible-lint not installed: lint not run (tests/deps.sh installs it)"
fi
finish
