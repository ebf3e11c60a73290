/* SPDX-License-Identifier: MIT */
/*
 * How often a warning that anyone can provoke (a malformed request, a
 * refused command) is logged: at most burst in a window, and the number
 * that were not logged, said once when the next window opens.  Not locked:
 * its user serialises calls.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct msgq_ratelimit {
        uint64_t window_ns;
        unsigned burst;
        uint64_t start_ns; /* of the current window */
        unsigned count, suppressed;
};

#define MSGQ_RATELIMIT(window, n) ((struct msgq_ratelimit) { .window_ns = (window), .burst = (n) })

/*
 * Whether the event at now_ns may be logged.  *missed: how many were not,
 * in the window before this one (to be said first), else 0.
 */
bool msgq_ratelimit_pass(struct msgq_ratelimit *rl, uint64_t now_ns, unsigned *missed);
