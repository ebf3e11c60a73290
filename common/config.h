/* SPDX-License-Identifier: MIT */
/*
 * The configuration both programs read: defaults, then the file, then the
 * environment (MSGQ_KEY), then the command line (the caller applies that).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define MSGQ_DEFAULT_KEY  0x6d736771 /* "msgq" */
#define MSGQ_DEFAULT_MODE 0660u
#define MSGQ_DEFAULT_GPIO "GPIO17"
#define MSGQ_GPIO_MAX     64

struct msgq_config {
        key_t key;
        unsigned mode;                  /* queue permissions */
        char group[64];                 /* queue group, "" = creator's */
        char gpio[MSGQ_GPIO_MAX];       /* line name or CHIP:OFFSET */
        bool active_low;
};

void msgq_config_defaults(struct msgq_config *c);
/*
 * Read FILE (INI style: "key = 0x1234" under an optional [msgq] section).
 * A missing file is -ENOENT: fine for the default path, an error when the
 * user named it.  On a bad line, *line is its number.
 */
int msgq_config_load(struct msgq_config *c, const char *path, int *line);
/* Apply MSGQ_KEY from the environment; -EINVAL if it is set but bad. */
int msgq_config_from_env(struct msgq_config *c);
/*
 * The whole order for a program: defaults, then path (NULL: the default
 * file, which may be missing), then MSGQ_KEY, then key_arg (a -k value, or
 * NULL).  On failure, -EINVAL/-errno with a message for the user in err,
 * such as "/etc/msgq/msgq.conf:3: invalid setting".
 */
int msgq_config_resolve(struct msgq_config *c, const char *path, const char *key_arg,
                        char *err, size_t size);
/* The default configuration file (from meson's sysconfdir). */
const char *msgq_config_default_path(void);
