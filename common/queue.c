/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "protocol.h"
#include "queue.h"

_Static_assert(MSGQ_REQUEST_MAX_SIZE <= MSGQ_MSG_MAX, "request must fit the buffer");
_Static_assert(MSGQ_REPLY_HEADER_SIZE + MSGQ_ERROR_TEXT_MAX <= MSGQ_MSG_MAX, "reply must fit");

int msgq_queue_open(key_t key) {
        int id = msgget(key, 0);
        return id < 0 ? -errno : id;
}

int msgq_queue_set_access(int msqid, unsigned mode, gid_t gid) {
        struct msqid_ds ds;

        if (msgctl(msqid, IPC_STAT, &ds) < 0)
                return -errno;
        ds.msg_perm.mode = mode & 0777;
        ds.msg_perm.gid = gid != (gid_t) -1 ? gid : getegid();
        return msgctl(msqid, IPC_SET, &ds) < 0 ? -errno : 0;
}

int msgq_queue_stat(int msqid, struct msqid_ds *ds) {
        return msgctl(msqid, IPC_STAT, ds) < 0 ? -errno : 0;
}

int msgq_queue_remove(int msqid) {
        return msgctl(msqid, IPC_RMID, NULL) < 0 ? -errno : 0;
}

int msgq_queue_send(int msqid, long mtype, const void *body, size_t len, int flags) {
        struct msgq_msgbuf m;

        if (len > MSGQ_MSG_MAX)
                return -EMSGSIZE;
        m.mtype = mtype;
        memcpy(m.body, body, len);
        return msgsnd(msqid, &m, len, flags) < 0 ? -errno : 0;
}

ssize_t msgq_queue_recv(int msqid, long msgtyp, long *mtype, void *body, size_t size, int flags) {
        struct msgq_msgbuf m;
        ssize_t n;

        if (size > sizeof m.body)
                size = sizeof m.body;
        n = msgrcv(msqid, &m, size, msgtyp, flags);
        if (n < 0)
                return -errno;
        *mtype = m.mtype;
        memcpy(body, m.body, (size_t) n);
        return n;
}
