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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
 * change number), as the main loop writes it right after the change.
 */
static struct ledstate wait_file(key_t key, bool on, bool blinking) {
        uint64_t changes = state_of(key).changes, end = monotonic_ms() + (uint64_t) scaled(2000);
        struct ledstate s = {};

        while (monotonic_ms() < end) {
                if (ledstate_load(state_file(key), &s) == 0 && s.changes == changes)
                        break;
                sleep_ms(5);
        }
        ck_assert_msg(s.changes == changes && s.on == on && s.blinking == blinking,
                      "%s: change %llu on=%d blinking=%d, expected change %llu on=%d blinking=%d",
                      state_file(key), (unsigned long long) s.changes, s.on, s.blinking,
                      (unsigned long long) changes, on, blinking);
        return s;
}

/* The file as it is (after a stop). */
static struct ledstate file_now(key_t key) {
        struct ledstate s;

        ck_assert_int_eq(ledstate_load(state_file(key), &s), 0);
        return s;
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
        ck_assert_msg(count(log, "cannot restore the LED from") == 1 && strstr(log, "corrupt"),
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
        ck_assert_msg(count(log, "cannot keep the LED's state in") == 1 &&
                      strstr(log, "Permission denied"), "log: %s", log);
        ck_assert_int_eq(access(state_file(key), F_OK), -1);
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
        /* Each write is a new file renamed into place: the same file, untouched, was not written. */
        ck_assert_uint_eq(a.st_ino, b.st_ino);
        ck_assert(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
        led(key, "off", NULL, NULL);
        wait_file(key, false, false);
        ck_assert_int_eq(stat(state_file(key), &b), 0);
        ck_assert_uint_ne(a.st_ino, b.st_ino);
        daemon_stop_checked(&d);
}
END_TEST

int main(void) {
        Suite *s = suite_create("restore");

        harness_init();
        harness_add(s, "kill-9-on", test_kill_9_while_on, 30);
        harness_add(s, "kill-9-blinking", test_kill_9_while_blinking, 30);
        harness_add(s, "stop-start", test_stop_and_start, 30);
        harness_add(s, "watch-restart", test_watch_across_restart, 30);
        harness_add(s, "truncated", test_truncated_file, 30);
        harness_add(s, "unwritable", test_unwritable_directory, 30);
        harness_add(s, "policies", test_policies, 30);
        harness_add(s, "led-stop-reloaded", test_led_stop_reloaded, 30);
        harness_add(s, "written-on-change", test_written_only_on_change, 30);
        return harness_run(s);
}
