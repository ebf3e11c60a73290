/* SPDX-License-Identifier: MIT */
/*
 * One LED on one GPIO line.  Backends: libgpiod (v1 or v2 API, chosen at
 * configure time) and a simulated LED for machines without GPIO.
 * Not thread-safe: lines (lines.h) serialises access.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct led;

/* One line for led_open_gpio_many(): led_open_gpio()'s arguments. */
struct led_want {
        const char *spec;
        bool active_low;
        bool on;
};

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
/*
 * Open n lines (at most 64) as led_open_gpio() opens one, ret[i] for
 * want[i]: every want's line is found first, then the lines of one chip
 * are requested together in one request, each at its own start level and
 * active_low, so that no line shows another level first and
 * led_set_many() changes them in one kernel call.  On an error nothing
 * stays open, *failed (when failed is not NULL) is the index of the want
 * at fault and the error is led_open_gpio()'s for it (for -EBUSY, the
 * first line of its chip held by another consumer), or -EADDRINUSE when
 * it is the line of an earlier want (two specs that name one line
 * differently), or -E2BIG for more than 64 wants.
 * The LEDs of one request share it: closing or releasing one of them
 * leaves its line requested, at the level it has then (led_close() drives
 * it off first), until the last LED of the request closes and the request
 * is released.
 */
int led_open_gpio_many(struct led **ret, const struct led_want *want, size_t n,
                       const char *consumer, size_t *failed);
/*
 * Drive leds[i] to on[i], for i < n (each LED at most once, at most 64):
 * the lines of one chip (of one led_open_gpio_many() request) in one
 * kernel call, so that they change together; simulated LEDs and lines
 * requested apart one by one.  0, or -errno of the first call that failed
 * (the calls go in the order of each chip's first LED), *failed (when
 * failed is not NULL) the index of the LED whose call it was (its chip's
 * first); led_get() tells each LED's level then.
 */
int led_set_many(struct led *const *leds, const bool *on, size_t n, size_t *failed);
/*
 * Who holds the line of spec, as the kernel tells it: 0 with the name
 * another program gave its request (or a kernel driver's label) in buf,
 * "" when the line is free or its holder gave no name; otherwise
 * led_open_gpio()'s error for spec.  For a message after -EBUSY.
 */
int led_line_consumer(const char *spec, char *buf, size_t size);
bool led_get(const struct led *l);
/* The chip's name ("gpiochip0"; "sim" when simulated) and the line's offset on it (0 when simulated). */
const char *led_chip(const struct led *l, unsigned *offset);
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
