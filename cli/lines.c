/* SPDX-License-Identifier: MIT */
/*
 * msgqd's lines as msgqctl names them: the table listed once (libmsgq's
 * msgq_line_list()), a name looked up in it regardless of case, as msgqd
 * compares names, and an unknown one named with the names msgqd has.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msgqctl.h"
#include "output.h"

void lines_load(struct ctl *ctl, struct ctl_lines *t) {
        struct msgq *m = ctl_msgq(ctl, ctl->timeout_ms);
        int r = msgq_line_list(m, t->line, MSGQ_LINES_MAX);

        ctl_msgq_check_or_die(ctl, r);
        t->n = (size_t) r < MSGQ_LINES_MAX ? (size_t) r : MSGQ_LINES_MAX;
        t->daemon_pid = msgq_daemon_pid(m);
}

const struct msgq_line_info *lines_find(const struct ctl_lines *t, const char *name) {
        char names[MSGQ_LINES_MAX * (MSGQ_LINE_NAME_MAX + 2)] = "";
        size_t at = 0;

        for (size_t i = 0; i < t->n; i++)
                if (strcasecmp(t->line[i].name, name) == 0)
                        return &t->line[i];
        for (size_t i = 0; i < t->n; i++)
                at += (size_t) snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "",
                                        t->line[i].name);
        die(EXIT_DAEMON_ERROR, "no line '%s'; msgqd has %s", name, names);
}

size_t lines_named(const struct command *cmd, const struct ctl_lines *t, int argc, char **argv,
                   const struct msgq_line_info **sel) {
        uint64_t seen = 0;
        size_t n = 0;

        if (argc == 0) {
                for (; n < t->n; n++)
                        sel[n] = &t->line[n];
                return n;
        }
        if (argc > MSGQ_LINES_MAX)
                die_usage(cmd, "too many lines: at most %d", MSGQ_LINES_MAX);
        for (int i = 0; i < argc; i++) {
                const struct msgq_line_info *l = lines_find(t, argv[i]);

                if (seen & (1ull << l->st.line))
                        die_usage(cmd, "line '%s' named twice", l->name);
                seen |= 1ull << l->st.line;
                sel[n++] = l;
        }
        return n;
}

const char *lines_name(const struct ctl_lines *t, unsigned line) {
        static char buf[32];

        if (line < t->n)
                return t->line[line].name;
        snprintf(buf, sizeof buf, "line %u", line);
        return buf;
}

void lines_check_output(const struct msgq_line_info *l) {
        if (l->flags & MSGQ_LINE_F_INPUT)
                die(EXIT_DAEMON_ERROR, "'%s' is an input: msgqd reads it and never drives it", l->name);
}

uint64_t lines_last_change(const struct ctl_lines *t) {
        uint64_t last = 0;

        for (size_t i = 0; i < t->n; i++)
                if (t->line[i].st.led.changes > last)
                        last = t->line[i].st.led.changes;
        return last;
}
