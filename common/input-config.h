/* SPDX-License-Identifier: MIT */
/*
 * The inputs msgq.conf configures: one [input NAME] section each
 * (doc/PROTOCOL.md, Inputs).  config.c reads the file; this module holds
 * what an input is and its settings.  Names, the 64-line limit and the
 * rule of one line each are the outputs' (line-config.h): inputs and
 * outputs are lines of one table.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line-config.h"

/* The values are input.h's enum input_bias and enum input_edges. */
enum msgq_input_bias {
        MSGQ_INPUT_BIAS_AS_IS,
        MSGQ_INPUT_BIAS_PULL_UP,
        MSGQ_INPUT_BIAS_PULL_DOWN,
        MSGQ_INPUT_BIAS_DISABLED,
};
enum msgq_input_edges {
        MSGQ_INPUT_EDGES_RISING = 1,
        MSGQ_INPUT_EDGES_FALLING = 2,
        MSGQ_INPUT_EDGES_BOTH = 3,
};
/* The longest debounce: 1 s. */
#define MSGQ_DEBOUNCE_MAX_US 1000000u

struct msgq_input {
        char name[MSGQ_LINE_NAME_MAX + 1];
        char gpio[64];                  /* a line name or CHIP:OFFSET; "" = not set */
        bool active_low;
        enum msgq_input_bias bias;      /* default as-is */
        enum msgq_input_edges edges;    /* default both */
        uint32_t debounce_us;           /* 0: none (the default) */
        char description[MSGQ_LINE_DESC_MAX + 1];
        char origin[MSGQ_ORIGIN_MAX];   /* its section: "FILE:LINE" */
        char gpio_origin[MSGQ_ORIGIN_MAX]; /* its gpio setting: "FILE:LINE" */
};

/* A new input called name, with the defaults (bias as-is, edges both, no debounce). */
void msgq_input_init(struct msgq_input *in, const char *name);
/* The settings of a section: "gpio, active_low, bias, edges, debounce, description". */
const char *msgq_input_setting_names(void);
/*
 * One setting: 0; -ENOENT for a name that is no setting of an input;
 * -EINVAL for a bad value, with what is expected in *expected.
 */
int msgq_input_set(struct msgq_input *in, const char *name, const char *value,
                   const char **expected);
/*
 * A debounce period: "0", or a whole number with its unit, us, ms or s,
 * from 1 us to 1 s ("20ms", "500us", "1s"); in microseconds.  -EINVAL.
 */
int msgq_parse_debounce(const char *s, uint32_t *ret_us);
/* As msgq.conf writes them: "as-is", "pull-up" ...; "rising", "falling", "both"; NULL for none. */
const char *msgq_input_bias_name(unsigned bias);
const char *msgq_input_edges_name(unsigned edges);
/* A debounce period as msgq.conf takes it: "0", "20ms", "500us", "1s". */
const char *msgq_format_debounce(uint32_t us, char *buf, size_t size);
