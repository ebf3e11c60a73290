/* SPDX-License-Identifier: MIT */
/*
 * The part of chip.h that reads alike in libgpiod 1.6 and 2.x: a chip
 * opened and closed by path (chip-gpiod1.c or chip-gpiod2.c find the line).
 */
#include <errno.h>
#include <gpiod.h>

#include "chip.h"
#include "led-private.h"

int chip_open(const char *path, struct gpiod_chip **ret) {
        *ret = gpiod_chip_open(path);
        return *ret ? 0 : led_errno(errno);
}

int chip_locate(const char *path, const char *name, unsigned offset, struct chip_line *line) {
        struct gpiod_chip *chip;
        int r = chip_open(path, &chip);

        if (r < 0)
                return r;
        r = chip_find_line(chip, name, offset, line);
        gpiod_chip_close(chip);
        return r;
}
