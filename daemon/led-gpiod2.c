/* SPDX-License-Identifier: MIT */
/*
 * LED backend on the libgpiod 2.x API (2.1 in bookworm-backports, 2.2 in
 * trixie).  A line request lives on without its chip, so the chip is closed
 * as soon as the line is requested.  Values are logical: the line settings
 * carry the active-low flag and the kernel inverts.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>

#include "led-private.h"

struct gpiod2 {
        struct gpiod_line_request *request;
        unsigned offset;
};

/* What led_describe() shows, read from the chip before the request. */
struct line_id {
        char chip[32];                  /* the kernel's chip name */
        char line[LED_LINE_NAME_MAX + 1];       /* "" when unnamed */
        unsigned offset;
};

static int gpiod2_set(struct led *l, bool on) {
        struct gpiod2 *g = l->priv;

        if (gpiod_line_request_set_value(g->request, g->offset,
                                         on ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
                return led_errno(errno);
        return 0;
}

static void gpiod2_close(struct led *l) {
        struct gpiod2 *g = l->priv;

        gpiod_line_request_release(g->request);
        free(g);
        l->priv = NULL;
}

static const struct led_ops gpiod2_ops = {
        .set = gpiod2_set,
        .close = gpiod2_close,
};

/* The chip's name and line count. */
static int read_chip_info(struct gpiod_chip *chip, struct line_id *id, size_t *num_lines) {
        struct gpiod_chip_info *info = gpiod_chip_get_info(chip);

        if (!info)
                return led_errno(errno);
        snprintf(id->chip, sizeof id->chip, "%s", gpiod_chip_info_get_name(info));
        *num_lines = gpiod_chip_info_get_num_lines(info);
        gpiod_chip_info_free(info);
        return 0;
}

/* The line's name, if it has one; failing to read it is no error. */
static void read_line_name(struct gpiod_chip *chip, struct line_id *id) {
        struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, id->offset);
        const char *name;

        if (!info)
                return;
        name = gpiod_line_info_get_name(info);
        snprintf(id->line, sizeof id->line, "%s", name ? name : "");
        gpiod_line_info_free(info);
}

/* Fill id for the line called name, or the one at offset when name is NULL. */
static int find_line(struct gpiod_chip *chip, const char *name, unsigned offset,
                     struct line_id *id) {
        size_t num_lines = 0;
        int r;

        r = read_chip_info(chip, id, &num_lines);
        if (r < 0)
                return r;
        if (name) {
                r = gpiod_chip_get_line_offset_from_name(chip, name);  /* ENOENT if absent */
                if (r < 0)
                        return led_errno(errno);
                offset = (unsigned) r;
        }
        if (offset >= num_lines)
                return -ENOENT;
        id->offset = offset;
        read_line_name(chip, id);
        return 0;
}

static int configure_output(struct gpiod_line_config *config, unsigned offset, bool active_low,
                            bool on) {
        struct gpiod_line_settings *settings = gpiod_line_settings_new();
        int r = 0;

        if (!settings)
                return -ENOMEM;
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_OUTPUT) < 0 ||
            gpiod_line_settings_set_output_value(settings, on ? GPIOD_LINE_VALUE_ACTIVE
                                                             : GPIOD_LINE_VALUE_INACTIVE) < 0)
                r = led_errno(errno);
        gpiod_line_settings_set_active_low(settings, active_low);
        if (r == 0 && gpiod_line_config_add_line_settings(config, &offset, 1, settings) < 0)
                r = led_errno(errno);
        gpiod_line_settings_free(settings);
        return r;
}

/*
 * Output, driven to on (logical: the settings carry active-low) by the
 * request itself, so the line shows no other level first.
 */
static int request_output(struct gpiod_chip *chip, unsigned offset, bool active_low, bool on,
                          const char *consumer, struct gpiod_line_request **ret) {
        struct gpiod_line_config *line_config = gpiod_line_config_new();
        struct gpiod_request_config *req_config = gpiod_request_config_new();
        int r = -ENOMEM;

        if (!line_config || !req_config)
                goto out;
        r = configure_output(line_config, offset, active_low, on);
        if (r < 0)
                goto out;
        gpiod_request_config_set_consumer(req_config, consumer);
        *ret = gpiod_chip_request_lines(chip, req_config, line_config);
        r = *ret ? 0 : led_errno(errno);        /* EBUSY: another consumer */
out:
        /* Not every 2.x release accepts NULL here. */
        if (req_config)
                gpiod_request_config_free(req_config);
        if (line_config)
                gpiod_line_config_free(line_config);
        return r;
}

int led_gpiod_request(struct led *l, const char *path, const char *name, unsigned offset,
                      const char *consumer) {
        struct line_id id = { .offset = 0 };
        struct gpiod_line_request *request = NULL;
        struct gpiod_chip *chip;
        struct gpiod2 *g;
        int r;

        g = calloc(1, sizeof *g);
        if (!g)
                return -ENOMEM;
        chip = gpiod_chip_open(path);
        if (!chip) {
                r = led_errno(errno);
                free(g);
                return r;
        }
        r = find_line(chip, name, offset, &id);
        if (r == 0)
                r = request_output(chip, id.offset, l->active_low, l->on, consumer, &request);
        gpiod_chip_close(chip);
        if (r < 0) {
                free(g);
                return r;
        }

        g->request = request;
        g->offset = id.offset;
        l->ops = &gpiod2_ops;
        l->priv = g;
        led_set_desc(l, id.chip, id.offset, id.line);
        return 0;
}
