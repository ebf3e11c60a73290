#!/bin/sh
# SPDX-License-Identifier: MIT
# libmsgq exports only its msgq_ calls, each declared in msgq.h, each in
# the version node of the release that added it (MSGQ_0.1, MSGQ_0.2, ...),
# under the soname libmsgq.so.0.
# Each has a man page in MAN3DIR (its family's, or a .so link to it;
# installed, .3.gz), and a line in the Debian symbols file SYMBOLS when it
# is given (a call missing there would get this build's Debian revision as
# its version, which lintian refuses).  .ci/package runs it on the installed
# library too.
# Usage: check-libmsgq-symbols.sh LIBMSGQ.so MSGQ.h MAN3DIR [SYMBOLS]
set -eu
lib=$1 header=$2 man3=$3 debsymbols=${4:-}
fail=0

soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libmsgq.so.0 ] || { echo "soname is '$soname', not libmsgq.so.0"; fail=1; }

# Defined dynamic symbols, but the version node itself (an absolute symbol).
symbols=$(nm -D --defined-only "$lib" | awk '$2 != "A" { print $3 }')
[ -n "$symbols" ] || { echo "$lib exports nothing"; exit 1; }
for s in $symbols; do
        name=${s%%@*} node=${s##*@@}
        case $s in
        msgq_*@@MSGQ_0.[0-9]*) ;;
        *) echo "exported but not msgq_*@@MSGQ_0.N: $s"; fail=1; continue ;;
        esac
        grep -Eq "[ *]$name\(" "$header" || { echo "exported but not in msgq.h: $name"; fail=1; }
        [ -f "$man3/$name.3" ] || [ -f "$man3/$name.3.gz" ] || { echo "no man page $man3/$name.3"; fail=1; }
        [ -z "$debsymbols" ] || grep -q "^ $name@$node " "$debsymbols" ||
                { echo "exported but not in $debsymbols: $name"; fail=1; }
done
# ...and the symbols file lists no call the library lacks.
if [ -n "$debsymbols" ]; then
        for s in $(sed -n 's/^ \(msgq_[a-z_]*@MSGQ_0\.[0-9]*\) .*/\1/p' "$debsymbols"); do
                echo "$symbols" | grep -qx "${s%%@*}@@${s##*@}" || { echo "in $debsymbols but not exported: $s"; fail=1; }
        done
fi
# Every call the header declares is exported.
for name in $(grep -Eo '\bmsgq_[a-z_]+\(' "$header" | tr -d '(' | sort -u); do
        echo "$symbols" | grep -q "^$name@@" || { echo "in msgq.h but not exported: $name"; fail=1; }
done
[ $fail = 0 ] && echo "$(echo "$symbols" | wc -l) symbols, all msgq_, in msgq.h and in man 3, soname $soname"
exit $fail
