#!/bin/sh
# Install what certkit needs to build and test on Debian 12 (as root).
# Does nothing for packages already present, so it is cheap to re-run.
set -eu
PKGS="build-essential autoconf automake pkg-config libssl-dev liblmdb-dev lmdb-utils
libinih-dev check openssl valgrind libnss3-tools clang procps psmisc"
PKGS="$PKGS faketime"	# svcctl_renew.sh: --if-expires-within at a later date
PKGS="$PKGS nginx-light"	# the sample registry's TLS front end, reloaded by a swap (issue 14)
# the fleet playbooks (ansible/) and their tests: a real sshd on 127.0.0.1
PKGS="$PKGS ansible-core ansible-lint openssh-server openssh-client"
# tests/deb.sh: build and check the .deb
PKGS="$PKGS debhelper dh-autoreconf lintian"
PKGS="$PKGS mandoc"	# tests/e2e/manpages.sh: render every page
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root or install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
