/* SPDX-License-Identifier: MIT */
/*
 * LED backend on the libgpiod 2.x API (2.1 in bookworm-backports, 2.2 in
 * trixie).  The LEDs of one chip share one line request, each line with
 * its own settings; the request lives on without its chip, so the chip is
 * closed as soon as the lines are requested, and the request is released
 * with the last of its LEDs.  Values are logical: the line settings carry
 * the active-low flag and the kernel inverts.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>

#include "chip.h"
#include "led-private.h"

/* One request, shared by the LEDs of one chip (struct led's group). */
struct gpiod2_group {
        struct gpiod_line_request *request;
        unsigned offset[LED_MANY_MAX];  /* of each LED, by its index */
        size_t refs;                    /* LEDs not yet closed */
};

static enum gpiod_line_value value_of(bool on) {
        return on ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

static int gpiod2_set(struct led *l, bool on) {
        struct gpiod2_group *g = l->group;

        if (gpiod_line_request_set_value(g->request, g->offset[l->index], value_of(on)) < 0)
                return led_errno(errno);
        return 0;
}

static int gpiod2_set_many(struct led *const *leds, const bool *on, size_t n) {
        struct gpiod2_group *g = leds[0]->group;
        enum gpiod_line_value values[LED_MANY_MAX];
        unsigned offsets[LED_MANY_MAX];

        if (n > LED_MANY_MAX)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                offsets[i] = g->offset[leds[i]->index];
                values[i] = value_of(on[i]);
        }
        if (gpiod_line_request_set_values_subset(g->request, n, offsets, values) < 0)
                return led_errno(errno);
        return 0;
}

static void gpiod2_close(struct led *l) {
        struct gpiod2_group *g = l->group;

        if (--g->refs == 0) {
                gpiod_line_request_release(g->request);
                free(g);
        }
        l->group = NULL;
}

static const struct led_ops gpiod2_ops = {
        .set = gpiod2_set,
        .set_many = gpiod2_set_many,
        .close = gpiod2_close,
};

struct outputs {
        struct led *const *leds;
        const struct led_line *const *lines;
        size_t n;
};

/* Each line an output driven to its LED's level from the request on. */
static int configure_outputs(struct gpiod_line_config *config, void *ctx) {
        const struct outputs *o = ctx;
        struct gpiod_line_settings *settings = gpiod_line_settings_new();
        int r = 0;

        if (!settings)
                return -ENOMEM;
        for (size_t i = 0; r == 0 && i < o->n; i++) {
                unsigned offset = o->lines[i]->id.offset;

                gpiod_line_settings_reset(settings);
                if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
                    gpiod_line_settings_set_output_value(settings, value_of(o->leds[i]->on)) < 0)
                        r = led_errno(errno);
                gpiod_line_settings_set_active_low(settings, o->leds[i]->active_low);
                /* The config keeps its own copy of the settings for the offset. */
                if (r == 0 && gpiod_line_config_add_line_settings(config, &offset, 1, settings) < 0)
                        r = led_errno(errno);
        }
        gpiod_line_settings_free(settings);
        return r;
}

static int request(struct led *const *leds, const struct led_line *const *lines, size_t n,
                   const char *consumer) {
        struct outputs o = { leds, lines, n };
        struct gpiod2_group *g;
        struct gpiod_chip *chip;
        int r;

        if (n == 0 || n > LED_MANY_MAX)
                return -EINVAL;
        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        r = chip_open(lines[0]->path, &chip);
        if (r == 0) {
                r = chip_request_lines(chip, consumer, 0, configure_outputs, &o, &g->request);
                gpiod_chip_close(chip);
        }
        if (r < 0) {
                free(g);
                return r;
        }
        g->refs = n;
        for (size_t i = 0; i < n; i++) {
                g->offset[i] = lines[i]->id.offset;
                leds[i]->ops = &gpiod2_ops;
                leds[i]->group = g;
                leds[i]->index = (unsigned) i;
                led_set_desc(leds[i], lines[i]->id.chip, lines[i]->id.offset, lines[i]->id.name);
        }
        return 0;
}

const struct led_backend led_gpiod_backend = {
        .locate = chip_locate,
        .request = request,
};
