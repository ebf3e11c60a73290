/* SPDX-License-Identifier: MIT */
/*
 * Between led.c and its backends (led-sim.c, led-gpiod1.c or led-gpiod2.c),
 * and for the unit tests.  Not part of the daemon's interface: use led.h.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "led.h"

#define LED_DESC_MAX     128
/* Longest spec led_open_gpio() accepts, in characters. */
#define LED_SPEC_MAX     255
/* The kernel's line names hold at most 31 characters (GPIO_MAX_NAME_SIZE). */
#define LED_LINE_NAME_MAX 31
#define LED_DEV_DIR      "/dev"

struct led_ops {
        /* Drive the line to the logical value on (active-low is the
         * backend's business); 0 or -errno. */
        int (*set)(struct led *l, bool on);
        /* Release whatever the backend holds, leaving the line's level. */
        void (*close)(struct led *l);
};

struct led {
        const struct led_ops *ops;
        bool on;                        /* logical state, before active-low */
        bool active_low;
        char desc[LED_DESC_MAX];
        void *priv;                     /* the backend's */
};

/* A parsed spec: either a line name to search for, or a chip and offset. */
struct led_spec {
        bool by_name;
        char name[LED_LINE_NAME_MAX + 1];       /* when by_name */
        char chip[LED_SPEC_MAX + 8];            /* device path, when !by_name */
        unsigned offset;                        /* when !by_name */
};

/* led.c */
extern const int led_gpiod_api;         /* MSGQ_GPIOD_API: 0, 1 or 2 */
int led_parse_spec(const char *spec, struct led_spec *s);
/*
 * The GPIO chip devices in dir ("gpiochipN", symbolic links left out, as
 * they point at one of the others), by increasing N.  *ret is a
 * NULL-terminated array of full paths; free it with led_free_paths().
 */
int led_chip_paths(const char *dir, char ***ret);
void led_free_paths(char **paths);
/*
 * Find the line of spec: try(ctx, path, name, offset) on every GPIO chip
 * in turn for a line name (name set, offset 0), or on spec's chip for
 * CHIP:OFFSET (name NULL), until it returns 0 or -EBUSY; try returns
 * -ENOENT when the chip has no such line.  led_open_gpio() and
 * input_open_gpio() request their lines through it.  -EOPNOTSUPP when
 * built without libgpiod.
 */
typedef int (*led_try_fn)(void *ctx, const char *path, const char *name, unsigned offset);
int led_find_line(const struct led_spec *s, led_try_fn try, void *ctx);
/* errno after a failed libgpiod call, as led_open_gpio() reports it. */
int led_errno(int err);
/* A zeroed LED with no backend yet, whose line is to start at on; NULL when out of memory. */
struct led *led_new(bool active_low, bool on);
void led_set_desc(struct led *l, const char *chip, unsigned offset, const char *line_name);

/* led-sim.c */
extern const struct led_ops led_sim_ops;

/*
 * led-gpiod1.c or led-gpiod2.c: open the chip at path and request one of its
 * lines as an output driven to l->on (logical) in the request itself, so
 * that the line shows no other level first, honouring l->active_low: the
 * line called name, or the one at offset when name is
 * NULL.  On success fill l->ops, l->priv and l->desc.  -ENOENT when the chip
 * has no such line or path is no GPIO chip; otherwise -errno.
 */
int led_gpiod_request(struct led *l, const char *path, const char *name, unsigned offset,
                      const char *consumer);
