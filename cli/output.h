/* SPDX-License-Identifier: MIT */
/*
 * msgqctl's output, as OpenBSD's bgpctl does it: the commands gather their
 * data and hand it to `output`, chosen once (text, or JSON with --json);
 * they never look at the format themselves.
 *
 * JSON: each document is one object, opened by the first thing written and
 * closed by end(); `led watch` ends one per change, so that its output is
 * JSON lines.  An error adds "error" and "exit_code" members (and the
 * reply's "status") to the open object, or to an object of its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "protocol.h"

/* The queue as `status` shows it, from IPC_STAT or /proc/sysvipc/msg. */
struct queue_info {
        key_t key;
        int msqid;
        uid_t uid, cuid;
        gid_t gid, cgid;
        unsigned mode;
        unsigned long cbytes, qnum;
        bool qbytes_known; /* /proc/sysvipc/msg does not show it */
        unsigned long qbytes;
        pid_t lspid, lrpid;
        time_t stime, rtime, ctime;
};

/* One ping: answered (rtt, pid, error text of an error reply) or not within timeout_ms. */
struct ping_result {
        unsigned long seq;
        bool answered;
        uint64_t timeout_ms;
        double rtt_us;
        uint32_t daemon_pid;
        const char *error; /* "daemon shutting down", or NULL */
};

struct ping_totals {
        unsigned long requests, replies, loss_percent;
        double min, avg, max, mdev; /* µs; only with replies */
};

/* A line named on the command line (led ACTION NAME): its name and index; NULL: the default, led. */
struct line_ref {
        const char *name;
        unsigned index;
};

/* What `set` did: the lines as given, each now on or off, and the changes it made. */
struct set_result {
        const struct msgq_line_info *const *lines; /* n of them, in the order given */
        const uint8_t *on;
        size_t n;
        uint64_t first, last; /* first 0: nothing changed */
};

/* An input as `inputs` lists it: its line (name, level, last change), its settings and counter. */
struct input_row {
        const struct msgq_line_info *line;
        const struct msgq_input_info *input;
};

/* Why mon did not see events: each loss is a line of its own. */
enum lost_reason {
        LOST_HISTORY,   /* changes msgqd no longer keeps: more than its history behind */
        LOST_OVERFLOW,  /* edges the kernel dropped, its buffer full (a gap in its numbers) */
        LOST_AWAY,      /* edges while msgqd was not running: how many is unknown */
};

struct lost {
        enum lost_reason reason;
        uint64_t count;         /* LOST_AWAY: 0, unknown */
        bool at_least;          /* count is a lower bound (libgpiod 1.6) */
        uint64_t first, last;   /* LOST_HISTORY: the numbers of the changes lost */
        /*
         * The line; LOST_HISTORY: the named line count is of (from its own
         * count), or NULL: of every line (of_all: though lines were named).
         */
        const char *name;
        bool of_all;
        unsigned index;
        uint64_t before;        /* the change they came before (not LOST_HISTORY) */
};

struct output {
        void (*led)(const struct line_ref *line, const struct msgq_led_state *led);
        /* A watched state (led watch): led, with the time msgqd made it (time_ns 0: not said). */
        void (*led_change)(const struct line_ref *line, const struct msgq_led_state *led,
                           uint64_t time_ns, uint64_t monotonic_ns);
        /* list: msgqd's lines (names_only: --names, one name a line). */
        void (*lines)(const struct msgq_line_info *lines, size_t n, uint32_t daemon_pid,
                      bool names_only);
        /* get: the levels of the lines asked for, in that order. */
        void (*levels)(const struct msgq_line_info *const *lines, size_t n);
        void (*set)(const struct set_result *r);
        /* watch: one change of a line called name; missed: changes msgqd no longer kept. */
        void (*change)(const char *name, const struct msgq_change *c);
        void (*missed)(uint32_t missed);
        /* inputs: msgqd's inputs (names_only: --names, one name a line). */
        void (*inputs)(const struct input_row *rows, size_t n, uint32_t daemon_pid, bool names_only);
        /* mon: one event of a line called name, and what was lost, each a document (JSON lines). */
        void (*event)(const char *name, const struct msgq_event *e);
        void (*lost)(const struct lost *l);
        void (*sent)(size_t bytes, long prio);
        void (*stopped)(uint32_t daemon_pid); /* shutdown: it has let go of the key */
        void (*stats)(const struct msgq_reply *rep);
        /*
         * rep: msgqd's answer to stats, or NULL and why not: "not answering",
         * "error", "not asked (permission denied)".
         */
        void (*status)(const struct queue_info *q, const struct msgq_reply *rep, const char *why);
        void (*ping_start)(void);
        void (*ping)(const struct ping_result *p);
        void (*ping_end)(const struct ping_totals *t);
        /* rep: the error reply, or NULL. */
        void (*error)(const char *message, int code, const struct msgq_reply *rep);
        /* The end of one document. */
        void (*end)(void);
};

/* quiet_output (-q) prints nothing; errors still go to stderr. */
extern const struct output text_output, json_output, quiet_output;
/* The one in use: text_output unless --json. */
extern const struct output *output;

/* "led", "relay", "input": a line's kind from its flags. */
const char *line_kind_name(uint8_t flags);
/* "restore", "off", "on": a line's start policy from its flags. */
const char *line_start_name(uint8_t flags);

/* "rising", "falling", "away"; NULL for an output's change (edge 0). */
const char *edge_name(uint8_t edge);
/* "none", "kernel", "msgqd": who debounces an input. */
const char *debounce_by_name(uint8_t by);

/* "on", "off", "blinking (period 500 ms, 3 blinks left)". */
const char *led_describe(const struct msgq_led_state *led, char *buf, size_t size);
/* Flashes a blink has still to show: its toggles left, rounded up to whole on-off pairs. */
uint32_t led_blinks_left(const struct msgq_led_state *led);
/* "3 s", "0.5 s", "1.25 s". */
const char *format_seconds(uint64_t ms, char *buf, size_t size);
