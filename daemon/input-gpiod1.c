/* SPDX-License-Identifier: MIT */
/*
 * Input backend on the libgpiod 1.x API (1.6): the line requested for its
 * edges (gpiod_line_request with an event type), with bias and active-low
 * flags; edges read with gpiod_line_event_read_fd_multiple.  The v1
 * events carry no sequence number and the API has no debounce: input.c
 * tells a lost edge from two edges the same way, and debounces itself.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>

#include "chip.h"
#include "input-private.h"
#include "led-private.h"

struct gpiod1_input {
        struct gpiod_chip *chip;
        struct gpiod_line *line;        /* belongs to chip */
};

static int g1_read(struct input *in, struct input_raw *raw, size_t max) {
        struct gpiod_line_event ev[INPUT_RAW_MAX];
        int n;

        if (max > INPUT_RAW_MAX)
                max = INPUT_RAW_MAX;
        n = gpiod_line_event_read_fd_multiple(in->fd, ev, (unsigned) max);
        if (n < 0)
                return led_errno(errno);
        for (int i = 0; i < n; i++)
                raw[i] = (struct input_raw) {
                        .rising = ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE,
                        .ts_ns = (uint64_t) ev[i].ts.tv_sec * 1000000000u + (uint64_t) ev[i].ts.tv_nsec,
                };
        return n;
}

static int g1_get(struct input *in, bool *level) {
        struct gpiod1_input *g = in->priv;
        int v = gpiod_line_get_value(g->line);

        if (v < 0)
                return led_errno(errno);
        *level = v == 1;
        return 0;
}

static void g1_close(struct input *in) {
        struct gpiod1_input *g = in->priv;

        gpiod_line_release(g->line);
        gpiod_chip_close(g->chip);
        free(g);
        in->priv = NULL;
}

static const struct input_ops gpiod1_input_ops = {
        .read = g1_read,
        .get = g1_get,
        .kernel_debounce = false,
        .close = g1_close,
};

static int request_flags(const struct input_settings *s) {
        int flags = s->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;

        switch (s->bias) {
        case INPUT_BIAS_PULL_UP:
                return flags | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
        case INPUT_BIAS_PULL_DOWN:
                return flags | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
        case INPUT_BIAS_DISABLED:
                return flags | GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
        default:
                return flags;
        }
}

static int request_type(unsigned edges) {
        if (edges == INPUT_EDGE_RISING)
                return GPIOD_LINE_REQUEST_EVENT_RISING_EDGE;
        if (edges == INPUT_EDGE_FALLING)
                return GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE;
        return GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES;
}

int input_gpiod_request(struct input *in, const char *path, const char *name, unsigned offset,
                        const char *consumer) {
        struct gpiod1_input *g = calloc(1, sizeof *g);
        struct gpiod_line_request_config config = { .consumer = consumer };
        struct chip_line line;
        int r;

        if (!g)
                return -ENOMEM;
        r = chip_open(path, &g->chip);
        if (r == 0)
                r = chip_find_line(g->chip, name, offset, &line);
        if (r == 0) {
                g->line = gpiod_chip_get_line(g->chip, line.offset);
                r = g->line ? 0 : led_errno(errno);
        }
        if (r == 0) {
                in->kernel_edges = input_kernel_edges(&in->settings, false);
                config.request_type = request_type(in->kernel_edges);
                config.flags = request_flags(&in->settings);
                if (gpiod_line_request(g->line, &config, 0) < 0)
                        r = led_errno(errno);   /* EBUSY: another consumer */
        }
        if (r < 0) {
                if (g->chip)
                        gpiod_chip_close(g->chip);
                free(g);
                return r;
        }
        in->ops = &gpiod1_input_ops;
        in->priv = g;
        in->fd = gpiod_line_event_get_fd(g->line);
        snprintf(in->chip, sizeof in->chip, "%s", line.chip);
        in->offset = line.offset;
        snprintf(in->desc, sizeof in->desc, "%s line %u, input%s", line.chip, line.offset,
                 in->settings.active_low ? ", active-low" : "");
        return 0;
}
