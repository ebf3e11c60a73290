/* SPDX-License-Identifier: MIT */
#include "clock.h"

uint64_t msgq_now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

struct timespec msgq_timespec(uint64_t ns) {
        return (struct timespec) { .tv_sec = (time_t) (ns / 1000000000ull),
                                   .tv_nsec = (long) (ns % 1000000000ull) };
}
