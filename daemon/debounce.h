/* SPDX-License-Identifier: MIT */
/*
 * msgqd's own debounce of one input, where the kernel has none (libgpiod
 * 1.6, the simulated backend): a raw edge starts (or restarts) a period,
 * and only a level that lasts the whole period counts, when it differs
 * from the last level that counted.  A burst shorter than the period is
 * one change, or none when it ends at the level it began with.  Times are
 * CLOCK_MONOTONIC ns, the clock of the kernel's edge timestamps.
 * No timer of its own: the owner arms one at debounce_deadline().
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct debounce {
        uint64_t period_ns;
        bool level;             /* the last level that counted */
        bool raw;               /* the line's level after the last raw edge */
        bool pending;           /* a raw edge waits for its period */
        uint64_t raw_ns;        /* when the last raw edge came */
};

void debounce_init(struct debounce *d, uint64_t period_ns, bool level);
/* A raw edge to level raw at ts_ns. */
void debounce_edge(struct debounce *d, bool raw, uint64_t ts_ns);
/* When to call debounce_settle(); 0 when nothing waits (an idle line). */
uint64_t debounce_deadline(const struct debounce *d);
/*
 * At now_ns: 1 when the line has settled at a new level, given in *level,
 * its last raw edge's time in *ts_ns; 0 when nothing changed (still
 * bouncing: ask debounce_deadline() again; or back at the level before).
 */
int debounce_settle(struct debounce *d, uint64_t now_ns, bool *level, uint64_t *ts_ns);
