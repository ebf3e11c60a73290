/* SPDX-License-Identifier: MIT */
/*
 * The outputs msgq.conf configures besides the default one: one
 * [output NAME] section each (doc/PROTOCOL.md, Lines).  config.c reads the
 * file; this module holds what an output is, the rules for its name and
 * settings, and when two outputs are on one line.
 *
 * The default output, "led", is configured under [msgq] (gpio,
 * active_low, led_start, led_stop) and is the line at index 0; the
 * sections follow at 1, 2, ... in the order of the file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "protocol.h" /* MSGQ_LINES_MAX, MSGQ_LINE_NAME_MAX, MSGQ_LINE_DEFAULT */

#define MSGQ_LINE_DESC_MAX   63
/* Where a setting came from: "FILE:LINE". */
#define MSGQ_ORIGIN_MAX      320

/* What msgq-mqtt shows an output as: a light, or a switch. */
enum msgq_line_kind { MSGQ_LINE_KIND_LED, MSGQ_LINE_KIND_RELAY };

/* The values are msgq_led_start's and msgq_led_stop's (config.h). */
struct msgq_output {
        char name[MSGQ_LINE_NAME_MAX + 1];
        char gpio[64];                  /* a line name or CHIP:OFFSET; "" = not set */
        bool active_low;
        int start;                      /* enum msgq_led_start */
        int stop;                       /* enum msgq_led_stop */
        enum msgq_line_kind kind;
        char description[MSGQ_LINE_DESC_MAX + 1];
        char origin[MSGQ_ORIGIN_MAX];   /* its section: "FILE:LINE" */
        char gpio_origin[MSGQ_ORIGIN_MAX]; /* its gpio setting: "FILE:LINE" */
        /* follow = [!]INPUT: the input whose level it takes at each edge; "" none. */
        char follow[MSGQ_LINE_NAME_MAX + 1];
        bool follow_invert;             /* "!INPUT": the opposite level */
        char follow_origin[MSGQ_ORIGIN_MAX]; /* its follow setting: "FILE:LINE" */
};

/* What follow expects, for errors. */
extern const char msgq_follow_rule[];
/*
 * A follow setting, "INPUT" or "!INPUT" (the opposite level), INPUT a good
 * line name: the name into name (MSGQ_LINE_NAME_MAX + 1 bytes) and *invert;
 * 0 or -EINVAL.  Whether INPUT is an input is the whole file's to say.
 */
int msgq_follow_parse(const char *value, char *name, bool *invert);

/* What a name must be, for errors: "1 to 31 letters, digits, ...". */
extern const char msgq_line_name_rule[];
/* 0 when s is a good name, else -EINVAL (bad characters) or -ENAMETOOLONG. */
int msgq_line_name_check(const char *s);
/*
 * A gpio setting: a GPIO line name or CHIP:OFFSET (split at the last ':',
 * as msgqd does; OFFSET decimal digits, CHIP not empty), 1 to 63 printable
 * ASCII, no spaces.  0 or -EINVAL.
 */
int msgq_gpio_check(const char *s);
/* Names are one line regardless of case. */
bool msgq_line_name_eq(const char *a, const char *b);
/*
 * Whether two gpio settings name the same line for certain: the same line
 * name, or the same chip and offset however written ("0:17",
 * "gpiochip0:17" and "/dev/gpiochip0:17" are one).  A name and a
 * CHIP:OFFSET can be one line too: only msgqd can tell, once it has found
 * them.
 */
bool msgq_gpio_same_line(const char *a, const char *b);

/* A new output called name, with the defaults (start restore, stop off, kind led). */
void msgq_output_init(struct msgq_output *o, const char *name);
/* The settings of a section: "gpio, active_low, start, stop, kind, description, follow". */
const char *msgq_output_setting_names(void);
/*
 * One setting: 0; -ENOENT for a name that is no setting of an output;
 * -EINVAL for a bad value, with what is expected in *expected.
 */
int msgq_output_set(struct msgq_output *o, const char *name, const char *value,
                    const char **expected);
