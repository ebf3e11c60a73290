/* SPDX-License-Identifier: MIT */
/*
 * The configuration both programs read: defaults, then the file, then the
 * environment (MSGQ_KEY), then the command line (the caller applies that).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "input-config.h"
#include "line-config.h"

#define MSGQ_DEFAULT_KEY  0x6d736771 /* "msgq" */
#define MSGQ_DEFAULT_MODE 0660u
#define MSGQ_DEFAULT_GPIO "GPIO17"
#define MSGQ_GPIO_MAX     64
/* The changes msgqd keeps for its watches (history): default, least, most. */
#define MSGQ_DEFAULT_HISTORY 1024u
#define MSGQ_HISTORY_MIN     64u
#define MSGQ_HISTORY_MAX     65536u
/* A configuration file larger than this is refused (it is not one). */
#define MSGQ_CONFIG_SIZE_MAX 65536u

/* What the LED does when msgqd starts (led_start) and stops cleanly (led_stop). */
enum msgq_led_start { MSGQ_LED_START_RESTORE, MSGQ_LED_START_OFF, MSGQ_LED_START_ON };
enum msgq_led_stop { MSGQ_LED_STOP_OFF, MSGQ_LED_STOP_KEEP };

struct msgq_config {
        key_t key;
        unsigned mode;                  /* queue permissions */
        char group[64];                 /* queue group, "" = creator's */
        char gpio[MSGQ_GPIO_MAX];       /* line name or CHIP:OFFSET */
        bool active_low;
        char group_origin[320];         /* "FILE:LINE" that set group, "" = default */
        enum msgq_led_start led_start;  /* default: restore */
        enum msgq_led_stop led_stop;    /* default: off */
        char gpio_origin[320];          /* "FILE:LINE" that set gpio, "" = default */
        /* follow = [!]INPUT: the input the default output follows; "" none. */
        char follow[MSGQ_LINE_NAME_MAX + 1];
        bool follow_invert;
        char follow_origin[320];        /* "FILE:LINE" that set follow */
        /* [output NAME] sections, in the file's order: the lines at index 1, 2, ... */
        size_t noutputs;
        struct msgq_output outputs[MSGQ_LINES_MAX - 1];
        /* [input NAME] sections, in the file's order; outputs and inputs are 64 lines at most. */
        size_t ninputs;
        struct msgq_input inputs[MSGQ_LINES_MAX - 1];
        /* Each section in the file's order, the line at index k + 1: true an input, false an output. */
        bool line_is_input[MSGQ_LINES_MAX - 1];
        unsigned history;               /* changes kept for the watches */
};

void msgq_config_defaults(struct msgq_config *c);
/*
 * The output at index i of the line table (0: the default output "led",
 * from [msgq]), as an output section would give it; -ERANGE past the last.
 */
int msgq_config_output(const struct msgq_config *c, size_t i, struct msgq_output *ret);
/* Lines in the table: the default output and the sections. */
size_t msgq_config_lines(const struct msgq_config *c);
/*
 * Read FILE (INI style: "key = 0x1234" under an optional [msgq] section).
 * A missing file is -ENOENT: fine for the default path, an error when the
 * user named it.  On a bad line, *line is its number.
 */
int msgq_config_load(struct msgq_config *c, const char *path, int *line);
/*
 * msgq_config_load with the error for the user in err: "FILE:LINE: REASON"
 * (the setting and what it expects: "msgq.conf:2: key = banana: expected
 * 0x1 to 0xffffffff in hex, or 1 to 2147483647 in decimal"; a number too
 * large: "out of range: expected ..."), "FILE: REASON" (not a regular
 * file, too large) or "cannot read FILE: ERROR".
 */
int msgq_config_read(struct msgq_config *c, const char *path, char *err, size_t size);
/*
 * One setting from elsewhere (a command-line option), checked as the file's
 * are: 0, or -EINVAL with "expected ..." in err.
 */
int msgq_config_set(struct msgq_config *c, const char *name, const char *value, char *err,
                    size_t size);
/*
 * What setting name takes, for the error about a value its parser refused
 * with r: "expected X", or for -ERANGE "out of range: expected X"
 * ("out of range: expected 0x1 to 0xffffffff in hex, or 1 to 2147483647 in
 * decimal").  In buf, which is returned.
 */
const char *msgq_config_expected(const char *name, int r, char *buf, size_t size);
/* Apply MSGQ_KEY from the environment; -EINVAL if it is set but bad. */
int msgq_config_from_env(struct msgq_config *c);
/*
 * The whole order for a program: defaults, then path (NULL: the default
 * file, which may be missing), then MSGQ_KEY, then key_arg (a -k value, or
 * NULL).  On failure, -EINVAL/-errno with a message for the user in err,
 * in the words of msgq_config_read().  msgqd, msgqctl and msgq-mqtt all
 * resolve their key with this, right after reading their options.
 */
int msgq_config_resolve(struct msgq_config *c, const char *path, const char *key_arg,
                        char *err, size_t size);
/* A warning about a configuration that works but is unsafe (mode 0666), or NULL. */
const char *msgq_config_warning(const struct msgq_config *c, char *buf, size_t size);
/* The default configuration file (from meson's sysconfdir). */
const char *msgq_config_default_path(void);
