#!/bin/sh
# SPDX-License-Identifier: MIT
# msgqd as systemd starts it with StandardError=journal: JOURNAL_STREAM
# names its stderr (device:inode), so that it logs to the journal's socket
# (check-outputs gives it one of its own).  $MSGQD is the built msgqd,
# $MSGQ_TEST_CONF its configuration file.
JOURNAL_STREAM=$(stat -L -c '%d:%i' /proc/self/fd/2) || exit 127
export JOURNAL_STREAM
exec "$MSGQD" -c "$MSGQ_TEST_CONF" "$@"
