#!/bin/sh
# SPDX-License-Identifier: MIT
# One copy of the client code: each PROGRAM calls msgqd through the shared
# libmsgq (it needs libmsgq.so.0) and holds no client of its own (it
# defines none of common/client.c's msgq_client_ functions).  Issue 23:
# msgqctl and msgq-mqtt link the library.
# Usage: check-one-client.sh PROGRAM...
set -eu
fail=0
for prog in "$@"; do
        readelf -d "$prog" | grep -q 'Shared library: \[libmsgq\.so\.0\]' ||
                { echo "$prog does not link libmsgq.so.0"; fail=1; }
        own=$(nm --defined-only "$prog" | awk '$3 ~ /^msgq_client_/ { print $3 }' | tr '\n' ' ')
        [ -z "$own" ] || { echo "$prog has a client of its own: $own"; fail=1; }
done
exit $fail
