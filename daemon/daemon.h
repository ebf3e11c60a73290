/* SPDX-License-Identifier: MIT */
/*
 * What the daemon's modules share: the LED's controller, the figures, and
 * the way to wake the main loop.  main.c owns one struct msgqd and wires
 * every callback in one place (its main()).
 *
 * Three threads: the main loop (main.c: signals, blink timer, inputs,
 * watchdog, reply sweeps), the serving thread (server.c: msgrcv, each
 * request served and answered where it was taken) and the flush thread
 * (lines.c: the state file flushed to the disk, which no other thread
 * waits for).  What they share, and what guards it:
 *
 *   lines.lock          the lines (the LED and the outputs), their blink, change count, history, watchers
 *                       and state-file flag (lines.h).  Held while the
 *                       line is driven and while logging; never while
 *                       watchers are answered (they are taken out first).
 *   lines.file_lock     the state file's writes and what is left to
 *                       flush (lines.h); lines.lock may be taken inside
 *                       it, never the other way.  Never held while the
 *                       file is flushed.
 *   server.backlog_lock the reply backlog; its count is also read
 *                       without it (__atomic) on the serving fast path.
 *   server.log_lock     the bad-request rate limit; taken inside
 *                       backlog_lock (a full backlog warns).
 *   reclaim.lock        the reply types and expiries; taken and released
 *                       before backlog_lock, never inside another.
 *   __atomic            the figures (stats), msqid, stopping, failed,
 *                       busy_since_ns, mode and gid, exit_requested.
 *
 * Order: lines.file_lock, then lines.lock; reclaim.lock alone;
 * backlog_lock, then log_lock.  The log's own stream lock is innermost of all.
 *
 * Set once before the serving thread starts and read without a lock: the
 * LED's description (led_describe()), pid, start_ns, the wiring.  main()
 * joins the serving thread (server_stop()) before it closes the LED
 * (lines_done()), so nothing reads the LED after it is gone.
 */
#pragma once

#include <stdint.h>

#include "lines.h"
#include "protocol.h"
#include "wake.h"

struct msgqd {
        struct lines lines;
        struct msgq_stats stats; /* counters change with __atomic, relaxed */
        uint64_t start_ns;
        uint32_t pid;
        int exit_requested;      /* set by an exit request (__atomic) */
        struct wake wake;        /* the main loop's: any thread may wake it */
};

static inline void stat_inc(uint64_t *counter) {
        __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static inline void stat_add(uint64_t *counter, uint64_t n) {
        __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static inline uint64_t stat_get(const uint64_t *counter) {
        return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
