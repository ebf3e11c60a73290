/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ledctl.h"
#include "log.h"

/* sd-event's timers count in µs of the same clock. */
static uint64_t now_usec(void) {
        return msgq_now_ns() / 1000u;
}

static void fill_state(const struct ledctl *c, struct msgq_led_state *st) {
        if (!st)
                return;
        st->on = led_get(c->led);
        st->blinking = c->blinking;
        st->period_ms = c->blinking ? c->period_ms : 0;
        st->remaining = c->blinking ? c->remaining : 0;
        st->changes = c->changes;
}

/* With the lock held: the state is made now, as change c->changes. */
static void stamp_locked(struct ledctl *c) {
        struct ledctl_stamp *t = &c->stamps[c->changes % LEDCTL_HISTORY];

        *t = (struct ledctl_stamp) { .changes = c->changes, .time_ns = msgq_wall_ns(),
                                     .monotonic_ns = msgq_now_ns() };
}

/*
 * With the lock held, after a change: count it, keep it in the history, and
 * take the watchers (and the new state) out, for notify_unlocked() once the
 * lock is released.
 */
static size_t changed_locked(struct ledctl *c, struct ledctl_watcher *out, struct msgq_led_state *st) {
        size_t n = c->nwatchers;

        c->changes++;
        c->dirty = true;
        stamp_locked(c);
        fill_state(c, st);
        c->history[c->changes % LEDCTL_HISTORY] = *st;
        memcpy(out, c->watchers, n * sizeof *out);
        c->nwatchers = 0;
        return n;
}

static void notify_unlocked(struct ledctl *c, const struct ledctl_watcher *w, size_t n,
                            const struct msgq_led_state *st) {
        if (n > 0 && c->notify)
                c->notify(c->notify_userdata, w, n, st);
}

/* With the lock held: the state as the file keeps it. */
static void snapshot_locked(const struct ledctl *c, struct ledstate *s) {
        *s = (struct ledstate) { .on = led_get(c->led), .changes = c->changes };
        s->boot_us = ledstate_boot_us();
        if (!c->blinking)
                return;
        s->blinking = true;
        s->period_ms = c->period_ms;
        s->remaining = c->remaining;
        /* The next toggle, moved from CLOCK_MONOTONIC to CLOCK_BOOTTIME. */
        s->next_toggle_us = ledstate_now_us() + (uint64_t) ((int64_t) c->next_usec - (int64_t) now_usec());
}

/*
 * A write failed: what is left in the file for the next start (ledstate_forget),
 * said when it is not what was said last.  file_lock held.
 */
static void tell_failed(struct ledctl *c, int r, uint64_t changes) {
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
static int save_locked(struct ledctl *c, bool force, bool durable) {
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
static void save(struct ledctl *c, bool force, bool durable) {
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
static void flush(struct ledctl *c) {
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

int ledctl_init(struct ledctl *c, struct led *led, const struct wake *wake) {
        int r;

        memset(c, 0, sizeof *c);
        c->led = led;
        c->wake = wake;
        stamp_locked(c);
        r = -pthread_mutex_init(&c->lock, NULL);
        if (r == 0 && (r = -pthread_mutex_init(&c->file_lock, NULL)) < 0)
                pthread_mutex_destroy(&c->lock);
        return r;
}

static int on_blink_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct ledctl *c = userdata;
        struct ledctl_watcher w[LEDCTL_WATCHERS_MAX];
        struct msgq_led_state st;
        size_t n = 0;

        pthread_mutex_lock(&c->lock);
        if (c->blinking && usec >= c->next_usec) {
                if (led_set(c->led, !led_get(c->led)) < 0)
                        log_warning("blink: cannot drive the LED: %m");
                if (c->remaining > 0 && --c->remaining == 0) {
                        c->blinking = false; /* an even number of toggles: ends off */
                        n = changed_locked(c, w, &st);
                }
                c->next_usec += (uint64_t) c->period_ms * 500u;
        }
        pthread_mutex_unlock(&c->lock);
        save(c, false, false); /* the end of a blink, before its watchers hear of it */
        notify_unlocked(c, w, n, &st);
        ledctl_sync(c);
        return 0;
}

int ledctl_attach(struct ledctl *c, sd_event *e) {
        int r = sd_event_add_time(e, &c->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000,
                                  on_blink_timer, c);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
}

void ledctl_sync(struct ledctl *c) {
        bool blinking;
        uint64_t next;

        if (!c->timer)
                return;
        pthread_mutex_lock(&c->lock);
        blinking = c->blinking;
        next = c->next_usec;
        pthread_mutex_unlock(&c->lock);
        if (blinking) {
                sd_event_source_set_time(c->timer, next);
                sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT);
        } else {
                sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        }
        flush(c);
}

int ledctl_restore(struct ledctl *c, const struct ledstate *s, const char *path, bool keep_at_stop) {
        uint64_t now = ledstate_now_us();

        c->blinking = s->blinking;
        c->period_ms = s->period_ms;
        c->remaining = s->remaining;
        /*
         * The next toggle, moved from CLOCK_BOOTTIME to CLOCK_MONOTONIC.  Past
         * already (opening the line waited for udev): half a period from
         * now, rather than the toggles missed meanwhile in a burst.
         */
        c->next_usec = now_usec() + (s->next_toggle_us > now ? s->next_toggle_us - now
                                                              : (uint64_t) s->period_ms * 500u);
        c->changes = c->first = s->changes;
        stamp_locked(c); /* the time of a state taken up from the file: when msgqd took it up */
        fill_state(c, &c->history[c->changes % LEDCTL_HISTORY]);
        c->keep_at_stop = keep_at_stop;
        if (!path)
                return 0;
        c->state_path = strdup(path);
        if (!c->state_path)
                return -ENOMEM;
        save(c, true, true);
        return 0;
}

void ledctl_done(struct ledctl *c) {
        /* What the changes wrote, and a blink's progress, for a start in another boot. */
        flush(c);
        save(c, c->blinking, true);
        free(c->state_path);
        c->state_path = NULL;
        pthread_mutex_lock(&c->lock);
        c->blinking = false;
        if (c->keep_at_stop) {
                if (c->led)
                        log_info("LED left %s (led_stop = keep)", led_get(c->led) ? "on" : "off");
                led_release(c->led);
        } else {
                if (led_get(c->led) && led_set(c->led, false) < 0) /* off already: not driven again */
                        log_warning("cannot turn the LED off: %m");
                led_close(c->led);
        }
        c->led = NULL;
        pthread_mutex_unlock(&c->lock);
        c->timer = sd_event_source_disable_unref(c->timer);
        pthread_mutex_destroy(&c->lock);
        pthread_mutex_destroy(&c->file_lock);
}

/*
 * A direct command, which ends any blinking.  When the state is not what it
 * was, it is written to the file, and then the watchers hear of it: 1.
 */
static int set_to(struct ledctl *c, bool toggle, bool on, struct msgq_led_state *st) {
        struct ledctl_watcher w[LEDCTL_WATCHERS_MAX];
        struct msgq_led_state now;
        size_t n = 0;
        bool was_on, was_blinking, changed;
        int r;

        pthread_mutex_lock(&c->lock);
        was_on = led_get(c->led);
        was_blinking = c->blinking;
        c->blinking = false;
        r = led_set(c->led, toggle ? !was_on : on);
        changed = was_blinking || led_get(c->led) != was_on;
        if (changed)
                n = changed_locked(c, w, &now);
        fill_state(c, st);
        pthread_mutex_unlock(&c->lock);
        if (changed)
                save(c, false, false);
        notify_unlocked(c, w, n, &now);
        return r < 0 ? r : changed;
}

int ledctl_set(struct ledctl *c, bool on, struct msgq_led_state *st) {
        return set_to(c, false, on, st);
}

int ledctl_toggle(struct ledctl *c, struct msgq_led_state *st) {
        return set_to(c, true, false, st);
}

int ledctl_blink(struct ledctl *c, uint32_t period_ms, uint32_t count, struct msgq_led_state *st) {
        struct ledctl_watcher w[LEDCTL_WATCHERS_MAX];
        struct msgq_led_state now;
        size_t n = 0;
        int r;

        if (period_ms < MSGQ_BLINK_PERIOD_MIN_MS || period_ms > MSGQ_BLINK_PERIOD_MAX_MS ||
            count > MSGQ_BLINK_COUNT_MAX)
                return -EINVAL;
        pthread_mutex_lock(&c->lock);
        r = led_set(c->led, true); /* the first toggle: on now */
        if (r >= 0) {
                c->blinking = true;
                c->period_ms = period_ms;
                c->remaining = count ? 2 * count - 1 : 0;
                c->next_usec = now_usec() + (uint64_t) period_ms * 500u;
                n = changed_locked(c, w, &now);
        } else {
                c->blinking = false;
        }
        fill_state(c, st);
        pthread_mutex_unlock(&c->lock);
        if (r >= 0)
                save(c, false, false);
        notify_unlocked(c, w, n, &now);
        if (r >= 0 && c->wake)
                wake_up(c->wake); /* arms the timer */
        return r;
}

void ledctl_time_of(struct ledctl *c, uint64_t changes, uint64_t *time_ns, uint64_t *monotonic_ns) {
        const struct ledctl_stamp *t;

        pthread_mutex_lock(&c->lock);
        t = &c->stamps[changes % LEDCTL_HISTORY];
        *time_ns = t->changes == changes ? t->time_ns : 0;
        *monotonic_ns = t->changes == changes ? t->monotonic_ns : 0;
        pthread_mutex_unlock(&c->lock);
}

void ledctl_state(struct ledctl *c, struct msgq_led_state *st) {
        pthread_mutex_lock(&c->lock);
        fill_state(c, st);
        pthread_mutex_unlock(&c->lock);
}

void ledctl_set_notify(struct ledctl *c, ledctl_notify_fn notify, void *userdata) {
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
static void drop_gone_locked(struct ledctl *c) {
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
static void take_place_locked(struct ledctl *c, const struct ledctl_watcher *w, uint64_t now_ns) {
        size_t i, kept = 0;

        for (i = 0; i < c->nwatchers; i++)
                if (c->watchers[i].deadline_ns > now_ns && c->watchers[i].pid != w->pid)
                        c->watchers[kept++] = c->watchers[i];
        c->nwatchers = kept;
        if (c->nwatchers == LEDCTL_WATCHERS_MAX)
                drop_gone_locked(c);
        if (c->nwatchers == LEDCTL_WATCHERS_MAX) {
                memmove(c->watchers, c->watchers + 1, (LEDCTL_WATCHERS_MAX - 1) * sizeof *c->watchers);
                c->nwatchers--;
        }
        c->watchers[c->nwatchers] = *w;
        /* Held at most LEDCTL_WATCH_HOLD_NS, whatever deadline the request claims. */
        if (c->watchers[c->nwatchers].deadline_ns > now_ns + LEDCTL_WATCH_HOLD_NS)
                c->watchers[c->nwatchers].deadline_ns = now_ns + LEDCTL_WATCH_HOLD_NS;
        c->nwatchers++;
}

void ledctl_unwatch(struct ledctl *c, uint32_t pid) {
        size_t kept = 0;

        pthread_mutex_lock(&c->lock);
        for (size_t i = 0; i < c->nwatchers; i++)
                if (c->watchers[i].pid != pid)
                        c->watchers[kept++] = c->watchers[i];
        c->nwatchers = kept;
        pthread_mutex_unlock(&c->lock);
}

int ledctl_watch(struct ledctl *c, uint64_t since, const struct ledctl_watcher *w, uint64_t now_ns,
                 struct msgq_led_state *st) {
        pthread_mutex_lock(&c->lock);
        if (since != c->changes) {
                /* The change after since, while it is kept (and made since msgqd started); else the current state. */
                if (since >= c->first && since < c->changes && c->changes - since <= LEDCTL_HISTORY)
                        *st = c->history[(since + 1) % LEDCTL_HISTORY];
                else
                        fill_state(c, st);
                pthread_mutex_unlock(&c->lock);
                return 0;
        }
        take_place_locked(c, w, now_ns);
        pthread_mutex_unlock(&c->lock);
        return 1;
}
