/* SPDX-License-Identifier: MIT */
/*
 * Unclaimed replies.  Every reply is noted here (its reply type and when it
 * expires) before it is sent.  Once a type's last reply has expired, its
 * client has given up or died: whatever is left on the queue with that type
 * is removed, so dead clients cannot fill the queue.  Noting and sweeping
 * take the same lock, so a sweep never removes a reply noted after it began.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

struct reclaim_entry {
        long mtype;           /* 0 = free slot */
        uint64_t expires_ns;
        uint32_t noted;       /* replies noted since reclaim_trim() last looked */
        uint64_t last_ns;     /* when the latest was noted (CLOCK_MONOTONIC) */
};

struct reclaim {
        pthread_mutex_t lock;
        struct reclaim_entry *slots;
        size_t size, used;    /* size is a power of two */
        uint64_t earliest_ns; /* no entry expires before this; UINT64_MAX if empty */
};

int reclaim_init(struct reclaim *r);
void reclaim_done(struct reclaim *r);
/*
 * Note a reply of type mtype that expires at expires_ns.  Returns 1 if the
 * earliest expiry moved earlier (re-arm the sweep timer), 0 if not, or
 * -ENOMEM (the reply is then sent untracked).
 */
int reclaim_note(struct reclaim *r, long mtype, uint64_t expires_ns);
/* When the next sweep is due; UINT64_MAX if nothing is tracked. */
uint64_t reclaim_next(struct reclaim *r);
/*
 * Remove every message on msqid of each type whose replies expired by now.
 * Returns how many messages were removed.
 */
size_t reclaim_sweep(struct reclaim *r, int msqid, uint64_t now_ns);
/*
 * The queue is filling up: remove every message of each type whose client
 * is not there (its PID does not exist in msgqd's PID namespace) or has
 * left its latest reply uncollected since stale_ns or more before now_ns,
 * and forget the type.  Returns how many messages were removed.
 */
size_t reclaim_relieve(struct reclaim *r, int msqid, uint64_t now_ns, uint64_t stale_ns);
/*
 * A reply reclaim_trim() took off the queue and found no room to put back
 * (others filled the room meanwhile): the caller keeps it, to send later.
 */
typedef void (*reclaim_unsent_fn)(void *userdata, const struct msgq_msgbuf *m, size_t len);
/*
 * Before another reply of type mtype is sent: once max replies of that type
 * were noted since the last look, take its replies off msqid and put back
 * only the newest max / 2.  A client that does not read its replies (they
 * would otherwise stay as long as it keeps asking) cannot fill the queue;
 * one that reads them has none there, and costs one IPC_STAT per max / 2
 * replies (fewer than max / 2 messages on the queue: nothing is taken off).
 * A reply to put back that no longer fits goes to unsent, never lost.
 * Returns how many replies were removed.
 */
size_t reclaim_trim(struct reclaim *r, int msqid, long mtype, unsigned max, reclaim_unsent_fn unsent,
                    void *userdata);
