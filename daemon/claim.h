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
 * local user may create a queue (or a semaphore) on the key before msgqd
 * does, and its creator keeps the right to change and remove it whatever
 * msgqd does; such an object is foreign.  msgqd removes a foreign object
 * when it may (as root), and otherwise refuses it (-EEXIST, and whose it is).
 */
#pragma once

#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/types.h>

/* Whether root or uid made and owns the object. */
bool claim_trusted(const struct ipc_perm *perm, uid_t uid);

/* "owner alice (uid 1000), creator alice (uid 1000)": whose a foreign object is. */
void claim_describe(const struct ipc_perm *perm, char *buf, size_t size);

/*
 * Take the lock for key: its semaphore id, -EBUSY while another msgqd holds
 * it, -EEXIST when the semaphore on the key is foreign and cannot be removed
 * (*foreign says whose; mode 0 when it could not even be read), or -errno.
 */
int claim_lock(key_t key, struct ipc_perm *foreign);
/* On a clean stop, after the queue is gone: remove the lock. */
void claim_unlock(int semid);

/*
 * Create the queue for key with mode and gid (-1: the creator's), or adopt
 * the one there if it is not foreign (mode and group applied again).
 * Returns the msqid, -EEXIST as claim_lock, or -errno; *adopted says which.
 */
int claim_queue(key_t key, unsigned mode, gid_t gid, bool *adopted, struct ipc_perm *foreign);

/*
 * The service's privileged start step: as root, remove the queue and the
 * lock on key that are foreign to uid, and a lock nobody holds that uid
 * could not take (root's).  Returns how many were removed, or -errno.
 */
int claim_evict(key_t key, uid_t uid);
