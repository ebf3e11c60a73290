/* SPDX-License-Identifier: MIT */
/*
 * Integration: libmsgq's calls (msgq.h) against the real msgqd --sim, as
 * a program on the board uses them: through the shared library only (this
 * file includes nothing of the tree's but msgq.h and the harness).  A
 * dead daemon, a deadline, a cancel from another thread, a removed queue,
 * a full queue, permission denied, two handles in one process, a handle
 * used from another thread and fork after open.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "msgq.h"
#ifdef MSGQ_TEST_HOOKS
#include "msgq-test-hooks.h"
#endif

static struct daemon d;

static struct msgq *open_daemon(void) {
        struct msgq *h = NULL;

        daemon_start_checked(&d, test_key(), NULL);
        ck_assert_int_eq(msgq_open(&h, d.key), 0);
        ck_assert_ptr_nonnull(h);
        return h;
}

/* Whether every thread of process pid is stopped (its serving thread stops after its main one). */
static bool all_stopped(pid_t pid) {
        char path[64], stat[512];
        struct dirent *e;
        bool all = true;
        int n = 0;
        DIR *dir;

        snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
        dir = opendir(path);
        if (!dir)
                return false;
        while (all && (e = readdir(dir))) {
                FILE *f;
                char *p = NULL;

                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof path, "/proc/%d/task/%.16s/stat", (int) pid, e->d_name);
                f = fopen(path, "r");
                if (f && fgets(stat, sizeof stat, f))
                        p = strrchr(stat, ')');
                if (f)
                        fclose(f);
                all = p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't');
                n++;
        }
        closedir(dir);
        return all && n > 0;
}

/* SIGSTOP, and wait until all of msgqd is stopped: then it answers nothing. */
static void daemon_pause(void) {
        ck_assert_int_eq(kill(d.pid, SIGSTOP), 0);
        for (int i = 0; i < 5000; i++) {
                if (all_stopped(d.pid))
                        return;
                sleep_ms(1);
        }
        ck_abort_msg("msgqd (PID %d) did not stop", (int) d.pid);
}

/* With msgqd paused: wait until its queue holds more than before (a request came). */
static void queue_wait_more(long before) {
        long now = before;

        for (int i = 0; i < scaled(5000) && now <= before; i++) {
                sleep_ms(1);
                now = queue_count(d.key);
        }
        ck_assert_msg(now > before, "msgqd's queue still holds %ld messages, as before", now);
}

/* Wait until msgqd's queue holds at most n messages (msgqd took what came after). */
static void queue_wait_down_to(long n) {
        long now = queue_count(d.key);

        for (int i = 0; i < scaled(5000) && now > n; i++) {
                sleep_ms(1);
                now = queue_count(d.key);
        }
        ck_assert_msg(now <= n, "msgqd's queue still holds %ld messages, not %ld", now, n);
}

/*
 * Start fn(arg) in *t with msgqd paused, and return once its watch is sent
 * and msgqd has taken it: a cancel then ends that call, never one not begun.
 */
static void start_watch_taken(pthread_t *t, void *(*fn)(void *), void *arg) {
        long queued;

        daemon_pause();
        queued = queue_count(d.key);
        ck_assert_int_eq(pthread_create(t, NULL, fn, arg), 0);
        queue_wait_more(queued);        /* the watch is sent */
        ck_assert_int_eq(kill(d.pid, SIGCONT), 0);
        queue_wait_down_to(queued);     /* and waits in msgqd */
}

static void finish(void) {
        if (d.pid > 0) {
                kill(d.pid, SIGCONT);
                daemon_stop(&d);
        }
        memset(&d, 0, sizeof d);
}

START_TEST(test_calls) {
        struct msgq *h = open_daemon();
        struct msgq_led_state led;
        struct msgq_stats stats;

        ck_assert_int_eq(msgq_key(h), d.key);
        ck_assert_int_eq(msgq_ping(h), 0);
        ck_assert_uint_eq(msgq_daemon_pid(h), (uint32_t) d.pid);
        ck_assert_int_eq(msgq_led_on(h, &led), 0);
        ck_assert_uint_eq(led.on, 1);
        ck_assert_int_eq(msgq_led_toggle(h, &led), 0);
        ck_assert_uint_eq(led.on, 0);
        ck_assert_int_eq(msgq_led_blink(h, 500, 4, &led), 0);
        ck_assert_uint_eq(led.blinking, 1);
        ck_assert_uint_eq(led.period_ms, 500);
        ck_assert_int_eq(msgq_led_off(h, NULL), 0);
        ck_assert_int_eq(msgq_led_state(h, &led), 0);
        ck_assert_uint_eq(led.on, 0);
        ck_assert_uint_eq(led.blinking, 0);
        ck_assert_int_eq(msgq_send(h, "hello from libmsgq"), 0);
        ck_assert(daemon_log_wait(&d, "hello from libmsgq", scaled(5000)));
        ck_assert_int_eq(msgq_get_stats(h, &stats, &led), 0);
        ck_assert_uint_eq(stats.daemon_pid, (uint32_t) d.pid);
        ck_assert_uint_ge(stats.served[MSGQ_PRIO_DEFAULT - 1], 8);

        /* msgqd's refusal: its status, the errno for it, its words. */
        ck_assert_int_eq(msgq_led_blink(h, 10, 0, &led), -EINVAL);
        ck_assert_int_eq(msgq_daemon_status(h), MSGQ_ERR_INVALID);
        ck_assert_str_eq(msgq_errmsg(h), "invalid argument");
        ck_assert_int_eq(msgq_ping(h), 0);
        ck_assert_int_eq(msgq_daemon_status(h), MSGQ_OK);

        /* The handle's settings are checked. */
        ck_assert_int_eq(msgq_set_priority(h, 0), -EINVAL);
        ck_assert_int_eq(msgq_set_priority(h, 11), -EINVAL);
        ck_assert_int_eq(msgq_set_timeout(h, 0), -EINVAL);
        ck_assert_int_eq(msgq_set_timeout(h, MSGQ_TIMEOUT_MAX_MS + 1), -EINVAL);
        ck_assert_int_eq(msgq_led_watch(h, 0, 0, &led), -EINVAL);
        ck_assert_int_eq(msgq_set_priority(h, 1), 0);
        ck_assert_int_eq(msgq_ping(h), 0);
        ck_assert_int_eq(msgq_get_stats(h, &stats, NULL), 0);
        ck_assert_uint_eq(stats.served[0], 2); /* the ping and this request */
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* A watch answers at once when behind, else on the next change. */
START_TEST(test_watch) {
        struct msgq *h = open_daemon(), *other = NULL;
        struct msgq_led_state led, now;

        ck_assert_int_eq(msgq_open(&other, d.key), 0);
        ck_assert_int_eq(msgq_led_state(h, &now), 0);
        ck_assert_int_eq(msgq_led_watch(h, now.changes, 200, &led), -ETIMEDOUT);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(h), "within 200 ms"));
        ck_assert_int_eq(msgq_led_on(other, NULL), 0);
        ck_assert_int_eq(msgq_led_watch(h, now.changes, scaled(5000), &led), 0);
        ck_assert_uint_eq(led.on, 1);
        ck_assert_uint_gt(led.changes, now.changes);
        msgq_close(other);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* The wall clock now, in ns. */
static uint64_t wall_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

static uint64_t mono_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

/*
 * Each LED call says when msgqd made the state: the change a watch tells
 * of, on both clocks; a state asked for later has the same time.
 */
START_TEST(test_watch_time) {
        struct msgq *h = open_daemon(), *other = NULL;
        struct msgq_led_state led, now;
        uint64_t w0, m0, w1, m1, t, mono, t2, mono2;

        ck_assert_int_eq(msgq_open(&other, d.key), 0);
        ck_assert_int_eq(msgq_led_time(h, &t, &mono), -ENODATA); /* no LED call yet */
        ck_assert_int_eq(msgq_led_state(h, &now), 0);
        ck_assert_int_eq(msgq_led_time(h, &t, NULL), 0);
        ck_assert_uint_gt(t, 0);
        w0 = wall_ns();
        m0 = mono_ns();
        ck_assert_int_eq(msgq_led_on(other, NULL), 0);
        w1 = wall_ns();
        m1 = mono_ns();
        ck_assert_int_eq(msgq_led_watch(h, now.changes, scaled(5000), &led), 0);
        ck_assert_int_eq(msgq_led_time(h, &t, &mono), 0);
        ck_assert_uint_ge(t, w0);
        ck_assert_uint_le(t, w1);
        ck_assert_uint_ge(mono, m0);
        ck_assert_uint_le(mono, m1);
        sleep_ms(20);
        ck_assert_int_eq(msgq_led_state(h, &now), 0);
        ck_assert_int_eq(msgq_led_time(h, &t2, &mono2), 0);
        ck_assert_uint_eq(t2, t);
        ck_assert_uint_eq(mono2, mono);
        ck_assert_int_eq(msgq_led_blink(h, 10, 0, NULL), -EINVAL); /* refused: no state, no time */
        ck_assert_int_eq(msgq_led_time(h, &t2, &mono2), -ENODATA);
        msgq_close(other);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/*
 * An msgqd older than the time (a stand-in on a queue of its own, which
 * answers as msgqd 0.1 did: a request with flag 2 is an invalid argument):
 * the LED calls still work, without the time, and the handle asks no more.
 */
static _Noreturn void old_msgqd(int msqid) {
        struct { long mtype; unsigned char body[512]; } m;
        uint32_t served = 0, refused = 0; /* the LED it tells of says how many it refused, as period_ms */

        for (;;) {
                ssize_t n = msgrcv(msqid, &m, sizeof m.body, -10, 0);
                uint32_t pid, status;
                uint16_t flags, op, payload, line;
                unsigned char rep[64] = { 'M', 'Q', 0, 1 };

                if (n < 40)
                        _exit(0);
                memcpy(&pid, m.body + 4, 4);
                memcpy(&op, m.body + 24, 2);
                memcpy(&flags, m.body + 26, 2);
                memcpy(&line, m.body + 38, 2);
                /* msgq 0.1: ops from 11 on unknown (3), offset 38 reserved (1), flag 2 invalid (4) */
                status = op > 10 ? 3 : line != 0 ? 1 : flags & ~1u ? 4 : 0;
                refused += status == 4;
                payload = status ? 16 : 12;
                memcpy(rep + 4, &status, 4);
                memcpy(rep + 8, m.body + 8, 8); /* the token */
                memcpy(rep + 16, m.body + 16, 8); /* expires: the deadline will do */
                memcpy(rep + 24, &op, 2);
                memcpy(rep + 26, &payload, 2);
                if (status)
                        memcpy(rep + 40, "invalid argument", 16);
                else {
                        rep[40] = (unsigned char) (++served & 1); /* on, off, ... */
                        memcpy(rep + 44, &refused, 4);
                }
                m.mtype = 1000000000L + pid;
                memcpy(m.body, rep, 40u + payload);
                if (msgsnd(msqid, &m, 40u + payload, 0) < 0)
                        _exit(0);
        }
}

START_TEST(test_older_msgqd_without_time) {
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | 0600);
        struct msgq_led_state led;
        struct msgq *h = NULL;
        pid_t old;

        ck_assert_int_ge(id, 0);
        old = fork();
        ck_assert_int_ge(old, 0);
        if (old == 0)
                old_msgqd(id);
        ck_assert_int_eq(msgq_open(&h, key), 0);
        for (int i = 0; i < 3; i++) {
                memset(&led, 0xff, sizeof led);
                ck_assert_int_eq(msgq_led_on(h, &led), 0);
                ck_assert_uint_eq(led.on, (unsigned) (i % 2 ? 0 : 1));
                ck_assert_uint_eq(led.period_ms, 1); /* the first was refused, then asked again without */
                ck_assert_int_eq(msgq_led_time(h, NULL, NULL), -ENODATA);
        }
        /* The line calls: said to be more than it serves. */
        ck_assert_int_eq(msgq_line_list(h, NULL, 0), -EOPNOTSUPP);
        ck_assert_msg(strstr(msgq_errmsg(h), "serves the LED only") != NULL, "%s", msgq_errmsg(h));
        ck_assert_int_eq(msgq_line_on(h, 1, &led), -EBADMSG);
        ck_assert_msg(strstr(msgq_errmsg(h), "serves the LED only") != NULL, "%s", msgq_errmsg(h));
        ck_assert_int_eq(msgq_line_on(h, 0, &led), 0);
        msgq_close(h);
        msgctl(id, IPC_RMID, NULL);
        waitpid(old, NULL, 0);
}
END_TEST

/*
 * The line calls' arguments, checked before anything is sent, each
 * refusal in words naming what is wrong; line 0 is the LED.
 */
START_TEST(test_line_arguments) {
        struct msgq *h = open_daemon();
        struct msgq_led_state st, led;
        struct msgq_change ch[2];

        ck_assert_int_eq(msgq_line_on(h, 0, &st), 0);
        ck_assert_int_eq(msgq_led_state(h, &led), 0);
        ck_assert_uint_eq(led.on, 1);
        ck_assert_uint_eq(led.changes, st.changes);
        ck_assert_int_eq(msgq_line_blink(h, MSGQ_LINES_MAX, 400, 0, &st), -EINVAL);
        ck_assert_str_eq(msgq_errmsg(h), "line 64: out of range: a line's index is 0 to 63");
        ck_assert_int_eq(msgq_daemon_status(h), 0);
        ck_assert_int_eq(msgq_line_wait(h, 1, 0, 0, &st), -EINVAL);
        ck_assert_int_eq(msgq_line_watch(h, 1, 0, 0, ch, 2, NULL), -EINVAL);
        ck_assert_int_eq(msgq_line_watch(h, 1, 0, 200, ch, 0, NULL), -EINVAL);
        ck_assert_int_eq(msgq_line_watch(h, 70, 0, 200, ch, 2, NULL), -EINVAL);
        ck_assert_str_eq(msgq_errmsg(h), "line 70: out of range: a line's index is 0 to 63");
        ck_assert_int_eq(msgq_line_set(h, (const struct msgq_line_level[]) {
                                 { .line = 1, .on = 0 }, { .line = 1, .on = 1 } }, 2, NULL), -EINVAL);
        ck_assert_str_eq(msgq_errmsg(h), "line 1: set twice in one request");
        ck_assert_int_eq(msgq_line_set(h, (const struct msgq_line_level[]) { { .line = 1, .on = 2 } },
                                       1, NULL), -EINVAL);
        ck_assert_str_eq(msgq_errmsg(h), "line 1: level 2: expected 0 (off) or 1 (on)");
        ck_assert_int_eq(msgq_line_set(h, (const struct msgq_line_level[]) { { .line = 99, .on = 1 } },
                                       1, NULL), -EINVAL);
        ck_assert_str_eq(msgq_errmsg(h), "line 99: out of range: a line's index is 0 to 63");
        ck_assert_int_eq(msgq_line_set(h, NULL, 0, NULL), -EINVAL);
        ck_assert_str_eq(msgq_errmsg(h), "a set takes 1 to 64 lines, not 0");
        ck_assert_int_eq(msgq_line_find(h, "pump!"), -EINVAL);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(h), "'pump!' is not a line's name"));
        ck_assert_int_eq(msgq_line_find(h, ""), -EINVAL);
        ck_assert_int_eq(msgq_line_find(h, "a234567890123456789012345678901x"), -EINVAL);
        ck_assert_int_eq(msgq_line_find(h, NULL), -EINVAL);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* No queue: -ENOENT from open; killed with its queue left: the deadline. */
START_TEST(test_dead_daemon) {
        struct msgq *h = NULL;

        ck_assert_int_eq(msgq_open(&h, test_key()), -ENOENT);
        ck_assert_ptr_null(h);
        ck_assert_str_eq(msgq_strerror(-ENOENT), "no queue with that key (is msgqd running?)");
        h = open_daemon();
        daemon_kill(&d);
        ck_assert_int_eq(msgq_set_timeout(h, 300), 0);
        ck_assert_int_eq(msgq_ping(h), -ETIMEDOUT);
        ck_assert_int_eq(msgq_daemon_status(h), 0);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(h), "no answer from msgqd within 300 ms"));
        msgq_close(h);
}
END_TEST

/* A daemon that does not answer (stopped): the call ends at its deadline, the next works. */
START_TEST(test_deadline) {
        struct msgq *h = open_daemon();

        ck_assert_int_eq(msgq_set_timeout(h, 200), 0);
        daemon_pause();
        ck_assert_int_eq(msgq_led_on(h, NULL), -ETIMEDOUT);
        kill(d.pid, SIGCONT);
        ck_assert_int_eq(msgq_set_timeout(h, scaled(5000)), 0);
        ck_assert_int_eq(msgq_ping(h), 0);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

struct waiter {
        struct msgq *h;
        uint64_t since;
        int r;
};

static void *watch_long(void *arg) {
        struct waiter *w = arg;
        struct msgq_led_state led;

        /* Far longer than the test may take: only a cancel ends it. */
        w->r = msgq_led_watch(w->h, w->since, MSGQ_TIMEOUT_MAX_MS, &led);
        return NULL;
}

static void *ping_long(void *arg) {
        struct waiter *w = arg;

        w->r = msgq_ping(w->h);
        return NULL;
}

START_TEST(test_cancel) {
        struct waiter w = { .h = open_daemon(), .r = 1 };
        struct msgq_led_state led;
        long queued;
        pthread_t t;

        daemon_pause(); /* and a msgqd that never answers */
        queued = queue_count(d.key);
        ck_assert_int_eq(msgq_set_timeout(w.h, MSGQ_TIMEOUT_MAX_MS), 0);
        ck_assert_int_eq(pthread_create(&t, NULL, ping_long, &w), 0);
        queue_wait_more(queued); /* its request sent: the call is in progress */
        msgq_cancel(w.h);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(w.r, -ECANCELED);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(w.h), "cancelled"));
        kill(d.pid, SIGCONT);

        w.r = 1;
        ck_assert_int_eq(msgq_led_state(w.h, &led), 0);
        w.since = led.changes; /* a watch of the LED as it is: msgqd will not answer it */
        daemon_pause();
        queued = queue_count(d.key); /* the reply to the cancelled ping may be there */
        ck_assert_int_eq(pthread_create(&t, NULL, watch_long, &w), 0);
        queue_wait_more(queued); /* its request sent: the call is in progress */
        msgq_cancel(w.h);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(w.r, -ECANCELED);
        kill(d.pid, SIGCONT);
        /* A cancel with no call in progress changes nothing. */
        msgq_cancel(w.h);
        ck_assert_int_eq(msgq_set_timeout(w.h, scaled(5000)), 0);
        ck_assert_int_eq(msgq_ping(w.h), 0);
        msgq_close(w.h);
        daemon_stop_checked(&d);
}
END_TEST

#ifdef MSGQ_TEST_HOOKS
/*
 * The test build of libmsgq (check-libmsgq-hooked) pauses msgq_cancel()
 * where a thread can be preempted for as long as the scheduler likes:
 * after it has seen the call in progress, before it marks it.
 */
static struct {
        int seen;       /* __atomic: msgq_cancel() has seen a call in progress */
        int go;         /* __atomic: let it go on */
} gate;

static void cancel_paused(struct msgq *h) {
        (void) h;
        __atomic_store_n(&gate.seen, 1, __ATOMIC_RELEASE);
        while (!__atomic_load_n(&gate.go, __ATOMIC_ACQUIRE))
                sleep_ms(1);
}

static void *cancel_now(void *arg) {
        msgq_cancel(arg);
        return NULL;
}

/* Whether thread tid of this process sleeps (blocked in msgrcv, here). */
static bool thread_sleeps(pid_t tid) {
        char stat[512], *p = NULL;
        FILE *f = fopen(fmt("/proc/self/task/%d/stat", (int) tid), "r");

        if (f && fgets(stat, sizeof stat, f))
                p = strrchr(stat, ')');
        if (f)
                fclose(f);
        return p && p[1] == ' ' && p[2] == 'S';
}

static void wait_until_sleeps(pid_t tid) {
        for (int i = 0; i < scaled(5000) && !thread_sleeps(tid); i++)
                sleep_ms(1);
        ck_assert_msg(thread_sleeps(tid), "thread %d does not wait", (int) tid);
}

/* A watch (call 1) ended by msgqd, then a ping (call 2), each flagged when begun and done. */
struct two_calls {
        struct msgq *h;
        uint64_t since;
        pid_t tid;
        int begun, done, second; /* __atomic: call 1 begun, call 1 done, call 2 may begin */
        int r1, r2;
};

static void *watch_then_ping(void *arg) {
        struct two_calls *c = arg;
        struct msgq_led_state led;

        __atomic_store_n(&c->tid, gettid(), __ATOMIC_RELEASE);
        __atomic_store_n(&c->begun, 1, __ATOMIC_RELEASE);
        c->r1 = msgq_led_watch(c->h, c->since, MSGQ_TIMEOUT_MAX_MS, &led);
        __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
        while (!__atomic_load_n(&c->second, __ATOMIC_ACQUIRE))
                sleep_ms(1);
        c->r2 = msgq_ping(c->h);
        __atomic_store_n(&c->done, 2, __ATOMIC_RELEASE);
        return NULL;
}

/*
 * A cancel made while call 1 is in progress, held up until call 1 has
 * ended and call 2 has begun, ends neither: call 1 was answered, call 2
 * was not the call in progress when the cancel was made.
 */
START_TEST(test_cancel_late) {
        struct two_calls c = { .h = open_daemon(), .r1 = 1, .r2 = 1 };
        struct msgq_led_state led;
        struct msgq *other = NULL;
        pthread_t caller, canceller;
        long queued;

        ck_assert_int_eq(msgq_open(&other, d.key), 0);
        ck_assert_int_eq(msgq_led_state(c.h, &led), 0);
        c.since = led.changes; /* the LED as it is: msgqd answers at its next change */
        ck_assert_int_eq(msgq_set_timeout(c.h, MSGQ_TIMEOUT_MAX_MS), 0);
        msgq_test_hook_cancel = cancel_paused;
        ck_assert_int_eq(pthread_create(&caller, NULL, watch_then_ping, &c), 0);
        while (!__atomic_load_n(&c.begun, __ATOMIC_ACQUIRE))
                sleep_ms(1);
        wait_until_sleeps(__atomic_load_n(&c.tid, __ATOMIC_ACQUIRE)); /* call 1 waits */
        ck_assert_int_eq(pthread_create(&canceller, NULL, cancel_now, c.h), 0);
        while (!__atomic_load_n(&gate.seen, __ATOMIC_ACQUIRE))
                sleep_ms(1);
        /* The cancel has seen call 1; msgqd answers it before the cancel goes on. */
        ck_assert_int_eq(msgq_led_toggle(other, NULL), 0);
        while (__atomic_load_n(&c.done, __ATOMIC_ACQUIRE) < 1)
                sleep_ms(1);
        ck_assert_int_eq(c.r1, 0);
        daemon_pause(); /* call 2 waits for a msgqd that does not answer */
        queued = queue_count(d.key);
        __atomic_store_n(&c.second, 1, __ATOMIC_RELEASE);
        queue_wait_more(queued);
        wait_until_sleeps(c.tid);
        __atomic_store_n(&gate.go, 1, __ATOMIC_RELEASE); /* the cancel goes on, too late */
        ck_assert_int_eq(pthread_join(canceller, NULL), 0);
        /* A cancelled call 2 would end now; give it a second to, then let msgqd answer it. */
        for (int i = 0; i < scaled(1000) && __atomic_load_n(&c.done, __ATOMIC_ACQUIRE) < 2; i++)
                sleep_ms(1);
        kill(d.pid, SIGCONT);
        ck_assert_int_eq(pthread_join(caller, NULL), 0);
        ck_assert_msg(c.r2 == 0, "call 2 returned %d (%s): cancelled by a cancel made during call 1",
                      c.r2, msgq_strerror(c.r2));
        msgq_test_hook_cancel = NULL;
        msgq_close(other);
        msgq_close(c.h);
        daemon_stop_checked(&d);
}
END_TEST
#endif

struct unwatcher {
        struct waiter w;
        int go; /* __atomic: the cancel is over, unwatch now */
};

/* A watch until cancelled, then (once told) its withdrawal, from the thread that watched. */
static void *watch_then_unwatch(void *arg) {
        struct unwatcher *u = arg;
        struct msgq_led_state led;

        u->w.r = msgq_led_watch(u->w.h, u->w.since, MSGQ_TIMEOUT_MAX_MS, &led);
        while (!__atomic_load_n(&u->go, __ATOMIC_ACQUIRE))
                sleep_ms(1);
        if (u->w.r == -ECANCELED)
                u->w.r = msgq_led_unwatch(u->w.h);
        return NULL;
}

/* A cancelled watch withdrawn: the next change leaves no answer on the queue for it. */
START_TEST(test_unwatch) {
        struct unwatcher u = { .w = { .h = open_daemon(), .r = 1 } };
        struct msgq *other = NULL;
        struct msgq_led_state led;
        pthread_t t;

        ck_assert_int_eq(msgq_led_state(u.w.h, &led), 0);
        u.w.since = led.changes;
        start_watch_taken(&t, watch_then_unwatch, &u);
        msgq_cancel(u.w.h);
        __atomic_store_n(&u.go, 1, __ATOMIC_RELEASE);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(u.w.r, 0);
        ck_assert_int_eq(msgq_open(&other, d.key), 0);
        ck_assert_int_eq(msgq_led_on(other, &led), 0);
        ck_assert_int_eq(queue_count(d.key), 0);
        msgq_close(other);
        msgq_close(u.w.h);
        daemon_stop_checked(&d);
}
END_TEST

/* The queue removed under an open handle: -EIDRM, not a wait. */
START_TEST(test_removed_queue) {
        struct msgq *h = open_daemon();
        int id = msgget(d.key, 0);

        ck_assert_int_ge(id, 0);
        daemon_kill(&d);
        ck_assert_int_eq(msgctl(id, IPC_RMID, NULL), 0);
        ck_assert_int_eq(msgq_set_timeout(h, MSGQ_TIMEOUT_MAX_MS), 0);
        ck_assert_int_eq(msgq_ping(h), -EIDRM);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(h), "was removed"));
        msgq_close(h);
}
END_TEST

/* A full queue (msgqd stopped): the call waits for room until its deadline. */
START_TEST(test_full_queue) {
        struct msgq *h = open_daemon();
        struct { long mtype; char body[256]; } junk = { .mtype = MSGQ_PRIO_MAX };
        int id = msgget(d.key, 0), n = 0;

        ck_assert_int_ge(id, 0);
        daemon_pause();
        memset(junk.body, 'x', sizeof junk.body);
        while (msgsnd(id, &junk, sizeof junk.body, IPC_NOWAIT) == 0)
                n++;
        ck_assert_int_eq(errno, EAGAIN);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(msgq_set_timeout(h, 200), 0);
        ck_assert_int_eq(msgq_ping(h), -ETIMEDOUT);
        kill(d.pid, SIGCONT); /* msgqd drops the junk as malformed */
        ck_assert_int_eq(msgq_set_timeout(h, scaled(10000)), 0);
        ck_assert_int_eq(msgq_ping(h), 0);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* A user the queue's mode leaves out: -EACCES from open, in words. */
START_TEST(test_permission_denied) {
        struct msgq *h = NULL;
        pid_t pid;
        int st;

        daemon_start_checked(&d, test_key(), NULL);
        if (geteuid() != 0) {
                struct msqid_ds ds;
                int id = msgget(d.key, 0);

                ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), 0);
                ds.msg_perm.mode = 0;
                ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
                ck_assert_int_eq(msgq_open(&h, d.key), -EACCES);
                ds.msg_perm.mode = 0660;
                ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
        } else {
                struct user nobody = user_nobody();

                pid = fork();
                ck_assert_int_ge(pid, 0);
                if (pid == 0) {
                        char err[256] = "";
                        int r;

                        become_user(&nobody);
                        r = msgq_open_config(&h, "/dev/null", d.key, err, sizeof err);
                        if (r != -EACCES)
                                _exit(10 + -r);
                        _exit(strstr(err, "permission denied") ? 0 : 1);
                }
                ck_assert_int_eq(waitpid(pid, &st, 0), pid);
                ck_assert(WIFEXITED(st));
                ck_assert_int_eq(WEXITSTATUS(st), 0);
        }
        daemon_stop_checked(&d);
}
END_TEST

struct pinger {
        struct msgq *h;
        int failed;
};

static void *ping_many(void *arg) {
        struct pinger *p = arg;

        for (int i = 0; i < 200; i++)
                if (msgq_led_toggle(p->h, NULL) < 0 || msgq_ping(p->h) < 0)
                        p->failed++;
        return NULL;
}

/* Two handles in one process, each used by its own thread at the same time, then one in turn. */
START_TEST(test_two_handles) {
        struct pinger p[2] = { { .h = open_daemon() } };
        pthread_t t[2];

        ck_assert_int_eq(msgq_open(&p[1].h, d.key), 0);
        for (int i = 0; i < 2; i++)
                ck_assert_int_eq(pthread_create(&t[i], NULL, ping_many, &p[i]), 0);
        for (int i = 0; i < 2; i++) {
                ck_assert_int_eq(pthread_join(t[i], NULL), 0);
                ck_assert_int_eq(p[i].failed, 0);
        }
        /* Both handles from this thread, one after the other. */
        for (int i = 0; i < 20; i++) {
                ck_assert_int_eq(msgq_ping(p[0].h), 0);
                ck_assert_int_eq(msgq_ping(p[1].h), 0);
        }
        /* One handle, two threads: calls take turns. */
        p[1].failed = 0;
        p[0].failed = 0;
        msgq_close(p[1].h);
        p[1].h = p[0].h;
        for (int i = 0; i < 2; i++)
                ck_assert_int_eq(pthread_create(&t[i], NULL, ping_many, &p[i]), 0);
        for (int i = 0; i < 2; i++) {
                ck_assert_int_eq(pthread_join(t[i], NULL), 0);
                ck_assert_int_eq(p[i].failed, 0);
        }
        msgq_close(p[0].h);
        daemon_stop_checked(&d);
}
END_TEST

/* A handle opened before fork(): parent and child both call with it, at the same time. */
START_TEST(test_fork_after_open) {
        struct msgq *h = open_daemon();
        pid_t pid;
        int st;

        ck_assert_int_eq(msgq_ping(h), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                int failed = 0;

                for (int i = 0; i < 200; i++)
                        failed += msgq_ping(h) < 0;
                msgq_close(h);
                _exit(failed ? 1 : 0);
        }
        for (int i = 0; i < 200; i++)
                ck_assert_int_eq(msgq_ping(h), 0);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert(WIFEXITED(st));
        ck_assert_int_eq(WEXITSTATUS(st), 0);
        /* The child's close left the parent's timer: a call that must wait still ends. */
        daemon_pause();
        ck_assert_int_eq(msgq_set_timeout(h, 200), 0);
        ck_assert_int_eq(msgq_ping(h), -ETIMEDOUT);
        kill(d.pid, SIGCONT);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

static void *deadline_elsewhere(void *arg) {
        struct waiter *w = arg;

        w->r = msgq_ping(w->h);
        return NULL;
}

/* Opened in one thread, waiting in another: the deadline still ends the call there. */
START_TEST(test_other_thread_deadline) {
        struct waiter w = { .h = open_daemon(), .r = 1 };
        pthread_t t;

        ck_assert_int_eq(msgq_set_timeout(w.h, 200), 0);
        daemon_pause();
        ck_assert_int_eq(pthread_create(&t, NULL, deadline_elsewhere, &w), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(w.r, -ETIMEDOUT);
        kill(d.pid, SIGCONT);
        ck_assert_int_eq(msgq_set_timeout(w.h, scaled(5000)), 0);
        ck_assert_int_eq(msgq_ping(w.h), 0);
        msgq_close(w.h);
        daemon_stop_checked(&d);
}
END_TEST

/* key 0: MSGQ_KEY, as msgqctl takes it; a bad one is named. */
START_TEST(test_default_key) {
        struct msgq *h = NULL;
        char err[512] = "";

        daemon_start_checked(&d, test_key(), NULL);
        setenv("MSGQ_KEY", fmt("0x%08x", (unsigned) d.key), 1);
        ck_assert_int_eq(msgq_open_config(&h, "/dev/null", 0, err, sizeof err), 0);
        ck_assert_int_eq(msgq_key(h), d.key);
        ck_assert_int_eq(msgq_ping(h), 0);
        msgq_close(h);
        setenv("MSGQ_KEY", "banana", 1);
        ck_assert_int_eq(msgq_open_config(&h, "/dev/null", 0, err, sizeof err), -EINVAL);
        ck_assert_ptr_null(h);
        ck_assert_ptr_nonnull(strstr(err, "banana"));
        unsetenv("MSGQ_KEY");
        ck_assert_str_eq(msgq_version(), "0.2.0");
        daemon_stop_checked(&d);
}
END_TEST

/* ---- lines (msgq 0.2) ---- */

/* msgqd's lines for the line tests: led at 0, then pump, buzzer (a relay) and fan. */
#define LINES_CONF                                                                     \
        "[output pump]\ngpio = GPIO22\n"                                                \
        "[output buzzer]\ngpio = GPIO27\nkind = relay\nstop = keep\n"                  \
        "[output fan]\ngpio = gpiochip0:5\nactive_low = true\nstart = on\n"

static struct msgq *open_lines(const char *conf) {
        struct msgq *h = NULL;

        daemon_start_checked(&d, test_key(), (const char *const[]) { "-c", harness_config(conf), NULL });
        ck_assert_int_eq(msgq_open(&h, d.key), 0);
        return h;
}

/* Every line listed with its settings; names found regardless of case; bad names named. */
START_TEST(test_line_list_find) {
        struct msgq *h = open_lines(LINES_CONF);
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        const char *names[] = { "led", "pump", "buzzer", "fan" };

        ck_assert_int_eq(msgq_line_list(h, lines, MSGQ_LINES_MAX), 4);
        for (unsigned i = 0; i < 4; i++) {
                ck_assert_str_eq(lines[i].name, names[i]);
                ck_assert_uint_eq(lines[i].st.line, i);
                ck_assert_str_eq(lines[i].chip, "sim");
        }
        ck_assert_uint_eq(lines[2].flags & (MSGQ_LINE_F_RELAY | MSGQ_LINE_F_STOP_KEEP),
                          MSGQ_LINE_F_RELAY | MSGQ_LINE_F_STOP_KEEP);
        ck_assert_uint_eq(lines[1].flags & MSGQ_LINE_F_RELAY, 0);
        ck_assert_uint_eq(lines[3].flags & MSGQ_LINE_F_ACTIVE_LOW, MSGQ_LINE_F_ACTIVE_LOW);
        ck_assert_uint_eq((lines[3].flags & MSGQ_LINE_F_START_MASK) >> MSGQ_LINE_F_START_SHIFT,
                          MSGQ_LINE_START_ON);
        ck_assert_uint_eq(lines[3].st.led.on, 1); /* start = on */
        /* Fewer entries than lines: the count of all, the first max filled. */
        memset(lines, 0, sizeof lines);
        ck_assert_int_eq(msgq_line_list(h, lines, 2), 4);
        ck_assert_str_eq(lines[1].name, "pump");
        ck_assert_str_eq(lines[2].name, "");
        ck_assert_int_eq(msgq_line_list(h, NULL, 0), 4);

        ck_assert_int_eq(msgq_line_find(h, "led"), 0);
        ck_assert_int_eq(msgq_line_find(h, "PUMP"), 1);
        ck_assert_int_eq(msgq_line_find(h, "fan"), 3);
        ck_assert_int_eq(msgq_line_find(h, "pmup"), -ENOENT);
        ck_assert_str_eq(msgq_errmsg(h), "no line 'pmup'; msgqd has led, pump, buzzer, fan");
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* More lines than one reply holds, with long names: every one, in order, in one call. */
START_TEST(test_line_list_pages) {
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        char conf[8192] = "", name[40];
        size_t at = 0;
        struct msgq *h;

        for (int i = 1; i < MSGQ_LINES_MAX; i++)
                at += (size_t) snprintf(conf + at, sizeof conf - at,
                                        "[output out%02d_padded_to_thirty_one_c]\ngpio = gpiochip0:%d\n",
                                        i, i);
        h = open_lines(conf);
        ck_assert_int_eq(msgq_line_list(h, lines, MSGQ_LINES_MAX), MSGQ_LINES_MAX);
        for (int i = 1; i < MSGQ_LINES_MAX; i++) {
                snprintf(name, sizeof name, "out%02d_padded_to_thirty_one_c", i);
                ck_assert_str_eq(lines[i].name, name);
                ck_assert_uint_eq(lines[i].st.line, (unsigned) i);
        }
        ck_assert_int_eq(msgq_line_find(h, "OUT63_padded_to_thirty_one_c"), 63);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* One line driven by index; the LED calls are line 0's; an unknown index is named. */
START_TEST(test_line_calls) {
        struct msgq *h = open_lines(LINES_CONF);
        struct msgq_led_state st, led;
        uint64_t t;

        ck_assert_int_eq(msgq_led_state(h, &led), 0);
        ck_assert_int_eq(msgq_line_on(h, 2, &st), 0);
        ck_assert_uint_eq(st.on, 1);
        ck_assert_int_eq(msgq_led_time(h, &t, NULL), 0);
        ck_assert_int_eq(msgq_line_state(h, 1, &st), 0);
        ck_assert_uint_eq(st.on, 0);
        ck_assert_int_eq(msgq_line_toggle(h, 1, &st), 0);
        ck_assert_uint_eq(st.on, 1);
        ck_assert_int_eq(msgq_line_off(h, 2, &st), 0);
        ck_assert_uint_eq(st.on, 0);
        ck_assert_int_eq(msgq_line_blink(h, 3, 400, 0, &st), 0);
        ck_assert_uint_eq(st.blinking, 1);
        ck_assert_uint_eq(st.period_ms, 400);
        ck_assert_int_eq(msgq_line_state(h, 0, &st), 0);
        ck_assert_uint_eq(st.on, led.on);       /* the LED, untouched */
        ck_assert_uint_eq(st.changes, led.changes);
        ck_assert_int_eq(msgq_led_on(h, &led), 0);
        ck_assert_int_eq(msgq_line_state(h, 0, &st), 0);
        ck_assert_uint_eq(st.on, 1);
        ck_assert_int_eq(msgq_line_state(h, 3, &st), 0);
        ck_assert_uint_eq(st.blinking, 1);      /* the LED's call left the fan blinking */

        ck_assert_int_eq(msgq_line_on(h, 4, &st), -EINVAL);
        ck_assert_int_eq(msgq_daemon_status(h), MSGQ_ERR_INVALID);
        ck_assert_str_eq(msgq_errmsg(h), "invalid argument: no line 4: msgqd has 4 lines (0 to 3)");
        ck_assert_int_eq(msgq_line_blink(h, 2, 10, 0, &st), -EINVAL); /* msgqd's words name no line */
        ck_assert_msg(strncmp(msgq_errmsg(h), "invalid argument: line 2", 24) == 0, "%s",
                      msgq_errmsg(h));
        ck_assert_int_eq(msgq_led_time(h, NULL, NULL), -ENODATA);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* Several lines in one request: which were set, which are on, the changes it made, in order. */
START_TEST(test_line_set) {
        struct msgq *h = open_lines(LINES_CONF);
        struct msgq_line_set_result res;
        struct msgq_change ch[8];
        struct msgq_led_state st;
        uint64_t before;

        ck_assert_int_eq(msgq_line_on(h, 2, &st), 0); /* buzzer on already */
        before = st.changes;
        ck_assert_int_eq(msgq_line_set(h, (const struct msgq_line_level[]) {
                                 { .line = 2, .on = 1 }, { .line = 1, .on = 1 },
                                 { .line = 0, .on = 1 } }, 3, &res), 0);
        ck_assert_uint_eq(res.lines, 0x7);
        ck_assert_uint_eq(res.on, 0x7);
        ck_assert_uint_eq(res.first, before + 1); /* buzzer's changed nothing: pump's is first */
        ck_assert_uint_eq(res.last, before + 2);
        ck_assert_int_eq(msgq_line_watch(h, MSGQ_LINE_ALL, before, 1000, ch, 8, NULL), 2);
        ck_assert_uint_eq(ch[0].st.line, 1);
        ck_assert_uint_eq(ch[1].st.line, 0);
        ck_assert_int_eq(msgq_line_set(h, (const struct msgq_line_level[]) {
                                 { .line = 2, .on = 0 }, { .line = 0, .on = 1 } }, 2, &res), 0);
        ck_assert_uint_eq(res.lines, 0x5);
        ck_assert_uint_eq(res.on, 0x1);
        ck_assert_uint_eq(res.first, before + 3);
        ck_assert_uint_eq(res.last, before + 3);
        ck_assert_int_eq(msgq_line_set(h, (const struct msgq_line_level[]) { { .line = 0, .on = 1 } },
                                       1, &res), 0);
        ck_assert_uint_eq(res.first, 0); /* nothing changed */

        /* Refused whole, nothing changed, the line named. */
        ck_assert_int_eq(msgq_line_set(h, (const struct msgq_line_level[]) {
                                 { .line = 1, .on = 0 }, { .line = 7, .on = 1 } }, 2, &res), -EINVAL);
        ck_assert_int_eq(msgq_daemon_status(h), MSGQ_ERR_INVALID);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(h), "7"));
        ck_assert_int_eq(msgq_line_state(h, 1, &st), 0);
        ck_assert_uint_eq(st.on, 1);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/*
 * A watch of every line or of one: the changes after since in order, the
 * rest from the last one given; a wait for one line is not answered by
 * another's change; one too far ahead is named.
 */
START_TEST(test_line_watch) {
        struct msgq *h = open_lines(LINES_CONF);
        struct msgq_change ch[16];
        struct msgq_led_state st;
        uint64_t since;
        struct msgq_watch_result res = { .missed = 99 };

        ck_assert_int_eq(msgq_line_state(h, 0, &st), 0);
        ck_assert_int_eq(msgq_line_list(h, NULL, 0), 4);
        since = st.changes > 0 ? st.changes : 0;
        ck_assert_int_eq(msgq_line_watch(h, MSGQ_LINE_ALL, ~0ull >> 1, 1000, ch, 16, NULL), -EINVAL);
        ck_assert_msg(strstr(msgq_errmsg(h), "invalid argument") != NULL, "%s", msgq_errmsg(h));
        for (unsigned i = 0; i < 6; i++)
                ck_assert_int_eq(msgq_line_toggle(h, 1 + i % 3, NULL), 0);
        ck_assert_int_eq(msgq_line_state(h, 3, &st), 0);
        since = st.changes - 6;
        ck_assert_int_eq(msgq_line_watch(h, MSGQ_LINE_ALL, since, 1000, ch, 16, &res), 6);
        ck_assert_uint_eq(res.missed, 0);
        ck_assert_uint_eq(res.next, since + 6);
        for (unsigned i = 0; i < 6; i++) {
                ck_assert_uint_eq(ch[i].st.line, 1 + i % 3);
                ck_assert_uint_eq(ch[i].st.led.changes, since + 1 + i);
                ck_assert_uint_gt(ch[i].time_ns, 0);
        }
        ck_assert_uint_eq(ch[3].st.seq, ch[0].st.seq + 1); /* pump's own count */
        /* Fewer entries than changes: the first, then the rest from there. */
        ck_assert_int_eq(msgq_line_watch(h, MSGQ_LINE_ALL, since, 1000, ch, 4, &res), 4);
        ck_assert_uint_eq(res.next, ch[3].st.led.changes);
        ck_assert_int_eq(msgq_line_watch(h, MSGQ_LINE_ALL, res.next, 1000, ch, 4, NULL), 2);
        ck_assert_uint_eq(ch[1].st.led.changes, since + 6);
        /* One line's. */
        ck_assert_int_eq(msgq_line_watch(h, 2, since, 1000, ch, 16, NULL), 2);
        ck_assert_uint_eq(ch[0].st.line, 2);
        ck_assert_uint_eq(ch[1].st.line, 2);
        /* Nothing since: the deadline. */
        ck_assert_int_eq(msgq_line_watch(h, 2, ch[1].st.led.changes, 200, ch, 16, NULL), -ETIMEDOUT);
        ck_assert_int_eq(msgq_line_watch(h, 9, since, 200, ch, 16, NULL), -EINVAL);

        /* msgq_line_wait(): line 2's next change, not line 1's. */
        ck_assert_int_eq(msgq_line_state(h, 2, &st), 0);
        ck_assert_int_eq(msgq_line_toggle(h, 1, NULL), 0);
        ck_assert_int_eq(msgq_line_wait(h, 2, st.changes, 200, &st), -ETIMEDOUT);
        ck_assert_int_eq(msgq_line_state(h, 2, &st), 0);
        ck_assert_int_eq(msgq_line_toggle(h, 2, NULL), 0);
        ck_assert_int_eq(msgq_line_wait(h, 2, st.changes, scaled(5000), &st), 0);
        ck_assert_int_eq(msgq_line_state(h, 2, NULL), 0);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* More changes than msgqd keeps: the watch says how many it missed, then gives the oldest kept. */
START_TEST(test_line_watch_missed) {
        struct msgq *h = open_lines(LINES_CONF);
        struct msgq_change ch[16];
        struct msgq_led_state st;
        struct msgq_watch_result res = {};
        uint64_t since, last;
        const unsigned n = 1100;

        ck_assert_int_eq(msgq_line_state(h, 0, &st), 0);
        ck_assert_int_eq(msgq_line_toggle(h, 1, &st), 0);
        since = st.changes;
        for (unsigned i = 0; i < n; i++)
                ck_assert_int_eq(msgq_line_toggle(h, 1 + i % 2, &st), 0);
        last = st.changes;
        ck_assert_uint_eq(last, since + n);
        ck_assert_int_gt(msgq_line_watch(h, MSGQ_LINE_ALL, since, 1000, ch, 16, &res), 0);
        ck_assert_uint_gt(res.missed, 0);
        ck_assert_uint_eq(ch[0].st.led.changes, since + res.missed + 1);
        ck_assert_uint_le(last - ch[0].st.led.changes + 1, 1024); /* what msgqd keeps */
        /* Of a line none of whose changes is kept: no change, what was missed, where to go on. */
        memset(&res, 0xff, sizeof res);
        ck_assert_int_eq(msgq_line_watch(h, 3, since, 1000, ch, 16, &res), 0);
        ck_assert_uint_gt(res.missed, 0);
        ck_assert_uint_eq(res.next, last);
        ck_assert_int_eq(msgq_line_watch(h, 3, res.next, 200, ch, 16, &res), -ETIMEDOUT);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

static void *line_watch_long(void *arg) {
        struct waiter *w = arg;
        struct msgq_change ch[4];

        w->r = msgq_line_watch(w->h, MSGQ_LINE_ALL, w->since, MSGQ_TIMEOUT_MAX_MS, ch, 4, NULL);
        return NULL;
}

/* A line watch until cancelled, then (once told) its withdrawal, from the thread that watched. */
static void *line_watch_then_unwatch(void *arg) {
        struct unwatcher *u = arg;
        struct msgq_change ch[4];

        u->w.r = msgq_line_watch(u->w.h, 2, u->w.since, MSGQ_TIMEOUT_MAX_MS, ch, 4, NULL);
        while (!__atomic_load_n(&u->go, __ATOMIC_ACQUIRE))
                sleep_ms(1);
        if (u->w.r == -ECANCELED)
                u->w.r = msgq_led_unwatch(u->w.h);
        return NULL;
}

/* msgq_led_unwatch() withdraws a cancelled line watch: the line's next change leaves no answer. */
START_TEST(test_line_unwatch) {
        struct unwatcher u = { .w = { .h = open_lines(LINES_CONF), .r = 1 } };
        struct msgq *other = NULL;
        struct msgq_led_state st;
        pthread_t t;

        ck_assert_int_eq(msgq_line_state(u.w.h, 2, &st), 0);
        u.w.since = st.changes;
        start_watch_taken(&t, line_watch_then_unwatch, &u);
        msgq_cancel(u.w.h);
        __atomic_store_n(&u.go, 1, __ATOMIC_RELEASE);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(u.w.r, 0);
        ck_assert_int_eq(msgq_open(&other, d.key), 0);
        ck_assert_int_eq(msgq_line_toggle(other, 2, &st), 0);
        ck_assert_int_eq(queue_count(d.key), 0);
        msgq_close(other);
        msgq_close(u.w.h);
        daemon_stop_checked(&d);
}
END_TEST

/* A line-watch ends with msgq_cancel(); a line list keeps the handle's deadline. */
START_TEST(test_line_cancel_deadline) {
        struct waiter w = { .h = open_lines(LINES_CONF), .r = 1 };
        struct msgq_led_state st;
        pthread_t t;
        long queued;
        uint64_t t0;

        ck_assert_int_eq(msgq_line_toggle(w.h, 2, &st), 0);
        w.since = st.changes;
        daemon_pause();
        queued = queue_count(d.key);
        ck_assert_int_eq(pthread_create(&t, NULL, line_watch_long, &w), 0);
        queue_wait_more(queued);
        msgq_cancel(w.h);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert_int_eq(w.r, -ECANCELED);
        ck_assert_int_eq(msgq_set_timeout(w.h, 300), 0);
        t0 = monotonic_ms();
        ck_assert_int_eq(msgq_line_list(w.h, NULL, 0), -ETIMEDOUT);
        ck_assert_uint_ge(monotonic_ms() - t0, 300);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(w.h), "within 300 ms"));
        ck_assert_int_eq(msgq_line_find(w.h, "pump"), -ETIMEDOUT);
        kill(d.pid, SIGCONT);
        ck_assert_int_eq(msgq_set_timeout(w.h, scaled(5000)), 0);
        ck_assert_int_eq(msgq_line_find(w.h, "fan"), 3);
        msgq_close(w.h);
        daemon_stop_checked(&d);
}
END_TEST

/* Bytes into the simulated input name's FIFO (in the test's state directory, MSGQD_SIM_INPUTS). */
static void sim_edges(const char *name, const char *bytes) {
        sim_input_write(harness_state_dir(), name, bytes);
}

/*
 * Inputs through libmsgq: msgq_input_list() with each input's settings and
 * counter, msgq_line_events() of one input and of all lines with the edges
 * in order, what was missed past the history, and an input never driven.
 */
START_TEST(test_inputs) {
        struct msgq_input_info in[4];
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        struct msgq_event ev[8];
        struct msgq_watch_result res;
        struct msgq_led_state st;
        struct msgq *h;
        uint64_t since;
        int n, got = 0;
        char burst[81] = "";

        setenv("MSGQD_SIM_INPUTS", harness_state_dir(), 1);
        h = open_lines("[msgq]\nhistory = 64\n[input door]\ngpio = GPIO5\n[output pump]\ngpio = GPIO22\n"
                       "[input meter]\ngpio = GPIO6\nedges = rising\ndebounce = 20ms\n");
        unsetenv("MSGQD_SIM_INPUTS");
        ck_assert_int_eq(msgq_line_list(h, lines, MSGQ_LINES_MAX), 4);
        ck_assert(lines[1].flags & MSGQ_LINE_F_INPUT);
        ck_assert(!(lines[2].flags & MSGQ_LINE_F_INPUT));
        ck_assert_int_eq(msgq_input_list(h, NULL, 0), 2);
        ck_assert_int_eq(msgq_input_list(h, in, 4), 2);
        ck_assert_uint_eq(in[0].line, 1);
        ck_assert_uint_eq(in[1].line, 3);
        ck_assert_uint_eq(in[1].edges, 1);
        ck_assert_uint_eq(in[1].debounce_by, MSGQ_DEBOUNCE_MSGQD);
        ck_assert_uint_eq(in[1].debounce_us, 20000);
        ck_assert_int_eq(msgq_input_list(h, in, 1), 2); /* the first only */
        since = lines[0].st.led.changes;
        for (unsigned i = 0; i < 80; i++)
                burst[i] = i % 2 ? '0' : '1';
        sim_edges("door", burst);
        for (int waited = 0; msgq_input_list(h, in, 4) == 2 && in[0].count < 80 && waited < scaled(5000);
             waited += 10)
                sleep_ms(10);
        ck_assert_uint_eq(in[0].count, 80);
        /* The history keeps 64: 16 missed, then the 64 kept in order, 8 a reply. */
        for (int k = 0; k < 8; k++) {
                n = msgq_line_events(h, 1, since, 5000, ev, 8, &res);
                ck_assert_int_eq(n, 8);
                ck_assert_uint_eq(res.missed, k == 0 ? 16 : 0);
                for (int i = 0; i < 8; i++) {
                        uint64_t want = lines[0].st.led.changes + 17 + (uint64_t) (8 * k + i);

                        ck_assert_uint_eq(ev[i].ch.st.led.changes, want);
                        ck_assert_uint_eq(ev[i].edge, ev[i].ch.st.led.on ? MSGQ_EDGE_RISING : MSGQ_EDGE_FALLING);
                        ck_assert_uint_eq(ev[i].ch.st.led.on, (want - lines[0].st.led.changes) % 2);
                        ck_assert_uint_eq(ev[i].kernel_seqno, want - lines[0].st.led.changes);
                }
                since = res.next;
                got += n;
        }
        ck_assert_int_eq(got, 64);
        /* An output's change, to all lines: edge 0. */
        ck_assert_int_eq(msgq_line_on(h, 2, &st), 0);
        ck_assert_int_eq(msgq_line_events(h, MSGQ_LINE_ALL, st.changes - 1, 5000, ev, 8, &res), 1);
        ck_assert_uint_eq(ev[0].edge, MSGQ_EDGE_OUTPUT);
        ck_assert_uint_eq(ev[0].ch.st.line, 2);
        /* An input is not driven. */
        ck_assert_int_eq(msgq_line_on(h, 1, &st), -EINVAL);
        ck_assert_ptr_nonnull(strstr(msgq_errmsg(h), "line 1 is an input"));
        ck_assert_int_eq(msgq_line_events(h, 7, 0, 100, ev, 8, &res), -EINVAL);
        msgq_close(h);
        daemon_stop_checked(&d);
}
END_TEST

/* The Python module (python/msgq.py, on this libmsgq): tests/check-python.py. */
START_TEST(test_python) {
        struct run r;
        const char *argv[] = { "/usr/bin/python3", test_source("check-python.py"), NULL, NULL };

        daemon_start_checked(&d, test_key(), (const char *const[]) { "-c", harness_config(LINES_CONF), NULL });
        argv[2] = fmt("0x%08x", (unsigned) d.key);
        setenv("PYTHONPATH", getenv("MSGQ_PYTHONPATH"), 1);
        setenv("LD_LIBRARY_PATH", getenv("MSGQ_LIBDIR"), 1);
        ck_assert_int_eq(run_prog(&r, scaled(60000), argv), 0);
        ck_assert_msg(r.status == 0, "check-python.py exited %d:\n%s%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.err, "OK"));
        daemon_stop_checked(&d);
}
END_TEST

/* The Python module's inputs calls, on msgqd with inputs: tests/check-python.py KEY SIM_DIR. */
START_TEST(test_python_inputs) {
        struct run r;
        const char *argv[] = { "/usr/bin/python3", test_source("check-python.py"), NULL, NULL, NULL };

        setenv("MSGQD_SIM_INPUTS", harness_state_dir(), 1);
        daemon_start_checked(&d, test_key(),
                             (const char *const[]) { "-c",
                                                     harness_config("[msgq]\nhistory = 64\n"
                                                                    "[input door]\ngpio = GPIO5\n"
                                                                    "[output pump]\ngpio = GPIO22\n"
                                                                    "[input meter]\ngpio = GPIO6\n"
                                                                    "edges = rising\ndebounce = 20ms\n"),
                                                     NULL });
        unsetenv("MSGQD_SIM_INPUTS");
        argv[2] = fmt("0x%08x", (unsigned) d.key);
        argv[3] = harness_state_dir();
        setenv("PYTHONPATH", getenv("MSGQ_PYTHONPATH"), 1);
        setenv("LD_LIBRARY_PATH", getenv("MSGQ_LIBDIR"), 1);
        ck_assert_int_eq(run_prog(&r, scaled(60000), argv), 0);
        ck_assert_msg(r.status == 0, "check-python.py exited %d:\n%s%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.err, "OK"));
        ck_assert_ptr_nonnull(strstr(r.err, "test_missed_past_the_history"));
        daemon_stop_checked(&d);
}
END_TEST

/* The README's C and Python programs: tests/check-readme-snippets.sh. */
START_TEST(test_readme_snippets) {
        const char *src = getenv("MSGQ_SOURCE_ROOT");
        struct run r;
        const char *argv[] = { "/bin/sh", test_source("check-readme-snippets.sh"),
                               fmt("%s/README.md", src), getenv("MSGQ_LIBDIR"), fmt("%s/lib", src),
                               getenv("MSGQ_PYTHONPATH"), NULL };

        daemon_start_checked(&d, test_key(), NULL);
        setenv("MSGQ_KEY", fmt("0x%08x", (unsigned) d.key), 1);
        ck_assert_int_eq(run_prog(&r, scaled(60000), argv), 0);
        unsetenv("MSGQ_KEY");
        ck_assert_msg(r.status == 0, "check-readme-snippets.sh exited %d:\n%s%s", r.status, r.out,
                      r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "C: led: on"));
        daemon_stop_checked(&d);
}
END_TEST

int main(void) {
        Suite *s = suite_create("libmsgq");

        harness_init();
        harness_set_hooks(NULL, finish);
#ifdef MSGQ_TEST_HOOKS
        /* The test build of the library: only what needs its hooks. */
        harness_add(s, "cancel-late", test_cancel_late, 30);
        return harness_run(s);
#endif
        harness_add(s, "calls", test_calls, 30);
        harness_add(s, "watch", test_watch, 30);
        harness_add(s, "watch-time", test_watch_time, 30);
        harness_add(s, "older-msgqd", test_older_msgqd_without_time, 30);
        harness_add(s, "dead-daemon", test_dead_daemon, 30);
        harness_add(s, "deadline", test_deadline, 30);
        harness_add(s, "cancel", test_cancel, 30);
        harness_add(s, "unwatch", test_unwatch, 30);
        harness_add(s, "removed-queue", test_removed_queue, 30);
        harness_add(s, "full-queue", test_full_queue, 30);
        harness_add(s, "permission-denied", test_permission_denied, 30);
        harness_add(s, "two-handles", test_two_handles, 60);
        harness_add(s, "fork-after-open", test_fork_after_open, 60);
        harness_add(s, "other-thread-deadline", test_other_thread_deadline, 30);
        harness_add(s, "default-key", test_default_key, 30);
        harness_add(s, "line-arguments", test_line_arguments, 30);
        harness_add(s, "line-list-find", test_line_list_find, 30);
        harness_add(s, "line-list-pages", test_line_list_pages, 30);
        harness_add(s, "line-calls", test_line_calls, 30);
        harness_add(s, "line-set", test_line_set, 30);
        harness_add(s, "line-watch", test_line_watch, 30);
        harness_add(s, "line-watch-missed", test_line_watch_missed, 120);
        harness_add(s, "line-cancel-deadline", test_line_cancel_deadline, 30);
        harness_add(s, "line-unwatch", test_line_unwatch, 30);
        harness_add(s, "inputs", test_inputs, 60);
        harness_add(s, "python", test_python, 90);
        harness_add(s, "python-inputs", test_python_inputs, 90);
        harness_add(s, "readme-snippets", test_readme_snippets, 90);
        return harness_run(s);
}
