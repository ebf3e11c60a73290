#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The Python module msgq (python/msgq.py, a binding to libmsgq) against the
real msgqd --sim that check-libmsgq started on KEY (it removes the queue).

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

    def test_version(self) -> None:
        self.assertEqual(msgq.version(), "0.2.0")


if __name__ == "__main__":
    KEY = int(sys.argv.pop(1), 0)
    unittest.main(verbosity=2)
