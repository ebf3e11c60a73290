/* SPDX-License-Identifier: MIT */
/*
 * One input on one GPIO line: its edges as the kernel reports them, with
 * the kernel's timestamp and sequence number, what the kernel lost, and
 * msgqd's debounce where the kernel does none (doc/PROTOCOL.md, Inputs).
 * Backends: libgpiod (v1 or v2 API, chosen at configure time) and a
 * simulated input whose level tests set (input-sim.c).
 *
 * An idle input costs nothing: the owner waits on input_fd() with its
 * other sources, and arms one timer at input_deadline() while a line
 * bounces under msgqd's debounce.  Not thread-safe.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "input-config.h"

struct input;

enum input_bias {
        INPUT_BIAS_AS_IS,               /* left as the chip has it */
        INPUT_BIAS_PULL_UP,
        INPUT_BIAS_PULL_DOWN,
        INPUT_BIAS_DISABLED,
};

/* The edges an input numbers and counts: a bit set. */
enum input_edges {
        INPUT_EDGE_RISING = 1,
        INPUT_EDGE_FALLING = 2,
        INPUT_EDGE_BOTH = 3,
};

/* Who debounces: nobody (no debounce), the kernel, or msgqd. */
enum input_debounce_by {
        INPUT_DEBOUNCE_NONE,
        INPUT_DEBOUNCE_KERNEL,
        INPUT_DEBOUNCE_MSGQD,
};

/* The longest debounce, in microseconds: 1 s, as msgq.conf takes it. */
#define INPUT_DEBOUNCE_MAX_US MSGQ_DEBOUNCE_MAX_US

struct input_settings {
        bool active_low;                /* the level is on when the line is low */
        enum input_bias bias;
        unsigned edges;                 /* enum input_edges: 1 to 3 */
        uint32_t debounce_us;           /* 0: none; at most INPUT_DEBOUNCE_MAX_US */
};

/* One edge, as msgqd records it. */
struct input_event {
        bool rising;                    /* of the level (after active-low) */
        bool level;                     /* the level after the edge */
        uint64_t kernel_ns;             /* the kernel's CLOCK_MONOTONIC timestamp */
        uint32_t kernel_seqno;          /* the kernel's number of the edge on this line; 0 none */
        uint32_t lost;                  /* edges lost just before this one */
        bool lost_at_least;             /* lost is a lower bound (no kernel numbers) */
        bool debounced;                 /* by msgqd (its timestamp is the last raw edge's) */
};

/* 0, or -EINVAL when a setting is out of range. */
int input_settings_check(const struct input_settings *s);

/*
 * Request the line named by spec (as led_open_gpio(): a line name or
 * CHIP:OFFSET) as an input with s's bias, edges and debounce.  Errors:
 * -ENOENT no such chip or line, -EBUSY used by another consumer,
 * -EACCES/-EPERM no access, -EINVAL bad spec or settings, -EOPNOTSUPP
 * built without libgpiod.
 */
int input_open_gpio(struct input **ret, const char *spec, const struct input_settings *s,
                    const char *consumer);
/*
 * The simulated input called name.  With MSGQD_SIM_INPUTS set to a
 * directory, its level is set from outside: a FIFO DIR/NAME takes bytes
 * '1' (line high) and '0' (low), and 'o' (the kernel drops the next edge,
 * as when its buffer overflows); DIR/NAME.level keeps the line's level
 * between two msgqd, so a test may change it while none runs.  Without
 * it, only input_sim_write() sets it.  The line starts at its level file's
 * level, else high with pull-up and low otherwise.
 */
int input_open_sim(struct input **ret, const struct input_settings *s, const char *name);
/* Write bytes to a simulated input, as a test would to its FIFO; -EINVAL for another backend. */
int input_sim_write(struct input *in, const char *bytes);

/* The descriptor that becomes readable when the kernel has edges. */
int input_fd(const struct input *in);
/*
 * Take the edges the kernel has (none when it has none: never blocks),
 * at most max into ev, oldest first: their number, or -errno.  Call
 * again while it returns max.  Edges debounced by msgqd come from
 * input_settle() instead.
 */
int input_read(struct input *in, struct input_event *ev, size_t max);
/* When to call input_settle() (CLOCK_MONOTONIC ns); 0: no debounce waits. */
uint64_t input_deadline(const struct input *in);
/* At now_ns: 1 and *ev when a debounced edge is due, else 0. */
int input_settle(struct input *in, uint64_t now_ns, struct input_event *ev);
/* The level after the last edge recorded (or read at the start). */
bool input_level(const struct input *in);
/* Read the line's level now: 0 or -errno. */
int input_get(struct input *in, bool *level);
enum input_debounce_by input_debounce_by(const struct input *in);
/* The chip's name ("gpiochip0"; "sim" for a simulated input) and the line's offset on it. */
const char *input_chip(const struct input *in, unsigned *offset);
/* "gpiochip0 line 5, input" or "simulated input door". */
const char *input_describe(const struct input *in);
/* Release the line; NULL is fine. */
void input_close(struct input *in);
