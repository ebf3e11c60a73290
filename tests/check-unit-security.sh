#!/bin/bash
# SPDX-License-Identifier: MIT
# The systemd unit as built: "systemd-analyze verify" finds nothing wrong,
# "systemd-analyze security --offline=true" rates its exposure 1.0 or lower,
# and none of the settings that would lose a crashed daemon's queue crept
# in for a better score.
#
# Usage: check-unit-security.sh UNIT [MSGQD]
#   UNIT   the generated msgqd.service
#   MSGQD  the built msgqd, to verify the unit against (its ExecStart= is
#          not installed yet); without it, only the score and settings
set -euo pipefail

max_exposure=10 # systemd-analyze counts tenths: 10 is "1.0"
unit=${1:?usage: check-unit-security.sh UNIT [MSGQD]}
msgqd=${2:-}

fail() {
        echo "check-unit-security: $*" >&2
        exit 1
}

command -v systemd-analyze >/dev/null ||
        fail "systemd-analyze not found: install the systemd package (Debian: apt-get install systemd)"
[ -r "$unit" ] || fail "cannot read $unit"

# Settings that would look safer and break msgqd (see the unit's comments).
forbidden='^(PrivateIPC|RemoveIPC|DynamicUser)=[[:space:]]*(yes|true|on|1)[[:space:]]*$'
if grep -E -i "$forbidden" "$unit"; then
        fail "$unit sets one of PrivateIPC=, RemoveIPC=, DynamicUser=: clients would lose the queue, or a restart the requests queued"
fi

if [ -n "$msgqd" ]; then
        tmp=$(mktemp -d)
        trap 'rm -rf "$tmp"' EXIT
        sed -e "s|^ExecStart=[^ ]*|ExecStart=$msgqd|" -e "s|^ExecStartPre=+[^ ]*|ExecStartPre=+$msgqd|" \
                "$unit" > "$tmp/msgqd.service"
        echo "+ systemd-analyze verify --man=no msgqd.service (ExecStart=$msgqd)"
        out=$(systemd-analyze verify --man=no "$tmp/msgqd.service" 2>&1) ||
                fail "systemd-analyze verify failed: $out"
        # verify exits 0 on some problems it reports: none is acceptable.
        [ -z "$out" ] || fail "systemd-analyze verify reports: $out"
fi

echo "+ systemd-analyze security --offline=true --threshold=$max_exposure $unit"
status=0
out=$(systemd-analyze security --no-pager --offline=true --threshold="$max_exposure" "$unit" 2>&1) || status=$?
printf '%s\n' "$out" | grep -v '^✓' || true
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no overall exposure level in the output of systemd-analyze security"
[ "$status" -eq 0 ] || fail "exposure $score is above 1.0"
echo "exposure $score (at most 1.0): ok"
