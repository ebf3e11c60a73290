/* SPDX-License-Identifier: MIT */
/*
 * Between input.c and its backends (input-sim.c, input-gpiod1.c or
 * input-gpiod2.c), and for the unit tests.  Use input.h.
 */
#pragma once

#include "debounce.h"
#include "input.h"

#define INPUT_DESC_MAX 128
/* Edges taken from the kernel in one read. */
#define INPUT_RAW_MAX  64

/* An edge as the backend read it. */
struct input_raw {
        bool rising;                    /* of the logical level: the kernel applies active-low */
        uint64_t ts_ns;                 /* CLOCK_MONOTONIC */
        uint32_t seqno;                 /* the kernel's line_seqno; 0: the backend has none */
};

struct input_ops {
        /* At most max edges, without blocking: their number or -errno. */
        int (*read)(struct input *in, struct input_raw *raw, size_t max);
        /* The logical level now. */
        int (*get)(struct input *in, bool *level);
        /* Whether the backend debounces (the kernel), given s->debounce_us. */
        bool kernel_debounce;
        void (*close)(struct input *in);
};

/* What tells lost edges: the kernel's numbers, or two edges the same way. */
struct input_gaps {
        uint32_t last_seqno;            /* 0: none seen yet */
        bool raw_level;                 /* the level after the last raw edge */
};

struct input {
        const struct input_ops *ops;
        struct input_settings settings;
        unsigned kernel_edges;          /* the edges asked of the kernel */
        int fd;
        bool level;                     /* after the last edge recorded */
        struct input_gaps gaps;
        bool fresh;                     /* no raw edge read since input_start() */
        uint32_t pending_lost;          /* lost before the next edge recorded */
        bool pending_at_least;
        struct debounce debounce;       /* when msgqd debounces */
        char desc[INPUT_DESC_MAX];
        char chip[32];                  /* the chip's name; "": simulated */
        unsigned offset;                /* the line's on its chip */
        void *priv;                     /* the backend's */
};

/* input.c */
/* A zeroed input for a backend to fill; NULL when out of memory. */
struct input *input_new(const struct input_settings *s);
/* The edges to ask the kernel for: both when msgqd debounces. */
unsigned input_kernel_edges(const struct input_settings *s, bool kernel_debounce);
uint32_t input_lost_of(unsigned edges, bool level, uint32_t lost);
/*
 * Edges lost before raw: the gap in the kernel's numbers, or, without
 * numbers, at least 1 when raw goes the way the last one went (both edges
 * asked for).  Updates g.
 */
uint32_t input_gap(struct input_gaps *g, const struct input_raw *raw, bool both, bool *at_least);
/* Start state: the level read at the request. */
void input_start(struct input *in, bool level);

/* input-sim.c */
int input_sim_request(struct input *in, const char *name);

/*
 * input-gpiod1.c or input-gpiod2.c: request the line called name on the
 * chip at path (or the one at offset when name is NULL) for in's settings
 * and kernel_edges.  On success fill in->ops, priv, fd and desc; -ENOENT
 * when the chip has no such line; otherwise -errno.
 */
int input_gpiod_request(struct input *in, const char *path, const char *name, unsigned offset,
                        const char *consumer);
