/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "lines.h"
#include "log.h"

static void fill_state(const struct lines *c, size_t i, struct msgq_led_state *st) {
        if (!st)
                return;
        line_state(&c->line[i], st);
        st->changes = c->changes;
}

/* With the lock held: the state is made now, as change c->changes. */
static void stamp_locked(struct lines *c) {
        struct lines_stamp *t = &c->stamps[c->changes % LINES_HISTORY];

        *t = (struct lines_stamp) { .changes = c->changes, .time_ns = msgq_wall_ns(),
                                    .monotonic_ns = msgq_now_ns() };
}

/*
 * With the lock held, after a change: count it, keep it in the history, and
 * take the watchers (and the new state) out, for notify_unlocked() once the
 * lock is released.
 */
static size_t changed_locked(struct lines *c, size_t i, struct lines_watcher *out,
                             struct msgq_led_state *st) {
        size_t n = c->nwatchers;

        c->changes++;
        c->dirty = true;
        stamp_locked(c);
        fill_state(c, i, st);
        c->history[c->changes % LINES_HISTORY] = *st;
        memcpy(out, c->watchers, n * sizeof *out);
        c->nwatchers = 0;
        return n;
}

static void notify_unlocked(struct lines *c, const struct lines_watcher *w, size_t n,
                            const struct msgq_led_state *st) {
        if (n > 0 && c->notify)
                c->notify(c->notify_userdata, w, n, st);
}

/* With the lock held: the state as the file keeps it. */
static void snapshot_locked(const struct lines *c, struct ledstate *s) {
        *s = (struct ledstate) { .changes = c->changes };
        s->boot_us = ledstate_boot_us();
        line_snapshot(&c->line[0], s); /* the file keeps the one line */
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
                log_warning("cannot keep the LED's state in %s: %s; the LED works, and a restart finds "
                            "the state as it is (change %" PRIu64 ") in the file", c->state_path,
                            strerror(-r), changes);
        else if (left == SAVE_FAILED_NONE)
                log_warning("cannot keep the LED's state in %s: %s; the LED works, but a restart will "
                            "find no state to restore", c->state_path, strerror(-r));
        else
                log_warning("cannot keep the LED's state in %s: %s, nor remove the earlier state it "
                            "holds (%s); the LED works, but a restart will restore that earlier state",
                            c->state_path, strerror(-r), strerror(-k));
}

/*
 * file_lock held: write the state when it changed (or anyway, with force);
 * durable, flushed to the disk too.  1 when written, 0 when there was
 * nothing to write, or -errno.
 */
static int save_locked(struct lines *c, bool force, bool durable) {
        struct ledstate s;
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
        r = durable ? ledstate_save(c->state_path, &s) : ledstate_write(c->state_path, &s);
        if (r < 0) {
                tell_failed(c, r, s.changes);
                return r;
        }
        if (c->save_failed)
                log_info("the LED's state is kept in %s again", c->state_path);
        c->save_failed = 0;
        c->unflushed = !durable;
        return 1;
}

/*
 * In the thread that changed the state, before anyone is told of the
 * change: the file holds it (written and in place), and the main loop is
 * woken to flush it to the disk.  Whichever thread takes file_lock first
 * writes the latest state, for the other too.
 */
static void save(struct lines *c, bool force, bool durable) {
        int r;

        if (!c->state_path)
                return;
        pthread_mutex_lock(&c->file_lock);
        r = save_locked(c, force, durable);
        pthread_mutex_unlock(&c->file_lock);
        if (r > 0 && !durable && c->wake)
                wake_up(c->wake);
}

/* Main loop (or at the stop): flush what the changes wrote since it last looked. */
static void flush(struct lines *c) {
        bool unflushed;
        int r;

        if (!c->state_path)
                return;
        pthread_mutex_lock(&c->file_lock);
        unflushed = c->unflushed;
        c->unflushed = false;
        pthread_mutex_unlock(&c->file_lock);
        if (!unflushed)
                return;
        r = ledstate_flush(c->state_path);
        if (r < 0 && r != -ENOENT && !c->flush_failed)
                log_warning("cannot flush the LED's state in %s to the disk: %s; it outlives a crash "
                            "of msgqd, but a power cut may bring back an earlier one", c->state_path,
                            strerror(-r));
        else if (r == 0 && c->flush_failed)
                log_info("the LED's state in %s is flushed to the disk again", c->state_path);
        c->flush_failed = r < 0 && r != -ENOENT;
}

int lines_init(struct lines *c, struct led *led, const struct wake *wake) {
        int r;

        memset(c, 0, sizeof *c);
        line_init(&c->line[0], led);
        c->n = 1;
        c->wake = wake;
        stamp_locked(c);
        r = -pthread_mutex_init(&c->lock, NULL);
        if (r == 0 && (r = -pthread_mutex_init(&c->file_lock, NULL)) < 0)
                pthread_mutex_destroy(&c->lock);
        return r;
}

static int on_blink_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct lines *c = userdata;
        struct lines_watcher w[LINES_WATCHERS_MAX];
        struct msgq_led_state st;
        size_t n = 0;

        pthread_mutex_lock(&c->lock);
        if (line_tick(&c->line[0], usec))
                n = changed_locked(c, 0, w, &st);
        pthread_mutex_unlock(&c->lock);
        save(c, false, false); /* the end of a blink, before its watchers hear of it */
        notify_unlocked(c, w, n, &st);
        lines_sync(c);
        return 0;
}

int lines_attach(struct lines *c, sd_event *e) {
        int r = sd_event_add_time(e, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                  on_blink_timer, c);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
}

void lines_sync(struct lines *c) {
        bool blinking;
        uint64_t next;

        if (!c->timer)
                return;
        pthread_mutex_lock(&c->lock);
        blinking = c->line[0].blinking;
        next = c->line[0].next_usec;
        pthread_mutex_unlock(&c->lock);
        if (blinking) {
                sd_event_source_set_time(c->timer, next);
                sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        } else {
                sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        }
        flush(c);
}

int lines_restore(struct lines *c, const struct ledstate *s, const char *path, bool keep_at_stop) {
        line_restore(&c->line[0], s);
        c->changes = c->first = s->changes;
        stamp_locked(c); /* the time of a state taken up from the file: when msgqd took it up */
        fill_state(c, 0, &c->history[c->changes % LINES_HISTORY]);
        c->keep_at_stop = keep_at_stop;
        if (!path)
                return 0;
        c->state_path = strdup(path);
        if (!c->state_path)
                return -ENOMEM;
        save(c, true, true);
        return 0;
}

void lines_done(struct lines *c) {
        /* What the changes wrote, and a blink's progress, for a start in another boot. */
        flush(c);
        save(c, c->line[0].blinking, true);
        free(c->state_path);
        c->state_path = NULL;
        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->n; i++)
                line_done(&c->line[i], c->keep_at_stop);
        pthread_mutex_unlock(&c->lock);
        c->timer = sd_event_source_disable_unref(c->timer);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->file_lock);
}

/*
 * A direct command, which ends any blinking.  When the state is not what it
 * was, it is written to the file, and then the watchers hear of it: 1.
 */
static int set_to(struct lines *c, size_t i, bool toggle, bool on, struct msgq_led_state *st) {
        struct lines_watcher w[LINES_WATCHERS_MAX];
        struct msgq_led_state now;
        size_t n = 0;
        bool changed;
        int r;

        if (i >= c->n)
                return -ENOENT;
        pthread_mutex_lock(&c->lock);
        r = line_set(&c->line[i], toggle, on, &changed);
        if (changed)
                n = changed_locked(c, i, w, &now);
        fill_state(c, i, st);
        pthread_mutex_unlock(&c->lock);
        if (changed)
                save(c, false, false);
        notify_unlocked(c, w, n, &now);
        return r < 0 ? r : changed;
}

int lines_set(struct lines *c, size_t i, bool on, struct msgq_led_state *st) {
        return set_to(c, i, false, on, st);
}

int lines_toggle(struct lines *c, size_t i, struct msgq_led_state *st) {
        return set_to(c, i, true, false, st);
}

int lines_blink(struct lines *c, size_t i, uint32_t period_ms, uint32_t count, struct msgq_led_state *st) {
        struct lines_watcher w[LINES_WATCHERS_MAX];
        struct msgq_led_state now;
        size_t n = 0;
        int r;

        if (i >= c->n)
                return -ENOENT;
        pthread_mutex_lock(&c->lock);
        r = line_blink(&c->line[i], period_ms, count);
        if (r >= 0)
                n = changed_locked(c, i, w, &now);
        fill_state(c, i, st);
        pthread_mutex_unlock(&c->lock);
        if (r >= 0)
                save(c, false, false);
        notify_unlocked(c, w, n, &now);
        if (r >= 0 && c->wake)
                wake_up(c->wake); /* arms the timer */
        return r;
}

void lines_time_of(struct lines *c, uint64_t changes, uint64_t *time_ns, uint64_t *monotonic_ns) {
        const struct lines_stamp *t;

        pthread_mutex_lock(&c->lock);
        t = &c->stamps[changes % LINES_HISTORY];
        *time_ns = t->changes == changes ? t->time_ns : 0;
        *monotonic_ns = t->changes == changes ? t->monotonic_ns : 0;
        pthread_mutex_unlock(&c->lock);
}

void lines_state(struct lines *c, size_t i, struct msgq_led_state *st) {
        pthread_mutex_lock(&c->lock);
        fill_state(c, i, st);
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

int lines_watch(struct lines *c, uint64_t since, const struct lines_watcher *w, uint64_t now_ns,
                 struct msgq_led_state *st) {
        pthread_mutex_lock(&c->lock);
        if (since != c->changes) {
                /* The change after since, while it is kept (and made since msgqd started); else the current state. */
                if (since >= c->first && since < c->changes && c->changes - since <= LINES_HISTORY)
                        *st = c->history[(since + 1) % LINES_HISTORY];
                else
                        fill_state(c, 0, st); /* the one line: a watch names none yet */
                pthread_mutex_unlock(&c->lock);
                return 0;
        }
        take_place_locked(c, w, now_ns);
        pthread_mutex_unlock(&c->lock);
        return 1;
}
