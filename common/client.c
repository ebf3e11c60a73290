/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "queue.h"

/* After the deadline the timer re-fires this often until the call returns. */
#define REFIRE_NS (5 * 1000000L)
/* Pause after handing back a reply meant for another process. */
#define FOREIGN_BACKOFF_NS (1 * 1000000L)

uint64_t msgq_now_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static void on_timer_signal(int sig) {
        (void) sig; /* only here to interrupt msgsnd/msgrcv */
}

static int setup_signal(int signo) {
        struct sigaction sa;
        sigset_t set;

        if (sigaction(signo, NULL, &sa) < 0)
                return -errno;
        if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN) {
                memset(&sa, 0, sizeof sa);
                sa.sa_handler = on_timer_signal; /* no SA_RESTART */
                sigemptyset(&sa.sa_mask);
                if (sigaction(signo, &sa, NULL) < 0)
                        return -errno;
        }
        sigemptyset(&set);
        sigaddset(&set, signo);
        return -pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int msgq_client_open(struct msgq_client *c, key_t key) {
        struct sigevent sev;
        int r;

        memset(c, 0, sizeof *c);
        c->key = key;
        c->signo = MSGQ_CLIENT_SIGNAL;
        c->msqid = msgq_queue_open(key);
        if (c->msqid < 0)
                return c->msqid;
        c->pid = (uint32_t) getpid();
        c->reply_type = msgq_reply_type(c->pid);
        /* A random start keeps a later process with the same PID apart. */
        if (getrandom(&c->next_token, sizeof c->next_token, GRND_NONBLOCK) != sizeof c->next_token)
                c->next_token = msgq_now_ns() ^ ((uint64_t) c->pid << 40);
        c->first_token = c->next_token;

        r = setup_signal(c->signo);
        if (r < 0)
                return r;
        memset(&sev, 0, sizeof sev);
        sev.sigev_notify = SIGEV_THREAD_ID;
        sev.sigev_signo = c->signo;
        sev._sigev_un._tid = gettid();
        if (timer_create(CLOCK_MONOTONIC, &sev, &c->timer) < 0)
                return -errno;
        c->have_timer = 1;
        return 0;
}

void msgq_client_close(struct msgq_client *c) {
        if (c->have_timer)
                timer_delete(c->timer);
        c->have_timer = 0;
}

static void timer_arm(struct msgq_client *c, uint64_t deadline_ns) {
        struct itimerspec its = {
                .it_value = { .tv_sec = (time_t) (deadline_ns / 1000000000ull),
                              .tv_nsec = (long) (deadline_ns % 1000000000ull) },
                .it_interval = { .tv_sec = 0, .tv_nsec = REFIRE_NS },
        };
        timer_settime(c->timer, TIMER_ABSTIME, &its, NULL);
}

static void timer_disarm(struct msgq_client *c) {
        static const struct itimerspec zero;
        timer_settime(c->timer, 0, &zero, NULL);
}

/* Map what msgsnd/msgrcv said to what the caller is told. */
static int call_error(int r, uint64_t deadline_ns) {
        if (r == -EINTR && msgq_now_ns() >= deadline_ns)
                return -ETIMEDOUT;
        if (r == -EINVAL || r == -EIDRM)
                return -EIDRM; /* the queue went away under us */
        return r;
}

static int send_until(struct msgq_client *c, long prio, const void *body, size_t len,
                      uint64_t deadline_ns) {
        for (;;) {
                int r = msgq_queue_send(c->msqid, prio, body, len, 0);
                if (r == 0)
                        return 0;
                r = call_error(r, deadline_ns);
                if (r != -EINTR)
                        return r;
        }
}

static int prepare(struct msgq_client *c, long prio, struct msgq_request *req, uint64_t timeout_ms,
                   void *buf, size_t size, uint64_t *deadline_ns) {
        if (!msgq_prio_valid(prio) || timeout_ms == 0)
                return -EINVAL;
        *deadline_ns = msgq_now_ns() + timeout_ms * 1000000ull;
        req->prio = prio;
        req->pid = c->pid;
        req->token = c->next_token++;
        req->deadline_ns = *deadline_ns;
        return msgq_request_encode(req, buf, size);
}

/*
 * A reply on our type with another token: a late answer to one of our own
 * earlier requests (drop it), one left for a dead process that had our PID
 * (drop it once expired), or one for a live process with the same PID in
 * another PID namespace (hand it back).
 */
static void foreign_reply(struct msgq_client *c, const struct msgq_reply *rep, const void *body,
                          size_t len) {
        c->foreign++;
        if (rep->token - c->first_token < c->next_token - c->first_token)
                return;
        if (rep->expires_ns <= msgq_now_ns())
                return;
        if (msgq_queue_send(c->msqid, c->reply_type, body, len, IPC_NOWAIT) == 0)
                nanosleep(&(struct timespec) { .tv_nsec = FOREIGN_BACKOFF_NS }, NULL);
}

static int receive_until(struct msgq_client *c, uint64_t token, struct msgq_reply *rep,
                         uint64_t deadline_ns) {
        unsigned char body[MSGQ_MSG_MAX];
        long mtype;

        for (;;) {
                ssize_t n = msgq_queue_recv(c->msqid, c->reply_type, &mtype, body, sizeof body,
                                            MSG_NOERROR);
                if (n < 0) {
                        int r = call_error((int) n, deadline_ns);
                        if (r != -EINTR)
                                return r;
                        continue;
                }
                if (msgq_reply_decode(body, (size_t) n, rep) < 0) {
                        c->foreign++; /* not a reply at all: nobody can use it */
                        continue;
                }
                if (rep->token == token)
                        return 0;
                foreign_reply(c, rep, body, (size_t) n);
                if (msgq_now_ns() >= deadline_ns)
                        return -ETIMEDOUT;
        }
}

int msgq_client_call(struct msgq_client *c, long prio, struct msgq_request *req,
                     struct msgq_reply *rep, uint64_t timeout_ms) {
        unsigned char body[MSGQ_MSG_MAX];
        uint64_t deadline;
        int len, r;

        req->flags &= (uint16_t) ~MSGQ_REQ_NO_REPLY;
        len = prepare(c, prio, req, timeout_ms, body, sizeof body, &deadline);
        if (len < 0)
                return len;
        timer_arm(c, deadline);
        r = send_until(c, prio, body, (size_t) len, deadline);
        if (r == 0)
                r = receive_until(c, req->token, rep, deadline);
        timer_disarm(c);
        return r;
}

int msgq_client_post(struct msgq_client *c, long prio, struct msgq_request *req,
                     uint64_t timeout_ms) {
        unsigned char body[MSGQ_MSG_MAX];
        uint64_t deadline;
        int len, r;

        req->flags |= MSGQ_REQ_NO_REPLY;
        len = prepare(c, prio, req, timeout_ms, body, sizeof body, &deadline);
        if (len < 0)
                return len;
        timer_arm(c, deadline);
        r = send_until(c, prio, body, (size_t) len, deadline);
        timer_disarm(c);
        return r;
}
