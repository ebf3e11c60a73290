#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A msgqd client in Python with python3-sysv-ipc, speaking the text protocol.

Usage: plain-client.py KEY PRIORITY COMMAND [reply]
"""
import os
import signal
import sys

import sysv_ipc

REPLY_BASE = 1000000000


def main():
    if len(sys.argv) < 4:
        print(f"usage: {sys.argv[0]} KEY PRIORITY COMMAND [reply]", file=sys.stderr)
        return 2
    key, prio, command = int(sys.argv[1], 0), int(sys.argv[2]), sys.argv[3]
    reply = len(sys.argv) > 4 and sys.argv[4] == "reply"
    try:
        queue = sysv_ipc.MessageQueue(key)
    except sysv_ipc.ExistentialError:
        print("no queue: is msgqd running?", file=sys.stderr)
        return 3
    if reply:
        command += f" pid={os.getpid()}"
    queue.send(command.encode("ascii"), type=prio)
    if not reply:
        return 0
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError()))
    signal.alarm(5)
    try:
        text, _ = queue.receive(type=REPLY_BASE + os.getpid())
    except TimeoutError:
        print("no reply within 5 s", file=sys.stderr)
        return 3
    print(text.decode("ascii"))
    return 0 if text.startswith(b"OK") else 1


if __name__ == "__main__":
    sys.exit(main())
