/* SPDX-License-Identifier: MIT */
/*
 * What msgqd, msgqctl and msgq-mqtt say about a command line they cannot
 * take, in the same words: one line naming what was wrong, with a
 * suggestion when a name is within two edits of one they know, then a hint
 * to --help (not the whole usage):
 *   msgqd: unknown option '--vrebose'; did you mean '--verbose'?
 *   Try 'msgqd --help'.
 */
#pragma once

#include <getopt.h>
#include <stddef.h>

/*
 * "; did you mean 'PREFIXNAME'?" for the name in table (n entries of stride
 * bytes, each starting with its const char *name; a NULL name ends it, as
 * in getopt_long's table) within two edits of typed (in any case, a swap
 * of two neighbours is one), or "".  A static buffer.
 */
const char *msgq_did_you_mean(const char *typed, const char *prefix, const void *table, size_t n,
                              size_t stride);
/*
 * What getopt_long(), run with opterr = 0 and shortopts starting with ':',
 * meant by returning c ('?' or ':') for the option it has just read:
 * "unknown option '-x'", "unknown option '--vrebose'; did you mean
 * '--verbose'?", "option '--key' needs an argument", "option '--sim'
 * takes no argument", "ambiguous option '--c': --config, --count".
 * In buf, which is returned.
 */
const char *msgq_option_error(int c, char *const *argv, const struct option *longopts, char *buf,
                              size_t size);
/* "PROGRAM: MESSAGE" and "Try 'PROGRAM --help'." on stderr. */
void msgq_usage_error(const char *program, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
