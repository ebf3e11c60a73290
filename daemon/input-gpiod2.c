/* SPDX-License-Identifier: MIT */
/*
 * Input backend on the libgpiod 2.x API: the line requested with edge
 * detection, bias and the kernel's debounce (debounce_period_us: in the
 * chip where it can, else in gpiolib), edges read into an edge-event
 * buffer with their timestamp (CLOCK_MONOTONIC) and line_seqno.
 */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>

#include "chip.h"
#include "input-private.h"
#include "led-private.h"

/* Edges the kernel keeps for msgqd per line (its default is 16). */
#define KERNEL_BUFFER 64

struct gpiod2_input {
        struct gpiod_line_request *request;
        struct gpiod_edge_event_buffer *buffer;
        unsigned offset;
};

static int g2_read(struct input *in, struct input_raw *raw, size_t max) {
        struct gpiod2_input *g = in->priv;
        int n = gpiod_line_request_read_edge_events(g->request, g->buffer, max);

        if (n < 0)
                return led_errno(errno);
        for (int i = 0; i < n; i++) {
                struct gpiod_edge_event *e = gpiod_edge_event_buffer_get_event(g->buffer, (unsigned long) i);

                raw[i] = (struct input_raw) {
                        .rising = gpiod_edge_event_get_event_type(e) == GPIOD_EDGE_EVENT_RISING_EDGE,
                        .ts_ns = gpiod_edge_event_get_timestamp_ns(e),
                        .seqno = (uint32_t) gpiod_edge_event_get_line_seqno(e),
                };
        }
        return n;
}

static int g2_get(struct input *in, bool *level) {
        struct gpiod2_input *g = in->priv;
        enum gpiod_line_value v = gpiod_line_request_get_value(g->request, g->offset);

        if (v == GPIOD_LINE_VALUE_ERROR)
                return led_errno(errno);
        *level = v == GPIOD_LINE_VALUE_ACTIVE;
        return 0;
}

static void g2_close(struct input *in) {
        struct gpiod2_input *g = in->priv;

        if (g->request)
                gpiod_line_request_release(g->request);
        if (g->buffer)
                gpiod_edge_event_buffer_free(g->buffer);
        free(g);
        in->priv = NULL;
}

static const struct input_ops gpiod2_input_ops = {
        .read = g2_read,
        .get = g2_get,
        .kernel_debounce = true,
        .close = g2_close,
};

static enum gpiod_line_bias bias_of(enum input_bias b) {
        switch (b) {
        case INPUT_BIAS_PULL_UP:
                return GPIOD_LINE_BIAS_PULL_UP;
        case INPUT_BIAS_PULL_DOWN:
                return GPIOD_LINE_BIAS_PULL_DOWN;
        case INPUT_BIAS_DISABLED:
                return GPIOD_LINE_BIAS_DISABLED;
        default:
                return GPIOD_LINE_BIAS_AS_IS;
        }
}

static enum gpiod_line_edge edge_of(unsigned edges) {
        if (edges == INPUT_EDGE_RISING)
                return GPIOD_LINE_EDGE_RISING;
        if (edges == INPUT_EDGE_FALLING)
                return GPIOD_LINE_EDGE_FALLING;
        return GPIOD_LINE_EDGE_BOTH;
}

struct input_line {
        const struct input *in;
        unsigned offset;
};

static int configure_input(struct gpiod_line_config *config, void *ctx) {
        struct gpiod_line_settings *settings = gpiod_line_settings_new();
        const struct input_line *il = ctx;
        const struct input_settings *s = &il->in->settings;
        unsigned offset = il->offset;
        int r = 0;

        if (!settings)
                return -ENOMEM;
        if (gpiod_line_settings_set_direction(settings, GPIOD_LINE_DIRECTION_INPUT) < 0 ||
            gpiod_line_settings_set_edge_detection(settings, edge_of(il->in->kernel_edges)) < 0 ||
            gpiod_line_settings_set_bias(settings, bias_of(s->bias)) < 0 ||
            gpiod_line_settings_set_event_clock(settings, GPIOD_LINE_CLOCK_MONOTONIC) < 0)
                r = led_errno(errno);
        gpiod_line_settings_set_active_low(settings, s->active_low);
        gpiod_line_settings_set_debounce_period_us(settings, s->debounce_us);
        if (r == 0 && gpiod_line_config_add_line_settings(config, &offset, 1, settings) < 0)
                r = led_errno(errno);
        gpiod_line_settings_free(settings);
        return r;
}

int input_gpiod_request(struct input *in, const char *path, const char *name, unsigned offset,
                        const char *consumer) {
        struct gpiod2_input *g = calloc(1, sizeof *g);
        struct chip_line line;
        struct gpiod_chip *chip;
        int r;

        if (!g)
                return -ENOMEM;
        r = chip_open(path, &chip);
        if (r < 0) {
                free(g);
                return r;
        }
        in->kernel_edges = input_kernel_edges(&in->settings, true);
        r = chip_find_line(chip, name, offset, &line);
        if (r == 0)
                r = chip_request_lines(chip, consumer, KERNEL_BUFFER, configure_input,
                                       &(struct input_line) { in, line.offset }, &g->request);
        gpiod_chip_close(chip);
        g->buffer = r == 0 ? gpiod_edge_event_buffer_new(INPUT_RAW_MAX) : NULL;
        if (r == 0 && !g->buffer)
                r = -ENOMEM;
        if (r < 0) {
                if (g->request)
                        gpiod_line_request_release(g->request);
                free(g);
                return r;
        }
        g->offset = line.offset;
        in->ops = &gpiod2_input_ops;
        in->priv = g;
        in->fd = gpiod_line_request_get_fd(g->request);
        snprintf(in->chip, sizeof in->chip, "%s", line.chip);
        in->offset = line.offset;
        snprintf(in->desc, sizeof in->desc, "%s line %u, input%s", line.chip, line.offset,
                 in->settings.active_low ? ", active-low" : "");
        return 0;
}
