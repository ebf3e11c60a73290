/* SPDX-License-Identifier: MIT */
/* msgqctl led on|off|toggle|state|blink|watch, and how an LED state is printed. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "msgqctl.h"
#include "parse.h"

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

/* How long one led-watch waits for a change before msgqctl checks msgqd is there. */
#define WATCH_WAIT_MS 30000u

static const struct led_action *led_action_find(const char *name) {
        for (size_t i = 0; i < sizeof(led_actions) / sizeof(led_actions[0]); i++)
                if (strcmp(led_actions[i].name, name) == 0)
                        return &led_actions[i];
        return NULL;
}

/* "on", "off", "blinking (period 500 ms, 6 toggles left)". */
const char *led_describe(const struct msgq_led_state *led, char *buf, size_t size) {
        if (!led->blinking)
                snprintf(buf, size, "%s", led->on ? "on" : "off");
        else if (led->remaining == 0)
                snprintf(buf, size, "blinking (period %u ms, until cancelled)",
                         (unsigned) led->period_ms);
        else
                snprintf(buf, size, "blinking (period %u ms, %u toggle%s left)",
                         (unsigned) led->period_ms, (unsigned) led->remaining,
                         led->remaining == 1 ? "" : "s");
        return buf;
}

/* {"state": "blinking", "on": true, "blinking": true, "period_ms": 500, "toggles_left": 6} */
void led_print_json(struct msgq_json *j, const char *key, const struct msgq_led_state *led) {
        msgq_json_begin_object(j, key);
        msgq_json_string(j, "state", led->blinking ? "blinking" : led->on ? "on" : "off");
        msgq_json_bool(j, "on", led->on);
        msgq_json_bool(j, "blinking", led->blinking);
        msgq_json_uint(j, "period_ms", led->blinking ? led->period_ms : 0);
        msgq_json_uint(j, "toggles_left", led->blinking ? led->remaining : 0);
        msgq_json_end_object(j);
}

static void parse_blink(const struct command *cmd, int argc, char **argv, uint32_t *period,
                        uint32_t *count) {
        unsigned long v;

        if (argc < 2)
                die_usage(cmd, "blink needs PERIOD_MS");
        if (argc > 3)
                die_usage(cmd, "too many arguments for blink");
        if (msgq_parse_uint(argv[1], MSGQ_BLINK_PERIOD_MIN_MS, MSGQ_BLINK_PERIOD_MAX_MS, &v) < 0)
                die_usage(cmd, "invalid blink period '%s': expected %u..%u ms", argv[1],
                          MSGQ_BLINK_PERIOD_MIN_MS, MSGQ_BLINK_PERIOD_MAX_MS);
        *period = (uint32_t) v;
        *count = 0;
        if (argc < 3)
                return;
        if (msgq_parse_uint(argv[2], 0, MSGQ_BLINK_COUNT_MAX, &v) < 0)
                die_usage(cmd, "invalid blink count '%s': expected 0..%u flashes "
                          "(0: until cancelled)", argv[2], MSGQ_BLINK_COUNT_MAX);
        *count = (uint32_t) v;
}

static void print_led(const struct ctl *ctl, const struct msgq_led_state *led) {
        char state[96];

        if (ctl->json) {
                struct msgq_json j;

                msgq_json_init(&j, stdout);
                msgq_json_begin_object(&j, NULL);
                led_print_json(&j, "led", led);
                msgq_json_end_object(&j);
                msgq_json_finish(&j);
        } else {
                printf("led: %s\n", led_describe(led, state, sizeof(state)));
        }
        fflush(stdout);
}

/*
 * The state, then each change as msgqd answers a led-watch for the change
 * number last seen.  A watch that times out is followed by a plain state
 * request, which fails (and ends msgqctl) when msgqd is gone.
 */
static int led_watch(struct ctl *ctl, unsigned long count) {
        uint64_t timeout_ms = ctl->timeout_ms;
        struct msgq_reply rep;
        unsigned long printed = 0;
        int r;

        ctl_call_or_die(ctl, ctl->prio, MSGQ_OP_LED_STATE, 0, 0, NULL, &rep);
        for (;;) {
                uint64_t seen = rep.led.changes;

                print_led(ctl, &rep.led);
                if (++printed == count)
                        return EXIT_OK;
                do {
                        ctl->timeout_ms = WATCH_WAIT_MS;
                        r = ctl_call(ctl, ctl->prio, MSGQ_OP_LED_WATCH, (uint32_t) seen,
                                     (uint32_t) (seen >> 32), NULL, &rep);
                        ctl->timeout_ms = timeout_ms;
                        if (r == -ETIMEDOUT) {
                                ctl_call_or_die(ctl, ctl->prio, MSGQ_OP_LED_STATE, 0, 0, NULL, &rep);
                                r = rep.led.changes == seen ? -EAGAIN : 0;
                        } else {
                                ctl_check_or_die(ctl, r, &rep);
                        }
                } while (r == -EAGAIN);
        }
}

int cmd_led(struct ctl *ctl, const struct command *cmd, int argc, char **argv) {
        static const struct option options[] = { COMMAND_HELP_OPTION, {} };
        const struct led_action *action;
        uint32_t period = 0, count = 0;
        struct msgq_reply rep;

        while (command_getopt(cmd, argc, argv, "+:h", options) != -1)
                ;
        argc -= optind;
        argv += optind;
        if (argc < 1)
                die_usage(cmd, "missing action: on, off, toggle, state, blink or watch");
        action = led_action_find(argv[0]);
        if (!action)
                die_usage(cmd, "unknown action '%s': expected on, off, toggle, state, blink or watch",
                          argv[0]);
        if (action->op == MSGQ_OP_LED_WATCH) {
                unsigned long lines = 0;

                if (argc > 2)
                        die_usage(cmd, "too many arguments for watch");
                if (argc == 2 && msgq_parse_uint(argv[1], 1, ULONG_MAX, &lines) < 0)
                        die_usage(cmd, "invalid count '%s': expected a number of lines, 1 or more", argv[1]);
                return led_watch(ctl, lines);
        }
        if (action->op == MSGQ_OP_LED_BLINK)
                parse_blink(cmd, argc, argv, &period, &count);
        else if (argc > 1)
                die_usage(cmd, "too many arguments for %s", action->name);

        ctl_call_or_die(ctl, ctl->prio, action->op, period, count, NULL, &rep);
        print_led(ctl, &rep.led);
        return EXIT_OK;
}
