/* SPDX-License-Identifier: MIT */
/*
 * The queue and the thread that serves it.  One blocking msgrcv with
 * msgtyp = -MSGQ_PRIO_MAX takes the most urgent waiting request; the same
 * thread handles it and answers, with no hand-off.  Replies are sent with
 * IPC_NOWAIT: when the queue is full they wait in a backlog instead of
 * blocking the only reader of requests (which could deadlock daemon and
 * clients).  The main loop retries the backlog and sweeps unclaimed replies
 * (see reclaim.h) on timers that exist only while there is work for them.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/types.h>

#include "daemon.h"
#include "ratelimit.h"
#include "reclaim.h"

#define SERVER_BACKLOG_MAX      1024u
#define SERVER_BACKLOG_RETRY_NS (5u * 1000000u)
/* Uncollected replies one client may leave on the queue (see reclaim_trim). */
#define SERVER_REPLIES_PER_CLIENT 32u
/*
 * The queue more than half full, a reply left uncollected this long is given
 * up (server.c, relieve); and the main loop looks again this often until it
 * is not.
 */
#define SERVER_REPLY_STALE_NS    (2000ull * 1000000ull)
#define SERVER_PRESSURE_RETRY_NS (250u * 1000000u)

struct pending_reply {
        long mtype;
        uint64_t expires_ns;
        uint64_t kept_ns;       /* when it was put in the backlog */
        uint16_t len;
        unsigned char body[MSGQ_MSG_MAX];
};

struct server {
        struct msgqd *d;
        key_t key;
        unsigned mode;          /* __atomic: changed by a reload */
        gid_t gid;              /* __atomic: changed by a reload */
        struct ipc_perm foreign; /* whose the queue on the key is, after -EEXIST */
        int msqid;              /* read by both threads: __atomic */
        int stopping;           /* __atomic */
        int failed;             /* __atomic: the thread gave up (errno) */
        uint64_t busy_since_ns; /* __atomic: when the thread took the request it is
                                   serving (CLOCK_MONOTONIC); 0 between requests */
        bool running;
        pthread_t thread;
        struct reclaim reclaim;
        /* How full the queue is, looked at now and then (relieve): all __atomic. */
        uint64_t unlooked_bytes; /* reply bytes sent since the last look */
        uint64_t qbytes;        /* msg_qbytes at the last look (0: none yet) */
        int pressure;           /* more than half full at the last look */

        pthread_mutex_t backlog_lock;
        struct pending_reply *backlog; /* ring */
        size_t backlog_head, backlog_count, backlog_size;

        pthread_mutex_t log_lock; /* both threads may send replies, and warn */
        struct msgq_ratelimit log_limit; /* of bad-request warnings */
};

/*
 * Create the queue (or adopt the one left by an earlier daemon, keeping the
 * requests on it and sweeping its expired replies).  *adopted says which.
 * -EEXIST: the queue on the key is another user's (claim.h); s->foreign
 * says whose.
 */
int server_init(struct server *s, struct msgqd *d, key_t key, unsigned mode, gid_t gid,
                bool *adopted);
/* A reload: set the queue's mode and group, also for a queue made anew later. */
int server_set_access(struct server *s, unsigned mode, gid_t gid);
int server_start(struct server *s);
/*
 * Before an exit that a client asked for: give the replies on the queue
 * (that client's among them) up to ms to be collected.
 */
void server_linger(struct server *s, unsigned ms);
/* Stop serving: remove the queue (waking the thread with EIDRM) and join. */
void server_stop(struct server *s);
void server_done(struct server *s);
int server_msqid(struct server *s);
/* 0, or the negative errno that made the serving thread give up. */
int server_failed(struct server *s);
/*
 * How long the serving thread has been on the request it is serving now, in
 * ns (0 when it waits for one).  The watchdog pings only while this is short:
 * a thread stuck in a request (a hung GPIO driver) gets msgqd restarted.
 */
uint64_t server_busy_for(struct server *s, uint64_t now_ns);

/* Main loop: when server_tick() should next run (UINT64_MAX: not needed). */
uint64_t server_next_tick(struct server *s);
void server_tick(struct server *s);

/*
 * The LED changed (lines_notify_fn, userdata the server): answer the
 * led-watch requests that waited for it, in whichever thread made the
 * change (the serving thread, or the main loop when a blink ends).
 */
void server_answer_watchers(void *userdata, const struct lines_watcher *w, size_t n,
                            const struct msgq_led_state *st);

/* Serve one message as received from the queue (also used by the tests). */
void server_serve(struct server *s, long mtype, const unsigned char *body, size_t len);
