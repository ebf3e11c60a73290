#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's ten-line C and Python programs (the first ```c and ```python
# blocks under "## libmsgq and the Python module"), built and run as a
# reader would, against the msgqd on $MSGQ_KEY: the C one with the
# header and the library of this build, the Python one on the module of
# the source tree.  Each must toggle the LED or print its state.
# Usage: check-readme-snippets.sh README.md LIBDIR INCLUDEDIR PYTHONDIR
set -eu
readme=$1 libdir=$2 incdir=$3 pydir=$4
[ -n "${MSGQ_KEY:-}" ] || { echo "MSGQ_KEY is not set" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

snippet() {
        awk -v lang="$1" '/^## libmsgq and the Python module/ { s = 1 }
                s && $0 == "```" lang { b = 1; next } b && /^```/ { exit } b' "$readme"
}
snippet c > "$tmp/led.c"
snippet python > "$tmp/led.py"
for f in led.c led.py; do
        n=$(grep -c . "$tmp/$f") || true
        [ "$n" -gt 0 ] || { echo "no snippet for $f in $readme" >&2; exit 1; }
        [ "$n" -le 16 ] || { echo "$f: $n lines, more than a short example" >&2; exit 1; }
done

${CC:-cc} -Wall -Werror -o "$tmp/led" "$tmp/led.c" -I"$incdir" -L"$libdir" -lmsgq -Wl,-rpath,"$libdir"
out=$("$tmp/led") || { echo "the C snippet failed: $out" >&2; exit 1; }
echo "C: $out"
case $out in "led: on, change "* | "led: off, change "*) ;; *) echo "unexpected: $out" >&2; exit 1 ;; esac

out=$(PYTHONPATH=$pydir LD_LIBRARY_PATH=$libdir /usr/bin/python3 "$tmp/led.py") ||
        { echo "the Python snippet failed: $out" >&2; exit 1; }
echo "Python: $out"
case $out in "LedState("*"blinking=True"* | "no change: "*) ;; *) echo "unexpected: $out" >&2; exit 1 ;; esac
