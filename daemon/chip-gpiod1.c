/* SPDX-License-Identifier: MIT */
/*
 * chip.h on the libgpiod 1.x API (1.6): a line found by name or offset
 * with what the kernel says of it, for the LED and input backends alike.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>

#include "chip.h"
#include "led-private.h"

int chip_find_line(struct gpiod_chip *chip, const char *name, unsigned offset, struct chip_line *line) {
        struct gpiod_line *l;
        const char *s;

        *line = (struct chip_line) { .offset = 0 };
        if (name)
                l = gpiod_chip_find_line(chip, name);   /* ENOENT if absent */
        else if (offset < gpiod_chip_num_lines(chip))
                l = gpiod_chip_get_line(chip, offset);  /* reads the line's info */
        else
                return -ENOENT;
        if (!l)
                return led_errno(errno);
        snprintf(line->chip, sizeof line->chip, "%s", gpiod_chip_name(chip));
        line->offset = gpiod_line_offset(l);
        s = gpiod_line_name(l);
        snprintf(line->name, sizeof line->name, "%s", s ? s : "");
        s = gpiod_line_consumer(l);
        snprintf(line->consumer, sizeof line->consumer, "%s", s ? s : "");
        line->used = gpiod_line_is_used(l);
        return 0;
}
