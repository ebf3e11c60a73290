#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""logger: msgqd's events into a file, one line each, on the Python module
msgq; examples/logger.c is the same program on libmsgq and writes the same
file (see there, and README's "Logging inputs", for its lines).

    logger.py [-k KEY] FILE [NAME...]

Every change of the lines named (of every line without a name) is appended
to FILE as it comes, each line written at once, the file synced after each
batch.  At start it reads FILE's last line and asks msgqd for the changes
after its number: killed and started again, it loses nothing msgqd kept and
writes nothing twice; what msgqd could not keep is a line of its own
(with NAMEs, how many were each named line's where its own count tells,
else of every line: see logger.c).
Ctrl-C and SIGTERM end it; a stopped msgqd is waited for.
"""
from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import threading
import time
from typing import List, Optional, Sequence

import msgq

WAIT_MS = 10000         # one wait in msgqd; then again
RECONNECT_S = 0.2       # how often to look for a stopped msgqd
PEEK_MS = 1000          # to ask for a change msgqd has
RECANCEL_S = 0.005      # cancel again until the main thread has stopped
TAIL_MAX = 4096         # of FILE read at start: its last lines
EDGES = {None: "output", "rising": "rising", "falling": "falling", "away": "away"}


def say(text: str) -> None:
    print(f"logger: {text}", file=sys.stderr, flush=True)


class Fatal(Exception):
    """What ends the logger with a message and exit code 1."""


class Stopper:
    """SIGINT and SIGTERM, taken by a thread of their own (sigwait) that
    cancels the call in progress on target again and again until the main
    thread has stopped; lock guards stop and target, woken wakes a nap."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.woken = threading.Condition(self.lock)
        self.stop = False
        self.target: Optional[msgq.Msgq] = None
        signals = {signal.SIGINT, signal.SIGTERM}
        # Blocked before the thread starts: only its sigwait() takes them.
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)
        threading.Thread(target=self._wait, args=(signals,), daemon=True).start()

    def _wait(self, signals: set) -> None:
        signal.sigwait(signals)
        with self.lock:
            self.stop = True
            self.woken.notify_all()
        while True:
            with self.lock:
                if self.target is not None:
                    self.target.cancel()  # returns once the call has
            time.sleep(RECANCEL_S)

    def stopping(self) -> bool:
        with self.lock:
            return self.stop

    def set_target(self, q: Optional[msgq.Msgq]) -> None:
        with self.lock:
            self.target = q

    def nap(self, seconds: float) -> None:
        """Sleep, or less when a signal comes."""
        with self.lock:
            self.woken.wait_for(lambda: self.stop, seconds)


def parse_record(line: str) -> tuple:
    """A line's number, and whether it is a loss told before its change
    (overflow, away); ValueError when it is not the logger's."""
    f = line.split()
    if len(f) < 4 or not f[0].isdigit():
        raise ValueError(line)
    number = int(f[0])
    if len(f) == 6 and f[3] == "lost":
        return number, f[5] != "history"
    if (len(f) == 4 and f[3] == "start") or len(f) == 5:  # a change, or behind
        return number, False
    raise ValueError(line)


def time_text(ns: int) -> str:
    if ns == 0:
        return "-"
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 1000000000)) + \
        f".{ns % 1000000000:09d}Z"


class Logger:
    def __init__(self, path: str, key: int, want: Sequence[str], stopper: Stopper) -> None:
        self.path = path
        self.key = key
        self.want = list(want)
        self.stopper = stopper
        self.q: Optional[msgq.Msgq] = None
        self.daemon_pid = 0
        self.names: dict = {}
        self.line: Optional[int] = None     # the one watched, or None: all
        self.wanted: Optional[set] = None   # the lines logged, None: all
        self.since = 0
        self.seq: dict = {}                 # a named line's own count as of since, where known
        self.learn = False                  # ask msgqd's table for seq before the next call
        self.waiting_said = False
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
        except OSError as e:
            raise Fatal(f"{path}: {e.strerror}")

    # ---- the file ----

    def write_record(self, text: str) -> None:
        data = text.encode()
        try:
            while data:
                data = data[os.write(self.fd, data):]
        except OSError as e:
            raise Fatal(f"{self.path}: cannot write: {e.strerror}")

    def sync(self) -> None:
        try:
            os.fdatasync(self.fd)
        except OSError as e:
            raise Fatal(f"{self.path}: cannot sync: {e.strerror}")

    def resume(self) -> bool:
        """The file's last number in since; False for an empty file.  A torn
        last line (no newline: killed while writing it) is cut off, and so
        is a loss told before its change that came without it; either is
        said."""
        size = os.fstat(self.fd).st_size
        if size == 0:
            return False
        start = max(size - TAIL_MAX, 0)
        tail = os.pread(self.fd, size - start, start)
        if len(tail) != size - start:
            raise Fatal(f"{self.path}: cannot read its end: short read")
        while True:
            end = tail.rfind(b"\n")
            if end < 0 and start == 0 and not tail:
                return False
            if end < 0:
                raise Fatal(f"{self.path}: no logger line at its end (not a logger's file?)")
            if end + 1 != len(tail):
                torn = tail[end + 1:]
                say(f"{self.path}: dropped a torn last line ({len(torn)} bytes: "
                    f"'{torn.decode(errors='replace')}')")
                tail = tail[:end + 1]
                os.ftruncate(self.fd, start + len(tail))
                continue
            begin = tail.rfind(b"\n", 0, end) + 1
            if begin == 0 and start > 0:
                raise Fatal(f"{self.path}: last line longer than {TAIL_MAX} bytes "
                            "(not a logger's file?)")
            line = tail[begin:end].decode(errors="replace")
            try:
                number, before_change = parse_record(line)
            except ValueError:
                raise Fatal(f"{self.path}: last line is not a logger's: '{line}'")
            if not before_change:
                self.since = number
                return True
            say(f"{self.path}: dropped a last line without its change: '{line}'")
            tail = tail[:begin]
            os.ftruncate(self.fd, start + len(tail))

    # ---- msgqd ----

    def close_msgq(self) -> None:
        self.stopper.set_target(None)
        if self.q is not None:
            self.q.close()
        self.q = None

    def load_table(self) -> None:
        """msgqd's lines by index, the names asked for resolved: after each start of msgqd."""
        assert self.q is not None
        self.names = {i.index: i.name for i in self.q.lines()}
        self.daemon_pid = self.q.daemon_pid
        self.seq = {}  # another msgqd: its table may be another
        self.learn = True
        try:
            self.wanted = {self.q.line_find(name) for name in self.want} if self.want else None
        except msgq.Error as e:
            if e.errno in (errno.ENOENT, errno.EINVAL):  # no such line, or no such name
                raise Fatal(e.strerror)
            raise
        self.line = next(iter(self.wanted)) if self.wanted and len(self.want) == 1 else None

    def learn_seqs(self) -> None:
        """The named lines' own counts as of the file's last number, where
        msgqd's table tells them: of a line whose last change is not after
        that number."""
        assert self.q is not None
        self.learn = False
        if self.wanted is None:
            return
        try:
            lines = self.q.lines()
        except msgq.Error:
            return  # the next call says how
        for i in lines:
            if i.index in self.wanted and i.index not in self.seq and i.state.changes <= self.since:
                self.seq[i.index] = i.seq

    def last_change(self) -> int:
        assert self.q is not None
        return max((i.state.changes for i in self.q.lines()), default=0)

    def connect(self) -> bool:
        """Open the queue, waiting for msgqd while it is not there; False
        when a signal came first."""
        while not self.stopper.stopping():
            try:
                self.q = msgq.Msgq(self.key)
            except msgq.Error as e:
                if e.errno != errno.ENOENT:
                    raise Fatal(e.strerror)
                if not self.waiting_said:
                    say("msgqd is not running; waiting for it")
                self.waiting_said = True
                self.stopper.nap(RECONNECT_S)
                continue
            self.stopper.set_target(self.q)
            try:
                self.load_table()
            except msgq.Error as e:
                if e.errno in (errno.EIDRM, errno.ECANCELED):
                    self.close_msgq()
                    continue
                raise Fatal(e.strerror)
            if self.waiting_said:
                say("msgqd is back")
            self.waiting_said = False
            return True
        return False

    # ---- records ----

    def log_event(self, e: msgq.Event) -> None:
        """One change, with the loss told before it, in one write()."""
        name = self.names.get(e.line, f"#{e.line}")  # "#7": a line msgqd added since
        when = time_text(e.time_ns)
        text = ""
        if e.lost:
            at_least = "+" if e.lost_at_least else ""
            text += f"{e.number} {when} {name} lost {e.lost}{at_least} overflow\n"
        if e.edge == "away":
            text += f"{e.number} {when} {name} lost unknown away\n"
        edge = EDGES.get(e.edge, (e.edge or "").replace(" ", ""))
        text += f"{e.number} {when} {name} {edge} {'on' if e.level else 'off'}\n"
        self.write_record(text)

    def lost_of_line(self, line: int, upto: int, got: msgq.Events, table: list) -> Optional[int]:
        """How many of the changes after since up to upto msgqd no longer
        kept were the named line's, from its own count: before them (seq),
        and after them, that of its next change less one (in got's events,
        the changes kept after them, or asked for), or its count now when
        its last change is not after upto (table: msgqd's lines, asked
        once); None when not known."""
        assert self.q is not None
        seq = self.seq.get(line)
        if seq is None:
            return None
        for e in got.events:
            if e.line == line:
                return e.seq - 1 - seq if e.seq > seq else None
        if not table:
            try:
                table.append(self.q.lines())
            except msgq.Error:
                table.append([])
        for i in table[0]:
            if i.index == line and i.state.changes <= upto:
                return i.seq - seq if i.seq >= seq else None
        # It changed after upto: its next change, if msgqd still keeps it.
        try:
            after = self.q.line_events(line, upto, PEEK_MS)
        except msgq.Error:
            return None
        if after.events and after.missed == 0 and after.events[0].seq > seq:
            return after.events[0].seq - 1 - seq
        return None

    def log_history(self, got: msgq.Events) -> None:
        """The changes after since msgqd no longer kept (got.missed, before
        got's events): without names, one line of every line's; with names,
        a line for each named line that lost some, and the line of every
        line when a named line's own count is not known."""
        upto = self.since + got.missed
        text = ""
        every = self.wanted is None
        table: list = []
        for line in sorted(self.wanted or ()):
            lost = self.lost_of_line(line, upto, got, table)
            if lost is None:
                every = True
                self.seq.pop(line, None)  # known again from its next change
                continue
            self.seq[line] += lost
            if lost > 0:
                text += f"{upto} - {self.names.get(line, f'#{line}')} lost {lost} history\n"
        if every:
            text += f"{upto} - * lost {got.missed} history\n"
        self.write_record(text)

    def log_marker(self, text: str) -> None:
        self.write_record(text)
        self.sync()

    # ---- the loop ----

    def refused(self, e: msgq.Error) -> None:
        """msgqd refused the number: behind the file's (its state lost), or another mistake."""
        last = self.last_change()
        if last >= self.since:
            raise Fatal(e.strerror)
        say(f"msgqd's number {last} is behind the file's {self.since} (msgqd lost its state?): "
            f"going on from {last}")
        self.log_marker(f"{last} - * behind {self.since}\n")
        self.since = last
        self.seq = {}  # the lines' counts started again too
        self.learn = True

    def run(self) -> None:
        while not self.stopper.stopping():
            if self.q is None and not self.connect():
                break
            assert self.q is not None
            if self.learn:
                self.learn_seqs()
            try:
                got = self.q.line_events(self.line, self.since, WAIT_MS)
            except msgq.Error as e:
                if e.errno in (errno.ETIMEDOUT, errno.ECANCELED):
                    continue
                if e.errno == errno.EIDRM:
                    say("msgqd stopped; waiting for it")
                    self.waiting_said = True
                    self.close_msgq()
                    continue
                if e.errno == errno.EINVAL and self.q.daemon_pid != self.daemon_pid:
                    try:
                        self.load_table()  # another msgqd, another table: ask again
                    except msgq.Error:
                        pass  # it went again: the next call says how
                    continue
                if e.errno == errno.EINVAL:
                    self.refused(e)
                    continue
                raise Fatal(e.strerror)
            if self.q.daemon_pid != self.daemon_pid:
                # Another msgqd, perhaps another table: its indexes first, then ask again.
                try:
                    self.load_table()
                except msgq.Error:
                    pass  # it went again: the next call says how
                continue
            if got.missed:
                self.log_history(got)
            for e in got.events:
                if self.wanted is None or e.line in self.wanted:
                    self.log_event(e)
                    self.seq[e.line] = e.seq
            self.sync()
            self.since = got.next
        if self.q is not None:
            self.stopper.set_target(None)
            try:
                self.q.set_timeout(1000)
                self.q.led_unwatch()  # the watch msgqd may still keep for us
            except msgq.Error:
                pass
            self.q.close()
            self.q = None

    def main(self) -> None:
        if not self.connect():
            return
        if self.resume():
            say(f"{self.path}: going on after {self.since}")
        else:
            self.since = self.last_change()
            self.log_marker(f"{self.since} - * start\n")
            say(f"{self.path}: a new file, from msgqd's change {self.since}")
        self.run()
        os.close(self.fd)


def key_arg(text: str) -> int:
    try:
        key = int(text, 0)
    except ValueError:
        key = 0
    if not 0 < key <= 0xffffffff:
        raise argparse.ArgumentTypeError(
            f"invalid key '{text}': expected a number such as 0x6d736771")
    return key


def main(argv: List[str]) -> int:
    p = argparse.ArgumentParser(prog="logger.py", description="Append each change of msgqd's "
                                "lines NAME (all without one) to FILE, one line each; started "
                                "again, go on after FILE's last number.")
    p.add_argument("-k", dest="key", type=key_arg, default=0,
                   help="msgqd's queue key (default: as msgqctl, MSGQ_KEY or msgq.conf)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("names", metavar="NAME", nargs="*")
    args = p.parse_args(argv)
    if len(args.names) > msgq.LINES_MAX:
        say(f"{len(args.names)} names: msgqd has {msgq.LINES_MAX} lines at most")
        return 1
    try:
        Logger(args.file, args.key, args.names, Stopper()).main()
    except (Fatal, msgq.Error) as e:
        say(e.strerror if isinstance(e, msgq.Error) else str(e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
