/* SPDX-License-Identifier: MIT */
/* What the daemon's modules share: the LED, the figures, the way to wake main. */
#pragma once

#include <stdint.h>

#include "ledctl.h"
#include "protocol.h"

struct msgqd {
        struct ledctl led;
        struct msgq_stats stats; /* counters change with __atomic, relaxed */
        uint64_t start_ns;
        uint32_t pid;
        int exit_requested;      /* set by an exit request */
        /* Ask the main loop to look at the state again (thread-safe). */
        void (*wake)(struct msgqd *d);
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
