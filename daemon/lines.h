/* SPDX-License-Identifier: MIT */
/*
 * The daemon's table of lines, as its threads share it: the lines (line.h)
 * under one lock, one change sequence for the whole daemon, the history of
 * the last LINES_HISTORY changes, the watchers, and the state file.
 * Blinking is driven by an sd-event timer in the main loop.  Requests
 * (receiver thread) change a line and, for blink, wake the main loop to
 * re-arm the timer.  Today the table holds one line, index 0: the LED
 * (msgq.conf's gpio under [msgq]).
 *
 * A line says when a call changed it; the table numbers the change.  Every
 * change of state (on, off, blinking, the end of a blink; not each blink
 * toggle) counts one in changes, and the last LINES_HISTORY states are kept,
 * so that a watcher a few changes behind is told of each in turn.  A watcher
 * (a led-watch request) whose change number is current waits here, and is
 * handed to the notify callback, in whichever thread made the next change,
 * with the new state.
 *
 * The state is kept across a restart (ledstate.h): msgqd starts from the
 * state and change number lines_restore() is given.  The thread that makes
 * a change (a request's, or the main loop's at the end of a blink) writes
 * the file and renames it into place before it returns, so before the
 * change's reply and its watchers' answers are sent: an acknowledged change
 * outlives any crash of msgqd.  The flush to the disk follows in the main
 * loop (lines_sync()), which the writer wakes: the serving thread never
 * waits for the disk itself.  A request that changes nothing writes
 * nothing.  A write that fails leaves no earlier state in the file for a
 * start to restore as the last (ledstate_forget()), and says so.
 * lines_done() flushes, writes a blink's progress once more, then leaves
 * each line as it is or turns it off, as msgq.conf's led_stop says; the
 * file keeps the state the line was last given, which led_start = restore
 * brings back.
 *
 * Locks: lock guards the lines, the watchers and dirty; file_lock guards
 * the file and save_failed and unflushed.  file_lock is taken first, lock
 * within it only to copy the state; neither is held while watchers are told.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "line.h"
#include "ledstate.h"
#include "protocol.h"
#include "wake.h"

/* The lines a table holds: the LED alone, until [output NAME] is driven. */
#define LINES_MAX 1
#define LINES_WATCHERS_MAX 64
#define LINES_HISTORY 16
/* The longest a watch holds its place, whatever its deadline: clients renew sooner. */
#define LINES_WATCH_HOLD_NS (60ull * 1000000000ull)

/* What a failed write left in the file, as last told (lines.save_failed). */
enum {
        SAVE_FAILED_KEPT = 1,   /* the file held the state already */
        SAVE_FAILED_NONE,       /* no state left: removed, or emptied */
        SAVE_FAILED_STALE,      /* an earlier state left that could not be removed */
};

/* A led-watch request waiting for the next change: where its answer goes. */
struct lines_watcher {
        uint32_t pid;
        uint64_t token;
        uint64_t deadline_ns;
        long prio;
        uint16_t flags;         /* the request's: MSGQ_REQ_TIME */
};

typedef void (*lines_notify_fn)(void *userdata, const struct lines_watcher *w, size_t n,
                                 const struct msgq_led_state *st);

struct lines {
        pthread_mutex_t lock;
        struct line line[LINES_MAX]; /* index 0: the LED */
        size_t n;               /* lines in the table (set before threads) */
        sd_event_source *timer; /* main loop only */
        const struct wake *wake; /* the main loop's: blinks to time, states to write */
        uint64_t changes;
        uint64_t first;         /* the change number msgqd started with */
        struct msgq_led_state history[LINES_HISTORY]; /* change n at n % LINES_HISTORY */
        /* When change n was made (or taken up at start), at n % LINES_HISTORY. */
        struct lines_stamp {
                uint64_t changes, time_ns, monotonic_ns;
        } stamps[LINES_HISTORY];
        char *state_path;       /* where the state is kept; NULL: nowhere (set before threads) */
        bool dirty;             /* changed since it was last written (under the lock) */
        pthread_mutex_t file_lock; /* the writers of the file, in order */
        int save_failed;        /* 0, or what the last write's failure left (file_lock) */
        bool unflushed;         /* written, not yet flushed to the disk (file_lock) */
        bool flush_failed;      /* the last flush failed (main loop only) */
        bool keep_at_stop;      /* leave the LED as it is at lines_done() (set before threads) */
        struct lines_watcher watchers[LINES_WATCHERS_MAX]; /* oldest first */
        size_t nwatchers;
        lines_notify_fn notify;
        void *notify_userdata;
};

/*
 * A table of one line, the LED, index 0: takes ownership of led.  wake (NULL: none) is woken when blinking starts
 * and when a change written to the file is to be flushed to the disk.
 */
int lines_init(struct lines *c, struct led *led, const struct wake *wake);
/* Main loop: create the blink timer on e. */
int lines_attach(struct lines *c, sd_event *e);
/* Main loop: (re)arm or disarm the blink timer to match the state, and
 * flush the state written since it last looked to the disk. */
void lines_sync(struct lines *c);
/*
 * Before any thread is started: take up s (the LED was opened at s->on),
 * and keep the state in path from now on (NULL: nowhere), written once
 * now.  keep_at_stop: leave the LED as it is at lines_done().  -ENOMEM.
 */
int lines_restore(struct lines *c, const struct ledstate *s, const char *path, bool keep_at_stop);
/* Stop blinking, write the state, release the lines: turned off, or as they are. */
void lines_done(struct lines *c);

/*
 * Line i (< c->n, else -ENOENT).  set and toggle: 1 when the line's state
 * changed, 0 when it was so already, or -errno.
 */
int lines_set(struct lines *c, size_t i, bool on, struct msgq_led_state *st);
int lines_toggle(struct lines *c, size_t i, struct msgq_led_state *st);
/* count = blinks (on/off cycles), 0 = until another LED command. */
int lines_blink(struct lines *c, size_t i, uint32_t period_ms, uint32_t count, struct msgq_led_state *st);
/* Line i's state, with the table's change number (i < c->n). */
void lines_state(struct lines *c, size_t i, struct msgq_led_state *st);
/*
 * When msgqd made the state of change number changes (CLOCK_REALTIME and
 * CLOCK_MONOTONIC), while it is one of the last LINES_HISTORY; else 0.
 */
void lines_time_of(struct lines *c, uint64_t changes, uint64_t *time_ns, uint64_t *monotonic_ns);
/* Who answers the watchers (set before any request is served). */
void lines_set_notify(struct lines *c, lines_notify_fn notify, void *userdata);
/*
 * A led-watch: when the state has changed since change number since, fill
 * st with the state of change since + 1 (the current state when that one is
 * no longer kept, or since is not an earlier number) and return 0;
 * otherwise keep w (in place of an earlier watch of the same pid) for the
 * next change, until its deadline but at most LINES_WATCH_HOLD_NS, and
 * return 1.  When LINES_WATCHERS_MAX others wait (after the places of
 * clients that no longer exist were freed), the oldest watch loses its
 * place, unanswered: its client watches again at its deadline.  now_ns:
 * watchers past their deadline go.
 */
int lines_watch(struct lines *c, uint64_t since, const struct lines_watcher *w, uint64_t now_ns,
                 struct msgq_led_state *st);
/* Forget pid's waiting watch, unanswered (its client stopped watching). */
void lines_unwatch(struct lines *c, uint32_t pid);
