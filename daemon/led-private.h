/* SPDX-License-Identifier: MIT */
/*
 * Between led.c and its backends (led-sim.c, led-gpiod1.c or led-gpiod2.c),
 * and for the unit tests.  Not part of the daemon's interface: use led.h.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "chip.h"
#include "led.h"

#define LED_DESC_MAX     128
/* Longest spec led_open_gpio() accepts, in characters. */
#define LED_SPEC_MAX     255
/* The kernel's line names hold at most 31 characters (GPIO_MAX_NAME_SIZE). */
#define LED_LINE_NAME_MAX 31
#define LED_DEV_DIR      "/dev"
/* Lines in one request, the kernel's limit (GPIO_V2_LINES_MAX), and in one led_open_gpio_many(). */
#define LED_MANY_MAX     64

struct led_ops {
        /* Drive the line to the logical value on (active-low is the
         * backend's business); 0 or -errno. */
        int (*set)(struct led *l, bool on);
        /*
         * Drive leds[i] to on[i], all of one group (below), in one kernel
         * call; 0 or -errno.  NULL: led.c drives them one by one.
         */
        int (*set_many)(struct led *const *leds, const bool *on, size_t n);
        /*
         * Release the backend's hold of this LED, leaving the line's level;
         * the request itself goes with the last LED of its group.
         */
        void (*close)(struct led *l);
};

struct led {
        const struct led_ops *ops;
        bool on;                        /* logical state, before active-low */
        bool active_low;
        char desc[LED_DESC_MAX];
        char chip[32];                  /* the chip's name; "" = simulated */
        unsigned offset;                /* the line's, on chip */
        void *priv;                     /* the backend's */
        void *group;                    /* the backend's request, shared with the chip's other LEDs; NULL: none */
        unsigned index;                 /* the line's place in group */
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
 * -ENOENT when the chip has no such line.  led_open_gpio_many() finds
 * its lines through it, input_open_gpio() requests its line.  -EOPNOTSUPP when
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

/* A line found for a want, before it is requested. */
struct led_line {
        char path[LED_SPEC_MAX + 8];    /* the chip's device, as found */
        struct chip_line id;            /* id.chip tells two chips apart, whatever the path */
};

/* The GPIO side of led_open_gpio_many(): a libgpiod backend, or the tests' fake. */
struct led_backend {
        /*
         * Fill *id for the line called name on the chip at path, or the one
         * at offset when name is NULL: 0, -ENOENT when the chip has no such
         * line (or path is no GPIO chip), or -errno.  chip_locate().
         */
        int (*locate)(const char *path, const char *name, unsigned offset, struct chip_line *id);
        /*
         * Request the n lines (all of one chip, no offset twice) in one
         * request, leds[i] on lines[i] as an output driven to leds[i]->on
         * (logical, honouring its active_low) by the request itself, so that
         * no line shows another level first.  On success fill each LED's ops,
         * group (one for all n), index and desc; on error nothing is held.
         */
        int (*request)(struct led *const *leds, const struct led_line *const *lines, size_t n,
                       const char *consumer);
};

/* led-gpiod1.c or led-gpiod2.c */
extern const struct led_backend led_gpiod_backend;

/*
 * led_open_gpio_many() once every want's line is found (lines[i] for
 * want[i]): -EADDRINUSE for a line an earlier want has, then one
 * be->request per chip, in the order of each chip's first want.  On an
 * error nothing stays open and *failed is the want at fault: for -EBUSY
 * the first line be->locate finds in use, else the chip's first want.
 */
int led_open_located(struct led **ret, const struct led_want *want, const struct led_line *lines,
                     size_t n, const struct led_backend *be, const char *consumer, size_t *failed);
