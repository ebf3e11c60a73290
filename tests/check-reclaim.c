/* SPDX-License-Identifier: MIT */
/*
 * Unclaimed replies: the table of reply types and their latest expiry, and
 * sweeps over a real private System V queue.
 *
 * The queue is created in the test program itself (an unchecked fixture,
 * outside the forked tests) and removed there after the tests, whatever
 * became of them; a SIGTERM or SIGINT (a meson timeout) removes it as well.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "protocol.h"
#include "queue.h"
#include "reclaim.h"
#include "unit.h"

static volatile sig_atomic_t msqid = -1;

static void remove_queue(void) {
        if (msqid >= 0)
                msgctl(msqid, IPC_RMID, NULL);
        msqid = -1;
}

static void on_signal(int sig) {
        if (msqid >= 0)
                msgctl(msqid, IPC_RMID, NULL);
        _exit(128 + sig);
}

/* Unchecked: in the test program, once for the test case. */
static void queue_create(void) {
        msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        ck_assert_msg(msqid >= 0, "msgget: %s", strerror(errno));
}

static void queue_destroy(void) {
        remove_queue();
}

/* Checked: every test starts with an empty queue. */
static void queue_empty(void) {
        struct msgq_msgbuf m;

        ck_assert_int_ge(msqid, 0);
        while (msgrcv(msqid, &m, MSGQ_MSG_MAX, 0, IPC_NOWAIT | MSG_NOERROR) >= 0)
                ;
}

static void put(long mtype, int n) {
        for (int i = 0; i < n; i++) {
                char body[16];
                int len = snprintf(body, sizeof body, "%ld/%d", mtype, i);

                ck_assert_int_eq(msgq_queue_send(msqid, mtype, body, (size_t) len, IPC_NOWAIT), 0);
        }
}

/* Take (and count) whatever is left of type mtype. */
static int take(long mtype) {
        unsigned char body[MSGQ_MSG_MAX];
        long t;
        int n = 0;

        while (msgq_queue_recv(msqid, mtype, &t, body, sizeof body, IPC_NOWAIT | MSG_NOERROR) >= 0) {
                ck_assert_int_eq(t, mtype);
                n++;
        }
        return n;
}

static unsigned long queued(void) {
        struct msqid_ds ds;

        ck_assert_int_eq(msgq_queue_stat(msqid, &ds), 0);
        return (unsigned long) ds.msg_qnum;
}

/* The table's entry for mtype, or NULL: looked up the slow way. */
static const struct reclaim_entry *entry(const struct reclaim *r, long mtype) {
        const struct reclaim_entry *found = NULL;

        for (size_t i = 0; i < r->size; i++)
                if (r->slots[i].mtype == mtype) {
                        ck_assert_msg(!found, "type %ld twice in the table", mtype);
                        found = &r->slots[i];
                }
        return found;
}

#define A msgq_reply_type(100)
#define B msgq_reply_type(200)
#define C msgq_reply_type(300)
#define D msgq_reply_type(400)

/* ---- the table ---- */

START_TEST(init_empty) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        ck_assert_uint_eq(reclaim_next(&r), UINT64_MAX);
        ck_assert_uint_eq(r.used, 0);
        ck_assert_uint_eq(r.size, 64);
        /* A sweep of an empty table has nothing to do, even "at the end of time". */
        ck_assert_uint_eq(reclaim_sweep(&r, -1, UINT64_MAX - 1), 0);
        ck_assert_uint_eq(reclaim_next(&r), UINT64_MAX);
        reclaim_done(&r);
}
END_TEST

START_TEST(note_next_is_earliest) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        ck_assert_int_eq(reclaim_note(&r, A, 500), 1);
        ck_assert_uint_eq(reclaim_next(&r), 500);
        ck_assert_int_eq(reclaim_note(&r, B, 300), 1);
        ck_assert_uint_eq(reclaim_next(&r), 300);
        ck_assert_int_eq(reclaim_note(&r, C, 400), 0);
        ck_assert_uint_eq(reclaim_next(&r), 300);
        ck_assert_int_eq(reclaim_note(&r, D, 300), 0); /* not earlier: no re-arm */
        ck_assert_uint_eq(reclaim_next(&r), 300);
        ck_assert_uint_eq(r.used, 4);
        ck_assert_uint_eq(entry(&r, A)->expires_ns, 500);
        ck_assert_uint_eq(entry(&r, B)->expires_ns, 300);
        ck_assert_uint_eq(entry(&r, C)->expires_ns, 400);
        ck_assert_uint_eq(entry(&r, D)->expires_ns, 300);
        ck_assert_ptr_null(entry(&r, msgq_reply_type(500)));
        reclaim_done(&r);
}
END_TEST

START_TEST(note_same_type_keeps_latest) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        ck_assert_int_eq(reclaim_note(&r, A, 100), 1);
        ck_assert_int_eq(reclaim_note(&r, A, 200), 0);
        ck_assert_uint_eq(entry(&r, A)->expires_ns, 200);
        ck_assert_int_eq(reclaim_note(&r, A, 150), 0);
        ck_assert_uint_eq(entry(&r, A)->expires_ns, 200);
        ck_assert_uint_eq(r.used, 1);
        /* The earlier expiry stays a lower bound: no sweep misses anything. */
        ck_assert_uint_le(reclaim_next(&r), 200);
        reclaim_done(&r);
}
END_TEST

START_TEST(note_same_type_earlier_does_not_move) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        ck_assert_int_eq(reclaim_note(&r, A, 100), 1);
        ck_assert_uint_eq(reclaim_next(&r), 100);
        /*
         * A's replies last until 100 whatever comes later: an earlier expiry
         * of the same type changes nothing, so nothing is to be re-armed.
         */
        ck_assert_int_eq(reclaim_note(&r, A, 50), 0);
        ck_assert_uint_eq(entry(&r, A)->expires_ns, 100);
        ck_assert_uint_eq(reclaim_next(&r), 100);
        reclaim_done(&r);
}
END_TEST

START_TEST(growth_past_initial_size) {
        enum { N = 1000 };
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        /* In an order that is neither that of the types nor of the expiries. */
        for (unsigned k = 0; k < N; k++) {
                unsigned i = (k * 367u) % N;
                int moved = reclaim_note(&r, msgq_reply_type(1 + i), 10000u + i);

                ck_assert_int_ge(moved, 0);
        }
        ck_assert_uint_eq(r.used, N);
        ck_assert_uint_ge(r.size * 3, (size_t) N * 4); /* at most three quarters full */
        ck_assert_uint_eq(r.size & (r.size - 1), 0);   /* a power of two */
        for (unsigned i = 0; i < N; i++) {
                const struct reclaim_entry *e = entry(&r, msgq_reply_type(1 + i));

                ck_assert_msg(e != NULL, "type %u lost", i);
                ck_assert_uint_eq(e->expires_ns, 10000u + i);
        }
        ck_assert_uint_eq(reclaim_next(&r), 10000);
        /* Noting known types again does not add any. */
        for (unsigned i = 0; i < N; i++)
                ck_assert_int_eq(reclaim_note(&r, msgq_reply_type(1 + i), 20000u), 0);
        ck_assert_uint_eq(r.used, N);
        ck_assert_uint_eq(entry(&r, msgq_reply_type(N))->expires_ns, 20000);
        reclaim_done(&r);
}
END_TEST

struct noter {
        struct reclaim *r;
        unsigned first;
};

static void *note_many(void *userdata) {
        struct noter *n = userdata;

        for (unsigned i = 0; i < 250; i++)
                if (reclaim_note(n->r, msgq_reply_type(n->first + i), 5000u + n->first + i) < 0)
                        return (void *) 1;
        return NULL;
}

START_TEST(note_from_threads) {
        struct reclaim r;
        pthread_t t[4];
        struct noter n[4];

        ck_assert_int_eq(reclaim_init(&r), 0);
        for (int i = 0; i < 4; i++) {
                n[i] = (struct noter) { .r = &r, .first = 1 + 250u * (unsigned) i };
                ck_assert_int_eq(pthread_create(&t[i], NULL, note_many, &n[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
                void *ret;

                ck_assert_int_eq(pthread_join(t[i], &ret), 0);
                ck_assert_ptr_null(ret);
        }
        ck_assert_uint_eq(r.used, 1000);
        for (unsigned i = 1; i <= 1000; i++) {
                const struct reclaim_entry *e = entry(&r, msgq_reply_type(i));

                ck_assert_msg(e != NULL, "type %u lost", i);
                ck_assert_uint_eq(e->expires_ns, 5000u + i);
        }
        ck_assert_uint_eq(reclaim_next(&r), 5001);
        reclaim_done(&r);
}
END_TEST

/* ---- sweeps over a real queue ---- */

START_TEST(sweep_nothing_due) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        reclaim_note(&r, A, 1000);
        reclaim_note(&r, B, 2000);
        put(A, 2);
        put(B, 1);
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 0), 0);
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 999), 0);
        ck_assert_uint_eq(r.used, 2);
        ck_assert_uint_eq(reclaim_next(&r), 1000);
        ck_assert_ptr_nonnull(entry(&r, A));
        ck_assert_ptr_nonnull(entry(&r, B));
        ck_assert_uint_eq(queued(), 3);
        ck_assert_int_eq(take(A), 2);
        ck_assert_int_eq(take(B), 1);
        reclaim_done(&r);
}
END_TEST

START_TEST(sweep_removes_only_expired_types) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        reclaim_note(&r, A, 100);
        reclaim_note(&r, B, 200);
        reclaim_note(&r, C, 300);
        put(A, 3);
        put(B, 2);
        put(C, 1);
        put(D, 2);             /* a reply type nobody noted */
        put(1, 1);             /* requests */
        put(MSGQ_PRIO_MAX, 2);
        put(A, 1);             /* after the others */
        ck_assert_uint_eq(queued(), 12);

        /* At 200: A and B are due (the boundary included), C is not. */
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 200), 6);
        ck_assert_uint_eq(queued(), 6);
        ck_assert_uint_eq(r.used, 1);
        ck_assert_ptr_null(entry(&r, A));
        ck_assert_ptr_null(entry(&r, B));
        ck_assert_uint_eq(entry(&r, C)->expires_ns, 300);
        ck_assert_uint_eq(reclaim_next(&r), 300);

        /* Nothing more until 300. */
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 299), 0);
        ck_assert_uint_eq(queued(), 6);

        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 300), 1);
        ck_assert_uint_eq(r.used, 0);
        ck_assert_uint_eq(reclaim_next(&r), UINT64_MAX);
        ck_assert_uint_eq(queued(), 5);

        /* The requests and the untracked type are all still there. */
        ck_assert_int_eq(take(A), 0);
        ck_assert_int_eq(take(B), 0);
        ck_assert_int_eq(take(C), 0);
        ck_assert_int_eq(take(D), 2);
        ck_assert_int_eq(take(1), 1);
        ck_assert_int_eq(take(MSGQ_PRIO_MAX), 2);
        ck_assert_uint_eq(queued(), 0);
        reclaim_done(&r);
}
END_TEST

START_TEST(sweep_keeps_request_order) {
        static const char *const bodies[] = { "first", "second", "third" };
        struct reclaim r;
        struct msgq_msgbuf m;

        ck_assert_int_eq(reclaim_init(&r), 0);
        reclaim_note(&r, A, 10);
        for (int i = 0; i < 3; i++) {
                ck_assert_int_eq(msgq_queue_send(msqid, 5, bodies[i], strlen(bodies[i]), IPC_NOWAIT), 0);
                put(A, 1);
        }
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 10), 3);
        /* The requests that stay keep their order. */
        for (int i = 0; i < 3; i++) {
                ssize_t n = msgrcv(msqid, &m, MSGQ_MSG_MAX, 0, IPC_NOWAIT);

                ck_assert_int_eq(n, (ssize_t) strlen(bodies[i]));
                ck_assert_int_eq(m.mtype, 5);
                ck_assert_mem_eq(m.body, bodies[i], (size_t) n);
        }
        ck_assert_uint_eq(queued(), 0);
        reclaim_done(&r);
}
END_TEST

START_TEST(sweep_expired_type_without_messages) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        reclaim_note(&r, A, 100);
        reclaim_note(&r, B, 500);
        put(B, 1);
        /* A's client took its replies: nothing to remove, but A is forgotten. */
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 100), 0);
        ck_assert_ptr_null(entry(&r, A));
        ck_assert_uint_eq(r.used, 1);
        ck_assert_uint_eq(reclaim_next(&r), 500);
        ck_assert_uint_eq(queued(), 1);

        /* A type can be noted again after its sweep. */
        ck_assert_int_eq(reclaim_note(&r, A, 400), 1);
        ck_assert_uint_eq(reclaim_next(&r), 400);
        put(A, 2);
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 450), 2);
        ck_assert_uint_eq(reclaim_next(&r), 500);
        ck_assert_int_eq(take(B), 1);
        reclaim_done(&r);
}
END_TEST

START_TEST(sweep_after_later_note_keeps_type) {
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        reclaim_note(&r, A, 100);
        reclaim_note(&r, A, 300); /* a newer reply to the same client */
        put(A, 2);
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 200), 0);
        ck_assert_uint_eq(queued(), 2);
        ck_assert_uint_eq(reclaim_next(&r), 300);
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 300), 2);
        ck_assert_uint_eq(queued(), 0);
        ck_assert_uint_eq(reclaim_next(&r), UINT64_MAX);
        reclaim_done(&r);
}
END_TEST

START_TEST(sweep_many_types) {
        enum { N = 1000 };
        struct reclaim r;

        ck_assert_int_eq(reclaim_init(&r), 0);
        for (unsigned i = 0; i < N; i++)
                ck_assert_int_ge(reclaim_note(&r, msgq_reply_type(1 + i), 1000u + i), 0);
        /* A message for every tenth type. */
        for (unsigned i = 0; i < N; i += 10)
                put(msgq_reply_type(1 + i), 1);
        put(3, 1);

        /* Types 0..499 expire by 1499: 50 of them have a message. */
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 1499), 50);
        ck_assert_uint_eq(r.used, 500);
        ck_assert_uint_eq(reclaim_next(&r), 1500);
        ck_assert_uint_eq(queued(), 51);
        ck_assert_ptr_null(entry(&r, msgq_reply_type(1 + 499)));
        ck_assert_ptr_nonnull(entry(&r, msgq_reply_type(1 + 500)));

        ck_assert_uint_eq(reclaim_sweep(&r, msqid, UINT64_MAX - 1), 50);
        ck_assert_uint_eq(r.used, 0);
        ck_assert_uint_eq(reclaim_next(&r), UINT64_MAX);
        ck_assert_uint_eq(queued(), 1);
        ck_assert_int_eq(take(3), 1);
        reclaim_done(&r);
}
END_TEST

/*
 * A sweep that removes every third type, scattered through clusters, works
 * in place (the same slots, nothing allocated) and leaves every survivor
 * where a lookup from its home finds it: noting it again adds no entry.
 */
START_TEST(sweep_in_place_keeps_survivors_reachable) {
        enum { N = 700 };
        struct reclaim r;
        const struct reclaim_entry *slots;
        size_t used;

        ck_assert_int_eq(reclaim_init(&r), 0);
        for (unsigned i = 0; i < N; i++)
                ck_assert_int_ge(reclaim_note(&r, msgq_reply_type(1 + i), i % 3 == 0 ? 100u : 5000u), 0);
        slots = r.slots;
        ck_assert_uint_eq(reclaim_sweep(&r, msqid, 100), 0);
        ck_assert_ptr_eq(r.slots, slots);
        ck_assert_uint_eq(r.used, N - (N + 2) / 3);
        ck_assert_uint_eq(reclaim_next(&r), 5000);
        used = r.used;
        for (unsigned i = 0; i < N; i++) {
                long type = msgq_reply_type(1 + i);

                if (i % 3 == 0) {
                        ck_assert_ptr_null(entry(&r, type));
                        continue;
                }
                ck_assert_ptr_nonnull(entry(&r, type));
                ck_assert_int_ge(reclaim_note(&r, type, 5000u), 0);
                ck_assert_msg(r.used == used, "type %ld not found from its home after the sweep", type);
                ck_assert_ptr_nonnull(entry(&r, type)); /* and only once */
        }
        reclaim_done(&r);
}
END_TEST

/*
 * Under pressure: the types of PIDs no process has go at once, with what is
 * on the queue for them; those of live PIDs stay until their latest reply
 * is stale_ns old; requests and other types stay.
 */
START_TEST(relieve_gone_then_stale) {
        pid_t kid = fork();
        long live = msgq_reply_type((uint32_t) getpid()), gone;
        struct reclaim r;

        ck_assert_int_ge(kid, 0);
        if (kid == 0)
                _exit(0);
        ck_assert_int_eq(waitpid(kid, NULL, 0), kid); /* its PID is free now */
        gone = msgq_reply_type((uint32_t) kid);
        ck_assert_int_eq(reclaim_init(&r), 0);
        reclaim_note(&r, live, UINT64_MAX - 1);
        reclaim_note(&r, gone, UINT64_MAX - 1);
        put(live, 3);
        put(gone, 4);
        put(5, 1); /* a request */
        ck_assert_uint_eq(reclaim_relieve(&r, msqid, 1000, UINT64_MAX), 4);
        ck_assert_ptr_null(entry(&r, gone));
        ck_assert_ptr_nonnull(entry(&r, live));
        ck_assert_uint_eq(queued(), 4);
        ck_assert_uint_eq(reclaim_relieve(&r, msqid, entry(&r, live)->last_ns + 1999, 2000), 0);
        ck_assert_uint_eq(reclaim_relieve(&r, msqid, entry(&r, live)->last_ns + 2000, 2000), 3);
        ck_assert_uint_eq(r.used, 0);
        ck_assert_uint_eq(reclaim_next(&r), UINT64_MAX);
        ck_assert_int_eq(take(5), 1);
        reclaim_done(&r);
}
END_TEST

static Suite *reclaim_suite(void) {
        Suite *s = suite_create("reclaim");
        TCase *table = tcase_create("table");
        TCase *queue = tcase_create("queue");

        tcase_add_test(table, init_empty);
        tcase_add_test(table, note_next_is_earliest);
        tcase_add_test(table, note_same_type_keeps_latest);
        tcase_add_test(table, note_same_type_earlier_does_not_move);
        tcase_add_test(table, growth_past_initial_size);
        tcase_add_test(table, note_from_threads);
        suite_add_tcase(s, table);

        tcase_add_unchecked_fixture(queue, queue_create, queue_destroy);
        tcase_add_checked_fixture(queue, queue_empty, NULL);
        tcase_add_test(queue, sweep_nothing_due);
        tcase_add_test(queue, sweep_removes_only_expired_types);
        tcase_add_test(queue, sweep_keeps_request_order);
        tcase_add_test(queue, sweep_expired_type_without_messages);
        tcase_add_test(queue, sweep_after_later_note_keeps_type);
        tcase_add_test(queue, sweep_many_types);
        tcase_add_test(queue, sweep_in_place_keeps_survivors_reachable);
        tcase_add_test(queue, relieve_gone_then_stale);
        suite_add_tcase(s, queue);
        return s;
}

int main(void) {
        int ret;

        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        ret = unit_run(reclaim_suite());
        remove_queue(); /* should the teardown not have run */
        return ret;
}
