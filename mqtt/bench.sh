#!/bin/bash
# SPDX-License-Identifier: MIT
# End-to-end figures of one MQTT bridge, on loopback only: a private
# mosquitto on a free port, msgqd --sim on a private key, msgq-mqtt between
# them, and msgq-mqtt-bench as the MQTT client (latency: one command at a
# time, publish to new state; throughput: commands published at once).
# Everything it starts is stopped, and its queue removed, also on failure.
#
# Usage: mqtt/bench.sh BUILDDIR [LATENCY_N [THROUGHPUT_N]]
# NODELAY=false runs the broker with mosquitto's default set_tcp_nodelay
# false, to see what Nagle's algorithm costs each message.
set -euo pipefail

build=${1:?usage: mqtt/bench.sh BUILDDIR [LATENCY_N [THROUGHPUT_N]]}
latency_n=${2:-500}
throughput_n=${3:-5000}
build=$(cd "$build" && pwd)
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto" ] || { echo "bench: mosquitto not found (apt-get install mosquitto)" >&2; exit 1; }

tmp=$(mktemp -d)
key=$(printf '0x7c%06x' $(($$ & 0xffffff)))
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        ipcrm -Q "$key" 2>/dev/null || true # only if msgqd did not remove it
        rm -rf "$tmp"
}
trap cleanup EXIT
if ipcs -q | awk '{print $1}' | grep -qix "$key"; then
        echo "bench: a queue with key $key exists already; not touching it" >&2
        exit 1
fi

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay %s\n' "$port" "${NODELAY:-true}" > "$tmp/mosquitto.conf"
"$mosquitto" -c "$tmp/mosquitto.conf" > "$tmp/mosquitto.log" 2>&1 & pids+=($!)
"$build/daemon/msgqd" --sim -k "$key" > "$tmp/msgqd.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do
        ipcs -q | awk '{print $1}' | grep -qix "$key" && (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
done
STATE_DIRECTORY="$tmp" "$build/mqtt/msgq-mqtt" -c /dev/null -m /dev/null -k "$key" -b "mqtt://127.0.0.1:$port" -p msgq/bench \
        > "$tmp/bridge.log" 2>&1 & pids+=($!)

echo "bench: msgq-mqtt $("$build/mqtt/msgq-mqtt" --version | cut -d' ' -f2), $(nproc) cores, $(uname -m)," \
        "mosquitto $("$mosquitto" -h | head -1 | awk '{print $3}') (set_tcp_nodelay ${NODELAY:-true})"
"$build/mqtt/msgq-mqtt-bench" 127.0.0.1 "$port" msgq/bench latency "$latency_n"
"$build/mqtt/msgq-mqtt-bench" 127.0.0.1 "$port" msgq/bench throughput "$throughput_n"
# For comparison: the same LED command straight on the queue, no MQTT.
start=$(date +%s%N)
for _ in $(seq 200); do "$build/cli/msgqctl" -k "$key" led toggle > /dev/null; done
echo "msgqctl led toggle (a process per command, no MQTT): $(( ($(date +%s%N) - start) / 200000 )) us per command"
