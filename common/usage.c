/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "usage.h"

static size_t min3(size_t a, size_t b, size_t c) {
        size_t m = a < b ? a : b;

        return m < c ? m : c;
}

static bool same_letter(char a, char b) {
        return tolower((unsigned char) a) == tolower((unsigned char) b);
}

/*
 * Edits from a to b, in any case: insert, delete or replace a letter, or
 * swap two neighbours ("stauts" is one from "status").  Up to 9.
 */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), d[16][16];

        if (la >= 16 || lb >= 16)
                return 9;
        for (size_t i = 0; i <= la; i++)
                d[i][0] = i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = j;
        for (size_t i = 1; i <= la; i++) {
                for (size_t j = 1; j <= lb; j++) {
                        d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
                                       d[i - 1][j - 1] + !same_letter(a[i - 1], b[j - 1]));
                        if (i > 1 && j > 1 && same_letter(a[i - 1], b[j - 2]) &&
                            same_letter(a[i - 2], b[j - 1]) && d[i - 2][j - 2] + 1 < d[i][j])
                                d[i][j] = d[i - 2][j - 2] + 1;
                }
        }
        return d[la][lb];
}

const char *msgq_did_you_mean(const char *typed, const char *prefix, const void *table, size_t n,
                              size_t stride) {
        static char buf[96];
        const char *best = NULL;
        size_t best_d = 9; /* at most 2 edits away */

        for (size_t i = 0; i < n; i++) {
                const char *name = *(const char *const *) ((const char *) table + i * stride);

                if (!name)
                        break;
                /* Quarters of an edit: a name that starts with what was typed, or as long, is closer. */
                size_t edits = edit_distance(typed, name);
                size_t d = 4 * edits - 2 * (strncasecmp(name, typed, strlen(typed)) == 0) -
                           (strlen(name) == strlen(typed));

                if (d < best_d && edits < strlen(name)) {
                        best = name;
                        best_d = d;
                }
        }
        if (!best)
                return "";
        snprintf(buf, sizeof buf, "; did you mean '%s%s'?", prefix, best);
        return buf;
}

static size_t count_options(const struct option *longopts) {
        size_t n = 0;

        while (longopts[n].name)
                n++;
        return n;
}

/* The long options that "--NAME" (len letters of name) is the start of: "--config, --count". */
static size_t starting_with(const char *name, size_t len, const struct option *longopts,
                            char *list, size_t size) {
        size_t found = 0, used = 0;

        list[0] = '\0';
        for (const struct option *o = longopts; o->name; o++) {
                if (strncmp(o->name, name, len) != 0)
                        continue;
                if (strlen(o->name) == len) { /* the option itself */
                        snprintf(list, size, "--%s", o->name);
                        return 1;
                }
                if (used < size)
                        used += (size_t) snprintf(list + used, size - used, "%s--%s",
                                                  found ? ", " : "", o->name);
                found++;
        }
        return found;
}

/* arg is "--NAME[=VALUE]" for an option whose value is val. */
static bool names_long_option(const char *arg, int val, const struct option *longopts) {
        size_t len = strcspn(arg + 2, "=");

        if (strncmp(arg, "--", 2) != 0)
                return false;
        for (const struct option *o = longopts; o->name; o++)
                if (o->val == val && strncmp(o->name, arg + 2, len) == 0)
                        return true;
        return false;
}

static const char *long_option_error(int c, const char *arg, const struct option *longopts,
                                     char *buf, size_t size) {
        const char *name = arg + 2;
        size_t len = strcspn(name, "="), found;
        char typed[64], list[256];

        found = starting_with(name, len, longopts, list, sizeof list);
        snprintf(typed, sizeof typed, "%.*s", (int) len, name);
        if (c == ':') /* the option's own name, also when an abbreviation was typed */
                snprintf(buf, size, "option '%s' needs an argument", found == 1 ? list : arg);
        else if (found == 1 && name[len] == '=')
                snprintf(buf, size, "option '%s' takes no argument", list);
        else if (found > 1)
                snprintf(buf, size, "ambiguous option '--%s': %s", typed, list);
        else
                snprintf(buf, size, "unknown option '--%s'%s", typed,
                         msgq_did_you_mean(typed, "--", longopts, count_options(longopts),
                                           sizeof *longopts));
        return buf;
}

const char *msgq_option_error(int c, char *const *argv, const struct option *longopts, char *buf,
                              size_t size) {
        const char *arg = argv[optind - 1];

        /* A short option; its argument may be the one before, as in "-vx". */
        if (optopt > 0 && optopt < 0x80 && !names_long_option(arg, optopt, longopts)) {
                if (c == ':')
                        snprintf(buf, size, "option '-%c' needs an argument", optopt);
                else
                        snprintf(buf, size, "unknown option '-%c'", optopt);
                return buf;
        }
        if (strncmp(arg, "--", 2) == 0)
                return long_option_error(c, arg, longopts, buf, size);
        snprintf(buf, size, "unknown option '%s'", arg);
        return buf;
}

void msgq_usage_error(const char *program, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "%s: ", program);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry '%s --help'.\n", program);
}
