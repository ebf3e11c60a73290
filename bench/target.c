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
        int r;

        memset(t, 0, sizeof *t);
        t->kind = TARGET_MSGQD;
        t->op = MSGQ_OP_PING;
        r = msgq_open(&t->msgq, key);
        if (r == 0)
                r = msgq_set_timeout(t->msgq, CALL_TIMEOUT_MS);
        return r;
}

void target_set_op(struct target *t, uint16_t op) {
        t->op = op;
}

void target_set_lines(struct target *t, unsigned n, bool same) {
        t->nlines = n < MSGQ_LINES_MAX ? n : MSGQ_LINES_MAX - 1;
        t->level = 1;
        t->same = same;
}

/* Lines 1 .. nlines in one request, all at the next level. */
static int set_lines(struct target *t) {
        struct msgq_line_level levels[MSGQ_LINES_MAX];

        for (unsigned i = 0; i < t->nlines; i++)
                levels[i] = (struct msgq_line_level) { .line = (uint16_t) (1 + i), .on = t->level };
        t->level ^= !t->same;
        return msgq_line_set(t->msgq, levels, t->nlines, NULL);
}

/* Lines 1 .. nlines toggled, one request each. */
static int toggle_lines(struct target *t) {
        int r = 0;

        for (unsigned i = 1; i <= t->nlines && r == 0; i++)
                r = msgq_line_toggle(t->msgq, i, NULL);
        return r;
}

void target_close(struct target *t) {
        if (t->kind == TARGET_MSGQD)
                msgq_close(t->msgq);
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
        if (t->kind == TARGET_RAW)
                return raw_call(t);
        switch (t->op) {
        case MSGQ_OP_PING: return msgq_ping(t->msgq);
        case MSGQ_OP_LED_ON: return msgq_led_on(t->msgq, NULL);
        case MSGQ_OP_LED_OFF: return msgq_led_off(t->msgq, NULL);
        case MSGQ_OP_LED_TOGGLE: return t->nlines ? toggle_lines(t) : msgq_led_toggle(t->msgq, NULL);
        case MSGQ_OP_LINE_SET: return set_lines(t);
        case MSGQ_OP_LED_STATE: return msgq_led_state(t->msgq, NULL);
        default: return -EINVAL;
        }
}

long long target_served(struct target *t) {
        struct msgq_stats stats;
        long long n = 0;
        int r;

        if (t->kind != TARGET_MSGQD)
                return -EINVAL;
        r = msgq_get_stats(t->msgq, &stats, NULL);
        if (r < 0)
                return r;
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                n += (long long) stats.served[i];
        return n;
}
