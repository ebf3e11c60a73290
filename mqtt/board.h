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
 *   one line-watch of every line (no polling): changes by msgqctl or any
 *   other client, a blink that ended.  It runs as long as the worker; the
 *   worker tells it which msgqd to watch, and from which change (the last
 *   its line-list showed).  Every poll interval (1 s by default) the worker
 *   only looks whether msgqd and its queue are still there, asking the
 *   kernel, not msgqd; it lists the lines when msgqd or the broker comes
 *   back, or when the watcher missed changes.
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
#include "settings.h"

#define BOARD_FIFO_MAX    256u
#define BOARD_WATCHED_MAX 64u /* line states from the watcher not yet published */
#define BOARD_WATCH_CHANGES 16u /* changes one line-watch takes at most */
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
        bool in_on, in_published;               /* an input's level, and whether <topic>/state shows it */
        uint64_t in_number;                     /* msgqd's number of the input's last change published */
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
        bool input;             /* an input's binary_sensor and event (relay unused) */
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
         * What the watcher thread saw and the worker has yet to publish (under
         * lock), oldest first; when full, the newest are dropped and the
         * worker lists the lines again (relist), as when msgqd says the
         * watcher missed changes, or the watcher lost its watch.
         */
        struct board_watched {
                struct msgq_led_state led;
                uint16_t line;          /* its index in msgqd pid's table */
                uint32_t pid;
                uint64_t time_ns;       /* when msgqd made it */
        } watched[BOARD_WATCHED_MAX];
        size_t nwatched;
        bool relist;
        uint64_t missed, missed_before; /* changes msgqd no longer kept, before change missed_before */
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

/* version: the bridge's, for the discovery configs. */
void board_init(struct board *b, key_t key, const struct settings *s, const struct board_out *out,
                const char *version);
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
 * (a former run's, or this run's own): the board removes it when msgqd
 * has no such output.
 */
void board_entity_seen(struct board *b, const char *object, size_t len, bool relay);
/* From the MQTT thread: a message refused before it became a command (counted). */
void board_refused(struct board *b);
/* From the MQTT thread: the broker connection is up (publish everything again) or down. */
void board_broker(struct board *b, bool up);
/* Stop the thread (after its request in flight, at most BOARD_CALL_MS). */
void board_stop(struct board *b);
void board_done(struct board *b);
