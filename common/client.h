/* SPDX-License-Identifier: MIT */
/*
 * The client side of the protocol: send a request, wait for the reply that
 * carries its token, never longer than the timeout.  This is libmsgq's
 * implementation (lib/msgq.c wraps it in the handle of msgq.h): programs
 * use the library; only tests that speak the protocol below it link this
 * directly (common/meson.build's client_dep).
 *
 * Waiting is a blocking msgrcv on the client's own reply type, bounded by a
 * per-thread POSIX timer whose signal interrupts it (System V calls are
 * never restarted after a signal).  The timer re-fires every few ms after
 * the deadline, so a signal that lands just before msgrcv blocks is
 * followed by another.
 *
 * The fast path costs nothing more than the floor's msgsnd and msgrcv: each
 * call first tries both with IPC_NOWAIT, and a reply that is already there
 * (the usual case when client and daemon share a CPU) needs no timer.  A
 * call that must wait unblocks the signal for the wait; the timer is set
 * for the call's deadline only if it is not set already for an earlier one
 * still to come, and is not cleared afterwards: a busy client sets it about
 * once per timeout.  After a few calls in a row that had to wait, a client
 * waits at once and looks first only now and then.
 *
 * The signal is a real-time one (MSGQ_CLIENT_SIGNAL), not SIGALRM, which
 * programs and test frameworks use for their own ends; it gets a no-op
 * handler if it had none, and is blocked in the calling thread except while
 * a call waits, so that it never interrupts the program's own system calls
 * (programs started from that thread inherit the blocked signal).  Use a
 * client from the thread that opened it.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <signal.h>
#include <time.h>

#define MSGQ_CLIENT_SIGNAL (SIGRTMIN + 3)

#include "clock.h"
#include "protocol.h"

/* The bit of *cancel that cancels the call in progress (see struct msgq_client). */
#define MSGQ_CLIENT_CANCELLED 2u

/* Replies for others a client holds at most while the queue is full. */
#define MSGQ_CLIENT_HELD_MAX 4

struct msgq_client {
        key_t key;
        int msqid;
        uint32_t pid;     /* the reply address */
        long reply_type;
        uint64_t first_token; /* tokens this client has used: [first, next) */
        uint64_t next_token;
        int signo;
        timer_t timer;
        int have_timer;
        pid_t timer_pid;  /* the process the timer belongs to */
        uint64_t armed_ns; /* when the timer fires (CLOCK_MONOTONIC), 0: never set */
        int waiting;      /* the call in progress waits: the signal is let in */
        unsigned waited;  /* calls in a row whose reply was not there at once */
        uint64_t foreign; /* replies seen that were not ours */
        /* Replies for another process with our PID, held while the queue is full (client.c). */
        struct msgq_held_reply {
                uint64_t owner_deadline_ns;
                uint16_t len;
                unsigned char body[MSGQ_MSG_MAX];
        } held[MSGQ_CLIENT_HELD_MAX];
        unsigned nheld;
        uint64_t handed_back;     /* the token of the last reply handed back */
        long pause_ns;            /* while that one comes back, or replies are held: grows */
        uint64_t handbacks_lost;  /* held replies whose owner stopped waiting first */
        /*
         * When set and *cancel has MSGQ_CLIENT_CANCELLED (__atomic), a call
         * that a signal interrupts returns -ECANCELED.  Another thread sets
         * that bit, then signals this one with MSGQ_CLIENT_SIGNAL until the
         * call has returned: a signal that comes before the call blocks is
         * taken before the wait.  The other bits are the owner's (libmsgq
         * keeps its call number there, see lib/msgq.c).
         */
        const unsigned *cancel;
};

/*
 * Open the queue for key.  -ENOENT: no queue (no daemon); -EACCES: the
 * queue's mode does not let this user in.
 */
int msgq_client_open(struct msgq_client *c, key_t key);
/*
 * Take replies at the calling thread's ID instead of the process ID (a
 * thread ID is a PID too, unique while the thread lives): for a second
 * thread that waits for msgqd while another calls it.  After open, in the
 * thread that will make the calls.
 */
void msgq_client_use_thread_address(struct msgq_client *c);
/*
 * Make the calling thread the client's: its timer signals this thread and
 * replies come to this thread's ID.  For a client used from another thread
 * than the one that opened it, or in the child after fork() (which has no
 * timers).  0 or a negative errno.
 */
int msgq_client_rebind(struct msgq_client *c);
void msgq_client_close(struct msgq_client *c);

/*
 * Send req (prio 1..10; pid, token and deadline are filled in) and wait up
 * to timeout_ms for its reply.  Returns 0 with *rep filled (rep->status may
 * still report an error from the daemon), or:
 *   -ETIMEDOUT  no reply in time (the request may still be queued)
 *   -EIDRM      the queue was removed (daemon stopped)
 *   -EACCES     no permission to write or read the queue
 *   -ECANCELED  interrupted with cancel set (see above)
 */
int msgq_client_call(struct msgq_client *c, long prio, struct msgq_request *req,
                     struct msgq_reply *rep, uint64_t timeout_ms);
/* Send req with MSGQ_REQ_NO_REPLY; waits at most timeout_ms for room. */
int msgq_client_post(struct msgq_client *c, long prio, struct msgq_request *req,
                     uint64_t timeout_ms);

