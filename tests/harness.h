/* SPDX-License-Identifier: MIT */
/*
 * Integration-test harness: start the real msgqd (waiting for its READY=1
 * on a private NOTIFY_SOCKET), run the real msgqctl and plain clients, and
 * clean up every queue, also when a test fails.
 *
 * Keys: every runner uses its own block of 256 private keys derived from
 * its PID, so tests never touch a real daemon's queue or each other's.
 * harness_cleanup() (an unchecked teardown, run by the parent even when a
 * forked test failed) removes every queue in the block; daemons die with
 * the test process that started them (PR_SET_PDEATHSIG).
 *
 * Environment: MSGQ_TEST_WRAPPER runs msgqd under a command (valgrind);
 * MSGQ_TEST_TIMEOUT_SCALE multiplies the harness's waits for msgqd.
 */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct daemon {
        pid_t pid;
        key_t key;
        char log_path[320];
};

struct run {
        int status;          /* exit code, or 128 + signal */
        char out[16384];     /* stdout */
        char err[8192];      /* stderr */
};

/* Set once in main(): the block of keys, paths to the programs. */
void harness_init(void);
/*
 * The suite's own per-test state: setup runs in the parent before each test
 * (after the harness gave it its keys), teardown after it, even when it
 * failed (after the harness removed its queues).  Either may be NULL.
 */
void harness_set_hooks(void (*setup)(void), void (*teardown)(void));
/*
 * Add a test in a TCase of its own, so that it gets a block of keys of its
 * own and its queues are removed after it.  Returns the TCase for more
 * fixtures.  The tests are tagged part0 .. part(HARNESS_PARTS - 1) in turn:
 * CK_INCLUDE_TAGS=part1 runs a quarter of a suite.
 */
#define HARNESS_PARTS 4
TCase *harness_add(Suite *s, const char *name, const TTest *t, int timeout_s);
/* Run the suite: its exit status (the temporary files go when all passed). */
int harness_run(Suite *s);
/* Remove every queue (and msgqd's lock) in this runner's key block. Returns how many queues. */
int harness_cleanup(void);
/* In the parent, before each test: a new block of keys for it. */
void harness_next_test(void);
/* Remove the temporary directory (logs, captures). */
void harness_finish(void);
/* A fresh key in this test's block. */
key_t test_key(void);

/*
 * Bytes into the simulated input name's FIFO in dir (msgqd --sim,
 * MSGQD_SIM_INPUTS; daemon/input-sim.c): '1' the line goes high, '0' low,
 * 'o' the kernel drops the next edge, 'u' the edges come unnumbered.
 */
void sim_input_write(const char *dir, const char *name, const char *bytes);
struct msgq_reply;
/* Send a watch (op at line, after change since) by hand, for a reply to this process with token. */
void watch_by_hand(int id, uint16_t op, uint16_t line, uint64_t since, uint64_t token);
/* This process's next reply on queue id, decoded into rep: the test fails after 5 s (scaled). */
void reply_by_hand(int id, struct msgq_reply *rep);

/* ms stretched by MSGQ_TEST_TIMEOUT_SCALE, for waits on a msgqd that valgrind slows down. */
int scaled(int ms);
/*
 * This test's own directory for msgqd's state (made on first use):
 * daemon_start() passes it as $STATE_DIRECTORY, so no test restores
 * another's LED, nor the machine's.  (A msgqd run with run_prog() gets
 * one of the runner's own.)
 */
const char *harness_state_dir(void);
/*
 * A configuration file holding content, in the runner's temporary
 * directory (removed with it): for msgqd -c with [output NAME] sections.
 * The path is a static buffer, valid until the next call.
 */
const char *harness_config(const char *content);
/* Start msgqd --sim -k key [extra args...]; waits for READY=1 (5 s). */
int daemon_start(struct daemon *d, key_t key, const char *const *extra);
/* In a test: daemon_start, failing the test (with msgqd's log) unless it became ready. */
void daemon_start_checked(struct daemon *d, key_t key, const char *const *extra);
/* In a test: daemon_stop, failing the test unless msgqd exited 0 and removed its queue. */
void daemon_stop_checked(struct daemon *d);
/*
 * Start it as systemd would with WatchdogSec= (WATCHDOG_USEC, WATCHDOG_PID)
 * and count the WATCHDOG=1 notifications in the second after READY=1.
 */
int daemon_start_watchdog(struct daemon *d, key_t key, unsigned long usec, int *pings);
/* SIGTERM, wait (5 s, then SIGKILL); returns the exit status or 128+signal. */
int daemon_stop(struct daemon *d);
/* Wait for the daemon to exit by itself within ms; status or -ETIMEDOUT. */
int daemon_wait(struct daemon *d, int ms);
/* SIGKILL, wait. The queue is left behind (as after a crash). */
void daemon_kill(struct daemon *d);
/*
 * In a test: queue n LED requests (on, off, on, ...; no replies asked)
 * while msgqd is stopped, then let it go on: it serves them back to back.
 */
void daemon_led_burst(struct daemon *d, int n);
/*
 * As a hostile member of the queue's group: n binary requests for op (arg:
 * arg0 | arg1 << 32), the i-th claiming PID pids[i], with a random token
 * and a deadline an hour away, sent straight to the queue on key at
 * priority 1 (served before the default 5).  A send that finds the queue
 * full is tried again for up to 200 ms, then the flood stops.  Returns how
 * many were sent.
 */
int forge_requests(key_t key, uint16_t op, uint64_t arg, const uint32_t *pids, int n);
/* Up to n PIDs of live processes, not this one's (the lowest in /proc: 1, 2, kernel threads); how many. */
int live_pids(uint32_t *pids, int n);
/* Whether the daemon's stderr comes to contain text within ms (looked at every 10 ms). */
bool daemon_log_wait(const struct daemon *d, const char *text, int ms);
/* The daemon's stderr so far (NUL-terminated, static buffer). */
const char *daemon_log(const struct daemon *d);

/*
 * Run a program with a timeout (ms), capturing output.  argv[0] is
 * "msgqctl" or "msgqd" (the built programs) or any program on PATH.
 * Returns 0 (r filled) or -ETIMEDOUT (killed).
 */
int run_prog(struct run *r, int timeout_ms, const char *const *argv);
/* run_prog of msgqctl -k key args... (NULL-terminated). */
int ctl(struct run *r, key_t key, ...) __attribute__((sentinel));

/*
 * Another user, for tests of who may use a queue.  Root gets in whatever
 * the queue's mode (CAP_IPC_OWNER), so such tests, run as root, act as
 * the user nobody.
 */
struct user {
        uid_t uid;
        gid_t gid;
        const gid_t *groups; /* supplementary groups, ngroups of them */
        size_t ngroups;
};
/* The user nobody (uid and gid 65534 if unknown), in no other group; fails the test if it is root. */
struct user user_nobody(void);
/* In a forked child (as root): drop to u's groups, gid and uid; _exit(126) if that fails. */
void become_user(const struct user *u);
/*
 * run_prog as user u (NULL: as run_prog).  A program named by path, such
 * as the built msgqctl, is opened before the switch and run with fexecve(),
 * so its directory need not be reachable for u (a binary, not a script);
 * the built libmsgq it links is handed over the same way (LD_PRELOAD of
 * its descriptor, /proc/self/fd/N, from $MSGQ_LIBDIR).
 */
int run_prog_as(struct run *r, int timeout_ms, const struct user *u, const char *const *argv);
/* daemon_start as user u (see run_prog_as). */
int daemon_start_as(struct daemon *d, key_t key, const char *const *extra, const struct user *u);
/*
 * daemon_start_as (u NULL: as this user) of program (a path; NULL: the
 * built msgqd) with env applied to its environment after the harness's
 * own: "NAME=VALUE" sets, "NAME" unsets (NULL-terminated).
 */
int daemon_start_env(struct daemon *d, key_t key, const char *program, const char *const *env,
                     const struct user *u);

/*
 * Memory shared with the processes a test forks (its clients count what
 * they saw there): size bytes, MAP_SHARED, zeroed before every test.  Call
 * it in main() before harness_run(), which releases it; exits the program
 * if it cannot be mapped.  Bump and read its counters with shared_count()
 * and shared_read(), which are atomic.
 */
void *harness_shared(size_t size);
void shared_count(int *counter);
int shared_read(const int *counter);
/* In a test: wait for each of n forked children, failing the test unless all exited 0. */
void reap_children(const pid_t *pids, int n);

bool queue_exists(key_t key);
/* msg_qnum of the queue for key, or -errno. */
long queue_count(key_t key);
/* The built program's path for "msgqd" and "msgqctl", else name itself. */
const char *harness_program(const char *name);
/* Path of a file in the source tree's tests/ directory. */
const char *test_source(const char *name);
void sleep_ms(int ms);
/* Milliseconds on the monotonic clock. */
uint64_t monotonic_ms(void);
/* printf into one of 32 rotating static buffers (4 KiB each). */
const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
