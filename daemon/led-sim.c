/* SPDX-License-Identifier: MIT */
/*
 * The simulated LED, for machines without GPIO: its state lives in struct
 * led (led.c keeps it), so there is nothing to drive and nothing to release.
 */
#include <errno.h>
#include <stdio.h>

#include "led-private.h"

static int sim_set(struct led *l, bool on)
{
        (void) l;
        (void) on;
        return 0;
}

static void sim_close(struct led *l)
{
        (void) l;
}

const struct led_ops led_sim_ops = {
        .set = sim_set,
        .close = sim_close,
};

int led_open_sim(struct led **ret)
{
        struct led *l;

        if (!ret)
                return -EINVAL;
        l = led_new(false);
        *ret = l;
        if (!l)
                return -ENOMEM;
        l->ops = &led_sim_ops;
        snprintf(l->desc, sizeof(l->desc), "simulated");
        return 0;
}
