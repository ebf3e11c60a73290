#!/bin/sh
# SPDX-License-Identifier: MIT
# A short tour of msgq with a simulated LED: start msgqd on a private key,
# drive it with msgqctl and a plain System V client, stop it.
# Usage: examples/demo.sh [BUILD_DIR]
set -eu

build=${1:-build}
key=0x6d710d30 # a demo key of its own: never the real daemon's queue
msgqd="$build/daemon/msgqd"
msgqctl="$build/cli/msgqctl"

if [ -t 1 ]; then bold=$(printf '\033[1m') plain=$(printf '\033[0m'); else bold= plain=; fi
say() { printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"; }
ctl() { say "msgqctl $*"; "$msgqctl" -k "$key" "$@"; }

if ipcs -q | grep -qi "^$key "; then
        echo "demo: a queue with key $key exists already (another demo running?)" >&2
        exit 1
fi

# msgqd keeps the LED's state in $STATE_DIRECTORY (systemd sets it for the
# service): a directory of the demo's own, not the service's.
STATE_DIRECTORY=$(mktemp -d)
export STATE_DIRECTORY
say "msgqd --sim -k $key &"
"$msgqd" --sim -k "$key" &
daemon=$!
trap 'kill "$daemon" 2>/dev/null || true; ipcrm -Q "$key" 2>/dev/null || true; rm -rf "$STATE_DIRECTORY"' EXIT INT TERM

# Ready when it answers (under systemd, Type=notify says so instead).
i=0
until "$msgqctl" -k "$key" -t 0.2 ping >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 25 ] || { echo "demo: msgqd did not start" >&2; exit 1; }
done

ctl led on
ctl led state
ctl led blink 200 3
sleep 1.3
ctl led state
ctl -p 1 send "urgent: sensor 3 over threshold"
say "plain-client $key 1 \"TOGGLE\" reply      # the seed's text protocol, any language"
"$build/examples/plain-client" "$key" 1 TOGGLE reply
ctl ping -c 3 -i 0.1
ctl status
ctl shutdown
wait "$daemon"
rm -rf "$STATE_DIRECTORY"
trap - EXIT INT TERM
say "ipcs -q   # the queue is gone"
ipcs -q
