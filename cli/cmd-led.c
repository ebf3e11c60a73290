/* SPDX-License-Identifier: MIT */
/* msgqctl led on|off|toggle|state|blink|watch [NAME]: the default output, or the line NAME. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <strings.h>

#include "interrupt.h"
#include "msgqctl.h"
#include "output.h"
#include "parse.h"
#include "usage.h"

static const struct led_action {
        const char *name;
        uint16_t op;
} led_actions[] = {
        { "on", MSGQ_OP_LED_ON },
        { "off", MSGQ_OP_LED_OFF },
        { "toggle", MSGQ_OP_LED_TOGGLE },
        { "state", MSGQ_OP_LED_STATE },
        { "blink", MSGQ_OP_LED_BLINK },
        { "watch", MSGQ_OP_LED_WATCH },
};

#define N_LED_ACTIONS (sizeof led_actions / sizeof led_actions[0])

/* How long one led-watch waits for a change before msgqctl checks msgqd is there. */
#define WATCH_WAIT_MS 30000u

/* In any case, as the text protocol and the bridge take them. */
static const struct led_action *led_action_find(const char *name) {
        for (size_t i = 0; i < N_LED_ACTIONS; i++)
                if (strcasecmp(led_actions[i].name, name) == 0)
                        return &led_actions[i];
        return NULL;
}

static void parse_blink(const struct command *cmd, int argc, char **argv, uint32_t *period,
                        uint32_t *count) {
        unsigned long v;
        uint64_t ms;

        if (argc < 2)
                die_usage(cmd, "blink needs PERIOD_MS");
        if (argc > 3)
                die_usage(cmd, "too many arguments for blink");
        if (msgq_parse_duration(argv[1], 1, MSGQ_BLINK_PERIOD_MIN_MS, MSGQ_BLINK_PERIOD_MAX_MS,
                                &ms) < 0)
                die_usage(cmd, "invalid blink period '%s': expected %u..%u ms (or 0.5s, 1min)",
                          argv[1], MSGQ_BLINK_PERIOD_MIN_MS, MSGQ_BLINK_PERIOD_MAX_MS);
        *period = (uint32_t) ms;
        *count = 0;
        if (argc < 3)
                return;
        if (msgq_parse_uint(argv[2], 0, MSGQ_BLINK_COUNT_MAX, &v) < 0)
                die_usage(cmd, "invalid blink count '%s': expected 0..%u flashes "
                          "(0: until cancelled)", argv[2], MSGQ_BLINK_COUNT_MAX);
        *count = (uint32_t) v;
}

/* One watched state, with its time: a line, or with --json a document of its own (JSON lines). */
static int print_change(const struct line_ref *line, const struct msgq_reply *rep) {
        output->led_change(line, &rep->led, rep->led_time_ns, rep->led_monotonic_ns);
        return output_flush();
}

/*
 * The next change after the one numbered seen, as msgqd answers a
 * led-watch.  A watch that times out is followed by a plain state request,
 * which fails (and ends msgqctl) when msgqd is gone, and by a new watch,
 * answered at once with what was missed if the state changed meanwhile (a
 * watch that lost its place in msgqd is not answered).  0, or -ECANCELED
 * when a signal cut the wait short.
 */
static int next_change(struct ctl *ctl, uint64_t seen, struct msgq_reply *rep) {
        int r;

        for (;;) {
                r = ctl_call_within(ctl, WATCH_WAIT_MS, ctl->prio, MSGQ_OP_LED_WATCH,
                                    (uint32_t) seen, (uint32_t) (seen >> 32), NULL, rep);
                if (r != -ETIMEDOUT)
                        break;
                r = ctl_call(ctl, ctl->prio, MSGQ_OP_LED_STATE, 0, 0, NULL, rep);
                if (r == -ECANCELED)
                        break;
                ctl_check_or_die(ctl, r, rep);
        }
        if (r != -ECANCELED)
                ctl_check_or_die(ctl, r, rep);
        return r;
}

/*
 * The state, then each change, each with the time msgqd made it; stops
 * when the output cannot be written.  A signal (interrupt.h) ends it with
 * 0, the watch msgqd keeps for it withdrawn, so that no answer is left on
 * the queue.
 */
static int led_watch(struct ctl *ctl, const struct line_ref *line, unsigned long count) {
        struct msgq_reply rep;
        unsigned long printed = 0;
        int r = interrupt_catch(ctl);

        if (r == 0)
                r = ctl_call(ctl, ctl->prio, MSGQ_OP_LED_STATE, 0, 0, NULL, &rep);
        if (r != -ECANCELED)
                ctl_check_or_die(ctl, r, &rep);
        while (r != -ECANCELED) {
                if (print_change(line, &rep) < 0)
                        return EXIT_OUTPUT;
                if (++printed == count)
                        return EXIT_OK;
                r = next_change(ctl, rep.led.changes, &rep);
        }
        interrupt_calm();
        ctl_led_unwatch(ctl);
        return EXIT_OK;
}

/*
 * A line's name last among the action's arguments (after blink's period;
 * a name starts with a letter, a count does not), or NULL.
 */
static const char *led_line_name(const struct led_action *action, int *argc, char **argv) {
        int first = action->op == MSGQ_OP_LED_BLINK ? 2 : 1;

        if (*argc <= first || !isalpha((unsigned char) argv[*argc - 1][0]))
                return NULL;
        return argv[--*argc];
}

/* The line called name in msgqd's table: ctl->line and *line; name NULL: the default output. */
static const struct line_ref *led_line(struct ctl *ctl, const char *name, struct line_ref *line,
                                       struct ctl_lines *t) {
        const struct msgq_line_info *l;

        if (!name)
                return NULL;
        lines_load(ctl, t);
        l = lines_find(t, name);
        *line = (struct line_ref) { .name = l->name, .index = l->st.line };
        ctl->line = l->st.line;
        return line;
}

int cmd_led(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        const struct led_action *action;
        const struct line_ref *line;
        const char *name;
        uint32_t period = 0, count = 0;
        struct msgq_reply rep;
        struct line_ref named;
        struct ctl_lines t;

        while (command_getopt(ctl, cmd, argc, argv, "", NULL) != -1)
                ;
        argc -= optind;
        argv += optind;
        if (argc < 1)
                die_usage(cmd, "missing action: on, off, toggle, state, blink or watch");
        action = led_action_find(argv[0]);
        if (!action)
                die_usage(cmd, "unknown action '%s': expected on, off, toggle, state, blink or "
                          "watch%s", argv[0],
                          msgq_did_you_mean(argv[0], "", led_actions, N_LED_ACTIONS,
                                            sizeof led_actions[0]));
        name = led_line_name(action, &argc, argv);
        if (action->op == MSGQ_OP_LED_WATCH) {
                unsigned long lines = 0;

                if (argc > 2)
                        die_usage(cmd, "too many arguments for watch");
                if (argc == 2 && msgq_parse_uint(argv[1], 1, ULONG_MAX, &lines) < 0)
                        die_usage(cmd, "invalid count '%s': expected a number of lines, 1 or more",
                                  argv[1]);
                return led_watch(ctl, led_line(ctl, name, &named, &t), lines);
        }
        if (action->op == MSGQ_OP_LED_BLINK)
                parse_blink(cmd, argc, argv, &period, &count);
        else if (argc > 1)
                die_usage(cmd, "too many arguments for %s", action->name);
        line = led_line(ctl, name, &named, &t);
        if (line && action->op != MSGQ_OP_LED_STATE)
                lines_check_output(&t.line[line->index]);
        ctl_call_or_die(ctl, ctl->prio, action->op, period, count, NULL, &rep);
        output->led(line, &rep.led);
        return EXIT_OK;
}
