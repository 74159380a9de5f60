#!/bin/sh
# certkit-renew-units.sh: write the systemd units that renew the machine
# certificate before it expires, for debian/rules (dh_installsystemd picks
# them up from debian/) or an admin.
#
#   sh certkit-renew-units.sh DIR [DAYS] [SBINDIR]
#
# writes DIR/certkit-renew.service, a oneshot job running exactly
#   svcctl --replace-cert --renew --if-expires-within DAYS
# (default 30 days; svcctl exits 0 with "not due: ..." when the
# certificate has longer to live), and DIR/certkit-renew.timer, daily with
# a random delay, catching up after downtime.
set -eu
dir=${1:?usage: certkit-renew-units.sh DIR [DAYS] [SBINDIR]}
days=${2:-30}
sbindir=${3:-/usr/sbin}
case $days in '' | *[!0-9]*) echo "certkit-renew-units.sh: DAYS must be a number" >&2; exit 2 ;; esac
mkdir -p "$dir"
cat >"$dir/certkit-renew.service" <<EOS
[Unit]
Description=Renew the certkit machine SSL certificate when it is due
Documentation=man:svcctl(8)
After=network-online.target
ConditionPathExists=/etc/certkit/services.conf

[Service]
Type=oneshot
ExecStart=$sbindir/svcctl --replace-cert --renew --if-expires-within $days
EOS
cat >"$dir/certkit-renew.timer" <<EOS
[Unit]
Description=Daily check whether the certkit machine certificate needs renewal
Documentation=man:svcctl(8)

[Timer]
OnCalendar=daily
RandomizedDelaySec=1h
Persistent=true

[Install]
WantedBy=timers.target
EOS
