/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "clock.h"
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

/*
 * Publish the LED state of msgqd pid if it changed, or if force; held back
 * while the broker is away.  A state older than the one published (a watch
 * answer that crossed a command's) is not published again.
 */
/* st, made by msgqd pid at time_ns (0: not said). */
static void publish_state(struct board *b, const struct msgq_led_state *st, uint64_t time_ns, uint32_t pid,
                          bool force) {
        struct led_view v;

        if (b->have_view && pid == b->view_pid && st->changes < b->view_changes)
                return;
        if (b->then_op && pid == b->then_pid && st->changes > b->then_after && !st->blinking)
                b->then_due = true; /* the flash is over */
        b->view_changes = st->changes;
        b->view_pid = pid;
        led_view_from(st, time_ns, &v);
        if (b->have_view && led_view_equal(&v, &b->view) && b->view_published && !force)
                return;
        b->view = v;
        b->have_view = true;
        b->view_published = false;
        if (!broker_up(b))
                return; /* published again when the broker is back */
        publish(b, TOPIC_LED_STATE, payload_led_state(&v), true);
        b->view_published = true;
        /* The attributes change with a blink only: not sent again with each ON and OFF. */
        if (force || !b->attrs_published || v.blinking != b->attrs.blinking || v.period_ms != b->attrs.period_ms ||
            v.blinks_left != b->attrs.blinks_left) {
                publish(b, TOPIC_LED_ATTRIBUTES, payload_led_attributes(&v), true);
                b->attrs = v;
                b->attrs_published = true;
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
        char topic[SETTINGS_PREFIX_MAX + 32];

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

/* One request to msgqd at prio (0: the bridge's own): 0 when it answered (a->status says how). */
static int call(struct board *b, long prio, uint16_t op, uint32_t arg0, uint32_t arg1,
                const char *text, struct msgqd_answer *a) {
        struct msgqd_ask ask = { .op = op, .arg0 = arg0, .arg1 = arg1, .text = text,
                                 .prio = (int) (prio ? prio : b->s->priority) };
        int r = msgqd_call(&b->conn, &ask, a);

        if (msgqd_gone(r))
                msgqd_close(&b->conn); /* the next daemon makes a new queue */
        return r;
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

/* msgqd answered op with a. */
static void daemon_back(struct board *b, uint16_t op, const struct msgqd_answer *a) {
        if (!b->daemon_up)
                log_info("msgqd answers on key 0x%08x (pid %u)", (unsigned) b->key, a->daemon_pid);
        else if (a->daemon_pid != b->daemon_pid)
                log_info("msgqd restarted (pid %u)", a->daemon_pid);
        /*
         * Watch from the change this reply shows, so that none after it is
         * missed (without one, from msgqd's start).  A watch an old msgqd
         * held died with it: watch the new one at once.
         */
        if (!b->watch_asked || a->daemon_pid != b->daemon_pid)
                watch_renew(b, a->status == MSGQ_OK && msgq_op_has_led(op) ? a->led.changes : 0);
        b->daemon_up = true;
        b->daemon_pid = a->daemon_pid;
        b->retry_ms = 0;
        publish_availability(b, true, false);
}

/* Ask for the LED state (while msgqd is away, or after the broker came back). */
static int poll_state(struct board *b, bool force) {
        struct msgqd_answer a;
        int r = call(b, 0, MSGQ_OP_LED_STATE, 0, 0, NULL, &a);

        pthread_mutex_lock(&b->lock);
        b->fig.led_state_requests++;
        pthread_mutex_unlock(&b->lock);
        if (r < 0) {
                daemon_down(b, r);
                return r;
        }
        daemon_back(b, MSGQ_OP_LED_STATE, &a);
        if (a.status == MSGQ_OK)
                publish_state(b, &a.led, a.led_time_ns, a.daemon_pid, force);
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
        int r = call(b, 0, MSGQ_OP_STATS, 0, 0, NULL, &a);

        b->next_stats_ns = msgq_now_ns() + b->s->stats_ms * MS;
        if (r < 0) {
                daemon_down(b, r);
                return r;
        }
        daemon_back(b, MSGQ_OP_STATS, &a);
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
        struct msgqd_answer a;
        char why[MSGQD_ERROR_MAX + 64];
        int r;

        b->then_op = 0; /* a flash's end is not applied after a later command */
        b->then_due = false;
        r = call(b, cmd.prio, cmd.op, cmd.arg0, cmd.arg1, cmd.op == MSGQ_OP_SEND ? cmd.text : NULL, &a);
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
        daemon_back(b, cmd.op, &a);
        if (a.status != MSGQ_OK) {
                publish_refused(b, &cmd, "", &a);
                count_result(b, false);
                return;
        }
        count_result(b, true);
        if (cmd.then_op && cmd.op == MSGQ_OP_LED_BLINK) { /* a flash: what comes after its blink */
                b->then_op = cmd.then_op;
                b->then_after = a.led.changes;
                b->then_pid = a.daemon_pid;
        }
        if (cmd.op == MSGQ_OP_STATS)
                publish_stats(b, &a);
        else if (cmd.op != MSGQ_OP_SEND)
                publish_state(b, &a.led, a.led_time_ns, a.daemon_pid, false);
        log_debug("%s applied", msgq_op_to_string(cmd.op));
}

/* A flash is over: the state it asked for. */
static void flash_end(struct board *b) {
        struct command cmd = { .op = b->then_op };
        struct msgqd_answer a;
        int r;

        snprintf(cmd.topic, sizeof cmd.topic, "%s", TOPIC_LED_SET);
        b->then_op = 0;
        b->then_due = false;
        r = call(b, 0, cmd.op, 0, 0, NULL, &a);
        if (r < 0) {
                daemon_down(b, r);
                return;
        }
        daemon_back(b, cmd.op, &a);
        if (a.status != MSGQ_OK) {
                publish_refused(b, &cmd, "after the flash, ", &a);
                return;
        }
        publish_state(b, &a.led, a.led_time_ns, a.daemon_pid, false);
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
        if (b->count || b->republish || b->nwatched || b->then_due)
                return 0;
        if (b->broker_up) {
                due = b->next_probe_ns;
                if (b->s->stats_ms && b->next_stats_ns < due)
                        due = b->next_stats_ns;
        }
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
        struct command cmd;             /* the FIFO's head, when have_cmd */
        bool have_cmd, republish, probe_due, stats_due;
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
        t->n_watched = b->nwatched;
        memcpy(t->watched, b->watched, t->n_watched * sizeof *t->watched);
        b->nwatched = 0;
        t->probe_due = b->broker_up && t->now >= b->next_probe_ns;
        t->stats_due = b->broker_up && b->s->stats_ms && t->now >= b->next_stats_ns;
        pthread_mutex_unlock(&b->lock);
        return true;
}

/* One thing at a time towards msgqd: a command first, then a flash's end, the figures, a probe. */
static void run_turn(struct board *b, const struct turn *t) {
        for (size_t i = 0; i < t->n_watched; i++)
                publish_state(b, &t->watched[i].led, t->watched[i].time_ns, t->watched[i].pid, false);
        for (size_t i = 0; i < t->n_expired; i++)
                publish_error(b, &t->expired[i], "msgqd did not come back in time; not applied");
        if (t->n_expired)
                return;
        if (!b->daemon_up) {
                if (t->republish)
                        publish_availability(b, false, true);
                if (b->retry_ns <= t->now)
                        poll_state(b, true); /* publishes online when it answers */
                return;
        }
        if (t->republish) {
                publish_availability(b, true, true);
                if (poll_state(b, true) < 0)
                        return;
        }
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
 * Every change of the LED, made by anyone, with nothing polled: a led-watch
 * for the change number last seen is answered with the change after it
 * (msgqd keeps the last 16), or waits in msgqd until the next change.
 * Its replies go to this thread's own ID, apart from the worker's.  The
 * worker says whether msgqd is there, and which msgqd: this thread waits
 * for the first one, watches anew when told (watch_renew), and stops with
 * the board.
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
        n = watch_news(b);
        pthread_mutex_unlock(&b->lock);
        watch_nudge(b, n);
        b->watch_asked = true;
}

/*
 * Before each call: wait until due_ns (UINT64_MAX: until told), or for the
 * worker's news, and take it (watch from *seen, *have).  False once the
 * board stops.
 */
static bool watch_wait(struct board *b, uint64_t due_ns, uint64_t *seen, bool *have) {
        bool go;

        pthread_mutex_lock(&b->lock);
        while (!b->stop && !b->watch_renew && due_ns > msgq_now_ns())
                wait_on(&b->watch_cond, &b->lock, due_ns);
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

static int watch_call(struct board *b, bool have, uint64_t seen, struct msgqd_answer *a) {
        struct msgqd_ask ask = { .op = have ? MSGQ_OP_LED_WATCH : MSGQ_OP_LED_STATE, .since = seen,
                                 .prio = b->s->priority, .watch_ms = BOARD_WATCH_MS };
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

/* A change seen: for the worker to publish. */
static void watch_hand_over(struct board *b, const struct msgqd_answer *a) {
        pthread_mutex_lock(&b->lock);
        if (b->nwatched < BOARD_WATCHED_MAX)
                b->nwatched++;
        b->watched[b->nwatched - 1] = (struct board_watched) { a->led, a->daemon_pid, a->led_time_ns };
        pthread_cond_signal(&b->cond);
        pthread_mutex_unlock(&b->lock);
}

static void *watcher(void *userdata) {
        struct board *b = userdata;
        struct msgqd_answer a;
        uint64_t seen = 0, due = UINT64_MAX; /* until the worker finds msgqd */
        bool have = false;

        while (watch_wait(b, due, &seen, &have)) {
                int r = watch_call(b, have, seen, &a);

                due = 0;
                if (r == 0 && a.status == MSGQ_OK) {
                        seen = a.led.changes;
                        have = true;
                        watch_hand_over(b, &a);
                        continue;
                }
                if (r == -ECANCELED || (r == -ETIMEDOUT && have))
                        continue; /* told something, or no change in that time: watch again */
                have = false; /* ask for the state once there is a queue again */
                due = msgq_now_ns() + BOARD_RETRY_NOQUEUE_MS * MS;
        }
        watch_close(b);
        return NULL;
}

/* ---- the other threads' side ---- */

void board_init(struct board *b, key_t key, const struct settings *s, const struct board_out *out) {
        pthread_condattr_t attr;

        memset(b, 0, sizeof *b);
        b->key = key;
        b->s = s;
        b->out = *out;
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
        pthread_cond_destroy(&b->watch_cond);
        pthread_cond_destroy(&b->cond);
        pthread_mutex_destroy(&b->watch_handle_lock);
        pthread_mutex_destroy(&b->lock);
}
