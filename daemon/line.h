/* SPDX-License-Identifier: MIT */
/*
 * One line: an output, with its LED backend (led.h), its level and its
 * blink; or an input (input.h), with the level after its last edge
 * recorded (which only the table changes, and never a request).  A
 * line knows nothing of locks, change numbers, watchers or the state file:
 * each call that can change the line says whether it did (*changed, or the
 * return of line_tick()), and the table (lines.h), which holds the lock,
 * numbers the change and tells whoever waits for it.
 *
 * Blinking: the first toggle is made at line_blink() (on), the others by
 * line_tick() when next_usec is due, every half period; remaining counts the
 * toggles left (0 while blinking = forever), an odd number, so that a
 * counted blink ends off.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "input.h"
#include "led.h"
#include "ledstate.h"
#include "protocol.h"

struct line {
        struct led *led;        /* an output's; NULL for an input */
        struct input *input;    /* an input's; NULL for an output */
        bool level;             /* an input: the level after the last change recorded */
        char name[MSGQ_LINE_NAME_MAX + 1]; /* "led": the default output */
        bool blinking;
        uint32_t period_ms;
        uint32_t remaining;     /* toggles left; 0 while blinking = forever */
        uint64_t next_usec;     /* when the next toggle is due (CLOCK_MONOTONIC, µs) */
};

/* CLOCK_MONOTONIC in µs, as sd-event's timers count. */
uint64_t line_now_usec(void);
/* Take up led (owned from now on) as the line called name, not blinking. */
void line_init(struct line *l, struct led *led, const char *name);
/* Take up in (owned from now on) as the input called name, at in's level. */
void line_init_input(struct line *l, struct input *in, const char *name);
/* What the log calls the line: "LED" for the default output, else its name. */
const char *line_label(const struct line *l);
/* The line's level and blink into st (st->changes is the table's; untouched). */
void line_state(const struct line *l, struct msgq_led_state *st);
/* The line's level and blink as the state file keeps them (not what identifies it, nor its seq). */
void line_snapshot(const struct line *l, struct ledstate_line *s);
/* Take up s's blink (the line was opened at s->on). */
void line_restore(struct line *l, const struct ledstate_line *s);
/* A direct command (set to on, or toggle), which ends any blinking; led_set()'s result (-EPERM: an input). */
int line_set(struct line *l, bool toggle, bool on, bool *changed);
/* End any blinking, leaving the level as it is: whether it was blinking. */
bool line_stop_blink(struct line *l);
/* Start blinking (on now): count = blinks (on/off cycles), 0 = forever; 0 or -errno (-EPERM: an input). */
int line_blink(struct line *l, uint32_t period_ms, uint32_t count);
/* The blink timer fired at usec: make the toggle due; true when that ended the blink. */
bool line_tick(struct line *l, uint64_t usec);
/* Stop blinking and let the line go: left as it is (keep), or turned off; an input is released. */
void line_done(struct line *l, bool keep);
