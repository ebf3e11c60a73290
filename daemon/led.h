/* SPDX-License-Identifier: MIT */
/*
 * One LED on one GPIO line.  Backends: libgpiod (v1 or v2 API, chosen at
 * configure time) and a simulated LED for machines without GPIO.
 * Not thread-safe: lines (lines.h) serialises access.
 */
#pragma once

#include <stdbool.h>

struct led;

/*
 * Request the line named by spec: a line name ("GPIO17", searched on every
 * chip) or "CHIP:OFFSET" (chip by name, path or number: "gpiochip0:17",
 * "/dev/gpiochip4:17", "0:17").  The line is requested as an output at the
 * level of on (LED on or off) from the first instant: a line that already
 * shows that level (left so by the msgqd before) sees no edge.
 * Errors: -ENOENT no such chip or line, -EBUSY line used by another
 * consumer, -EACCES/-EPERM no access to the chip, -EINVAL bad spec.
 */
int led_open_gpio(struct led **ret, const char *spec, bool active_low, bool on, const char *consumer);
/* The simulated LED, on or off from the start. */
int led_open_sim(struct led **ret, bool on);
int led_set(struct led *l, bool on);
bool led_get(const struct led *l);
/* "gpiochip0 line 17 (GPIO17)" or "simulated". */
const char *led_describe(const struct led *l);
/* Turns the LED off (drives it only when on) and releases the line; NULL is fine. */
void led_close(struct led *l);
/*
 * Releases the line as it is, lit or not; NULL is fine.  Whether the line
 * keeps its level then is the GPIO driver's choice (the PL061 keeps it;
 * some drivers make it an input again).
 */
void led_release(struct led *l);
