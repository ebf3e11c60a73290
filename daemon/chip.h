/* SPDX-License-Identifier: MIT */
/*
 * A GPIO chip's lines as libgpiod finds them: what the LED and input
 * backends share (chip.c, and chip-gpiod1.c or chip-gpiod2.c for the
 * libgpiod API meson found).  Both APIs call their chip handle struct gpiod_chip, so
 * this header needs no gpiod.h, and led.c, which builds without libgpiod,
 * can hold a struct chip_line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "msgq-build.h"

/* The kernel's chip, line and consumer names hold at most 31 characters. */
#define CHIP_NAME_MAX 31

/* A line found on a chip, as the kernel describes it. */
struct chip_line {
        char chip[CHIP_NAME_MAX + 1];           /* the chip's kernel name ("gpiochip0"): one chip, one name */
        char name[CHIP_NAME_MAX + 1];           /* the line's name, "" when it has none */
        char consumer[CHIP_NAME_MAX + 1];       /* who holds it, "" when nobody (or nameless) */
        unsigned offset;
        bool used;                              /* held by a request, the kernel's or a program's */
};

struct gpiod_chip;

/*
 * Open the chip at path: 0, or -ENOENT when path is no GPIO chip,
 * otherwise -errno (as led_errno() reports it).
 */
int chip_open(const char *path, struct gpiod_chip **ret);
/*
 * Fill *line for the line of chip called name, or the one at offset when
 * name is NULL: 0, -ENOENT when the chip has no such line, or -errno.
 */
int chip_find_line(struct gpiod_chip *chip, const char *name, unsigned offset, struct chip_line *line);
/* chip_find_line() on the chip at path, opened and closed again. */
int chip_locate(const char *path, const char *name, unsigned offset, struct chip_line *line);

#if MSGQ_GPIOD_API == 2
struct gpiod_line_config;
struct gpiod_line_request;

/* Adds the request's lines and their settings to config: 0 or -errno. */
typedef int (*chip_configure_fn)(struct gpiod_line_config *config, void *ctx);
/*
 * One request of chip for the lines configure adds, named consumer, with
 * a kernel buffer of event_buffer edges (0: the kernel's default): 0 and
 * *ret, or -errno (-EBUSY: a line is held by another consumer).
 */
int chip_request_lines(struct gpiod_chip *chip, const char *consumer, unsigned event_buffer,
                       chip_configure_fn configure, void *ctx, struct gpiod_line_request **ret);
#endif
