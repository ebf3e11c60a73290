#!/bin/sh
# SPDX-License-Identifier: MIT
# Run by `meson install` (not into a DESTDIR: a package's build installs
# there, and the package's postinst does the same on the machine), with the
# installed sysusers.d files: what the service needs before it can start,
# the steps README.md gives after a `meson install`:
#
#   systemd-sysusers FILE...   the users and groups the unit names
#                              (User=msgqd, Group=msgq, SupplementaryGroups=gpio)
#   udevadm control --reload-rules
#   udevadm trigger --settle --subsystem-match=gpio --action=change
#                              60-msgqd-gpio.rules gives the GPIO chips to gpio
#   systemctl daemon-reload    systemd reads the new unit
#
# Not as root (an install into a prefix of one's own), it only says them.
# Without udev or systemd running (a container), it says what it skipped.
# (Newer meson versions print what an install script says; bookworm's
# meson 1.0 only a failure.)
#
# Usage: install-steps.sh SYSUSERS_FILE...
set -u

steps="systemd-sysusers $*; systemctl daemon-reload"
if [ "$(id -u)" != 0 ]; then
        echo "msgq: not installed as root; before msgqd can run as a service, run as root: $steps"
        exit 0
fi
if ! command -v systemd-sysusers >/dev/null 2>&1; then
        echo "msgq: no systemd-sysusers here: create the users and groups that $* name" >&2
        exit 0
fi
systemd-sysusers "$@" || exit 1
if command -v udevadm >/dev/null 2>&1; then
        { udevadm control --reload-rules && udevadm trigger --settle --subsystem-match=gpio --action=change; } \
                2>/dev/null || echo "msgq: udev is not running here: the GPIO chips get group gpio when it is"
fi
if systemctl daemon-reload 2>/dev/null; then
        echo "msgq: users and groups made, systemd reloaded; systemctl enable --now msgqd starts msgqd"
else
        echo "msgq: users and groups made; systemd is not running here (no daemon-reload)"
fi
