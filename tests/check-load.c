/* SPDX-License-Identifier: MIT */
/*
 * Integration, under load: the real msgqd --sim on its default-sized queue
 * (the kernel's msgmnb, 16 KiB), with many concurrent clients.  Every client
 * is answered, nobody deadlocks, and the LED's state agrees with the number
 * of toggles: toggles are served one at a time, so of T toggles exactly
 * (T + 1) / 2 answer "on".  check-msgqd.c has the floods on small queues.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"
#include "protocol.h"
#include "queue.h"

/* What the clients (forked processes) tell the test, in harness_shared() memory. */
struct tally {
        int answered;    /* replies with status OK */
        int toggled_on;  /* toggle replies that said "on" */
        int toggled_off; /* ... and "off" */
        int sent;        /* requests sent by slow clients */
};

static struct daemon dmn;
static struct tally *tally;

static struct msgq_reply call(key_t key, uint16_t op) {
        struct msgq_client c;
        struct msgq_request req = { .op = op };
        struct msgq_reply rep;
        int r;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, 10000);
        msgq_client_close(&c);
        ck_assert_msg(r == 0, "call %s failed: %s", msgq_op_to_string(op), strerror(-r));
        ck_assert_int_eq(rep.status, MSGQ_OK);
        return rep;
}

static uint64_t served(const struct msgq_stats *s) {
        uint64_t n = 0;

        for (int p = 0; p < MSGQ_PRIO_MAX; p++)
                n += s->served[p];
        return n;
}

static void count_led(uint16_t op, bool on) {
        if (op == MSGQ_OP_LED_TOGGLE)
                shared_count(on ? &tally->toggled_on : &tally->toggled_off);
}

/*
 * A binary client (the project's client code): n requests, all toggles
 * but the first `others`, which are ping, state and stats in turn, at
 * priorities 1..10 in turn.  Exits 10+ on any failure.
 */
static _Noreturn void binary_client(key_t key, int n, int others, int timeout_ms) {
        static const uint16_t other_ops[] = { MSGQ_OP_PING, MSGQ_OP_LED_STATE, MSGQ_OP_STATS };
        struct msgq_client c;

        if (msgq_client_open(&c, key) < 0)
                _exit(10);
        for (int i = 0; i < n; i++) {
                struct msgq_request req = { .op = MSGQ_OP_LED_TOGGLE };
                struct msgq_reply rep;

                if (i < others)
                        req.op = other_ops[i % 3];
                if (msgq_client_call(&c, 1 + (i + (int) getpid()) % MSGQ_PRIO_MAX, &req, &rep,
                                     (uint64_t) timeout_ms) < 0)
                        _exit(11);
                if (rep.status != MSGQ_OK || rep.op != req.op)
                        _exit(12);
                shared_count(&tally->answered);
                count_led(req.op, rep.led.on);
        }
        msgq_client_close(&c);
        _exit(0);
}

/* A plain text client, as in any language: "TOGGLE pid=N", then its reply. */
static _Noreturn void text_client(key_t key, int timeout_s) {
        struct msgq_msgbuf m = { .mtype = MSGQ_PRIO_DEFAULT };
        int id = msgget(key, 0), len;
        ssize_t n;

        if (id < 0)
                _exit(20);
        alarm((unsigned) timeout_s); /* a hang kills the client: the test fails */
        len = snprintf((char *) m.body, sizeof m.body, "TOGGLE pid=%d", (int) getpid());
        if (msgsnd(id, &m, (size_t) len, 0) < 0)
                _exit(21);
        n = msgrcv(id, &m, MSGQ_MSG_MAX, msgq_reply_type((uint32_t) getpid()), 0);
        if (n < 0)
                _exit(22);
        m.body[n] = '\0';
        if (strcmp((char *) m.body, "OK led=on") == 0)
                shared_count(&tally->toggled_on);
        else if (strcmp((char *) m.body, "OK led=off") == 0)
                shared_count(&tally->toggled_off);
        else
                _exit(23);
        shared_count(&tally->answered);
        _exit(0);
}

/* The toggles' answers agree with their number, and the LED with both. */
static void assert_toggles(int toggles) {
        ck_assert_int_eq(tally->toggled_on + tally->toggled_off, toggles);
        ck_assert_int_eq(tally->toggled_on, (toggles + 1) / 2);
        ck_assert_int_eq(tally->toggled_off, toggles / 2);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE).led.on, toggles % 2);
}

/* ---- many clients on the default queue ---- */

START_TEST(test_hundred_clients_default_queue) {
        enum { CLIENTS = 100, EACH = 20 };
        const int toggles = CLIENTS * EACH - 1; /* client 0 pings once: an odd number */
        pid_t pids[CLIENTS];
        struct msqid_ds ds;
        struct msgq_stats s;
        FILE *f = fopen("/proc/sys/kernel/msgmnb", "r");
        unsigned long msgmnb = 0;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(fscanf(f, "%lu", &msgmnb), 1);
        fclose(f);
        daemon_start_checked(&dmn, test_key(), NULL);
        ck_assert_int_eq(msgq_queue_stat(msgget(dmn.key, 0), &ds), 0);
        ck_assert_uint_eq(ds.msg_qbytes, msgmnb); /* the default size: 16384 unless tuned */
        for (int i = 0; i < CLIENTS; i++) {
                pids[i] = fork();
                if (pids[i] == 0)
                        binary_client(dmn.key, EACH, i == 0, 20000);
                ck_assert_int_gt(pids[i], 0);
        }
        reap_children(pids, CLIENTS);
        ck_assert_int_eq(tally->answered, CLIENTS * EACH);
        assert_toggles(toggles);
        s = call(dmn.key, MSGQ_OP_STATS).stats;
        ck_assert_uint_eq(served(&s), CLIENTS * EACH + 2); /* and the state and stats calls */
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_eq(s.malformed, 0);
        ck_assert_uint_eq(s.replies_dropped, 0);
        ck_assert_uint_eq(s.replies_late, 0);
        ck_assert_int_eq(queue_count(dmn.key), 0); /* nothing left behind */
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * 1000 clients in four bursts of 250: each burst is forked, waits on a
 * pipe, and is let go at once; the next burst starts while the last is
 * still being served.  Half speak binary, half text.
 */
START_TEST(test_thousand_clients_in_bursts) {
        enum { BURSTS = 4, PER_BURST = 250, CLIENTS = BURSTS * PER_BURST };
        static pid_t pids[CLIENTS];
        struct msgq_stats s;

        daemon_start_checked(&dmn, test_key(), NULL);
        for (int b = 0; b < BURSTS; b++) {
                int gate[2];

                ck_assert_int_eq(pipe(gate), 0);
                for (int i = b * PER_BURST; i < (b + 1) * PER_BURST; i++) {
                        pids[i] = fork();
                        if (pids[i] == 0) {
                                char c;
                                close(gate[1]);
                                if (read(gate[0], &c, 1) != 0)
                                        _exit(30);
                                if (i % 2)
                                        text_client(dmn.key, 60);
                                binary_client(dmn.key, 1, 0, 30000);
                        }
                        ck_assert_int_gt(pids[i], 0);
                }
                close(gate[0]);
                close(gate[1]); /* go */
        }
        reap_children(pids, CLIENTS);
        ck_assert_int_eq(tally->answered, CLIENTS);
        assert_toggles(CLIENTS);
        s = call(dmn.key, MSGQ_OP_STATS).stats;
        ck_assert_uint_eq(served(&s), CLIENTS + 2);
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_eq(s.replies_dropped, 0);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- a client that never reads its replies ---- */

/*
 * Send requests that want replies, one every millisecond, and never read
 * one: binary pings with a 10 s deadline, or text "PING pid=N" (whose
 * replies live 30 s).  Before msgqd kept only a few uncollected replies
 * per client, such a client filled the queue for as long as it ran.
 */
static _Noreturn void slow_client(key_t key, bool text) {
        int id = msgget(key, 0);
        uint64_t token = 1;

        if (id < 0)
                _exit(40);
        for (;;) {
                struct msgq_request req = { .pid = (uint32_t) getpid(), .token = token++,
                                            .op = MSGQ_OP_PING,
                                            .deadline_ns = msgq_now_ns() + 10000000000ull };
                unsigned char body[MSGQ_MSG_MAX];
                int len = text ? snprintf((char *) body, sizeof body, "PING pid=%d", (int) getpid())
                               : msgq_request_encode(&req, body, sizeof body);

                if (msgq_queue_send(id, MSGQ_PRIO_DEFAULT, body, (size_t) len, 0) < 0)
                        _exit(41);
                shared_count(&tally->sent);
                sleep_ms(1);
        }
}

/* Remove and count what is on the queue for one reply type. */
static int drain_replies(int id, uint32_t pid) {
        unsigned char body[MSGQ_MSG_MAX];
        long mtype;
        int n = 0;

        while (msgq_queue_recv(id, msgq_reply_type(pid), &mtype, body, sizeof body,
                               IPC_NOWAIT | MSG_NOERROR) >= 0)
                n++;
        return n;
}

START_TEST(test_slow_client_does_not_starve_others) {
        enum { CLIENTS = 10, EACH = 20 };
        pid_t slow[2], pids[CLIENTS];
        long before;
        int id;

        daemon_start_checked(&dmn, test_key(), NULL);
        id = msgget(dmn.key, 0);
        for (int i = 0; i < 2; i++) {
                slow[i] = fork();
                if (slow[i] == 0)
                        slow_client(dmn.key, i == 1);
                ck_assert_int_gt(slow[i], 0);
        }
        /* Until their replies would have filled the queue twice over. */
        for (int i = 0; i < 1000 && shared_read(&tally->sent) < 2000; i++)
                sleep_ms(10);
        ck_assert_int_ge(tally->sent, 2000);

        for (int i = 0; i < CLIENTS; i++) {
                pids[i] = fork();
                if (pids[i] == 0)
                        binary_client(dmn.key, EACH, 0, 10000);
                ck_assert_int_gt(pids[i], 0);
        }
        reap_children(pids, CLIENTS);
        ck_assert_int_eq(tally->answered, CLIENTS * EACH);
        ck_assert_int_eq(tally->toggled_on, CLIENTS * EACH / 2);

        /* Hold the slow clients, let msgqd serve what they sent, count their replies. */
        for (int i = 0; i < 2; i++)
                ck_assert_int_eq(kill(slow[i], SIGSTOP), 0);
        before = -1;
        for (int i = 0; i < 100 && queue_count(dmn.key) != before; i++) {
                before = queue_count(dmn.key);
                sleep_ms(50);
        }
        for (int i = 0; i < 2; i++) {
                int kept = drain_replies(id, (uint32_t) slow[i]);
                ck_assert_msg(kept >= 1 && kept <= 32,
                              "%d uncollected replies kept for a %s client that never reads", kept,
                              i ? "text" : "binary");
                kill(slow[i], SIGKILL);
                waitpid(slow[i], NULL, 0);
        }
        ck_assert_uint_ge(call(dmn.key, MSGQ_OP_STATS).stats.replies_reclaimed, 1000);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- runner ---- */

/* Per test, in the parent: this suite's own state. */
static void reset(void) {
        memset(&dmn, 0, sizeof dmn);
}

int main(void) {
        Suite *s = suite_create("load");

        harness_init();
        tally = harness_shared(sizeof *tally);
        harness_set_hooks(reset, NULL);
        harness_add(s, "hundred-clients", test_hundred_clients_default_queue, 120);
        harness_add(s, "thousand-clients", test_thousand_clients_in_bursts, 120);
        harness_add(s, "slow-client", test_slow_client_does_not_starve_others, 120);
        return harness_run(s);
}
