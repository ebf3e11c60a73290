/* SPDX-License-Identifier: MIT */
/*
 * msgqctl's text output: "led: on", "label: value" lines with the values
 * aligned, the queue as `ipcs -q -i ID` prints it, ping(8)'s lines.
 * Errors go to stderr only (report.c), so error() writes nothing here.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>

#include "input-config.h"
#include "msgqctl.h"
#include "output.h"
#include "plural.h"

#define FIELD "%-20s"

const struct output *output = &text_output;

const char *format_seconds(uint64_t ms, char *buf, size_t size) {
        unsigned long long s = ms / 1000, frac = ms % 1000;

        if (frac == 0)
                snprintf(buf, size, "%llu s", s);
        else if (frac % 100 == 0)
                snprintf(buf, size, "%llu.%01llu s", s, frac / 100);
        else if (frac % 10 == 0)
                snprintf(buf, size, "%llu.%02llu s", s, frac / 10);
        else
                snprintf(buf, size, "%llu.%03llu s", s, frac);
        return buf;
}

uint32_t led_blinks_left(const struct msgq_led_state *led) {
        return led->blinking ? (led->remaining + 1) / 2 : 0;
}

const char *led_describe(const struct msgq_led_state *led, char *buf, size_t size) {
        uint32_t left = led_blinks_left(led);

        if (!led->blinking)
                snprintf(buf, size, "%s", led->on ? "on" : "off");
        else if (led->remaining == 0)
                snprintf(buf, size, "blinking (period %u ms, until cancelled)",
                         (unsigned) led->period_ms);
        else
                snprintf(buf, size, "blinking (period %u ms, %u blink%s left)",
                         (unsigned) led->period_ms, (unsigned) left, left == 1 ? "" : "s");
        return buf;
}

static void text_led(const struct line_ref *line, const struct msgq_led_state *led) {
        char state[96];

        printf("%s: %s\n", line ? line->name : MSGQ_LINE_DEFAULT, led_describe(led, state, sizeof state));
}

/* The time msgqd made the state first, local, as gpiomon prints an event's. */
static void text_led_change(const struct line_ref *line, const struct msgq_led_state *led,
                            uint64_t time_ns, uint64_t monotonic_ns) {
        char when[64];

        if (time_ns)
                printf("%s ", msgq_format_time(time_ns, false, when, sizeof when));
        text_led(line, led);
}

const char *line_kind_name(uint8_t flags) {
        return flags & MSGQ_LINE_F_INPUT ? "input" : flags & MSGQ_LINE_F_RELAY ? "relay" : "led";
}

const char *line_start_name(uint8_t flags) {
        switch ((flags & MSGQ_LINE_F_START_MASK) >> MSGQ_LINE_F_START_SHIFT) {
        case MSGQ_LINE_START_OFF: return "off";
        case MSGQ_LINE_START_ON: return "on";
        default: return "restore";
        }
}

/* As gpioinfo: a header, then a line each, tab-separated: index, name, where, level, settings, last change. */
static void text_lines(const struct msgq_line_info *lines, size_t n, uint32_t daemon_pid,
                       bool names_only) {
        char state[96], by[32];

        if (!names_only)
                printf("msgqd pid %u - %zu %s:\n", (unsigned) daemon_pid, n, plural(n, "line", "lines"));
        for (size_t i = 0; i < n; i++) {
                const struct msgq_line_info *l = &lines[i];

                if (names_only) {
                        printf("%s\n", l->name);
                        continue;
                }
                if (l->by_pid)
                        snprintf(by, sizeof by, "pid %u", (unsigned) l->by_pid);
                else
                        snprintf(by, sizeof by, "msgqd");
                printf("\tline %2u:\t\"%s\"\t%s:%u\t%s\tkind=%s%s", (unsigned) l->st.line,
                       l->name, l->chip, (unsigned) l->offset,
                       led_describe(&l->st.led, state, sizeof state), line_kind_name(l->flags),
                       l->flags & MSGQ_LINE_F_ACTIVE_LOW ? " active-low" : "");
                if (!(l->flags & MSGQ_LINE_F_INPUT)) /* an input has no start or stop */
                        printf(" start=%s stop=%s", line_start_name(l->flags),
                               l->flags & MSGQ_LINE_F_STOP_KEEP ? "keep" : "off");
                printf("\tchange %llu by %s\n", (unsigned long long) l->st.led.changes, by);
        }
}

const char *edge_name(uint8_t edge) {
        switch (edge) {
        case MSGQ_EDGE_RISING: return "rising";
        case MSGQ_EDGE_FALLING: return "falling";
        case MSGQ_EDGE_AWAY: return "away";
        default: return NULL;
        }
}

const char *debounce_by_name(uint8_t by) {
        switch (by) {
        case MSGQ_DEBOUNCE_KERNEL: return "kernel";
        case MSGQ_DEBOUNCE_MSGQD: return "msgqd";
        default: return "none";
        }
}

/* As list, the inputs: index, name, where, level, settings, counter (and lost), last change. */
static void text_inputs(const struct input_row *rows, size_t n, uint32_t daemon_pid, bool names_only) {
        char period[16];
        const char *bias, *edges;

        if (!names_only)
                printf("msgqd pid %u - %zu %s:\n", (unsigned) daemon_pid, n, plural(n, "input", "inputs"));
        for (size_t i = 0; i < n; i++) {
                const struct msgq_line_info *l = rows[i].line;
                const struct msgq_input_info *in = rows[i].input;

                if (names_only) {
                        printf("%s\n", l->name);
                        continue;
                }
                bias = msgq_input_bias_name(in->bias);
                edges = msgq_input_edges_name(in->edges);
                printf("\tline %2u:\t\"%s\"\t%s:%u\t%s\tedges=%s bias=%s%s debounce=%s",
                       (unsigned) l->st.line, l->name, l->chip, (unsigned) l->offset,
                       l->st.led.on ? "on" : "off", edges ? edges : "?", bias ? bias : "?",
                       l->flags & MSGQ_LINE_F_ACTIVE_LOW ? " active-low" : "",
                       msgq_format_debounce(in->debounce_us, period, sizeof period));
                if (in->debounce_by != MSGQ_DEBOUNCE_NONE)
                        printf(" by=%s", debounce_by_name(in->debounce_by));
                printf("\tcount %llu", (unsigned long long) in->count);
                if (in->lost)
                        printf(" (%llu lost)", (unsigned long long) in->lost);
                printf("\tchange %llu\n", (unsigned long long) l->st.led.changes);
        }
}

/* As gpioget: NAME=on NAME=off on one line, which `set` takes back. */
static void text_levels(const struct msgq_line_info *const *lines, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%s%s=%s", i ? " " : "", lines[i]->name, lines[i]->st.led.on ? "on" : "off");
        putchar('\n');
}

static void text_set(const struct set_result *r) {
        for (size_t i = 0; i < r->n; i++)
                printf("%s%s=%s", i ? " " : "", r->lines[i]->name, r->on[i] ? "on" : "off");
        putchar('\n');
}

/* As gpiomon: the time (local, to the ns), the line, what it became, and the change's number. */
static void text_change(const char *name, const struct msgq_change *c) {
        char when[64], state[96];

        printf("%s %s: %s (change %llu)\n", msgq_format_time(c->time_ns, false, when, sizeof when),
               name, led_describe(&c->st.led, state, sizeof state),
               (unsigned long long) c->st.led.changes);
}

static void text_missed(uint32_t missed) {
        printf("missed %u %s: msgqd no longer keeps %s\n", (unsigned) missed,
               plural(missed, "change", "changes"), plural(missed, "it", "them"));
}

/* As gpiomon: the time the edge stands for (local, to the ns), the line, the edge, the level, the number. */
static void text_event(const char *name, const struct msgq_event *e) {
        char when[64], state[96];
        const char *edge = edge_name(e->edge);

        printf("%s %s: ", msgq_format_time(e->ch.time_ns, false, when, sizeof when), name);
        if (edge) /* an input's */
                printf("%s, %s", edge, e->ch.st.led.on ? "on" : "off");
        else /* an output's change: what it became, as watch prints it */
                printf("%s", led_describe(&e->ch.st.led, state, sizeof state));
        printf(" (change %llu)\n", (unsigned long long) e->ch.st.led.changes);
}

static void text_lost(const struct lost *l) {
        switch (l->reason) {
        case LOST_HISTORY:
                printf("lost %llu %s ", (unsigned long long) l->count, plural(l->count, "change", "changes"));
                if (l->name)
                        printf("of %s (among ", l->name);
                else if (l->of_all)
                        printf("of all lines (");
                else
                        printf("(");
                if (l->first == l->last)
                        printf("%llu", (unsigned long long) l->first);
                else
                        printf("%llu to %llu", (unsigned long long) l->first, (unsigned long long) l->last);
                printf("): msgqd no longer keeps %s\n", plural(l->count, "it", "them"));
                break;
        case LOST_OVERFLOW:
                printf("lost %s%llu %s of %s: the kernel's buffer overflowed\n",
                       l->at_least ? "at least " : "", (unsigned long long) l->count,
                       plural(l->count, "edge", "edges"), l->name);
                break;
        case LOST_AWAY:
                printf("lost edges of %s: msgqd was not running (how many is unknown)\n", l->name);
                break;
        }
}

static void text_sent(size_t bytes, long prio) {
        printf("sent: %zu %s at priority %ld\n", bytes, plural(bytes, "byte", "bytes"), prio);
}

static void text_stopped(uint32_t daemon_pid) {
        printf("msgqd pid %u stopped\n", (unsigned) daemon_pid);
}

static void print_field_u64(const char *label, uint64_t value) {
        printf(FIELD "%llu\n", label, (unsigned long long) value);
}

static void text_stats(const struct msgq_reply *rep) {
        const struct msgq_stats *s = &rep->stats;
        uint64_t served = 0;
        char led[96];

        printf(FIELD "%u\n", "daemon pid:", (unsigned) s->daemon_pid);
        printf(FIELD "%llu.%03llu s\n", "uptime:", (unsigned long long) (s->uptime_ms / 1000),
               (unsigned long long) (s->uptime_ms % 1000));
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                served += s->served[i];
        print_field_u64("served:", served);
        printf(FIELD, "served by priority:");
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                printf("%s%d=%llu", i ? " " : "", i + 1, (unsigned long long) s->served[i]);
        putchar('\n');
        print_field_u64("errors:", s->errors);
        print_field_u64("malformed:", s->malformed);
        print_field_u64("replies late:", s->replies_late);
        print_field_u64("replies deferred:", s->replies_deferred);
        print_field_u64("replies dropped:", s->replies_dropped);
        print_field_u64("replies reclaimed:", s->replies_reclaimed);
        print_field_u64("queue recreated:", s->queue_recreated);
        printf(FIELD "%s\n", "led:", led_describe(&rep->led, led, sizeof led));
}

/* "uid=1000(alice)", or "uid=1000" without a name. */
static void print_id(const char *label, unsigned id, const char *name) {
        if (name)
                printf("%s=%u(%s)", label, id, name);
        else
                printf("%s=%u", label, id);
}

/* As ipcs does: ctime()'s format in local time, or "Not set". */
static const char *format_time(time_t t, char *buf, size_t size) {
        struct tm tm;

        if (t == 0 || !localtime_r(&t, &tm) ||
            strftime(buf, size, "%a %b %e %H:%M:%S %Y", &tm) == 0)
                snprintf(buf, size, "Not set");
        return buf;
}

/* The layout of `ipcs -q -i ID`, with the key and user and group names. */
static void print_queue(const struct queue_info *q) {
        char t[64];

        printf("Message Queue msqid=%d key=0x%08x\n", q->msqid, (unsigned) q->key);
        print_id("uid", q->uid, user_name(q->uid));
        putchar('\t');
        print_id("gid", q->gid, group_name(q->gid));
        putchar('\t');
        print_id("cuid", q->cuid, user_name(q->cuid));
        putchar('\t');
        print_id("cgid", q->cgid, group_name(q->cgid));
        printf("\tmode=%04o\n", q->mode & 0777);
        printf("cbytes=%lu\t", q->cbytes);
        if (q->qbytes_known)
                printf("qbytes=%lu\t", q->qbytes);
        printf("qnum=%lu\tlspid=%d\tlrpid=%d\n", q->qnum, (int) q->lspid, (int) q->lrpid);
        printf("send_time=%s\n", format_time(q->stime, t, sizeof t));
        printf("rcv_time=%s\n", format_time(q->rtime, t, sizeof t));
        printf("change_time=%s\n", format_time(q->ctime, t, sizeof t));
}

static void text_status(const struct queue_info *q, const struct msgq_reply *rep, const char *why) {
        print_queue(q);
        putchar('\n');
        if (rep)
                text_stats(rep);
        else
                printf("msgqd: %s\n", why);
}

static void text_ping_start(void) {
}

static void text_ping(const struct ping_result *p) {
        char secs[32];

        if (!p->answered)
                printf("no reply: seq=%lu (timeout after %s)\n", p->seq,
                       format_seconds(p->timeout_ms, secs, sizeof secs));
        else if (p->error)
                printf("error from msgqd pid %u: seq=%lu: %s\n", (unsigned) p->daemon_pid, p->seq,
                       p->error);
        else
                printf("reply from msgqd pid %u: seq=%lu time=%.1f µs\n", (unsigned) p->daemon_pid,
                       p->seq, p->rtt_us);
}

static void text_ping_end(const struct ping_totals *t) {
        printf("%lu %s, %lu %s, %lu%% loss", t->requests, plural(t->requests, "request", "requests"),
               t->replies, plural(t->replies, "reply", "replies"), t->loss_percent);
        if (t->replies)
                printf("; rtt min/avg/max/mdev = %.1f/%.1f/%.1f/%.1f µs", t->min, t->avg, t->max,
                       t->mdev);
        putchar('\n');
}

static void text_error(const char *message, int code, const struct msgq_reply *rep) {
}

static void text_end(void) {
}

const struct output text_output = {
        .led = text_led,
        .led_change = text_led_change,
        .lines = text_lines,
        .levels = text_levels,
        .set = text_set,
        .change = text_change,
        .missed = text_missed,
        .inputs = text_inputs,
        .event = text_event,
        .lost = text_lost,
        .sent = text_sent,
        .stopped = text_stopped,
        .stats = text_stats,
        .status = text_status,
        .ping_start = text_ping_start,
        .ping = text_ping,
        .ping_end = text_ping_end,
        .error = text_error,
        .end = text_end,
};

/* -q: nothing on stdout; errors still on stderr. */
static void quiet_led(const struct line_ref *line, const struct msgq_led_state *led) {
}

static void quiet_led_change(const struct line_ref *line, const struct msgq_led_state *led,
                             uint64_t time_ns, uint64_t monotonic_ns) {
}

static void quiet_lines(const struct msgq_line_info *lines, size_t n, uint32_t daemon_pid,
                        bool names_only) {
}

static void quiet_levels(const struct msgq_line_info *const *lines, size_t n) {
}

static void quiet_set(const struct set_result *r) {
}

static void quiet_change(const char *name, const struct msgq_change *c) {
}

static void quiet_missed(uint32_t missed) {
}

static void quiet_inputs(const struct input_row *rows, size_t n, uint32_t daemon_pid, bool names_only) {
}

static void quiet_event(const char *name, const struct msgq_event *e) {
}

static void quiet_lost(const struct lost *l) {
}

static void quiet_sent(size_t bytes, long prio) {
}

static void quiet_stopped(uint32_t daemon_pid) {
}

static void quiet_stats(const struct msgq_reply *rep) {
}

static void quiet_status(const struct queue_info *q, const struct msgq_reply *rep, const char *why) {
}

static void quiet_ping(const struct ping_result *p) {
}

static void quiet_ping_end(const struct ping_totals *t) {
}

const struct output quiet_output = {
        .led = quiet_led,
        .led_change = quiet_led_change,
        .lines = quiet_lines,
        .levels = quiet_levels,
        .set = quiet_set,
        .change = quiet_change,
        .missed = quiet_missed,
        .inputs = quiet_inputs,
        .event = quiet_event,
        .lost = quiet_lost,
        .sent = quiet_sent,
        .stopped = quiet_stopped,
        .stats = quiet_stats,
        .status = quiet_status,
        .ping_start = text_ping_start,
        .ping = quiet_ping,
        .ping_end = quiet_ping_end,
        .error = text_error,
        .end = text_end,
};
