/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "claim.h"
#include "clock.h"
#include "log.h"
#include "queue.h"

/* How often a lock that was removed just as msgqd took it is looked for again. */
#define CLAIM_TRIES 3
/*
 * How long a root that removes another user's object goes on removing the
 * next one that user makes, until it makes its own in between.  One try in
 * a few wins against a user who makes them in a tight loop.
 */
#define CLAIM_WAIT_NS (5 * 1000000000ull)
#define LOCK_MODE 0600

/* glibc leaves this union to the caller. */
union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
        struct seminfo *__buf;
};

bool claim_trusted(const struct ipc_perm *perm, uid_t uid) {
        return (perm->cuid == 0 || perm->cuid == uid) && (perm->uid == 0 || perm->uid == uid);
}

bool claim_is_lock(const struct semid_ds *ds) {
        return ds->sem_nsems == 1 && (ds->sem_perm.mode & 0777) == LOCK_MODE;
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
                snprintf(buf, size, "owner and creator unknown: the kernel would not say");
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

/*
 * Whose the semaphore set (or queue) on key is, when msgqd may not read it
 * itself: from the kernel's list, as ipcs(1) reads it (SEM_STAT_ANY and
 * MSG_STAT_ANY, which ask for no permission).  Mode 0 if not found.
 */
static void whose_sem(key_t key, struct ipc_perm *perm) {
        struct seminfo info;
        int max = semctl(0, 0, SEM_INFO, (union semun) { .__buf = &info });

        memset(perm, 0, sizeof *perm);
        for (int i = 0; i <= max; i++) {
                struct semid_ds ds;
                if (semctl(i, 0, SEM_STAT_ANY, (union semun) { .buf = &ds }) >= 0 && ds.sem_perm.__key == key) {
                        *perm = ds.sem_perm;
                        return;
                }
        }
}

static void whose_queue(key_t key, struct ipc_perm *perm) {
        struct msginfo info;
        int max = msgctl(0, MSG_INFO, (struct msqid_ds *) &info);

        memset(perm, 0, sizeof *perm);
        for (int i = 0; i <= max; i++) {
                struct msqid_ds ds;
                if (msgctl(i, MSG_STAT_ANY, &ds) >= 0 && ds.msg_perm.__key == key) {
                        *perm = ds.msg_perm;
                        return;
                }
        }
}

static int sem_stat(int id, struct semid_ds *ds) {
        return semctl(id, 0, IPC_STAT, (union semun) { .buf = ds }) < 0 ? -errno : 0;
}

/* The semaphore on key, created if need be; -EEXIST (and whose) when foreign and not removable. */
static int lock_open(key_t key, struct ipc_perm *foreign) {
        uint64_t end = msgq_now_ns() + CLAIM_WAIT_NS;

        memset(foreign, 0, sizeof *foreign);
        do {
                struct semid_ds ds;
                int id = semget(key, 1, IPC_CREAT | LOCK_MODE), r;

                if (id < 0 && errno == EACCES) { /* another's, not even for us to use */
                        whose_sem(key, foreign);
                        return -EEXIST;
                }
                if (id < 0)
                        return -errno;
                r = sem_stat(id, &ds);
                if (r == -EIDRM || r == -EINVAL) /* removed just now: again */
                        continue;
                if (r < 0)
                        return r;
                *foreign = ds.sem_perm;
                if (claim_trusted(&ds.sem_perm, geteuid()))
                        return claim_is_lock(&ds) ? id : -EEXIST;
                if (semctl(id, 0, IPC_RMID) < 0)
                        return -EEXIST;
                log_removed("semaphore", key, foreign);
        } while (msgq_now_ns() < end);
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

/* This thread's effective group alone (the raw call: glibc's would change every thread's). */
static int set_egid(gid_t gid) {
        return syscall(SYS_setresgid, (gid_t) -1, gid, (gid_t) -1) < 0 ? -errno : 0;
}

/*
 * A new queue on key with its mode and group from the start: made under
 * gid (this thread's effective group, where it may switch to it: as root),
 * or else made with the owner's rights alone and given mode and group in
 * one call, so that no other group has access to it at any moment.
 * Returns the msqid, -EEXIST if there is a queue on key, or -errno.
 */
static int queue_create(key_t key, unsigned mode, gid_t gid) {
        gid_t egid = getegid();
        bool other = gid != (gid_t) -1 && gid != egid;
        bool under = !other || set_egid(gid) == 0;
        int id = msgget(key, IPC_CREAT | IPC_EXCL | (int) (mode & (under ? 0777 : 0700))), e = errno;

        if (other && under && set_egid(egid) < 0)
                log_error("cannot switch back to group %u: %s", (unsigned) egid, strerror(errno));
        if (id < 0)
                return -e;
        if (!under) {
                int r = msgq_queue_set_access(id, mode, gid);
                if (r < 0) {
                        msgq_queue_remove(id);
                        return r;
                }
        }
        return id;
}

int claim_queue(key_t key, unsigned mode, gid_t gid, bool *adopted, struct ipc_perm *foreign) {
        uint64_t end = msgq_now_ns() + CLAIM_WAIT_NS;

        memset(foreign, 0, sizeof *foreign);
        do {
                struct msqid_ds ds;
                int id = queue_create(key, mode, gid), r;

                *adopted = id == -EEXIST;
                if (!*adopted)
                        return id;
                id = msgget(key, 0);
                if (id < 0 && errno == ENOENT) /* removed just now: again */
                        continue;
                if (id < 0)
                        return -errno;
                r = msgq_queue_stat(id, &ds);
                if (r == -EACCES) { /* not even readable: not ours */
                        whose_queue(key, foreign);
                        return -EEXIST;
                }
                if (r == -EIDRM || r == -EINVAL)
                        continue;
                if (r < 0)
                        return r;
                if (claim_trusted(&ds.msg_perm, geteuid())) {
                        /* Adopted queues get the configured mode and group too. */
                        r = msgq_queue_set_access(id, mode, gid);
                        return r < 0 ? r : id;
                }
                *foreign = ds.msg_perm;
                if (msgq_queue_remove(id) < 0)
                        return -EEXIST;
                log_removed("queue", key, foreign);
        } while (msgq_now_ns() < end);
        return -EEXIST;
}

/* ---- the start step, as root ---- */

/* The lock id made or found, owned by uid from now on. */
static int sem_give(int id, uid_t uid, gid_t gid) {
        struct semid_ds ds;
        int r = sem_stat(id, &ds);

        if (r < 0)
                return r;
        ds.sem_perm.uid = uid;
        ds.sem_perm.gid = gid;
        ds.sem_perm.mode = LOCK_MODE;
        return semctl(id, 0, IPC_SET, (union semun) { .buf = &ds }) < 0 ? -errno : 0;
}

static int queue_give(int id, uid_t uid, gid_t gid, unsigned mode) {
        struct msqid_ds ds;
        int r = msgq_queue_stat(id, &ds);

        if (r < 0)
                return r;
        ds.msg_perm.uid = uid;
        ds.msg_perm.gid = gid;
        ds.msg_perm.mode = mode & 0777;
        return msgctl(id, IPC_SET, &ds) < 0 ? -errno : 0;
}

/* The lock on key for uid (claim_for); how many foreign ones were removed, or -errno. */
static int lock_for(key_t key, uid_t uid, gid_t gid, struct claim_seen *seen) {
        uint64_t end = msgq_now_ns() + CLAIM_WAIT_NS;
        int removed = 0;

        do {
                struct semid_ds ds;
                int id = semget(key, 1, IPC_CREAT | IPC_EXCL | LOCK_MODE), r;

                if (id >= 0)
                        return (r = sem_give(id, uid, gid)) < 0 ? r : removed;
                if (errno != EEXIST)
                        return -errno;
                id = semget(key, 0, 0);
                r = id < 0 ? -errno : sem_stat(id, &ds);
                if (r == -ENOENT || r == -EIDRM || r == -EINVAL) /* removed just now: again */
                        continue;
                if (r < 0)
                        return r;
                seen->perm = ds.sem_perm;
                seen->nsems = ds.sem_nsems;
                if (claim_trusted(&ds.sem_perm, uid)) {
                        if (!claim_is_lock(&ds))
                                return -EEXIST;
                        return (r = sem_give(id, uid, gid)) < 0 ? r : removed;
                }
                if (semctl(id, 0, IPC_RMID) < 0 && errno != EIDRM && errno != EINVAL)
                        return -errno;
                log_removed("semaphore", key, &ds.sem_perm);
                removed++;
        } while (msgq_now_ns() < end);
        return -EAGAIN;
}

/* The queue on key for uid (claim_for); how many foreign ones were removed, or -errno. */
static int queue_for(key_t key, uid_t uid, gid_t gid, unsigned mode, struct claim_seen *seen) {
        uint64_t end = msgq_now_ns() + CLAIM_WAIT_NS;
        int removed = 0;

        do {
                struct msqid_ds ds;
                int id = queue_create(key, mode, gid), r;

                if (id >= 0)
                        return (r = queue_give(id, uid, gid, mode)) < 0 ? r : removed;
                if (id != -EEXIST)
                        return id;
                id = msgget(key, 0);
                r = id < 0 ? -errno : msgq_queue_stat(id, &ds);
                if (r == -ENOENT || r == -EIDRM || r == -EINVAL)
                        continue;
                if (r < 0)
                        return r;
                seen->perm = ds.msg_perm;
                seen->nsems = 0;
                /* An earlier msgqd's: what waits on it stays, and is served. */
                if (claim_trusted(&ds.msg_perm, uid))
                        return (r = queue_give(id, uid, gid, mode)) < 0 ? r : removed;
                if ((r = msgq_queue_remove(id)) < 0 && r != -EIDRM && r != -EINVAL)
                        return r;
                log_removed("queue", key, &ds.msg_perm);
                removed++;
        } while (msgq_now_ns() < end);
        return -EAGAIN;
}

int claim_for(key_t key, uid_t uid, gid_t gid, unsigned mode, struct claim_seen *seen) {
        int locks, queues;

        memset(seen, 0, sizeof *seen);
        locks = lock_for(key, uid, gid, seen);
        if (locks < 0)
                return locks;
        queues = queue_for(key, uid, gid, mode, seen);
        return queues < 0 ? queues : locks + queues;
}
