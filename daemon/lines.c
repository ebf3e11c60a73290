/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "clock.h"
#include "line-config.h"
#include "lines.h"
#include "log.h"

static void fill_state(const struct lines *c, size_t i, struct msgq_led_state *st) {
        if (!st)
                return;
        line_state(&c->line[i], st);
        st->changes = c->entry[i].last;
}

/* With the lock held: line i's state now into h, made now, as its last change. */
static void record_locked(const struct lines *c, size_t i, struct lines_change *h) {
        *h = (struct lines_change) { .by_pid = c->entry[i].by_pid, .time_ns = msgq_wall_ns(),
                                     .monotonic_ns = msgq_now_ns() };
        fill_state(c, i, &h->st.led);
        h->st.line = (uint16_t) i;
        h->st.seq = c->entry[i].seq;
}

/*
 * Watchers taken out under the lock, told once it is released: group g,
 * w[from[g]] to w[from[g + 1]], hears of st[g] (its line's change).
 */
struct told {
        size_t n, ngroups;
        size_t from[LINES_MAX + 1];
        struct msgq_led_state st[LINES_MAX];
        struct lines_watcher w[LINES_WATCHERS_MAX];
};

static void told_init(struct told *t) {
        t->n = t->ngroups = 0;
        t->from[0] = 0;
}

/* Whether w waits for a change of line i. */
static bool watches(const struct lines_watcher *w, size_t i) {
        return w->line == i || (msgq_op_is_watch(w->op) && w->line == MSGQ_LINE_ALL);
}

/*
 * With the lock held, after line i changed, at the request of by_pid:
 * number the change, keep it in the history, and take out the watchers it
 * answers (with the new state) into t, for tell_unlocked() once the lock
 * is released.
 */
static void changed_locked(struct lines *c, size_t i, uint32_t by_pid, struct told *t) {
        struct lines_entry *e = &c->entry[i];
        struct lines_change *h = &c->history[(c->changes + 1) % c->nhistory];
        size_t kept = 0;

        c->changes++;
        c->dirty = true;
        e->seq++;
        e->last = c->changes;
        e->by_pid = by_pid;
        record_locked(c, i, h);
        e->time_ns = h->time_ns;
        e->monotonic_ns = h->monotonic_ns;
        for (size_t k = 0; k < c->nwatchers; k++) {
                if (watches(&c->watchers[k], i))
                        t->w[t->n++] = c->watchers[k];
                else
                        c->watchers[kept++] = c->watchers[k];
        }
        c->nwatchers = kept;
        t->st[t->ngroups++] = h->st.led;
        t->from[t->ngroups] = t->n;
}

static void tell_unlocked(struct lines *c, const struct told *t) {
        for (size_t g = 0; g < t->ngroups; g++)
                if (t->from[g + 1] > t->from[g] && c->notify)
                        c->notify(c->notify_userdata, t->w + t->from[g], t->from[g + 1] - t->from[g],
                                  &t->st[g]);
}

/* With the lock held: the state as the file keeps it, every line's. */
static void snapshot_locked(const struct lines *c, struct ledstate_file *f) {
        f->version = LEDSTATE_FILE_VERSION;
        f->changes = c->changes;
        f->boot_us = ledstate_boot_us();
        f->n = c->n;
        for (size_t i = 0; i < c->n; i++) {
                f->line[i] = c->kept_as[i];
                f->line[i].seq = c->entry[i].seq;
                line_snapshot(&c->line[i], &f->line[i]);
                f->line[i].input = c->line[i].input != NULL;
                f->line[i].count = f->line[i].input ? c->entry[i].count : 0;
                f->line[i].lost = f->line[i].input ? c->entry[i].lost : 0;
        }
}

/*
 * A write failed: what is left in the file for the next start (ledstate_forget),
 * said when it is not what was said last.  file_lock held.
 */
static void tell_failed(struct lines *c, int r, uint64_t changes) {
        int k = ledstate_forget(c->state_path, changes);
        int left = k > 0 ? SAVE_FAILED_KEPT : k == 0 ? SAVE_FAILED_NONE : SAVE_FAILED_STALE;

        if (left == c->save_failed)
                return;
        c->save_failed = left;
        if (left == SAVE_FAILED_KEPT)
                log_warning("cannot keep the lines' state in %s: %s; the lines work, and a restart finds "
                            "the state as it is (change %" PRIu64 ") in the file", c->state_path,
                            strerror(-r), changes);
        else if (left == SAVE_FAILED_NONE)
                log_warning("cannot keep the lines' state in %s: %s; the lines work, but a restart will "
                            "find no state to restore", c->state_path, strerror(-r));
        else
                log_warning("cannot keep the lines' state in %s: %s, nor remove the earlier state it "
                            "holds (%s); the lines work, but a restart will restore that earlier state",
                            c->state_path, strerror(-r), strerror(-k));
}

/*
 * file_lock held: write the state when it changed (or anyway, with force);
 * durable, flushed to the disk too.  1 when written, 0 when there was
 * nothing to write, or -errno.
 */
static int save_locked(struct lines *c, bool force, bool durable) {
        struct ledstate_file s;
        bool dirty;
        int r;

        pthread_mutex_lock(&c->lock);
        dirty = c->dirty || force;
        c->dirty = false;
        if (dirty)
                snapshot_locked(c, &s);
        pthread_mutex_unlock(&c->lock);
        if (!dirty)
                return 0;
        r = durable ? ledstate_file_save(c->state_path, &c->writer, &s) :
                      ledstate_file_write(c->state_path, &c->writer, &s);
        if (r < 0) {
                c->dir_unflushed |= c->writer.made; /* a new file of before, its directory not flushed */
                c->writer.made = false;
                tell_failed(c, r, s.changes);
                return r;
        }
        if (c->save_failed)
                log_info("the lines' state is kept in %s again", c->state_path);
        c->save_failed = 0;
        if (!durable) {
                c->unflushed = true;
                c->dir_unflushed |= c->writer.made;
                c->writer.made = false;
                /* Busy, or waiting for the interval to pass, the flush thread looks again by itself. */
                if (c->flush_idle) {
                        c->flush_idle = false;
                        pthread_cond_signal(&c->flush_cond);
                }
        } else {
                c->unflushed = c->dir_unflushed = false;
        }
        return 1;
}

/*
 * In the thread that changed the state, before anyone is told of the
 * change: the file holds it (written and in place), and the flush thread
 * is told to flush it to the disk.  Whichever thread takes file_lock first
 * writes the latest state, for the other too.
 */
static void save(struct lines *c, bool force, bool durable) {
        if (!c->state_path)
                return;
        pthread_mutex_lock(&c->file_lock);
        (void) save_locked(c, force, durable);
        pthread_mutex_unlock(&c->file_lock);
}

/*
 * The flush thread, or lines_done() once it is gone: flush the file (and
 * with dir its directory), without file_lock; said when it fails, and when
 * it succeeds again.
 */
static void flush_file(struct lines *c, bool dir) {
        int r = ledstate_flush(c->state_path, dir);

        if (r < 0 && r != -ENOENT && !c->flush_failed)
                log_warning("cannot flush the lines' state in %s to the disk: %s; it outlives a crash "
                            "of msgqd, but a power cut may bring back an earlier one", c->state_path,
                            strerror(-r));
        else if (r == 0 && c->flush_failed)
                log_info("the lines' state in %s is flushed to the disk again", c->state_path);
        c->flush_failed = r < 0 && r != -ENOENT;
}

/*
 * file_lock held: whether what was written is to be flushed now (taken:
 * unflushed and dir_unflushed cleared into *dir, the flush counted); else,
 * when the last flush began less than LINES_FLUSH_INTERVAL_MS ago,
 * *wait_until_ns says when it may (at the stop: at once).
 */
static bool flush_due_locked(struct lines *c, uint64_t *wait_until_ns, bool *dir) {
        uint64_t now = msgq_now_ns(), next = c->last_flush_ns + LINES_FLUSH_INTERVAL_MS * 1000000ull;

        *wait_until_ns = 0;
        if (!c->unflushed)
                return false;
        if (c->flushes > 0 && now < next && !c->flush_stop) {
                *wait_until_ns = next;
                return false;
        }
        *dir = c->dir_unflushed;
        c->unflushed = c->dir_unflushed = false;
        c->flushes++;
        c->last_flush_ns = now;
        return true;
}

/* The flush thread: what the writers marked unflushed, flushed, until lines_done() and what it left. */
static void *flush_thread(void *userdata) {
        struct lines *c = userdata;
        uint64_t until;
        bool dir;

        pthread_mutex_lock(&c->file_lock);
        for (;;) {
                if (flush_due_locked(c, &until, &dir)) {
                        pthread_mutex_unlock(&c->file_lock);
                        flush_file(c, dir);
                        pthread_mutex_lock(&c->file_lock);
                } else if (c->flush_stop && !c->unflushed) {
                        break;
                } else if (until) {
                        struct timespec ts = { .tv_sec = (time_t) (until / 1000000000ull),
                                               .tv_nsec = (long) (until % 1000000000ull) };

                        (void) pthread_cond_timedwait(&c->flush_cond, &c->file_lock, &ts);
                } else {
                        c->flush_idle = true;
                        pthread_cond_wait(&c->flush_cond, &c->file_lock);
                        c->flush_idle = false;
                }
        }
        pthread_mutex_unlock(&c->file_lock);
        return NULL;
}

int lines_flush_start(struct lines *c) {
        int r;

        if (!c->state_path || c->flusher_running)
                return 0;
        r = -pthread_create(&c->flusher, NULL, flush_thread, c);
        if (r < 0)
                return r;
        (void) pthread_setname_np(c->flusher, "msgqd-flush");
        c->flusher_running = true;
        return 0;
}

uint64_t lines_flushes(struct lines *c) {
        uint64_t n;

        pthread_mutex_lock(&c->file_lock);
        n = c->flushes;
        pthread_mutex_unlock(&c->file_lock);
        return n;
}

/* At the stop: the flush thread ended after flushing what was written; without one, flushed here. */
static void flush_stop(struct lines *c) {
        uint64_t until;
        bool due, dir;

        if (!c->state_path)
                return;
        pthread_mutex_lock(&c->file_lock);
        c->flush_stop = true;
        pthread_cond_signal(&c->flush_cond);
        pthread_mutex_unlock(&c->file_lock);
        if (c->flusher_running) {
                pthread_join(c->flusher, NULL);
                c->flusher_running = false;
                return;
        }
        pthread_mutex_lock(&c->file_lock);
        due = flush_due_locked(c, &until, &dir);
        pthread_mutex_unlock(&c->file_lock);
        if (due)
                flush_file(c, dir);
}

/* The flush thread's condition, its timed waits on CLOCK_MONOTONIC (msgq_now_ns()): 0 or -errno. */
static int flush_cond_init(pthread_cond_t *cond) {
        pthread_condattr_t a;
        int r = -pthread_condattr_init(&a);

        if (r < 0)
                return r;
        r = -pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        if (r == 0)
                r = -pthread_cond_init(cond, &a);
        pthread_condattr_destroy(&a);
        return r;
}

int lines_init(struct lines *c, struct led *led, const struct wake *wake) {
        int r;

        memset(c, 0, sizeof *c);
        line_init(&c->line[0], led, MSGQ_LINE_DEFAULT);
        c->n = 1;
        c->wake = wake;
        c->nhistory = LINES_HISTORY;
        c->history = calloc(c->nhistory, sizeof *c->history);
        if (!c->history)
                return -ENOMEM;
        record_locked(c, 0, &c->history[0]);
        r = -pthread_mutex_init(&c->lock, NULL);
        if (r == 0 && (r = -pthread_mutex_init(&c->file_lock, NULL)) < 0)
                pthread_mutex_destroy(&c->lock);
        if (r == 0 && (r = flush_cond_init(&c->flush_cond)) < 0) {
                pthread_mutex_destroy(&c->file_lock);
                pthread_mutex_destroy(&c->lock);
        }
        if (r < 0)
                free(c->history);
        return r;
}

int lines_set_history(struct lines *c, size_t n) {
        struct lines_change *h = calloc(n, sizeof *h);

        if (!h)
                return -ENOMEM;
        free(c->history);
        c->history = h;
        c->nhistory = n;
        record_locked(c, 0, &c->history[c->changes % n]);
        return 0;
}

bool lines_is_input(const struct lines *c, size_t i) {
        return i < c->n && c->line[i].input;
}

int lines_find(const struct lines *c, const char *name) {
        for (size_t i = 0; i < c->n; i++)
                if (msgq_line_name_eq(c->line[i].name, name))
                        return (int) i;
        return -ENOENT;
}

int lines_add(struct lines *c, struct led *led, const char *name, uint8_t flags) {
        if (c->n >= LINES_MAX)
                return -ENOSPC;
        if (lines_find(c, name) >= 0)
                return -EEXIST;
        line_init(&c->line[c->n], led, name);
        c->entry[c->n] = (struct lines_entry) { .flags = flags, .last = c->changes };
        c->n++;
        return 0;
}

int lines_add_input(struct lines *c, struct input *in, const char *name, uint8_t flags,
                    const struct input_settings *s) {
        if (c->n >= LINES_MAX)
                return -ENOSPC;
        if (lines_find(c, name) >= 0)
                return -EEXIST;
        line_init_input(&c->line[c->n], in, name);
        c->entry[c->n] = (struct lines_entry) { .flags = flags | MSGQ_LINE_F_INPUT, .last = c->changes,
                                                .input = *s };
        c->n++;
        return 0;
}

void lines_set_keep(struct lines *c, size_t i, bool keep) {
        pthread_mutex_lock(&c->lock);
        if (keep)
                c->entry[i].flags |= MSGQ_LINE_F_STOP_KEEP;
        else
                c->entry[i].flags &= (uint8_t) ~MSGQ_LINE_F_STOP_KEEP;
        pthread_mutex_unlock(&c->lock);
}

static int on_blink_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct lines *c = userdata;
        struct told t;

        told_init(&t);
        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->n; i++)
                if (line_tick(&c->line[i], usec))
                        changed_locked(c, i, 0, &t);
        pthread_mutex_unlock(&c->lock);
        if (t.ngroups > 0)
                save(c, false, false); /* the end of a blink, before its watchers hear of it */
        tell_unlocked(c, &t);
        lines_sync(c);
        return 0;
}

/* ---- inputs (main loop only) ---- */

/*
 * With the lock held: input i's edge ev is the next change, made by msgqd,
 * counted with what the kernel lost before it; its watchers into t.
 */
static void edge_locked(struct lines *c, size_t i, const struct input_event *ev, struct told *t) {
        struct lines_entry *e = &c->entry[i];
        struct lines_change *h;

        c->line[i].level = ev->level;
        e->count += 1u + ev->lost;
        e->lost += ev->lost;
        changed_locked(c, i, 0, t);
        h = &c->history[c->changes % c->nhistory];
        h->kernel_ns = ev->kernel_ns;
        h->kernel_seqno = ev->kernel_seqno;
        h->lost = ev->lost;
        h->edge = ev->rising ? MSGQ_EDGE_RISING : MSGQ_EDGE_FALLING;
        h->flags = (uint8_t) ((ev->lost_at_least ? MSGQ_EVENT_F_LOST_AT_LEAST : 0) |
                              (ev->debounced ? MSGQ_EVENT_F_DEBOUNCED : 0));
}

/* The outputs that follow input i: a bit each. */
static uint64_t followers(const struct lines *c, size_t i) {
        uint64_t f = 0;

        for (size_t k = 0; k < c->n; k++)
                if (c->entry[k].follows && c->entry[k].follow == i)
                        f |= 1ull << k;
        return f;
}

/*
 * With the lock held: the followers f of input i driven to its level (or
 * the opposite): those whose state changed, a bit each.  A line that
 * cannot be driven is said each time: its level is not the input's.
 */
static uint64_t drive_locked(struct lines *c, size_t i, uint64_t f, bool level) {
        uint64_t changed = 0;

        for (size_t k = 0; f; k++, f >>= 1) {
                bool ch;
                int r;

                if (!(f & 1))
                        continue;
                r = line_set(&c->line[k], false, level != c->entry[k].follow_invert, &ch);
                if (r < 0)
                        log_error("output %s cannot follow input %s: %s", c->line[k].name, c->line[i].name,
                                  strerror(-r));
                if (ch)
                        changed |= 1ull << k;
        }
        return changed;
}

/* With the lock held: each change of a follower (bits of changed), made by msgqd; its watchers into t. */
static void followed_locked(struct lines *c, uint64_t changed, struct told *t) {
        for (size_t k = 0; changed; k++, changed >>= 1)
                if (changed & 1)
                        changed_locked(c, k, 0, t);
}

/* Said as a request's change is, once the file has it and the watchers were told. */
static void log_followed(struct lines *c, size_t i, uint64_t changed) {
        for (size_t k = 0; changed; k++, changed >>= 1)
                if (changed & 1)
                        msgq_log_line(LOG_INFO, 0, 0, c->line[k].name, "%s %s (follows input %s)",
                                      line_label(&c->line[k]), led_get(c->line[k].led) ? "on" : "off",
                                      c->line[i].name);
}

/*
 * Record n edges of input i, write the file (the level and the counter),
 * then tell their watchers.  Its followers are driven at each edge before
 * it is recorded (the pin first), and their changes numbered after the
 * edge's; as many edges a round as leave room for each change's watchers.
 */
static void record_edges(struct lines *c, size_t i, const struct input_event *ev, size_t n) {
        uint64_t f = followers(c, i), all;
        size_t per_edge = 1 + (size_t) __builtin_popcountll(f), k = 0;
        struct told t;

        while (k < n) {
                told_init(&t);
                all = 0;
                pthread_mutex_lock(&c->lock);
                for (; k < n && t.ngroups + per_edge <= LINES_MAX; k++) {
                        uint64_t changed = f ? drive_locked(c, i, f, ev[k].level) : 0;

                        edge_locked(c, i, &ev[k], &t);
                        followed_locked(c, changed, &t);
                        all |= changed;
                }
                pthread_mutex_unlock(&c->lock);
                save(c, false, false);
                tell_unlocked(c, &t);
                log_followed(c, i, all);
        }
}

/*
 * Line i's level as its input has it now: also after an edge it does not
 * record (edges), which the file then keeps too, so that the next start
 * finds no change while msgqd was away.
 */
static void sync_level(struct lines *c, size_t i) {
        bool level = input_level(c->line[i].input), changed;
        uint64_t f = followers(c, i), driven = 0;
        struct told t;

        told_init(&t);
        pthread_mutex_lock(&c->lock);
        changed = c->line[i].level != level;
        c->line[i].level = level;
        c->dirty |= changed;
        if (changed && f) { /* an edge not recorded: the followers take the level all the same */
                driven = drive_locked(c, i, f, level);
                followed_locked(c, driven, &t);
        }
        pthread_mutex_unlock(&c->lock);
        if (changed)
                save(c, false, false);
        tell_unlocked(c, &t);
        log_followed(c, i, driven);
}

/* The debounce timer: due at the earliest deadline of any input msgqd debounces, else off. */
static void arm_debounce(struct lines *c) {
        uint64_t next = UINT64_MAX;

        if (!c->debounce)
                return;
        for (size_t i = 0; i < c->n; i++) {
                uint64_t d = c->line[i].input ? input_deadline(c->line[i].input) : 0;

                if (d && d < next)
                        next = d;
        }
        if (next == UINT64_MAX) {
                sd_event_source_set_enabled(c->debounce, SD_EVENT_OFF);
                return;
        }
        sd_event_source_set_time(c->debounce, (next + 999) / 1000);
        sd_event_source_set_enabled(c->debounce, SD_EVENT_ONESHOT);
}

/* An input's descriptor is readable: every edge the kernel has, each one change. */
static int on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct lines *c = userdata;
        struct input_event ev[16];
        size_t i = 0;
        int n;

        while (i < c->n && c->input_io[i] != s)
                i++;
        if (i == c->n)
                return 0;
        do {
                n = input_read(c->line[i].input, ev, 16);
                if (n < 0) {
                        log_error("cannot read the edges of input %s: %s", c->line[i].name, strerror(-n));
                        return 0;
                }
                record_edges(c, i, ev, (size_t) n);
        } while (n == 16);
        sync_level(c, i);
        arm_debounce(c);
        return 0;
}

/* msgqd's debounce is due: the edges of the lines that kept their level long enough. */
static int on_debounce(sd_event_source *s, uint64_t usec, void *userdata) {
        struct lines *c = userdata;
        uint64_t now = msgq_now_ns();

        for (size_t i = 0; i < c->n; i++) {
                struct input_event ev;

                if (!c->line[i].input)
                        continue;
                if (input_settle(c->line[i].input, now, &ev) == 1)
                        record_edges(c, i, &ev, 1);
                sync_level(c, i);
        }
        arm_debounce(c);
        return 0;
}

int lines_attach(struct lines *c, sd_event *e) {
        int r = sd_event_add_time(e, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                  on_blink_timer, c);
        if (r < 0 || (r = sd_event_source_set_enabled(c->timer, SD_EVENT_OFF)) < 0)
                return r;
        /* Accuracy 1 µs: sd-event's default (0) would let a debounce of 1 ms end up to 250 ms late. */
        r = sd_event_add_time(e, &c->debounce, CLOCK_MONOTONIC, UINT64_MAX, 1, on_debounce, c);
        if (r < 0 || (r = sd_event_source_set_enabled(c->debounce, SD_EVENT_OFF)) < 0)
                return r;
        for (size_t i = 0; i < c->n; i++)
                if (c->line[i].input &&
                    (r = sd_event_add_io(e, &c->input_io[i], input_fd(c->line[i].input), EPOLLIN,
                                         on_input, c)) < 0)
                        return r;
        return 0;
}

void lines_sync(struct lines *c) {
        bool blinking = false;
        uint64_t next = UINT64_MAX;

        if (!c->timer)
                return;
        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->n; i++) {
                if (!c->line[i].blinking)
                        continue;
                blinking = true;
                if (c->line[i].next_usec < next)
                        next = c->line[i].next_usec;
        }
        pthread_mutex_unlock(&c->lock);
        if (blinking) {
                sd_event_source_set_time(c->timer, next);
                sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        } else {
                sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        }
}

/*
 * Before any thread: input i's level differs from the last it recorded
 * (its record, an input's, in the file): one change "while msgqd was
 * away", counting nothing (doc/PROTOCOL.md, Inputs).
 */
static void away(struct lines *c, size_t i, const struct ledstate_line *rec) {
        struct lines_change *h;
        struct told t;

        if (!c->line[i].input || !rec->input || rec->on == c->line[i].level)
                return;
        told_init(&t);
        changed_locked(c, i, 0, &t); /* no watcher yet */
        h = &c->history[c->changes % c->nhistory];
        h->edge = MSGQ_EDGE_AWAY;
        log_info("input %s: %s, %s when msgqd stopped: changed while msgqd was away (change %" PRIu64 ")",
                 c->line[i].name, c->line[i].level ? "on" : "off", rec->on ? "on" : "off", c->changes);
}

/*
 * Before any thread, after the away changes: each follower takes its
 * input's level as read at the start (not the one in the file), a change
 * of msgqd's when that is not the level f started it at (msgqd requests a
 * follower at its input's level already, so that its pin never shows the
 * other one; line_restore() then took up f's blink, which this ends).
 */
static void follow_at_start(struct lines *c, const struct ledstate_file *f) {
        for (size_t i = 0; i < c->n; i++) {
                uint64_t changed;
                struct told t;

                if (!c->line[i].input || !followers(c, i))
                        continue;
                told_init(&t);
                changed = drive_locked(c, i, followers(c, i), c->line[i].level);
                for (size_t k = 0; k < c->n; k++)
                        if ((followers(c, i) & (1ull << k)) && led_get(c->line[k].led) != f->line[k].on)
                                changed |= 1ull << k;
                followed_locked(c, changed, &t); /* no watcher yet */
                for (size_t k = 0; k < c->n; k++)
                        if (changed & (1ull << k))
                                log_info("%s %s at start: follows input %s, %s (change %" PRIu64 ")",
                                         line_label(&c->line[k]), led_get(c->line[k].led) ? "on" : "off",
                                         c->line[i].name, c->line[i].level ? "on" : "off", c->entry[k].last);
        }
}

int lines_follow(struct lines *c, size_t out, size_t in, bool invert) {
        if (out >= c->n || in >= c->n || c->line[out].input || !c->line[in].input)
                return -EINVAL;
        c->entry[out].follows = true;
        c->entry[out].follow = (uint16_t) in;
        c->entry[out].follow_invert = invert;
        return 0;
}

int lines_restore(struct lines *c, const struct ledstate_file *f, const char *path, bool keep_at_stop) {
        if (f->n != c->n)
                return -EINVAL;
        c->changes = c->first = f->changes;
        for (size_t i = 0; i < c->n; i++) {
                line_restore(&c->line[i], &f->line[i]);
                c->kept_as[i] = f->line[i];
                c->entry[i].seq = f->line[i].seq;
                c->entry[i].last = c->changes; /* taken up at the start */
                c->entry[i].count = c->line[i].input && f->line[i].input ? f->line[i].count : 0;
                c->entry[i].lost = c->line[i].input && f->line[i].input ? f->line[i].lost : 0;
        }
        /* The time of a state taken up from the file: when msgqd took it up. */
        record_locked(c, 0, &c->history[c->changes % c->nhistory]);
        for (size_t i = 0; i < c->n; i++) {
                c->entry[i].time_ns = c->history[c->changes % c->nhistory].time_ns;
                c->entry[i].monotonic_ns = c->history[c->changes % c->nhistory].monotonic_ns;
        }
        for (size_t i = 0; i < c->n; i++)
                away(c, i, &f->line[i]);
        follow_at_start(c, f);
        lines_set_keep(c, 0, keep_at_stop);
        if (!path)
                return 0;
        c->state_path = strdup(path);
        if (!c->state_path)
                return -ENOMEM;
        save(c, true, true);
        return 0;
}

/* Whether a line blinks: its progress is written at the stop, for a start in another boot. */
static bool any_blinking(struct lines *c) {
        bool blinking = false;

        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->n && !blinking; i++)
                blinking = c->line[i].blinking;
        pthread_mutex_unlock(&c->lock);
        return blinking;
}

void lines_done(struct lines *c) {
        /* What the changes wrote, and a blink's progress, for a start in another boot. */
        flush_stop(c);
        save(c, any_blinking(c), true);
        ledstate_writer_close(&c->writer);
        free(c->state_path);
        c->state_path = NULL;
        c->debounce = sd_event_source_disable_unref(c->debounce);
        for (size_t i = 0; i < c->n; i++) /* before line_done() closes their descriptors */
                c->input_io[i] = sd_event_source_disable_unref(c->input_io[i]);
        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->n; i++)
                line_done(&c->line[i], c->entry[i].flags & MSGQ_LINE_F_STOP_KEEP);
        pthread_mutex_unlock(&c->lock);
        c->timer = sd_event_source_disable_unref(c->timer);
        free(c->history);
        c->history = NULL;
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->file_lock);
        pthread_cond_destroy(&c->flush_cond);
}

/*
 * A direct command, which ends any blinking.  When the state is not what it
 * was, it is written to the file, and then the watchers hear of it: 1.
 */
static int set_to(struct lines *c, size_t i, bool toggle, bool on, uint32_t by_pid,
                  struct msgq_led_state *st) {
        struct told t;
        bool changed;
        int r;

        if (i >= c->n)
                return -ENOENT;
        told_init(&t);
        pthread_mutex_lock(&c->lock);
        r = line_set(&c->line[i], toggle, on, &changed);
        if (changed)
                changed_locked(c, i, by_pid, &t);
        fill_state(c, i, st);
        pthread_mutex_unlock(&c->lock);
        if (changed)
                save(c, false, false);
        tell_unlocked(c, &t);
        return r < 0 ? r : changed;
}

int lines_set(struct lines *c, size_t i, bool on, uint32_t by_pid, struct msgq_led_state *st) {
        return set_to(c, i, false, on, by_pid, st);
}

int lines_toggle(struct lines *c, size_t i, uint32_t by_pid, struct msgq_led_state *st) {
        return set_to(c, i, true, false, by_pid, st);
}

int lines_blink(struct lines *c, size_t i, uint32_t period_ms, uint32_t count, uint32_t by_pid,
                struct msgq_led_state *st) {
        struct told t;
        int r;

        if (i >= c->n)
                return -ENOENT;
        told_init(&t);
        pthread_mutex_lock(&c->lock);
        r = line_blink(&c->line[i], period_ms, count);
        if (r >= 0)
                changed_locked(c, i, by_pid, &t);
        fill_state(c, i, st);
        pthread_mutex_unlock(&c->lock);
        if (r >= 0)
                save(c, false, false);
        tell_unlocked(c, &t);
        if (r >= 0 && c->wake)
                wake_up(c->wake); /* arms the timer */
        return r;
}

/* line-set's entries: each a line of the table, each once; else -ENOENT or -EINVAL, *bad at fault. */
static int check_many(const struct lines *c, const uint16_t *line, size_t n, size_t *bad) {
        uint64_t seen = 0;

        for (size_t k = 0; k < n; k++) {
                *bad = k;
                if (line[k] >= c->n)
                        return -ENOENT;
                if (c->line[line[k]].input)
                        return -EPERM;
                if (seen & (1ull << line[k]))
                        return -EINVAL;
                seen |= 1ull << line[k];
        }
        return n > 0 ? 0 : -EINVAL;
}

int lines_set_many(struct lines *c, const uint16_t *line, const bool *on, size_t n, uint32_t by_pid,
                   size_t *bad, uint64_t *changed, struct msgq_reply *rep) {
        struct led *leds[LINES_MAX];
        bool was_on[LINES_MAX], was_blinking[LINES_MAX];
        struct told t;
        int r = check_many(c, line, n, bad);

        if (r < 0)
                return r;
        told_init(&t);
        *changed = 0;
        rep->set_lines = rep->set_on = rep->set_first = 0;
        pthread_mutex_lock(&c->lock);
        for (size_t k = 0; k < n; k++) {
                leds[k] = c->line[line[k]].led;
                was_on[k] = led_get(leds[k]);
                was_blinking[k] = line_stop_blink(&c->line[line[k]]);
        }
        r = led_set_many(leds, on, n, bad); /* the lines of one chip in one kernel call */
        for (size_t k = 0; k < n; k++) {
                rep->set_lines |= 1ull << line[k];
                if (led_get(leds[k]))
                        rep->set_on |= 1ull << line[k];
                if (!was_blinking[k] && led_get(leds[k]) == was_on[k])
                        continue;
                changed_locked(c, line[k], by_pid, &t);
                *changed |= 1ull << line[k];
                if (!rep->set_first)
                        rep->set_first = c->changes;
        }
        rep->led.changes = rep->set_first ? c->changes : c->entry[line[n - 1]].last;
        pthread_mutex_unlock(&c->lock);
        if (t.ngroups > 0)
                save(c, false, false);
        tell_unlocked(c, &t);
        return r;
}

void lines_time_of(struct lines *c, uint64_t changes, uint64_t *time_ns, uint64_t *monotonic_ns) {
        const struct lines_change *h;

        pthread_mutex_lock(&c->lock);
        h = &c->history[changes % c->nhistory];
        *time_ns = h->st.led.changes == changes ? h->time_ns : 0;
        *monotonic_ns = h->st.led.changes == changes ? h->monotonic_ns : 0;
        /* A line's last change, which the other lines' pushed out of the history: its own record. */
        for (size_t i = 0; i < c->n && !*time_ns; i++)
                if (c->entry[i].last == changes && c->entry[i].time_ns) {
                        *time_ns = c->entry[i].time_ns;
                        *monotonic_ns = c->entry[i].monotonic_ns;
                }
        pthread_mutex_unlock(&c->lock);
}

void lines_state(struct lines *c, size_t i, struct msgq_led_state *st) {
        pthread_mutex_lock(&c->lock);
        fill_state(c, i, st);
        pthread_mutex_unlock(&c->lock);
}

void lines_list(struct lines *c, size_t first, struct msgq_reply *rep) {
        pthread_mutex_lock(&c->lock);
        rep->list_total = (uint16_t) c->n;
        rep->list_count = 0;
        rep->led.changes = c->changes;
        for (size_t i = first; i < c->n && rep->list_count < MSGQ_LIST_MAX; i++) {
                struct msgq_line_info *e = &rep->list[rep->list_count++];
                unsigned offset = 0;

                *e = (struct msgq_line_info) { .by_pid = c->entry[i].by_pid, .flags = c->entry[i].flags };
                fill_state(c, i, &e->st.led);
                e->st.line = (uint16_t) i;
                e->st.seq = c->entry[i].seq;
                snprintf(e->chip, sizeof e->chip, "%s",
                         c->line[i].input ? input_chip(c->line[i].input, &offset)
                                          : led_chip(c->line[i].led, &offset));
                e->offset = offset;
                snprintf(e->name, sizeof e->name, "%s", c->line[i].name);
        }
        pthread_mutex_unlock(&c->lock);
}

void lines_inputs(struct lines *c, size_t first, struct msgq_reply *rep) {
        pthread_mutex_lock(&c->lock);
        rep->list_total = rep->list_count = 0;
        rep->led.changes = c->changes;
        for (size_t i = 0; i < c->n; i++) {
                const struct lines_entry *e = &c->entry[i];

                if (!c->line[i].input)
                        continue;
                rep->list_total++;
                if (i < first || rep->list_count == MSGQ_INPUTS_MAX)
                        continue;
                rep->inputs[rep->list_count++] = (struct msgq_input_info) {
                        .line = (uint16_t) i, .bias = (uint8_t) e->input.bias, .edges = (uint8_t) e->input.edges,
                        .debounce_by = (uint8_t) input_debounce_by(c->line[i].input),
                        .debounce_us = e->input.debounce_us, .count = e->count, .lost = e->lost,
                };
        }
        pthread_mutex_unlock(&c->lock);
}

void lines_set_notify(struct lines *c, lines_notify_fn notify, void *userdata) {
        pthread_mutex_lock(&c->lock);
        c->notify = notify;
        c->notify_userdata = userdata;
        pthread_mutex_unlock(&c->lock);
}

/*
 * With the lock held, all places taken: free those of clients that are
 * gone (killed while they waited), rather than refuse watchers until their
 * deadlines pass.  A client msgqd cannot see (in another PID namespace)
 * counts as gone too: its watch ends at its deadline, and it watches again.
 */
static void drop_gone_locked(struct lines *c) {
        size_t kept = 0;

        for (size_t i = 0; i < c->nwatchers; i++)
                if (kill((pid_t) c->watchers[i].pid, 0) == 0 || errno != ESRCH)
                        c->watchers[kept++] = c->watchers[i];
        c->nwatchers = kept;
}

/*
 * With the lock held: take w's place, the newest (the places are kept
 * oldest first).  Past its deadline or its hold, this client's earlier
 * watch and the places of clients that are gone are freed first; when all
 * are still taken, the oldest goes: a place is never refused, so watches
 * forged for live PIDs cannot lock real watchers out.
 */
static void take_place_locked(struct lines *c, const struct lines_watcher *w, uint64_t now_ns) {
        size_t i, kept = 0;

        for (i = 0; i < c->nwatchers; i++)
                if (c->watchers[i].deadline_ns > now_ns && c->watchers[i].pid != w->pid)
                        c->watchers[kept++] = c->watchers[i];
        c->nwatchers = kept;
        if (c->nwatchers == LINES_WATCHERS_MAX)
                drop_gone_locked(c);
        if (c->nwatchers == LINES_WATCHERS_MAX) {
                memmove(c->watchers, c->watchers + 1, (LINES_WATCHERS_MAX - 1) * sizeof *c->watchers);
                c->nwatchers--;
        }
        c->watchers[c->nwatchers] = *w;
        /* Held at most LINES_WATCH_HOLD_NS, whatever deadline the request claims. */
        if (c->watchers[c->nwatchers].deadline_ns > now_ns + LINES_WATCH_HOLD_NS)
                c->watchers[c->nwatchers].deadline_ns = now_ns + LINES_WATCH_HOLD_NS;
        c->nwatchers++;
}

void lines_unwatch(struct lines *c, uint32_t pid) {
        size_t kept = 0;

        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->nwatchers; i++)
                if (c->watchers[i].pid != pid)
                        c->watchers[kept++] = c->watchers[i];
        c->nwatchers = kept;
        pthread_mutex_unlock(&c->lock);
}

/* With the lock held: the oldest change kept that this msgqd made. */
static uint64_t oldest_kept_locked(const struct lines *c) {
        uint64_t oldest = c->changes >= c->nhistory ? c->changes - c->nhistory + 1 : 1;

        return oldest > c->first ? oldest : c->first + 1;
}

int lines_watch(struct lines *c, uint64_t since, const struct lines_watcher *w, uint64_t now_ns,
                 struct msgq_led_state *st) {
        size_t i = w->line < c->n ? w->line : 0;

        pthread_mutex_lock(&c->lock);
        if (since != c->changes) {
                /* The line's first change after since, while all after it are kept; else its state now. */
                bool kept = since >= c->first && since < c->changes && since + 1 >= oldest_kept_locked(c);

                for (uint64_t k = since + 1; kept && k <= c->changes; k++) {
                        const struct lines_change *h = &c->history[k % c->nhistory];

                        if (h->st.line == i) {
                                *st = h->st.led;
                                pthread_mutex_unlock(&c->lock);
                                return 0;
                        }
                }
                if (!kept) {
                        fill_state(c, i, st);
                        pthread_mutex_unlock(&c->lock);
                        return 0;
                }
        }
        take_place_locked(c, w, now_ns);
        pthread_mutex_unlock(&c->lock);
        return 1;
}

/* With the lock held: the kept changes of line after since into rep; how many. */
static size_t changes_locked(const struct lines *c, uint16_t line, uint64_t since, struct msgq_reply *rep) {
        uint64_t from = since + 1, oldest = oldest_kept_locked(c), missed = 0;
        size_t n = 0, max = rep->op == MSGQ_OP_LINE_EVENTS ? MSGQ_EVENTS_MAX : MSGQ_CHANGES_MAX;

        if (from < oldest) {
                missed = oldest - from;
                from = oldest;
        }
        for (uint64_t k = from; k <= c->changes && n < max; k++) {
                const struct lines_change *h = &c->history[k % c->nhistory];
                struct msgq_change ch = { .st = h->st, .time_ns = h->time_ns };

                if (line != MSGQ_LINE_ALL && h->st.line != line)
                        continue;
                if (rep->op == MSGQ_OP_LINE_EVENTS)
                        rep->events[n] = (struct msgq_event) {
                                .ch = ch, .kernel_ns = h->kernel_ns, .kernel_seqno = h->kernel_seqno,
                                .lost = h->lost, .edge = h->edge, .flags = h->flags,
                        };
                else
                        rep->changes_after[n] = ch;
                n++;
        }
        rep->missed = missed > UINT32_MAX ? UINT32_MAX : (uint32_t) missed;
        rep->nchanges = (uint16_t) n;
        rep->led.changes = !n ? c->changes : rep->op == MSGQ_OP_LINE_EVENTS ? rep->events[n - 1].ch.st.led.changes
                                                                             : rep->changes_after[n - 1].st.led.changes;
        return n;
}

int lines_changes(struct lines *c, uint16_t line, uint64_t since, const struct lines_watcher *w,
                  uint64_t now_ns, struct msgq_reply *rep) {
        pthread_mutex_lock(&c->lock);
        if (since > c->changes) {
                rep->led.changes = c->changes;
                pthread_mutex_unlock(&c->lock);
                return -ERANGE;
        }
        if (changes_locked(c, line, since, rep) > 0 || rep->missed > 0 || !w) {
                pthread_mutex_unlock(&c->lock);
                return 0;
        }
        take_place_locked(c, w, now_ns);
        pthread_mutex_unlock(&c->lock);
        return 1;
}
