/* SPDX-License-Identifier: MIT */
/*
 * Integration: common/client.c's timeouts against a scripted responder on a
 * private queue (a forked process standing in for msgqd, answering each
 * request after the delay in ms that its arg0 asks for); and clients that
 * share a PID, against the real msgqd.  The client keeps
 * its timer set between calls and lets the timer's signal in only while a
 * call waits: these tests hold it to "never longer than the timeout, never
 * shorter, and never a signal outside a call".
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"
#include "protocol.h"
#include "queue.h"

#define MS 1000000ull

static pid_t responder;
static int queue_id = -1;

/* Answer every request after the delay it asks for, until the queue goes. */
static _Noreturn void respond(int msqid) {
        struct msgq_msgbuf m;

        for (;;) {
                ssize_t n = msgrcv(msqid, &m, MSGQ_MSG_MAX, -MSGQ_PRIO_MAX, 0);
                struct msgq_reply rep = { .op = MSGQ_OP_PING };
                uint32_t pid, delay_ms;
                int len;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < (ssize_t) MSGQ_REQUEST_HEADER_SIZE)
                        _exit(0);
                memcpy(&pid, m.body + 4, sizeof pid);
                memcpy(&rep.token, m.body + 8, sizeof rep.token);
                memcpy(&delay_ms, m.body + 28, sizeof delay_ms);
                rep.expires_ns = msgq_now_ns() + 1000 * MS;
                if (delay_ms)
                        sleep_ms((int) delay_ms);
                len = msgq_reply_encode(&rep, m.body, MSGQ_MSG_MAX);
                m.mtype = msgq_reply_type(pid);
                if (len < 0 || msgsnd(msqid, &m, (size_t) len, 0) < 0)
                        _exit(0);
        }
}

static int open_with_responder(struct msgq_client *c) {
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | 0600);

        ck_assert_int_ge(id, 0);
        queue_id = id;
        responder = fork();
        ck_assert_int_ge(responder, 0);
        if (responder == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                respond(id);
        }
        ck_assert_int_eq(msgq_client_open(c, key), 0);
        return id;
}

static void stop_responder(void) {
        if (responder > 0) {
                kill(responder, SIGKILL);
                waitpid(responder, NULL, 0);
        }
        responder = 0;
}

/* After each test (in its process): no responder, no queue. */
static void finish(void) {
        stop_responder();
        if (queue_id >= 0)
                msgctl(queue_id, IPC_RMID, NULL);
        queue_id = -1;
}

/* A ping that the responder answers after delay_ms; the call's result. */
static int ping(struct msgq_client *c, uint32_t delay_ms, uint64_t timeout_ms) {
        struct msgq_request req = { .op = MSGQ_OP_PING, .arg0 = delay_ms };
        struct msgq_reply rep;
        int r = msgq_client_call(c, 5, &req, &rep, timeout_ms);

        if (r == 0)
                ck_assert_uint_eq(rep.token, req.token);
        return r;
}

START_TEST(test_replies_at_once_and_after_a_wait) {
        struct msgq_client c;

        open_with_responder(&c);
        for (int i = 0; i < 200; i++)
                ck_assert_int_eq(ping(&c, 0, 1000), 0);
        for (int i = 0; i < 10; i++)
                ck_assert_int_eq(ping(&c, 10, 1000), 0);
        for (int i = 0; i < 50; i++)
                ck_assert_int_eq(ping(&c, 0, 1000), 0);
        msgq_client_close(&c);
        stop_responder();
}
END_TEST

/* The timer set for an earlier call fires during a later wait: the wait goes on. */
START_TEST(test_waits_go_on_past_an_earlier_deadline) {
        struct msgq_client c;
        uint64_t end = msgq_now_ns() + 700 * MS;

        open_with_responder(&c);
        while (msgq_now_ns() < end)
                ck_assert_int_eq(ping(&c, 40, 150), 0);
        msgq_client_close(&c);
        stop_responder();
}
END_TEST

/* A timer still set for a long call's deadline does not stretch a shorter one. */
START_TEST(test_short_timeout_after_a_long_one) {
        struct msgq_client c;
        uint64_t t0;

        open_with_responder(&c);
        ck_assert_int_eq(ping(&c, 20, 5000), 0);
        stop_responder();
        t0 = msgq_now_ns();
        ck_assert_int_eq(ping(&c, 0, 100), -ETIMEDOUT);
        ck_assert_uint_ge(msgq_now_ns() - t0, 100 * MS);
        ck_assert_uint_lt(msgq_now_ns() - t0, 2000 * MS);
        msgq_client_close(&c);
}
END_TEST

/*
 * After a call that waited, its timer fires while the program sleeps: the
 * sleep is not interrupted, and the next call still waits its full timeout.
 */
START_TEST(test_no_signal_between_calls) {
        struct timespec ts = { .tv_nsec = 600 * 1000000L };
        struct msgq_client c;
        uint64_t t0;

        open_with_responder(&c);
        ck_assert_int_eq(ping(&c, 20, 200), 0);
        ck_assert_int_eq(nanosleep(&ts, NULL), 0);
        stop_responder();
        t0 = msgq_now_ns();
        ck_assert_int_eq(ping(&c, 0, 300), -ETIMEDOUT);
        ck_assert_uint_ge(msgq_now_ns() - t0, 300 * MS);
        ck_assert_uint_lt(msgq_now_ns() - t0, 2000 * MS);
        msgq_client_close(&c);
}
END_TEST

/* A timer that sends this thread the client's signal every 5 ms, from now on. */
static timer_t signal_every_5ms(void) {
        struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = MSGQ_CLIENT_SIGNAL };
        struct itimerspec its = { .it_value = { .tv_nsec = 1 }, .it_interval = { .tv_nsec = 5 * MS } };
        timer_t t;

        sev._sigev_un._tid = gettid();
        ck_assert_int_eq(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
        ck_assert_int_eq(timer_settime(t, 0, &its, NULL), 0);
        return t;
}

/*
 * Signals alone do not end a call, nor do the other bits of the cancel
 * word (libmsgq's call number); with MSGQ_CLIENT_CANCELLED they do, at
 * once, also when it was set and signalled before the call began to wait.
 */
START_TEST(test_cancel) {
        struct msgq_client c;
        unsigned cancel = ~MSGQ_CLIENT_CANCELLED;
        uint64_t t0;
        timer_t t;

        open_with_responder(&c);
        c.cancel = &cancel;
        t = signal_every_5ms();
        t0 = msgq_now_ns();
        ck_assert_int_eq(ping(&c, 200, 5000), 0);
        ck_assert_uint_ge(msgq_now_ns() - t0, 200 * MS);
        __atomic_store_n(&cancel, MSGQ_CLIENT_CANCELLED, __ATOMIC_RELEASE);
        t0 = msgq_now_ns();
        ck_assert_int_eq(ping(&c, 3000, 10000), -ECANCELED);
        ck_assert_uint_lt(msgq_now_ns() - t0, 1000 * MS);
        timer_delete(t);
        msgq_client_close(&c);
        stop_responder();
}
END_TEST

/*
 * Four processes with one PID (as four PID namespaces sharing one IPC
 * namespace have), against the real msgqd, on a queue that is full most of
 * the time: each takes the others' replies off the queue and hands them
 * back; none is lost.
 */
START_TEST(test_same_pid_on_a_full_queue) {
        enum { CLIENTS = 4, CALLS = 100 };
        uint32_t shared = (uint32_t) getpid();
        struct daemon d;
        struct msqid_ds ds;
        pid_t kids[CLIENTS];
        int id;

        daemon_start_checked(&d, test_key(), NULL);
        id = msgget(d.key, 0);
        ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), 0);
        ds.msg_qbytes = 3 * MSGQ_REPLY_HEADER_SIZE;
        ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
        for (int i = 0; i < CLIENTS; i++) {
                kids[i] = fork();
                ck_assert_int_ge(kids[i], 0);
                if (kids[i] == 0) {
                        struct msgq_client k;
                        if (msgq_client_open(&k, d.key) < 0)
                                _exit(2);
                        k.pid = shared;
                        k.reply_type = msgq_reply_type(shared);
                        for (int n = 0; n < CALLS; n++)
                                if (ping(&k, 0, 5000) < 0)
                                        _exit(1);
                        _exit(k.handbacks_lost ? 3 : 0);
                }
        }
        reap_children(kids, CLIENTS);
        daemon_stop_checked(&d);
}
END_TEST

/* A process that spins until killed: a busy machine, for as long as a test needs one. */
static pid_t spin(void) {
        pid_t pid = fork();

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                for (volatile unsigned long n = 0;; n++)
                        ;
        }
        return pid;
}

/*
 * As above, on a queue that holds two replies (msg_qbytes 100), each call
 * with the 2 s that the MQTT bridge gives one, while two spinning
 * processes keep both CPUs busy: ROUNDS rounds of 4 clients x 60 calls,
 * none of which may time out.  The four share one reply type, so every 16
 * replies msgqd looks whether that type's client reads them (reclaim_trim:
 * it takes the type's replies off the queue and puts them back); a reply
 * whose room a client's request took meanwhile was lost, about once in 30
 * rounds, and its owner waited in vain.
 */
START_TEST(test_same_pid_handback_on_a_busy_machine) {
        enum { CLIENTS = 4, CALLS = 60, ROUNDS = 200, SPINNERS = 2 };
        uint32_t shared = (uint32_t) getpid();
        struct daemon d;
        struct msqid_ds ds;
        pid_t kids[CLIENTS], spinners[SPINNERS];
        int id;

        daemon_start_checked(&d, test_key(), NULL);
        id = msgget(d.key, 0);
        ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), 0);
        ds.msg_qbytes = 100;
        ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
        for (int i = 0; i < SPINNERS; i++)
                spinners[i] = spin();
        for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < CLIENTS; i++) {
                        kids[i] = fork();
                        ck_assert_int_ge(kids[i], 0);
                        if (kids[i] == 0) {
                                struct msgq_client k;
                                if (msgq_client_open(&k, d.key) < 0)
                                        _exit(2);
                                k.pid = shared;
                                k.reply_type = msgq_reply_type(shared);
                                for (int n = 0; n < CALLS; n++) {
                                        uint64_t t0 = msgq_now_ns();
                                        int r = ping(&k, 0, 2000);
                                        if (r < 0) {
                                                fprintf(stderr, "round %d client %d call %d: %s after %llu ms\n",
                                                        round, i, n, strerror(-r),
                                                        (unsigned long long) (msgq_now_ns() - t0) / MS);
                                                _exit(1);
                                        }
                                }
                                _exit(k.handbacks_lost ? 3 : 0);
                        }
                }
                reap_children(kids, CLIENTS);
        }
        for (int i = 0; i < SPINNERS; i++) {
                kill(spinners[i], SIGKILL);
                waitpid(spinners[i], NULL, 0);
        }
        daemon_stop_checked(&d);
}
END_TEST

int main(void) {
        Suite *s = suite_create("client");

        harness_init();
        tcase_add_checked_fixture(harness_add(s, "at-once-and-waiting", test_replies_at_once_and_after_a_wait, 30), NULL, finish);
        tcase_add_checked_fixture(harness_add(s, "earlier-deadline", test_waits_go_on_past_an_earlier_deadline, 30), NULL, finish);
        tcase_add_checked_fixture(harness_add(s, "short-after-long", test_short_timeout_after_a_long_one, 30), NULL, finish);
        tcase_add_checked_fixture(harness_add(s, "no-signal-between", test_no_signal_between_calls, 30), NULL, finish);
        tcase_add_checked_fixture(harness_add(s, "cancel", test_cancel, 30), NULL, finish);
        tcase_add_checked_fixture(harness_add(s, "same-pid-full-queue", test_same_pid_on_a_full_queue, 60), NULL, finish);
        tcase_add_checked_fixture(harness_add(s, "same-pid-busy", test_same_pid_handback_on_a_busy_machine, 120), NULL, finish);
        return harness_run(s);
}
