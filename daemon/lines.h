/* SPDX-License-Identifier: MIT */
/*
 * The daemon's table of lines, as its threads share it: the lines (line.h)
 * under one lock, one change sequence for the whole daemon, the history of
 * the last LINES_HISTORY changes, the watchers, and the state file.
 * Blinking is driven by an sd-event timer in the main loop.  Requests
 * (receiver thread) change a line and, for blink, wake the main loop to
 * re-arm the timer (one timer for every line: the earliest toggle due).
 * The table holds up to LINES_MAX lines: index 0 is the default output,
 * "led" (msgq.conf's gpio under [msgq]), then one per [output NAME]
 * (lines_add()) or [input NAME] (lines_add_input()) in the order of the
 * file.
 *
 * Inputs (doc/PROTOCOL.md, Inputs): the main loop waits on each input's
 * descriptor (and, while a line bounces under msgqd's debounce, on one
 * timer for them all); each edge it reads is a change of the one sequence,
 * kept with the kernel's timestamp, number and what the kernel lost, and
 * counted in the input's counter.  Only the main loop touches the inputs
 * themselves (input.h is not thread-safe); a line's level and counters are
 * the table's, under the lock.
 *
 * A line says when a call changed it; the table numbers the change.  Every
 * change of a line's state (on, off, blinking, the end of a blink; not each
 * blink toggle) counts one in the table's changes, one sequence for every
 * line, and one in that line's own seq (as the kernel's seqno and
 * line_seqno); the last LINES_HISTORY changes are kept, each with its line,
 * so that a watcher behind is told of each in turn, or of how many it
 * missed.  A watcher whose change number is current (or, for one line, who
 * has seen that line's last change) waits here, and is handed to the
 * notify callback, in whichever thread made the next change of its line,
 * with that line's new state: a led-watch (10) of one line, or a
 * line-watch (13) of one line or all, which the callback answers from
 * lines_changes().
 *
 * The state of every line is kept across a restart (ledstate.h): msgqd
 * starts from the lines' states, their seq and the change number
 * lines_restore() is given.  The thread that makes
 * a change (a request's, or the main loop's for an edge or the end of a
 * blink) writes it over a slot of the file (a new file, the first time)
 * before it returns, so before the change's reply and its watchers'
 * answers are sent: an acknowledged change outlives any crash of msgqd.
 * The flush to the disk (fdatasync) is the flush thread's alone
 * (lines_flush_start()): the writer marks the file unflushed and signals
 * it, and neither the serving thread nor the main loop ever waits for the
 * disk.  The flush thread flushes what was written at once, but begins at
 * most one flush every LINES_FLUSH_INTERVAL_MS: a change is flushed by a
 * flush that begins within LINES_FLUSH_INTERVAL_MS of its write, or when
 * the flush in progress ends if that is later, and a burst of changes
 * costs one flush for all written since the last one began.  A flush that
 * fails is logged once, and so is the first that succeeds after it.
 * A request that changes nothing writes nothing.  A write that fails
 * leaves no earlier state in the file for a start to restore as the last
 * (ledstate_forget()), and says so.  lines_done() stops the flush thread,
 * which flushes what is left first, writes a blink's progress once more,
 * then leaves each line as it is or turns it off, as its stop (led_stop)
 * says; the file keeps the state each line was last given, which its
 * start (led_start) = restore brings back.
 *
 * Locks: lock guards the lines, the watchers and dirty; file_lock guards
 * the file, writer, save_failed, unflushed, dir_unflushed, flush_idle,
 * flush_stop, flushes and last_flush_ns, and flush_cond is signalled and
 * waited on under it (a writer signals only a flush thread that is idle: one wake-up
 * of it for a burst, not one a change).
 * file_lock is taken first, lock within it only to copy the state; neither
 * is held while watchers are told, nor while the flush thread flushes.
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

/* The lines a table holds: the default output and the [output NAME] sections. */
#define LINES_MAX MSGQ_LINES_MAX
#define LINES_WATCHERS_MAX 64
/* Changes kept unless lines_set_history() says otherwise: msgq.conf's history. */
#define LINES_HISTORY 1024 /* config.h's MSGQ_DEFAULT_HISTORY */
/* The least time between the starts of two flushes of the state file to the disk. */
#define LINES_FLUSH_INTERVAL_MS 10
/* The longest a watch holds its place, whatever its deadline: clients renew sooner. */
#define LINES_WATCH_HOLD_NS (60ull * 1000000000ull)

/* What a failed write left in the file, as last told (lines.save_failed). */
enum {
        SAVE_FAILED_KEPT = 1,   /* the file held the state already */
        SAVE_FAILED_NONE,       /* no state left: removed, or emptied */
        SAVE_FAILED_STALE,      /* an earlier state left that could not be removed */
};

/* A led-watch or line-watch request waiting for the next change: where its answer goes. */
struct lines_watcher {
        uint32_t pid;
        uint64_t token;
        uint64_t deadline_ns;
        long prio;
        uint16_t flags;         /* the request's: MSGQ_REQ_TIME */
        uint16_t op;            /* MSGQ_OP_LINE_WATCH or _LINE_EVENTS, else a led-watch (0 too) */
        uint16_t line;          /* the line watched; line-watch, line-events: or MSGQ_LINE_ALL */
        uint64_t since;         /* line-watch, line-events: the change number it named */
};

/* One change as the history keeps it: the line's state after it, who made it, and when. */
struct lines_change {
        struct msgq_line_state st; /* st.led.changes: its number */
        uint32_t by_pid;        /* the client whose request made it; 0: msgqd */
        uint64_t time_ns, monotonic_ns;
        /* An input's edge (line-events): else 0, MSGQ_EDGE_OUTPUT. */
        uint64_t kernel_ns;
        uint32_t kernel_seqno, lost;
        uint8_t edge, flags;    /* enum msgq_edge, MSGQ_EVENT_F_* */
};

/* What the table knows of a line besides the line itself (under the lock). */
struct lines_entry {
        uint8_t flags;          /* MSGQ_LINE_F_*: as configured (set before threads, but STOP_KEEP) */
        uint32_t seq;           /* the line's own count of changes */
        uint64_t last;          /* the number of its last change */
        uint32_t by_pid;        /* who made its last change; 0: msgqd */
        uint64_t time_ns, monotonic_ns; /* when msgqd made it: kept after the history has moved on */
        /* An input: its settings (set before threads), its edges counted and of those lost. */
        struct input_settings input;
        uint64_t count, lost;
        /* An output that follows an input (lines_follow(), set before threads): its index. */
        bool follows;
        bool follow_invert;     /* the input's opposite level */
        uint16_t follow;
};

typedef void (*lines_notify_fn)(void *userdata, const struct lines_watcher *w, size_t n,
                                 const struct msgq_led_state *st);

struct lines {
        pthread_mutex_t lock;
        struct line line[LINES_MAX]; /* index 0: the default output, "led" */
        struct lines_entry entry[LINES_MAX];
        size_t n;               /* lines in the table (set before threads) */
        sd_event_source *timer; /* main loop only */
        sd_event_source *input_io[LINES_MAX]; /* an input's descriptor (main loop only) */
        sd_event_source *debounce; /* msgqd's debounce of the inputs (main loop only) */
        const struct wake *wake; /* the main loop's: blinks to time, states to write */
        uint64_t changes;
        uint64_t first;         /* the change number msgqd started with */
        /* Change n (or the state taken up at start) at n % nhistory. */
        struct lines_change *history;
        size_t nhistory;        /* (set before threads) */
        char *state_path;       /* where the state is kept; NULL: nowhere (set before threads) */
        /* What identifies line i in the file: its name, gpio and active_low (set before threads). */
        struct ledstate_line kept_as[LINES_MAX];
        bool dirty;             /* changed since it was last written (under the lock) */
        pthread_mutex_t file_lock; /* the writers of the file, in order */
        int save_failed;        /* 0, or what the last write's failure left (file_lock) */
        struct ledstate_writer writer; /* the file's slot the next change goes over (file_lock) */
        bool unflushed;         /* written, not yet flushed to the disk (file_lock) */
        bool dir_unflushed;     /* and a new file put in place: its directory too (file_lock) */
        pthread_cond_t flush_cond; /* unflushed (while flush_idle) or flush_stop set (file_lock) */
        bool flush_idle;        /* the flush thread waits for work, not for the interval (file_lock) */
        bool flush_stop;        /* lines_done(): flush what is left, and end (file_lock) */
        uint64_t flushes;       /* flushes begun since the start (file_lock) */
        uint64_t last_flush_ns; /* when the last one began, CLOCK_MONOTONIC (file_lock) */
        bool flush_failed;      /* the last flush failed (the flush thread's, else lines_done()'s) */
        pthread_t flusher;      /* the flush thread, while flusher_running */
        bool flusher_running;   /* (set before and after the other threads) */
        struct lines_watcher watchers[LINES_WATCHERS_MAX]; /* oldest first */
        size_t nwatchers;
        lines_notify_fn notify;
        void *notify_userdata;
};

/*
 * A table of one line, the default output "led", index 0: takes ownership
 * of led.  wake (NULL: none) is woken when blinking starts.
 */
int lines_init(struct lines *c, struct led *led, const struct wake *wake);
/*
 * Before any thread is started: the next line, index c->n, called name,
 * with its line-list flags (MSGQ_LINE_F_*: STOP_KEEP leaves it as it is at
 * lines_done()); takes ownership of led.  Its last change is the table's
 * number now.  -ENOSPC when the table is full, -EEXIST for a name taken.
 */
int lines_add(struct lines *c, struct led *led, const char *name, uint8_t flags);
/*
 * Before any thread is started: the next line, index c->n, the input in
 * (taken over) called name with its settings s, at in's level.  As
 * lines_add(); -ENOMEM.
 */
int lines_add_input(struct lines *c, struct input *in, const char *name, uint8_t flags,
                    const struct input_settings *s);
/*
 * Before any thread is started: output out follows input in (msgq.conf's
 * follow): at each edge of in that msgqd records (after the debounce), and
 * whenever in's level changes without one, out is driven to in's level
 * (invert: the opposite) first, then the edge and out's change are
 * numbered, in that order, out's made by msgqd (pid 0); then the file is
 * written, then the watchers are told.  lines_restore() drives out to in's
 * level as read at the start.  A request may still set out: it holds until
 * in's next edge.  -EINVAL when out is not an output or in not an input.
 */
int lines_follow(struct lines *c, size_t out, size_t in, bool invert);
/* Before any thread is started: keep the last n changes (64 to 65536); -ENOMEM. */
int lines_set_history(struct lines *c, size_t n);
/* Whether line i is an input (i < c->n; set before threads). */
bool lines_is_input(const struct lines *c, size_t i);
/* The index of the line called name (any case), or -ENOENT. */
int lines_find(const struct lines *c, const char *name);
/* Line i's flags, but STOP_KEEP, which keep sets (a reload; read at lines_done()). */
void lines_set_keep(struct lines *c, size_t i, bool keep);
/* Main loop: create the blink timer on e, and wait on the inputs there. */
int lines_attach(struct lines *c, sd_event *e);
/* Main loop: (re)arm or disarm the blink timer for the earliest toggle due of any line. */
void lines_sync(struct lines *c);
/*
 * After lines_restore(), before the other threads: start the flush thread,
 * which flushes what the changes write to the disk from then on (nothing
 * to do when the state is kept nowhere); 0 or -errno.  Without it, what
 * the changes write is flushed at lines_done() only.
 */
int lines_flush_start(struct lines *c);
/* The flushes begun since the start (the flush thread's and lines_done()'s). */
uint64_t lines_flushes(struct lines *c);
/*
 * Before any thread is started: take up f (ledstate_start_lines(): line i
 * of f is line i of the table, opened at its on), each line's blink and
 * seq and the change number, and keep the state of every line in path from
 * now on (NULL: nowhere), each as f names it, written once now.
 * keep_at_stop: leave line 0 as it is at lines_done().  -EINVAL when f
 * has another number of lines than the table, -ENOMEM.
 */
int lines_restore(struct lines *c, const struct ledstate_file *f, const char *path, bool keep_at_stop);
/*
 * Stop the flush thread (after it flushed what was written), stop
 * blinking, write the state, release the lines: each turned off, or as it is.
 */
void lines_done(struct lines *c);

/*
 * Line i (< c->n, else -ENOENT), at the request of by_pid (0: msgqd).  set
 * and toggle: 1 when the line's state changed, 0 when it was so already,
 * or -errno.
 */
int lines_set(struct lines *c, size_t i, bool on, uint32_t by_pid, struct msgq_led_state *st);
int lines_toggle(struct lines *c, size_t i, uint32_t by_pid, struct msgq_led_state *st);
/* count = blinks (on/off cycles), 0 = until another command for the line. */
int lines_blink(struct lines *c, size_t i, uint32_t period_ms, uint32_t count, uint32_t by_pid,
                struct msgq_led_state *st);
/*
 * line-set: each line[k] (< c->n, each once) to on[k], for k < n, in one
 * led_set_many() call: ends their blinks, and each line that changed is
 * one change, numbered in the order given.  Checks every entry first and
 * changes nothing when one is wrong (-ENOENT out of range, -EINVAL named
 * twice, -EPERM an input; *bad its k).  *changed: bit i, line i changed.  rep gets
 * set_lines, set_on, set_first and the last change's number in
 * rep->led.changes (the last line's last when nothing changed).  0, or
 * led_set_many()'s -errno, *bad the k of the line whose call failed (the
 * changes it made are still numbered).
 */
int lines_set_many(struct lines *c, const uint16_t *line, const bool *on, size_t n, uint32_t by_pid,
                   size_t *bad, uint64_t *changed, struct msgq_reply *rep);
/* Line i's state, with the number of its last change (i < c->n). */
void lines_state(struct lines *c, size_t i, struct msgq_led_state *st);
/* line-list: the lines from index first on into rep (list_total, list_count, list[], led.changes). */
void lines_list(struct lines *c, size_t first, struct msgq_reply *rep);
/* input-list: the inputs from index first on into rep (list_total, list_count, inputs[], led.changes). */
void lines_inputs(struct lines *c, size_t first, struct msgq_reply *rep);
/*
 * When msgqd made the state of change number changes (CLOCK_REALTIME and
 * CLOCK_MONOTONIC), while it is one of the last kept or a line's last
 * change (or the state taken up at the start); else 0.
 */
void lines_time_of(struct lines *c, uint64_t changes, uint64_t *time_ns, uint64_t *monotonic_ns);
/* Who answers the watchers (set before any request is served). */
void lines_set_notify(struct lines *c, lines_notify_fn notify, void *userdata);
/*
 * A led-watch of line w->line (< c->n): when that line has changed since
 * change number since, fill st with the state of its first change after
 * since (the line's current state when a change after since is no longer
 * kept, or since is not a number of this msgqd's) and return 0; otherwise
 * keep w (in place of an earlier watch of the same pid) for the line's next
 * change, until its deadline but at most LINES_WATCH_HOLD_NS, and return 1.
 * When LINES_WATCHERS_MAX others wait (after the places of clients that no
 * longer exist were freed), the oldest watch loses its place, unanswered:
 * its client watches again at its deadline.  now_ns: watchers past their
 * deadline go.
 */
int lines_watch(struct lines *c, uint64_t since, const struct lines_watcher *w, uint64_t now_ns,
                 struct msgq_led_state *st);
/*
 * A line-watch or line-events (rep->op) of line (< c->n, or MSGQ_LINE_ALL)
 * after change number since: the kept changes of that line after since, in
 * order, as many as a reply to rep->op holds, into rep (missed, nchanges, changes_after[], led.changes
 * the last one's number, or msgqd's last when none is given), and 0; when
 * there are none and none was missed, w (not NULL) is kept as lines_watch()
 * keeps it, and 1; -ERANGE when since is ahead of msgqd's last change
 * (rep->led.changes: that one).
 */
int lines_changes(struct lines *c, uint16_t line, uint64_t since, const struct lines_watcher *w,
                  uint64_t now_ns, struct msgq_reply *rep);
/* Forget pid's waiting watch, unanswered (its client stopped watching). */
void lines_unwatch(struct lines *c, uint32_t pid);
