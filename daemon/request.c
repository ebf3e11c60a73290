/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "line-config.h"
#include "plural.h"
#include "request.h"

typedef int (*handler_fn)(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep);

static int led_error(struct msgqd *d, struct msgq_reply *rep, int r) {
        rep->status = MSGQ_ERR_LED;
        snprintf(rep->error, sizeof rep->error, "cannot drive %s: %s",
                 led_describe(d->lines.line[0].led), strerror(-r));
        log_error("%s", rep->error);
        return r;
}

static int handle_ping(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        return 0;
}

static int handle_led_set(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        bool on = req->op == MSGQ_OP_LED_ON;
        int r = lines_set(&d->lines, req->line, on, &rep->led);

        if (r < 0)
                return led_error(d, rep, r);
        /* Only a change at info: a request that changes nothing is no news. */
        msgq_log_request(r > 0 ? LOG_INFO : LOG_DEBUG, req->pid, req->prio, "LED %s (request from pid %u, priority %ld)",
                         on ? "on" : "off", req->pid, req->prio);
        return 0;
}

static int handle_led_toggle(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        int r = lines_toggle(&d->lines, req->line, &rep->led);

        if (r < 0)
                return led_error(d, rep, r);
        msgq_log_request(LOG_INFO, req->pid, req->prio, "LED toggled %s (request from pid %u, priority %ld)",
                         rep->led.on ? "on" : "off", req->pid, req->prio);
        return 0;
}

static int handle_led_state(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        lines_state(&d->lines, req->line, &rep->led);
        return 0;
}

/* 1: parked until the next change (lines answers it then); 0: answered now. */
static int handle_led_watch(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        struct lines_watcher w = { .pid = req->pid, .token = req->token, .deadline_ns = req->deadline_ns,
                                   .prio = req->prio, .flags = req->flags };
        uint64_t since = (uint64_t) req->arg0 | (uint64_t) req->arg1 << 32;

        if (req->flags & MSGQ_REQ_NO_REPLY) { /* nobody to tell: withdraw the PID's watch */
                lines_unwatch(&d->lines, req->pid);
                lines_state(&d->lines, req->line, &rep->led);
                return 0;
        }
        return lines_watch(&d->lines, since, &w, msgq_now_ns(), &rep->led);
}

static int handle_led_blink(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        int r = lines_blink(&d->lines, req->line, req->arg0, req->arg1, &rep->led);

        if (r < 0)
                return led_error(d, rep, r);
        if (req->arg1)
                msgq_log_request(LOG_INFO, req->pid, req->prio,
                                 "LED blinking, period %u ms, %u %s (request from pid %u, priority %ld)",
                                 req->arg0, req->arg1, plural(req->arg1, "blink", "blinks"), req->pid,
                                 req->prio);
        else
                msgq_log_request(LOG_INFO, req->pid, req->prio,
                                 "LED blinking, period %u ms (request from pid %u, priority %ld)",
                                 req->arg0, req->pid, req->prio);
        return 0;
}

static int handle_send(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        /* The text was checked for control characters when it was decoded. */
        msgq_log_request(LOG_NOTICE, req->pid, req->prio, "message from pid %u, priority %ld: %s",
                         req->pid, req->prio, req->text);
        return 0;
}

static int handle_stats(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        struct msgq_stats *s = &rep->stats;

        lines_state(&d->lines, req->line, &rep->led);
        s->uptime_ms = (msgq_now_ns() - d->start_ns) / 1000000u;
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                s->served[i] = stat_get(&d->stats.served[i]);
        s->errors = stat_get(&d->stats.errors);
        s->malformed = stat_get(&d->stats.malformed);
        s->replies_late = stat_get(&d->stats.replies_late);
        s->replies_deferred = stat_get(&d->stats.replies_deferred);
        s->replies_dropped = stat_get(&d->stats.replies_dropped);
        s->replies_reclaimed = stat_get(&d->stats.replies_reclaimed);
        s->daemon_pid = d->pid;
        s->queue_recreated = __atomic_load_n(&d->stats.queue_recreated, __ATOMIC_RELAXED);
        return 0;
}

static int handle_exit(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        msgq_log_request(LOG_NOTICE, req->pid, req->prio, "exit requested by pid %u", req->pid);
        __atomic_store_n(&d->exit_requested, 1, __ATOMIC_RELEASE);
        wake_up(&d->wake);
        return 0;
}

static const handler_fn handlers[_MSGQ_OP_MAX] = {
        [MSGQ_OP_PING] = handle_ping,
        [MSGQ_OP_LED_ON] = handle_led_set,
        [MSGQ_OP_LED_OFF] = handle_led_set,
        [MSGQ_OP_LED_TOGGLE] = handle_led_toggle,
        [MSGQ_OP_LED_STATE] = handle_led_state,
        [MSGQ_OP_LED_BLINK] = handle_led_blink,
        [MSGQ_OP_SEND] = handle_send,
        [MSGQ_OP_STATS] = handle_stats,
        [MSGQ_OP_EXIT] = handle_exit,
        [MSGQ_OP_LED_WATCH] = handle_led_watch,
};

static void reply_init(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        msgq_reply_clear(rep);
        rep->token = req->token;
        rep->op = req->op;
        rep->daemon_pid = d->pid;
        rep->led_time = (req->flags & MSGQ_REQ_TIME) != 0;
}

/*
 * The line a request names, by index or by name: msgqd's table has one
 * line so far, the default output (doc/PROTOCOL.md, Lines).  0, or status 4
 * in rep with the line named.
 */
static int line_check(const struct msgq_request *req, struct msgq_reply *rep) {
        if (!msgq_op_has_line(req->op))
                return 0;
        rep->status = MSGQ_ERR_INVALID;
        if (req->line_name[0] && !msgq_line_name_eq(req->line_name, MSGQ_LINE_DEFAULT)) {
                snprintf(rep->error, sizeof rep->error, "no line '%s'", req->line_name);
                return -ENOENT;
        }
        if (req->line != 0) {
                snprintf(rep->error, sizeof rep->error, "no line %u: msgqd has 1 line (0, "
                         MSGQ_LINE_DEFAULT ")", req->line);
                return -ERANGE;
        }
        rep->status = MSGQ_OK;
        return 0;
}

static void count_served(struct msgqd *d, long prio) {
        if (msgq_prio_valid(prio))
                stat_inc(&d->stats.served[prio - 1]);
}

bool request_handle(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        int r;

        reply_init(d, req, rep);
        count_served(d, req->prio);
        if (req->op == 0 || req->op >= _MSGQ_OP_MAX || !handlers[req->op]) {
                request_reject(d, req, MSGQ_ERR_UNKNOWN_OP, "unknown operation", rep);
                stat_inc(&d->stats.errors);
                return true;
        }
        r = line_check(req, rep);
        if (r == 0)
                r = handlers[req->op](d, req, rep);
        if (r < 0 || rep->status != MSGQ_OK)
                stat_inc(&d->stats.errors);
        else if (r == 0 && rep->led_time) /* answered now: when msgqd made the state it tells of */
                lines_time_of(&d->lines, rep->led.changes, &rep->led_time_ns, &rep->led_monotonic_ns);
        return r <= 0;
}

void request_reject(struct msgqd *d, const struct msgq_request *req, uint32_t status,
                    const char *why, struct msgq_reply *rep) {
        reply_init(d, req, rep);
        rep->status = status;
        snprintf(rep->error, sizeof rep->error, "%s", why);
}
