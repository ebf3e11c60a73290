/* SPDX-License-Identifier: MIT */
/*
 * LED backend on the libgpiod 1.x API (1.6 in Debian and Raspberry Pi OS
 * bookworm).  The LEDs of one chip share one bulk request; the chip handle
 * owns the line handles, so both stay open until the last of the LEDs is
 * closed.  The kernel's v1 request takes one set of flags for all its
 * lines and sets all of them at once, so the lines are requested
 * active-high, msgqd inverts an active-low LED's value itself, and every
 * change writes each line of the request: the changed ones at their new
 * level, the others at the level they have.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>

#include "chip.h"
#include "led-private.h"

/* One bulk request, shared by the LEDs of one chip (struct led's group). */
struct gpiod1_group {
        struct gpiod_chip *chip;
        struct gpiod_line_bulk bulk;    /* the lines, belonging to chip, by the LEDs' index */
        int level[GPIOD_LINE_BULK_MAX_LINES];   /* each line's physical level, as driven */
        size_t refs;                    /* LEDs not yet closed */
};

static int level_of(const struct led *l, bool on) {
        return on != l->active_low;
}

/* Write every line of the group: leds[i] at on[i], the others as they are. */
static int gpiod1_set_many(struct led *const *leds, const bool *on, size_t n) {
        struct gpiod1_group *g = leds[0]->group;
        unsigned num = gpiod_line_bulk_num_lines(&g->bulk);
        int level[GPIOD_LINE_BULK_MAX_LINES];

        for (unsigned i = 0; i < num; i++)
                level[i] = g->level[i];
        for (size_t i = 0; i < n; i++)
                level[leds[i]->index] = level_of(leds[i], on[i]);
        if (gpiod_line_set_value_bulk(&g->bulk, level) < 0)
                return led_errno(errno);
        for (unsigned i = 0; i < num; i++)
                g->level[i] = level[i];
        return 0;
}

static int gpiod1_set(struct led *l, bool on) {
        return gpiod1_set_many(&l, &on, 1);
}

static void gpiod1_close(struct led *l) {
        struct gpiod1_group *g = l->group;

        if (--g->refs == 0) {
                gpiod_line_release_bulk(&g->bulk);
                gpiod_chip_close(g->chip);
                free(g);
        }
        l->group = NULL;
}

static const struct led_ops gpiod1_ops = {
        .set = gpiod1_set,
        .set_many = gpiod1_set_many,
        .close = gpiod1_close,
};

/* The lines into the group's bulk, each at its LED's start level, and the request. */
static int request_bulk(struct gpiod1_group *g, struct led *const *leds,
                        const struct led_line *const *lines, size_t n, const char *consumer) {
        const struct gpiod_line_request_config config = {
                .consumer = consumer,
                .request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
        };

        gpiod_line_bulk_init(&g->bulk);
        for (size_t i = 0; i < n; i++) {
                struct gpiod_line *line = gpiod_chip_get_line(g->chip, lines[i]->id.offset);

                if (!line)
                        return led_errno(errno);
                gpiod_line_bulk_add(&g->bulk, line);
                g->level[i] = level_of(leds[i], leds[i]->on);
        }
        if (gpiod_line_request_bulk(&g->bulk, &config, g->level) < 0)
                return led_errno(errno);        /* EBUSY: another consumer */
        return 0;
}

static int request(struct led *const *leds, const struct led_line *const *lines, size_t n,
                   const char *consumer) {
        struct gpiod1_group *g;
        int r;

        if (n == 0 || n > LED_MANY_MAX || n > GPIOD_LINE_BULK_MAX_LINES)
                return -EINVAL;
        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        r = chip_open(lines[0]->path, &g->chip);
        if (r == 0)
                r = request_bulk(g, leds, lines, n, consumer);
        if (r < 0) {
                if (g->chip)
                        gpiod_chip_close(g->chip);
                free(g);
                return r;
        }
        g->refs = n;
        for (size_t i = 0; i < n; i++) {
                leds[i]->ops = &gpiod1_ops;
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
