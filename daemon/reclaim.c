/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "clock.h"
#include "protocol.h"
#include "queue.h"
#include "reclaim.h"

#define INITIAL_SIZE 64u

int reclaim_init(struct reclaim *r) {
        memset(r, 0, sizeof *r);
        r->earliest_ns = UINT64_MAX;
        r->slots = calloc(INITIAL_SIZE, sizeof *r->slots);
        if (!r->slots)
                return -ENOMEM;
        r->size = INITIAL_SIZE;
        return -pthread_mutex_init(&r->lock, NULL);
}

void reclaim_done(struct reclaim *r) {
        free(r->slots);
        r->slots = NULL;
        pthread_mutex_destroy(&r->lock);
}

static size_t slot_of(long mtype, size_t size) {
        /* Fibonacci hashing: reply types of nearby PIDs spread out. */
        return (size_t) (((uint64_t) mtype * 0x9e3779b97f4a7c15ull) >> 32) & (size - 1);
}

static struct reclaim_entry *find_slot(struct reclaim_entry *slots, size_t size, long mtype) {
        size_t i = slot_of(mtype, size);

        while (slots[i].mtype != 0 && slots[i].mtype != mtype)
                i = (i + 1) & (size - 1);
        return &slots[i];
}

static int grow(struct reclaim *r) {
        size_t size = r->size * 2;
        struct reclaim_entry *slots = calloc(size, sizeof *slots);

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < r->size; i++)
                if (r->slots[i].mtype)
                        *find_slot(slots, size, r->slots[i].mtype) = r->slots[i];
        free(r->slots);
        r->slots = slots;
        r->size = size;
        return 0;
}

int reclaim_note(struct reclaim *r, long mtype, uint64_t expires_ns) {
        struct reclaim_entry *e;
        int moved = 0;

        pthread_mutex_lock(&r->lock);
        if ((r->used + 1) * 4 > r->size * 3 && grow(r) < 0) {
                pthread_mutex_unlock(&r->lock);
                return -ENOMEM;
        }
        e = find_slot(r->slots, r->size, mtype);
        if (e->mtype == 0) {
                e->mtype = mtype;
                e->expires_ns = 0;
                e->noted = 0;
                r->used++;
        }
        if (e->noted < UINT32_MAX)
                e->noted++;
        e->last_ns = msgq_now_ns();
        if (expires_ns > e->expires_ns)
                e->expires_ns = expires_ns;
        /* The entry keeps its latest expiry: only that can move the earliest. */
        if (e->expires_ns < r->earliest_ns) {
                r->earliest_ns = e->expires_ns;
                moved = 1;
        }
        pthread_mutex_unlock(&r->lock);
        return moved;
}

uint64_t reclaim_next(struct reclaim *r) {
        uint64_t t;

        pthread_mutex_lock(&r->lock);
        t = r->earliest_ns;
        pthread_mutex_unlock(&r->lock);
        return t;
}

static size_t drain_type(int msqid, long mtype) {
        unsigned char body[MSGQ_MSG_MAX];
        size_t n = 0;
        long t;

        while (msgq_queue_recv(msqid, mtype, &t, body, sizeof body, IPC_NOWAIT | MSG_NOERROR) >= 0)
                n++;
        return n;
}

/*
 * Empty slot i, then close the gap (backward-shift deletion): each later
 * entry of the cluster whose home is not cyclically in (i, j] moves back,
 * so that every entry stays reachable from its home without tombstones.
 */
static void remove_at(struct reclaim *r, size_t i) {
        size_t mask = r->size - 1;

        r->slots[i].mtype = 0;
        r->used--;
        for (size_t j = (i + 1) & mask; r->slots[j].mtype != 0; j = (j + 1) & mask) {
                size_t home = slot_of(r->slots[j].mtype, r->size);
                bool stays = i <= j ? i < home && home <= j : i < home || home <= j;

                if (stays)
                        continue;
                r->slots[i] = r->slots[j];
                r->slots[j].mtype = 0;
                i = j;
        }
}

size_t reclaim_sweep(struct reclaim *r, int msqid, uint64_t now_ns) {
        size_t removed = 0;
        uint64_t earliest = UINT64_MAX;

        pthread_mutex_lock(&r->lock);
        if (r->earliest_ns > now_ns) {
                pthread_mutex_unlock(&r->lock);
                return 0;
        }
        /*
         * In place, so that a sweep allocates nothing: after a removal, slot
         * i holds what moved back into it (or nothing) and is looked at again.
         */
        for (size_t i = 0; i < r->size;) {
                struct reclaim_entry *e = &r->slots[i];

                if (e->mtype != 0 && e->expires_ns <= now_ns) {
                        removed += drain_type(msqid, e->mtype);
                        remove_at(r, i);
                        continue;
                }
                if (e->mtype != 0 && e->expires_ns < earliest)
                        earliest = e->expires_ns;
                i++;
        }
        r->earliest_ns = earliest;
        pthread_mutex_unlock(&r->lock);
        return removed;
}

/* Whether the client a reply type belongs to is not there: no process has its PID. */
static bool client_gone(long mtype) {
        return kill((pid_t) (mtype - MSGQ_REPLY_BASE), 0) < 0 && errno == ESRCH;
}

size_t reclaim_relieve(struct reclaim *r, int msqid, uint64_t now_ns, uint64_t stale_ns) {
        size_t removed = 0;
        uint64_t earliest = UINT64_MAX;

        pthread_mutex_lock(&r->lock);
        /* In place, as reclaim_sweep does. */
        for (size_t i = 0; i < r->size;) {
                struct reclaim_entry *e = &r->slots[i];

                if (e->mtype == 0) {
                        i++;
                        continue;
                }
                if ((now_ns > e->last_ns && now_ns - e->last_ns >= stale_ns) || client_gone(e->mtype)) {
                        removed += drain_type(msqid, e->mtype);
                        remove_at(r, i);
                        continue;
                }
                if (e->expires_ns < earliest)
                        earliest = e->expires_ns;
                i++;
        }
        r->earliest_ns = earliest;
        pthread_mutex_unlock(&r->lock);
        return removed;
}

struct held_reply {
        size_t len;
        struct msgq_msgbuf m;
};

/* Whether msqid holds at most n messages (of all types): then no type has more. */
static bool holds_at_most(int msqid, size_t n) {
        struct msqid_ds ds;

        return msgq_queue_stat(msqid, &ds) == 0 && ds.msg_qnum <= n;
}

size_t reclaim_trim(struct reclaim *r, int msqid, long mtype, unsigned max, reclaim_unsent_fn unsent,
                    void *userdata) {
        struct held_reply *held;
        struct reclaim_entry *e;
        size_t keep = max / 2, n = 0, removed, first;

        if (keep == 0)
                return 0;
        pthread_mutex_lock(&r->lock);
        e = find_slot(r->slots, r->size, mtype);
        if (e->mtype != mtype || e->noted < max) {
                pthread_mutex_unlock(&r->lock);
                return 0;
        }
        e->noted = 0;
        held = holds_at_most(msqid, keep) ? NULL : malloc(keep * sizeof *held);
        if (!held) {
                pthread_mutex_unlock(&r->lock);
                return 0;
        }
        /* Oldest first: the ring ends up with the newest keep of them. */
        for (;;) {
                struct held_reply *h = &held[n % keep];
                ssize_t len = msgrcv(msqid, &h->m, MSGQ_MSG_MAX, mtype, IPC_NOWAIT | MSG_NOERROR);
                if (len < 0)
                        break;
                h->len = (size_t) len;
                n++;
        }
        removed = n > keep ? n - keep : 0;
        first = n > keep ? n % keep : 0;
        for (size_t i = 0; i < n - removed; i++) {
                struct held_reply *h = &held[(first + i) % keep];
                /* Its room was taken meanwhile: kept by the caller. */
                if (msgsnd(msqid, &h->m, h->len, IPC_NOWAIT) < 0 && unsent)
                        unsent(userdata, &h->m, h->len);
                e->noted++;
        }
        pthread_mutex_unlock(&r->lock);
        free(held);
        return removed;
}
