/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "line-config.h"
#include "plural.h"
#include "request.h"

typedef int (*handler_fn)(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                          struct change_log *log);

static void log_change(struct change_log *log, int level, enum change_kind kind, size_t line, bool on) {
        if (log->n < MSGQ_LINES_MAX)
                log->entry[log->n++] = (struct change_entry) { .line = (uint16_t) line, .kind = (uint8_t) kind,
                                                               .on = on, .level = level };
}

/* Line i could not be driven: status 6, naming it. */
static int led_error(struct msgqd *d, size_t i, struct msgq_reply *rep, int r) {
        rep->status = MSGQ_ERR_LED;
        if (i == 0) /* msgq 0.1's words */
                snprintf(rep->error, sizeof rep->error, "cannot drive %s: %s",
                         led_describe(d->lines.line[0].led), strerror(-r));
        else
                snprintf(rep->error, sizeof rep->error, "cannot drive %s (%s): %s", d->lines.line[i].name,
                         led_describe(d->lines.line[i].led), strerror(-r));
        log_error("%s", rep->error);
        return r;
}

/* What the log calls line i ("LED", or its name), and the line's name for MSGQ_LINE=. */
static const char *label(const struct msgqd *d, size_t i) {
        return line_label(&d->lines.line[i]);
}

static const char *name(const struct msgqd *d, size_t i) {
        return d->lines.line[i].name;
}

static int handle_ping(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                       struct change_log *log) {
        return 0;
}

static int handle_led_set(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                          struct change_log *log) {
        bool on = req->op == MSGQ_OP_LED_ON;
        int r = lines_set(&d->lines, rep->line, on, req->pid, &rep->led);

        if (r < 0)
                return led_error(d, rep->line, rep, r);
        /* Only a change at info: a request that changes nothing is no news. */
        log_change(log, r > 0 ? LOG_INFO : LOG_DEBUG, CHANGE_SET, rep->line, on);
        return 0;
}

static int handle_led_toggle(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                             struct change_log *log) {
        int r = lines_toggle(&d->lines, rep->line, req->pid, &rep->led);

        if (r < 0)
                return led_error(d, rep->line, rep, r);
        log_change(log, LOG_INFO, CHANGE_TOGGLE, rep->line, rep->led.on);
        return 0;
}

static int handle_led_state(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                            struct change_log *log) {
        lines_state(&d->lines, rep->line, &rep->led);
        return 0;
}

/* 1: parked until the next change (lines answers it then); 0: answered now. */
static int handle_led_watch(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                            struct change_log *log) {
        struct lines_watcher w = { .pid = req->pid, .token = req->token, .deadline_ns = req->deadline_ns,
                                   .prio = req->prio, .flags = req->flags, .op = req->op, .line = rep->line };
        uint64_t since = (uint64_t) req->arg0 | (uint64_t) req->arg1 << 32;

        if (req->flags & MSGQ_REQ_NO_REPLY) { /* nobody to tell: withdraw the PID's watch */
                lines_unwatch(&d->lines, req->pid);
                lines_state(&d->lines, rep->line, &rep->led);
                return 0;
        }
        return lines_watch(&d->lines, since, &w, msgq_now_ns(), &rep->led);
}

/* line-watch, line-events: as led-watch, with every kept change after the number named; one ahead is refused. */
static int handle_line_watch(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                             struct change_log *log) {
        struct lines_watcher w = { .pid = req->pid, .token = req->token, .deadline_ns = req->deadline_ns,
                                   .prio = req->prio, .flags = req->flags, .op = req->op, .line = rep->line };
        uint64_t since = (uint64_t) req->arg0 | (uint64_t) req->arg1 << 32;
        int r;

        if (req->flags & MSGQ_REQ_NO_REPLY) {
                lines_unwatch(&d->lines, req->pid);
                return 0;
        }
        w.since = since;
        r = lines_changes(&d->lines, rep->line, since, &w, msgq_now_ns(), rep);
        if (r == -ERANGE) {
                rep->status = MSGQ_ERR_INVALID;
                snprintf(rep->error, sizeof rep->error, "change %" PRIu64 " is ahead of msgqd's last, %" PRIu64
                         ": list the lines and watch from there", since, rep->led.changes);
        }
        return r;
}

/* line-list: the lines from index arg0 on, as many as fit in one reply. */
static int handle_line_list(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                            struct change_log *log) {
        lines_list(&d->lines, req->arg0, rep);
        return 0;
}

/* input-list: the inputs from index arg0 on, as many as fit in one reply. */
static int handle_input_list(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                             struct change_log *log) {
        lines_inputs(&d->lines, req->arg0, rep);
        return 0;
}

/* Line i is an input, which no request drives: status 4, naming it as the request did. */
static int is_input(struct msgqd *d, bool by_name, size_t i, struct msgq_reply *rep) {
        rep->status = MSGQ_ERR_INVALID;
        if (by_name)
                snprintf(rep->error, sizeof rep->error, "'%s' is an input", name(d, i));
        else
                snprintf(rep->error, sizeof rep->error, "line %zu is an input", i);
        return -EPERM;
}

/* "no line 7: msgqd has 3 lines (0 to 2)", or msgq 0.1's "(0, led)" for one. */
static void no_such_index(const struct lines *c, unsigned i, struct msgq_reply *rep) {
        rep->status = MSGQ_ERR_INVALID;
        if (c->n == 1)
                snprintf(rep->error, sizeof rep->error, "no line %u: msgqd has 1 line (0, %s)", i,
                         c->line[0].name);
        else
                snprintf(rep->error, sizeof rep->error, "no line %u: msgqd has %zu lines (0 to %zu)", i, c->n,
                         c->n - 1);
}

/* The index of line-set's entry k: by its name (text) or as given (binary); -ENOENT naming it. */
static int set_entry(struct msgqd *d, const struct msgq_request *req, size_t k, struct msgq_reply *rep) {
        const char *n = msgq_line_value_name(req, k);
        int i = n[0] ? lines_find(&d->lines, n) : req->values[k].line;

        if (i >= 0 && (size_t) i < d->lines.n)
                return lines_is_input(&d->lines, (size_t) i) ? is_input(d, n[0], (size_t) i, rep) : i;
        rep->status = MSGQ_ERR_INVALID;
        if (n[0])
                snprintf(rep->error, sizeof rep->error, "no line '%s'", n);
        else
                no_such_index(&d->lines, req->values[k].line, rep);
        return -ENOENT;
}

/* line-set: every entry checked first; then one call for them all, each change numbered in order. */
static int handle_line_set(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                           struct change_log *log) {
        uint16_t line[MSGQ_LINES_MAX];
        bool on[MSGQ_LINES_MAX];
        uint64_t changed = 0;
        size_t bad = 0;
        int r;

        for (size_t k = 0; k < req->nvalues; k++) {
                r = set_entry(d, req, k, rep);
                if (r < 0)
                        return r;
                line[k] = (uint16_t) r;
                on[k] = req->values[k].on;
        }
        r = lines_set_many(&d->lines, line, on, req->nvalues, req->pid, &bad, &changed, rep);
        if (r == -EINVAL) { /* one line twice, by two names of one case-blind name */
                rep->status = MSGQ_ERR_INVALID;
                snprintf(rep->error, sizeof rep->error, "line '%s' named twice", name(d, line[bad]));
                return r;
        }
        if (r < 0)
                return led_error(d, line[bad], rep, r);
        for (size_t k = 0; k < req->nvalues; k++)
                if (changed & (1ull << line[k]))
                        log_change(log, LOG_INFO, CHANGE_LINE_SET, line[k], on[k]);
        return 0;
}

static int handle_led_blink(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                            struct change_log *log) {
        int r = lines_blink(&d->lines, rep->line, req->arg0, req->arg1, req->pid, &rep->led);

        if (r < 0)
                return led_error(d, rep->line, rep, r);
        log_change(log, LOG_INFO, CHANGE_BLINK, rep->line, true);
        return 0;
}

static int handle_send(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                       struct change_log *log) {
        /* The text was checked for control characters when it was decoded. */
        msgq_log_request(LOG_NOTICE, req->pid, req->prio, "message from pid %u, priority %ld: %s",
                         req->pid, req->prio, req->text);
        return 0;
}

static int handle_stats(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                        struct change_log *log) {
        struct msgq_stats *s = &rep->stats;

        lines_state(&d->lines, 0, &rep->led); /* the default output's, as msgq 0.1's */
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

static int handle_exit(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                       struct change_log *log) {
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
        [MSGQ_OP_LINE_SET] = handle_line_set,
        [MSGQ_OP_LINE_LIST] = handle_line_list,
        [MSGQ_OP_LINE_WATCH] = handle_line_watch,
        [MSGQ_OP_LINE_EVENTS] = handle_line_watch,
        [MSGQ_OP_INPUT_LIST] = handle_input_list,
};

static void reply_init(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        msgq_reply_clear(rep);
        rep->token = req->token;
        rep->op = req->op;
        rep->daemon_pid = d->pid;
        rep->led_time = (req->flags & MSGQ_REQ_TIME) != 0;
}

/* Whether op drives its line: on, off, toggle, blink (an input's is refused). */
static bool drives(uint16_t op) {
        return op == MSGQ_OP_LED_ON || op == MSGQ_OP_LED_OFF || op == MSGQ_OP_LED_TOGGLE ||
               op == MSGQ_OP_LED_BLINK;
}

/*
 * The line a request names, by index or by name (doc/PROTOCOL.md, Lines):
 * into rep->line (and its name into rep->line_name, for a text reply).
 * 0, or status 4 in rep with the line named.
 */
_Static_assert(sizeof ((struct msgq_reply *) 0)->line_name == sizeof ((struct line *) 0)->name,
               "a line's name is copied whole into a reply");

static int line_check(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep) {
        const struct lines *c = &d->lines;
        int i = req->line;

        if (!msgq_op_has_line(req->op))
                return 0;
        if (msgq_op_is_watch(req->op) && req->line == MSGQ_LINE_ALL) {
                rep->line = MSGQ_LINE_ALL;
                return 0;
        }
        rep->status = MSGQ_ERR_INVALID;
        if (req->line_name[0] && (i = lines_find(c, req->line_name)) < 0) {
                snprintf(rep->error, sizeof rep->error, "no line '%s'", req->line_name);
                return -ENOENT;
        }
        if ((size_t) i >= c->n) {
                no_such_index(c, (unsigned) i, rep);
                return -ERANGE;
        }
        if (drives(req->op) && lines_is_input(c, (size_t) i))
                return is_input(d, req->line_name[0], (size_t) i, rep);
        rep->status = MSGQ_OK;
        rep->line = (uint16_t) i;
        memcpy(rep->line_name, c->line[i].name, sizeof rep->line_name); /* both NUL-terminated, one size */
        return 0;
}

static void count_served(struct msgqd *d, long prio) {
        if (msgq_prio_valid(prio))
                stat_inc(&d->stats.served[prio - 1]);
}

bool request_handle(struct msgqd *d, const struct msgq_request *req, struct msgq_reply *rep,
                    struct change_log *log) {
        int r;

        log->n = 0;
        reply_init(d, req, rep);
        count_served(d, req->prio);
        if (req->op == 0 || req->op >= _MSGQ_OP_MAX || !handlers[req->op]) {
                request_reject(d, req, MSGQ_ERR_UNKNOWN_OP, "unknown operation", rep);
                stat_inc(&d->stats.errors);
                return true;
        }
        r = line_check(d, req, rep);
        if (r == 0)
                r = handlers[req->op](d, req, rep, log);
        if (r < 0 || rep->status != MSGQ_OK)
                stat_inc(&d->stats.errors);
        else if (r == 0 && rep->led_time) /* answered now: when msgqd made the state it tells of */
                lines_time_of(&d->lines, rep->led.changes, &rep->led_time_ns, &rep->led_monotonic_ns);
        return r <= 0;
}

void request_log_changes(struct msgqd *d, const struct msgq_request *req, const struct change_log *log) {
        for (size_t k = 0; k < log->n; k++) {
                const struct change_entry *e = &log->entry[k];
                const char *what = e->on ? "on" : "off";

                switch (e->kind) {
                case CHANGE_SET:
                        msgq_log_line(e->level, req->pid, req->prio, name(d, e->line),
                                      "%s %s (request from pid %u, priority %ld)", label(d, e->line), what,
                                      req->pid, req->prio);
                        break;
                case CHANGE_TOGGLE:
                        msgq_log_line(e->level, req->pid, req->prio, name(d, e->line),
                                      "%s toggled %s (request from pid %u, priority %ld)", label(d, e->line), what,
                                      req->pid, req->prio);
                        break;
                case CHANGE_LINE_SET:
                        msgq_log_line(e->level, req->pid, req->prio, name(d, e->line),
                                      "%s %s (set of %u %s, request from pid %u, priority %ld)",
                                      label(d, e->line), what, req->nvalues,
                                      plural(req->nvalues, "line", "lines"), req->pid, req->prio);
                        break;
                case CHANGE_BLINK:
                        if (req->arg1)
                                msgq_log_line(e->level, req->pid, req->prio, name(d, e->line),
                                              "%s blinking, period %u ms, %u %s (request from pid %u, priority %ld)",
                                              label(d, e->line), req->arg0, req->arg1,
                                              plural(req->arg1, "blink", "blinks"), req->pid, req->prio);
                        else
                                msgq_log_line(e->level, req->pid, req->prio, name(d, e->line),
                                              "%s blinking, period %u ms (request from pid %u, priority %ld)",
                                              label(d, e->line), req->arg0, req->pid, req->prio);
                        break;
                }
        }
}

void request_reject(struct msgqd *d, const struct msgq_request *req, uint32_t status,
                    const char *why, struct msgq_reply *rep) {
        reply_init(d, req, rep);
        rep->status = status;
        snprintf(rep->error, sizeof rep->error, "%s", why);
}
