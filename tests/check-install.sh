#!/bin/bash
# SPDX-License-Identifier: MIT
# After `meson install`, the service can start once the steps README.md
# gives have run.  The build is installed into a DESTDIR, which stands for
# the machine's root; there:
#   - the sysusers.d files are where systemd-sysusers reads them, and
#     `systemd-sysusers --root=DESTDIR` makes the users and groups the unit
#     names (msgqd in msgq and, by the unit, gpio; msgq-mqtt a member of msgq);
#   - `systemctl --root=DESTDIR enable msgqd` finds the unit;
#   - the install script did not run (skipped into a DESTDIR, as packagers
#     expect: /etc/passwd was not there before systemd-sysusers).
# Then systemd/install-steps.sh, which meson runs after an install (as root,
# with systemd-sysusers, systemctl, udevadm and id stood in for on PATH):
# those steps with the installed file, none into a DESTDIR, and not as root
# only what to run.
#
# Usage: check-install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail

build=${1:?usage: check-install.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: check-install.sh BUILD_DIR SOURCE_DIR}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
fail() { echo "check-install: $*" >&2; exit 1; }

meson install -C "$build" --no-rebuild --destdir "$dest" >"$tmp/install.log" 2>&1 ||
        { cat "$tmp/install.log" >&2; fail "meson install --destdir failed"; }
# Where meson installed each file (without DESTDIR).
installed() {
        meson introspect --installed "$build" | python3 -c '
import json, sys
for p in json.load(sys.stdin).values():
    if p.endswith("/" + sys.argv[1]): print(p)' "$1"
}
unit=$(installed msgqd.service)
sysusers=$(installed sysusers.d/msgqd.conf)
mqtt_sysusers=$(installed sysusers.d/msgq-mqtt.conf)
[[ -n $unit && -f $dest$unit ]] || fail "no msgqd.service installed: $unit"
[[ -n $sysusers && -f $dest$sysusers ]] || fail "no sysusers.d/msgqd.conf installed: $sysusers"
[[ ! -e $dest/etc/passwd ]] || fail "the install script ran into a DESTDIR: $(cat "$dest/etc/passwd")"

# The README's steps, on the DESTDIR's root (with an /etc, as every root has).
mkdir -p "$dest/etc"
systemd-sysusers --root="$dest" >"$tmp/sysusers.log" 2>&1 || { cat "$tmp/sysusers.log" >&2; fail "systemd-sysusers"; }
gid() { awk -F: -v n="$1" '$1 == n { print $3 }' "$dest/etc/group"; }
[[ -n $(gid msgq) && -n $(gid gpio) ]] || fail "groups msgq and gpio not made: $(cat "$dest/etc/group")"
awk -F: -v g="$(gid msgq)" '$1 == "msgqd" && $4 == g { found = 1 } END { exit !found }' "$dest/etc/passwd" ||
        fail "user msgqd in group msgq not made: $(cat "$dest/etc/passwd")"
if [[ -n $mqtt_sysusers ]]; then
        grep -q '^msgq-mqtt:' "$dest/etc/passwd" || fail "user msgq-mqtt not made: $(cat "$dest/etc/passwd")"
        awk -F: '$1 == "msgq" && ("," $4 ",") ~ /,msgq-mqtt,/ { found = 1 } END { exit !found }' \
                "$dest/etc/group" || fail "msgq-mqtt not a member of msgq: $(cat "$dest/etc/group")"
fi
systemctl --root="$dest" enable msgqd.service >"$tmp/enable.log" 2>&1 ||
        { cat "$tmp/enable.log" >&2; fail "systemctl enable: the unit in ${unit%/*} is not found"; }
[[ -L $dest/etc/systemd/system/multi-user.target.wants/msgqd.service ]] || fail "systemctl enable made no link"

# The install script, with systemd-sysusers, systemctl, udevadm and id
# stood in for: what it runs goes to $tmp/ran.
mkdir "$tmp/bin"
for cmd in systemd-sysusers systemctl udevadm; do
        printf '#!/bin/sh\necho "%s $*" >>"%s"\n' "$cmd" "$tmp/ran" >"$tmp/bin/$cmd"
done
printf '#!/bin/sh\necho 0\n' >"$tmp/bin/id"
chmod +x "$tmp/bin/"*
# As meson runs it, alone (its tag): a build of this source with a prefix of
# its own, where nothing else is installed.  Into a DESTDIR, it does not run.
prefix=$tmp/prefix
meson setup "$tmp/build" "$src" --prefix="$prefix" -Dtests=false -Dmqtt=disabled >"$tmp/setup.log" 2>&1 ||
        { cat "$tmp/setup.log" >&2; fail "meson setup"; }
PATH=$tmp/bin:$PATH meson install -C "$tmp/build" --no-rebuild --tags service --destdir "$tmp/dest" \
        >"$tmp/steps.log" 2>&1 || { cat "$tmp/steps.log" >&2; fail "meson install --tags service --destdir"; }
[[ ! -e $tmp/ran ]] || fail "install-steps.sh ran into a DESTDIR: $(cat "$tmp/ran")"
# As root, without a DESTDIR: the README's steps, with the installed file.
PATH=$tmp/bin:$PATH meson install -C "$tmp/build" --no-rebuild --tags service >"$tmp/steps.log" 2>&1 ||
        { cat "$tmp/steps.log" >&2; fail "meson install --tags service"; }
printf '%s\n' "systemd-sysusers $prefix/lib/sysusers.d/msgqd.conf" "udevadm control --reload-rules" \
        "udevadm trigger --settle --subsystem-match=gpio --action=change" "systemctl daemon-reload" >"$tmp/expected"
diff -u "$tmp/expected" "$tmp/ran" || fail "install-steps.sh did not run the README's steps"
# Not as root: it only says them.
printf '#!/bin/sh\necho 1000\n' >"$tmp/bin/id"
rm "$tmp/ran"
PATH=$tmp/bin:$PATH "$src/systemd/install-steps.sh" "$prefix/lib/sysusers.d/msgqd.conf" >"$tmp/steps.log"
[[ ! -e $tmp/ran ]] || fail "install-steps.sh ran steps not as root: $(cat "$tmp/ran")"
grep -q "run as root: systemd-sysusers $prefix/lib/sysusers.d/msgqd.conf; systemctl daemon-reload" \
        "$tmp/steps.log" || fail "install-steps.sh not as root: $(cat "$tmp/steps.log")"
