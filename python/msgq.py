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
from typing import Optional, Tuple

__all__ = ["Msgq", "Error", "LedState", "Stats", "PRIO_MIN", "PRIO_MAX", "PRIO_DEFAULT",
           "TIMEOUT_DEFAULT_MS", "TIMEOUT_MAX_MS", "SEND_TEXT_MAX", "version"]

PRIO_MIN = 1
PRIO_MAX = 10
PRIO_DEFAULT = 5
TIMEOUT_DEFAULT_MS = 3000
TIMEOUT_MAX_MS = 3600000
SEND_TEXT_MAX = 256

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


_H = ctypes.c_void_p
_LedP = ctypes.POINTER(_Led)


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
        if self._h:
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
