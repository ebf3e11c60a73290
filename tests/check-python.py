#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python module msgq (python/msgq.py, a binding to libmsgq) against the
real msgqd --sim that check-libmsgq started on KEY (it removes the queue),
with the lines led, pump, buzzer (a relay, stop = keep) and fan (active
low, start = on); with SIM_DIR, its inputs instead: msgqd has the lines
led, door (an input, both edges), pump and meter (an input, rising edges,
msgqd's debounce of 20 ms) and a history of 64, and the FIFOs of its
simulated inputs in SIM_DIR (MSGQD_SIM_INPUTS).

Usage: check-python.py KEY [SIM_DIR]
"""
import errno
import os
import sys
import threading
import time
import unittest

import msgq

KEY = 0
SIM_DIR = ""


class Calls(unittest.TestCase):
    def setUp(self) -> None:
        self.q = msgq.Msgq(KEY)

    def tearDown(self) -> None:
        self.q.close()

    def test_led(self) -> None:
        self.assertEqual(self.q.key, KEY)
        self.assertTrue(self.q.led_on().on)
        self.assertFalse(self.q.led_toggle().on)
        led = self.q.led_blink(500, 4)
        self.assertTrue(led.blinking)
        self.assertEqual(led.period_ms, 500)
        self.assertFalse(self.q.led_off().blinking)
        self.assertIsInstance(self.q.led_state(), msgq.LedState)

    def test_ping_send_stats(self) -> None:
        self.q.ping()
        self.assertGreater(self.q.daemon_pid, 0)
        self.q.set_priority(1)
        self.q.send("hello from python")
        stats, led = self.q.stats()
        self.assertEqual(stats.daemon_pid, self.q.daemon_pid)
        self.assertGreaterEqual(stats.served[0], 2)
        self.assertIsInstance(led.changes, int)

    def test_refused(self) -> None:
        with self.assertRaises(msgq.Error) as cm:
            self.q.led_blink(10)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertEqual(cm.exception.status, 4)
        self.assertEqual(cm.exception.strerror, "invalid argument")
        with self.assertRaises(ValueError):
            self.q.set_priority(11)
        with self.assertRaises(ValueError):
            self.q.set_timeout(0)

    def test_watch_timeout_and_change(self) -> None:
        since = self.q.led_state().changes
        with self.assertRaises(msgq.Error) as cm:
            self.q.led_watch(since, 100)
        self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
        self.assertIn("within 100 ms", cm.exception.strerror)
        with msgq.Msgq(KEY) as other:
            other.led_toggle()
        self.assertGreater(self.q.led_watch(since, 5000).changes, since)

    def test_cancel_from_another_thread(self) -> None:
        since = self.q.led_state().changes
        result: list = []

        def watch() -> None:
            try:
                self.q.led_watch(since, msgq.TIMEOUT_MAX_MS)
                result.append(0)
            except msgq.Error as e:
                result.append(e.errno)

        t = threading.Thread(target=watch)
        t.start()
        time.sleep(0.1)
        self.q.cancel()
        t.join(10)
        self.assertFalse(t.is_alive())
        self.assertEqual(result, [errno.ECANCELED])
        self.q.ping()

    def test_no_queue(self) -> None:
        with self.assertRaises(msgq.Error) as cm:
            msgq.Msgq(KEY + 1)
        self.assertEqual(cm.exception.errno, errno.ENOENT)

    def test_closed(self) -> None:
        self.q.close()
        with self.assertRaises(ValueError):
            self.q.ping()

    def test_led_time_and_unwatch(self) -> None:
        self.q.led_state()
        t = self.q.led_time()
        self.assertIsNotNone(t)
        self.assertGreater(t[0], 0)
        with self.assertRaises(msgq.Error):
            self.q.led_blink(10)
        self.assertIsNone(self.q.led_time())
        since = self.q.led_state().changes
        result: list = []

        def watch_then_unwatch() -> None:
            try:
                self.q.led_watch(since, msgq.TIMEOUT_MAX_MS)
            except msgq.Error as e:
                result.append(e.errno)
            self.q.led_unwatch()

        t = threading.Thread(target=watch_then_unwatch)
        t.start()
        time.sleep(0.1)
        self.q.cancel()
        t.join(10)
        self.assertEqual(result, [errno.ECANCELED])

    def test_lines(self) -> None:
        lines = self.q.lines()
        self.assertEqual([l.name for l in lines], ["led", "pump", "buzzer", "fan"])
        self.assertEqual([l.index for l in lines], [0, 1, 2, 3])
        self.assertEqual((lines[2].kind, lines[2].stop), ("relay", "keep"))
        self.assertEqual((lines[3].active_low, lines[3].start), (True, "on"))
        self.assertEqual(lines[0].chip, "sim")
        self.assertEqual(self.q.line_find("PUMP"), 1)
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_find("pmup")
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertIn("no line 'pmup'; msgqd has led, pump, buzzer, fan", cm.exception.strerror)
        with self.assertRaises(ValueError):
            self.q.line_on(64)

    def test_line_calls(self) -> None:
        self.assertTrue(self.q.line_on("pump").on)
        self.assertTrue(self.q.line_state(1).on)
        self.assertIsNotNone(self.q.led_time())
        self.assertFalse(self.q.line_toggle(1).on)
        self.assertTrue(self.q.line_blink("buzzer", 400).blinking)
        self.assertFalse(self.q.line_off(2).blinking)
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_on(9)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertEqual(cm.exception.strerror, "invalid argument: no line 9: msgqd has 4 lines (0 to 3)")
        since = self.q.line_state("buzzer").changes
        self.q.line_toggle("pump")
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_wait("buzzer", since, 200)
        self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
        self.q.line_toggle("buzzer")
        self.assertGreater(self.q.line_wait("buzzer", since, 5000).changes, since)

    def test_line_set_and_watch(self) -> None:
        self.q.line_set([("pump", False), (2, False)])
        since = max(l.state.changes for l in self.q.lines())
        res = self.q.line_set({"pump": True, "buzzer": True})
        self.assertEqual(res.lines, (1, 2))
        self.assertEqual(res.on, (1, 2))
        self.assertEqual((res.changed, res.first, res.last), (2, since + 1, since + 2))
        w = self.q.line_watch(None, since, 1000)
        self.assertEqual(w.missed, 0)
        self.assertEqual([c.line for c in w.changes], [1, 2])
        self.assertEqual(w.changes[-1].state.changes, res.last)
        self.assertEqual(w.next, res.last)
        self.assertGreater(w.changes[0].time_ns, 0)
        w = self.q.line_watch("buzzer", since, 1000)
        self.assertEqual([c.line for c in w.changes], [2])
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_watch("buzzer", w.next, 200)
        self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_set([(1, True), (1, False)])
        self.assertEqual(cm.exception.strerror, "line 1: set twice in one request")

    def test_version(self) -> None:
        self.assertEqual(msgq.version(), "0.2.0")


DOOR, PUMP, METER = 1, 2, 3


class Inputs(unittest.TestCase):
    def setUp(self) -> None:
        self.q = msgq.Msgq(KEY)

    def tearDown(self) -> None:
        self.q.close()

    def edges(self, name: str, levels: str) -> None:
        """Bytes into an input's FIFO: '1' high, '0' low, 'o' drop the next edge."""
        fd = os.open(os.path.join(SIM_DIR, name), os.O_WRONLY | os.O_NONBLOCK)
        try:
            self.assertEqual(os.write(fd, levels.encode()), len(levels))
        finally:
            os.close(fd)

    def last(self) -> int:
        return max(line.state.changes for line in self.q.lines())

    def collect(self, line, since: int, want: int) -> tuple:
        """line_events() from since until want events came: (events, missed, next)."""
        got: list = []
        missed = 0
        while len(got) < want:
            ev = self.q.line_events(line, since, 5000)
            self.assertLessEqual(len(ev.events), msgq.EVENTS_MAX)
            got += ev.events
            missed += ev.missed
            since = ev.next
        self.assertEqual(len(got), want)
        return got, missed, since

    def count(self, index: int) -> int:
        return next(i.count for i in self.q.inputs() if i.line == index)

    def test_inputs(self) -> None:
        inputs = self.q.inputs()
        self.assertEqual([i.line for i in inputs], [DOOR, METER])
        door, meter = inputs
        self.assertEqual((door.edges, door.bias, door.debounce_by, door.debounce_us),
                         ("both", "as-is", None, 0))
        self.assertEqual((meter.edges, meter.debounce_by, meter.debounce_us),
                         ("rising", "msgqd", 20000))
        self.assertEqual([l.kind for l in self.q.lines()], ["led", "input", "led", "input"])

    def test_edges_in_order(self) -> None:
        since = self.last()
        counted = self.count(DOOR)
        was = self.q.line_state("door").on
        self.edges("door", "01" if was else "10")
        self.edges("door", "0" if was else "1")
        events, missed, nxt = self.collect("door", since, 3)
        self.assertEqual(missed, 0)
        self.assertEqual(nxt, since + 3)
        self.assertEqual([e.number for e in events], [since + 1, since + 2, since + 3])
        self.assertEqual([e.line for e in events], [DOOR] * 3)
        levels = [not was, was, not was]
        self.assertEqual([e.level for e in events], levels)
        self.assertEqual([e.edge for e in events],
                         ["rising" if level else "falling" for level in levels])
        seqnos = [e.kernel_seqno for e in events]
        self.assertEqual(seqnos, [seqnos[0], seqnos[0] + 1, seqnos[0] + 2])
        self.assertGreater(seqnos[0], 0)
        for e in events:
            self.assertGreater(e.kernel_ns, 0)
            self.assertGreater(e.time_ns, 0)
            self.assertEqual((e.lost, e.lost_at_least, e.debounced), (0, False, False))
        self.assertLessEqual(events[0].kernel_ns, events[2].kernel_ns)
        self.assertEqual(events[1].seq, events[0].seq + 1)
        self.assertEqual(self.count(DOOR), counted + 3)

    def test_kernel_loss(self) -> None:
        since = self.last()
        was = self.q.line_state("door").on
        a, b = ("0", "1") if was else ("1", "0")
        self.edges("door", a + "o" + b + a)  # the edge back dropped
        events, _, _ = self.collect(DOOR, since, 2)
        self.assertEqual([e.lost for e in events], [0, 1])
        self.assertEqual(events[0].edge, events[1].edge)
        self.assertEqual(events[1].kernel_seqno, events[0].kernel_seqno + 2)
        self.assertGreaterEqual(self.q.inputs()[0].lost, 1)

    def test_output_change_and_debounce(self) -> None:
        since = self.last()
        self.q.line_toggle("pump")
        ev = self.q.line_events(None, since, 5000)
        self.assertEqual([(e.line, e.edge, e.kernel_ns) for e in ev.events], [(PUMP, None, 0)])
        self.assertEqual(ev.next, since + 1)
        was = self.q.line_state("meter").on
        self.edges("meter", "0" if was else "1")
        (e,), _, _ = self.collect("meter", since + 1, 1)
        self.assertTrue(e.debounced)
        self.assertEqual(e.level, not was)

    def test_missed_past_the_history(self) -> None:
        since = self.last()
        was = self.q.line_state("door").on
        burst = "".join(("0" if was else "1") if i % 2 == 0 else ("1" if was else "0")
                        for i in range(80))
        counted = self.count(DOOR)
        self.edges("door", burst)
        deadline = time.monotonic() + 10
        while self.count(DOOR) < counted + 80 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(self.count(DOOR), counted + 80)
        ev = self.q.line_events(None, since, 5000)
        self.assertEqual(ev.missed, 80 - 64)
        self.assertEqual(ev.events[0].number, since + 80 - 64 + 1)
        events, missed, nxt = self.collect(None, since, 64)
        self.assertEqual((missed, nxt), (16, since + 80))
        self.assertEqual([e.number for e in events], list(range(since + 17, since + 81)))

    def test_timeout_and_ahead(self) -> None:
        since = self.last()
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_events("door", since, 100)
        self.assertEqual(cm.exception.errno, errno.ETIMEDOUT)
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_events(None, since + 100, 100)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertIn(str(since), cm.exception.strerror)
        with self.assertRaises(ValueError):
            self.q.line_events("door", since, 0)
        with self.assertRaises(msgq.Error) as cm:
            self.q.line_events("nodoor", since, 100)
        self.assertEqual(cm.exception.errno, errno.ENOENT)


if __name__ == "__main__":
    KEY = int(sys.argv.pop(1), 0)
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        SIM_DIR = sys.argv.pop(1)
        unittest.main(defaultTest="Inputs", verbosity=2)
    unittest.main(defaultTest="Calls", verbosity=2)
