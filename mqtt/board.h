/* SPDX-License-Identifier: MIT */
/*
 * The msgqd side of the bridge: one thread that owns a libmsgq handle
 * (msgqd.h on msgq.h, as msgqctl uses it) and does everything that talks
 * to the daemon, one request at a time, in the order the commands came.
 *
 * - Commands wait in a FIFO until msgqd has answered them.  While msgqd is
 *   away (no queue, or no answer) they stay there, and are applied when it
 *   is back; one that waits longer than the hold time is answered on the
 *   error topic instead.  A command msgqd did not answer in time is not
 *   sent again: it is still on the queue and msgqd carries it out when it
 *   serves the queue (a TOGGLE must not be applied twice).
 * - msgqd's outputs (lines) are learned with line-list when msgqd answers
 *   first, when a new msgqd answers, and when the broker comes back: each
 *   has its topics (led/... for line 0, <name>/... for the others) and,
 *   after line 0, its Home Assistant entity (announce()); a command names
 *   its line by its topic, found in that table when it is carried out.
 * - The lines' changes come from a watcher thread that waits in msgqd on
 *   one line-events of every line (no polling): changes by msgqctl or any
 *   other client, a blink that ended, an input's edges.  It runs as long
 *   as the worker; the worker tells it which msgqd to watch, and from
 *   which change: the last the bridge published (done), so that nothing
 *   is left out while the broker or msgqd was away.  Every poll interval
 *   (1 s by default) the worker only looks whether msgqd and its queue are
 *   still there, asking the kernel, not msgqd; it lists the lines when
 *   msgqd or the broker comes back, or when the watcher missed changes.
 * - Inputs (doc/HOME-ASSISTANT.md, "Inputs"): each edge is published on
 *   <topic>/event with the input's counter after it, then <topic>/state.
 *   The counters come from input-list, as of msgqd's last change when it
 *   answered (M: the line-list between two input-lists that agree); the
 *   changes up to M are held until the watcher has read up to M, and
 *   their counters are reckoned back from M, those after it forward.
 *   After each batch the last number published goes retained on
 *   <prefix>/changes, and once the broker has it into the bridge's own
 *   copy (resume.h); at start the watch starts from that copy, or where
 *   <prefix>/changes says without one (board_resume()), so edges while
 *   the bridge was stopped are told, and a number another client
 *   published there makes none be skipped.
 * - A flash (Home Assistant's) is a counted blink, followed by the state
 *   asked for (ON, or OFF where the blink ends anyway) when the watcher
 *   shows the blink over, unless another command came first.
 * - Requests, commands and polls alike, travel at the bridge's priority,
 *   so a poll is served after the commands sent before it.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "msgqd.h"
#include "payload.h"
#include "resume.h"
#include "settings.h"

#define BOARD_FIFO_MAX    256u
#define BOARD_WATCHED_MAX 64u /* changes from the watcher not yet taken by the worker */
#define BOARD_WATCH_CHANGES 8u /* changes one line-events gives at most */
#define BOARD_RESUME_MS   5000u /* how long the broker may take to give <prefix>/changes back */
#define BOARD_LIST_TRIES  10u /* input-list, line-list, input-list until the counters agree */
#define BOARD_CALL_MS     2000u /* how long one request waits for its reply */
#define BOARD_RETRY_MIN_MS 100u
#define BOARD_RETRY_MAX_MS 5000u /* while msgqd does not answer */
#define BOARD_RETRY_NOQUEUE_MS 1000u /* while there is no queue */
#define BOARD_WATCH_MS    30000u /* how long one line-watch waits before it is made again */

/* How the board publishes (the MQTT link implements it). */
struct board_out {
        /* QoS 1 on <prefix>/<subtopic>; payload is a NUL-terminated string. */
        void (*publish)(void *userdata, const char *subtopic, const char *payload, bool retain);
        /* QoS 1 on topic (the discovery configs); NULL payload: an empty message. */
        void (*publish_to)(void *userdata, const char *topic, const char *payload, bool retain);
        /*
         * <prefix>/changes, retained, QoS 1: payload says number; once the
         * broker acknowledges it, board_changes_acked(number).
         */
        void (*publish_changes)(void *userdata, const char *payload, uint64_t number);
        void *userdata;
};

/*
 * One of msgqd's lines as the bridge shows it: for an output, its topics
 * under the prefix (<topic>/set, /state, /attributes; led/... for line 0)
 * and, for the outputs after line 0, its own Home Assistant entity (line
 * 0's is the link's, as in msgq 0.1).  An input ([input NAME], issue 22)
 * has a binary_sensor of its level (<topic>/state, retained) and an event
 * entity of its edges (<topic>/event, not retained).  The worker's own.
 */
struct board_line {
        char name[MSGQ_LINE_NAME_MAX + 1];      /* as msgq.conf has it */
        char topic[MSGQ_LINE_NAME_MAX + 1];     /* the name in lower case (names ignore case) */
        bool relay;                             /* a switch in Home Assistant, else a light */
        bool input;                             /* an input: <topic>/state and /event, no command */
        unsigned edges;                         /* an input's edges (INPUT_EDGES_*), from input-list */
        bool in_on, in_published;               /* an input's level, and whether <topic>/state shows it */
        uint64_t in_number;                     /* msgqd's number of the input's last change published */
        uint64_t in_count;                      /* its counter then */
        bool in_count_known;
        uint64_t count;                         /* an input's counter after change done (when anchored) */
        bool list_on;                           /* the last listing's level, number and counter */
        uint64_t list_number, list_count;
        struct led_view view;                   /* what <topic>/state shows (or will, once published) */
        bool have_view, view_published;
        struct led_view attrs;                  /* the one <topic>/attributes last showed */
        bool attrs_published;
        uint64_t view_changes;                  /* msgqd's change number of the view */
        uint32_t view_pid;                      /* and the msgqd it came from */
};

/* An entity the bridge announced (a retained config), to remove once its line is gone. */
struct board_entity {
        char topic[MSGQ_LINE_NAME_MAX + 1];
        bool relay;
        bool input;             /* an input's binary_sensor, event and counter (relay unused) */
};

/*
 * A change the watcher read: an event of line ev.ch.st.line of msgqd pid,
 * or with gap, missed changes msgqd no longer kept before change
 * ev.ch.st.led.changes.
 */
struct board_watched {
        struct msgq_event ev;
        uint32_t pid;
        uint64_t missed;
        bool gap;
};

/* A change the worker holds until it knows the counters (below), with what it reckoned. */
struct board_held {
        struct board_watched w;
        uint64_t count;         /* an input's counter after it */
        bool count_known;
        size_t gap;             /* a gap: its index in gaps */
};

/* What each input was after a gap (the counters and levels), reckoned back. */
struct board_gap {
        uint64_t count[MSGQ_LINES_MAX];
        int8_t level[MSGQ_LINES_MAX];   /* -1: not known */
        bool known[MSGQ_LINES_MAX];
};

struct board {
        key_t key;
        const struct settings *s;
        struct board_out out;

        pthread_mutex_t lock;
        pthread_cond_t cond;
        struct command fifo[BOARD_FIFO_MAX];
        size_t head, count;
        bool stop, broker_up, republish;
        struct bridge_figures fig;      /* under lock */
        pthread_t thread;
        bool running;
        /*
         * What the watcher thread read and the worker has yet to take (under
         * lock), oldest first; the watcher waits while there is no room
         * for one more reply.  watch_next: where the watcher goes on (the
         * last change it read, or msgqd's last).  relist: the worker lists
         * the lines again (msgqd says the watcher missed changes, or the
         * watcher lost its watch).
         */
        struct board_watched watched[BOARD_WATCHED_MAX];
        size_t nwatched;
        uint64_t watch_next;
        bool relist;
        /*
         * <prefix>/changes read back (board_resume(), under lock): resume 0
         * while waiting, 1 with resume_number, -1 none; resume_due_ns: when
         * the worker stops waiting (BOARD_RESUME_MS after the broker came).
         */
        int resume;
        uint64_t resume_number;
        uint64_t resume_due_ns;
        bool resume_new;                /* resume was set since the worker's last turn */
        /*
         * The bridge's own copy of the number (resume.h), read at
         * board_init() (local_have, local_number) and trusted over the
         * broker's; written when the broker acknowledged a number (under
         * lock: local_written, once local_wrote; local_failed: said once).
         */
        struct resume_file local;
        bool local_have;
        uint64_t local_number;
        uint64_t local_written;
        bool local_wrote, local_failed;
        /* Configs of this board's entities the broker has, from the MQTT thread (under lock). */
        struct board_entity seen[MSGQ_LINES_MAX];
        size_t nseen;

        /*
         * The watcher thread, started and stopped with the worker.  Under
         * lock: watch_renew (watch anew, from change watch_since: the
         * worker set it when msgqd answered first, or with a new PID) and
         * stop.  Each is news, numbered (watch_news); the watcher notes
         * the last it took (watch_taken), and that it takes no more
         * (watch_gone, once it has seen stop).  Whoever brought news wakes the
         * thread's pause (watch_cond) and, after the lock, cancels its call
         * to msgqd until it has taken the news (watch_nudge): a cancel ends
         * only a call in progress, so one the thread begins just before it
         * looks is ended on the next round.
         */
        pthread_t watch_thread;
        bool watch_running;
        pthread_cond_t watch_cond;
        bool watch_renew;
        uint64_t watch_since;
        unsigned watch_news, watch_taken;
        bool watch_gone;                /* the watcher has seen stop and takes no more news */
        /*
         * The watcher thread's handle.  watch_handle_lock is held by the
         * watcher while it opens or closes it, and by a thread that cancels
         * its call; never with lock held, nor by the watcher in a call.
         */
        pthread_mutex_t watch_handle_lock;
        struct msgqd_conn watch_conn;

        /* The worker thread's own. */
        struct msgqd_conn conn;
        char node_id[SETTINGS_NODE_ID_MAX + 1];
        const char *version;
        struct board_line lines[MSGQ_LINES_MAX]; /* msgqd's table, from line-list; led alone before */
        size_t nlines;
        uint32_t lines_pid;             /* the msgqd that listed them */
        struct board_entity announced[MSGQ_LINES_MAX];
        size_t nannounced;
        bool watch_asked;               /* watch_renew was set once */
        /*
         * The changes: done, the last number published (every change up to
         * it is); taken, the last taken (published or held); list_number,
         * msgqd's last as the last listing showed (outputs' changes up to
         * it were published with the listing); changes_published, what
         * <prefix>/changes shows.  anchored: each input's count is its
         * counter after done; else the changes after done are held until
         * an anchor (anchor_pending: the listing's counters, at list_number)
         * that the watcher has read up to.
         */
        bool watching;
        uint64_t done, taken, list_number, changes_published;
        uint64_t watched_to;            /* the watcher's watch_next, as of the changes taken */
        bool changes_said;
        bool anchored, anchor_pending;
        struct board_held *held;
        size_t nheld, held_max;
        struct board_gap *gaps;
        size_t ngaps;
        bool daemon_up;
        uint32_t daemon_pid;
        uint64_t retry_ns, retry_ms;
        uint64_t next_probe_ns, next_stats_ns;
        int avail_published;            /* -1: nothing yet, 0 offline, 1 online */
        /*
         * A flash's end: then_op once msgqd shows the blink it started
         * (change then_after of msgqd then_pid) over; any command after it
         * cancels that.
         */
        uint16_t then_op;
        uint16_t then_line;
        bool then_due;
        uint64_t then_after;
        uint32_t then_pid;
};

/*
 * version: the bridge's, for the discovery configs; state_dir: where the
 * local copy of <prefix>/changes is kept without $STATE_DIRECTORY.
 */
void board_init(struct board *b, key_t key, const struct settings *s, const struct board_out *out,
                const char *version, const char *state_dir);
int board_start(struct board *b);
/*
 * From the MQTT thread: queue a command; -ENOBUFS when BOARD_FIFO_MAX wait
 * already, -ESHUTDOWN once board_stop() has begun (it refuses new commands,
 * then joins).
 */
int board_submit(struct board *b, const struct command *cmd);
/*
 * From the MQTT thread: the broker has a config of this board's output
 * whose object id is the len bytes at object, a switch (relay) or a light
 * (a former run's, or this run's own), or of its input (input; the
 * counter's object id without its "_count"): the board removes it when
 * msgqd has no such line.
 */
void board_entity_seen(struct board *b, const char *object, size_t len, bool relay, bool input);
/*
 * From the MQTT thread: what <prefix>/changes held when the bridge
 * connected (number), or that it held nothing (NULL): the watch starts
 * there, or where the bridge's own copy says when it has one (the two
 * differing is logged).  Taken once; later calls change nothing.
 */
void board_resume(struct board *b, const uint64_t *number);
/* From the MQTT thread: the broker took <prefix>/changes saying number: kept in the local copy. */
void board_changes_acked(struct board *b, uint64_t number);
/* From the MQTT thread: a message refused before it became a command (counted). */
void board_refused(struct board *b);
/* From the MQTT thread: the broker connection is up (publish everything again) or down. */
void board_broker(struct board *b, bool up);
/* Stop the thread (after its request in flight, at most BOARD_CALL_MS). */
void board_stop(struct board *b);
void board_done(struct board *b);
