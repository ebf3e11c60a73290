/* SPDX-License-Identifier: MIT */
/*
 * Waiting for udev to set up the GPIO chips, at start-up.
 */
#pragma once

#include <stdint.h>

/*
 * Wait until udev has processed every GPIO chip in /dev (applied its rules:
 * 60-msgqd-gpio.rules gives the chips to group gpio), for at most
 * timeout_ns.  Returns at once when no udev runs (no /run/udev/control) or
 * when every chip is set up.  While it waits it says so, once, in the log
 * and in the service's STATUS=, and keeps the watchdog fed.  Returns 0, or
 * -ETIMEDOUT when a chip was still not set up (the caller goes on: opening
 * it then gives the error that says what is wrong).
 */
int udev_wait_chips(uint64_t timeout_ns);
