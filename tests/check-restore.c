/* SPDX-License-Identifier: MIT */
/*
 * Integration: the LED keeps its state across a crash and a restart.  The
 * real msgqd --sim on a private key, with this test's own state directory
 * (the harness's $STATE_DIRECTORY), killed with SIGKILL or stopped, then
 * started again on the same key; what it restored is asked of it as every
 * client would (msgqctl led state, msgqctl status, led-watch) and read in
 * its log ("LED restored: on").
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"
#include "ledstate.h"
#include "protocol.h"

static const char *state_file(key_t key) {
        return fmt("%s/led.0x%08x", harness_state_dir(), (unsigned) key);
}

static const char *led_state(key_t key) {
        static struct run r;

        ck_assert_int_eq(ctl(&r, key, "led", "state", NULL), 0);
        ck_assert_msg(r.status == 0, "msgqctl led state: exit %d: %s", r.status, r.err);
        return r.out;
}

static void led(key_t key, const char *a, const char *b, const char *c) {
        struct run r;

        ck_assert_int_eq(ctl(&r, key, "led", a, b, c, NULL), 0);
        ck_assert_msg(r.status == 0, "msgqctl led %s: exit %d: %s", a, r.status, r.err);
}

static struct msgq_reply call(key_t key, uint16_t op, uint64_t arg, int timeout_ms, int *ret) {
        struct msgq_request req = { .op = op, .arg0 = (uint32_t) arg, .arg1 = (uint32_t) (arg >> 32) };
        struct msgq_reply rep = {};
        struct msgq_client c;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        *ret = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, timeout_ms);
        msgq_client_close(&c);
        return rep;
}

static struct msgq_led_state state_of(key_t key) {
        int r;
        struct msgq_reply rep = call(key, MSGQ_OP_LED_STATE, 0, 3000, &r);

        ck_assert_int_eq(r, 0);
        return rep.led;
}

/*
 * Wait (2 s at most, scaled) for the file to hold the state msgqd has now (its
 * change number), as the main loop writes it right after the change: its
 * line 0 so.
 */
static void wait_file_at(const char *file, key_t key, bool on, bool blinking) {
        uint64_t changes = state_of(key).changes, end = monotonic_ms() + (uint64_t) scaled(2000);
        static struct ledstate_file f;

        f = (struct ledstate_file) {};
        while (monotonic_ms() < end) {
                if (ledstate_file_load(file, &f) == 0 && f.changes == changes)
                        break;
                sleep_ms(5);
        }
        ck_assert_msg(f.changes == changes && f.line[0].on == on && f.line[0].blinking == blinking,
                      "%s: change %llu on=%d blinking=%d, expected change %llu on=%d blinking=%d",
                      file, (unsigned long long) f.changes, f.line[0].on, f.line[0].blinking,
                      (unsigned long long) changes, on, blinking);
}

/* The same in this test's state directory. */
static void wait_file(key_t key, bool on, bool blinking) {
        wait_file_at(state_file(key), key, on, blinking);
}

/* Line 0 in the file as it is (after a stop). */
static struct ledstate_line file_now(key_t key) {
        static struct ledstate_file f;

        ck_assert_int_eq(ledstate_file_load(state_file(key), &f), 0);
        return f.line[0];
}

/* A file of version 1, as msgq 0.1 and 0.2 wrote it for their LED. */
static void write_v1(key_t key, bool on, uint64_t changes) {
        FILE *f = fopen(state_file(key), "w");

        ck_assert_ptr_nonnull(f);
        fprintf(f, "msgqd-led-state 1\non %d\nblinking 0\nperiod_ms 0\nremaining 0\nchanges %llu\n"
                   "boot_us %llu\nnext_toggle_us 0\n", on, (unsigned long long) changes,
                (unsigned long long) ledstate_boot_us());
        ck_assert_int_eq(fclose(f), 0);
}

static int count(const char *hay, const char *needle) {
        int n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

START_TEST(test_kill_9_while_on) {
        struct daemon d;
        key_t key = test_key();
        struct msgq_led_state before, after;
        struct run r;

        daemon_start_checked(&d, key, NULL);
        led(key, "on", NULL, NULL);
        before = state_of(key);
        wait_file(key, true, false);
        daemon_kill(&d);

        daemon_start_checked(&d, key, NULL);
        ck_assert_str_eq(led_state(key), "led: on\n");
        ck_assert_msg(strstr(daemon_log(&d), "LED restored: on\n"), "log: %s", daemon_log(&d));
        ck_assert_int_eq(ctl(&r, key, "status", NULL), 0);
        ck_assert_msg(r.status == 0 && strstr(r.out, "led:") && strstr(strstr(r.out, "led:"), "on\n"),
                      "msgqctl status: %s", r.out);
        /* The change numbers go on from where they were. */
        after = state_of(key);
        ck_assert_uint_eq(after.changes, before.changes);
        daemon_stop_checked(&d);
}
END_TEST

START_TEST(test_kill_9_while_blinking) {
        struct daemon d;
        key_t key = test_key();
        struct msgq_led_state st;
        uint64_t end;

        daemon_start_checked(&d, key, NULL);
        led(key, "blink", "200", "30"); /* 30 blinks, 6 s: some left after a slow restart */
        wait_file(key, true, true);
        sleep_ms(700);
        daemon_kill(&d);

        daemon_start_checked(&d, key, NULL);
        st = state_of(key);
        ck_assert_msg(st.blinking && st.period_ms == 200, "restored: blinking %d period %u", st.blinking,
                      st.period_ms);
        /* The blinks left, not all ten again and not none. */
        ck_assert_msg(st.remaining > 0 && st.remaining < 59, "%u toggles left", st.remaining);
        ck_assert_msg(strstr(daemon_log(&d), "LED restored: blinking, period 200 ms, "),
                      "log: %s", daemon_log(&d));
        /* It goes on blinking, and ends off within what was left. */
        end = monotonic_ms() + 200 * 30 + (uint64_t) scaled(2000);
        while (st.blinking && monotonic_ms() < end) {
                sleep_ms(50);
                st = state_of(key);
        }
        ck_assert_msg(!st.blinking && !st.on, "still blinking: %u toggles left", st.remaining);
        wait_file(key, false, false);
        daemon_stop_checked(&d);
}
END_TEST

/*
 * msgqd's main thread (its sd-event loop) held still with ptrace, which
 * stops that one thread: the thread that serves requests goes on.  What the
 * main loop alone would do after a reply (before: write the state) waits.
 */
static void stop_main_thread(pid_t pid) {
        uint64_t end = monotonic_ms() + (uint64_t) scaled(2000);
        char state = 0;
        int st;

        while (state != 'S' && monotonic_ms() < end) { /* asleep in its loop, at best */
                FILE *f = fopen(fmt("/proc/%d/task/%d/stat", pid, pid), "r");

                ck_assert_ptr_nonnull(f);
                ck_assert_int_eq(fscanf(f, "%*d (%*[^)]) %c", &state), 1);
                fclose(f);
                if (state != 'S')
                        sleep_ms(5);
        }
        ck_assert_msg(ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0, "ptrace: %s", strerror(errno));
        ck_assert_int_eq(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL), 0);
        ck_assert_int_eq(waitpid(pid, &st, __WALL), pid);
        ck_assert_msg(WIFSTOPPED(st), "main thread: wait status %#x", st);
}

/*
 * Stopped where it holds nothing the serving thread needs: a led-state
 * request is answered.  (Under valgrind, which runs one thread at a time, a
 * thread stopped while it runs holds up the others: let it go, and again.)
 */
static void freeze_main_loop(key_t key, pid_t pid) {
        for (int tries = 0;; tries++) {
                int r;

                stop_main_thread(pid);
                (void) call(key, MSGQ_OP_LED_STATE, 0, scaled(500), &r);
                if (r == 0)
                        return;
                ck_assert_msg(tries < 10, "msgqd serves nothing while its main thread is stopped: %d", r);
                ck_assert_int_eq(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
                sleep_ms(20);
        }
}

/*
 * An acknowledged change outlives a crash at once: with msgqd's main loop
 * held still, each change is answered, msgqd is killed (-9) right after the
 * reply, and the next msgqd restores that change, not the state before it.
 */
START_TEST(test_kill_9_right_after_reply) {
        static const struct {
                const char *cmd[3];
                const char *answer, *restored;
        } steps[] = {
                { { "off" }, "led: off\n", "LED restored: off\n" },
                { { "toggle" }, "led: on\n", "LED restored: on\n" },
                { { "blink", "1000", "50" }, "led: blinking", "LED restored: blinking, period 1000 ms" },
                { { "on" }, "led: on\n", "LED restored: on\n" },
        };
        struct daemon d;
        key_t key = test_key();
        struct run r;

        daemon_start_checked(&d, key, NULL);
        led(key, "on", NULL, NULL);
        wait_file(key, true, false);
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
                uint64_t changes = state_of(key).changes;

                freeze_main_loop(key, d.pid);
                ck_assert_int_eq(ctl(&r, key, "led", steps[i].cmd[0], steps[i].cmd[1], steps[i].cmd[2],
                                     NULL), 0);
                ck_assert_msg(r.status == 0 && strncmp(r.out, steps[i].answer, strlen(steps[i].answer)) == 0,
                              "msgqctl led %s: exit %d: %s%s", steps[i].cmd[0], r.status, r.out, r.err);
                daemon_kill(&d);
                daemon_start_checked(&d, key, NULL);
                ck_assert_msg(strstr(daemon_log(&d), steps[i].restored), "after led %s answered "
                              "\"%s\" and kill -9: %s", steps[i].cmd[0], steps[i].answer, daemon_log(&d));
                ck_assert_uint_eq(state_of(key).changes, changes + 1);
        }
        daemon_stop_checked(&d);
}
END_TEST

/* A clean stop turns the LED off (led_stop = off), and the next start brings it back on. */
START_TEST(test_stop_and_start) {
        struct daemon d;
        key_t key = test_key();

        daemon_start_checked(&d, key, NULL);
        led(key, "on", NULL, NULL);
        daemon_stop_checked(&d);
        ck_assert(file_now(key).on);           /* what the LED was given, though it went off */
        daemon_start_checked(&d, key, NULL);
        ck_assert_str_eq(led_state(key), "led: on\n");
        ck_assert(strstr(daemon_log(&d), "LED restored: on\n"));
        daemon_stop_checked(&d);
}
END_TEST

/* led-watch: a watcher of the msgqd before is told nothing new, then each change. */
START_TEST(test_watch_across_restart) {
        struct daemon d;
        key_t key = test_key();
        struct msgq_reply rep;
        uint64_t seen;
        int r;

        daemon_start_checked(&d, key, NULL);
        led(key, "on", NULL, NULL);
        led(key, "off", NULL, NULL);
        led(key, "on", NULL, NULL);
        seen = state_of(key).changes;
        wait_file(key, true, false);
        daemon_kill(&d);
        daemon_start_checked(&d, key, NULL);

        rep = call(key, MSGQ_OP_LED_WATCH, seen, 300, &r);
        ck_assert_msg(r == -ETIMEDOUT, "a watch at %llu after the restart: %d, changes %llu",
                      (unsigned long long) seen, r, (unsigned long long) rep.led.changes);
        led(key, "off", NULL, NULL);
        rep = call(key, MSGQ_OP_LED_WATCH, seen, 3000, &r);
        ck_assert_int_eq(r, 0);
        ck_assert(!rep.led.on);
        ck_assert_uint_eq(rep.led.changes, seen + 1);
        /* One from before the restart is not in this msgqd's history: the state now. */
        rep = call(key, MSGQ_OP_LED_WATCH, seen - 1, 3000, &r);
        ck_assert_int_eq(r, 0);
        ck_assert(!rep.led.on);
        ck_assert_uint_eq(rep.led.changes, seen + 1);
        daemon_stop_checked(&d);
}
END_TEST

START_TEST(test_truncated_file) {
        struct daemon d;
        key_t key = test_key();
        const char *log;
        FILE *f;

        f = fopen(state_file(key), "w");
        ck_assert_ptr_nonnull(f);
        fputs("msgqd-led-state 1\non 1\nblinking 0\nperiod_ms 0\nremai", f);
        fclose(f);
        daemon_start_checked(&d, key, NULL);
        ck_assert_str_eq(led_state(key), "led: off\n");
        log = daemon_log(&d);
        ck_assert_msg(count(log, "cannot restore the lines from") == 1 && strstr(log, "corrupt"),
                      "log: %s", log);
        ck_assert_msg(strstr(log, "LED at start: off\n"), "log: %s", log);
        /* Written anew at the start: the next start finds a good one. */
        wait_file(key, false, false);
        led(key, "on", NULL, NULL);
        wait_file(key, true, false);
        daemon_kill(&d);
        daemon_start_checked(&d, key, NULL);
        ck_assert_str_eq(led_state(key), "led: on\n");
        ck_assert_int_eq(count(daemon_log(&d), "cannot restore"), 0);
        daemon_stop_checked(&d);
}
END_TEST

/*
 * A state directory msgqd may not write: it serves all the same, and says
 * once why it cannot keep the state.  As root, msgqd runs as nobody (root
 * may write anywhere); otherwise the directory is made read-only.
 */
START_TEST(test_unwritable_directory) {
        struct daemon d;
        key_t key = test_key();
        const char *dir = harness_state_dir(), *log;
        struct user u;
        int r;

        if (geteuid() == 0) {
                u = user_nobody();
                r = daemon_start_as(&d, key, NULL, &u);
        } else {
                ck_assert_int_eq(chmod(dir, 0555), 0);
                r = daemon_start(&d, key, NULL);
        }
        ck_assert_msg(r == 0, "msgqd did not become ready: %s", daemon_log(&d));
        led(key, "on", NULL, NULL);
        led(key, "off", NULL, NULL);
        led(key, "toggle", NULL, NULL);
        ck_assert_str_eq(led_state(key), "led: on\n");
        log = daemon_log(&d);
        ck_assert_msg(count(log, "cannot keep the lines' state in") == 1 &&
                      strstr(log, "Permission denied"), "log: %s", log);
        ck_assert_int_eq(access(state_file(key), F_OK), -1);
        ck_assert_int_eq(daemon_stop(&d), 0);
        chmod(dir, 0755);
}
END_TEST

/* ---- without $STATE_DIRECTORY: the built-in directory, or the user's own ---- */

/* The test build of msgqd, whose built-in state directory is in the build tree. */
static const char *builtin_msgqd(void) {
        const char *p = getenv("MSGQ_TEST_BUILTIN_MSGQD");

        ck_assert_msg(p && *p, "MSGQ_TEST_BUILTIN_MSGQD is not set (run through meson test)");
        return p;
}

static const char *builtin_dir(void) {
        const char *d = getenv("MSGQ_TEST_BUILTIN_STATE_DIR");

        ck_assert_msg(d && *d, "MSGQ_TEST_BUILTIN_STATE_DIR is not set (run through meson test)");
        return d;
}

/* The top of the tree msgqd makes for it: .../builtin-state of .../builtin-state/var/lib/msgqd. */
static const char *builtin_top(void) {
        const char *d = builtin_dir();
        size_t n = strlen(d), tail = strlen("/var/lib/msgqd");

        ck_assert(n > tail && strcmp(d + n - tail, "/var/lib/msgqd") == 0);
        return fmt("%.*s", (int) (n - tail), d);
}

static void remove_tree(const char *top) {
        struct run r;

        ck_assert_int_eq(run_prog(&r, 10000, (const char *const[]) { "rm", "-rf", top, NULL }), 0);
        ck_assert_msg(r.status == 0, "rm -rf %s: %s", top, r.err);
}

static mode_t mode_of(const char *p) {
        struct stat st;

        ck_assert_msg(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
        return st.st_mode & 07777;
}

/* LED on, kept in file, msgqd killed and started again (by start()): on again, from the file. */
static void keeps_on_across_kill_9(struct daemon *d, key_t key, const char *file,
                                   int (*start)(struct daemon *d, key_t key)) {
        led(key, "on", NULL, NULL);
        wait_file_at(file, key, true, false);
        daemon_kill(d);
        ck_assert_msg(start(d, key) == 0, "msgqd did not become ready: %s", daemon_log(d));
        ck_assert_str_eq(led_state(key), "led: on\n");
        ck_assert_msg(strstr(daemon_log(d), "LED restored: on\n") && !strstr(daemon_log(d), "cannot keep"),
                      "log: %s", daemon_log(d));
}

static int start_builtin(struct daemon *d, key_t key) {
        return daemon_start_env(d, key, builtin_msgqd(), (const char *const[]) { "STATE_DIRECTORY", NULL },
                                NULL);
}

/*
 * msgqd run by hand (no $STATE_DIRECTORY) on a machine where its built-in
 * directory's parents do not exist (/var/local/lib on Debian): it makes
 * them, as a package would (0755), and keeps the LED's state across kill -9.
 */
START_TEST(test_builtin_dir_made_with_parents) {
        struct daemon d;
        key_t key = test_key();
        const char *top = builtin_top(), *file = fmt("%s/led.0x%08x", builtin_dir(), (unsigned) key);

        remove_tree(top);
        ck_assert_msg(start_builtin(&d, key) == 0, "msgqd did not become ready: %s", daemon_log(&d));
        ck_assert_msg(strstr(daemon_log(&d), fmt("lines' state kept in %s (the built-in directory)\n", file)),
                      "log: %s", daemon_log(&d));
        keeps_on_across_kill_9(&d, key, file, start_builtin);
        daemon_stop_checked(&d);
        ck_assert_uint_eq(mode_of(top), 0755);
        ck_assert_uint_eq(mode_of(fmt("%s/var", top)), 0755);
        ck_assert_uint_eq(mode_of(fmt("%s/var/lib", top)), 0755);
        ck_assert_uint_eq(mode_of(builtin_dir()), 0755);
        remove_tree(top);
}
END_TEST

static struct user *fallback_user; /* NULL: this user */
static const char *fallback_xdg;   /* "XDG_STATE_HOME=..." */

static int start_as_fallback_user(struct daemon *d, key_t key) {
        return daemon_start_env(d, key, builtin_msgqd(),
                                (const char *const[]) { "STATE_DIRECTORY", fallback_xdg, NULL },
                                fallback_user);
}

/*
 * A built-in directory out of the user's reach (its parent read-only; as
 * root, msgqd runs as nobody): the user's own, $XDG_STATE_HOME/msgqd, made
 * with its parents (0700), named in the log with the reason.
 */
START_TEST(test_user_dir_when_builtin_out_of_reach) {
        struct daemon d;
        struct user u;
        key_t key = test_key();
        const char *top = builtin_top(), *base, *file;

        /* Somewhere the user may make directories: as root, nobody, in the runner's directory (like /tmp). */
        if (geteuid() == 0) {
                u = user_nobody();
                fallback_user = &u;
                base = fmt("%s/xdg.%d", getenv("STATE_DIRECTORY"), (int) getpid());
        } else {
                fallback_user = NULL;
                base = fmt("%s/xdg", harness_state_dir());
        }
        fallback_xdg = fmt("XDG_STATE_HOME=%s/deep/state", base);
        file = fmt("%s/deep/state/msgqd/led.0x%08x", base, (unsigned) key);
        remove_tree(top);
        ck_assert_int_eq(mkdir(top, 0555), 0);
        ck_assert_int_eq(chmod(top, 0555), 0);

        ck_assert_msg(start_as_fallback_user(&d, key) == 0, "msgqd did not become ready: %s", daemon_log(&d));
        ck_assert_msg(strstr(daemon_log(&d),
                             fmt("lines' state kept in %s, this user's own: %s cannot be made or written by "
                                 "uid %u (Permission denied)\n", file, builtin_dir(),
                                 fallback_user ? (unsigned) u.uid : (unsigned) geteuid())),
                      "log: %s", daemon_log(&d));
        keeps_on_across_kill_9(&d, key, file, start_as_fallback_user);
        ck_assert_int_eq(daemon_stop(&d), 0);
        ck_assert_uint_eq(mode_of(fmt("%s/deep/state/msgqd", base)), 0700);
        ck_assert_int_eq(access(fmt("%s/var", top), F_OK), -1);
        remove_tree(top);
        remove_tree(base);
}
END_TEST

/*
 * A directory msgqd may not write, and in it a file it may: the file is
 * restored, and kept while it holds the state as it is; once a change
 * cannot be written, msgqd empties it rather than leave "on" to be
 * restored after a kill -9 (it cannot remove it).
 */
START_TEST(test_unwritable_directory_stale_file) {
        struct daemon d;
        key_t key = test_key();
        const char *dir = harness_state_dir(), *log;
        struct user u;
        bool root = geteuid() == 0;

        write_v1(key, true, 4); /* as msgq 0.2 left it: an upgrade takes it up */
        if (root) {
                u = user_nobody();
                ck_assert_int_eq(chown(state_file(key), u.uid, u.gid), 0);
        } else {
                ck_assert_int_eq(chmod(dir, 0555), 0);
        }
        ck_assert_int_eq(root ? daemon_start_as(&d, key, NULL, &u) : daemon_start(&d, key, NULL), 0);
        ck_assert_str_eq(led_state(key), "led: on\n");
        ck_assert_msg(strstr(daemon_log(&d), "a restart finds the state as it is (change 4)"), "log: %s",
                      daemon_log(&d));
        led(key, "off", NULL, NULL);
        log = daemon_log(&d);
        ck_assert_msg(strstr(log, "Permission denied; the lines work, but a restart will find no state to "
                                  "restore"), "log: %s", log);
        daemon_kill(&d);
        ck_assert_int_eq(root ? daemon_start_as(&d, key, NULL, &u) : daemon_start(&d, key, NULL), 0);
        ck_assert_str_eq(led_state(key), "led: off\n");
        log = daemon_log(&d);
        ck_assert_msg(!strstr(log, "LED restored: on") && strstr(log, "the file is empty"), "log: %s", log);
        ck_assert_int_eq(daemon_stop(&d), 0);
        chmod(dir, 0755);
}
END_TEST

/* led_start = off and on; led_stop = keep. */
START_TEST(test_policies) {
        struct daemon d;
        key_t key = test_key();
        const char *conf_off = fmt("%s.off.conf", harness_state_dir());
        const char *conf_on = fmt("%s.on.conf", harness_state_dir());
        uint64_t changes;
        FILE *f;

        f = fopen(conf_off, "w");
        ck_assert_ptr_nonnull(f);
        fputs("[msgq]\nled_start = off\nled_stop = keep\n", f);
        fclose(f);
        f = fopen(conf_on, "w");
        ck_assert_ptr_nonnull(f);
        fputs("[msgq]\nled_start = on\n", f);
        fclose(f);

        daemon_start_checked(&d, key, NULL);
        led(key, "on", NULL, NULL);
        changes = state_of(key).changes;
        daemon_stop_checked(&d);

        daemon_start_checked(&d, key, (const char *const[]) { "-c", conf_off, NULL });
        ck_assert_str_eq(led_state(key), "led: off\n");
        ck_assert_uint_eq(state_of(key).changes, changes + 1); /* a change for every watcher */
        ck_assert_msg(strstr(daemon_log(&d), "LED at start: off\n"), "log: %s", daemon_log(&d));
        daemon_stop_checked(&d);
        ck_assert_msg(strstr(daemon_log(&d), "LED left off (led_stop = keep)"), "log: %s", daemon_log(&d));
        ck_assert(!file_now(key).on);

        daemon_start_checked(&d, key, (const char *const[]) { "-c", conf_on, NULL });
        ck_assert_str_eq(led_state(key), "led: on\n");
        daemon_stop_checked(&d);

        f = fopen(conf_on, "w");
        ck_assert_ptr_nonnull(f);
        fputs("[msgq]\nled_stop = maybe\n", f);
        fclose(f);
        ck_assert_int_ne(daemon_start(&d, key, (const char *const[]) { "-c", conf_on, NULL }), 0);
        unlink(conf_off);
        unlink(conf_on);
}
END_TEST

/* led_stop follows a reload (SIGHUP, systemctl reload): it is read at the stop. */
START_TEST(test_led_stop_reloaded) {
        struct daemon d;
        key_t key = test_key();
        const char *conf = fmt("%s.conf", harness_state_dir());
        uint64_t end;
        FILE *f;

        f = fopen(conf, "w");
        ck_assert_ptr_nonnull(f);
        fputs("[msgq]\nled_stop = off\n", f);
        fclose(f);
        daemon_start_checked(&d, key, (const char *const[]) { "-c", conf, NULL });
        led(key, "on", NULL, NULL);
        f = fopen(conf, "w");
        ck_assert_ptr_nonnull(f);
        fputs("[msgq]\nled_stop = keep\n", f);
        fclose(f);
        ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
        for (end = monotonic_ms() + (uint64_t) scaled(5000); !strstr(daemon_log(&d), "configuration reloaded");
             sleep_ms(10))
                ck_assert_msg(monotonic_ms() < end, "not reloaded: %s", daemon_log(&d));
        daemon_stop_checked(&d);
        ck_assert_msg(strstr(daemon_log(&d), "LED left on (led_stop = keep)"), "log: %s", daemon_log(&d));
        unlink(conf);
}
END_TEST

/* The file is written when the state changes, never for a request that changes nothing. */
START_TEST(test_written_only_on_change) {
        struct daemon d;
        key_t key = test_key();
        struct stat a, b;
        int r;

        daemon_start_checked(&d, key, NULL);
        led(key, "on", NULL, NULL);
        wait_file(key, true, false);
        ck_assert_int_eq(stat(state_file(key), &a), 0);
        for (int i = 0; i < 20; i++) {
                led(key, "on", NULL, NULL);
                (void) state_of(key);
                (void) call(key, MSGQ_OP_PING, 0, 3000, &r);
                ck_assert_int_eq(r, 0);
        }
        sleep_ms(100);
        ck_assert_int_eq(stat(state_file(key), &b), 0);
        /* Untouched: not written. */
        ck_assert_uint_eq(a.st_ino, b.st_ino);
        ck_assert(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
        led(key, "off", NULL, NULL);
        wait_file(key, false, false);
        /* A change is written over a slot of the same file (format version 3): no new file. */
        ck_assert_int_eq(stat(state_file(key), &b), 0);
        ck_assert_uint_eq(a.st_ino, b.st_ino);
        ck_assert_uint_eq(a.st_size, b.st_size);
        ck_assert(a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec);
        daemon_stop_checked(&d);
}
END_TEST

/* ---- several outputs: every line kept ---- */

/* led, then pump and buzzer: simulated, so their gpio settings only name them. */
static const char outputs_conf[] =
        "[output pump]\n"
        "gpio = GPIO27\n"
        "[output buzzer]\n"
        "gpio = gpiochip0:5\n";

/* msgq.conf for one test: text in conf (made here, named in /tmp). */
static void write_conf(char *conf, size_t size, const char *text) {
        int fd;

        snprintf(conf, size, "/tmp/msgq-test-restore-XXXXXX");
        fd = mkstemp(conf);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(dprintf(fd, "%s", text), (int) strlen(text));
        close(fd);
}

static void start_conf(struct daemon *d, key_t key, const char *conf) {
        const char *extra[] = { "-c", conf, NULL };

        daemon_start_checked(d, key, extra);
}

/* op on line (its index), as a client of the line table sends it: the reply, status 0. */
static struct msgq_reply line_op(key_t key, uint16_t op, uint16_t line, uint32_t arg0, uint32_t arg1) {
        struct msgq_request req = { .op = op, .line = line, .arg0 = arg0, .arg1 = arg1 };
        struct msgq_reply rep = {};
        struct msgq_client c;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        ck_assert_int_eq(msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, scaled(3000)), 0);
        msgq_client_close(&c);
        ck_assert_msg(rep.status == 0, "%s of line %u: status %u: %s", msgq_op_to_string(op), line,
                      rep.status, rep.error);
        return rep;
}

static struct msgq_led_state line_state(key_t key, uint16_t line) {
        return line_op(key, MSGQ_OP_LED_STATE, line, 0, 0).led;
}

/* The file (2 s at most, scaled) with line i so. */
static struct ledstate_line wait_line_file(key_t key, size_t i, bool on, bool blinking) {
        uint64_t end = monotonic_ms() + (uint64_t) scaled(2000);
        static struct ledstate_file f;
        bool so = false;

        while (!so && monotonic_ms() < end) {
                so = ledstate_file_load(state_file(key), &f) == 0 && f.n > i && f.line[i].on == on &&
                     f.line[i].blinking == blinking;
                if (!so)
                        sleep_ms(5);
        }
        ck_assert_msg(so, "%s: line %zu is not on=%d blinking=%d", state_file(key), i, on, blinking);
        return f.line[i];
}

/*
 * An acknowledged change of any line outlives a crash at once: as
 * kill-9-after-reply, for line 2 of three (buzzer), with the main loop held
 * still; the next msgqd restores line 2 as the reply said, its change
 * number and its seq go on, and the other lines are as they were.
 */
START_TEST(test_kill_9_right_after_reply_line_2) {
        static const struct {
                uint16_t op;
                uint32_t arg0, arg1;
                bool on, blinking;
                const char *restored;
        } steps[] = {
                { MSGQ_OP_LED_OFF, 0, 0, false, false, "buzzer restored: off\n" },
                { MSGQ_OP_LED_TOGGLE, 0, 0, true, false, "buzzer restored: on\n" },
                { MSGQ_OP_LED_BLINK, 1000, 50, true, true, "buzzer restored: blinking, period 1000 ms" },
                { MSGQ_OP_LED_ON, 0, 0, true, false, "buzzer restored: on\n" },
        };
        struct daemon d;
        key_t key = test_key();
        char conf[64];
        uint32_t seq;

        write_conf(conf, sizeof conf, outputs_conf);
        start_conf(&d, key, conf);
        line_op(key, MSGQ_OP_LED_ON, 1, 0, 0);
        line_op(key, MSGQ_OP_LED_ON, 2, 0, 0);
        seq = wait_line_file(key, 2, true, false).seq;
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
                struct msgq_led_state st;
                struct msgq_reply rep;

                freeze_main_loop(key, d.pid);
                rep = line_op(key, steps[i].op, 2, steps[i].arg0, steps[i].arg1);
                ck_assert(rep.led.on == steps[i].on && rep.led.blinking == steps[i].blinking);
                daemon_kill(&d);
                start_conf(&d, key, conf);
                ck_assert_msg(strstr(daemon_log(&d), steps[i].restored), "after %s of line 2 and kill -9: %s",
                              msgq_op_to_string(steps[i].op), daemon_log(&d));
                st = line_state(key, 2);
                /* A blink restored has gone on blinking since: its level is its phase now. */
                ck_assert_msg(st.blinking == steps[i].blinking && (st.blinking || st.on == steps[i].on),
                              "after %s of line 2 and kill -9: on %d blinking %d", msgq_op_to_string(steps[i].op),
                              st.on, st.blinking);
                ck_assert_uint_eq(st.changes, rep.led.changes);
                if (!st.blinking) {
                        ck_assert_uint_eq(wait_line_file(key, 2, st.on, false).seq, seq + i + 1);
                } else { /* its phase when the file was written, whichever */
                        static struct ledstate_file f;

                        ck_assert_int_eq(ledstate_file_load(state_file(key), &f), 0);
                        ck_assert(f.n > 2 && f.line[2].blinking);
                        ck_assert_uint_eq(f.line[2].seq, seq + i + 1);
                }
                /* A blink restored goes on blinking: its toggles count down. */
                for (uint64_t end = monotonic_ms() + 1000 + (uint64_t) scaled(2000);
                     st.blinking && line_state(key, 2).remaining == st.remaining; sleep_ms(20))
                        ck_assert_msg(monotonic_ms() < end, "line 2 restored blinking, but does not blink");
                ck_assert(line_state(key, 1).on && !line_state(key, 0).on);
                ck_assert_msg(strstr(daemon_log(&d), "pump restored: on\n") &&
                              strstr(daemon_log(&d), "LED restored: off\n"), "%s", daemon_log(&d));
        }
        daemon_stop_checked(&d);
        unlink(conf);
}
END_TEST

/*
 * msgq.conf changed between two runs: an output renamed (pump, now water
 * on its gpio), moved (buzzer, to another offset), made active low (relay)
 * or removed (fan) is not driven from the old state, and the log says
 * which and why, once each; an output added (lamp, start = on) gets its
 * policy; the others are restored by name, whatever their new index.
 */
START_TEST(test_outputs_changed_in_msgq_conf) {
        static const char before[] =
                "[output pump]\ngpio = GPIO27\n"
                "[output buzzer]\ngpio = gpiochip0:5\n"
                "[output fan]\ngpio = GPIO22\n"
                "[output relay]\ngpio = GPIO23\n"
                "[output horn]\ngpio = GPIO24\n";
        static const char after[] =
                "[output horn]\ngpio = GPIO24\n"
                "[output water]\ngpio = GPIO27\n"
                "[output buzzer]\ngpio = gpiochip0:6\n"
                "[output relay]\ngpio = GPIO23\nactive_low = yes\n"
                "[output lamp]\ngpio = GPIO25\nstart = on\n";
        struct daemon d;
        key_t key = test_key();
        char conf[64];
        const char *log;

        write_conf(conf, sizeof conf, before);
        start_conf(&d, key, conf);
        for (uint16_t i = 0; i <= 5; i++)
                line_op(key, MSGQ_OP_LED_ON, i, 0, 0);
        wait_line_file(key, 5, true, false);
        daemon_stop_checked(&d); /* each turned off, each kept as it was given: on */
        unlink(conf);

        write_conf(conf, sizeof conf, after);
        start_conf(&d, key, conf);
        log = daemon_log(&d);
        ck_assert_msg(strstr(log, "LED restored: on\n") && strstr(log, "horn restored: on\n"), "%s", log);
        ck_assert(line_state(key, 0).on && line_state(key, 1).on);
        ck_assert(!line_state(key, 2).on && !line_state(key, 3).on && !line_state(key, 4).on);
        ck_assert(line_state(key, 5).on);
        ck_assert_msg(count(log, "the state of line 'pump' in ") == 1 &&
                      strstr(log, " is not restored: renamed: no line 'pump' is configured, and its gpio "
                                  "GPIO27 is line 'water' now\n"), "%s", log);
        ck_assert_msg(count(log, "line 'buzzer' is not restored from ") == 1 &&
                      strstr(log, ": moved from gpio gpiochip0:5 to gpiochip0:6\n"), "%s", log);
        ck_assert_msg(count(log, "line 'relay' is not restored from ") == 1 &&
                      strstr(log, ": active_low was no, is yes now\n"), "%s", log);
        ck_assert_msg(count(log, "the state of line 'fan' in ") == 1 &&
                      strstr(log, " is not restored: removed: no line 'fan' is configured\n"), "%s", log);
        ck_assert_msg(strstr(log, "water at start: off\n") && strstr(log, "buzzer at start: off\n") &&
                      strstr(log, "relay at start: off\n") && strstr(log, "lamp at start: on\n"), "%s", log);
        ck_assert_int_eq(count(log, "not restored"), 4);
        /* The file now names the lines as msgq.conf does: the next start restores them all. */
        ck_assert_str_eq(wait_line_file(key, 3, false, false).gpio, "gpiochip0:6");
        ck_assert(wait_line_file(key, 4, false, false).active_low);
        line_op(key, MSGQ_OP_LED_ON, 4, 0, 0);
        daemon_kill(&d);
        start_conf(&d, key, conf);
        log = daemon_log(&d);
        ck_assert_msg(count(log, "not restored") == 0 && strstr(log, "relay restored: on\n"), "%s", log);
        daemon_stop_checked(&d);
        unlink(conf);
}
END_TEST

/*
 * An upgrade: the state file of msgq 0.1 and 0.2 (version 1, the LED
 * alone) is taken up as the line led, the change numbers go on from it,
 * the new outputs start as new, and the file is version 3 from then on.
 */
START_TEST(test_version_1_taken_up_as_led) {
        static struct ledstate_file f;
        struct daemon d;
        key_t key = test_key();
        char conf[64];

        write_v1(key, true, 12);
        write_conf(conf, sizeof conf, outputs_conf);
        start_conf(&d, key, conf);
        ck_assert_msg(strstr(daemon_log(&d), "LED restored: on\n") &&
                      strstr(daemon_log(&d), "pump at start: off\n") &&
                      !strstr(daemon_log(&d), "cannot restore"), "%s", daemon_log(&d));
        ck_assert(line_state(key, 0).on && !line_state(key, 1).on);
        ck_assert_uint_eq(line_state(key, 0).changes, 12);
        wait_line_file(key, 0, true, false);
        ck_assert_int_eq(ledstate_file_load(state_file(key), &f), 0);
        ck_assert(f.version == 3 && f.n == 3 && f.changes == 12 && f.line[0].seq == 12);
        ck_assert_str_eq(f.line[0].gpio, "GPIO17");
        ck_assert_str_eq(f.line[2].name, "buzzer");
        daemon_stop_checked(&d);
        unlink(conf);
}
END_TEST

/*
 * A version-2 file (every line, as msgqd wrote it before version 3) is
 * taken up and written as version 3 from the start on.  A change, kill -9,
 * and the slot that holds it torn (a power cut in the middle of its
 * write): the next start ignores that slot, says so, and restores the
 * state before it, from the other one.
 */
START_TEST(test_version_2_then_torn_slot) {
        static struct ledstate_file f, v2;
        struct daemon d;
        key_t key = test_key();
        char conf[64], text[LEDSTATE_SLOT_MAX] = "msgqd-led-state 2\n";
        const char *log;
        FILE *fp;
        int fd;

        v2 = (struct ledstate_file) { .version = 2, .changes = 30, .boot_us = ledstate_boot_us(), .n = 3 };
        v2.line[0] = (struct ledstate_line) { .name = "led", .gpio = "GPIO17", .seq = 20, .on = true };
        v2.line[1] = (struct ledstate_line) { .name = "pump", .gpio = "GPIO27", .seq = 4 };
        v2.line[2] = (struct ledstate_line) { .name = "buzzer", .gpio = "gpiochip0:5", .seq = 6, .on = true };
        ck_assert_int_gt(ledstate_body_format(&v2, text + strlen(text), sizeof text - strlen(text)), 0);
        fp = fopen(state_file(key), "w");
        ck_assert_ptr_nonnull(fp);
        fputs(text, fp);
        ck_assert_int_eq(fclose(fp), 0);
        write_conf(conf, sizeof conf, outputs_conf);
        start_conf(&d, key, conf);
        log = daemon_log(&d);
        ck_assert_msg(strstr(log, "LED restored: on\n") && strstr(log, "buzzer restored: on\n") &&
                      !strstr(log, "cannot restore"), "%s", log);
        ck_assert_uint_eq(line_state(key, 2).changes, 30);
        ck_assert_int_eq(ledstate_file_load(state_file(key), &f), 0);
        ck_assert_uint_eq(f.version, 3);
        ck_assert_uint_eq(f.changes, 30);

        /* Change 31 (the LED off) in one slot, change 30 in the other; the first torn. */
        ck_assert(!line_op(key, MSGQ_OP_LED_OFF, 0, 0, 0).led.on);
        wait_line_file(key, 0, false, false);
        daemon_kill(&d);
        ck_assert_int_eq(ledstate_file_load(state_file(key), &f), 0);
        ck_assert_uint_eq(f.changes, 31);
        fd = open(state_file(key), O_WRONLY | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(pwrite(fd, "torn", 4, (off_t) (f.slot * f.slot_size + f.slot_size / 2)), 4);
        close(fd);
        start_conf(&d, key, conf);
        log = daemon_log(&d);
        ck_assert_msg(strstr(log, fmt("slot %u is torn or corrupt", f.slot + 1)) &&
                      strstr(log, "the state of change 30 in slot") && strstr(log, "LED restored: on\n") &&
                      !strstr(log, "cannot restore"), "%s", log);
        ck_assert(line_state(key, 0).on);
        ck_assert_uint_eq(line_state(key, 0).changes, 30);
        daemon_stop_checked(&d);
        unlink(conf);
}
END_TEST

int main(void) {
        Suite *s = suite_create("restore");

        harness_init();
        harness_add(s, "kill-9-on", test_kill_9_while_on, 30);
        harness_add(s, "kill-9-blinking", test_kill_9_while_blinking, 30);
        harness_add(s, "kill-9-after-reply", test_kill_9_right_after_reply, 60);
        harness_add(s, "stop-start", test_stop_and_start, 30);
        harness_add(s, "watch-restart", test_watch_across_restart, 30);
        harness_add(s, "truncated", test_truncated_file, 30);
        harness_add(s, "unwritable", test_unwritable_directory, 30);
        harness_add(s, "unwritable-stale-file", test_unwritable_directory_stale_file, 30);
        harness_add(s, "policies", test_policies, 30);
        harness_add(s, "led-stop-reloaded", test_led_stop_reloaded, 30);
        harness_add(s, "written-on-change", test_written_only_on_change, 30);
        harness_add(s, "builtin-dir", test_builtin_dir_made_with_parents, 30);
        harness_add(s, "user-dir", test_user_dir_when_builtin_out_of_reach, 30);
        harness_add(s, "kill-9-after-reply-line-2", test_kill_9_right_after_reply_line_2, 60);
        harness_add(s, "outputs-changed", test_outputs_changed_in_msgq_conf, 30);
        harness_add(s, "version-1", test_version_1_taken_up_as_led, 30);
        harness_add(s, "version-2-torn-slot", test_version_2_then_torn_slot, 30);
        return harness_run(s);
}
