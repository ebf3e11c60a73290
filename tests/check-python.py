#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python module msgq (python/msgq.py, a binding to libmsgq) against the
real msgqd --sim that check-libmsgq started on KEY (it removes the queue),
with the lines led, pump, buzzer (a relay, stop = keep) and fan (active
low, start = on).

Usage: check-python.py KEY
"""
import errno
import sys
import threading
import time
import unittest

import msgq

KEY = 0


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


if __name__ == "__main__":
    KEY = int(sys.argv.pop(1), 0)
    unittest.main(verbosity=2)
