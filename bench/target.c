/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "bench.h"

#define CALL_TIMEOUT_MS 5000u

int target_open_raw(struct target *t, int msqid) {
        uint32_t pid = (uint32_t) getpid();

        memset(t, 0, sizeof *t);
        t->kind = TARGET_RAW;
        t->msqid = msqid;
        t->reply_type = msgq_reply_type(pid);
        memcpy(t->request, "MQ\0\1", 4);
        memcpy(t->request + 4, &pid, sizeof pid);
        return 0;
}

int target_open_raw_per_cpu(struct target *t, const int *msqids, int n) {
        if (n < 1 || n > TARGET_MAX_QUEUES)
                return -EINVAL;
        target_open_raw(t, msqids[0]);
        memcpy(t->cpu_msqid, msqids, (size_t) n * sizeof *msqids);
        t->ncpu_msqid = n;
        return 0;
}

int target_open_msgqd(struct target *t, key_t key) {
        memset(t, 0, sizeof *t);
        t->kind = TARGET_MSGQD;
        t->op = MSGQ_OP_PING;
        return msgq_client_open(&t->client, key);
}

void target_set_op(struct target *t, uint16_t op) {
        t->op = op;
}

void target_close(struct target *t) {
        if (t->kind == TARGET_MSGQD)
                msgq_client_close(&t->client);
}

static int raw_call(struct target *t) {
        struct msgq_msgbuf m;
        int msqid = t->msqid;

        if (t->ncpu_msqid > 0) {
                int cpu = sched_getcpu();
                msqid = t->cpu_msqid[(cpu < 0 ? 0 : cpu) % t->ncpu_msqid];
        }
        m.mtype = MSGQ_PRIO_DEFAULT;
        memcpy(m.body, t->request, sizeof t->request);
        if (msgsnd(msqid, &m, sizeof t->request, 0) < 0)
                return -errno;
        if (msgrcv(msqid, &m, MSGQ_MSG_MAX, t->reply_type, 0) < 0)
                return -errno;
        return 0;
}

int target_call(struct target *t) {
        struct msgq_request req;
        struct msgq_reply rep;
        int r;

        if (t->kind == TARGET_RAW)
                return raw_call(t);
        memset(&req, 0, sizeof req);
        req.op = t->op;
        r = msgq_client_call(&t->client, MSGQ_PRIO_DEFAULT, &req, &rep, CALL_TIMEOUT_MS);
        if (r == 0 && rep.status != MSGQ_OK)
                r = -EPROTO;
        return r;
}

long long target_served(struct target *t) {
        struct msgq_request req;
        struct msgq_reply rep;
        long long n = 0;
        int r;

        if (t->kind != TARGET_MSGQD)
                return -EINVAL;
        memset(&req, 0, sizeof req);
        req.op = MSGQ_OP_STATS;
        r = msgq_client_call(&t->client, MSGQ_PRIO_DEFAULT, &req, &rep, CALL_TIMEOUT_MS);
        if (r < 0)
                return r;
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                n += (long long) rep.stats.served[i];
        return n;
}
