/* SPDX-License-Identifier: MIT */
/*
 * The word that goes with a count, in every program's messages:
 * "%lu %s", n, plural(n, "reply", "replies") reads "1 reply", "2 replies".
 */
#pragma once

static inline const char *plural(unsigned long long n, const char *one, const char *many) {
        return n == 1 ? one : many;
}
