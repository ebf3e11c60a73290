/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "clock.h"
#include "line-config.h"
#include "log.h"
#include "plural.h"
#include "queue.h"

#define MS (1000000ull) /* nanoseconds */
/* How often a thread with news cancels the watcher's call until it has taken them. */
#define WATCH_NUDGE_NS (1 * 1000000L)

/* ---- publishing (worker thread) ---- */

static void publish(struct board *b, const char *subtopic, char *payload, bool retain) {
        if (!payload) {
                log_error("out of memory for a message on %s", subtopic);
                return;
        }
        b->out.publish(b->out.userdata, subtopic, payload, retain);
        free(payload);
}

static bool broker_up(struct board *b) {
        bool up;

        pthread_mutex_lock(&b->lock);
        up = b->broker_up;
        pthread_mutex_unlock(&b->lock);
        return up;
}

/* <line's topic>/<what>: led/state, pump/attributes, ... */
static const char *line_topic(const struct board_line *l, const char *what, char *buf, size_t size) {
        snprintf(buf, size, "%s/%s", l->topic, what);
        return buf;
}

/* <topic>/state of input l, retained: its level, counter (count NULL: not known) and last change. */
static void publish_input_state(struct board *b, struct board_line *l, bool on, const uint64_t *count,
                                uint64_t number) {
        char topic[MSGQ_LINE_NAME_MAX + 16];

        publish(b, line_topic(l, "state", topic, sizeof topic), payload_input_state(on, count, number), true);
        l->in_on = on;
        l->in_number = number;
        l->in_count_known = count != NULL;
        l->in_count = count ? *count : 0;
        l->in_published = true;
}

/* The kernel's CLOCK_MONOTONIC time of an edge as the wall-clock time it stands for (0: none). */
static uint64_t wall_time(uint64_t kernel_ns) {
        uint64_t now = msgq_now_ns(), wall = msgq_wall_ns();

        if (!kernel_ns)
                return 0;
        return kernel_ns <= now ? wall - (now - kernel_ns) : wall + (kernel_ns - now);
}

/*
 * An input's change h on <topic>/event (not retained: HA ignores a
 * retained event), then <topic>/state (retained): an edge the kernel lost
 * others just before is told as missed (overflow) first; a level msgqd
 * found changed at its start is missed (away), how many not known.
 */
static void publish_input(struct board *b, struct board_line *l, const struct board_held *h) {
        const struct msgq_event *ev = &h->w.ev;
        const uint64_t *count = h->count_known ? &h->count : NULL;
        uint64_t number = ev->ch.st.led.changes, lost = ev->lost, before;
        bool on = ev->ch.st.led.on;
        char topic[MSGQ_LINE_NAME_MAX + 16];

        line_topic(l, "event", topic, sizeof topic);
        if (ev->edge == MSGQ_EDGE_AWAY) {
                publish(b, topic, payload_input_missed(number, NULL, -1, "away", on, count), false);
        } else {
                if (lost) {
                        before = count ? *count - 1 : 0;
                        publish(b, topic,
                                payload_input_missed(number, &lost, !!(ev->flags & MSGQ_EVENT_F_LOST_AT_LEAST),
                                                     "overflow", !on, count ? &before : NULL),
                                false);
                }
                publish(b, topic, payload_input_event(on, number, wall_time(ev->kernel_ns), count), false);
        }
        publish_input_state(b, l, on, count, number);
}

/* A gap: the changes msgqd no longer kept, on each input's event topic: never missed silently. */
static void publish_gap(struct board *b, const struct board_held *h) {
        const struct board_gap *g = h->gap < b->ngaps ? &b->gaps[h->gap] : NULL;
        uint64_t before = h->w.ev.ch.st.led.changes;
        char topic[MSGQ_LINE_NAME_MAX + 16];

        log_warning("msgqd no longer keeps %" PRIu64 " changes before change %" PRIu64 ": their events are lost",
                    h->w.missed, before);
        for (size_t i = 0; i < b->nlines; i++)
                if (b->lines[i].input)
                        publish(b, line_topic(&b->lines[i], "event", topic, sizeof topic),
                                payload_input_missed(before, &h->w.missed, -1, "history", g ? g->level[i] : -1,
                                                     g && g->known[i] ? &g->count[i] : NULL),
                                false);
}

/*
 * Publish the state of line (an index in msgqd pid's table) if it changed,
 * or if force; held back while the broker is away.  A state older than
 * the one published (a watch answer that crossed a command's) is not
 * published again.  st, made by msgqd pid at time_ns (0: not said).
 */
static void publish_state(struct board *b, unsigned line, const struct msgq_led_state *st, uint64_t time_ns,
                          uint32_t pid, bool force) {
        struct board_line *l;
        char topic[MSGQ_LINE_NAME_MAX + 16];
        struct led_view v;

        if (line >= b->nlines)
                return;
        l = &b->lines[line];
        if (l->input)
                return; /* its changes are events (take_watched()), its state with them */
        if (l->have_view && pid == l->view_pid && st->changes < l->view_changes)
                return;
        if (b->then_op && line == b->then_line && pid == b->then_pid && st->changes > b->then_after &&
            !st->blinking)
                b->then_due = true; /* the flash is over */
        l->view_changes = st->changes;
        l->view_pid = pid;
        led_view_from(st, time_ns, &v);
        if (l->have_view && led_view_equal(&v, &l->view) && l->view_published && !force)
                return;
        l->view = v;
        l->have_view = true;
        l->view_published = false;
        if (!broker_up(b))
                return; /* published again when the broker is back */
        publish(b, line_topic(l, "state", topic, sizeof topic), payload_led_state(&v), true);
        l->view_published = true;
        /* The attributes change with a blink only: not sent again with each ON and OFF. */
        if (force || !l->attrs_published || v.blinking != l->attrs.blinking || v.period_ms != l->attrs.period_ms ||
            v.blinks_left != l->attrs.blinks_left) {
                publish(b, line_topic(l, "attributes", topic, sizeof topic), payload_led_attributes(&v), true);
                l->attrs = v;
                l->attrs_published = true;
        }
}

static void publish_availability(struct board *b, bool online, bool force) {
        if (!broker_up(b)) {
                b->avail_published = -1;
                return;
        }
        if (!force && b->avail_published == (int) online)
                return;
        b->out.publish(b->out.userdata, TOPIC_AVAILABILITY, online ? "online" : "offline", true);
        b->avail_published = online;
}

static void publish_error(struct board *b, const struct command *cmd, const char *error) {
        char topic[SETTINGS_PREFIX_MAX + sizeof cmd->topic + 2];

        snprintf(topic, sizeof topic, "%s/%s", b->s->prefix, cmd->topic);
        log_warning("%s: %s", topic, error);
        publish(b, TOPIC_ERROR, payload_error(topic, error), false);
}

/* msgqd answered cmd with an error: said on the error topic, after lead. */
static void publish_refused(struct board *b, const struct command *cmd, const char *lead,
                            const struct msgqd_answer *a) {
        char why[MSGQD_ERROR_MAX + 64];

        snprintf(why, sizeof why, "%smsgqd: %s", lead, a->error);
        publish_error(b, cmd, why);
}

/* ---- the FIFO (under lock) ---- */

static struct command *fifo_head(struct board *b) {
        return b->count ? &b->fifo[b->head] : NULL;
}

static void fifo_pop(struct board *b) {
        b->head = (b->head + 1) % BOARD_FIFO_MAX;
        b->count--;
        b->fig.pending = b->count;
}

static void count_result(struct board *b, bool ok) {
        pthread_mutex_lock(&b->lock);
        if (ok)
                b->fig.applied++;
        else
                b->fig.failed++;
        pthread_mutex_unlock(&b->lock);
}

/* ---- the daemon ---- */

/* ask to msgqd at its prio (0: the bridge's own): 0 when it answered (a->status says how). */
static int ask_msgqd(struct board *b, struct msgqd_ask *ask, struct msgqd_answer *a) {
        int r;

        if (!ask->prio)
                ask->prio = b->s->priority;
        r = msgqd_call(&b->conn, ask, a);
        if (msgqd_gone(r))
                msgqd_close(&b->conn); /* the next daemon makes a new queue */
        return r;
}

/* One request to msgqd about line at prio (0: the bridge's own). */
static int call(struct board *b, long prio, uint16_t op, unsigned line, uint32_t arg0, uint32_t arg1,
                const char *text, struct msgqd_answer *a) {
        struct msgqd_ask ask = { .op = op, .line = (uint16_t) line, .arg0 = arg0, .arg1 = arg1, .text = text,
                                 .prio = (int) prio };

        return ask_msgqd(b, &ask, a);
}

static const char *why_down(int r) {
        switch (r) {
        case -ENOENT: return "no queue: msgqd is not running";
        case -EIDRM: return "its queue was removed: msgqd stopped";
        case -ETIMEDOUT: return "no answer in time";
        case -EACCES: return "permission denied on its queue";
        case -ESHUTDOWN: return "it is shutting down";
        case -ESRCH: return "its process is gone";
        default: return strerror(-r);
        }
}

/* msgqd did not answer: try again later, with a growing delay. */
static void daemon_down(struct board *b, int r) {
        uint64_t now = msgq_now_ns();

        if (b->daemon_up) {
                log_warning("lost msgqd on key 0x%08x (%s); commands wait for it",
                            (unsigned) b->key, why_down(r));
                pthread_mutex_lock(&b->lock);
                b->fig.daemon_lost++;
                pthread_mutex_unlock(&b->lock);
                b->retry_ms = BOARD_RETRY_MIN_MS;
        } else if (b->retry_ms == 0) {
                log_warning("msgqd is not there on key 0x%08x (%s); waiting for it",
                            (unsigned) b->key, why_down(r));
                b->retry_ms = BOARD_RETRY_MIN_MS;
        } else {
                /*
                 * Looking for a queue costs a msgget(); asking a daemon that
                 * does not answer leaves one more request on its queue.
                 */
                uint64_t max = r == -ETIMEDOUT ? BOARD_RETRY_MAX_MS : BOARD_RETRY_NOQUEUE_MS;

                b->retry_ms = b->retry_ms * 2 > max ? max : b->retry_ms * 2;
        }
        b->daemon_up = false;
        b->retry_ns = now + b->retry_ms * MS;
        publish_availability(b, false, false);
}

static void watch_renew(struct board *b, uint64_t since);

/* For the worker's next turn: list msgqd's lines again (under lock, or from the worker). */
static void relist_ask(struct board *b) {
        b->relist = true;
        pthread_cond_signal(&b->cond);
}

/*
 * msgqd answered with a.  An msgqd whose lines the worker has not listed
 * (the first, or a new one) is listed next (poll_lines), which watches
 * it from the changes that list shows: none after it is missed.
 */
static void daemon_back(struct board *b, const struct msgqd_answer *a) {
        if (!b->daemon_up)
                log_info("msgqd answers on key 0x%08x (pid %u)", (unsigned) b->key, a->daemon_pid);
        else if (a->daemon_pid != b->daemon_pid)
                log_info("msgqd restarted (pid %u)", a->daemon_pid);
        if (a->daemon_pid != b->lines_pid) {
                pthread_mutex_lock(&b->lock);
                relist_ask(b);
                pthread_mutex_unlock(&b->lock);
        }
        b->daemon_up = true;
        b->daemon_pid = a->daemon_pid;
        b->retry_ms = 0;
        publish_availability(b, true, false);
}

/* ---- the lines ---- */

/* Line 0 alone, the LED, until msgqd has listed its lines. */
static void lines_init(struct board *b) {
        memset(&b->lines[0], 0, sizeof b->lines[0]);
        snprintf(b->lines[0].name, sizeof b->lines[0].name, "led");
        snprintf(b->lines[0].topic, sizeof b->lines[0].topic, "led");
        b->nlines = 1;
}

/* The index of the output whose topic is topic, or -1 (none, or an input). */
static int line_of(const struct board *b, const char *topic) {
        for (size_t i = 0; i < b->nlines; i++)
                if (!b->lines[i].input && strcmp(b->lines[i].topic, topic) == 0)
                        return (int) i;
        return -1;
}

/* The index of the line (output or input) whose topic is topic, or -1. */
static int any_line_of(const struct board *b, const char *topic) {
        for (size_t i = 0; i < b->nlines; i++)
                if (strcmp(b->lines[i].topic, topic) == 0)
                        return (int) i;
        return -1;
}

/* "led, pump, buzzer": the outputs' names, for an error. */
static const char *line_names(const struct board *b, char *buf, size_t size) {
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < b->nlines && n < size; i++)
                if (!b->lines[i].input)
                        n += (size_t) snprintf(buf + n, size - n, "%s%s", n ? ", " : "", b->lines[i].name);
        return buf;
}

/*
 * The [input NAME] sections of mqtt.conf for which msgqd pid (its table
 * just listed) has no input: said, not fatal (msgq.conf may change).
 */
static void inputs_unknown(struct board *b, uint32_t pid) {
        for (size_t k = 0; k < b->s->ninputs; k++) {
                const struct settings_input *in = &b->s->inputs[k];
                bool found = false;

                for (size_t i = 0; i < b->nlines && !found; i++)
                        found = b->lines[i].input && msgq_line_name_eq(b->lines[i].name, in->name);
                if (!found)
                        log_warning("%s:%d: [input %s]: msgqd (pid %u) has no input %s: its settings are not used",
                                    b->s->file, in->line, in->name, pid, in->name);
        }
}

/* The table msgqd pid listed; a line keeps what the bridge showed of it while its topic stays. */
static void lines_take(struct board *b, const struct msgq_line_info *info, size_t n, uint32_t pid) {
        struct board_line old[MSGQ_LINES_MAX];
        size_t nold = b->nlines;

        memcpy(old, b->lines, nold * sizeof *old);
        for (size_t i = 0; i < n; i++) {
                struct board_line *l = &b->lines[i];
                char topic[sizeof l->topic];

                for (size_t k = 0; k < sizeof topic; k++)
                        topic[k] = (char) tolower((unsigned char) info[i].name[k]);
                topic[sizeof topic - 1] = '\0';
                memset(l, 0, sizeof *l);
                for (size_t j = 0; j < nold; j++)
                        if (strcmp(old[j].topic, topic) == 0)
                                *l = old[j];
                snprintf(l->name, sizeof l->name, "%s", info[i].name);
                snprintf(l->topic, sizeof l->topic, "%s", topic);
                l->relay = info[i].flags & MSGQ_LINE_F_RELAY;
                l->input = info[i].flags & MSGQ_LINE_F_INPUT;
                l->list_on = info[i].st.led.on;
                l->list_number = info[i].st.led.changes;
                if (l->input && !l->edges)
                        l->edges = INPUT_EDGES_RISING | INPUT_EDGES_FALLING; /* until input-list says */
        }
        b->nlines = n;
        if (pid != b->lines_pid)
                inputs_unknown(b, pid);
        b->lines_pid = pid;
        if (n == 0)
                lines_init(b);
}

/*
 * <discovery prefix>/<component>/<node id>/<object>/config: light or switch
 * (relay) for an output; for an input (e->input) its entity which: the
 * binary_sensor, the event entity, or the counter (object <topic>_count).
 */
static const char *entity_topic(const struct board *b, const struct board_entity *e, enum input_entity which,
                                char *buf, size_t size) {
        static const char *const input_component[] = { [INPUT_BINARY_SENSOR] = "binary_sensor",
                                                       [INPUT_EVENT] = "event", [INPUT_COUNT] = "sensor" };
        const char *component = e->input ? input_component[which] : e->relay ? "switch" : "light";

        snprintf(buf, size, "%s/%s/%s/%s%s/config", b->s->discovery_prefix, component, b->node_id, e->topic,
                 e->input && which == INPUT_COUNT ? "_count" : "");
        return buf;
}

/* Whether line topic is still a line after 0 of e's kind (input, or relay or not). */
static bool entity_kept(const struct board *b, const struct board_entity *e) {
        int i = any_line_of(b, e->topic);

        return i > 0 && b->lines[i].input == e->input && (e->input || b->lines[i].relay == e->relay);
}

/* Note the entity e as announced (once). */
static void entity_note(struct board *b, const struct board_entity *e) {
        for (size_t k = 0; k < b->nannounced; k++)
                if (strcmp(b->announced[k].topic, e->topic) == 0 && b->announced[k].relay == e->relay &&
                    b->announced[k].input == e->input)
                        return;
        if (b->nannounced < MSGQ_LINES_MAX)
                b->announced[b->nannounced++] = *e;
}

/*
 * The configs the broker has of this board's entities: one msgqd has no
 * output for (a former run's) counts as announced, so that announce()
 * removes it.  Whether there was one.
 */
static bool entities_seen(struct board *b, const struct board_entity *seen, size_t n) {
        bool gone = false;

        for (size_t i = 0; i < n; i++) {
                if (entity_kept(b, &seen[i]))
                        continue; /* this run's own, or one to announce anyway */
                entity_note(b, &seen[i]);
                gone = true;
        }
        return gone;
}

/*
 * Home Assistant's entities of the lines after 0 (line 0's, the LED's, is
 * the link's): an empty retained config for each one announced whose line
 * is gone (or is now of the other kind), so HA removes it (an input's
 * three); then each line's config, retained, or with discovery off an
 * empty one (removing what a former run made).
 */
/* One config of line l's entity e (an input's which), retained, or with discovery off an empty one. */
static void announce_one(struct board *b, const struct board_line *l, const struct board_entity *e,
                         enum input_entity which) {
        char topic[SETTINGS_PREFIX_MAX + SETTINGS_NODE_ID_MAX + MSGQ_LINE_NAME_MAX + 32];
        char *config = NULL;

        if (b->s->discovery) {
                const struct settings_input *in = settings_input(b->s, l->name);

                config = l->input ? payload_discovery_input(b->s, b->node_id, b->version, l->name, l->topic, which,
                                                            l->edges, in ? in->device_class : NULL)
                                  : payload_discovery_output(b->s, b->node_id, b->version, l->name, l->topic, l->relay);
                if (!config) {
                        log_error("out of memory for the discovery config of %s", l->name);
                        return;
                }
        }
        b->out.publish_to(b->out.userdata, entity_topic(b, e, which, topic, sizeof topic), config, true);
        free(config);
}

static void announce(struct board *b) {
        char topic[SETTINGS_PREFIX_MAX + SETTINGS_NODE_ID_MAX + MSGQ_LINE_NAME_MAX + 32];
        size_t kept = 0;

        if (!broker_up(b))
                return; /* announced when the broker is back */
        for (size_t k = 0; k < b->nannounced; k++) {
                const struct board_entity *e = &b->announced[k];

                if (entity_kept(b, e)) {
                        b->announced[kept++] = *e;
                        continue;
                }
                b->out.publish_to(b->out.userdata, entity_topic(b, e, INPUT_BINARY_SENSOR, topic, sizeof topic), NULL,
                                  true);
                if (e->input) {
                        b->out.publish_to(b->out.userdata, entity_topic(b, e, INPUT_EVENT, topic, sizeof topic), NULL,
                                          true);
                        b->out.publish_to(b->out.userdata, entity_topic(b, e, INPUT_COUNT, topic, sizeof topic), NULL,
                                          true);
                }
        }
        b->nannounced = kept;
        for (size_t i = 1; i < b->nlines; i++) {
                const struct board_line *l = &b->lines[i];
                struct board_entity e = { .relay = l->relay && !l->input, .input = l->input };

                snprintf(e.topic, sizeof e.topic, "%s", l->topic);
                announce_one(b, l, &e, INPUT_BINARY_SENSOR);
                if (l->input) {
                        announce_one(b, l, &e, INPUT_EVENT);
                        announce_one(b, l, &e, INPUT_COUNT);
                }
                if (b->s->discovery)
                        entity_note(b, &e);
        }
}

/* The highest change number of the lines listed: where a watch starts. */
static uint64_t last_change(const struct msgq_line_info *info, size_t n) {
        uint64_t last = 0;

        for (size_t i = 0; i < n; i++)
                if (info[i].st.led.changes > last)
                        last = info[i].st.led.changes;
        return last;
}

/* ---- the changes: published in order, inputs' with their counters ---- */

/* From the worker: list the lines on its next turn. */
static void relist_later(struct board *b) {
        pthread_mutex_lock(&b->lock);
        relist_ask(b);
        pthread_mutex_unlock(&b->lock);
}

/* What change w adds to its input's counter: an edge and those the kernel lost before it. */
static uint64_t counted(const struct board_watched *w) {
        if (w->gap || (w->ev.edge != MSGQ_EDGE_RISING && w->ev.edge != MSGQ_EDGE_FALLING))
                return 0; /* an output's change, or a level found changed at msgqd's start */
        return 1u + w->ev.lost;
}

/* The number of change w; a gap's, the last it stands for. */
static uint64_t number_of(const struct board_watched *w) {
        return w->ev.ch.st.led.changes - (w->gap ? 1 : 0);
}

/*
 * <prefix>/changes, retained: the last number published, for the next run
 * to go on from; kept in the local copy too once the broker has it.
 */
static void publish_changes(struct board *b) {
        char *payload;

        if (!b->watching || (b->changes_said && b->changes_published == b->done) || !broker_up(b))
                return;
        payload = payload_changes(b->done);
        if (!payload) {
                log_error("out of memory for a message on %s", TOPIC_CHANGES);
                return;
        }
        b->out.publish_changes(b->out.userdata, payload, b->done);
        free(payload);
        b->changes_published = b->done;
        b->changes_said = true;
}

/* Publish change h, its counter reckoned: every change up to it is published. */
static void publish_held(struct board *b, const struct board_held *h) {
        const struct board_watched *w = &h->w;
        unsigned line = w->ev.ch.st.line;

        if (w->gap)
                publish_gap(b, h);
        else if (line < b->nlines && b->lines[line].input)
                publish_input(b, &b->lines[line], h);
        else if (w->ev.ch.st.led.changes > b->list_number) /* the listing published those before */
                publish_state(b, line, &w->ev.ch.st.led, w->ev.ch.time_ns, w->pid, false);
        if (number_of(w) > b->done)
                b->done = number_of(w);
}

/* Hold change w until the counters are known; false without memory (said). */
static bool hold(struct board *b, const struct board_watched *w) {
        if (b->nheld == b->held_max) {
                size_t max = b->held_max ? b->held_max * 2 : 256;
                struct board_held *held = realloc(b->held, max * sizeof *held);

                if (!held) {
                        log_error("out of memory for %zu changes held: change %" PRIu64 " is read again later",
                                  b->nheld, w->ev.ch.st.led.changes);
                        return false;
                }
                b->held = held;
                b->held_max = max;
        }
        b->held[b->nheld] = (struct board_held) { .w = *w };
        if (w->gap) {
                struct board_gap *gaps = realloc(b->gaps, (b->ngaps + 1) * sizeof *gaps);

                if (!gaps) {
                        log_error("out of memory for a gap held: change %" PRIu64 " is read again later",
                                  w->ev.ch.st.led.changes);
                        return false;
                }
                b->gaps = gaps;
                b->held[b->nheld].gap = b->ngaps++;
        }
        b->nheld++;
        return true;
}

/*
 * A change while the counters are known (anchored): published at once,
 * with its input's counter after it.  A gap makes them unknown: false,
 * and the worker lists the lines for new ones.
 */
static bool take_anchored(struct board *b, const struct board_watched *w) {
        struct board_held h = { .w = *w };
        unsigned line = w->ev.ch.st.line;

        if (w->gap) {
                b->anchored = false;
                b->anchor_pending = false; /* the last listing's counters are from before the gap */
                relist_later(b);
                return false;
        }
        if (line < b->nlines && b->lines[line].input) {
                h.count = b->lines[line].count + counted(w);
                h.count_known = true;
                b->lines[line].count = h.count;
        }
        publish_held(b, &h);
        return true;
}

/*
 * The changes held, once the watcher has read up to the listing's last
 * change (list_number, at which input-list gave the counters): those up
 * to it with their counters reckoned back from there (a gap: those before
 * it without), those after it forward, as take_anchored() does.
 */
static void flush_held(struct board *b) {
        uint64_t count[MSGQ_LINES_MAX];
        int8_t level[MSGQ_LINES_MAX];
        bool known[MSGQ_LINES_MAX];
        size_t k = 0, j;

        if (b->anchored || !b->anchor_pending || !b->watching || b->watched_to < b->list_number || !broker_up(b))
                return;
        for (size_t i = 0; i < b->nlines; i++) {
                count[i] = b->lines[i].list_count;
                level[i] = (int8_t) b->lines[i].list_on;
                known[i] = b->lines[i].input;
        }
        while (k < b->nheld && number_of(&b->held[k].w) <= b->list_number)
                k++;
        for (j = k; j-- > 0;) {
                struct board_held *h = &b->held[j];
                unsigned line = h->w.ev.ch.st.line;

                if (h->w.gap) {
                        memcpy(b->gaps[h->gap].count, count, sizeof count);
                        memcpy(b->gaps[h->gap].level, level, sizeof level);
                        memcpy(b->gaps[h->gap].known, known, sizeof known);
                        memset(known, 0, sizeof known);
                        memset(level, -1, sizeof level);
                        continue;
                }
                if (line >= b->nlines || !b->lines[line].input)
                        continue;
                h->count = count[line];
                h->count_known = known[line];
                if (count[line] < counted(&h->w))
                        known[line] = false; /* not msgqd's counter of these changes (a table changed) */
                else
                        count[line] -= counted(&h->w);
                level[line] = (int8_t) (h->w.ev.edge == MSGQ_EDGE_OUTPUT ? level[line] : !h->w.ev.ch.st.led.on);
        }
        for (j = 0; j < k; j++)
                publish_held(b, &b->held[j]);
        for (size_t i = 0; i < b->nlines; i++)
                b->lines[i].count = b->lines[i].list_count;
        if (b->done < b->list_number)
                b->done = b->list_number;
        b->anchored = true;
        b->anchor_pending = false;
        for (j = k; j < b->nheld && take_anchored(b, &b->held[j].w); j++)
                ;
        if (j < b->nheld) /* none held: b->held may be NULL, which memmove() may not take */
                memmove(b->held, b->held + j, (b->nheld - j) * sizeof *b->held);
        b->nheld -= j;
        if (!b->nheld)
                b->ngaps = 0;
}

/*
 * The changes the watcher read, in order: those taken before (taken) are
 * left out; while the broker is away none is taken (the watch goes on
 * from taken when it is back); a change of a table not listed yet makes
 * the worker list it, and read again from there.  Whether all were taken.
 */
static bool take_watched(struct board *b, const struct board_watched *w, size_t n) {
        if (!b->watching || !broker_up(b))
                return false;
        for (size_t i = 0; i < n; i++) {
                uint64_t number = number_of(&w[i]);

                if (number <= b->taken)
                        continue;
                if (!w[i].gap && (w[i].pid != b->lines_pid || w[i].ev.ch.st.line >= b->nlines)) {
                        relist_later(b);
                        return false;
                }
                if (b->anchored && take_anchored(b, &w[i])) {
                        b->taken = number;
                        continue;
                }
                if (!hold(b, &w[i])) {
                        relist_later(b); /* read again from the last taken */
                        return false;
                }
                b->taken = number;
        }
        return true;
}

/*
 * Each input's state as listed, if the changes up to done include its
 * last (the events of the others publish theirs); with force (the broker
 * is back), what was published of the others again.
 */
static void publish_listed_inputs(struct board *b, bool force) {
        if (!b->watching || !broker_up(b))
                return;
        for (size_t i = 0; i < b->nlines; i++) {
                struct board_line *l = &b->lines[i];

                if (!l->input)
                        continue;
                if (l->list_number <= b->done) {
                        if (force || !l->in_published || l->in_number != l->list_number || l->in_on != l->list_on ||
                            !l->in_count_known || l->in_count != l->list_count)
                                publish_input_state(b, l, l->list_on, &l->list_count, l->list_number);
                } else if (force && l->in_published) {
                        publish_input_state(b, l, l->in_on, l->in_count_known ? &l->in_count : NULL, l->in_number);
                }
        }
}

/* Watch from change from on, everything before it published: the counters are those of the next listing. */
static void watch_from(struct board *b, uint64_t from) {
        b->done = b->taken = from;
        b->nheld = b->ngaps = 0;
        b->anchored = false;
}

/*
 * The first watch, once the broker said where the last run stopped
 * (resume 1: number; -1: nowhere, or it did not say in time) and the lines
 * are listed: from there, or from the bridge's own copy where it has one,
 * so that the edges since are told; from msgqd's last change when there
 * is nothing to go on from, or when the number is ahead of msgqd's (its
 * state was lost).
 */
static void start_watch(struct board *b, int resume, uint64_t number) {
        char source[SETTINGS_PREFIX_MAX + PATH_MAX + 16];
        uint64_t from = b->list_number;

        snprintf(source, sizeof source, "%s/%s", b->s->prefix, TOPIC_CHANGES);
        if (b->local_have) {
                if (resume > 0 && number != b->local_number)
                        log_warning("%s says %" PRIu64 ", this bridge's own copy (%s) %" PRIu64 ": going on "
                                    "from its own (a number published there by another client, or a copy "
                                    "older than the broker's)", source, number, b->local.path, b->local_number);
                resume = 1;
                number = b->local_number;
                snprintf(source, sizeof source, "%s", b->local.path);
        }
        if (resume > 0 && number > b->list_number)
                log_warning("%s says %" PRIu64 ", ahead of msgqd's last change %" PRIu64 " (its state lost?): "
                            "going on from msgqd's", source, number, b->list_number);
        else if (resume > 0)
                from = number;
        log_info("publishing msgqd's changes after change %" PRIu64 "%s", from,
                 resume > 0 && from == number ? ", where the last run stopped" : "");
        b->watching = true;
        watch_from(b, from);
        b->anchor_pending = true; /* the listing's counters */
        publish_listed_inputs(b, true);
        watch_renew(b, from);
        flush_held(b);
        publish_changes(b);
}

/* input-list's inputs n (at most MSGQ_LINES_MAX), or 0 when it failed (an msgqd without inputs). */
static size_t inputs_given(const struct msgqd_answer *a) {
        if (a->status != MSGQ_OK)
                return 0;
        return a->n < MSGQ_LINES_MAX ? a->n : MSGQ_LINES_MAX;
}

static bool counters_equal(const struct msgq_input_info *x, const struct msgq_input_info *y, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (x[i].line != y[i].line || x[i].count != y[i].count)
                        return false;
        return true;
}

/*
 * input-list, line-list, input-list until both input-lists agree: no edge
 * came in between, so the counters are those after the line-list's last
 * change.  0 with the line-list's answer in a (in, *nin: the inputs), or
 * as ask_msgqd().
 */
static int list_all(struct board *b, struct msgq_line_info *info, struct msgq_input_info *in, size_t *nin,
                    struct msgqd_answer *a) {
        struct msgq_input_info again[MSGQ_LINES_MAX];
        struct msgqd_ask il = { .op = MSGQ_OP_INPUT_LIST, .inputs = in, .max = MSGQ_LINES_MAX };
        struct msgqd_ask ll = { .op = MSGQ_OP_LINE_LIST, .lines = info, .max = MSGQ_LINES_MAX };
        struct msgqd_answer ia;
        size_t n, n2;
        bool same;
        int r;

        *nin = 0;
        r = ask_msgqd(b, &il, &ia);
        if (r < 0)
                return r;
        n = inputs_given(&ia);
        il.inputs = again;
        for (unsigned tries = 1;; tries++) {
                r = ask_msgqd(b, &ll, a);
                if (r < 0 || a->status != MSGQ_OK || n == 0)
                        break;
                r = ask_msgqd(b, &il, &ia);
                if (r < 0)
                        return r;
                n2 = inputs_given(&ia);
                same = n2 == n && counters_equal(in, again, n);
                memcpy(in, again, n2 * sizeof *in);
                n = n2;
                if (same)
                        break;
                if (tries == BOARD_LIST_TRIES) {
                        log_warning("edges came between each of %u listings: the counters may be ahead of "
                                    "the events by those", BOARD_LIST_TRIES);
                        break;
                }
        }
        *nin = n;
        return r;
}

/* The inputs' settings and counters input-list gave. */
static void inputs_take(struct board *b, const struct msgq_input_info *in, size_t n) {
        for (size_t i = 0; i < n; i++) {
                struct board_line *l = in[i].line < b->nlines ? &b->lines[in[i].line] : NULL;

                if (!l || !l->input)
                        continue;
                l->edges = in[i].edges & (INPUT_EDGES_RISING | INPUT_EDGES_FALLING);
                l->list_count = in[i].count;
        }
}

/*
 * List msgqd's lines (msgqd answers first or anew, the watcher asks, the
 * broker came back, or msgqd is away) and publish every output's state,
 * the LED's with its time (asked apart, as msgq 0.1's bridge did), and
 * each input's whose last change is published; the watch goes on from
 * the last change taken, so none is left out, and the listing's counters
 * are where those of the changes held are reckoned from.  A change taken
 * ahead of msgqd's last (its state was lost) goes on from msgqd's.  An
 * msgqd without line-list (older) keeps the LED alone.
 */
static int poll_lines(struct board *b, bool force) {
        struct msgq_line_info info[MSGQ_LINES_MAX];
        struct msgq_input_info in[MSGQ_LINES_MAX];
        struct msgqd_answer a;
        size_t n, nin;
        int r = list_all(b, info, in, &nin, &a);

        pthread_mutex_lock(&b->lock);
        b->fig.led_state_requests++;
        pthread_mutex_unlock(&b->lock);
        if (r == 0 && a.status != MSGQ_OK) {
                log_error("msgqd (pid %u) does not list its lines (%s): only the LED is bridged, its changes "
                          "by others not followed", a.daemon_pid, a.error);
                b->lines_pid = a.daemon_pid; /* not asked again */
                b->watch_asked = true;
        }
        if (r == 0 && a.status == MSGQ_OK) {
                n = a.n < MSGQ_LINES_MAX ? a.n : MSGQ_LINES_MAX;
                lines_take(b, info, n, a.daemon_pid);
                inputs_take(b, in, nin);
                b->list_number = last_change(info, n);
                b->anchor_pending = true;
                if (b->watching && b->taken > b->list_number) {
                        log_warning("msgqd's last change is %" PRIu64 ", before %" PRIu64 " this bridge read (its "
                                    "state lost?): going on from msgqd's", b->list_number, b->taken);
                        watch_from(b, b->list_number);
                        force = true;
                }
                if (b->watching)
                        watch_renew(b, b->taken);
                for (size_t i = 1; i < n; i++)
                        publish_state(b, (unsigned) i, &info[i].st.led, 0, a.daemon_pid, force);
                publish_listed_inputs(b, force);
                announce(b);
        }
        if (r == 0)
                r = call(b, 0, MSGQ_OP_LED_STATE, 0, 0, 0, NULL, &a);
        if (r < 0) {
                daemon_down(b, r);
                return r;
        }
        daemon_back(b, &a);
        if (a.status == MSGQ_OK)
                publish_state(b, 0, &a.led, a.led_time_ns, a.daemon_pid, force);
        b->next_probe_ns = msgq_now_ns() + b->s->probe_ms * MS;
        return 0;
}

/*
 * Is msgqd still there?  Asked of the kernel, not of msgqd, which sleeps
 * on: its process (ESRCH once it is gone; EPERM is another user's, alive)
 * and its queue.  The LED's changes come from the watcher thread.
 */
static void probe(struct board *b) {
        struct msqid_ds ds;
        int r = 0;

        b->next_probe_ns = msgq_now_ns() + b->s->probe_ms * MS;
        if (kill((pid_t) b->daemon_pid, 0) < 0 && errno == ESRCH)
                r = -ESRCH;
        else if (b->conn.h && (r = msgq_queue_stat(b->conn.msqid, &ds)) < 0)
                msgqd_close(&b->conn); /* removed: the next daemon makes a new one */
        if (r < 0)
                daemon_down(b, r);
}

static void publish_stats(struct board *b, const struct msgqd_answer *a) {
        struct bridge_figures f;
        struct msqid_ds ds;

        if (msgq_queue_stat(b->conn.msqid, &ds) < 0)
                memset(&ds, 0, sizeof ds);
        pthread_mutex_lock(&b->lock);
        f = b->fig;
        pthread_mutex_unlock(&b->lock);
        publish(b, TOPIC_STATS, payload_stats(&a->stats, &a->led, b->key, b->conn.msqid, &ds, &f),
                false);
}

static int poll_stats(struct board *b) {
        struct msgqd_answer a;
        int r = call(b, 0, MSGQ_OP_STATS, 0, 0, 0, NULL, &a);

        b->next_stats_ns = msgq_now_ns() + b->s->stats_ms * MS;
        if (r < 0) {
                daemon_down(b, r);
                return r;
        }
        daemon_back(b, &a);
        if (a.status == MSGQ_OK)
                publish_stats(b, &a);
        return 0;
}

/*
 * Carry out the command at the head of the FIFO.  It leaves the FIFO once
 * msgqd has answered it, or when it may be on the queue already (no answer
 * in time); it stays when it surely did not get there (no queue).
 */
static void execute(struct board *b, const struct command *head) {
        struct command cmd = *head; /* the FIFO may move while we wait */
        int line = cmd.line[0] ? line_of(b, cmd.line) : 0;
        struct msgqd_answer a;
        char why[MSGQD_ERROR_MAX + 64];
        int r;

        b->then_op = 0; /* a flash's end is not applied after a later command */
        b->then_due = false;
        if (line < 0) {
                pthread_mutex_lock(&b->lock);
                fifo_pop(b);
                pthread_mutex_unlock(&b->lock);
                snprintf(why, sizeof why, "no output '%s' on this board; msgqd has %s", cmd.line,
                         line_names(b, (char[MSGQ_LINES_MAX * (MSGQ_LINE_NAME_MAX + 2)]) { 0 },
                                    MSGQ_LINES_MAX * (MSGQ_LINE_NAME_MAX + 2)));
                publish_error(b, &cmd, why);
                count_result(b, false);
                return;
        }
        r = call(b, cmd.prio, cmd.op, (unsigned) line, cmd.arg0, cmd.arg1, cmd.op == MSGQ_OP_SEND ? cmd.text : NULL,
                 &a);
        if (r == 0 && a.status == MSGQ_ERR_SHUTDOWN)
                r = -ESHUTDOWN; /* not carried out: kept for the next msgqd */
        if (r == -ENOENT || r == -EIDRM || r == -ESHUTDOWN) {
                daemon_down(b, r); /* not delivered, or lost with the queue: kept */
                return;
        }
        pthread_mutex_lock(&b->lock);
        fifo_pop(b);
        pthread_mutex_unlock(&b->lock);
        if (r == -ETIMEDOUT) {
                /* It is queued: msgqd applies it when it serves the queue. */
                log_warning("no answer from msgqd to %s in %u ms; it stays queued for msgqd",
                            msgq_op_to_string(cmd.op), BOARD_CALL_MS);
                daemon_down(b, r);
                return;
        }
        if (r < 0) {
                snprintf(why, sizeof why, "cannot reach msgqd: %s", why_down(r));
                publish_error(b, &cmd, why);
                count_result(b, false);
                daemon_down(b, r);
                return;
        }
        daemon_back(b, &a);
        if (a.status != MSGQ_OK) {
                publish_refused(b, &cmd, "", &a);
                count_result(b, false);
                return;
        }
        count_result(b, true);
        if (cmd.then_op && cmd.op == MSGQ_OP_LED_BLINK) { /* a flash: what comes after its blink */
                b->then_op = cmd.then_op;
                b->then_line = (uint16_t) line;
                b->then_after = a.led.changes;
                b->then_pid = a.daemon_pid;
        }
        if (cmd.op == MSGQ_OP_STATS)
                publish_stats(b, &a);
        else if (cmd.op != MSGQ_OP_SEND)
                publish_state(b, (unsigned) line, &a.led, a.led_time_ns, a.daemon_pid, false);
        log_debug("%s applied", msgq_op_to_string(cmd.op));
}

/* A flash is over: the state it asked for. */
static void flash_end(struct board *b) {
        struct command cmd = { .op = b->then_op };
        struct msgqd_answer a;
        int r;

        unsigned line = b->then_line;

        snprintf(cmd.topic, sizeof cmd.topic, "%s/set", b->lines[line].topic);
        b->then_op = 0;
        b->then_due = false;
        r = call(b, 0, cmd.op, line, 0, 0, NULL, &a);
        if (r < 0) {
                daemon_down(b, r);
                return;
        }
        daemon_back(b, &a);
        if (a.status != MSGQ_OK) {
                publish_refused(b, &cmd, "after the flash, ", &a);
                return;
        }
        publish_state(b, line, &a.led, a.led_time_ns, a.daemon_pid, false);
}

/* Answer the commands that waited longer than the hold time (under lock: copies them out). */
static size_t take_expired(struct board *b, struct command *out, size_t max) {
        uint64_t now = msgq_now_ns();
        size_t n = 0;

        while (n < max && b->count && now - fifo_head(b)->received_ns > b->s->hold_ms * MS) {
                out[n++] = *fifo_head(b);
                fifo_pop(b);
                b->fig.failed++;
        }
        return n;
}

/* When the worker has something to do next (UINT64_MAX: only when told). */
static uint64_t next_due(struct board *b) {
        uint64_t due = UINT64_MAX;

        if (!b->daemon_up) {
                if (b->republish)
                        return 0;
                due = b->retry_ns;
                if (b->count) {
                        uint64_t expiry = fifo_head(b)->received_ns + b->s->hold_ms * MS + 1;
                        due = expiry < due ? expiry : due;
                }
                return due;
        }
        if (b->count || b->republish || b->nwatched || b->then_due || b->relist || b->nseen || b->resume_new)
                return 0;
        if (b->broker_up) {
                due = b->next_probe_ns;
                if (b->s->stats_ms && b->next_stats_ns < due)
                        due = b->next_stats_ns;
        }
        if (!b->resume && b->resume_due_ns && b->resume_due_ns < due)
                due = b->resume_due_ns;
        return due;
}

/* Wait on cond until due (CLOCK_MONOTONIC; UINT64_MAX: until signalled). */
static void wait_on(pthread_cond_t *cond, pthread_mutex_t *lock, uint64_t due) {
        struct timespec ts = msgq_timespec(due);

        if (due == UINT64_MAX)
                pthread_cond_wait(cond, lock);
        else
                pthread_cond_timedwait(cond, lock, &ts);
}

/* What one turn of the worker has to do, taken under the lock. */
struct turn {
        struct command expired[8];      /* to answer on the error topic */
        size_t n_expired;
        struct board_watched watched[BOARD_WATCHED_MAX]; /* to publish */
        size_t n_watched;
        uint64_t watched_to;            /* the watcher has read up to it */
        int resume;                     /* board_resume()'s: 0 not yet, 1 resume_number, -1 none */
        uint64_t resume_number;
        struct command cmd;             /* the FIFO's head, when have_cmd */
        struct board_entity seen[MSGQ_LINES_MAX]; /* configs the broker has */
        size_t n_seen;
        bool have_cmd, republish, relist, probe_due, stats_due;
        uint64_t now;
};

/* Wait until there is something to do, and take it; false once the board stops. */
static bool next_turn(struct board *b, struct turn *t) {
        pthread_mutex_lock(&b->lock);
        for (;;) {
                t->n_expired = b->daemon_up ? 0 : take_expired(b, t->expired, 8);
                if (b->stop || t->n_expired || next_due(b) <= msgq_now_ns())
                        break;
                wait_on(&b->cond, &b->lock, next_due(b));
        }
        if (b->stop) {
                pthread_mutex_unlock(&b->lock);
                return false;
        }
        t->now = msgq_now_ns();
        t->have_cmd = b->count > 0;
        if (t->have_cmd)
                t->cmd = *fifo_head(b);
        t->republish = b->republish;
        b->republish = false;
        t->relist = b->relist;
        b->relist = false;
        t->n_seen = b->nseen;
        memcpy(t->seen, b->seen, t->n_seen * sizeof *t->seen);
        b->nseen = 0;
        t->n_watched = b->nwatched;
        memcpy(t->watched, b->watched, t->n_watched * sizeof *t->watched);
        b->nwatched = 0;
        t->watched_to = b->watch_next;
        pthread_cond_signal(&b->watch_cond); /* room for the watcher's next reply */
        t->resume = b->resume;
        t->resume_number = b->resume_number;
        b->resume_new = false;
        if (!t->resume && b->resume_due_ns && t->now >= b->resume_due_ns) {
                b->resume = t->resume = -1;
                if (b->local_have)
                        log_warning("the broker did not give %s/%s back within %u ms: going on from this "
                                    "bridge's own copy", b->s->prefix, TOPIC_CHANGES, BOARD_RESUME_MS);
                else
                        log_warning("the broker did not give %s/%s back within %u ms: publishing msgqd's changes "
                                    "from its last; edges before it, while the bridge was away, are not told",
                                    b->s->prefix, TOPIC_CHANGES, BOARD_RESUME_MS);
        }
        t->probe_due = b->broker_up && t->now >= b->next_probe_ns;
        t->stats_due = b->broker_up && b->s->stats_ms && t->now >= b->next_stats_ns;
        pthread_mutex_unlock(&b->lock);
        return true;
}

/*
 * After a listing: the first watch once the broker said where the last
 * run stopped, and the changes held that its counters let go.
 */
static void changes_go_on(struct board *b, const struct turn *t) {
        if (!b->watch_asked && b->lines_pid && b->daemon_up && t->resume)
                start_watch(b, t->resume, t->resume_number);
        flush_held(b);
        publish_changes(b);
}

/* One thing at a time towards msgqd: a command first, then a flash's end, the figures, a probe. */
static void run_turn(struct board *b, const struct turn *t) {
        bool relist = t->relist;

        if (entities_seen(b, t->seen, t->n_seen) && b->daemon_up && b->lines_pid)
                announce(b); /* without msgqd's table, its first listing does */
        if (take_watched(b, t->watched, t->n_watched) && t->n_watched)
                b->watched_to = t->watched_to;
        flush_held(b);
        publish_changes(b);
        for (size_t i = 0; i < t->n_expired; i++)
                publish_error(b, &t->expired[i], "msgqd did not come back in time; not applied");
        if (t->n_expired)
                return;
        if (!b->daemon_up) {
                if (t->republish)
                        publish_availability(b, false, true);
                if (b->retry_ns <= t->now && poll_lines(b, true) == 0) /* publishes online when it answers */
                        changes_go_on(b, t);
                return;
        }
        if (t->republish) {
                publish_availability(b, true, true);
                b->changes_said = false; /* <prefix>/changes again too */
                if (poll_lines(b, true) < 0)
                        return;
        } else if (relist && poll_lines(b, false) < 0) {
                return;
        }
        changes_go_on(b, t);
        if (t->have_cmd)
                execute(b, &t->cmd);
        else if (b->then_due)
                flash_end(b);
        else if (t->stats_due)
                poll_stats(b);
        else if (t->probe_due)
                probe(b);
}

static void *worker(void *userdata) {
        struct board *b = userdata;
        struct turn t;

        while (next_turn(b, &t))
                run_turn(b, &t);
        msgqd_close(&b->conn);
        return NULL;
}

/* ---- the watcher thread ---- */

/*
 * Every change of every line, made by anyone, with nothing polled: one
 * line-watch of all lines from the change number last seen is answered
 * with the changes after it (msgqd keeps the last 1024), or waits in
 * msgqd until the next change.  Its replies go to this thread's own ID,
 * apart from the worker's.  The worker says which msgqd to watch, and
 * from which change (after it listed the lines): this thread waits for
 * that, watches anew when told (watch_renew), and stops with the board.
 * Changes msgqd no longer kept (missed), more than the worker has taken,
 * or a watch lost (msgqd gone, its number ahead) make the worker list the
 * lines again: it publishes their states as they are now, and renews the
 * watch from there.
 */

/* Under lock: news for the watcher (watch anew, or stop); its number, for watch_nudge(). */
static unsigned watch_news(struct board *b) {
        pthread_cond_signal(&b->watch_cond);
        return ++b->watch_news;
}

/*
 * Not under lock: cancel the watcher's call to msgqd until it has taken
 * news n.  msgq_cancel() ends only the call in progress: a call the
 * watcher begins before it looks is ended on the next round.
 */
static void watch_nudge(struct board *b, unsigned n) {
        for (;;) {
                bool taken;

                pthread_mutex_lock(&b->lock);
                taken = !b->watch_running || b->watch_gone || (int) (b->watch_taken - n) >= 0;
                pthread_mutex_unlock(&b->lock);
                if (taken)
                        return;
                pthread_mutex_lock(&b->watch_handle_lock);
                msgqd_cancel(&b->watch_conn);
                pthread_mutex_unlock(&b->watch_handle_lock);
                nanosleep(&(struct timespec) { .tv_nsec = WATCH_NUDGE_NS }, NULL);
        }
}

/* From the worker: msgqd answered first, or anew: watch from change number since. */
static void watch_renew(struct board *b, uint64_t since) {
        unsigned n;

        pthread_mutex_lock(&b->lock);
        b->watch_renew = true;
        b->watch_since = since;
        b->nwatched = 0; /* read again from since */
        b->watch_next = since;
        n = watch_news(b);
        pthread_mutex_unlock(&b->lock);
        watch_nudge(b, n);
        b->watch_asked = true;
        b->watched_to = since;
}

/*
 * Before each call: wait until due_ns (UINT64_MAX: until told), or for the
 * worker's news, and take it (watch from *seen, *have).  False once the
 * board stops.
 */
static bool watch_wait(struct board *b, uint64_t due_ns, uint64_t *seen, bool *have) {
        bool go;

        pthread_mutex_lock(&b->lock);
        for (;;) {
                bool room = b->nwatched + BOARD_WATCH_CHANGES + 1 <= BOARD_WATCHED_MAX; /* a gap and a reply */

                if (b->stop || b->watch_renew || (room && due_ns <= msgq_now_ns()))
                        break;
                wait_on(&b->watch_cond, &b->lock, room ? due_ns : UINT64_MAX); /* the worker says when it took */
        }
        if (b->watch_renew) {
                *seen = b->watch_since;
                *have = true;
                b->watch_renew = false;
        }
        b->watch_taken = b->watch_news;
        go = !b->stop;
        b->watch_gone = !go; /* news after this (a late watch_renew) finds none to take it */
        pthread_mutex_unlock(&b->lock);
        return go;
}

static void watch_close(struct board *b) {
        pthread_mutex_lock(&b->watch_handle_lock);
        msgqd_close(&b->watch_conn);
        pthread_mutex_unlock(&b->watch_handle_lock);
}

static int watch_call(struct board *b, uint64_t seen, struct msgq_event *events, struct msgqd_answer *a) {
        struct msgqd_ask ask = { .op = MSGQ_OP_LINE_EVENTS, .since = seen, .events = events,
                                 .max = BOARD_WATCH_CHANGES, .prio = b->s->priority, .watch_ms = BOARD_WATCH_MS };
        int r;

        pthread_mutex_lock(&b->watch_handle_lock);
        r = msgqd_open(&b->watch_conn);
        pthread_mutex_unlock(&b->watch_handle_lock);
        if (r == 0)
                r = msgqd_call(&b->watch_conn, &ask, a);
        if (msgqd_gone(r))
                watch_close(b); /* the next msgqd makes a new queue */
        return r;
}

/*
 * The changes read, for the worker to take in order: a gap first when
 * msgqd no longer kept some (and the worker lists the lines anew for the
 * counters).  A reply to a watch the worker has renewed meanwhile is
 * dropped: the new watch reads from where the worker says.
 */
static void watch_hand_over(struct board *b, const struct msgq_event *events, const struct msgqd_answer *a) {
        pthread_mutex_lock(&b->lock);
        if (b->watch_renew) {
                pthread_mutex_unlock(&b->lock);
                return;
        }
        if (a->watched.missed) {
                struct board_watched *w = &b->watched[b->nwatched++];

                memset(w, 0, sizeof *w);
                w->gap = true;
                w->missed = a->watched.missed;
                w->pid = a->daemon_pid;
                w->ev.ch.st.line = MSGQ_LINE_ALL;
                w->ev.ch.st.led.changes = a->n ? events[0].ch.st.led.changes : a->watched.next + 1;
                relist_ask(b);
        }
        for (size_t i = 0; i < a->n; i++)
                b->watched[b->nwatched++] = (struct board_watched) { .ev = events[i], .pid = a->daemon_pid };
        b->watch_next = a->watched.next;
        pthread_cond_signal(&b->cond);
        pthread_mutex_unlock(&b->lock);
}

static void *watcher(void *userdata) {
        struct board *b = userdata;
        struct msgq_event events[BOARD_WATCH_CHANGES];
        struct msgqd_answer a;
        uint64_t seen = 0, due = UINT64_MAX; /* until the worker says from where */
        bool have = false;

        while (watch_wait(b, due, &seen, &have)) {
                int r;

                due = UINT64_MAX;
                if (!have)
                        continue; /* wait for the worker's word */
                r = watch_call(b, seen, events, &a);
                due = 0;
                if (r == 0 && a.status == MSGQ_OK) {
                        seen = a.watched.next;
                        watch_hand_over(b, events, &a);
                        continue;
                }
                if (r == -ECANCELED || r == -ETIMEDOUT)
                        continue; /* told something, or no change in that time: watch again */
                log_debug("the line-events watch ended: %s", r < 0 ? why_down(r) : a.error);
                have = false; /* the worker lists the lines, and says from where */
                due = UINT64_MAX;
                pthread_mutex_lock(&b->lock);
                relist_ask(b);
                pthread_mutex_unlock(&b->lock);
        }
        watch_close(b);
        return NULL;
}

/* ---- the other threads' side ---- */

void board_init(struct board *b, key_t key, const struct settings *s, const struct board_out *out,
                const char *version, const char *state_dir) {
        pthread_condattr_t attr;
        int r;

        memset(b, 0, sizeof *b);
        b->key = key;
        b->s = s;
        b->out = *out;
        b->version = version;
        settings_node_id(s, b->node_id, sizeof b->node_id);
        r = resume_file_open(&b->local, state_dir, b->node_id);
        if (r == 0)
                r = resume_file_read(&b->local, &b->local_number);
        b->local_have = r == 0;
        if (r == -ENOENT && b->local.fd >= 0)
                log_info("no copy of %s/%s in %s yet (a first run, or a new disk): going on from the broker's",
                         s->prefix, TOPIC_CHANGES, b->local.path);
        else if (r == -EBADMSG)
                log_warning("%s holds no change number%s: going on from the broker's %s/%s", b->local.path,
                            resume_file_clear(&b->local) < 0 ? " (and cannot be emptied)" : "", s->prefix,
                            TOPIC_CHANGES);
        else if (r < 0)
                log_warning("no copy of %s/%s kept here (%s: %s): going on from the broker's alone, which any "
                            "client that may publish there can change", s->prefix, TOPIC_CHANGES, b->local.path,
                            strerror(-r));
        lines_init(b);
        b->avail_published = -1;
        msgqd_init(&b->conn, key, BOARD_CALL_MS);
        msgqd_init(&b->watch_conn, key, BOARD_CALL_MS);
        pthread_mutex_init(&b->lock, NULL);
        pthread_mutex_init(&b->watch_handle_lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&b->cond, &attr);
        pthread_cond_init(&b->watch_cond, &attr);
        pthread_condattr_destroy(&attr);
}

/* The worker probes msgqd at once; the watcher waits until the worker has found it. */
int board_start(struct board *b) {
        int r;

        b->daemon_up = false;
        b->retry_ns = 0;
        r = -pthread_create(&b->watch_thread, NULL, watcher, b);
        if (r < 0)
                return r;
        b->watch_running = true;
        r = -pthread_create(&b->thread, NULL, worker, b);
        if (r == 0)
                b->running = true;
        return r;
}

int board_submit(struct board *b, const struct command *cmd) {
        int r = 0;

        pthread_mutex_lock(&b->lock);
        b->fig.commands++;
        if (b->stop) {
                b->fig.failed++;
                r = -ESHUTDOWN;
        } else if (b->count == BOARD_FIFO_MAX) {
                b->fig.failed++;
                r = -ENOBUFS;
        } else {
                b->fifo[(b->head + b->count) % BOARD_FIFO_MAX] = *cmd;
                b->count++;
                b->fig.pending = b->count;
                pthread_cond_signal(&b->cond);
        }
        pthread_mutex_unlock(&b->lock);
        return r;
}

void board_entity_seen(struct board *b, const char *object, size_t len, bool relay, bool input) {
        pthread_mutex_lock(&b->lock);
        if (b->nseen < MSGQ_LINES_MAX && len < sizeof b->seen[0].topic) {
                memcpy(b->seen[b->nseen].topic, object, len);
                b->seen[b->nseen].topic[len] = '\0';
                b->seen[b->nseen].input = input;
                b->seen[b->nseen++].relay = relay;
                pthread_cond_signal(&b->cond);
        }
        pthread_mutex_unlock(&b->lock);
}

void board_resume(struct board *b, const uint64_t *number) {
        pthread_mutex_lock(&b->lock);
        if (!b->resume) {
                b->resume = number ? 1 : -1;
                b->resume_number = number ? *number : 0;
                b->resume_new = true;
                pthread_cond_signal(&b->cond);
        }
        pthread_mutex_unlock(&b->lock);
}

void board_changes_acked(struct board *b, uint64_t number) {
        int r;

        pthread_mutex_lock(&b->lock);
        if (b->local.fd >= 0 && (number != b->local_written || !b->local_wrote)) {
                r = resume_file_write(&b->local, number);
                if (r == 0) {
                        b->local_written = number;
                        b->local_wrote = true;
                        b->local_failed = false;
                } else if (!b->local_failed) {
                        log_warning("cannot keep the change number in %s: %s", b->local.path, strerror(-r));
                        b->local_failed = true;
                }
        }
        pthread_mutex_unlock(&b->lock);
}

void board_refused(struct board *b) {
        pthread_mutex_lock(&b->lock);
        b->fig.commands++;
        b->fig.failed++;
        pthread_mutex_unlock(&b->lock);
}

void board_broker(struct board *b, bool up) {
        pthread_mutex_lock(&b->lock);
        b->broker_up = up;
        b->republish = up;
        if (up && !b->resume && !b->resume_due_ns)
                b->resume_due_ns = msgq_now_ns() + BOARD_RESUME_MS * MS;
        pthread_cond_signal(&b->cond);
        pthread_mutex_unlock(&b->lock);
}

void board_stop(struct board *b) {
        size_t left;
        unsigned n;

        pthread_mutex_lock(&b->lock);
        b->stop = true;
        pthread_cond_signal(&b->cond);
        n = watch_news(b);
        pthread_mutex_unlock(&b->lock);
        watch_nudge(b, n);
        if (b->running)
                pthread_join(b->thread, NULL);
        if (b->watch_running)
                pthread_join(b->watch_thread, NULL);
        b->running = b->watch_running = false;
        pthread_mutex_lock(&b->lock);
        left = b->count;
        pthread_mutex_unlock(&b->lock);
        if (left)
                log_warning("stopping with %zu %s not applied", left, plural(left, "command", "commands"));
}

void board_done(struct board *b) {
        resume_file_close(&b->local);
        free(b->held);
        free(b->gaps);
        pthread_cond_destroy(&b->watch_cond);
        pthread_cond_destroy(&b->cond);
        pthread_mutex_destroy(&b->watch_handle_lock);
        pthread_mutex_destroy(&b->lock);
}
