/* SPDX-License-Identifier: MIT */
/*
 * msgqctl's side of a conversation with msgqd: the global options and the
 * configuration (resolved once, as msgqd and msgq-mqtt resolve it), the
 * queue opened on first use, one request at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interrupt.h"
#include "msgq-build.h"
#include "msgqctl.h"
#include "output.h"
#include "parse.h"

/* The global options' values, once all options are read: usage errors. */
static void check_global_options(struct ctl *ctl) {
        const struct global_args *g = &ctl->args;
        char expected[160];
        int r;

        if (g->error[0])
                die_usage(g->error_cmd, "%s", g->error);
        if (g->key && (r = msgq_parse_key(g->key, &ctl->key)) < 0)
                die_usage(NULL, "invalid key '%s': %s", g->key,
                          msgq_config_expected("key", r, expected, sizeof expected));
        if (g->timeout && msgq_parse_duration(g->timeout, 1000, 1, 3600000, &ctl->timeout_ms) < 0)
                die_usage(NULL, "invalid timeout '%s': expected seconds (or 500ms, 2s, 1min), "
                          "more than 0 and at most 3600 s", g->timeout);
        if (g->prio)
                ctl->prio = parse_priority(NULL, g->prio);
}

void ctl_configure(struct ctl *ctl, const struct command *cmd) {
        char err[512];

        output = ctl->args.quiet ? &quiet_output : ctl->args.json ? &json_output : &text_output;
        check_global_options(ctl);
        if (ctl->args.version) {
                printf("%s %s (protocol %d)\n", PROGRAM_NAME, PACKAGE_VERSION,
                       MSGQ_PROTOCOL_VERSION);
                exit(output_finish(EXIT_OK));
        }
        if (cmd && cmd->no_queue)
                return;
        ctl->config_path = ctl->args.config ? ctl->args.config : msgq_config_default_path();
        if (msgq_config_resolve(&ctl->config, ctl->args.config, ctl->args.key, err,
                                sizeof err) < 0)
                die(EXIT_USAGE, "%s", err);
        ctl->key = ctl->config.key;
}

int ctl_open(struct ctl *ctl) {
        if (ctl->msgq)
                return 0;
        return msgq_open(&ctl->msgq, ctl->key);
}

void ctl_close(struct ctl *ctl) {
        interrupt_end();
        msgq_close(ctl->msgq);
        ctl->msgq = NULL;
}

/* libmsgq's call for op (the LED's on line), its figures where msgqd's reply would carry them. */
static int call_op(struct msgq *m, unsigned line, uint64_t timeout_ms, uint16_t op, uint32_t arg0,
                   uint32_t arg1, const char *text, struct msgq_reply *rep) {
        switch (op) {
        case MSGQ_OP_PING: return msgq_ping(m);
        case MSGQ_OP_LED_ON: return msgq_line_on(m, line, &rep->led);
        case MSGQ_OP_LED_OFF: return msgq_line_off(m, line, &rep->led);
        case MSGQ_OP_LED_TOGGLE: return msgq_line_toggle(m, line, &rep->led);
        case MSGQ_OP_LED_STATE: return msgq_line_state(m, line, &rep->led);
        case MSGQ_OP_LED_BLINK: return msgq_line_blink(m, line, arg0, arg1, &rep->led);
        case MSGQ_OP_LED_WATCH:
                return msgq_line_wait(m, line, arg0 | (uint64_t) arg1 << 32, (unsigned) timeout_ms,
                                      &rep->led);
        case MSGQ_OP_STATS: return msgq_get_stats(m, &rep->stats, &rep->led);
        case MSGQ_OP_SEND: return msgq_send(m, text ? text : "");
        case MSGQ_OP_EXIT: return msgq_shutdown(m);
        default: return -EOPNOTSUPP;
        }
}

/*
 * msgqd's error reply as report.c words it: the status, and msgqd's own
 * text, which msgq_errmsg() gives after "STATUS: ".
 */
static void refused(const struct msgq *m, struct msgq_reply *rep) {
        const char *what, *msg = msgq_errmsg(m);
        size_t n;

        rep->status = (uint32_t) msgq_daemon_status(m);
        what = msgq_status_to_string(rep->status);
        n = strlen(what);
        if (strncmp(msg, what, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
                msg += n + 2;
        else if (strcmp(msg, what) == 0)
                msg = "";
        snprintf(rep->error, sizeof rep->error, "%s", msg);
}

int ctl_call_within(struct ctl *ctl, uint64_t timeout_ms, long prio, uint16_t op, uint32_t arg0,
                    uint32_t arg1, const char *text, struct msgq_reply *rep) {
        int r;

        if (text && strlen(text) > MSGQ_TEXT_MAX)
                return -EMSGSIZE;
        r = ctl_open(ctl);
        if (r < 0)
                return r;
        memset(rep, 0, sizeof *rep);
        rep->op = op;
        r = msgq_set_timeout(ctl->msgq, (unsigned) timeout_ms);
        if (r == 0)
                r = msgq_set_priority(ctl->msgq, (int) prio);
        if (r == 0)
                r = call_op(ctl->msgq, ctl->line, timeout_ms, op, arg0, arg1, text, rep);
        if (r == 0 && msgq_op_has_led(op) && op != MSGQ_OP_STATS) /* when msgqd made the state */
                rep->led_time = msgq_led_time(ctl->msgq, &rep->led_time_ns, &rep->led_monotonic_ns) == 0;
        rep->daemon_pid = msgq_daemon_pid(ctl->msgq);
        if (r < 0 && msgq_daemon_status(ctl->msgq) != MSGQ_OK) {
                refused(ctl->msgq, rep);
                return 0;
        }
        return r;
}

/* Within -t, but not more than CTL_TIDY_WAIT_MS. */
static unsigned tidy_ms(const struct ctl *ctl) {
        return (unsigned) (ctl->timeout_ms < CTL_TIDY_WAIT_MS ? ctl->timeout_ms : CTL_TIDY_WAIT_MS);
}

void ctl_tidy(struct ctl *ctl) {
        struct msgq_reply rep;

        ctl_call_within(ctl, tidy_ms(ctl), ctl->prio, MSGQ_OP_PING, 0, 0, NULL, &rep);
}

void ctl_led_unwatch(struct ctl *ctl) {
        if (ctl_open(ctl) == 0 && msgq_set_timeout(ctl->msgq, tidy_ms(ctl)) == 0 &&
            msgq_set_priority(ctl->msgq, (int) ctl->prio) == 0)
                msgq_led_unwatch(ctl->msgq);
}

int ctl_call(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
             const char *text, struct msgq_reply *rep) {
        return ctl_call_within(ctl, ctl->timeout_ms, prio, op, arg0, arg1, text, rep);
}

struct msgq *ctl_msgq(struct ctl *ctl, uint64_t timeout_ms) {
        int r = ctl_open(ctl);

        if (r == 0)
                r = msgq_set_timeout(ctl->msgq, (unsigned) timeout_ms);
        if (r == 0)
                r = msgq_set_priority(ctl->msgq, (int) ctl->prio);
        if (r < 0)
                exit(output_finish(report_errno(ctl, r)));
        return ctl->msgq;
}

void ctl_msgq_check_or_die(struct ctl *ctl, int r) {
        struct msgq_reply rep;

        if (r >= 0)
                return;
        memset(&rep, 0, sizeof rep);
        if (msgq_daemon_status(ctl->msgq) != MSGQ_OK) {
                refused(ctl->msgq, &rep);
                exit(output_finish(report_reply(&rep)));
        }
        switch (r) {
        case -ETIMEDOUT: case -EIDRM: case -EACCES: case -EPERM: case -ENOENT:
                ctl_check_or_die(ctl, r, &rep);
                break;
        default: /* the library's own words: msgqd's answer made no sense, it restarted ... */
                exit(output_finish(report(EXIT_UNAVAILABLE, NULL, "%s", msgq_errmsg(ctl->msgq))));
        }
}

void ctl_call_or_die(struct ctl *ctl, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
                     const char *text, struct msgq_reply *rep) {
        ctl_check_or_die(ctl, ctl_call(ctl, prio, op, arg0, arg1, text, rep), rep);
}

void ctl_check_or_die(const struct ctl *ctl, int r, const struct msgq_reply *rep) {
        if (r < 0)
                exit(output_finish(report_errno(ctl, r)));
        if (rep->status != MSGQ_OK)
                exit(output_finish(report_reply(rep)));
}
