#!/bin/bash
# SPDX-License-Identifier: MIT
# `meson install` stays under the prefix it is given: binaries, the unit,
# sysusers.d, the udev rule, completions, man pages and the configuration
# all go below it, so that an install into /usr/local (meson's default)
# never lands in /lib/systemd/system or /usr/lib/sysusers.d, which belong
# to the package manager.  Only the system's own prefix (/usr) takes
# systemd's and udev's directories from pkg-config.
#
# Usage: check-install-dirs.sh SOURCE_DIR
set -euo pipefail

src=${1:?usage: check-install-dirs.sh SOURCE_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-install-dirs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

for prefix in /usr/local /opt/msgq-check; do
        meson setup "$tmp/build" "$src" --prefix="$prefix" -Dtests=false >"$tmp/setup.log" 2>&1 ||
                { cat "$tmp/setup.log" >&2; exit 1; }
        meson introspect --installed "$tmp/build" >"$tmp/installed.json"
        python3 - "$prefix" "$tmp/installed.json" <<'PY'
import json, sys
prefix, path = sys.argv[1], sys.argv[2]
installed = sorted(json.load(open(path)).values())
outside = [p for p in installed if not p.startswith(prefix + '/')]
wanted = ['lib/systemd/system/msgqd.service', 'lib/sysusers.d/msgqd.conf',
          'lib/udev/rules.d/60-msgqd-gpio.rules', 'share/bash-completion/completions/msgqctl']
missing = [w for w in wanted if prefix + '/' + w not in installed]
if outside or missing:
    sys.exit(f'check-install-dirs: prefix {prefix}: outside it: {outside}; missing: {missing}')
PY
        rm -rf "$tmp/build"
done
