/* SPDX-License-Identifier: MIT */
/*
 * Integration, when things go wrong: msgqd killed or stopped with requests
 * waiting, its queue removed or shrunk under it while clients are busy,
 * clients killed between sending and receiving, a second msgqd, a GPIO
 * line that is not there, users who may not use the queue, and msgqctl
 * fed bad command lines.  The real msgqd --sim on private keys.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"
#include "ledstate.h"
#include "protocol.h"
#include "queue.h"

/* What forked clients tell the test, in harness_shared() memory. */
struct tally {
        int answered;  /* calls answered OK */
        int retried;   /* calls tried again after a timeout or a removed queue */
};

static struct daemon dmn;
static struct tally *tally;

static void start(void) {
        daemon_start_checked(&dmn, test_key(), NULL);
}

/* One call through the project's client code; 0 or a negative errno. */
static int try_call(key_t key, uint16_t op, uint64_t timeout_ms, struct msgq_reply *rep) {
        struct msgq_client c;
        struct msgq_request req = { .op = op };
        int r = msgq_client_open(&c, key);

        if (r < 0)
                return r;
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, rep, timeout_ms);
        msgq_client_close(&c);
        return r;
}

static struct msgq_reply call(key_t key, uint16_t op) {
        struct msgq_reply rep;
        int r = try_call(key, op, 10000, &rep);

        ck_assert_msg(r == 0, "call %s failed: %s", msgq_op_to_string(op), strerror(-r));
        ck_assert_int_eq(rep.status, MSGQ_OK);
        return rep;
}

static struct msgq_stats stats(key_t key) {
        return call(key, MSGQ_OP_STATS).stats;
}

static int msqid(void) {
        int id = msgget(dmn.key, 0);

        ck_assert_int_ge(id, 0);
        return id;
}

/* A binary request sent by hand, as from pid, wanting a reply within ms. */
static void send_raw(int id, uint32_t pid, uint64_t token, uint16_t op, int deadline_ms) {
        struct msgq_request req = { .pid = pid, .token = token, .op = op,
                                    .deadline_ns = msgq_now_ns() + (uint64_t) deadline_ms * 1000000u };
        unsigned char body[MSGQ_MSG_MAX];
        int len = msgq_request_encode(&req, body, sizeof body);

        ck_assert_int_gt(len, 0);
        ck_assert_int_eq(msgq_queue_send(id, MSGQ_PRIO_DEFAULT, body, (size_t) len, IPC_NOWAIT), 0);
}

/* Wait until the queue holds n messages; false after ms. */
static bool wait_count(key_t key, long n, int ms) {
        for (int waited = 0; waited < ms; waited += 10) {
                if (queue_count(key) == n)
                        return true;
                sleep_ms(10);
        }
        return queue_count(key) == n;
}

/* Every thread of pid in state T (stopped). */
static bool all_stopped(pid_t pid) {
        char path[64], buf[512];
        struct dirent *e;
        bool stopped = true;
        DIR *dir;

        snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
        dir = opendir(path);
        if (!dir)
                return false;
        while ((e = readdir(dir))) {
                FILE *f;
                char *p = NULL;
                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof path, "/proc/%d/task/%.16s/stat", (int) pid, e->d_name);
                f = fopen(path, "r");
                if (f && fgets(buf, sizeof buf, f))
                        p = strrchr(buf, ')');
                if (f)
                        fclose(f);
                if (!p || p[1] != ' ' || p[2] != 'T')
                        stopped = false;
        }
        closedir(dir);
        return stopped;
}

static void stop_daemon_process(void) {
        ck_assert_int_eq(kill(dmn.pid, SIGSTOP), 0);
        for (int i = 0; i < 500 && !all_stopped(dmn.pid); i++)
                sleep_ms(2);
        ck_assert(all_stopped(dmn.pid));
}

/* Wait until the clients have had n calls answered (they fail the test otherwise). */
static void wait_answered(int n) {
        for (int i = 0; i < 6000 && shared_read(&tally->answered) < n; i++)
                sleep_ms(5);
        ck_assert_int_ge(shared_read(&tally->answered), n);
}

/* A client that makes n toggle calls, each within timeout_ms. */
static _Noreturn void toggler(key_t key, int n, int timeout_ms) {
        struct msgq_reply rep;

        for (int i = 0; i < n; i++) {
                if (try_call(key, MSGQ_OP_LED_TOGGLE, (uint64_t) timeout_ms, &rep) < 0)
                        _exit(10);
                if (rep.status != MSGQ_OK)
                        _exit(11);
                shared_count(&tally->answered);
        }
        _exit(0);
}

static pid_t spawn_toggler(key_t key, int n, int timeout_ms) {
        pid_t pid = fork();

        if (pid == 0)
                toggler(key, n, timeout_ms);
        ck_assert_int_gt(pid, 0);
        return pid;
}

/* ---- msgqd killed or stopped ---- */

/* Killed with requests waiting: the next msgqd adopts the queue and serves them all. */
START_TEST(test_sigkill_next_daemon_serves_waiting) {
        enum { CLIENTS = 10 };
        pid_t pids[CLIENTS], first;
        struct msgq_stats s;
        int id;

        start();
        first = dmn.pid;
        id = msqid();
        stop_daemon_process(); /* so that the requests wait on the queue */
        for (int i = 0; i < CLIENTS; i++)
                pids[i] = spawn_toggler(dmn.key, 1, 30000);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(msgq_queue_send(id, 3, "TOGGLE", 7, 0), 0); /* no reply wanted */
        ck_assert(wait_count(dmn.key, CLIENTS + 3, 10000));
        daemon_kill(&dmn);
        ck_assert_int_eq(queue_count(dmn.key), CLIENTS + 3); /* the queue outlived it */

        ck_assert_int_eq(daemon_start(&dmn, dmn.key, NULL), 0);
        ck_assert_int_eq(msgget(dmn.key, 0), id); /* adopted, not recreated */
        reap_children(pids, CLIENTS);
        ck_assert_int_eq(tally->answered, CLIENTS);
        s = stats(dmn.key);
        ck_assert_uint_eq(s.served[2] + s.served[MSGQ_PRIO_DEFAULT - 1], CLIENTS + 3 + 1);
        ck_assert_uint_ne(s.daemon_pid, (uint32_t) first);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE).led.on, (CLIENTS + 3) % 2);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        ck_assert_ptr_nonnull(strstr(daemon_log(&dmn), "adopted queue: 13 waiting messages"));
        daemon_stop_checked(&dmn);
}
END_TEST

/* Stopped: clients time out cleanly; after SIGCONT everything waiting is served. */
START_TEST(test_sigstop_clients_time_out_then_served) {
        enum { CLIENTS = 5 };
        pid_t pids[CLIENTS];
        struct msgq_reply rep;
        struct msgq_stats s;
        struct run r;
        char key[16];
        const char *argv[] = { "msgqctl", "-k", key, "-t", "0.5", "led", "on", NULL };
        uint64_t t0;

        start();
        snprintf(key, sizeof key, "0x%08x", (unsigned) dmn.key);
        stop_daemon_process();

        ck_assert_int_eq(run_prog(&r, 15000, argv), 0);
        ck_assert_msg(r.status == 3, "msgqctl exited %d: %s", r.status, r.err);
        ck_assert_msg(strstr(r.err, "msgqctl: no answer from msgqd within 0.5 s") == r.err, "%s", r.err);
        t0 = msgq_now_ns();
        ck_assert_int_eq(try_call(dmn.key, MSGQ_OP_PING, 300, &rep), -ETIMEDOUT);
        ck_assert_uint_lt(msgq_now_ns() - t0, 5000000000ull); /* bounded, not forever */

        for (int i = 0; i < CLIENTS; i++)
                pids[i] = spawn_toggler(dmn.key, 1, 30000);
        ck_assert(wait_count(dmn.key, 2 + CLIENTS, 10000));
        ck_assert_int_eq(kill(dmn.pid, SIGCONT), 0);
        reap_children(pids, CLIENTS);
        ck_assert_int_eq(tally->answered, CLIENTS);

        s = stats(dmn.key);
        ck_assert_uint_eq(s.served[MSGQ_PRIO_DEFAULT - 1], 2 + CLIENTS + 1);
        ck_assert_uint_eq(s.replies_late, 2); /* the two that gave up got none */
        /* on (msgqctl's, served though its client gave up), then five toggles */
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE).led.on, 0);
        ck_assert(wait_count(dmn.key, 0, 5000));
        daemon_stop_checked(&dmn);
}
END_TEST

/* An exit request is always answered before the queue goes. */
START_TEST(test_exit_request_always_answered) {
        for (int i = 0; i < 10; i++) {
                struct msgq_reply rep;
                int r;

                start(); /* a new key each round */
                r = try_call(dmn.key, MSGQ_OP_EXIT, 10000, &rep);
                ck_assert_msg(r == 0, "round %d: exit request not answered: %s", i, strerror(-r));
                ck_assert_int_eq(rep.status, MSGQ_OK);
                ck_assert_int_eq(daemon_wait(&dmn, 10000), 0);
                ck_assert(!queue_exists(dmn.key));
        }
}
END_TEST

/* ---- the queue changed under msgqd ---- */

/*
 * A client that keeps going as a robust one would: after a timeout (its
 * request went with the queue) or a removed queue, it opens the queue
 * again and retries.  Exits 0 after n answered calls.
 */
static _Noreturn void resilient_toggler(key_t key, int n) {
        struct msgq_reply rep;
        int done = 0;

        for (int tries = 0; done < n && tries < 50 * n; tries++) {
                int r = try_call(key, MSGQ_OP_LED_TOGGLE, 1000, &rep);
                if (r == 0 && rep.status == MSGQ_OK) {
                        done++;
                        shared_count(&tally->answered);
                } else if (r == -ETIMEDOUT || r == -EIDRM || r == -ENOENT) {
                        shared_count(&tally->retried);
                        sleep_ms(5);
                } else {
                        _exit(12);
                }
        }
        _exit(done == n ? 0 : 13);
}

START_TEST(test_ipcrm_under_load) {
        enum { CLIENTS = 20, EACH = 50 };
        pid_t pids[CLIENTS];
        struct msgq_stats s;

        start();
        for (int i = 0; i < CLIENTS; i++) {
                pids[i] = fork();
                if (pids[i] == 0)
                        resilient_toggler(dmn.key, EACH);
                ck_assert_int_gt(pids[i], 0);
        }
        for (int round = 1; round <= 2; round++) {
                char id[16];
                const char *argv[] = { "ipcrm", "-q", id, NULL };
                struct run r;

                wait_answered(round * 300);
                /* The count may have passed this round's mark before the last ipcrm:
                 * wait for msgqd to have made its new queue. */
                for (int i = 0; i < 500 && !queue_exists(dmn.key); i++)
                        sleep_ms(10);
                snprintf(id, sizeof id, "%d", msqid());
                ck_assert_int_eq(run_prog(&r, 5000, argv), 0);
                ck_assert_msg(r.status == 0, "ipcrm: %s", r.err);
        }
        reap_children(pids, CLIENTS);
        ck_assert_int_eq(tally->answered, CLIENTS * EACH);
        s = stats(dmn.key);
        ck_assert_uint_eq(s.queue_recreated, 2);
        ck_assert_ptr_nonnull(strstr(daemon_log(&dmn), "the queue was removed under msgqd"));
        daemon_stop_checked(&dmn);
}
END_TEST

static void set_qbytes(int id, msglen_t bytes) {
        struct msqid_ds ds;

        ck_assert_int_eq(msgq_queue_stat(id, &ds), 0);
        ds.msg_qbytes = bytes;
        ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
}

/*
 * msg_qbytes lowered under a busy msgqd, down to 64 bytes, where a request
 * and a reply no longer fit side by side: everybody is still served.  A
 * reply larger than the queue can ever hold (stats, 196 bytes) cannot be
 * delivered; it must not hold up the replies behind it.
 */
START_TEST(test_qbytes_lowered_under_load) {
        enum { CLIENTS = 20, EACH = 30 };
        pid_t pids[CLIENTS];
        struct msgq_reply rep;
        struct msgq_stats s;
        int id;

        start();
        id = msqid();
        for (int i = 0; i < CLIENTS; i++)
                pids[i] = spawn_toggler(dmn.key, EACH, 30000);
        wait_answered(100);
        set_qbytes(id, 256);
        wait_answered(300);
        set_qbytes(id, 64);
        reap_children(pids, CLIENTS);
        ck_assert_int_eq(tally->answered, CLIENTS * EACH);

        /* A stats reply can never fit: it must not hold up the next reply for 30 s. */
        send_raw(id, 3999998, 1, MSGQ_OP_STATS, 30000);
        ck_assert_int_eq(try_call(dmn.key, MSGQ_OP_PING, 3000, &rep), 0);
        ck_assert_int_eq(rep.status, MSGQ_OK);
        ck_assert_int_eq(try_call(dmn.key, MSGQ_OP_STATS, 500, &rep), -ETIMEDOUT);

        set_qbytes(id, 16384);
        s = stats(dmn.key);
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_ge(s.replies_dropped, 1);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE).led.on, 0); /* 600 toggles */
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- clients that die ---- */

/* Send a request that wants a reply within deadline_ms, then die before reading it. */
static pid_t spawn_doomed_client(key_t key, int deadline_ms) {
        pid_t pid = fork();

        if (pid == 0) {
                int id = msgget(key, 0);
                if (id >= 0)
                        send_raw(id, (uint32_t) getpid(), 1, MSGQ_OP_PING, deadline_ms);
                raise(SIGKILL);
                _exit(1);
        }
        ck_assert_int_gt(pid, 0);
        return pid;
}

static void reap_killed(const pid_t *pids, int n) {
        for (int i = 0; i < n; i++) {
                int st;
                ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
                ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        }
}

START_TEST(test_killed_clients_replies_reclaimed) {
        enum { CLIENTS = 50 };
        pid_t pids[CLIENTS];
        struct msgq_stats s;

        start();
        for (int i = 0; i < CLIENTS; i++)
                pids[i] = spawn_doomed_client(dmn.key, 2000);
        reap_killed(pids, CLIENTS);
        /* Served and answered, the replies wait for clients that are gone, until a second
         * after their deadline. */
        ck_assert_msg(wait_count(dmn.key, 0, 15000), "%ld replies left", queue_count(dmn.key));
        s = stats(dmn.key);
        ck_assert_uint_eq(s.replies_reclaimed, CLIENTS);
        ck_assert_uint_eq(s.replies_late, 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/* Killed while msgqd is stopped, their deadlines past: served, but no reply is sent. */
START_TEST(test_killed_clients_late_replies_not_sent) {
        enum { CLIENTS = 20 };
        pid_t pids[CLIENTS];
        struct msgq_stats s;

        start();
        stop_daemon_process();
        for (int i = 0; i < CLIENTS; i++)
                pids[i] = spawn_doomed_client(dmn.key, 200);
        reap_killed(pids, CLIENTS);
        ck_assert_int_eq(queue_count(dmn.key), CLIENTS);
        sleep_ms(300);
        ck_assert_int_eq(kill(dmn.pid, SIGCONT), 0);
        s = stats(dmn.key);
        ck_assert_uint_eq(s.served[MSGQ_PRIO_DEFAULT - 1], CLIENTS + 1);
        ck_assert_uint_eq(s.replies_late, CLIENTS);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- a second msgqd ---- */

/* Refused even while the first is stopped (hung), without touching its queue. */
START_TEST(test_second_daemon_refused_while_first_hangs) {
        char path[] = "/tmp/msgq-test-conf-XXXXXX";
        const char *extra[] = { "-c", path, NULL };
        struct daemon second;
        struct msqid_ds before, after;
        int fd = mkstemp(path), id;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "[msgq]\nmode = 0600\n"), 0);
        close(fd);
        start();
        id = msqid();
        call(dmn.key, MSGQ_OP_LED_ON);
        stop_daemon_process();
        send_raw(id, (uint32_t) getpid(), 7, MSGQ_OP_LED_STATE, 30000);
        ck_assert_int_eq(msgq_queue_stat(id, &before), 0);

        ck_assert_int_eq(daemon_start(&second, dmn.key, extra), -ECHILD);
        unlink(path);
        ck_assert_msg(strstr(daemon_log(&second), "another msgqd is already serving key"),
                      "%s", daemon_log(&second));
        ck_assert_int_eq(msgq_queue_stat(id, &after), 0);
        ck_assert_int_eq(after.msg_perm.mode & 0777, 0660); /* not the second's 0600 */
        ck_assert_int_eq(after.msg_qnum, 1);               /* its request still waits */
        ck_assert_int_eq(after.msg_lrpid, before.msg_lrpid);

        ck_assert_int_eq(kill(dmn.pid, SIGCONT), 0);
        {
                unsigned char body[MSGQ_MSG_MAX];
                struct msgq_reply rep;
                long mtype;
                ssize_t n = -1;
                for (int i = 0; i < 500 && n < 0; i++) {
                        n = msgq_queue_recv(id, msgq_reply_type((uint32_t) getpid()), &mtype, body,
                                            sizeof body, IPC_NOWAIT);
                        if (n < 0)
                                sleep_ms(10);
                }
                ck_assert_int_gt(n, 0);
                ck_assert_int_eq(msgq_reply_decode(body, (size_t) n, &rep), 0);
                ck_assert_uint_eq(rep.token, 7);
                ck_assert_uint_eq(rep.led.on, 1);
                ck_assert_uint_eq(rep.daemon_pid, (uint32_t) dmn.pid);
        }
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- start-up errors leave nothing half-started ---- */

START_TEST(test_bad_gpio_leaves_nothing_behind) {
        static const char *const specs[] = { "NO_SUCH_LINE_42", "gpiochip99:3", "0:99999", ":",
                                             "x:y" };
        /* A line this machine lacks is 6 (the unit does not restart), a malformed spec 2. */
        static const int status[] = { 6, 6, 6, 2, 2 };
        key_t key = test_key();
        char keystr[16];

        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
                const char *argv[] = { "msgqd", "-k", keystr, "--gpio", specs[i], NULL };
                char expect[64];
                struct run r;

                ck_assert_int_eq(run_prog(&r, 10000, argv), 0);
                ck_assert_int_eq(r.status, status[i]);
                snprintf(expect, sizeof expect, "msgqd: ");
                ck_assert_msg(strncmp(r.err, expect, strlen(expect)) == 0, "%s", r.err);
                snprintf(expect, sizeof expect, "'%s'", specs[i]);
                ck_assert_msg(strstr(r.err, expect) != NULL, "%s", r.err);
                ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "one line: %s", r.err);
                ck_assert(!queue_exists(key));
        }
        /* Nor a lock: a daemon on the same key starts at once. */
        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- who may use the queue ---- */

/*
 * Who the tests act as when they try the queue from outside: as root, the
 * user nobody; otherwise (NULL) this user, with the queue's mode taken away.
 */
static const struct user *outsider(void) {
        static struct user nobody;

        if (geteuid() != 0)
                return NULL;
        nobody = user_nobody();
        return &nobody;
}

/* As the outsider, by hand: open the queue by key and send "EXIT".  The errno, or 0. */
static int raw_exit_as(key_t key, const struct user *o) {
        int p[2], err = -1, st;
        pid_t pid;

        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        if (pid == 0) {
                int id, e = 0;
                if (o)
                        become_user(o);
                id = msgget(key, 0);
                if (id < 0)
                        e = errno;
                else
                        e = -msgq_queue_send(id, 1, "EXIT", 5, IPC_NOWAIT);
                if (write(p[1], &e, sizeof e) != sizeof e)
                        _exit(1);
                _exit(0);
        }
        ck_assert_int_gt(pid, 0);
        close(p[1]);
        ck_assert_int_eq(read(p[0], &err, sizeof err), sizeof err);
        close(p[0]);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        return err;
}

/* As root: the queue to nobody, mode 0 (refuses even its owner); else: mode 0. */
static void lock_out(int id, const struct user *o, struct msqid_ds *saved) {
        struct msqid_ds ds;

        ck_assert_int_eq(msgq_queue_stat(id, &ds), 0);
        *saved = ds;
        ds.msg_perm.mode = 0;
        if (o) {
                ds.msg_perm.uid = o->uid;
                ds.msg_perm.gid = o->gid;
        }
        ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
}

#define EXPECT_DENIED(r)                                                                           \
        do {                                                                                       \
                ck_assert_msg((r)->status == 4, "exit %d: %s", (r)->status, (r)->err);             \
                ck_assert_msg(strstr((r)->err, "msgqctl: permission denied on the queue") == (r)->err, \
                              "%s", (r)->err);                                                     \
                ck_assert_str_eq((r)->out, "");                                                    \
        } while (0)

/* Neither msgqctl (shutdown, led, send) nor a hand-made "EXIT" gets through; the daemon serves on. */
static void assert_cannot_command(const struct user *o) {
        char key[16];
        const char *const argv[][6] = {
                { "msgqctl", "-k", key, "shutdown", NULL },
                { "msgqctl", "-k", key, "led", "on", NULL },
                { "msgqctl", "-k", key, "send", "hello", NULL },
        };
        struct run r;

        snprintf(key, sizeof key, "0x%08x", (unsigned) dmn.key);
        for (size_t i = 0; i < sizeof argv / sizeof argv[0]; i++) {
                ck_assert_int_eq(run_prog_as(&r, 15000, o, argv[i]), 0);
                EXPECT_DENIED(&r);
        }
        ck_assert_int_eq(raw_exit_as(dmn.key, o), EACCES);
        ck_assert_int_eq(daemon_wait(&dmn, 200), -ETIMEDOUT); /* still running */
}

/*
 * An outsider cannot stop or command msgqd.  As root, the rest of the
 * story too: the queue's group comes from the configuration, and nobody
 * may use the queue once in that group.
 */
START_TEST(test_outsider_cannot_command_daemon) {
        char path[] = "/tmp/msgq-test-conf-XXXXXX";
        const char *extra[] = { "-c", path, NULL };
        const struct user *o = outsider();
        struct group *grp = getgrnam("users");
        gid_t member = grp ? grp->gr_gid : 100;
        struct msqid_ds ds, saved;
        char key[16];
        struct run r;
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "[msgq]\nmode = 0660\ngroup = %s\n", grp ? grp->gr_name : "users"), 0);
        close(fd);
        daemon_start_checked(&dmn, test_key(), extra);
        unlink(path);
        snprintf(key, sizeof key, "0x%08x", (unsigned) dmn.key);
        ck_assert_int_eq(msgq_queue_stat(msqid(), &ds), 0);
        ck_assert_uint_eq(ds.msg_perm.gid, member);
        ck_assert_uint_eq(ds.msg_perm.mode & 0777, 0660);

        if (!o)
                lock_out(msqid(), o, &saved);
        assert_cannot_command(o);
        if (!o)
                ck_assert_int_eq(msgctl(msqid(), IPC_SET, &saved), 0);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE).led.on, 0);
        ck_assert_uint_eq(stats(dmn.key).errors, 0); /* not even a bad request arrived */

        if (o) {
                const char *led[] = { "msgqctl", "-k", key, "led", "on", NULL };
                const char *shutdown[] = { "msgqctl", "-k", key, "shutdown", NULL };
                struct user in_group = *o;

                in_group.groups = &member;
                in_group.ngroups = 1;
                ck_assert_uint_ne(member, o->gid);
                ck_assert_int_eq(run_prog_as(&r, 15000, &in_group, led), 0);
                ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
                ck_assert_str_eq(r.out, "led: on\n");
                ck_assert_int_eq(run_prog_as(&r, 15000, &in_group, shutdown), 0);
                ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
                ck_assert_int_eq(daemon_wait(&dmn, 10000), 0);
                ck_assert(!queue_exists(dmn.key));
        } else {
                daemon_stop_checked(&dmn);
        }
}
END_TEST

/* A queue of mode 0 refuses its owner too, with a message that says so. */
START_TEST(test_mode_zero_refuses_owner) {
        const struct user *o = outsider();
        struct msqid_ds saved;
        struct run r;
        char key[16];
        const char *led[] = { "msgqctl", "-k", key, "led", "on", NULL };

        start();
        snprintf(key, sizeof key, "0x%08x", (unsigned) dmn.key);
        lock_out(msqid(), o, &saved);
        ck_assert_int_eq(run_prog_as(&r, 15000, o, led), 0);
        EXPECT_DENIED(&r);
        ck_assert_msg(strstr(r.err, "mode 0000"), "%s", r.err);
        ck_assert_int_eq(msgctl(msqid(), IPC_SET, &saved), 0);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE).led.on, 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- bad command lines ---- */

/*
 * msgqctl fed random command lines, made of its own words, numbers at and
 * past every limit, and junk: each ends with a documented exit code and,
 * unless 0, one message that names the program.  Never a crash, never a
 * hang.  The generator's seed is fixed, so a failure can be replayed.
 */
static const char *const words[] = {
        "led", "on", "off", "toggle", "state", "blink", "send", "ping", "stats", "status", "help",
        "shutdown", "-c", "--config", "-t", "--timeout", "-p", "--priority", "-j", "--json",
        "-h", "--help", "-V", "--version", "-c", "-i", "--count", "--interval", "--", "-",
        "0", "1", "10", "11", "19", "20", "3600", "3600.001", "3600000", "3600001", "1000000",
        "1000001", "4294967295", "4294967296", "18446744073709551616", "-1", "0x", "0x0",
        "0xffffffff", "0x100000000", "2147483648", "012", "1e3", "0.0005", "nan", "inf",
        "", " ", "%s%n%x", "\xff\xfe", "h\xc3\xa9llo", "tab\there", "new\nline", "/dev/null",
        "/nonexistent/msgq.conf", "frobnicate",
};

static const char *random_word(char *junk, size_t size) {
        unsigned k = (unsigned) random() % (sizeof words / sizeof words[0] + 4);
        size_t n;

        if (k < sizeof words / sizeof words[0])
                return words[k];
        n = 1 + (size_t) random() % (size - 1);
        for (size_t i = 0; i < n; i++)
                junk[i] = (char) (1 + random() % 255); /* anything but NUL */
        junk[n - 1] = '\0';
        if (junk[0] == '-')
                junk[0] = 'x'; /* no option: -k or --k... would name another queue */
        return junk;
}

static void check_exit(const struct run *r, const char *const *argv, bool daemon) {
        char line[2048] = "";

        for (const char *const *a = argv; *a; a++)
                snprintf(line + strlen(line), sizeof line - strlen(line), "'%.40s' ", *a);
        ck_assert_msg(r->status >= 0 && r->status <= 4 && (daemon || r->status != 1),
                      "exit %d for %s: %s", r->status, line, r->err);
        if (r->status != 0)
                ck_assert_msg(strncmp(r->err, "msgqctl: ", 9) == 0, "exit %d for %s: %s",
                              r->status, line, r->err);
}

static void random_command_lines(key_t key, int rounds, bool daemon) {
        char keystr[16];

        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        for (int i = 0; i < rounds; i++) {
                static char junk[4][300];
                const char *argv[12] = { "msgqctl", "-k", keystr, "-t", "0.2" };
                int n = 5, words_n = 1 + (int) (random() % 6);
                struct run r;

                for (int w = 0; w < words_n; w++) {
                        const char *word = random_word(junk[w % 4], sizeof junk[0]);
                        /* With a daemon, do not let chance stop it, or ping it for hours. */
                        if (daemon && (strcmp(word, "shutdown") == 0 || strcmp(word, "ping") == 0))
                                word = "stats";
                        argv[n++] = word;
                }
                argv[n] = NULL;
                ck_assert_int_eq(run_prog(&r, 15000, argv), 0);
                check_exit(&r, argv, daemon);
        }
}

START_TEST(test_random_command_lines) {
        srandom(20240611);
        random_command_lines(test_key(), 300, false); /* no queue */
        start();
        random_command_lines(dmn.key, 300, true);
        ck_assert_int_eq(daemon_wait(&dmn, 0), -ETIMEDOUT); /* still running */
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_huge_arguments) {
        enum { HUGE = 100000 }; /* one argument may not exceed 128 KiB (MAX_ARG_STRLEN) */
        char *big = malloc(HUGE + 1);
        char key[16];
        struct run r;

        ck_assert_ptr_nonnull(big);
        memset(big, 'a', HUGE);
        big[HUGE] = '\0';
        start();
        snprintf(key, sizeof key, "0x%08x", (unsigned) dmn.key);
        {
                const char *send[] = { "msgqctl", "-k", key, "send", big, NULL };
                const char *bigkey[] = { "msgqctl", "-k", big, "ping", NULL };
                const char *prio[] = { "msgqctl", "-k", key, "-p", big, "ping", NULL };
                const char *blink[] = { "msgqctl", "-k", key, "led", "blink", big, NULL };
                const char *cmd[] = { "msgqctl", "-k", key, big, NULL };

                ck_assert_int_eq(run_prog(&r, 15000, send), 0);
                ck_assert_msg(r.status == 2 && strstr(r.err, "text too long: 100000 bytes"), "%d %s",
                              r.status, r.err);
                ck_assert_int_eq(run_prog(&r, 15000, bigkey), 0);
                ck_assert_int_eq(r.status, 2);
                ck_assert_int_eq(run_prog(&r, 15000, prio), 0);
                ck_assert_int_eq(r.status, 2);
                ck_assert_int_eq(run_prog(&r, 15000, blink), 0);
                ck_assert_int_eq(r.status, 2);
                ck_assert_int_eq(run_prog(&r, 15000, cmd), 0);
                ck_assert_int_eq(r.status, 2);
                ck_assert_uint_lt(strlen(r.err), 4096); /* not the whole argument back */
        }
        free(big);
        ck_assert_uint_eq(stats(dmn.key).errors, 0); /* nothing bad reached the daemon */
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- the state directory on a full filesystem ---- */

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "w");

        ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

/*
 * This test's process (forked for it alone) in a mount namespace of its
 * own, with a small tmpfs on dir: the msgqd it starts keeps its state
 * there, and nothing outside sees it.  Not root: in a user namespace of its
 * own too, as the same user (msgqd, exec'd by that user, has no privilege).
 */
static void private_tmpfs(const char *dir, const char *size) {
        uid_t uid = geteuid();
        gid_t gid = getegid();

        if (uid != 0) {
                ck_assert_msg(unshare(CLONE_NEWUSER) == 0, "unshare(CLONE_NEWUSER): %s", strerror(errno));
                write_text("/proc/self/setgroups", "deny");
                write_text("/proc/self/uid_map", fmt("%u %u 1", (unsigned) uid, (unsigned) uid));
                write_text("/proc/self/gid_map", fmt("%u %u 1", (unsigned) gid, (unsigned) gid));
        }
        ck_assert_msg(unshare(CLONE_NEWNS) == 0, "unshare(CLONE_NEWNS): %s", strerror(errno));
        ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        ck_assert_msg(mount("msgq-test", dir, "tmpfs", MS_NOSUID | MS_NODEV, fmt("size=%s,mode=0755", size)) == 0,
                      "mount tmpfs on %s: %s", dir, strerror(errno));
}

/* Take every block left on dir's filesystem; the file that holds them. */
static const char *fill(const char *dir) {
        const char *path = fmt("%s/filler", dir);
        static const char block[4096];
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        ck_assert_int_ge(fd, 0);
        while (write(fd, block, sizeof block) > 0)
                ;
        while (write(fd, block, 1) > 0)
                ;
        ck_assert_int_eq(errno, ENOSPC);
        close(fd);
        return path;
}

static const char *led_cmd(key_t key, const char *what) {
        static struct run r;

        ck_assert_int_eq(ctl(&r, key, "led", what, NULL), 0);
        ck_assert_msg(r.status == 0, "msgqctl led %s: exit %d: %s", what, r.status, r.err);
        return r.out;
}

/* The state file at file once line i of it is on (waited for up to 2 s). */
static const struct ledstate_file *wait_line_on(const char *file, size_t i) {
        static struct ledstate_file f;

        for (uint64_t end = monotonic_ms() + (uint64_t) scaled(2000);; sleep_ms(5)) {
                if (ledstate_file_load(file, &f) == 0 && f.n > i && f.line[i].on)
                        return &f;
                ck_assert_msg(monotonic_ms() < end, "%s: line %zu never on", file, i);
        }
}

/*
 * The state directory full: a change is still kept, written over a slot of
 * the file the start made (its room taken before the disk was full): led
 * on on the full disk, kill -9, restart: on, restored, and nothing was said
 * of a state that cannot be kept.
 */
START_TEST(test_full_disk_no_stale_state) {
        const char *dir = harness_state_dir(), *filler;
        key_t key = test_key();
        const char *file = fmt("%s/led.0x%08x", dir, (unsigned) key);

        private_tmpfs(dir, "64k");
        daemon_start_checked(&dmn, key, NULL);
        filler = fill(dir);
        ck_assert_str_eq(led_cmd(key, "on"), "led: on\n");
        wait_line_on(file, 0);
        ck_assert_str_eq(led_cmd(key, "state"), "led: on\n"); /* a round trip after the write's log line */
        ck_assert_msg(!strstr(daemon_log(&dmn), "cannot keep"), "log: %s", daemon_log(&dmn));
        daemon_kill(&dmn);
        ck_assert_int_eq(unlink(filler), 0);

        daemon_start_checked(&dmn, key, NULL);
        ck_assert_msg(strstr(daemon_log(&dmn), "LED restored: on"), "log: %s", daemon_log(&dmn));
        ck_assert_str_eq(led_cmd(key, "state"), "led: on\n");
        daemon_stop_checked(&dmn);
}
END_TEST

/* One line's op (its index) through the client code: the reply, status 0. */
static struct msgq_reply line_call(key_t key, uint16_t op, uint16_t line) {
        struct msgq_request req = { .op = op, .line = line };
        struct msgq_client c;
        struct msgq_reply rep;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        ck_assert_int_eq(msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, 10000), 0);
        msgq_client_close(&c);
        ck_assert_int_eq(rep.status, MSGQ_OK);
        return rep;
}

/*
 * A write over a slot that finds no room (a filesystem that must allocate
 * to overwrite, as a copy-on-write one does; here: the slot's first page
 * punched out of the file on a full tmpfs) fails with ENOSPC, is said, and
 * leaves none of the earlier state for a start to take as the last: line
 * 39 of 40 on (change 1, the second slot), the first slot's page punched,
 * the disk full, line 39 off (answered: the line did change), kill -9,
 * restart: not restored on.  40 lines make slots larger than a page.
 */
START_TEST(test_full_disk_in_place) {
        const char *dir = harness_state_dir(), *filler;
        key_t key = test_key();
        char file[PATH_MAX], conf[PATH_MAX], text[4096] = "";
        const char *extra[] = { "-c", conf, NULL };
        const struct ledstate_file *f;
        FILE *cf;
        int fd;

        snprintf(file, sizeof file, "%s/led.0x%08x", dir, (unsigned) key);
        snprintf(conf, sizeof conf, "%s/msgq.conf", dir);
        private_tmpfs(dir, "256k");
        for (int i = 0; i < 40; i++)
                snprintf(text + strlen(text), sizeof text - strlen(text), "[output line_%02d]\ngpio = gpiochip0:%d\n",
                         i, i);
        cf = fopen(conf, "w");
        ck_assert_ptr_nonnull(cf);
        fputs(text, cf);
        ck_assert_int_eq(fclose(cf), 0);
        daemon_start_checked(&dmn, key, extra);
        ck_assert(line_call(key, MSGQ_OP_LED_ON, 39).led.on);
        f = wait_line_on(file, 39);
        ck_assert_uint_eq(f->changes, 1);
        ck_assert_uint_eq(f->slot, 1);
        ck_assert_uint_gt(f->slot_size, 4096);
        fd = open(file, O_RDWR | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);
        close(fd);
        filler = fill(dir);
        ck_assert(!line_call(key, MSGQ_OP_LED_OFF, 39).led.on);
        ck_assert_msg(daemon_log_wait(&dmn, "No space left on device; the lines work, but a restart will find "
                                            "no state to restore", scaled(2000)), "log: %s", daemon_log(&dmn));
        daemon_kill(&dmn);
        ck_assert_int_eq(unlink(filler), 0);

        daemon_start_checked(&dmn, key, extra);
        ck_assert_msg(!strstr(daemon_log(&dmn), "line_39 restored: on"), "the state before the full disk "
                      "came back: %s", daemon_log(&dmn));
        ck_assert(!line_call(key, MSGQ_OP_LED_STATE, 39).led.on);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- runner ---- */

/* Per test, in the parent: this suite's own state. */
static void reset(void) {
        memset(&dmn, 0, sizeof dmn);
}

int main(void) {
        Suite *s = suite_create("faults");

        harness_init();
        tally = harness_shared(sizeof *tally);
        harness_set_hooks(reset, NULL);
        harness_add(s, "sigkill", test_sigkill_next_daemon_serves_waiting, 120);
        harness_add(s, "sigstop", test_sigstop_clients_time_out_then_served, 120);
        harness_add(s, "exit-answered", test_exit_request_always_answered, 120);
        harness_add(s, "ipcrm-under-load", test_ipcrm_under_load, 120);
        harness_add(s, "qbytes-lowered", test_qbytes_lowered_under_load, 120);
        harness_add(s, "killed-clients", test_killed_clients_replies_reclaimed, 120);
        harness_add(s, "killed-clients-late", test_killed_clients_late_replies_not_sent, 120);
        harness_add(s, "second-daemon-hung", test_second_daemon_refused_while_first_hangs, 120);
        harness_add(s, "bad-gpio", test_bad_gpio_leaves_nothing_behind, 120);
        harness_add(s, "outsider", test_outsider_cannot_command_daemon, 120);
        harness_add(s, "mode-zero", test_mode_zero_refuses_owner, 120);
        harness_add(s, "random-command-lines", test_random_command_lines, 120);
        harness_add(s, "huge-arguments", test_huge_arguments, 120);
        harness_add(s, "full-disk", test_full_disk_no_stale_state, 120);
        harness_add(s, "full-disk-in-place", test_full_disk_in_place, 120);
        return harness_run(s);
}
