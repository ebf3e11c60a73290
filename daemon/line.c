/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include <string.h>

#include "clock.h"
#include "line.h"
#include "log.h"

uint64_t line_now_usec(void) {
        return msgq_now_ns() / 1000u;
}

void line_init(struct line *l, struct led *led, const char *name) {
        *l = (struct line) { .led = led };
        snprintf(l->name, sizeof l->name, "%s", name);
}

void line_init_input(struct line *l, struct input *in, const char *name) {
        *l = (struct line) { .input = in, .level = input_level(in) };
        snprintf(l->name, sizeof l->name, "%s", name);
}

const char *line_label(const struct line *l) {
        return strcmp(l->name, MSGQ_LINE_DEFAULT) == 0 ? "LED" : l->name;
}

void line_state(const struct line *l, struct msgq_led_state *st) {
        st->on = l->input ? l->level : led_get(l->led);
        st->blinking = l->blinking;
        st->period_ms = l->blinking ? l->period_ms : 0;
        st->remaining = l->blinking ? l->remaining : 0;
}

void line_snapshot(const struct line *l, struct ledstate_line *s) {
        s->on = l->input ? l->level : led_get(l->led);
        s->blinking = l->blinking;
        s->period_ms = s->remaining = 0;
        s->next_toggle_us = 0;
        if (!l->blinking)
                return;
        s->period_ms = l->period_ms;
        s->remaining = l->remaining;
        /* The next toggle, moved from CLOCK_MONOTONIC to CLOCK_BOOTTIME. */
        s->next_toggle_us = ledstate_now_us() + (uint64_t) ((int64_t) l->next_usec - (int64_t) line_now_usec());
}

void line_restore(struct line *l, const struct ledstate_line *s) {
        uint64_t now = ledstate_now_us();

        if (l->input) /* its level is the line's, read at the start */
                return;
        l->blinking = s->blinking;
        l->period_ms = s->period_ms;
        l->remaining = s->remaining;
        /*
         * The next toggle, moved from CLOCK_BOOTTIME to CLOCK_MONOTONIC.  Past
         * already (opening the line waited for udev): half a period from
         * now, rather than the toggles missed meanwhile in a burst.
         */
        l->next_usec = line_now_usec() + (s->next_toggle_us > now ? s->next_toggle_us - now
                                                                  : (uint64_t) s->period_ms * 500u);
}

int line_set(struct line *l, bool toggle, bool on, bool *changed) {
        bool was_on = led_get(l->led), was_blinking = l->blinking;
        int r;

        *changed = false;
        if (l->input) /* never driven */
                return -EPERM;
        l->blinking = false;
        r = led_set(l->led, toggle ? !was_on : on);
        *changed = was_blinking || led_get(l->led) != was_on;
        return r;
}

bool line_stop_blink(struct line *l) {
        bool was = l->blinking;

        l->blinking = false;
        return was;
}

int line_blink(struct line *l, uint32_t period_ms, uint32_t count) {
        int r;

        if (l->input)
                return -EPERM;
        if (period_ms < MSGQ_BLINK_PERIOD_MIN_MS || period_ms > MSGQ_BLINK_PERIOD_MAX_MS ||
            count > MSGQ_BLINK_COUNT_MAX)
                return -EINVAL;
        r = led_set(l->led, true); /* the first toggle: on now */
        if (r < 0) {
                l->blinking = false;
                return r;
        }
        l->blinking = true;
        l->period_ms = period_ms;
        l->remaining = count ? 2 * count - 1 : 0;
        l->next_usec = line_now_usec() + (uint64_t) period_ms * 500u;
        return 0;
}

bool line_tick(struct line *l, uint64_t usec) {
        bool ended = false;

        if (!l->blinking || usec < l->next_usec)
                return false;
        if (led_set(l->led, !led_get(l->led)) < 0)
                log_warning("blink: cannot drive the %s: %m", line_label(l));
        if (l->remaining > 0 && --l->remaining == 0) {
                l->blinking = false; /* an even number of toggles: ends off */
                ended = true;
        }
        l->next_usec += (uint64_t) l->period_ms * 500u;
        return ended;
}

void line_done(struct line *l, bool keep) {
        l->blinking = false;
        if (l->input) {
                input_close(l->input);
                l->input = NULL;
                return;
        }
        if (keep) {
                if (l->led)
                        log_info("%s left %s (%s = keep)", line_label(l), led_get(l->led) ? "on" : "off",
                                 l->name[0] && strcmp(l->name, MSGQ_LINE_DEFAULT) ? "stop" : "led_stop");
                led_release(l->led);
        } else {
                if (led_get(l->led) && led_set(l->led, false) < 0) /* off already: not driven again */
                        log_warning("cannot turn the %s off: %m", line_label(l));
                led_close(l->led);
        }
        l->led = NULL;
}
