/* SPDX-License-Identifier: MIT */
/*
 * msgqctl inputs and mon: msgqd's inputs, in the spirit of libgpiod 2's
 * gpioinfo and gpiomon: their settings and counters (libmsgq's
 * msgq_input_list() with msgq_line_list()), and each event as msgqd
 * numbered it (msgq_line_events()), with every loss on a line of its own:
 * how many, and why.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "interrupt.h"
#include "msgqctl.h"
#include "output.h"
#include "parse.h"

/* How often inputs lists again when msgqd restarted between its two questions. */
#define INPUTS_TRIES 3

struct ctl_inputs {
        struct msgq_input_info input[MSGQ_LINES_MAX];
        size_t n;
};

/* Whether in are the inputs of t: each a line flagged input, and every such line one of them. */
static bool inputs_match(const struct ctl_lines *t, const struct ctl_inputs *in) {
        size_t flagged = 0;

        for (size_t i = 0; i < t->n; i++)
                flagged += (t->line[i].flags & MSGQ_LINE_F_INPUT) != 0;
        if (flagged != in->n)
                return false;
        for (size_t i = 0; i < in->n; i++)
                if (in->input[i].line >= t->n || !(t->line[in->input[i].line].flags & MSGQ_LINE_F_INPUT))
                        return false;
        return true;
}

/* msgqd's lines and inputs, of one msgqd (asked again when it restarted in between). */
static void inputs_load(struct ctl *ctl, struct ctl_lines *t, struct ctl_inputs *in) {
        for (int tries = 1;; tries++) {
                struct msgq *m;
                int r;

                lines_load(ctl, t);
                m = ctl_msgq(ctl, ctl->timeout_ms);
                r = msgq_input_list(m, in->input, MSGQ_LINES_MAX);
                ctl_msgq_check_or_die(ctl, r);
                in->n = (size_t) r < MSGQ_LINES_MAX ? (size_t) r : MSGQ_LINES_MAX;
                if (msgq_daemon_pid(m) == t->daemon_pid && inputs_match(t, in))
                        return;
                if (tries == INPUTS_TRIES)
                        die(EXIT_UNAVAILABLE, "msgqd's table changed while it was asked for its "
                                              "inputs (%d times): is msgqd restarting?", tries);
        }
}

static const struct msgq_input_info *input_of(const struct ctl_inputs *in, unsigned line) {
        for (size_t i = 0; i < in->n; i++)
                if (in->input[i].line == line)
                        return &in->input[i];
        return NULL;
}

/* Dies (exit 1) naming l, an output, with the inputs msgqd has. */
static _Noreturn void die_not_input(const struct ctl_lines *t, const struct msgq_line_info *l) {
        char names[MSGQ_LINES_MAX * (MSGQ_LINE_NAME_MAX + 2)] = "";
        size_t at = 0;

        for (size_t i = 0; i < t->n; i++)
                if (t->line[i].flags & MSGQ_LINE_F_INPUT)
                        at += (size_t) snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "",
                                                t->line[i].name);
        if (at)
                die(EXIT_DAEMON_ERROR, "'%s' is an output, not an input; msgqd's inputs: %s", l->name, names);
        die(EXIT_DAEMON_ERROR, "'%s' is an output, not an input; msgqd has no inputs", l->name);
}

int cmd_inputs(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = {
                { "names", no_argument, NULL, 'N' },
                {},
        };
        const struct msgq_line_info *sel[MSGQ_LINES_MAX];
        struct input_row rows[MSGQ_LINES_MAX];
        struct ctl_inputs in;
        struct ctl_lines t;
        bool names = false;
        size_t n, nrows = 0;
        int c;

        while ((c = command_getopt(ctl, cmd, argc, argv, "", options)) != -1)
                if (c == 'N')
                        names = true;
        inputs_load(ctl, &t, &in);
        n = lines_named(cmd, &t, argc - optind, argv + optind, sel);
        for (size_t i = 0; i < n; i++) {
                const struct msgq_input_info *info = input_of(&in, sel[i]->st.line);

                if (info)
                        rows[nrows++] = (struct input_row) { .line = sel[i], .input = info };
                else if (argc - optind > 0) /* named: an output is a mistake */
                        die_not_input(&t, sel[i]);
        }
        output->inputs(rows, nrows, t.daemon_pid, names);
        return EXIT_OK;
}

/* An event, after what was lost just before it (the kernel's overflow, msgqd's absence). */
static int print_event(const struct ctl_lines *t, const struct msgq_event *e) {
        const char *name = lines_name(t, e->ch.st.line);
        struct lost l = { .name = name, .index = e->ch.st.line, .before = e->ch.st.led.changes };

        if (e->lost) {
                l.reason = LOST_OVERFLOW;
                l.count = e->lost;
                l.at_least = e->flags & MSGQ_EVENT_F_LOST_AT_LEAST;
                output->lost(&l);
                if (output_flush() < 0)
                        return -EIO;
        }
        if (e->edge == MSGQ_EDGE_AWAY) {
                l.reason = LOST_AWAY;
                l.count = 0;
                l.at_least = false;
                output->lost(&l);
                if (output_flush() < 0)
                        return -EIO;
        }
        output->event(name, e);
        return output_flush();
}

/*
 * mon of lines named: each one's own count of changes (seq) as of the
 * number shown up to, where known, so that the changes msgqd no longer
 * kept are counted per line: a line's changes lost between two of its
 * changes are the difference of their counts less one.
 */
struct mon_seqs {
        uint32_t seq[MSGQ_LINES_MAX];
        uint64_t known;         /* bit i: seq[i] is known */
};

/*
 * How many of the changes after from up to upto msgqd no longer kept were
 * line's, from its own count before them (s) and after them: that of its
 * next change less one (in ev, the changes kept after them, or asked for),
 * or its count now when its last change is not after upto (*lines:
 * msgqd's table, asked once); -1 when not known.
 */
static int64_t mon_lost_of_line(struct msgq *m, const struct mon_seqs *s, unsigned line, uint64_t upto,
                                const struct msgq_event *ev, int n, struct msgq_line_info *lines, int *nlines) {
        struct msgq_watch_result next = { 0 };
        uint32_t seq = s->seq[line];
        struct msgq_event e;

        if (!(s->known & (1ull << line)))
                return -1;
        for (int i = 0; i < n; i++)
                if (ev[i].ch.st.line == line)
                        return ev[i].ch.st.seq > seq ? (int64_t) (ev[i].ch.st.seq - 1 - seq) : -1;
        if (*nlines < 0)
                *nlines = msgq_line_list(m, lines, MSGQ_LINES_MAX);
        for (int i = 0; i < *nlines && i < MSGQ_LINES_MAX; i++)
                if (lines[i].st.line == line && lines[i].st.led.changes <= upto)
                        return lines[i].st.seq >= seq ? (int64_t) (lines[i].st.seq - seq) : -1;
        /* It changed after upto: its next change, if msgqd still keeps it. */
        if (msgq_line_events(m, line, upto, CTL_PEEK_MS, &e, 1, &next) == 1 && next.missed == 0 && e.ch.st.seq > seq)
                return (int64_t) (e.ch.st.seq - 1 - seq);
        return -1;
}

/*
 * The changes after from msgqd no longer kept (res->missed, before ev):
 * without names (s NULL) one line of every line's; with names, one for
 * each named line that lost some, and one of every line, said so, when a
 * named line's own count is not known.
 */
static int mon_history(struct msgq *m, const struct ctl_lines *t, struct mon_seqs *s, uint64_t wanted,
                       uint64_t from, const struct msgq_watch_result *res, const struct msgq_event *ev, int n) {
        struct lost l = { .reason = LOST_HISTORY, .first = from + 1, .last = from + res->missed };
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        bool all = !s;
        int nlines = -1;

        for (unsigned i = 0; s && i < MSGQ_LINES_MAX; i++) {
                int64_t lost;

                if (!(wanted & (1ull << i)))
                        continue;
                lost = mon_lost_of_line(m, s, i, l.last, ev, n, lines, &nlines);
                if (lost < 0) {
                        all = true;
                        s->known &= ~(1ull << i); /* known again from its next change */
                        continue;
                }
                s->seq[i] += (uint32_t) lost;
                if (lost == 0)
                        continue;
                l.count = (uint64_t) lost;
                l.name = lines_name(t, i);
                l.index = i;
                output->lost(&l);
        }
        if (all) {
                l.count = res->missed;
                l.name = NULL;
                l.of_all = s != NULL;
                output->lost(&l);
        }
        return output_flush();
}

/*
 * The events after since of line (or MSGQ_LINE_ALL), those of the lines in
 * wanted printed, count in all (0: no end), as watch_changes() does it: a
 * wait that times out is followed by a ping, which ends msgqctl when msgqd
 * is gone; a signal ends it with 0, the watch msgqd keeps withdrawn.
 * named: the lines were named (and what msgqd no longer kept is counted
 * per line where it can be).
 */
static int mon_events(struct ctl *ctl, const struct ctl_lines *t, unsigned line, uint64_t wanted, bool named,
                      uint64_t since, unsigned long count) {
        struct msgq_event ev[MSGQ_EVENTS_MAX];
        struct msgq_watch_result res = { .next = since };
        struct mon_seqs seqs = { .known = 0 };
        unsigned long printed = 0;
        int r = interrupt_catch(ctl);

        if (r < 0)
                return report_errno(ctl, r);
        for (size_t i = 0; i < t->n; i++) { /* a line whose last change is not after since */
                unsigned l = t->line[i].st.line;

                if (l < MSGQ_LINES_MAX && (wanted & (1ull << l)) && t->line[i].st.led.changes <= since) {
                        seqs.seq[l] = t->line[i].st.seq;
                        seqs.known |= 1ull << l;
                }
        }
        for (;;) {
                struct msgq *m = ctl_msgq(ctl, ctl->timeout_ms);
                uint64_t from = res.next;

                res.missed = 0;
                r = msgq_line_events(m, line, from, CTL_WATCH_WAIT_MS, ev, MSGQ_EVENTS_MAX, &res);
                if (r == -ETIMEDOUT)
                        r = msgq_ping(m);
                if (r == -ECANCELED)
                        break;
                ctl_msgq_check_or_die(ctl, r);
                if (res.missed && mon_history(m, t, named ? &seqs : NULL, wanted, from, &res, ev, r) < 0)
                        return EXIT_OUTPUT;
                for (int i = 0; i < r; i++) {
                        unsigned l = ev[i].ch.st.line;

                        if (!(wanted & (1ull << l)))
                                continue;
                        seqs.seq[l] = ev[i].ch.st.seq;
                        seqs.known |= 1ull << l;
                        if (print_event(t, &ev[i]) < 0)
                                return EXIT_OUTPUT;
                        if (++printed == count)
                                return EXIT_OK;
                }
        }
        interrupt_calm();
        ctl_led_unwatch(ctl);
        return EXIT_OK;
}

int cmd_mon(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = {
                { "count", required_argument, NULL, 'n' },
                { "since", required_argument, NULL, 'S' },
                {},
        };
        const struct msgq_line_info *sel[MSGQ_LINES_MAX];
        const char *count_arg = NULL, *since_arg = NULL;
        unsigned long count = 0;
        uint64_t wanted = 0, since = 0;
        struct ctl_lines t;
        size_t n;
        int c;

        while ((c = command_getopt(ctl, cmd, argc, argv, "n:", options)) != -1) {
                if (c == 'n')
                        count_arg = optarg;
                else if (c == 'S')
                        since_arg = optarg;
        }
        if (count_arg && msgq_parse_uint(count_arg, 1, ULONG_MAX, &count) < 0)
                die_usage(cmd, "invalid count '%s': expected a number of events, 1 or more", count_arg);
        if (since_arg && msgq_parse_u64(since_arg, &since) < 0)
                die_usage(cmd, "invalid change number '%s' after --since: expected 0 or more, as mon "
                               "printed it", since_arg);
        lines_load(ctl, &t);
        n = lines_named(cmd, &t, argc - optind, argv + optind, sel);
        for (size_t i = 0; i < n; i++)
                wanted |= 1ull << sel[i]->st.line;
        if (argc - optind == 0)
                wanted = ~0ull; /* also lines added since */
        if (!since_arg)
                since = lines_last_change(&t);
        return mon_events(ctl, &t, argc - optind == 1 ? sel[0]->st.line : MSGQ_LINE_ALL, wanted,
                          argc - optind > 0, since, count);
}
