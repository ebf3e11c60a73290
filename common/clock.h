/* SPDX-License-Identifier: MIT */
/* The one clock msgq's programs time things with: CLOCK_MONOTONIC, in ns. */
#pragma once

#include <stdint.h>
#include <time.h>

uint64_t msgq_now_ns(void);
/* A duration or a CLOCK_MONOTONIC time in ns, as a struct timespec. */
struct timespec msgq_timespec(uint64_t ns);
