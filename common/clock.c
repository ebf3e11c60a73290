/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "clock.h"

uint64_t msgq_now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

uint64_t msgq_wall_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

const char *msgq_format_time(uint64_t time_ns, bool utc, char *buf, size_t size) {
        time_t sec = (time_t) (time_ns / 1000000000ull);
        struct tm tm;
        char date[32], zone[8] = "Z";

        if (!(utc ? gmtime_r(&sec, &tm) : localtime_r(&sec, &tm)) ||
            !strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) ||
            (!utc && !strftime(zone, sizeof zone, "%z", &tm)))
                snprintf(date, sizeof date, "@%lld", (long long) sec);
        snprintf(buf, size, "%s.%09llu%s", date, (unsigned long long) (time_ns % 1000000000ull), zone);
        return buf;
}

struct timespec msgq_timespec(uint64_t ns) {
        return (struct timespec) { .tv_sec = (time_t) (ns / 1000000000ull),
                                   .tv_nsec = (long) (ns % 1000000000ull) };
}
