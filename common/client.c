/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
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
/* Pauses after handing back a reply meant for another process: the first, the longest. */
#define HANDBACK_PAUSE_MIN_NS (20 * 1000L)
#define HANDBACK_PAUSE_MAX_NS (1 * 1000000L)
/* After this many calls in a row had to wait, wait at once; look first every 16th call. */
#define WAIT_STREAK 4u
#define WAIT_PROBE  (WAIT_STREAK + 15u)

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
        /* Let in only while a call waits (see wait_begin). */
        sigemptyset(&set);
        sigaddset(&set, signo);
        return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

/* The timer that interrupts this thread's waits (its signal let in only then). */
static int timer_for_this_thread(struct msgq_client *c) {
        struct sigevent sev;
        int r;

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
        c->timer_pid = getpid();
        c->armed_ns = 0;
        return 0;
}

/* The timer, unless it belongs to the parent of a fork (the child has none, or another with its ID). */
static void timer_release(struct msgq_client *c) {
        if (c->have_timer && c->timer_pid == getpid())
                timer_delete(c->timer);
        c->have_timer = 0;
}

int msgq_client_open(struct msgq_client *c, key_t key) {
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
        return timer_for_this_thread(c);
}

void msgq_client_use_thread_address(struct msgq_client *c) {
        c->pid = (uint32_t) gettid();
        c->reply_type = msgq_reply_type(c->pid);
}

int msgq_client_rebind(struct msgq_client *c) {
        timer_release(c);
        c->waiting = 0;
        c->waited = 0;
        c->nheld = 0; /* replies held for others in the parent of a fork are the parent's */
        msgq_client_use_thread_address(c);
        return timer_for_this_thread(c);
}

void msgq_client_close(struct msgq_client *c) {
        timer_release(c);
}

/*
 * Set the timer for deadline_ns, unless it is set for an earlier time that
 * is still to come: then it interrupts the wait early, and the wait calls
 * this again.  Between calls it stays set (clearing it cost a system call
 * per call): when it fires then, its signal is blocked, so it interrupts
 * nothing, and stays pending; an undelivered timer signal also keeps the
 * timer from re-firing.
 */
static void timer_arm(struct msgq_client *c, uint64_t deadline_ns) {
        struct itimerspec its = {
                .it_value = msgq_timespec(deadline_ns),
                .it_interval = { .tv_sec = 0, .tv_nsec = REFIRE_NS },
        };

        if (c->armed_ns && c->armed_ns <= deadline_ns && c->armed_ns > msgq_now_ns())
                return;
        timer_settime(c->timer, TIMER_ABSTIME, &its, NULL);
        c->armed_ns = deadline_ns;
}

static void signal_mask(struct msgq_client *c, int how) {
        sigset_t set;

        sigemptyset(&set);
        sigaddset(&set, c->signo);
        pthread_sigmask(how, &set, NULL);
}

/* Before a call blocks: the timer set, its signal let in (a stale one is handled here). */
static void wait_begin(struct msgq_client *c, uint64_t deadline_ns) {
        timer_arm(c, deadline_ns);
        if (!c->waiting)
                signal_mask(c, SIG_UNBLOCK);
        c->waiting = 1;
}

/* After the call: the signal blocked again, the timer left as it is. */
static void wait_end(struct msgq_client *c) {
        if (c->waiting)
                signal_mask(c, SIG_BLOCK);
        c->waiting = 0;
}

/* Map what msgsnd/msgrcv said to what the caller is told. */
static int call_error(const struct msgq_client *c, int r, uint64_t deadline_ns) {
        if (r == -EINTR && c->cancel &&
            (__atomic_load_n(c->cancel, __ATOMIC_ACQUIRE) & MSGQ_CLIENT_CANCELLED))
                return -ECANCELED;
        if (r == -EINTR && msgq_now_ns() >= deadline_ns)
                return -ETIMEDOUT;
        if (r == -EINVAL || r == -EIDRM)
                return -EIDRM; /* the queue went away under us */
        return r;
}

/*
 * Both loops try without blocking first: a call that need not wait costs
 * no system call beyond msgsnd and msgrcv.  One that waits lets the timer's
 * signal in, and keeps the timer set for its deadline.
 */
static int send_until(struct msgq_client *c, long prio, const void *body, size_t len,
                      uint64_t deadline_ns) {
        int flags = IPC_NOWAIT;

        for (;;) {
                int r = msgq_queue_send(c->msqid, prio, body, len, flags);
                if (r == 0)
                        return 0;
                if (r == -EAGAIN && flags == IPC_NOWAIT) {
                        wait_begin(c, deadline_ns); /* the queue is full: wait for room */
                        flags = 0;
                        continue;
                }
                r = call_error(c, r, deadline_ns);
                if (r != -EINTR)
                        return r;
                timer_arm(c, deadline_ns); /* it fired for an earlier deadline */
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

/* A pause that doubles, from the shortest to the longest, while nothing moves. */
static void pause_more(struct msgq_client *c) {
        c->pause_ns = c->pause_ns ? 2 * c->pause_ns : HANDBACK_PAUSE_MIN_NS;
        if (c->pause_ns > HANDBACK_PAUSE_MAX_NS)
                c->pause_ns = HANDBACK_PAUSE_MAX_NS;
        nanosleep(&(struct timespec) { .tv_nsec = c->pause_ns }, NULL);
}

/*
 * Send the held replies back to their owners: those that fit now, or
 * (wait) each as soon as there is room, until its owner stops waiting.
 * Returns how many are still held.
 */
static unsigned hand_back(struct msgq_client *c, bool wait) {
        unsigned kept = 0;

        for (unsigned i = 0; i < c->nheld; i++) {
                struct msgq_held_reply *h = &c->held[i];
                int r = -ETIMEDOUT;

                if (h->owner_deadline_ns > msgq_now_ns())
                        r = wait ? send_until(c, c->reply_type, h->body, h->len, h->owner_deadline_ns)
                                 : msgq_queue_send(c->msqid, c->reply_type, h->body, h->len, IPC_NOWAIT);
                if (r == -EAGAIN && !wait) {
                        if (kept != i)
                                c->held[kept] = *h;
                        kept++;
                } else if (r < 0) {
                        c->handbacks_lost++;
                }
        }
        c->nheld = kept;
        return kept;
}

/*
 * A reply on our type with another token: a late answer to one of our own
 * earlier requests (drop it), one left for a dead process that had our PID
 * (drop it once expired), or one for a live process with the same PID in
 * another PID namespace (hand it back).
 *
 * When its owner waits in msgrcv, the kernel hands the reply straight to
 * it.  When the owner does not wait yet, the next msgrcv here takes the
 * same reply again: then this client pauses, longer each time.  When the
 * queue is full, the reply is held, and sent back as soon as it fits while
 * this client goes on looking for its own (receive_until): a client that
 * blocked to send it back would read nothing, and clients that all did so
 * would wait for each other until their deadlines.
 */
static void foreign_reply(struct msgq_client *c, const struct msgq_reply *rep, const void *body,
                          size_t len) {
        uint64_t owner_deadline = rep->expires_ns - MSGQ_REPLY_GRACE_NS;
        struct msgq_held_reply *h;

        c->foreign++;
        if (rep->token - c->first_token < c->next_token - c->first_token)
                return;
        if (rep->expires_ns < MSGQ_REPLY_GRACE_NS || owner_deadline <= msgq_now_ns())
                return; /* its owner no longer waits for it */
        if (c->nheld == 0 && msgq_queue_send(c->msqid, c->reply_type, body, len, IPC_NOWAIT) == 0) {
                if (rep->token == c->handed_back)
                        pause_more(c);
                c->handed_back = rep->token;
                return;
        }
        if (c->nheld == MSGQ_CLIENT_HELD_MAX)
                hand_back(c, true);
        h = &c->held[c->nheld++];
        h->owner_deadline_ns = owner_deadline;
        h->len = (uint16_t) len;
        memcpy(h->body, body, len);
}

/*
 * Whether to look for the reply before arming the timer: not when the last
 * calls all had to wait (client and daemon on different CPUs, or a busy
 * daemon), where the look is a wasted system call; then once in 16 calls,
 * to notice when replies come at once again.
 */
static bool look_first(const struct msgq_client *c) {
        return c->waited < WAIT_STREAK || c->waited == WAIT_PROBE;
}

static void count_wait(struct msgq_client *c) {
        if (!c->waiting)
                c->waited = 0;
        else
                c->waited = c->waited < WAIT_PROBE ? c->waited + 1 : WAIT_STREAK;
}

static int receive_until(struct msgq_client *c, uint64_t token, struct msgq_reply *rep,
                         uint64_t deadline_ns) {
        unsigned char body[MSGQ_MSG_MAX];
        int flags = MSG_NOERROR | IPC_NOWAIT;
        long mtype;

        if (!look_first(c)) {
                wait_begin(c, deadline_ns);
                flags = MSG_NOERROR;
        }
        for (;;) {
                ssize_t n;

                if (c->nheld > 0 && hand_back(c, false) > 0)
                        flags |= IPC_NOWAIT; /* holding replies for others: never block */
                n = msgq_queue_recv(c->msqid, c->reply_type, &mtype, body, sizeof body, flags);
                if (n == -ENOMSG && (flags & IPC_NOWAIT)) {
                        if (c->nheld > 0) {
                                if (msgq_now_ns() >= deadline_ns)
                                        return -ETIMEDOUT;
                                pause_more(c);
                                continue;
                        }
                        wait_begin(c, deadline_ns); /* not there yet: wait for it */
                        flags = MSG_NOERROR;
                        continue;
                }
                if (n < 0) {
                        int r = call_error(c, (int) n, deadline_ns);
                        if (r != -EINTR)
                                return r;
                        timer_arm(c, deadline_ns); /* it fired for an earlier deadline */
                        continue;
                }
                if (msgq_reply_decode(body, (size_t) n, rep) < 0) {
                        c->foreign++; /* not a reply at all: nobody can use it */
                        continue;
                }
                if (rep->token == token) {
                        c->pause_ns = 0;
                        return 0;
                }
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
        r = send_until(c, prio, body, (size_t) len, deadline);
        if (r == 0)
                r = receive_until(c, req->token, rep, deadline);
        if (c->nheld > 0) /* our call is over: theirs may not be */
                hand_back(c, true);
        count_wait(c);
        wait_end(c);
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
        r = send_until(c, prio, body, (size_t) len, deadline);
        wait_end(c);
        return r;
}
