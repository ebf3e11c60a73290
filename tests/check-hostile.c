/* SPDX-License-Identifier: MIT */
/*
 * Integration, against a hostile local user and a hostile environment: a
 * user who creates a queue or a lock on msgqd's key before msgqd does; a
 * second msgqd in another network or IPC namespace; SIGHUP and SIGPIPE;
 * watchers killed while they wait; clients with one PID in different PID
 * namespaces on a full queue.  The real msgqd --sim on private keys; run
 * as root (the squatter is another user).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"
#include "protocol.h"
#include "queue.h"

static struct daemon dmn;

/* msgqd's places for watchers (daemon/lines.h's LINES_WATCHERS_MAX), as a client sees them. */
#define LINES_WATCHERS_MAX_SEEN 64

/* Another local user: uid and gid 1 (Debian's "daemon"), not root, not nobody. */
static const struct user squatter = { .uid = 1, .gid = 1 };

static void need_root(void) {
        ck_assert_msg(geteuid() == 0, "these tests act as other users: run them as root");
}

static const char *keystr(key_t key) {
        return fmt("0x%08x", (unsigned) key);
}

enum act {
        SQUAT_QUEUE, /* create a queue on the key, with an "ON" request on it */
        SQUAT_LOCK,  /* create a semaphore on the key */
        SEND,        /* send an "ON" request to the queue on the key */
};

/* As user u, in a child: act on key (mode for what it creates).  0 when done, else the errno that stopped it. */
static int as_user_mode(key_t key, const struct user *u, enum act what, int mode) {
        pid_t pid = fork();
        int st;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct msgq_msgbuf m = { .mtype = 1 };
                int id;
                become_user(u);
                if (what == SQUAT_LOCK)
                        _exit(semget(key, 1, IPC_CREAT | IPC_EXCL | mode) < 0 ? errno : 0);
                id = what == SEND ? msgget(key, 0) : msgget(key, IPC_CREAT | IPC_EXCL | mode);
                memcpy(m.body, "ON", 2);
                _exit(id < 0 || msgsnd(id, &m, 2, IPC_NOWAIT) < 0 ? errno : 0);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert(WIFEXITED(st));
        return WEXITSTATUS(st);
}

/* The same, what it creates with mode 0666. */
static int as_user(key_t key, const struct user *u, enum act what) {
        return as_user_mode(key, u, what, 0666);
}

/* As user u: a queue (or a lock) on key before msgqd makes one.  Fails the test unless it could. */
static void squat(key_t key, const struct user *u, bool lock) {
        int e = as_user(key, u, lock ? SQUAT_LOCK : SQUAT_QUEUE);

        ck_assert_msg(e == 0, "could not squat key 0x%08x: %s", (unsigned) key, strerror(e));
}

static void write_config(const char *path, const char *text) {
        FILE *f = fopen(path, "w");

        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(text, f), 0);
        ck_assert_int_eq(fclose(f), 0);
}

static struct msgq_reply call(key_t key, uint16_t op, uint32_t arg0, uint32_t arg1, uint64_t timeout_ms) {
        struct msgq_client c;
        struct msgq_request req = { .op = op, .arg0 = arg0, .arg1 = arg1 };
        struct msgq_reply rep;
        int r;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, timeout_ms);
        msgq_client_close(&c);
        ck_assert_msg(r == 0, "%s failed: %s", msgq_op_to_string(op), strerror(-r));
        return rep;
}

/* ---- 1. key squatting ---- */

/* msgqd as root removes a queue another user made on its key, with what waited on it. */
START_TEST(test_squatted_queue_removed_by_root) {
        key_t key = test_key();
        struct user nobody = user_nobody();
        struct msqid_ds ds;

        need_root();
        squat(key, &nobody, false);
        daemon_start_checked(&dmn, key, NULL);
        ck_assert_msg(strstr(daemon_log(&dmn), "removed a queue on key") &&
                      strstr(daemon_log(&dmn), "creator nobody (uid 65534)"), "%s", daemon_log(&dmn));
        ck_assert_int_eq(msgq_queue_stat(msgget(key, 0), &ds), 0);
        ck_assert_uint_eq(ds.msg_perm.cuid, 0);
        ck_assert_uint_eq(ds.msg_perm.uid, 0);
        ck_assert_uint_eq(ds.msg_perm.mode & 0777, 0660);
        ck_assert_int_eq(as_user(key, &nobody, SEND), EACCES);
        /* The squatter's "ON" went with its queue. */
        ck_assert_uint_eq(call(key, MSGQ_OP_LED_STATE, 0, 0, 5000).led.on, 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/* msgqd as another user cannot remove it: it refuses, in one line that says whose it is, with 4. */
START_TEST(test_squatted_queue_refused_by_service_user) {
        key_t key = test_key();
        struct user nobody = user_nobody();
        const char *argv[] = { "msgqd", "--sim", "-k", keystr(key), NULL };
        struct msqid_ds ds;
        struct run r;

        need_root();
        squat(key, &squatter, false);
        ck_assert_int_eq(run_prog_as(&r, 15000, &nobody, argv), 0);
        ck_assert_msg(r.status == 4, "exit %d: %s", r.status, r.err);
        ck_assert_msg(strstr(r.err, "is taken by a queue that msgqd did not make (owner daemon (uid 1), "
                                    "creator daemon (uid 1))") || strstr(r.err, "(owner uid 1, creator uid 1)"),
                      "%s", r.err);
        ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
        /* Not touched: the squatter's mode, and its request. */
        ck_assert_int_eq(msgq_queue_stat(msgget(key, 0), &ds), 0);
        ck_assert_uint_eq(ds.msg_perm.mode & 0777, 0666);
        ck_assert_uint_eq(ds.msg_qnum, 1);
        ck_assert_int_eq(semget(key, 0, 0), -1); /* nor a lock left behind */
        ck_assert_int_eq(msgq_queue_remove(msgget(key, 0)), 0);
}
END_TEST

/* glibc leaves this union to the caller. */
union semun {
        int val;
        struct semid_ds *buf;
        unsigned short *array;
};

/* The semaphore set on key, stat'ed: its id, failing the test if there is none. */
static int sem_on(key_t key, struct semid_ds *ds) {
        int id = semget(key, 0, 0);

        ck_assert_msg(id >= 0, "no semaphore on key 0x%08x: %s", (unsigned) key, strerror(errno));
        ck_assert_int_eq(semctl(id, 0, IPC_STAT, (union semun) { .buf = ds }), 0);
        return id;
}

/* The start step, as root, for user nobody on key: its run. */
static void claim_for(struct run *r, key_t key, const char *option) {
        const char *argv[] = { "msgqd", option, "nobody", "-k", keystr(key), NULL };

        ck_assert_int_eq(run_prog(r, 15000, argv), 0);
}

/*
 * The service's start step removes another user's queue and lock and makes
 * msgqd's own for the service's user, which msgqd then adopts; what root or
 * that user made is given to it, and what waits on a queue stays.
 */
START_TEST(test_claim_for_start_step) {
        key_t key = test_key(), own = test_key();
        struct user nobody = user_nobody();
        struct semid_ds sds;
        struct msqid_ds qds;
        struct run r;
        int semid;

        need_root();
        squat(key, &squatter, false);
        squat(key, &squatter, true);
        claim_for(&r, key, "--claim-for");
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        ck_assert_msg(strstr(r.err, "removed a queue") && strstr(r.err, "removed a semaphore"), "%s", r.err);
        /* msgqd's lock and queue, made by root for nobody, the queue in nobody's group from the start. */
        sem_on(key, &sds);
        ck_assert_msg(sds.sem_nsems == 1 && sds.sem_perm.cuid == 0 && sds.sem_perm.uid == nobody.uid &&
                      (sds.sem_perm.mode & 0777) == 0600, "lock: %lu sems, cuid %u, uid %u, mode %o",
                      (unsigned long) sds.sem_nsems, sds.sem_perm.cuid, sds.sem_perm.uid, sds.sem_perm.mode);
        ck_assert_int_eq(msgq_queue_stat(msgget(key, 0), &qds), 0);
        ck_assert_uint_eq(qds.msg_perm.cuid, 0);
        ck_assert_uint_eq(qds.msg_perm.uid, nobody.uid);
        ck_assert_uint_eq(qds.msg_perm.cgid, nobody.gid);
        ck_assert_uint_eq(qds.msg_perm.gid, nobody.gid);
        ck_assert_uint_eq(qds.msg_perm.mode & 0777, 0660);
        ck_assert_uint_eq(qds.msg_qnum, 0); /* the squatter's "ON" went with its queue */
        /* msgqd as nobody adopts both, serves, and removes both on a clean stop. */
        ck_assert_int_eq(daemon_start_as(&dmn, key, NULL, &nobody), 0);
        ck_assert_uint_eq(call(key, MSGQ_OP_LED_STATE, 0, 0, 5000).led.on, 0);
        daemon_stop_checked(&dmn);
        ck_assert_int_eq(semget(key, 0, 0), -1);

        /* A queue left by an earlier msgqd of the service's user stays, with what waits on it (earlier name). */
        squat(own, &nobody, false);
        claim_for(&r, own, "--remove-foreign");
        ck_assert_msg(r.status == 0 && r.err[0] == '\0', "exit %d: %s", r.status, r.err);
        ck_assert_int_eq(queue_count(own), 1);

        /* A lock a msgqd run as root left (killed), that nobody holds: given to nobody, not removed. */
        semid = semget(key, 1, IPC_CREAT | IPC_EXCL | 0600);
        ck_assert_int_ge(semid, 0);
        claim_for(&r, key, "--claim-for");
        ck_assert_msg(r.status == 0 && r.err[0] == '\0', "exit %d: %s", r.status, r.err);
        ck_assert_int_eq(sem_on(key, &sds), semid);
        ck_assert_uint_eq(sds.sem_perm.uid, nobody.uid);
        ck_assert_int_eq(semctl(semid, 0, IPC_RMID), 0);
        ck_assert_int_eq(msgq_queue_remove(msgget(key, 0)), 0);
}
END_TEST

/*
 * A semaphore set root made on the key that is not msgqd's lock (another
 * root service's: 3 semaphores, the first at 0): the start step refuses it,
 * naming its owner, and msgqd as root does not take it for a lock.
 */
START_TEST(test_claim_for_not_a_lock) {
        key_t key = test_key();
        unsigned short values[3] = { 0, 5, 7 }, now[3];
        const char *serve[] = { "msgqd", "--sim", "-k", keystr(key), NULL };
        int semid = semget(key, 3, IPC_CREAT | IPC_EXCL | 0600);
        struct run r;

        need_root();
        ck_assert_int_ge(semid, 0);
        ck_assert_int_eq(semctl(semid, 0, SETALL, (union semun) { .array = values }), 0);
        claim_for(&r, key, "--claim-for");
        ck_assert_msg(r.status == 4, "exit %d: %s", r.status, r.err);
        ck_assert_msg(strstr(r.err, fmt("key %s holds a set of 3 semaphores (mode 0600; owner root (uid 0), "
                                        "creator root (uid 0)) that is not msgqd's lock", keystr(key))),
                      "%s", r.err);
        ck_assert(!queue_exists(key));
        ck_assert_int_eq(run_prog(&r, 15000, serve), 0);
        ck_assert_msg(r.status == 4 && strstr(r.err, "that is not msgqd's (owner root (uid 0)"), "exit %d: %s",
                      r.status, r.err);
        ck_assert(!queue_exists(key));
        /* Untouched: the same set, its values as they were. */
        ck_assert_int_eq(semget(key, 0, 0), semid);
        ck_assert_int_eq(semctl(semid, 0, GETALL, (union semun) { .array = now }), 0);
        ck_assert_msg(now[0] == 0 && now[1] == 5 && now[2] == 7, "values %u %u %u", now[0], now[1], now[2]);
        ck_assert_int_eq(semctl(semid, 0, IPC_RMID), 0);
}
END_TEST

/* Whether the squatter's queue comes to be on key within 5 s. */
static bool squatted(key_t key) {
        for (int i = 0; i < scaled(500); i++) {
                struct msqid_ds ds;
                if (msgq_queue_stat(msgget(key, 0), &ds) == 0 && ds.msg_perm.cuid == squatter.uid)
                        return true;
                sleep_ms(10);
        }
        return false;
}

/*
 * A user who keeps making a semaphore and a queue on the key, in a tight
 * loop, while the start step and msgqd's start run, five times (a restart
 * each): msgqd serves every time.
 */
START_TEST(test_claim_for_race) {
        key_t key = test_key();
        struct user nobody = user_nobody();
        pid_t loop = fork();
        struct run r;

        need_root();
        ck_assert_int_ge(loop, 0);
        if (loop == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                become_user(&squatter);
                for (;;) {
                        semget(key, 1, IPC_CREAT | IPC_EXCL | 0644);
                        msgget(key, IPC_CREAT | IPC_EXCL | 0644);
                }
        }
        for (int i = 0; i < 5; i++) {
                int st;
                ck_assert_msg(squatted(key), "round %d: the squatter has no queue on the key", i);
                claim_for(&r, key, "--claim-for");
                ck_assert_msg(r.status == 0, "round %d: the start step: exit %d: %s", i, r.status, r.err);
                st = daemon_start_as(&dmn, key, NULL, &nobody);
                ck_assert_msg(st == 0, "round %d: msgqd did not serve (%s): %s", i, strerror(-st), daemon_log(&dmn));
                ck_assert_uint_eq(call(key, MSGQ_OP_PING, 0, 0, 5000).daemon_pid, (uint32_t) dmn.pid);
                /* The squatter takes the key again as soon as msgqd has removed its queue (squatted above). */
                st = daemon_stop(&dmn);
                ck_assert_msg(st == 0, "round %d: msgqd exited %d: %s", i, st, daemon_log(&dmn));
        }
        kill(loop, SIGKILL);
        ck_assert_int_eq(waitpid(loop, NULL, 0), loop);
}
END_TEST

/* Squatted with mode 0600, which msgqd as another user may not read: still named, from the kernel's list. */
START_TEST(test_squatter_named) {
        key_t key = test_key();
        struct user nobody = user_nobody();
        const char *serve[] = { "msgqd", "--sim", "-k", keystr(key), NULL };
        static const char whose[] = "(owner daemon (uid 1), creator daemon (uid 1))";
        static const char uids[] = "(owner uid 1, creator uid 1)";
        struct run r;

        need_root();
        for (int lock = 0; lock < 2; lock++) {
                ck_assert_int_eq(as_user_mode(key, &squatter, lock ? SQUAT_LOCK : SQUAT_QUEUE, 0600), 0);
                ck_assert_int_eq(run_prog_as(&r, 15000, &nobody, serve), 0);
                ck_assert_msg(r.status == 4 && (strstr(r.err, whose) || strstr(r.err, uids)), "exit %d: %s",
                              r.status, r.err);
                ck_assert_msg(strstr(r.err, "'msgqd --claim-for nobody' (the service's start step)"), "%s", r.err);
                if (lock)
                        ck_assert_int_eq(semctl(semget(key, 0, 0), 0, IPC_RMID), 0);
                else
                        ck_assert_int_eq(msgq_queue_remove(msgget(key, 0)), 0);
        }
}
END_TEST

/* With a group configured, msgqd as root makes the queue in that group from the start (its creator's group). */
START_TEST(test_group_from_the_start) {
        char path[] = "/tmp/msgq-test-conf-XXXXXX";
        const char *extra[] = { "-c", path, NULL };
        struct user nobody = user_nobody();
        struct msqid_ds ds;
        int fd = mkstemp(path);

        need_root();
        ck_assert_int_ge(fd, 0);
        close(fd);
        write_config(path, "mode = 0660\ngroup = users\n");
        daemon_start_checked(&dmn, test_key(), extra);
        ck_assert_int_eq(msgq_queue_stat(msgget(dmn.key, 0), &ds), 0);
        ck_assert_uint_eq(ds.msg_perm.gid, 100);
        ck_assert_uint_eq(ds.msg_perm.cgid, 100);
        daemon_stop_checked(&dmn);
        /* As another user, outside the group: made with the owner's rights alone, then given group and mode. */
        ck_assert_int_eq(chmod(path, 0644), 0);
        ck_assert_int_eq(daemon_start_as(&dmn, test_key(), extra, &nobody), 0);
        ck_assert_int_eq(msgq_queue_stat(msgget(dmn.key, 0), &ds), 0);
        ck_assert_uint_eq(ds.msg_perm.gid, 100);
        ck_assert_uint_eq(ds.msg_perm.mode & 0777, 0660);
        daemon_stop_checked(&dmn);
        unlink(path);
}
END_TEST

/* ---- 2. one msgqd per key and IPC namespace ---- */

START_TEST(test_lock_holds_across_network_namespaces) {
        struct run r;

        daemon_start_checked(&dmn, test_key(), NULL);
        {
                const char *argv[] = { "unshare", "--net", "--", harness_program("msgqd"), "--sim",
                                       "-k", keystr(dmn.key), NULL };
                ck_assert_int_eq(run_prog(&r, 10000, argv), 0);
        }
        ck_assert_msg(r.status == 1 && strstr(r.err, "another msgqd is already serving key"), "exit %d: %s",
                      r.status, r.err);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_PING, 0, 0, 5000).daemon_pid, (uint32_t) dmn.pid);
        daemon_stop_checked(&dmn);
}
END_TEST

/* A msgqd in an IPC namespace of its own has a queue of its own: nothing to refuse. */
START_TEST(test_lock_free_in_another_ipc_namespace) {
        static const char script[] =
                "\"$1\" --sim -k \"$3\" & p=$!\n"
                "ok=1\n"
                "for i in $(seq 100); do\n"
                "  if \"$2\" -k \"$3\" ping -c 1 >/dev/null; then ok=0; break; fi\n"
                "  sleep 0.1\n"
                "done\n"
                "kill $p; wait $p; st=$?\n"
                "[ $ok = 0 ] || exit 10\n"
                "exit $st\n";
        struct run r;

        daemon_start_checked(&dmn, test_key(), NULL);
        {
                const char *argv[] = { "unshare", "--ipc", "--", "sh", "-c", script, "sh",
                                       harness_program("msgqd"), harness_program("msgqctl"),
                                       keystr(dmn.key), NULL };
                ck_assert_int_eq(run_prog(&r, 30000, argv), 0);
        }
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_PING, 0, 0, 5000).daemon_pid, (uint32_t) dmn.pid);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- 3. signals ---- */

START_TEST(test_sighup_reloads) {
        char path[] = "/tmp/msgq-test-conf-XXXXXX";
        const char *extra[] = { "-c", path, NULL };
        struct msqid_ds ds;
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        close(fd);
        write_config(path, "mode = 0660\n");
        daemon_start_checked(&dmn, test_key(), extra);
        write_config(path, "mode = 0640\ngroup = users\ngpio = gpiochip0:3\n");
        ck_assert_int_eq(kill(dmn.pid, SIGHUP), 0);
        ck_assert_msg(daemon_log_wait(&dmn, "configuration reloaded: queue mode 0640, group users", 5000), "%s",
                      daemon_log(&dmn));
        ck_assert_msg(strstr(daemon_log(&dmn), "the new LED line 'gpiochip0:3' takes effect when msgqd restarts"),
                      "%s", daemon_log(&dmn));
        ck_assert_int_eq(msgq_queue_stat(msgget(dmn.key, 0), &ds), 0);
        ck_assert_uint_eq(ds.msg_perm.mode & 0777, 0640);
        ck_assert_uint_eq(ds.msg_perm.gid, 100);

        /* A bad file on reload: msgqd says so and goes on as it was. */
        write_config(path, "mode = banana\n");
        ck_assert_int_eq(kill(dmn.pid, SIGHUP), 0);
        ck_assert_msg(daemon_log_wait(&dmn, "configuration not reloaded", 5000), "%s", daemon_log(&dmn));
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_ON, 0, 0, 5000).led.on, 1);
        ck_assert_int_eq(msgq_queue_stat(msgget(dmn.key, 0), &ds), 0);
        ck_assert_uint_eq(ds.msg_perm.mode & 0777, 0640);
        unlink(path);
        daemon_stop_checked(&dmn);
}
END_TEST

/* msgqd whose stderr nobody reads any more goes on serving (no death by SIGPIPE). */
START_TEST(test_sigpipe_ignored) {
        key_t key = test_key();
        const char *argv[] = { harness_program("msgqd"), "--sim", "-v", "-k", keystr(key), NULL };
        int p[2], st;
        pid_t pid;

        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                dup2(p[1], STDERR_FILENO);
                close(p[0]);
                close(p[1]);
                unsetenv("NOTIFY_SOCKET");
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        dmn.pid = pid;
        dmn.key = key;
        close(p[1]);
        for (int i = 0; i < scaled(500) && !queue_exists(key); i++)
                sleep_ms(10);
        ck_assert(queue_exists(key));
        close(p[0]); /* the reader goes away */
        for (int i = 0; i < 3; i++) /* each logged: each a write to the dead pipe */
                call(key, MSGQ_OP_LED_TOGGLE, 0, 0, 5000);
        ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);
        ck_assert_int_eq(kill(pid, SIGTERM), 0);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        dmn.pid = 0;
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x", st);
        ck_assert(!queue_exists(key));
}
END_TEST

/* msgq-mqtt: SIGHUP reads its configuration again, and restarts in place; a bad one is not applied. */
START_TEST(test_bridge_sighup_reloads) {
        char conf[] = "/tmp/msgq-test-mqtt-XXXXXX";
        const char *mqtt = getenv("MSGQ_MQTT");
        struct daemon bridge = { 0 };
        int fd = mkstemp(conf), log_fd, st;

        ck_assert_ptr_nonnull(mqtt);
        ck_assert_int_ge(fd, 0);
        close(fd);
        write_config(conf, "broker = mqtt://127.0.0.1:1\n"); /* nobody there: it waits for one */
        snprintf(bridge.log_path, sizeof bridge.log_path, "%s.log", conf);
        log_fd = open(bridge.log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(log_fd, 0);
        bridge.pid = fork();
        ck_assert_int_ge(bridge.pid, 0);
        if (bridge.pid == 0) {
                const char *argv[] = { mqtt, "-k", keystr(test_key()), "-c", "/dev/null", "-m", conf, NULL };
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                dup2(log_fd, STDERR_FILENO);
                unsetenv("NOTIFY_SOCKET");
                execv(mqtt, (char *const *) argv);
                _exit(127);
        }
        close(log_fd);
        ck_assert_msg(daemon_log_wait(&bridge, "bridging key", 5000), "%s", daemon_log(&bridge));
        ck_assert_int_eq(kill(bridge.pid, SIGHUP), 0);
        ck_assert_msg(daemon_log_wait(&bridge, "configuration reloaded: restarting in place", 5000), "%s",
                      daemon_log(&bridge));
        for (int i = 0; i < 500; i++) { /* the same PID, started again */
                const char *log = strstr(daemon_log(&bridge), "restarting in place");
                if (log && strstr(log, "bridging key"))
                        break;
                sleep_ms(10);
        }
        ck_assert_msg(strstr(strstr(daemon_log(&bridge), "restarting in place"), "bridging key"), "%s",
                      daemon_log(&bridge));
        ck_assert_int_eq(waitpid(bridge.pid, &st, WNOHANG), 0);

        write_config(conf, "broker = banana\n");
        ck_assert_int_eq(kill(bridge.pid, SIGHUP), 0);
        ck_assert_msg(daemon_log_wait(&bridge, "configuration not reloaded", 5000), "%s", daemon_log(&bridge));
        ck_assert_int_eq(waitpid(bridge.pid, &st, WNOHANG), 0);
        ck_assert_int_eq(kill(bridge.pid, SIGTERM), 0);
        ck_assert_int_eq(waitpid(bridge.pid, &st, 0), bridge.pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status 0x%x: %s", st, daemon_log(&bridge));
        unlink(conf);
        unlink(bridge.log_path);
}
END_TEST

/* ---- 6. nothing msgqd holds for a client outlives it ---- */

/* A watch of the LED from change since, with timeout_ms: its status, or a negative errno. */
static int watch_status(key_t key, uint64_t since, uint64_t timeout_ms, struct msgq_reply *rep) {
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_LED_WATCH, .arg0 = (uint32_t) since,
                                    .arg1 = (uint32_t) (since >> 32) };
        int r;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, rep, timeout_ms);
        msgq_client_close(&c);
        return r < 0 ? r : (int) rep->status;
}

/*
 * In a child, with a PID of its own: whether a watch now is let in (it
 * waits, until its 50 ms run out) rather than refused.
 */
static bool watch_admitted(key_t key, uint64_t since) {
        pid_t pid = fork();
        int st;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct msgq_reply rep;
                _exit(watch_status(key, since, 50, &rep) == -ETIMEDOUT ? 0 : 1);
        }
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/*
 * 64 msgqctl led watch: a 65th watch is let in all the same (the oldest
 * place goes).  Killed: the next watcher is told of the next change.
 */
START_TEST(test_killed_watchers_make_room) {
        enum { N = 64 };
        const char *argv[] = { harness_program("msgqctl"), "-k", NULL, "led", "watch", NULL };
        char buf[4096];
        struct msgq_reply rep;
        pid_t pids[N], changer;
        uint64_t since;
        int out[2], lines = 0;

        daemon_start_checked(&dmn, test_key(), NULL);
        argv[2] = keystr(dmn.key);
        since = call(dmn.key, MSGQ_OP_LED_STATE, 0, 0, 5000).led.changes;
        ck_assert_int_eq(pipe(out), 0);
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        prctl(PR_SET_PDEATHSIG, SIGKILL);
                        dup2(out[1], STDOUT_FILENO);
                        execv(argv[0], (char *const *) argv);
                        _exit(127);
                }
        }
        close(out[1]);
        /* Each prints the state, then watches: all 64 places taken. */
        while (lines < N) {
                ssize_t n = read(out[0], buf, sizeof buf);
                ck_assert_msg(n > 0, "the watchers printed %d lines", lines);
                for (ssize_t i = 0; i < n; i++)
                        lines += buf[i] == '\n';
        }
        close(out[0]);
        sleep_ms(scaled(300));
        ck_assert_msg(watch_admitted(dmn.key, since), "a 65th watcher was refused");
        for (int i = 0; i < N; i++) {
                kill(pids[i], SIGKILL);
                waitpid(pids[i], NULL, 0);
        }

        changer = fork();
        ck_assert_int_ge(changer, 0);
        if (changer == 0) {
                sleep_ms(300);
                call(dmn.key, MSGQ_OP_LED_ON, 0, 0, 5000);
                _exit(0);
        }
        ck_assert_int_eq(watch_status(dmn.key, since, 5000, &rep), MSGQ_OK);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert_uint_eq(rep.led.changes, since + 1);
        reap_children(&changer, 1);
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * A group member forges 64 watches for live PIDs (1, 2, kernel threads),
 * each with a deadline an hour away.  A real msgqctl led watch started
 * after them takes a place all the same, and is told of the next change.
 */
START_TEST(test_forged_watches) {
        const char *argv[] = { harness_program("msgqctl"), "-k", NULL, "led", "watch", "2", NULL };
        uint32_t pids[LINES_WATCHERS_MAX_SEEN];
        char buf[256] = "";
        size_t got = 0;
        uint64_t since;
        pid_t watcher;
        int out[2], st;

        daemon_start_checked(&dmn, test_key(), NULL);
        argv[2] = keystr(dmn.key);
        since = call(dmn.key, MSGQ_OP_LED_STATE, 0, 0, 5000).led.changes;
        ck_assert_int_eq(live_pids(pids, LINES_WATCHERS_MAX_SEEN), LINES_WATCHERS_MAX_SEEN);
        ck_assert_int_eq(forge_requests(dmn.key, MSGQ_OP_LED_WATCH, since, pids, LINES_WATCHERS_MAX_SEEN),
                         LINES_WATCHERS_MAX_SEEN);
        call(dmn.key, MSGQ_OP_PING, 0, 0, 5000); /* after the forged ones: msgqd took them all */

        ck_assert_int_eq(pipe(out), 0);
        watcher = fork();
        ck_assert_int_ge(watcher, 0);
        if (watcher == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                dup2(out[1], STDOUT_FILENO);
                dup2(out[1], STDERR_FILENO);
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        close(out[1]);
        while (!strchr(buf, '\n')) { /* the state: now it watches */
                ssize_t n = read(out[0], buf + got, sizeof buf - 1 - got);
                ck_assert_msg(n > 0, "msgqctl led watch printed: %s", buf);
                got += (size_t) n;
                buf[got] = '\0';
        }
        sleep_ms(scaled(300));
        call(dmn.key, MSGQ_OP_LED_ON, 0, 0, 5000);
        for (ssize_t n; (n = read(out[0], buf + got, sizeof buf - 1 - got)) > 0;)
                got += (size_t) n;
        buf[got] = '\0';
        close(out[0]);
        ck_assert_int_eq(waitpid(watcher, &st, 0), watcher);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "msgqctl led watch: status 0x%x: %s", st, buf);
        ck_assert_msg(strstr(buf, " led: off\n") && strstr(buf, " led: on\n") &&
                      strstr(buf, " led: off\n") < strstr(buf, " led: on\n") &&
                      strstr(buf, " led: on\n")[9] == '\0', "%s", buf);
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * A group member floods the queue with pings for made-up PIDs (random, of
 * no process), each with a deadline an hour away, until the queue is full
 * or for as long as msgqd makes room.  An honest client is answered all the
 * same, within its usual timeout, and so is one after it.
 */
START_TEST(test_reply_flood) {
        enum { N = 2000 };
        static uint32_t pids[N];
        struct msgq_reply rep;
        int sent;

        daemon_start_checked(&dmn, test_key(), NULL);
        for (int i = 0; i < N; i++)
                do
                        pids[i] = 100000u + (uint32_t) random() % (MSGQ_PID_MAX - 100000u);
                while (kill((pid_t) pids[i], 0) == 0 || errno != ESRCH);
        sent = forge_requests(dmn.key, MSGQ_OP_PING, 0, pids, N);
        ck_assert_msg(sent >= 16384 / 40, "only %d forged requests went on the queue", sent);
        rep = call(dmn.key, MSGQ_OP_PING, 0, 0, 3000);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        rep = call(dmn.key, MSGQ_OP_STATS, 0, 0, 3000);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_gt(rep.stats.replies_reclaimed + rep.stats.replies_dropped, 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * The same flood for live PIDs (1, 2, kernel threads: processes that never
 * read a reply): once they have left their replies uncollected for 2 s,
 * those go, and an honest client is answered within 5 s.
 */
START_TEST(test_reply_flood_live_pids) {
        enum { N = 2000 };
        static uint32_t pids[N];
        struct msgq_reply rep;
        int live, sent;

        daemon_start_checked(&dmn, test_key(), NULL);
        live = live_pids(pids, 64);
        ck_assert_int_gt(live, 16);
        for (int i = live; i < N; i++)
                pids[i] = pids[i % live];
        sent = forge_requests(dmn.key, MSGQ_OP_PING, 0, pids, N);
        ck_assert_msg(sent >= 16384 / 40, "only %d forged requests went on the queue", sent);
        rep = call(dmn.key, MSGQ_OP_PING, 0, 0, 5000);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- 4. output that cannot be written ---- */

/* prog's --help and --version to /dev/full: the write error said, and a failure status. */
static void assert_full_refused(const char *name, const char *prog) {
        static const char *const opts[] = { "--help", "--version" };

        for (size_t i = 0; i < 2; i++) {
                const char *argv[] = { "sh", "-c", "exec \"$0\" \"$1\" >/dev/full", prog, opts[i], NULL };
                struct run r;

                ck_assert_int_eq(run_prog(&r, 10000, argv), 0);
                ck_assert_msg(r.status == 1, "%s %s >/dev/full: exit %d", name, opts[i], r.status);
                ck_assert_str_eq(r.err, fmt("%s: cannot write the output: No space left on device\n", name));
        }
}

START_TEST(test_output_to_full_disk) {
        assert_full_refused("msgqd", harness_program("msgqd"));
        if (getenv("MSGQ_MQTT"))
                assert_full_refused("msgq-mqtt", getenv("MSGQ_MQTT"));
}
END_TEST

/* ---- runner ---- */

static void reset(void) {
        memset(&dmn, 0, sizeof dmn);
}

int main(void) {
        Suite *s = suite_create("hostile");

        harness_init();
        harness_set_hooks(reset, NULL);
        harness_add(s, "squat-queue-root", test_squatted_queue_removed_by_root, 60);
        harness_add(s, "squat-queue-user", test_squatted_queue_refused_by_service_user, 60);
        harness_add(s, "claim-for", test_claim_for_start_step, 60);
        harness_add(s, "claim-for-not-a-lock", test_claim_for_not_a_lock, 60);
        harness_add(s, "claim-for-race", test_claim_for_race, 120);
        harness_add(s, "squatter-named", test_squatter_named, 60);
        harness_add(s, "group-from-the-start", test_group_from_the_start, 60);
        harness_add(s, "lock-netns", test_lock_holds_across_network_namespaces, 60);
        harness_add(s, "lock-ipcns", test_lock_free_in_another_ipc_namespace, 60);
        harness_add(s, "sighup-reload", test_sighup_reloads, 60);
        harness_add(s, "sigpipe", test_sigpipe_ignored, 60);
        if (getenv("MSGQ_MQTT"))
                harness_add(s, "bridge-sighup", test_bridge_sighup_reloads, 60);
        harness_add(s, "output-full", test_output_to_full_disk, 60);
        harness_add(s, "killed-watchers", test_killed_watchers_make_room, 60);
        harness_add(s, "forged-watches", test_forged_watches, 60);
        harness_add(s, "reply-flood", test_reply_flood, 60);
        harness_add(s, "reply-flood-live", test_reply_flood_live_pids, 60);
        return harness_run(s);
}
