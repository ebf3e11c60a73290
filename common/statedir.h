/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdlib.h>
#include <string.h>

/*
 * The first directory systemd gives in $STATE_DIRECTORY (StateDirectory=,
 * colon-separated), its length in *len; NULL when there is none.
 */
static inline const char *msgq_state_directory(size_t *len) {
        const char *env = getenv("STATE_DIRECTORY");

        if (!env || !env[0] || env[0] == ':')
                return NULL;
        *len = strcspn(env, ":");
        return env;
}
