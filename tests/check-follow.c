/* SPDX-License-Identifier: MIT */
/*
 * Integration: the real msgqd --sim with outputs that follow an input
 * (msgq.conf's follow, doc/PROTOCOL.md, Inputs): at each edge written to
 * the simulated input's FIFO (MSGQD_SIM_INPUTS) the follower takes the
 * input's level, or its opposite with follow = !INPUT, with no client at
 * all; the edge and the follower's change are numbered in that order, the
 * follower's made by msgqd (pid 0), and watchers hear of both; a reload
 * changes none of it.  The table:
 * 0 led (follow = !button), 1 button (an input, both edges), 2 lamp
 * (follow = button), 3 fan (no follow).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "harness.h"
#include "protocol.h"
#include "queue.h"

static struct daemon dmn;
static char conf[64];
static char sim_dir[64];
static key_t key; /* the test's: one for every start, which finds the state the last left */

static const char follow_conf[] =
        "[msgq]\n"
        "mode = 0600\n"
        "follow = !button\n"
        "[input button]\n"
        "gpio = GPIO5\n"
        "[output lamp]\n"
        "gpio = GPIO27\n"
        "follow = button\n"
        "[output fan]\n"
        "gpio = GPIO22\n";

enum { LED = 0, BUTTON = 1, LAMP = 2, FAN = 3 };

static void write_conf(const char *text) {
        int fd;

        snprintf(conf, sizeof conf, "/tmp/msgq-test-follow-XXXXXX");
        fd = mkstemp(conf);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "%s", text), 0);
        close(fd);
}

/* msgqd with text as msgq.conf, its simulated inputs' FIFOs in sim_dir. */
static void start_with(const char *text) {
        const char *extra[] = { "-c", conf, NULL };
        int r;

        write_conf(text);
        if (!sim_dir[0]) {
                snprintf(sim_dir, sizeof sim_dir, "/tmp/msgq-test-sim-XXXXXX");
                ck_assert_ptr_nonnull(mkdtemp(sim_dir));
        }
        setenv("MSGQD_SIM_INPUTS", sim_dir, 1);
        if (!key)
                key = test_key();
        r = daemon_start(&dmn, key, extra);
        ck_assert_msg(r == 0, "msgqd did not become ready (%s): %s", strerror(-r), daemon_log(&dmn));
}

static void start(void) {
        start_with(follow_conf);
}

static void remove_sim_dir(void) {
        static const char *const names[] = { "button", "button.level" };
        char path[PATH_MAX];

        if (!sim_dir[0])
                return;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                snprintf(path, sizeof path, "%s/%s", sim_dir, names[i]);
                unlink(path);
        }
        rmdir(sim_dir);
        sim_dir[0] = '\0';
}

/* msgqd stopped, its configuration gone; the simulated input stays for the next start. */
static void restart_stop(void) {
        daemon_stop_checked(&dmn);
        unlink(conf);
}

static void stop(void) {
        restart_stop();
        remove_sim_dir();
        unsetenv("MSGQD_SIM_INPUTS");
}

/* On failure too: whatever a test left. */
static void teardown(void) {
        key = 0;
        if (conf[0])
                unlink(conf);
        remove_sim_dir();
        unsetenv("MSGQD_SIM_INPUTS");
}

/* Bytes into the button's FIFO: '1' high, '0' low, 'o' the next edge dropped. */
static void edges(const char *bytes) {
        sim_input_write(sim_dir, "button", bytes);
}

/* The button's level while no msgqd runs. */
static void level_while_away(const char *level) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof path, "%s/button.level", sim_dir);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, level, strlen(level)), (ssize_t) strlen(level));
        close(fd);
}

static struct msgq_reply call(struct msgq_request req) {
        struct msgq_client c;
        struct msgq_reply rep;
        int r;

        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, scaled(5000));
        msgq_client_close(&c);
        ck_assert_msg(r == 0, "call %s failed: %s", msgq_op_to_string(req.op), strerror(-r));
        ck_assert_msg(rep.status == MSGQ_OK, "%s: status %u: %s", msgq_op_to_string(req.op), rep.status,
                      rep.error);
        return rep;
}

static struct msgq_reply line_op(uint16_t op, uint16_t line, uint64_t since) {
        return call((struct msgq_request) { .op = op, .line = line, .arg0 = (uint32_t) since,
                                            .arg1 = (uint32_t) (since >> 32) });
}

static struct msgq_reply line_list(void) {
        return call((struct msgq_request) { .op = MSGQ_OP_LINE_LIST });
}

static bool is_on(uint16_t line) {
        return line_op(MSGQ_OP_LED_STATE, line, 0).led.on;
}

/* line-events of every line after since until want came, into ev; the last one's number. */
static uint64_t collect(uint64_t since, struct msgq_event *ev, size_t want) {
        size_t got = 0;

        for (int ms = 0; got < want; ms += 10) {
                struct msgq_reply rep = line_op(MSGQ_OP_LINE_EVENTS, MSGQ_LINE_ALL, since);

                ck_assert_uint_eq(rep.missed, 0);
                ck_assert_uint_le(got + rep.nchanges, want);
                memcpy(ev + got, rep.events, rep.nchanges * sizeof *ev);
                got += rep.nchanges;
                since = rep.led.changes;
                ck_assert_msg(got == want || ms < scaled(5000), "%zu of %zu changes", got, want);
        }
        return since;
}

/* The change ev was: line, level, edge. */
static void ck_change(const struct msgq_event *ev, uint64_t number, uint16_t line, bool on, uint8_t edge) {
        ck_assert_uint_eq(ev->ch.st.led.changes, number);
        ck_assert_uint_eq(ev->ch.st.line, line);
        ck_assert_uint_eq(ev->ch.st.led.on, on);
        ck_assert_uint_eq(ev->edge, edge);
}

/*
 * At each edge the followers take the level (the LED the opposite), each
 * change numbered after the edge's, msgqd's own (pid 0), said in the log;
 * a line that follows nothing stays as it is.
 */
START_TEST(follows_both_polarities) {
        struct msgq_event ev[6];
        struct msgq_reply rep;
        uint64_t n;

        start();
        /* The button starts low: the lamp off, the LED on (it was off by default: a change). */
        ck_assert(!is_on(BUTTON));
        ck_assert(!is_on(LAMP));
        ck_assert(is_on(LED));
        n = line_list().led.changes;
        edges("1");
        collect(n, ev, 3);
        ck_change(&ev[0], n + 1, BUTTON, true, MSGQ_EDGE_RISING);
        ck_change(&ev[1], n + 2, LED, false, MSGQ_EDGE_OUTPUT);
        ck_change(&ev[2], n + 3, LAMP, true, MSGQ_EDGE_OUTPUT);
        edges("0");
        collect(n + 3, ev + 3, 3);
        ck_change(&ev[3], n + 4, BUTTON, false, MSGQ_EDGE_FALLING);
        ck_change(&ev[4], n + 5, LED, true, MSGQ_EDGE_OUTPUT);
        ck_change(&ev[5], n + 6, LAMP, false, MSGQ_EDGE_OUTPUT);
        rep = line_list();
        ck_assert_uint_eq(rep.led.changes, n + 6);
        ck_assert_uint_eq(rep.list[LAMP].by_pid, 0);
        ck_assert_uint_eq(rep.list[LED].by_pid, 0);
        ck_assert_uint_eq(rep.list[LAMP].st.seq, 2);
        ck_assert(!rep.list[FAN].st.led.on);
        ck_assert_uint_eq(rep.list[FAN].st.seq, 0);
        ck_assert(daemon_log_wait(&dmn, "lamp off (follows input button)", scaled(2000)));
        ck_assert(daemon_log_wait(&dmn, "LED on (follows input button)", scaled(2000)));
        stop();
}
END_TEST

/*
 * Watchers waiting in msgqd hear of both changes: a line-events of every
 * line gets the edge and the followers' changes in one reply (all are
 * recorded before anyone is told), a line-watch of the lamp its change.
 */
START_TEST(watchers_hear_both) {
        struct msgq_reply rep;
        uint64_t n;
        int id;

        start();
        id = msgq_queue_open(dmn.key);
        ck_assert_int_ge(id, 0);
        n = line_list().led.changes;
        watch_by_hand(id, MSGQ_OP_LINE_EVENTS, MSGQ_LINE_ALL, n, 7);
        for (int ms = 0; ms < scaled(5000) && queue_count(dmn.key) > 0; ms += 5)
                sleep_ms(5); /* taken: it waits in msgqd */
        edges("1");
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.nchanges, 3);
        ck_assert_uint_eq(rep.events[0].ch.st.line, BUTTON);
        ck_assert_uint_eq(rep.events[1].ch.st.line, LED);
        ck_assert_uint_eq(rep.events[2].ch.st.line, LAMP);
        ck_assert_uint_eq(rep.events[2].ch.st.led.changes, n + 3);
        watch_by_hand(id, MSGQ_OP_LINE_WATCH, LAMP, n + 3, 7);
        for (int ms = 0; ms < scaled(5000) && queue_count(dmn.key) > 0; ms += 5)
                sleep_ms(5);
        edges("0");
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.nchanges, 1);
        ck_assert_uint_eq(rep.changes_after[0].st.line, LAMP);
        ck_assert_uint_eq(rep.changes_after[0].st.led.changes, n + 6);
        ck_assert(!rep.changes_after[0].st.led.on);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        stop();
}
END_TEST

/* A request sets a follower as any output (the client's change); the next edge sets it again. */
START_TEST(request_until_the_next_edge) {
        struct msgq_event ev[3];
        struct msgq_reply rep;
        uint64_t n;

        start();
        rep = line_op(MSGQ_OP_LED_ON, LAMP, 0); /* the button is low */
        ck_assert(rep.led.on);
        rep = line_list();
        ck_assert_uint_eq(rep.list[LAMP].by_pid, (uint32_t) getpid());
        n = rep.led.changes;
        edges("1"); /* high: the lamp is on already, no change of it; the LED's only */
        collect(n, ev, 2);
        ck_change(&ev[0], n + 1, BUTTON, true, MSGQ_EDGE_RISING);
        ck_change(&ev[1], n + 2, LED, false, MSGQ_EDGE_OUTPUT);
        line_op(MSGQ_OP_LED_OFF, LAMP, 0);
        edges("0"); /* low: the lamp is off already */
        collect(n + 3, ev, 2);
        ck_change(&ev[1], n + 5, LED, true, MSGQ_EDGE_OUTPUT);
        /* A blink (its first toggle in 30 s): the next edge ends it. */
        call((struct msgq_request) { .op = MSGQ_OP_LED_BLINK, .line = LAMP, .arg0 = 60000 });
        edges("1");
        collect(n + 6, ev, 3);
        ck_change(&ev[2], n + 9, LAMP, true, MSGQ_EDGE_OUTPUT);
        rep = line_list();
        ck_assert(!rep.list[LAMP].st.led.blinking);
        ck_assert_uint_eq(rep.list[LAMP].by_pid, 0);
        stop();
}
END_TEST

/*
 * An edge the kernel dropped: the follower takes the level of the edge
 * after it, never the opposite of its own (a rise, a fall lost, a rise:
 * the lamp stays on).
 */
START_TEST(lost_edge_leaves_no_stale_level) {
        struct msgq_event ev[4];
        uint64_t n;

        start();
        n = line_list().led.changes;
        edges("1o01");
        collect(n, ev, 4); /* the rise, led, lamp; the second rise, lost 1, no follower change */
        ck_change(&ev[3], n + 4, BUTTON, true, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(ev[3].lost, 1);
        ck_assert(is_on(LAMP));
        ck_assert(!is_on(LED));
        edges("0");
        collect(n + 4, ev, 3);
        ck_change(&ev[2], n + 7, LAMP, false, MSGQ_EDGE_OUTPUT);
        stop();
}
END_TEST

/* Wait until line's level is on (within the scaled 5 s). */
static bool becomes(uint16_t line, bool on) {
        for (int ms = 0; ms < scaled(5000); ms += 10) {
                if (is_on(line) == on)
                        return true;
                sleep_ms(10);
        }
        return is_on(line) == on;
}

/*
 * With msgqd's debounce the follower follows the debounced edges only; with
 * the rising edges only recorded, it follows the level all the same.
 */
START_TEST(debounced_and_one_edge) {
        struct msgq_event ev[3];
        uint64_t n;

        start_with("[msgq]\nmode = 0600\n[input button]\ngpio = GPIO5\ndebounce = 20ms\nedges = rising\n"
                   "[output lamp]\ngpio = GPIO27\nfollow = button\n");
        n = line_list().led.changes;
        edges("10101"); /* a bounce, settling high: one edge */
        collect(n, ev, 2);
        ck_change(&ev[0], n + 1, 1, true, MSGQ_EDGE_RISING);
        ck_assert(ev[0].flags & MSGQ_EVENT_F_DEBOUNCED);
        ck_change(&ev[1], n + 2, 2, true, MSGQ_EDGE_OUTPUT);
        edges("01"); /* back where it was: nothing */
        sleep_ms(100);
        ck_assert_uint_eq(line_list().led.changes, n + 2);
        edges("0"); /* a fall: not recorded, but the lamp goes off with the level */
        ck_assert(becomes(2, false));
        ck_assert_uint_eq(line_list().led.changes, n + 3);
        ck_assert_uint_eq(line_list().list[2].by_pid, 0);
        stop();
}
END_TEST

/*
 * At the start a follower takes the input's level as read then, not the
 * level the state file kept (a change of msgqd's, numbered); the numbers
 * and the counter go on; a start where they agree changes nothing.
 */
START_TEST(start_takes_the_input_level) {
        struct msgq_reply rep;
        uint64_t n;

        start();
        edges("1");
        ck_assert(becomes(LAMP, true));
        ck_assert(becomes(LED, false));
        n = line_list().led.changes;
        restart_stop();
        level_while_away("0");
        start();
        rep = line_list();
        ck_assert(!rep.list[BUTTON].st.led.on);
        ck_assert(!rep.list[LAMP].st.led.on);
        ck_assert(rep.list[LED].st.led.on);
        ck_assert_uint_eq(rep.led.changes, n + 3); /* the away change, the LED's, the lamp's */
        ck_assert_uint_eq(rep.list[LAMP].st.led.changes, n + 3);
        ck_assert_msg(strstr(daemon_log(&dmn), "lamp off at start: follows input button, off"), "%s",
                      daemon_log(&dmn));
        /* A request's level is not what the next start takes. */
        line_op(MSGQ_OP_LED_ON, LAMP, 0);
        restart_stop();
        start();
        rep = line_list();
        ck_assert(!rep.list[LAMP].st.led.on);
        ck_assert_uint_eq(rep.led.changes, n + 5);
        /* Nothing to change: no change. */
        restart_stop();
        start();
        ck_assert_uint_eq(line_list().led.changes, n + 5);
        edges("1");
        ck_assert(becomes(LAMP, true));
        ck_assert_uint_eq(line_list().led.changes, n + 8);
        stop();
}
END_TEST

/* A reload leaves who follows whom as it was, and says that a change takes a restart. */
START_TEST(reload_keeps_the_follows) {
        FILE *f;

        start();
        f = fopen(conf, "w"); /* the lamp the opposite now, the fan following too, the LED no more */
        ck_assert_ptr_nonnull(f);
        fputs("[msgq]\nmode = 0600\n[input button]\ngpio = GPIO5\n[output lamp]\ngpio = GPIO27\n"
              "follow = !button\n[output fan]\ngpio = GPIO22\nfollow = button\n", f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(kill(dmn.pid, SIGHUP), 0);
        ck_assert_msg(daemon_log_wait(&dmn, "configuration reloaded", scaled(3000)), "%s", daemon_log(&dmn));
        ck_assert_msg(strstr(daemon_log(&dmn), "lamp: follow = !button takes effect when msgqd restarts"), "%s",
                      daemon_log(&dmn));
        ck_assert_msg(strstr(daemon_log(&dmn), "fan: follow = button takes effect when msgqd restarts"), "%s",
                      daemon_log(&dmn));
        ck_assert_msg(strstr(daemon_log(&dmn), "led: follow = (none) takes effect when msgqd restarts"), "%s",
                      daemon_log(&dmn));
        edges("1"); /* as before the reload */
        ck_assert(becomes(LAMP, true));
        ck_assert(becomes(LED, false));
        ck_assert(!is_on(FAN));
        stop();
}
END_TEST

int main(void) {
        Suite *s = suite_create("follow");

        harness_init();
        harness_set_hooks(NULL, teardown);
        harness_add(s, "both-polarities", follows_both_polarities, 30);
        harness_add(s, "watchers-hear-both", watchers_hear_both, 30);
        harness_add(s, "request-until-next-edge", request_until_the_next_edge, 30);
        harness_add(s, "lost-edge", lost_edge_leaves_no_stale_level, 30);
        harness_add(s, "debounced-and-one-edge", debounced_and_one_edge, 30);
        harness_add(s, "start-level", start_takes_the_input_level, 60);
        harness_add(s, "reload-keeps-follows", reload_keeps_the_follows, 30);
        return harness_run(s);
}
