/* SPDX-License-Identifier: MIT */
/*
 * The LED as the daemon's threads share it: state under a lock, blinking
 * driven by an sd-event timer in the main loop.  Requests (receiver thread)
 * change the state and, for blink, wake the main loop to re-arm the timer.
 *
 * Every change of state (on, off, blinking, the end of a blink; not each
 * blink toggle) counts one in changes, and the last LEDCTL_HISTORY states
 * are kept, so that a watcher a few changes behind is told of each in turn.
 * A watcher (a led-watch request) whose change number is current waits
 * here, and is handed to the notify callback, in whichever thread made the
 * next change, with the new state.
 *
 * The state is kept across a restart (ledstate.h): msgqd starts from the
 * state and change number ledctl_restore() is given.  The thread that makes
 * a change (a request's, or the main loop's at the end of a blink) writes
 * the file and renames it into place before it returns, so before the
 * change's reply and its watchers' answers are sent: an acknowledged change
 * outlives any crash of msgqd.  The flush to the disk follows in the main
 * loop (ledctl_sync()), which the writer wakes: the serving thread never
 * waits for the disk itself.  A request that changes nothing writes
 * nothing.  A write that fails leaves no earlier state in the file for a
 * start to restore as the last (ledstate_forget()), and says so.
 * ledctl_done() flushes, writes a blink's progress once more, then leaves
 * the LED as it is or turns it off, as msgq.conf's led_stop says; the file
 * keeps the state the LED was last given, which led_start = restore brings
 * back.
 *
 * Locks: lock guards the state, the watchers and dirty; file_lock guards
 * the file and save_failed and unflushed.  file_lock is taken first, lock
 * within it only to copy the state; neither is held while watchers are told.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "led.h"
#include "ledstate.h"
#include "protocol.h"
#include "wake.h"

#define LEDCTL_WATCHERS_MAX 64
#define LEDCTL_HISTORY 16
/* The longest a watch holds its place, whatever its deadline: clients renew sooner. */
#define LEDCTL_WATCH_HOLD_NS (60ull * 1000000000ull)

/* What a failed write left in the file, as last told (ledctl.save_failed). */
enum {
        SAVE_FAILED_KEPT = 1,   /* the file held the state already */
        SAVE_FAILED_NONE,       /* no state left: removed, or emptied */
        SAVE_FAILED_STALE,      /* an earlier state left that could not be removed */
};

/* A led-watch request waiting for the next change: where its answer goes. */
struct ledctl_watcher {
        uint32_t pid;
        uint64_t token;
        uint64_t deadline_ns;
        long prio;
        uint16_t flags;         /* the request's: MSGQ_REQ_TIME */
};

typedef void (*ledctl_notify_fn)(void *userdata, const struct ledctl_watcher *w, size_t n,
                                 const struct msgq_led_state *st);

struct ledctl {
        pthread_mutex_t lock;
        struct led *led;
        bool blinking;
        uint32_t period_ms;
        uint32_t remaining;     /* toggles left; 0 while blinking = forever */
        uint64_t next_usec;     /* when the next toggle is due */
        sd_event_source *timer; /* main loop only */
        const struct wake *wake; /* the main loop's: blinks to time, states to write */
        uint64_t changes;
        uint64_t first;         /* the change number msgqd started with */
        struct msgq_led_state history[LEDCTL_HISTORY]; /* change n at n % LEDCTL_HISTORY */
        /* When change n was made (or taken up at start), at n % LEDCTL_HISTORY. */
        struct ledctl_stamp {
                uint64_t changes, time_ns, monotonic_ns;
        } stamps[LEDCTL_HISTORY];
        char *state_path;       /* where the state is kept; NULL: nowhere (set before threads) */
        bool dirty;             /* changed since it was last written (under the lock) */
        pthread_mutex_t file_lock; /* the writers of the file, in order */
        int save_failed;        /* 0, or what the last write's failure left (file_lock) */
        bool unflushed;         /* written, not yet flushed to the disk (file_lock) */
        bool flush_failed;      /* the last flush failed (main loop only) */
        bool keep_at_stop;      /* leave the LED as it is at ledctl_done() (set before threads) */
        struct ledctl_watcher watchers[LEDCTL_WATCHERS_MAX]; /* oldest first */
        size_t nwatchers;
        ledctl_notify_fn notify;
        void *notify_userdata;
};

/*
 * Takes ownership of led.  wake (NULL: none) is woken when blinking starts
 * and when a change written to the file is to be flushed to the disk.
 */
int ledctl_init(struct ledctl *c, struct led *led, const struct wake *wake);
/* Main loop: create the blink timer on e. */
int ledctl_attach(struct ledctl *c, sd_event *e);
/* Main loop: (re)arm or disarm the blink timer to match the state, and
 * flush the state written since it last looked to the disk. */
void ledctl_sync(struct ledctl *c);
/*
 * Before any thread is started: take up s (the LED was opened at s->on),
 * and keep the state in path from now on (NULL: nowhere), written once
 * now.  keep_at_stop: leave the LED as it is at ledctl_done().  -ENOMEM.
 */
int ledctl_restore(struct ledctl *c, const struct ledstate *s, const char *path, bool keep_at_stop);
/* Stop blinking, write the state, release the line: turned off, or as it is. */
void ledctl_done(struct ledctl *c);

/* 1 when the LED's state changed, 0 when it was so already, or -errno. */
int ledctl_set(struct ledctl *c, bool on, struct msgq_led_state *st);
int ledctl_toggle(struct ledctl *c, struct msgq_led_state *st);
/* count = blinks (on/off cycles), 0 = until another LED command. */
int ledctl_blink(struct ledctl *c, uint32_t period_ms, uint32_t count, struct msgq_led_state *st);
void ledctl_state(struct ledctl *c, struct msgq_led_state *st);
/*
 * When msgqd made the state of change number changes (CLOCK_REALTIME and
 * CLOCK_MONOTONIC), while it is one of the last LEDCTL_HISTORY; else 0.
 */
void ledctl_time_of(struct ledctl *c, uint64_t changes, uint64_t *time_ns, uint64_t *monotonic_ns);
/* Who answers the watchers (set before any request is served). */
void ledctl_set_notify(struct ledctl *c, ledctl_notify_fn notify, void *userdata);
/*
 * A led-watch: when the state has changed since change number since, fill
 * st with the state of change since + 1 (the current state when that one is
 * no longer kept, or since is not an earlier number) and return 0;
 * otherwise keep w (in place of an earlier watch of the same pid) for the
 * next change, until its deadline but at most LEDCTL_WATCH_HOLD_NS, and
 * return 1.  When LEDCTL_WATCHERS_MAX others wait (after the places of
 * clients that no longer exist were freed), the oldest watch loses its
 * place, unanswered: its client watches again at its deadline.  now_ns:
 * watchers past their deadline go.
 */
int ledctl_watch(struct ledctl *c, uint64_t since, const struct ledctl_watcher *w, uint64_t now_ns,
                 struct msgq_led_state *st);
/* Forget pid's waiting watch, unanswered (its client stopped watching). */
void ledctl_unwatch(struct ledctl *c, uint32_t pid);
