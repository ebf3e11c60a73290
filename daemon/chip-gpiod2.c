/* SPDX-License-Identifier: MIT */
/*
 * chip.h on the libgpiod 2.x API: a line found by name or offset with what
 * the kernel says of it, and one request for a chip's lines, for the LED
 * and input backends alike.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>

#include "chip.h"
#include "led-private.h"

static int chip_name_and_size(struct gpiod_chip *chip, struct chip_line *line, size_t *num_lines) {
        struct gpiod_chip_info *info = gpiod_chip_get_info(chip);

        if (!info)
                return led_errno(errno);
        snprintf(line->chip, sizeof line->chip, "%s", gpiod_chip_info_get_name(info));
        *num_lines = gpiod_chip_info_get_num_lines(info);
        gpiod_chip_info_free(info);
        return 0;
}

/* The line's name, consumer and use; failing to read them is no error. */
static void read_line_info(struct gpiod_chip *chip, struct chip_line *line) {
        struct gpiod_line_info *info = gpiod_chip_get_line_info(chip, line->offset);
        const char *name, *consumer;

        if (!info)
                return;
        name = gpiod_line_info_get_name(info);
        consumer = gpiod_line_info_get_consumer(info);
        snprintf(line->name, sizeof line->name, "%s", name ? name : "");
        snprintf(line->consumer, sizeof line->consumer, "%s", consumer ? consumer : "");
        line->used = gpiod_line_info_is_used(info);
        gpiod_line_info_free(info);
}

int chip_find_line(struct gpiod_chip *chip, const char *name, unsigned offset, struct chip_line *line) {
        size_t num_lines = 0;
        int r;

        *line = (struct chip_line) { .offset = 0 };
        r = chip_name_and_size(chip, line, &num_lines);
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
        line->offset = offset;
        read_line_info(chip, line);
        return 0;
}

int chip_request_lines(struct gpiod_chip *chip, const char *consumer, unsigned event_buffer,
                       chip_configure_fn configure, void *ctx, struct gpiod_line_request **ret) {
        struct gpiod_line_config *line_config = gpiod_line_config_new();
        struct gpiod_request_config *req_config = gpiod_request_config_new();
        int r = -ENOMEM;

        if (!line_config || !req_config)
                goto out;
        r = configure(line_config, ctx);
        if (r < 0)
                goto out;
        gpiod_request_config_set_consumer(req_config, consumer);
        if (event_buffer > 0)
                gpiod_request_config_set_event_buffer_size(req_config, event_buffer);
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
