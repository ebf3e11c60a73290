/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <unistd.h>

#include "claim.h"
#include "log.h"
#include "queue.h"

/* How often a create that races with a removal is tried again. */
#define CLAIM_TRIES 3

/* glibc leaves this union to the caller. */
union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
};

bool claim_trusted(const struct ipc_perm *perm, uid_t uid) {
        return (perm->cuid == 0 || perm->cuid == uid) && (perm->uid == 0 || perm->uid == uid);
}

static const char *user_name(uid_t uid, char *buf, size_t size) {
        struct passwd *pw = getpwuid(uid);

        if (pw)
                snprintf(buf, size, "%s (uid %u)", pw->pw_name, (unsigned) uid);
        else
                snprintf(buf, size, "uid %u", (unsigned) uid);
        return buf;
}

void claim_describe(const struct ipc_perm *perm, char *buf, size_t size) {
        char owner[96], creator[96];

        if (perm->mode == 0) {
                snprintf(buf, size, "owner and creator unknown: msgqd may not even read it");
                return;
        }
        snprintf(buf, size, "owner %s, creator %s", user_name(perm->uid, owner, sizeof owner),
                 user_name(perm->cuid, creator, sizeof creator));
}

static void log_removed(const char *what, key_t key, const struct ipc_perm *perm) {
        char whose[256];

        claim_describe(perm, whose, sizeof whose);
        log_warning("removed a %s on key 0x%08x that msgqd did not make (%s)", what, (unsigned) key,
                    whose);
}

/* The semaphore on key, created if need be; -EEXIST (and whose) when foreign and not removable. */
static int lock_open(key_t key, struct ipc_perm *foreign) {
        for (int i = 0; i < CLAIM_TRIES; i++) {
                struct semid_ds ds;
                int id = semget(key, 1, IPC_CREAT | 0600);

                if (id < 0 && errno == EACCES) {
                        memset(foreign, 0, sizeof *foreign);
                        return -EEXIST;
                }
                if (id < 0)
                        return -errno;
                if (semctl(id, 0, IPC_STAT, (union semun) { .buf = &ds }) < 0)
                        return -errno;
                if (claim_trusted(&ds.sem_perm, geteuid()))
                        return id;
                *foreign = ds.sem_perm;
                if (semctl(id, 0, IPC_RMID) < 0)
                        return -EEXIST;
                log_removed("semaphore", key, foreign);
        }
        return -EEXIST;
}

int claim_lock(key_t key, struct ipc_perm *foreign) {
        /* Only if nobody holds it (0), take it (1); the kernel undoes that when we die. */
        struct sembuf take[2] = {
                { .sem_num = 0, .sem_op = 0, .sem_flg = IPC_NOWAIT },
                { .sem_num = 0, .sem_op = 1, .sem_flg = IPC_NOWAIT | SEM_UNDO },
        };

        for (int i = 0; i < CLAIM_TRIES; i++) {
                int id = lock_open(key, foreign);

                if (id < 0)
                        return id;
                if (semop(id, take, 2) == 0)
                        return id;
                if (errno == EAGAIN)
                        return -EBUSY;
                if (errno != EIDRM && errno != EINVAL) /* else removed just now: again */
                        return -errno;
        }
        return -EBUSY;
}

void claim_unlock(int semid) {
        if (semid >= 0)
                (void) semctl(semid, 0, IPC_RMID);
}

int claim_queue(key_t key, unsigned mode, gid_t gid, bool *adopted, struct ipc_perm *foreign) {
        for (int i = 0; i < CLAIM_TRIES; i++) {
                struct msqid_ds ds;
                int id = msgget(key, IPC_CREAT | IPC_EXCL | (int) (mode & 0777));

                *adopted = id < 0;
                if (id < 0 && errno == EEXIST)
                        id = msgget(key, 0);
                if (id < 0 && errno == ENOENT) /* removed just now: again */
                        continue;
                if (id < 0)
                        return -errno;
                if (*adopted) {
                        int r = msgq_queue_stat(id, &ds);
                        if (r == -EACCES) { /* not even readable: not ours */
                                memset(foreign, 0, sizeof *foreign);
                                return -EEXIST;
                        }
                        if (r < 0)
                                return r;
                        if (!claim_trusted(&ds.msg_perm, geteuid())) {
                                *foreign = ds.msg_perm;
                                if (msgq_queue_remove(id) < 0)
                                        return -EEXIST;
                                log_removed("queue", key, foreign);
                                continue;
                        }
                }
                /* Adopted queues get the configured mode and group too. */
                if (*adopted || gid != (gid_t) -1) {
                        int r = msgq_queue_set_access(id, mode, gid);
                        if (r < 0)
                                return r;
                }
                return id;
        }
        return -EEXIST;
}

int claim_evict(key_t key, uid_t uid) {
        struct msqid_ds qds;
        struct semid_ds sds;
        int n = 0, id;

        id = msgget(key, 0);
        if (id >= 0 && msgq_queue_stat(id, &qds) == 0 && !claim_trusted(&qds.msg_perm, uid)) {
                int r = msgq_queue_remove(id);
                if (r < 0)
                        return r;
                log_removed("queue", key, &qds.msg_perm);
                n++;
        }
        /*
         * The lock: another user's, or one that uid may not take (left by a
         * msgqd run as root and killed) and that nobody holds.  A free lock
         * costs nothing to make again; a msgqd that was about to take it
         * finds it gone (EIDRM) and makes a new one.
         */
        id = semget(key, 0, 0);
        if (id >= 0 && semctl(id, 0, IPC_STAT, (union semun) { .buf = &sds }) == 0 &&
            (!claim_trusted(&sds.sem_perm, uid) ||
             (sds.sem_perm.uid != uid && semctl(id, 0, GETVAL) == 0))) {
                if (semctl(id, 0, IPC_RMID) < 0)
                        return -errno;
                log_removed("semaphore", key, &sds.sem_perm);
                n++;
        }
        return n;
}
