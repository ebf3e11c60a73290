/* SPDX-License-Identifier: MIT */
/*
 * The simulated LED, for machines without GPIO: its state lives in struct
 * led (led.c keeps it), so there is nothing to drive and nothing to release.
 * MSGQD_SIM_DELAY_MS makes every change take that long, as a slow or hung
 * GPIO driver would (to try out timeouts and the watchdog).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "led-private.h"
#include "parse.h"

static int sim_set(struct led *l, bool on) {
        unsigned long ms = (unsigned long) (uintptr_t) l->priv;

        (void) on;
        if (ms > 0)
                nanosleep(&(struct timespec) { .tv_sec = (time_t) (ms / 1000),
                                               .tv_nsec = (long) (ms % 1000) * 1000000L }, NULL);
        return 0;
}

static void sim_close(struct led *l) {
        (void) l;
}

const struct led_ops led_sim_ops = {
        .set = sim_set,
        .close = sim_close,
};

int led_open_sim(struct led **ret, bool on) {
        const char *delay;
        struct led *l;
        unsigned long ms;
        int r;

        if (!ret)
                return -EINVAL;
        l = led_new(false, on);
        *ret = l;
        if (!l)
                return -ENOMEM;
        l->ops = &led_sim_ops;
        snprintf(l->desc, sizeof l->desc, "simulated");
        delay = getenv("MSGQD_SIM_DELAY_MS");
        if (delay && *delay) {
                r = msgq_parse_uint(delay, 0, 3600000, &ms);
                if (r < 0) {
                        led_close(l);
                        *ret = NULL;
                        return r;
                }
                l->priv = (void *) (uintptr_t) ms;
                if (ms > 0)
                        snprintf(l->desc, sizeof l->desc, "simulated, %lu ms a change", ms);
        }
        return 0;
}
