/* SPDX-License-Identifier: MIT */
/*
 * msgqd's claim on its key, in its IPC namespace: the lock that keeps a
 * second msgqd off the key, and the rule for what may be on the key.
 *
 * The lock is a System V semaphore on the same key (semaphores have keys of
 * their own, apart from queues), taken with SEM_UNDO: the kernel lets go of
 * it however its holder dies, and, like the queue, it belongs to the IPC
 * namespace, whatever the network, mount or PID namespace of either msgqd.
 *
 * The rule: msgqd serves only what root or its own user made and owns.  Any
 * local user may create a queue (or a semaphore) on the key whenever it is
 * free, and its creator keeps the right to change and remove it whatever
 * msgqd does; such an object is foreign.  msgqd removes a foreign object
 * when it may (as root), and otherwise refuses it (-EEXIST, and whose it is).
 * What root made on the key is never removed: a semaphore set that is not
 * msgqd's lock (one semaphore, mode 0600) belongs to some other program.
 *
 * As its service user, msgqd cannot remove a foreign object, and a key left
 * free for a moment can be taken by anyone.  So the service's start step,
 * as root, makes the lock and the queue for that user (claim_for), and
 * msgqd, started next, adopts them: from the start step on, the key is
 * never free.
 */
#pragma once

#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/types.h>

/* Whether root or uid made and owns the object. */
bool claim_trusted(const struct ipc_perm *perm, uid_t uid);

/* "owner alice (uid 1000), creator alice (uid 1000)": whose a foreign object is. */
void claim_describe(const struct ipc_perm *perm, char *buf, size_t size);

/* Whether a semaphore set is shaped as msgqd's lock: one semaphore, mode 0600. */
bool claim_is_lock(const struct semid_ds *ds);

/*
 * Take the lock for key: its semaphore id, -EBUSY while another msgqd holds
 * it, -EEXIST when what is on the key is foreign and cannot be removed, or
 * root's and not a lock (*foreign says whose; mode 0 when even the kernel's
 * list would not say), or -errno.
 */
int claim_lock(key_t key, struct ipc_perm *foreign);
/* On a clean stop, after the queue is gone: remove the lock. */
void claim_unlock(int semid);

/*
 * Create the queue for key with mode and gid (-1: msgqd's own group), the
 * group set from the start, or adopt the one there if it is not foreign
 * (mode and group applied again).  Returns the msqid, -EEXIST as
 * claim_lock, or -errno; *adopted says which.
 */
int claim_queue(key_t key, unsigned mode, gid_t gid, bool *adopted, struct ipc_perm *foreign);

/* What the start step saw on the key when it gave up: whose, and a set's size. */
struct claim_seen {
        struct ipc_perm perm;
        unsigned long nsems; /* 0 for a queue */
};

/*
 * The service's privileged start step, as root: make the key uid's before
 * msgqd starts as uid.  The lock: one made by root or uid (a msgqd's, held
 * or left) is given to uid; another user's object is removed and a lock
 * made at once, owned by uid.  The queue likewise, with mode and group gid
 * from the start; one made by root or uid is given to uid with what waits on
 * it.  A user who keeps making objects on the key is removed again until
 * the start step wins, for up to 5 s.  Returns how many objects were
 * removed; -EEXIST when root or uid made a semaphore set on the key that is
 * not a lock (refused: *seen says whose), -EAGAIN when another user kept the
 * key for 5 s (*seen: the last one removed), or -errno.
 */
int claim_for(key_t key, uid_t uid, gid_t gid, unsigned mode, struct claim_seen *seen);
