/* SPDX-License-Identifier: MIT */
/*
 * LED backend on the libgpiod 1.x API (1.6 in Debian and Raspberry Pi OS
 * bookworm).  The chip handle owns the line handle, so both stay open until
 * the LED is closed.  Values are logical: the line is requested with
 * GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW when the LED is active-low, and the
 * kernel inverts.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdlib.h>

#include "led-private.h"

struct gpiod1 {
        struct gpiod_chip *chip;
        struct gpiod_line *line;        /* belongs to chip */
};

static int gpiod1_set(struct led *l, bool on) {
        struct gpiod1 *g = l->priv;

        if (gpiod_line_set_value(g->line, on ? 1 : 0) < 0)
                return led_errno(errno);
        return 0;
}

static void gpiod1_close(struct led *l) {
        struct gpiod1 *g = l->priv;

        gpiod_line_release(g->line);
        gpiod_chip_close(g->chip);
        free(g);
        l->priv = NULL;
}

static const struct led_ops gpiod1_ops = {
        .set = gpiod1_set,
        .close = gpiod1_close,
};

/* The line called name, or the one at offset when name is NULL. */
static int find_line(struct gpiod_chip *chip, const char *name, unsigned offset,
                     struct gpiod_line **ret) {
        struct gpiod_line *line;

        if (name) {
                line = gpiod_chip_find_line(chip, name);        /* ENOENT if absent */
        } else {
                if (offset >= gpiod_chip_num_lines(chip))
                        return -ENOENT;
                line = gpiod_chip_get_line(chip, offset);
        }
        if (!line)
                return led_errno(errno);
        *ret = line;
        return 0;
}

/*
 * Output, driven to on (logical: the kernel applies active-low) by the
 * request itself, so the line shows no other level first.
 */
static int request_output(struct gpiod_line *line, bool active_low, bool on, const char *consumer) {
        const struct gpiod_line_request_config config = {
                .consumer = consumer,
                .request_type = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
                .flags = active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0,
        };

        if (gpiod_line_request(line, &config, on ? 1 : 0) < 0)
                return led_errno(errno);        /* EBUSY: another consumer */
        return 0;
}

int led_gpiod_request(struct led *l, const char *path, const char *name, unsigned offset,
                      const char *consumer) {
        struct gpiod1 *g;
        int r;

        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        g->chip = gpiod_chip_open(path);
        if (!g->chip) {
                r = led_errno(errno);
                goto fail;
        }
        r = find_line(g->chip, name, offset, &g->line);
        if (r < 0)
                goto fail;
        r = request_output(g->line, l->active_low, l->on, consumer);
        if (r < 0)
                goto fail;

        l->ops = &gpiod1_ops;
        l->priv = g;
        led_set_desc(l, gpiod_chip_name(g->chip), gpiod_line_offset(g->line),
                     gpiod_line_name(g->line));
        return 0;
fail:
        if (g->chip)
                gpiod_chip_close(g->chip);
        free(g);
        return r;
}
