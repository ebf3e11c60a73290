/* SPDX-License-Identifier: MIT */
/*
 * How any of msgqd's threads asks the main loop to look at the shared state
 * again (a blink to time, a state to write, replies to retry, an exit, a
 * serving thread that gave up): an eventfd the loop watches.  wake_up() is
 * thread-safe and never blocks; wakes that come before the loop looks add
 * up, and the loop takes them all at once.
 */
#pragma once

#include <stdint.h>

struct wake {
        int fd; /* -1: nobody to wake */
};

int wake_open(struct wake *w);
void wake_close(struct wake *w);
void wake_up(const struct wake *w);
/* The loop: take the wakes that came since it last looked; how many. */
uint64_t wake_take(const struct wake *w);
