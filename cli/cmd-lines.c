/* SPDX-License-Identifier: MIT */
/*
 * msgqctl list, get, set and watch: msgqd's lines, in the spirit of
 * libgpiod 2's gpioinfo, gpioget, gpioset and gpiomon, by name.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "interrupt.h"
#include "msgqctl.h"
#include "output.h"
#include "parse.h"

int cmd_list(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = {
                { "names", no_argument, NULL, 'N' },
                {},
        };
        struct ctl_lines t;
        bool names = false;
        int c;

        while ((c = command_getopt(ctl, cmd, argc, argv, "", options)) != -1)
                if (c == 'N')
                        names = true;
        if (optind < argc)
                die_usage(cmd, "unexpected argument '%s'", argv[optind]);
        lines_load(ctl, &t);
        output->lines(t.line, t.n, t.daemon_pid, names);
        return EXIT_OK;
}

int cmd_get(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        const struct msgq_line_info *sel[MSGQ_LINES_MAX];
        struct ctl_lines t;
        size_t n;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        lines_load(ctl, &t);
        n = lines_named(cmd, &t, argc - optind, argv + optind, sel);
        output->levels(sel, n);
        return EXIT_OK;
}

/* "on", "off", "1", "0" in any case: 1 or 0, else -1. */
static int parse_level(const char *s) {
        if (strcasecmp(s, "on") == 0 || strcmp(s, "1") == 0)
                return 1;
        if (strcasecmp(s, "off") == 0 || strcmp(s, "0") == 0)
                return 0;
        return -1;
}

/* NAME=VALUE...: the levels and the names, checked (usage errors name what is wrong). */
static void parse_set(const struct command *cmd, int argc, char **argv, char **names,
                      uint8_t *on) {
        if (argc < 1)
                die_usage(cmd, "missing NAME=VALUE: which lines to set, e.g. pump=on");
        if (argc > MSGQ_LINES_MAX)
                die_usage(cmd, "too many lines: at most %d", MSGQ_LINES_MAX);
        for (int i = 0; i < argc; i++) {
                char *eq = strchr(argv[i], '=');
                int level = eq ? parse_level(eq + 1) : -1;

                if (!eq || eq == argv[i])
                        die_usage(cmd, "invalid '%s': expected NAME=VALUE, e.g. pump=on", argv[i]);
                if (level < 0)
                        die_usage(cmd, "invalid value '%s' for line '%.*s': expected on, off, 1 or 0",
                                  eq + 1, (int) (eq - argv[i]), argv[i]);
                *eq = '\0';
                names[i] = argv[i];
                on[i] = (uint8_t) level;
        }
}

int cmd_set(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        const struct msgq_line_info *sel[MSGQ_LINES_MAX];
        struct msgq_line_level levels[MSGQ_LINES_MAX];
        struct msgq_line_set_result res;
        char *names[MSGQ_LINES_MAX];
        uint8_t on[MSGQ_LINES_MAX];
        struct ctl_lines t;
        size_t n;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        argc -= optind;
        argv += optind;
        parse_set(cmd, argc, argv, names, on);
        lines_load(ctl, &t);
        n = lines_named(cmd, &t, argc, names, sel);
        for (size_t i = 0; i < n; i++) {
                lines_check_output(sel[i]);
                levels[i] = (struct msgq_line_level) { .line = sel[i]->st.line, .on = on[i] };
        }
        ctl_msgq_check_or_die(ctl, msgq_line_set(ctl_msgq(ctl, ctl->timeout_ms), levels, n, &res));
        for (size_t i = 0; i < n; i++)
                on[i] = (res.on >> sel[i]->st.line) & 1;
        output->set(&(struct set_result) { .lines = sel, .on = on, .n = n, .first = res.first,
                                           .last = res.last });
        return EXIT_OK;
}

/*
 * The changes after since of line (or MSGQ_LINE_ALL), those of the lines
 * in wanted printed, count in all (0: no end).  A watch that times out is
 * followed by a ping, which ends msgqctl when msgqd is gone.  A signal
 * (interrupt.h) ends it with 0, the watch msgqd keeps withdrawn.
 */
static int watch_changes(struct ctl *ctl, const struct ctl_lines *t, unsigned line,
                         uint64_t wanted, unsigned long count) {
        struct msgq_change ch[MSGQ_LINES_MAX];
        struct msgq_watch_result res = { .next = lines_last_change(t) };
        unsigned long printed = 0;
        int r = interrupt_catch(ctl);

        if (r < 0)
                return report_errno(ctl, r);
        for (;;) {
                struct msgq *m = ctl_msgq(ctl, ctl->timeout_ms);

                res.missed = 0;
                r = msgq_line_watch(m, line, res.next, CTL_WATCH_WAIT_MS, ch, MSGQ_LINES_MAX, &res);
                if (r == -ETIMEDOUT)
                        r = msgq_ping(m);
                if (r == -ECANCELED)
                        break;
                ctl_msgq_check_or_die(ctl, r);
                if (res.missed && (output->missed(res.missed), output_flush() < 0))
                        return EXIT_OUTPUT;
                for (int i = 0; i < r; i++) {
                        if (!(wanted & (1ull << ch[i].st.line)))
                                continue;
                        output->change(lines_name(t, ch[i].st.line), &ch[i]);
                        if (output_flush() < 0)
                                return EXIT_OUTPUT;
                        if (++printed == count)
                                return EXIT_OK;
                }
        }
        interrupt_calm();
        ctl_led_unwatch(ctl);
        return EXIT_OK;
}

int cmd_watch(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = {
                { "count", required_argument, NULL, 'n' },
                {},
        };
        const struct msgq_line_info *sel[MSGQ_LINES_MAX];
        const char *count_arg = NULL;
        unsigned long count = 0;
        uint64_t wanted = 0;
        struct ctl_lines t;
        size_t n;
        int c;

        while ((c = command_getopt(ctl, cmd, argc, argv, "n:", options)) != -1)
                if (c == 'n')
                        count_arg = optarg;
        if (count_arg && msgq_parse_uint(count_arg, 1, ULONG_MAX, &count) < 0)
                die_usage(cmd, "invalid count '%s': expected a number of changes, 1 or more",
                          count_arg);
        lines_load(ctl, &t);
        n = lines_named(cmd, &t, argc - optind, argv + optind, sel);
        for (size_t i = 0; i < n; i++)
                wanted |= 1ull << sel[i]->st.line;
        if (argc - optind == 0)
                wanted = ~0ull; /* also lines added since */
        return watch_changes(ctl, &t, argc - optind == 1 ? sel[0]->st.line : MSGQ_LINE_ALL,
                             wanted, count);
}
