/* SPDX-License-Identifier: MIT */
/*
 * msgqctl --json: one JSON object per document on stdout, opened by the
 * first thing written, closed with a newline by end().  Members as
 * msgqctl(1) lists them.
 */
#include <stdio.h>

#include "input-config.h"
#include "json.h"
#include "msgqctl.h"
#include "output.h"

static struct msgq_json j;
static bool open_object;

/* The document's object, opened on first use. */
static struct msgq_json *doc(void) {
        if (!open_object) {
                msgq_json_init(&j, stdout);
                msgq_json_begin_object(&j, NULL);
                open_object = true;
        }
        return &j;
}

/* Whole nanoseconds: 52.107, not 52.10699999999999. */
static double round_ns(double us) {
        return (double) (int64_t) (us * 1000.0 + 0.5) / 1000.0;
}

/* A line's state: "state", "on", "blinking", "period_ms", "toggles_left", "blinks_left". */
static void state_members(const struct msgq_led_state *led) {
        msgq_json_string(&j, "state", led->blinking ? "blinking" : led->on ? "on" : "off");
        msgq_json_bool(&j, "on", led->on);
        msgq_json_bool(&j, "blinking", led->blinking);
        msgq_json_uint(&j, "period_ms", led->blinking ? led->period_ms : 0);
        msgq_json_uint(&j, "toggles_left", led->blinking ? led->remaining : 0);
        msgq_json_uint(&j, "blinks_left", led_blinks_left(led));
}

/* When msgqd made a state: "time" (UTC), "time_ns" and, when said, "monotonic_ns". */
static void time_members(uint64_t time_ns, uint64_t monotonic_ns) {
        char when[64];

        msgq_json_string(&j, "time", msgq_format_time(time_ns, true, when, sizeof when));
        msgq_json_uint(&j, "time_ns", time_ns);
        if (monotonic_ns)
                msgq_json_uint(&j, "monotonic_ns", monotonic_ns);
}

/*
 * {"state": "blinking", "on": true, "blinking": true, "period_ms": 500, ...},
 * and when msgqd made the state (time_ns 0: not said); a named line's
 * under "line", with its "name" and "index" first.
 */
static void led_object(const struct line_ref *line, const struct msgq_led_state *led,
                       uint64_t time_ns, uint64_t monotonic_ns) {
        msgq_json_begin_object(&j, line ? "line" : "led");
        if (line) {
                msgq_json_string(&j, "name", line->name);
                msgq_json_uint(&j, "index", line->index);
        }
        state_members(led);
        if (time_ns)
                time_members(time_ns, monotonic_ns);
        msgq_json_end_object(&j);
}

static void json_led(const struct line_ref *line, const struct msgq_led_state *led) {
        doc();
        led_object(line, led, 0, 0);
}

static void json_led_change(const struct line_ref *line, const struct msgq_led_state *led,
                            uint64_t time_ns, uint64_t monotonic_ns) {
        doc();
        led_object(line, led, time_ns, monotonic_ns);
}

/* One of msgqd's lines: its name, index and state; with all, its settings and last change too. */
static void line_object(const struct msgq_line_info *l, bool all) {
        msgq_json_begin_object(&j, NULL);
        msgq_json_string(&j, "name", l->name);
        msgq_json_uint(&j, "index", l->st.line);
        state_members(&l->st.led);
        if (all) {
                msgq_json_string(&j, "chip", l->chip);
                msgq_json_uint(&j, "offset", l->offset);
                msgq_json_string(&j, "kind", line_kind_name(l->flags));
                msgq_json_bool(&j, "active_low", l->flags & MSGQ_LINE_F_ACTIVE_LOW);
                msgq_json_string(&j, "start", line_start_name(l->flags));
                msgq_json_string(&j, "stop", l->flags & MSGQ_LINE_F_STOP_KEEP ? "keep" : "off");
                msgq_json_uint(&j, "change", l->st.led.changes);
                msgq_json_uint(&j, "seq", l->st.seq);
                msgq_json_uint(&j, "by_pid", l->by_pid);
        }
        msgq_json_end_object(&j);
}

static void json_lines(const struct msgq_line_info *lines, size_t n, uint32_t daemon_pid,
                       bool names_only) {
        doc();
        if (!names_only)
                msgq_json_uint(&j, "daemon_pid", daemon_pid);
        msgq_json_begin_array(&j, names_only ? "names" : "lines");
        for (size_t i = 0; i < n; i++) {
                if (names_only)
                        msgq_json_string(&j, NULL, lines[i].name);
                else
                        line_object(&lines[i], true);
        }
        msgq_json_end_array(&j);
}

static void json_levels(const struct msgq_line_info *const *lines, size_t n) {
        doc();
        msgq_json_begin_array(&j, "lines");
        for (size_t i = 0; i < n; i++)
                line_object(lines[i], false);
        msgq_json_end_array(&j);
}

static void json_set(const struct set_result *r) {
        doc();
        msgq_json_begin_array(&j, "lines");
        for (size_t i = 0; i < r->n; i++) {
                msgq_json_begin_object(&j, NULL);
                msgq_json_string(&j, "name", r->lines[i]->name);
                msgq_json_uint(&j, "index", r->lines[i]->st.line);
                msgq_json_bool(&j, "on", r->on[i]);
                msgq_json_end_object(&j);
        }
        msgq_json_end_array(&j);
        msgq_json_uint(&j, "changed", r->first ? r->last - r->first + 1 : 0);
        msgq_json_uint(&j, "first_change", r->first);
        msgq_json_uint(&j, "last_change", r->last);
}

/* One document per change (JSON lines). */
static void json_change(const char *name, const struct msgq_change *c) {
        doc();
        msgq_json_begin_object(&j, "line");
        msgq_json_string(&j, "name", name);
        msgq_json_uint(&j, "index", c->st.line);
        state_members(&c->st.led);
        time_members(c->time_ns, 0);
        msgq_json_end_object(&j);
        msgq_json_uint(&j, "change", c->st.led.changes);
        msgq_json_uint(&j, "seq", c->st.seq);
}

static void json_missed(uint32_t missed) {
        doc();
        msgq_json_uint(&j, "missed", missed);
}

/* An input: its line's name, index, level and place, its settings, counter and last change. */
static void input_object(const struct input_row *r) {
        const struct msgq_line_info *l = r->line;
        const struct msgq_input_info *in = r->input;

        msgq_json_begin_object(&j, NULL);
        msgq_json_string(&j, "name", l->name);
        msgq_json_uint(&j, "index", l->st.line);
        msgq_json_string(&j, "state", l->st.led.on ? "on" : "off");
        msgq_json_bool(&j, "on", l->st.led.on);
        msgq_json_string(&j, "chip", l->chip);
        msgq_json_uint(&j, "offset", l->offset);
        msgq_json_bool(&j, "active_low", l->flags & MSGQ_LINE_F_ACTIVE_LOW);
        msgq_json_string(&j, "bias", msgq_input_bias_name(in->bias));
        msgq_json_string(&j, "edges", msgq_input_edges_name(in->edges));
        msgq_json_uint(&j, "debounce_us", in->debounce_us);
        msgq_json_string(&j, "debounce_by", debounce_by_name(in->debounce_by));
        msgq_json_uint(&j, "count", in->count);
        msgq_json_uint(&j, "lost", in->lost);
        msgq_json_uint(&j, "change", l->st.led.changes);
        msgq_json_uint(&j, "seq", l->st.seq);
        msgq_json_end_object(&j);
}

static void json_inputs(const struct input_row *rows, size_t n, uint32_t daemon_pid, bool names_only) {
        doc();
        if (!names_only)
                msgq_json_uint(&j, "daemon_pid", daemon_pid);
        msgq_json_begin_array(&j, names_only ? "names" : "inputs");
        for (size_t i = 0; i < n; i++) {
                if (names_only)
                        msgq_json_string(&j, NULL, rows[i].line->name);
                else
                        input_object(&rows[i]);
        }
        msgq_json_end_array(&j);
}

/* A number, or null for 0: what the kernel did not say. */
static void uint_or_null(const char *key, uint64_t value) {
        if (value)
                msgq_json_uint(&j, key, value);
        else
                msgq_json_string(&j, key, NULL);
}

/* One document per event (JSON lines); an output's change has edge null. */
static void json_event(const char *name, const struct msgq_event *e) {
        const struct msgq_led_state *st = &e->ch.st.led;
        char when[64];

        doc();
        msgq_json_string(&j, "name", name);
        msgq_json_uint(&j, "index", e->ch.st.line);
        msgq_json_string(&j, "edge", edge_name(e->edge));
        msgq_json_string(&j, "state", st->blinking ? "blinking" : st->on ? "on" : "off");
        msgq_json_bool(&j, "on", st->on);
        msgq_json_uint(&j, "change", st->changes);
        msgq_json_uint(&j, "seq", e->ch.st.seq);
        msgq_json_string(&j, "time", msgq_format_time(e->ch.time_ns, true, when, sizeof when));
        msgq_json_uint(&j, "time_ns", e->ch.time_ns);
        uint_or_null("kernel_ns", e->kernel_ns);
        uint_or_null("kernel_seqno", e->kernel_seqno);
        msgq_json_bool(&j, "debounced", e->flags & MSGQ_EVENT_F_DEBOUNCED);
}

static void json_lost(const struct lost *l) {
        static const char *const reasons[] = { [LOST_HISTORY] = "history", [LOST_OVERFLOW] = "overflow",
                                               [LOST_AWAY] = "away" };

        doc();
        if (l->reason == LOST_AWAY)
                msgq_json_string(&j, "lost", NULL);
        else
                msgq_json_uint(&j, "lost", l->count);
        msgq_json_string(&j, "reason", reasons[l->reason]);
        if (l->reason == LOST_HISTORY) {
                msgq_json_uint(&j, "first_change", l->first);
                msgq_json_uint(&j, "last_change", l->last);
                if (l->name) { /* of that line, else of every line */
                        msgq_json_string(&j, "name", l->name);
                        msgq_json_uint(&j, "index", l->index);
                }
                return;
        }
        msgq_json_bool(&j, "at_least", l->at_least);
        msgq_json_string(&j, "name", l->name);
        msgq_json_uint(&j, "index", l->index);
        msgq_json_uint(&j, "before_change", l->before);
}

static void json_sent(size_t bytes, long prio) {
        msgq_json_bool(doc(), "sent", true);
        msgq_json_uint(&j, "bytes", bytes);
        msgq_json_int(&j, "priority", prio);
}

static void json_stopped(uint32_t daemon_pid) {
        msgq_json_bool(doc(), "stopped", true);
        msgq_json_uint(&j, "daemon_pid", daemon_pid);
}

static void stats_members(const struct msgq_reply *rep) {
        const struct msgq_stats *s = &rep->stats;
        uint64_t served = 0;

        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                served += s->served[i];
        msgq_json_uint(&j, "daemon_pid", s->daemon_pid);
        msgq_json_uint(&j, "uptime_ms", s->uptime_ms);
        msgq_json_uint(&j, "served", served);
        msgq_json_begin_array(&j, "served_by_priority");
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                msgq_json_uint(&j, NULL, s->served[i]);
        msgq_json_end_array(&j);
        msgq_json_uint(&j, "errors", s->errors);
        msgq_json_uint(&j, "malformed", s->malformed);
        msgq_json_uint(&j, "replies_late", s->replies_late);
        msgq_json_uint(&j, "replies_deferred", s->replies_deferred);
        msgq_json_uint(&j, "replies_dropped", s->replies_dropped);
        msgq_json_uint(&j, "replies_reclaimed", s->replies_reclaimed);
        msgq_json_uint(&j, "queue_recreated", s->queue_recreated);
        led_object(NULL, &rep->led, 0, 0);
}

static void json_stats(const struct msgq_reply *rep) {
        doc();
        stats_members(rep);
}

static void json_time(const char *key, time_t t) {
        if (t == 0)
                msgq_json_string(&j, key, NULL);
        else
                msgq_json_int(&j, key, (int64_t) t);
}

static void queue_object(const struct queue_info *q) {
        char buf[16];

        msgq_json_begin_object(&j, "queue");
        snprintf(buf, sizeof buf, "0x%08x", (unsigned) q->key);
        msgq_json_string(&j, "key", buf);
        msgq_json_int(&j, "msqid", q->msqid);
        msgq_json_uint(&j, "uid", q->uid);
        msgq_json_string(&j, "user", user_name(q->uid));
        msgq_json_uint(&j, "gid", q->gid);
        msgq_json_string(&j, "group", group_name(q->gid));
        msgq_json_uint(&j, "cuid", q->cuid);
        msgq_json_string(&j, "creator_user", user_name(q->cuid));
        msgq_json_uint(&j, "cgid", q->cgid);
        msgq_json_string(&j, "creator_group", group_name(q->cgid));
        snprintf(buf, sizeof buf, "%04o", q->mode & 0777);
        msgq_json_string(&j, "mode", buf);
        msgq_json_uint(&j, "cbytes", q->cbytes);
        if (q->qbytes_known)
                msgq_json_uint(&j, "qbytes", q->qbytes);
        else
                msgq_json_string(&j, "qbytes", NULL);
        msgq_json_uint(&j, "qnum", q->qnum);
        msgq_json_int(&j, "lspid", q->lspid);
        msgq_json_int(&j, "lrpid", q->lrpid);
        json_time("send_time", q->stime);
        json_time("rcv_time", q->rtime);
        json_time("change_time", q->ctime);
        msgq_json_end_object(&j);
}

static void json_status(const struct queue_info *q, const struct msgq_reply *rep, const char *why) {
        doc();
        queue_object(q);
        if (!rep) {
                msgq_json_string(&j, "daemon", NULL);
                return;
        }
        msgq_json_begin_object(&j, "daemon");
        stats_members(rep);
        msgq_json_end_object(&j);
}

static void json_ping_start(void) {
        msgq_json_begin_array(doc(), "pings");
}

static void json_ping(const struct ping_result *p) {
        char secs[32], message[MSGQ_ERROR_TEXT_MAX + 64];

        msgq_json_begin_object(&j, NULL);
        msgq_json_uint(&j, "seq", p->seq);
        if (!p->answered) {
                snprintf(message, sizeof message, "no answer within %s",
                         format_seconds(p->timeout_ms, secs, sizeof secs));
                msgq_json_string(&j, "error", message);
        } else {
                msgq_json_double(&j, "rtt_us", round_ns(p->rtt_us));
                msgq_json_uint(&j, "daemon_pid", p->daemon_pid);
                if (p->error) {
                        snprintf(message, sizeof message, "msgqd: %s", p->error);
                        msgq_json_string(&j, "error", message);
                }
        }
        msgq_json_end_object(&j);
}

static void json_ping_end(const struct ping_totals *t) {
        msgq_json_end_array(&j);
        msgq_json_uint(&j, "requests", t->requests);
        msgq_json_uint(&j, "replies", t->replies);
        msgq_json_uint(&j, "loss_percent", t->loss_percent);
        if (!t->replies) {
                msgq_json_string(&j, "rtt_us", NULL);
                return;
        }
        msgq_json_begin_object(&j, "rtt_us");
        msgq_json_double(&j, "min", round_ns(t->min));
        msgq_json_double(&j, "avg", round_ns(t->avg));
        msgq_json_double(&j, "max", round_ns(t->max));
        msgq_json_double(&j, "mdev", round_ns(t->mdev));
        msgq_json_end_object(&j);
}

static void json_error(const char *message, int code, const struct msgq_reply *rep) {
        msgq_json_string(doc(), "error", message);
        msgq_json_int(&j, "exit_code", code);
        if (rep) {
                msgq_json_string(&j, "status", msgq_status_to_string(rep->status));
                msgq_json_uint(&j, "status_code", rep->status);
        }
}

static void json_end(void) {
        if (!open_object)
                return;
        msgq_json_end_object(&j);
        msgq_json_finish(&j);
        open_object = false;
}

const struct output json_output = {
        .led = json_led,
        .led_change = json_led_change,
        .lines = json_lines,
        .levels = json_levels,
        .set = json_set,
        .change = json_change,
        .missed = json_missed,
        .inputs = json_inputs,
        .event = json_event,
        .lost = json_lost,
        .sent = json_sent,
        .stopped = json_stopped,
        .stats = json_stats,
        .status = json_status,
        .ping_start = json_ping_start,
        .ping = json_ping,
        .ping_end = json_ping_end,
        .error = json_error,
        .end = json_end,
};
