# SPDX-License-Identifier: MIT
"""msgq: msgqd's client calls for Python, a binding to libmsgq (msgq.h).

The same calls and semantics as the C library, one implementation: a
Msgq object is one handle (struct msgq *), every call has a deadline (the
object's timeout_ms, or the watch's own), cancel() from another thread
ends a waiting call with errno ECANCELED, and errors are raised as
msgq.Error, an OSError with the library's errno and its message in words
(msgqd's own when it answered with an error; then also its status).

    import msgq
    with msgq.Msgq() as q:          # the key as msgqctl takes it
        print(q.led_on())           # LedState(on=True, ...)

The calls release the GIL while they wait, so other threads run, and one
of them may call cancel().  See libmsgq's man pages (msgq_open(3), ...).
"""
from __future__ import annotations

import ctypes
import errno
from dataclasses import dataclass
from typing import Iterable, List, Mapping, Optional, Tuple, Union

__all__ = ["Msgq", "Error", "LedState", "Stats", "LineInfo", "Change", "SetResult", "Watch",
           "Event", "Events", "InputInfo", "EVENTS_MAX",
           "PRIO_MIN", "PRIO_MAX", "PRIO_DEFAULT", "TIMEOUT_DEFAULT_MS", "TIMEOUT_MAX_MS",
           "SEND_TEXT_MAX", "LINES_MAX", "LINE_NAME_MAX", "LINE_ALL", "version"]

PRIO_MIN = 1
PRIO_MAX = 10
PRIO_DEFAULT = 5
TIMEOUT_DEFAULT_MS = 3000
TIMEOUT_MAX_MS = 3600000
SEND_TEXT_MAX = 256
LINES_MAX = 64
LINE_NAME_MAX = 31
LINE_ALL = 0xffff
EVENTS_MAX = 8  # events msgqd gives in one reply of line_events()

# A line: its index, or its name (looked up with line_find()).
Line = Union[int, str]

_lib = ctypes.CDLL("libmsgq.so.0")


class _Led(ctypes.Structure):
    _fields_ = [("on", ctypes.c_uint8), ("blinking", ctypes.c_uint8),
                ("period_ms", ctypes.c_uint32), ("remaining", ctypes.c_uint32),
                ("changes", ctypes.c_uint64)]


class _Stats(ctypes.Structure):
    _fields_ = [("uptime_ms", ctypes.c_uint64), ("served", ctypes.c_uint64 * PRIO_MAX),
                ("errors", ctypes.c_uint64), ("malformed", ctypes.c_uint64),
                ("replies_late", ctypes.c_uint64), ("replies_deferred", ctypes.c_uint64),
                ("replies_dropped", ctypes.c_uint64), ("replies_reclaimed", ctypes.c_uint64),
                ("daemon_pid", ctypes.c_uint32), ("queue_recreated", ctypes.c_uint32)]


class _LineState(ctypes.Structure):
    _fields_ = [("led", _Led), ("line", ctypes.c_uint16), ("seq", ctypes.c_uint32)]


class _LineInfo(ctypes.Structure):
    _fields_ = [("st", _LineState), ("offset", ctypes.c_uint32), ("by_pid", ctypes.c_uint32),
                ("flags", ctypes.c_uint8), ("name", ctypes.c_char * (LINE_NAME_MAX + 1)),
                ("chip", ctypes.c_char * 32)]


class _Change(ctypes.Structure):
    _fields_ = [("st", _LineState), ("time_ns", ctypes.c_uint64)]


class _WatchResult(ctypes.Structure):
    _fields_ = [("missed", ctypes.c_uint32), ("next", ctypes.c_uint64)]


class _Event(ctypes.Structure):
    _fields_ = [("ch", _Change), ("kernel_ns", ctypes.c_uint64), ("kernel_seqno", ctypes.c_uint32),
                ("lost", ctypes.c_uint32), ("edge", ctypes.c_uint8), ("flags", ctypes.c_uint8)]


class _InputInfo(ctypes.Structure):
    _fields_ = [("line", ctypes.c_uint16), ("bias", ctypes.c_uint8), ("edges", ctypes.c_uint8),
                ("debounce_by", ctypes.c_uint8), ("debounce_us", ctypes.c_uint32),
                ("count", ctypes.c_uint64), ("lost", ctypes.c_uint64)]


class _LineLevel(ctypes.Structure):
    _fields_ = [("line", ctypes.c_uint16), ("on", ctypes.c_uint8)]


class _SetResult(ctypes.Structure):
    _fields_ = [("lines", ctypes.c_uint64), ("on", ctypes.c_uint64), ("first", ctypes.c_uint64),
                ("last", ctypes.c_uint64)]


_H = ctypes.c_void_p
_LedP = ctypes.POINTER(_Led)
_U64P = ctypes.POINTER(ctypes.c_uint64)


def _proto(name: str, restype, *argtypes) -> None:
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)


_proto("msgq_version", ctypes.c_char_p)
_proto("msgq_open_config", ctypes.c_int, ctypes.POINTER(_H), ctypes.c_char_p, ctypes.c_int,
       ctypes.c_char_p, ctypes.c_size_t)
_proto("msgq_close", None, _H)
_proto("msgq_key", ctypes.c_int, _H)
_proto("msgq_set_timeout", ctypes.c_int, _H, ctypes.c_uint)
_proto("msgq_set_priority", ctypes.c_int, _H, ctypes.c_int)
_proto("msgq_ping", ctypes.c_int, _H)
_proto("msgq_get_stats", ctypes.c_int, _H, ctypes.POINTER(_Stats), _LedP)
for _name in ("msgq_led_on", "msgq_led_off", "msgq_led_toggle", "msgq_led_state"):
    _proto(_name, ctypes.c_int, _H, _LedP)
_proto("msgq_led_blink", ctypes.c_int, _H, ctypes.c_uint32, ctypes.c_uint32, _LedP)
_proto("msgq_led_watch", ctypes.c_int, _H, ctypes.c_uint64, ctypes.c_uint, _LedP)
_proto("msgq_led_time", ctypes.c_int, _H, _U64P, _U64P)
_proto("msgq_led_unwatch", ctypes.c_int, _H)
_proto("msgq_line_list", ctypes.c_int, _H, ctypes.POINTER(_LineInfo), ctypes.c_size_t)
_proto("msgq_line_find", ctypes.c_int, _H, ctypes.c_char_p)
for _name in ("msgq_line_on", "msgq_line_off", "msgq_line_toggle", "msgq_line_state"):
    _proto(_name, ctypes.c_int, _H, ctypes.c_uint, _LedP)
_proto("msgq_line_blink", ctypes.c_int, _H, ctypes.c_uint, ctypes.c_uint32, ctypes.c_uint32, _LedP)
_proto("msgq_line_wait", ctypes.c_int, _H, ctypes.c_uint, ctypes.c_uint64, ctypes.c_uint, _LedP)
_proto("msgq_line_set", ctypes.c_int, _H, ctypes.POINTER(_LineLevel), ctypes.c_size_t,
       ctypes.POINTER(_SetResult))
_proto("msgq_line_watch", ctypes.c_int, _H, ctypes.c_uint, ctypes.c_uint64, ctypes.c_uint,
       ctypes.POINTER(_Change), ctypes.c_size_t, ctypes.POINTER(_WatchResult))
_proto("msgq_line_events", ctypes.c_int, _H, ctypes.c_uint, ctypes.c_uint64, ctypes.c_uint,
       ctypes.POINTER(_Event), ctypes.c_size_t, ctypes.POINTER(_WatchResult))
_proto("msgq_input_list", ctypes.c_int, _H, ctypes.POINTER(_InputInfo), ctypes.c_size_t)
_proto("msgq_send", ctypes.c_int, _H, ctypes.c_char_p)
_proto("msgq_shutdown", ctypes.c_int, _H)
_proto("msgq_cancel", None, _H)
_proto("msgq_errmsg", ctypes.c_char_p, _H)
_proto("msgq_daemon_status", ctypes.c_int, _H)
_proto("msgq_daemon_pid", ctypes.c_uint32, _H)
_proto("msgq_strerror", ctypes.c_char_p, ctypes.c_int)


def version() -> str:
    """libmsgq's version, "0.2.0"."""
    return _lib.msgq_version().decode()


class Error(OSError):
    """A failed call: errno (ETIMEDOUT, ECANCELED, EIDRM, EACCES, ENOENT, or
    msgqd's refusal: EINVAL, EIO, ESHUTDOWN, ...), strerror (the message for
    a person), status (msgqd's reply status, 0 when it did not answer)."""

    def __init__(self, err: int, message: str, status: int = 0) -> None:
        super().__init__(err, message)
        self.status = status


@dataclass(frozen=True)
class LedState:
    """The LED as msgqd reports it; changes is its change number."""
    on: bool
    blinking: bool
    period_ms: int
    remaining: int
    changes: int

    @classmethod
    def _of(cls, led: _Led) -> "LedState":
        return cls(bool(led.on), bool(led.blinking), led.period_ms, led.remaining, led.changes)


@dataclass(frozen=True)
class Stats:
    """msgqd's figures since it started (served[0] is priority 1)."""
    uptime_ms: int
    served: Tuple[int, ...]
    errors: int
    malformed: int
    replies_late: int
    replies_deferred: int
    replies_dropped: int
    replies_reclaimed: int
    daemon_pid: int
    queue_recreated: int

    @classmethod
    def _of(cls, s: _Stats) -> "Stats":
        return cls(s.uptime_ms, tuple(s.served), s.errors, s.malformed, s.replies_late,
                   s.replies_deferred, s.replies_dropped, s.replies_reclaimed, s.daemon_pid,
                   s.queue_recreated)


@dataclass(frozen=True)
class LineInfo:
    """One of msgqd's lines (msgq_line_list(3)): index, name, where it is
    (chip, offset), its state, its settings (kind "led", "relay" or "input",
    active_low, start "restore", "off" or "on", stop "off" or "keep"), its
    own count of changes (seq) and who made its last change (by_pid; 0:
    msgqd itself)."""
    index: int
    name: str
    chip: str
    offset: int
    state: LedState
    seq: int
    by_pid: int
    kind: str
    active_low: bool
    start: str
    stop: str

    @classmethod
    def _of(cls, i: _LineInfo) -> "LineInfo":
        start = ("restore", "off", "on", "restore")[(i.flags >> 1) & 3]
        return cls(i.st.line, i.name.decode(), i.chip.decode(), i.offset, LedState._of(i.st.led),
                   i.st.seq, i.by_pid,
                   "input" if i.flags & 0x20 else "relay" if i.flags & 0x10 else "led",
                   bool(i.flags & 0x01), start, "keep" if i.flags & 0x08 else "off")


@dataclass(frozen=True)
class Change:
    """One change of a line (msgq_line_watch(3)): the line's index, its
    state after the change (state.changes is the change's number), the
    line's own count of changes (seq) and when msgqd made it (time_ns,
    CLOCK_REALTIME)."""
    line: int
    state: LedState
    seq: int
    time_ns: int

    @classmethod
    def _of(cls, c: _Change) -> "Change":
        return cls(c.st.line, LedState._of(c.st.led), c.st.seq, c.time_ns)


@dataclass(frozen=True)
class SetResult:
    """What line_set() did: the indexes set, those now on, and the numbers
    of the first and last change it made (first 0: nothing changed)."""
    lines: Tuple[int, ...]
    on: Tuple[int, ...]
    first: int
    last: int

    @property
    def changed(self) -> int:
        """How many of the lines changed."""
        return self.last - self.first + 1 if self.first else 0


@dataclass(frozen=True)
class Watch:
    """What line_watch() got: the changes in order, how many changes msgqd
    no longer kept before them (missed; with it, changes may be empty:
    none kept is of the line watched), and the number to watch from next."""
    changes: List[Change]
    missed: int
    next: int


@dataclass(frozen=True)
class Event:
    """One change as line_events() gives it (msgq_line_events(3)): its
    number in msgqd's one sequence, the line's index, the edge ("rising",
    "falling", "away": the level differed when msgqd started from the last
    it recorded, the edges between unknown; None: a change of an output),
    the level after it (after active_low), time_ns (CLOCK_REALTIME: when
    the kernel saw the edge, or when msgqd made an output's change),
    kernel_ns (the kernel's CLOCK_MONOTONIC timestamp of the edge; 0:
    none), kernel_seqno (the kernel's number of the edge on its line; 0:
    none), lost (edges of its line the kernel dropped just before it;
    lost_at_least: a lower bound), debounced (by msgqd) and the line's own
    count of changes (seq)."""
    number: int
    line: int
    edge: Optional[str]
    level: bool
    time_ns: int
    kernel_ns: int
    kernel_seqno: int
    lost: int
    lost_at_least: bool
    debounced: bool
    seq: int

    @classmethod
    def _of(cls, e: _Event) -> "Event":
        edge = (None, "rising", "falling", "away")[e.edge] if e.edge < 4 else f"edge {e.edge}"
        return cls(e.ch.st.led.changes, e.ch.st.line, edge, bool(e.ch.st.led.on), e.ch.time_ns,
                   e.kernel_ns, e.kernel_seqno, e.lost, bool(e.flags & 0x01),
                   bool(e.flags & 0x02), e.ch.st.seq)


@dataclass(frozen=True)
class Events:
    """What line_events() got: the events in order, how many changes msgqd
    no longer kept before them (missed; with it, events may be empty: none
    kept is of the line watched), and the number to watch from next."""
    events: List[Event]
    missed: int
    next: int


@dataclass(frozen=True)
class InputInfo:
    """One of msgqd's inputs (msgq_input_list(3)): its line's index (the
    name, level and offset are lines()'s), bias ("as-is", "pull-up",
    "pull-down", "disabled"), the edges it counts ("rising", "falling",
    "both"), who debounces it (debounce_by: None, "kernel" or "msgqd") and
    for how long (debounce_us), its counter (count: edges counted, with
    those the kernel lost) and, of those, the edges the kernel lost."""
    line: int
    bias: str
    edges: str
    debounce_by: Optional[str]
    debounce_us: int
    count: int
    lost: int

    @classmethod
    def _of(cls, i: _InputInfo) -> "InputInfo":
        def name(names: Tuple[Optional[str], ...], v: int) -> Optional[str]:
            return names[v] if v < len(names) else f"unknown {v}"
        return cls(i.line, name(("as-is", "pull-up", "pull-down", "disabled"), i.bias),
                   name(("none", "rising", "falling", "both"), i.edges),
                   name((None, "kernel", "msgqd"), i.debounce_by), i.debounce_us, i.count, i.lost)


def _bits(mask: int) -> Tuple[int, ...]:
    return tuple(i for i in range(LINES_MAX) if mask >> i & 1)


class Msgq:
    """One connection to msgqd (msgq_open(3)).

    key 0 means msgqctl's choice: MSGQ_KEY, else msgq.conf's key (config:
    another file), else 0x6d736771.  Raises Error (ENOENT: msgqd is not
    running; EACCES: the queue's mode leaves this user out; EINVAL: a bad
    MSGQ_KEY or configuration file, with the reason).  Calls may come from
    any thread, one at a time; cancel() from another thread while one waits.
    """

    def __init__(self, key: int = 0, config: Optional[str] = None) -> None:
        h = _H()
        err = ctypes.create_string_buffer(512)
        if not 0 <= key <= 0xffffffff:
            raise ValueError(f"key {key}: expected 0 .. 0xffffffff")
        r = _lib.msgq_open_config(ctypes.byref(h), config.encode() if config else None,
                                  key - (1 << 32) if key >= 1 << 31 else key, err, len(err))
        if r < 0:
            message = err.value.decode(errors="replace") or _lib.msgq_strerror(r).decode()
            raise Error(-r, message)
        self._h: Optional[int] = h.value

    def close(self) -> None:
        """Release the handle; no call may be in progress on it."""
        if getattr(self, "_h", None):  # not set when __init__ failed
            _lib.msgq_close(self._h)
            self._h = None

    def __enter__(self) -> "Msgq":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def _handle(self) -> int:
        if not self._h:
            raise ValueError("the Msgq is closed")
        return self._h

    def _check(self, r: int) -> None:
        if r < 0:
            h = self._handle()
            raise Error(-r, _lib.msgq_errmsg(h).decode(errors="replace"),
                        _lib.msgq_daemon_status(h))

    @property
    def key(self) -> int:
        """The queue's key."""
        return _lib.msgq_key(self._handle()) & 0xffffffff

    @property
    def daemon_pid(self) -> int:
        """The PID of the msgqd that answered last (0 before any answer)."""
        return _lib.msgq_daemon_pid(self._handle())

    def set_timeout(self, timeout_ms: int) -> None:
        """How long each later call waits at most: 1 .. TIMEOUT_MAX_MS ms."""
        if _lib.msgq_set_timeout(self._handle(), timeout_ms) < 0:
            raise ValueError(f"timeout {timeout_ms} ms: expected 1 .. {TIMEOUT_MAX_MS}")

    def set_priority(self, prio: int) -> None:
        """The priority of later requests: PRIO_MIN (most urgent) .. PRIO_MAX."""
        if _lib.msgq_set_priority(self._handle(), prio) < 0:
            raise ValueError(f"priority {prio}: expected {PRIO_MIN} .. {PRIO_MAX}")

    def _led(self, call, *args: int) -> LedState:
        led = _Led()
        self._check(call(self._handle(), *args, ctypes.byref(led)))
        return LedState._of(led)

    def ping(self) -> None:
        """A round trip to msgqd."""
        self._check(_lib.msgq_ping(self._handle()))

    def stats(self) -> Tuple[Stats, LedState]:
        """msgqd's figures and the LED."""
        s, led = _Stats(), _Led()
        self._check(_lib.msgq_get_stats(self._handle(), ctypes.byref(s), ctypes.byref(led)))
        return Stats._of(s), LedState._of(led)

    def led_on(self) -> LedState:
        """Switch the LED on; the LED after it."""
        return self._led(_lib.msgq_led_on)

    def led_off(self) -> LedState:
        """Switch the LED off; the LED after it."""
        return self._led(_lib.msgq_led_off)

    def led_toggle(self) -> LedState:
        """Toggle the LED; the LED after it."""
        return self._led(_lib.msgq_led_toggle)

    def led_state(self) -> LedState:
        """The LED, changing nothing."""
        return self._led(_lib.msgq_led_state)

    def led_blink(self, period_ms: int, count: int = 0) -> LedState:
        """Blink with half-period period_ms (20 .. 3600000), count toggles (0: until
        another LED request)."""
        return self._led(_lib.msgq_led_blink, period_ms, count)

    def led_watch(self, since: int, timeout_ms: int) -> LedState:
        """Wait until the LED's change number differs from since, at most
        timeout_ms (the object's timeout does not apply); Error ETIMEDOUT if
        nothing changed, ECANCELED on cancel()."""
        if timeout_ms <= 0:
            raise ValueError("timeout_ms must be 1 or more")
        return self._led(_lib.msgq_led_watch, since, timeout_ms)

    def led_time(self) -> Optional[Tuple[int, int]]:
        """When msgqd made the state the last LED or line call returned:
        (time_ns on CLOCK_REALTIME, monotonic_ns on CLOCK_MONOTONIC), or None
        when that call failed or msgqd did not say (msgq_led_time(3))."""
        t, m = ctypes.c_uint64(), ctypes.c_uint64()
        if _lib.msgq_led_time(self._handle(), ctypes.byref(t), ctypes.byref(m)) < 0:
            return None
        return t.value, m.value

    def led_unwatch(self) -> None:
        """Withdraw the watch msgqd keeps for this object after a cancelled
        led_watch(), so that msgqd does not answer it; from the thread that
        watched (msgq_led_unwatch(3))."""
        self._check(_lib.msgq_led_unwatch(self._handle()))

    def lines(self) -> List[LineInfo]:
        """Every one of msgqd's lines, in index order (msgq_line_list(3))."""
        buf = (_LineInfo * LINES_MAX)()
        n = _lib.msgq_line_list(self._handle(), buf, LINES_MAX)
        self._check(n)
        return [LineInfo._of(buf[i]) for i in range(min(n, LINES_MAX))]

    def line_find(self, name: str) -> int:
        """The index of the line called name (regardless of case); Error
        ENOENT naming it and the lines msgqd has when there is none."""
        r = _lib.msgq_line_find(self._handle(), name.encode())
        self._check(r)
        return r

    def _index(self, line: Line) -> int:
        if isinstance(line, str):
            return self.line_find(line)
        if not 0 <= line < LINES_MAX:
            raise ValueError(f"line {line}: expected an index 0 .. {LINES_MAX - 1}, or a name")
        return line

    def line_on(self, line: Line) -> LedState:
        """Switch a line (index or name) on; its state after it."""
        return self._led(_lib.msgq_line_on, self._index(line))

    def line_off(self, line: Line) -> LedState:
        """Switch a line (index or name) off; its state after it."""
        return self._led(_lib.msgq_line_off, self._index(line))

    def line_toggle(self, line: Line) -> LedState:
        """Toggle a line (index or name); its state after it."""
        return self._led(_lib.msgq_line_toggle, self._index(line))

    def line_state(self, line: Line) -> LedState:
        """A line's (index or name) state, changing nothing."""
        return self._led(_lib.msgq_line_state, self._index(line))

    def line_blink(self, line: Line, period_ms: int, count: int = 0) -> LedState:
        """Blink a line (index or name) as led_blink() blinks the LED."""
        return self._led(_lib.msgq_line_blink, self._index(line), period_ms, count)

    def line_wait(self, line: Line, since: int, timeout_ms: int) -> LedState:
        """led_watch() of a line (index or name): its state once its change
        number differs from since (another line's change does not answer)."""
        if timeout_ms <= 0:
            raise ValueError("timeout_ms must be 1 or more")
        return self._led(_lib.msgq_line_wait, self._index(line), since, timeout_ms)

    def line_set(self, levels: Union[Mapping[Line, bool], Iterable[Tuple[Line, bool]]]) -> SetResult:
        """Set several lines in one request ({"pump": True, 0: False}, or
        pairs): msgqd checks them all and changes none when one is wrong,
        then sets them together, each that changed one change, in the order
        given (msgq_line_set(3))."""
        pairs = list(levels.items() if isinstance(levels, Mapping) else levels)
        arr = (_LineLevel * max(len(pairs), 1))()
        for i, (line, on) in enumerate(pairs):
            arr[i] = _LineLevel(self._index(line), 1 if on else 0)
        res = _SetResult()
        self._check(_lib.msgq_line_set(self._handle(), arr, len(pairs), ctypes.byref(res)))
        return SetResult(_bits(res.lines), _bits(res.on), res.first, res.last)

    def line_watch(self, line: Union[Line, None], since: int, timeout_ms: int) -> Watch:
        """The changes of a line (index or name; None: every line) after
        change number since, in order, with how many msgqd no longer kept
        (missed, before the first) and the number to watch from next.
        Waits up to timeout_ms for one when there is none (Error ETIMEDOUT);
        watch again from next to get the rest (msgq_line_watch(3))."""
        if timeout_ms <= 0:
            raise ValueError("timeout_ms must be 1 or more")
        index = LINE_ALL if line is None else self._index(line)
        buf = (_Change * 16)()
        res = _WatchResult()
        n = _lib.msgq_line_watch(self._handle(), index, since, timeout_ms, buf, 16,
                                 ctypes.byref(res))
        self._check(n)
        return Watch([Change._of(buf[i]) for i in range(n)], res.missed, res.next)

    def line_events(self, line: Union[Line, None], since: int, timeout_ms: int) -> Events:
        """line_watch() with each change's edge, the kernel's time and
        number, and how many edges the kernel lost just before it: the
        events of a line (index or name; None: every line) after change
        number since, in order (at most EVENTS_MAX), with how many msgqd no
        longer kept (missed, before the first) and the number to watch from
        next.  Waits up to timeout_ms for one when there is none (Error
        ETIMEDOUT); since ahead of msgqd's last change: Error EINVAL with
        msgqd's number in its message (msgq_line_events(3))."""
        if timeout_ms <= 0:
            raise ValueError("timeout_ms must be 1 or more")
        index = LINE_ALL if line is None else self._index(line)
        buf = (_Event * EVENTS_MAX)()
        res = _WatchResult()
        n = _lib.msgq_line_events(self._handle(), index, since, timeout_ms, buf, EVENTS_MAX,
                                  ctypes.byref(res))
        self._check(n)
        return Events([Event._of(buf[i]) for i in range(n)], res.missed, res.next)

    def inputs(self) -> List[InputInfo]:
        """Every one of msgqd's inputs, in index order, with its settings and
        counter (msgq_input_list(3))."""
        buf = (_InputInfo * LINES_MAX)()
        n = _lib.msgq_input_list(self._handle(), buf, LINES_MAX)
        self._check(n)
        return [InputInfo._of(buf[i]) for i in range(min(n, LINES_MAX))]

    def send(self, text: str) -> None:
        """Have msgqd log text (at most SEND_TEXT_MAX bytes of printable text)."""
        self._check(_lib.msgq_send(self._handle(), text.encode()))

    def shutdown(self) -> None:
        """Ask msgqd to stop; it removes its queue."""
        self._check(_lib.msgq_shutdown(self._handle()))

    def cancel(self) -> None:
        """From another thread: end the call waiting on this object with
        Error ECANCELED; returns once it has returned."""
        _lib.msgq_cancel(self._handle())
