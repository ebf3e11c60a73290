/* SPDX-License-Identifier: MIT */
/*
 * The one clock msgq's programs time things with: CLOCK_MONOTONIC, in ns;
 * and the wall clock, for the time of an LED change as people read it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

uint64_t msgq_now_ns(void);
/* CLOCK_REALTIME in ns since the epoch. */
uint64_t msgq_wall_ns(void);
/*
 * A CLOCK_REALTIME time in ns since the epoch, to the nanosecond as gpiomon
 * prints an event's: local with its offset, "2026-12-07T02:15:23.123456789+0100",
 * or UTC, "2026-12-07T01:15:23.123456789Z".
 */
const char *msgq_format_time(uint64_t time_ns, bool utc, char *buf, size_t size);
/* A duration or a CLOCK_MONOTONIC time in ns, as a struct timespec. */
struct timespec msgq_timespec(uint64_t ns);
