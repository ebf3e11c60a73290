/* SPDX-License-Identifier: MIT */
/*
 * The floor: what any System V request/reply service costs at least.  An
 * echo server takes the most urgent request with one blocking msgrcv (as
 * msgqd does) and sends it straight back to the reply type its PID field
 * names; the client sends 40 bytes and receives 40, as a msgqd ping does.
 * No decoding, no validation, no timeout: nothing but the two system calls
 * on each side.
 */
#include <errno.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "bench.h"

#define MAX_QUEUES 64

static volatile int queues[MAX_QUEUES];
static volatile int nqueues;

int raw_queue(void) {
        int slot = 0, id;

        while (slot < nqueues && queues[slot] >= 0)
                slot++;
        if (slot == MAX_QUEUES)
                return -ENOSPC;
        id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        if (id < 0)
                return -errno;
        queues[slot] = id;
        if (slot == nqueues)
                nqueues = nqueues + 1;
        return id;
}

void raw_queue_remove(int msqid) {
        for (int i = 0; i < nqueues; i++) {
                if (queues[i] == msqid) {
                        msgctl(msqid, IPC_RMID, NULL);
                        queues[i] = -1;
                }
        }
}

void raw_queues_remove(void) {
        for (int i = 0; i < nqueues; i++)
                if (queues[i] >= 0)
                        msgctl(queues[i], IPC_RMID, NULL);
        nqueues = 0;
}

static _Noreturn void echo(int msqid) {
        struct msgq_msgbuf m;

        for (;;) {
                ssize_t n = msgrcv(msqid, &m, MSGQ_MSG_MAX, -MSGQ_PRIO_MAX, MSG_NOERROR);
                uint32_t pid;

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        _exit(0); /* EIDRM: the benchmark is done with us */
                }
                memcpy(&pid, m.body + 4, sizeof pid);
                m.mtype = msgq_reply_type(pid);
                while (msgsnd(msqid, &m, (size_t) n, 0) < 0)
                        if (errno != EINTR)
                                _exit(0);
        }
}

pid_t raw_echo_start(int msqid, int cpu) {
        pid_t pid = fork_worker(cpu);

        if (pid == 0)
                echo(msqid);
        return pid;
}
