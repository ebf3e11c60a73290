/* SPDX-License-Identifier: MIT */
/*
 * The daemon's request handlers, driven through request_handle() and
 * request_reject() over a simulated LED (and one that fails).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"
#include "led-private.h"
#include "log.h"
#include "request.h"
#include "unit.h"

#define TOKEN 0xfeedface12345678ull

static struct msgqd d;
static struct change_log changes; /* what the last request changed, for the log */
static int wakes;

/* How often the requests woke the main loop: d.wake's counter, taken. */
static int count_wakes(void) {
        wakes += (int) wake_take(&d.wake);
        return wakes;
}

static void setup(void) {
        struct led *l;

        msgq_log_open("check-request", LOG_WARNING);
        memset(&d, 0, sizeof d);
        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert_int_eq(lines_init(&d.lines, l, NULL), 0);
        d.pid = (uint32_t) getpid();
        d.start_ns = msgq_now_ns();
        ck_assert_int_eq(wake_open(&d.wake), 0);
        wakes = 0;
}

static void teardown(void) {
        lines_done(&d.lines);
        wake_close(&d.wake);
}

static struct msgq_request make_req(uint16_t op, long prio) {
        struct msgq_request req;

        memset(&req, 0, sizeof req);
        req.prio = prio;
        req.pid = 4242;
        req.token = TOKEN + op;
        req.deadline_ns = msgq_now_ns() + 1000000000ull;
        req.op = op;
        return req;
}

/* Handle op at priority 5 and expect success. */
static void handle_ok(uint16_t op, struct msgq_reply *rep) {
        struct msgq_request req = make_req(op, 5);

        memset(rep, 0x5a, sizeof *rep);
        request_handle(&d, &req, rep, &changes);
        ck_assert_msg(rep->status == MSGQ_OK, "%s: status %u (%s)", msgq_op_to_string(op),
                      rep->status, rep->error);
        ck_assert_str_eq(rep->error, "");
        ck_assert_uint_eq(rep->token, TOKEN + op);
        ck_assert_uint_eq(rep->op, op);
        ck_assert_uint_eq(rep->daemon_pid, d.pid);
}

static uint64_t served_total(void) {
        uint64_t n = 0;

        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                n += d.stats.served[i];
        return n;
}

static bool led_is_on(void) {
        struct msgq_led_state st;

        lines_state(&d.lines, 0, &st);
        return st.on;
}

START_TEST(ping_ok) {
        struct msgq_reply rep;

        handle_ok(MSGQ_OP_PING, &rep);
        ck_assert_uint_eq(rep.led.on, 0);
        ck_assert_uint_eq(rep.expires_ns, 0); /* the server's business */
        ck_assert_uint_eq(d.stats.served[4], 1);
        ck_assert_uint_eq(d.stats.errors, 0);
        ck_assert_int_eq(count_wakes(), 0);
}
END_TEST

START_TEST(led_on_off) {
        struct msgq_reply rep;

        handle_ok(MSGQ_OP_LED_ON, &rep);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert_uint_eq(rep.led.blinking, 0);
        ck_assert_uint_eq(rep.led.period_ms, 0);
        ck_assert_uint_eq(rep.led.remaining, 0);
        ck_assert(led_is_on());
        ck_assert(led_get(d.lines.line[0].led));

        handle_ok(MSGQ_OP_LED_ON, &rep); /* again: stays on */
        ck_assert_uint_eq(rep.led.on, 1);

        handle_ok(MSGQ_OP_LED_OFF, &rep);
        ck_assert_uint_eq(rep.led.on, 0);
        ck_assert_uint_eq(rep.led.blinking, 0);
        ck_assert(!led_get(d.lines.line[0].led));
        ck_assert_uint_eq(d.stats.served[4], 3);
        ck_assert_uint_eq(d.stats.errors, 0);
}
END_TEST

START_TEST(led_toggle) {
        struct msgq_reply rep;

        handle_ok(MSGQ_OP_LED_TOGGLE, &rep);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert(led_get(d.lines.line[0].led));
        handle_ok(MSGQ_OP_LED_TOGGLE, &rep);
        ck_assert_uint_eq(rep.led.on, 0);
        ck_assert(!led_get(d.lines.line[0].led));
        handle_ok(MSGQ_OP_LED_TOGGLE, &rep);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert_uint_eq(rep.led.blinking, 0);
}
END_TEST

/* A change is kept for the log after the reply, at info; a request that changes nothing, at debug. */
START_TEST(changes_kept_for_the_log) {
        struct msgq_reply rep;

        handle_ok(MSGQ_OP_LED_TOGGLE, &rep);
        ck_assert_uint_eq(changes.n, 1);
        ck_assert_uint_eq(changes.entry[0].kind, CHANGE_TOGGLE);
        ck_assert_uint_eq(changes.entry[0].line, 0);
        ck_assert(changes.entry[0].on);
        ck_assert_int_eq(changes.entry[0].level, LOG_INFO);
        handle_ok(MSGQ_OP_LED_ON, &rep);
        ck_assert_uint_eq(changes.n, 1);
        ck_assert_uint_eq(changes.entry[0].kind, CHANGE_SET);
        ck_assert_int_eq(changes.entry[0].level, LOG_DEBUG);
        handle_ok(MSGQ_OP_LED_OFF, &rep);
        ck_assert_uint_eq(changes.n, 1);
        ck_assert(!changes.entry[0].on);
        ck_assert_int_eq(changes.entry[0].level, LOG_INFO);
        handle_ok(MSGQ_OP_LED_STATE, &rep);
        ck_assert_uint_eq(changes.n, 0);
        request_log_changes(&d, &(struct msgq_request) { .pid = 1 }, &changes);
}
END_TEST

START_TEST(led_state_changes_nothing) {
        struct msgq_reply rep;

        handle_ok(MSGQ_OP_LED_STATE, &rep);
        ck_assert_uint_eq(rep.led.on, 0);
        ck_assert(!led_get(d.lines.line[0].led));
        ck_assert_int_eq(led_set(d.lines.line[0].led, true), 0);
        handle_ok(MSGQ_OP_LED_STATE, &rep);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert_uint_eq(rep.led.blinking, 0);
        handle_ok(MSGQ_OP_LED_STATE, &rep);
        ck_assert(led_get(d.lines.line[0].led));
}
END_TEST

START_TEST(led_blink) {
        struct msgq_request req = make_req(MSGQ_OP_LED_BLINK, 2);
        struct msgq_reply rep;

        req.arg0 = 400;
        req.arg1 = 3;
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.op, MSGQ_OP_LED_BLINK);
        ck_assert_uint_eq(rep.token, TOKEN + MSGQ_OP_LED_BLINK);
        ck_assert_uint_eq(rep.led.blinking, 1);
        ck_assert_uint_eq(rep.led.on, 1); /* the first half period */
        ck_assert_uint_eq(rep.led.period_ms, 400);
        ck_assert_uint_eq(rep.led.remaining, 2 * 3 - 1);
        ck_assert(led_get(d.lines.line[0].led));

        /* Forever, replacing the first. */
        req.arg0 = 20;
        req.arg1 = 0;
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.led.blinking, 1);
        ck_assert_uint_eq(rep.led.period_ms, 20);
        ck_assert_uint_eq(rep.led.remaining, 0);

        /* One blink: on, then one toggle off. */
        req.arg0 = 1000;
        req.arg1 = 1;
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.led.remaining, 1);

        req.arg1 = MSGQ_BLINK_COUNT_MAX;
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.led.remaining, 2 * MSGQ_BLINK_COUNT_MAX - 1);
        ck_assert_uint_eq(d.stats.served[1], 4);
        ck_assert_uint_eq(d.stats.errors, 0);
        /* The daemon's wake is for exit; the line table has its own (NULL here). */
        ck_assert_int_eq(count_wakes(), 0);
}
END_TEST

START_TEST(blink_then_off_cancels) {
        struct msgq_request req = make_req(MSGQ_OP_LED_BLINK, 5);
        struct msgq_reply rep;

        req.arg0 = 500;
        req.arg1 = 10;
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.led.blinking, 1);

        handle_ok(MSGQ_OP_LED_OFF, &rep);
        ck_assert_uint_eq(rep.led.on, 0);
        ck_assert_uint_eq(rep.led.blinking, 0);
        ck_assert_uint_eq(rep.led.period_ms, 0);
        ck_assert_uint_eq(rep.led.remaining, 0);
        handle_ok(MSGQ_OP_LED_STATE, &rep);
        ck_assert_uint_eq(rep.led.blinking, 0);

        /* A toggle cancels it too. */
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.led.blinking, 1);
        handle_ok(MSGQ_OP_LED_TOGGLE, &rep);
        ck_assert_uint_eq(rep.led.blinking, 0);
        ck_assert_uint_eq(rep.led.on, 0); /* it was on: the blink starts on */
}
END_TEST

START_TEST(send_ok) {
        struct msgq_request req = make_req(MSGQ_OP_SEND, 9);
        struct msgq_reply rep;

        strcpy(req.text, "hello from the test");
        req.text_len = (uint16_t) strlen(req.text);
        memset(&rep, 0x5a, sizeof rep);
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.op, MSGQ_OP_SEND);
        ck_assert_uint_eq(rep.token, TOKEN + MSGQ_OP_SEND);
        ck_assert_str_eq(rep.error, "");
        ck_assert_uint_eq(rep.led.on, 0);
        ck_assert_uint_eq(d.stats.served[8], 1);
        ck_assert(!led_get(d.lines.line[0].led)); /* a message does not touch the LED */
}
END_TEST

START_TEST(stats_figures) {
        struct msgq_request req;
        struct msgq_reply rep;
        const struct timespec pause = { .tv_sec = 0, .tv_nsec = 30 * 1000000 };

        for (int i = 0; i < 3; i++) {
                req = make_req(MSGQ_OP_PING, 1);
                request_handle(&d, &req, &rep, &changes);
        }
        for (int i = 0; i < 2; i++) {
                req = make_req(MSGQ_OP_LED_STATE, 7);
                request_handle(&d, &req, &rep, &changes);
        }
        req = make_req(MSGQ_OP_LED_ON, MSGQ_PRIO_MAX);
        request_handle(&d, &req, &rep, &changes);
        req = make_req(0, 4); /* an error */
        request_handle(&d, &req, &rep, &changes);
        /* What the server counts itself. */
        d.stats.malformed = 21;
        d.stats.replies_late = 22;
        d.stats.replies_deferred = 23;
        d.stats.replies_dropped = 24;
        d.stats.replies_reclaimed = 25;
        d.stats.queue_recreated = 2;
        nanosleep(&pause, NULL);

        req = make_req(MSGQ_OP_STATS, 6);
        memset(&rep, 0x5a, sizeof rep);
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.op, MSGQ_OP_STATS);
        ck_assert_uint_eq(rep.token, TOKEN + MSGQ_OP_STATS);
        ck_assert_uint_eq(rep.stats.served[0], 3);
        ck_assert_uint_eq(rep.stats.served[1], 0);
        ck_assert_uint_eq(rep.stats.served[3], 1);
        ck_assert_uint_eq(rep.stats.served[5], 1); /* the stats request itself */
        ck_assert_uint_eq(rep.stats.served[6], 2);
        ck_assert_uint_eq(rep.stats.served[MSGQ_PRIO_MAX - 1], 1);
        ck_assert_uint_eq(rep.stats.errors, 1);
        ck_assert_uint_eq(rep.stats.malformed, 21);
        ck_assert_uint_eq(rep.stats.replies_late, 22);
        ck_assert_uint_eq(rep.stats.replies_deferred, 23);
        ck_assert_uint_eq(rep.stats.replies_dropped, 24);
        ck_assert_uint_eq(rep.stats.replies_reclaimed, 25);
        ck_assert_uint_eq(rep.stats.queue_recreated, 2);
        ck_assert_uint_eq(rep.stats.daemon_pid, (uint32_t) getpid());
        ck_assert_uint_ge(rep.stats.uptime_ms, 30);
        ck_assert_uint_lt(rep.stats.uptime_ms, 60000);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert_uint_eq(rep.led.blinking, 0);
}
END_TEST

START_TEST(stats_reply_encodes) {
        struct msgq_request req = make_req(MSGQ_OP_STATS, 3);
        struct msgq_reply rep, out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        request_handle(&d, &req, &rep, &changes);
        n = msgq_reply_encode(&rep, buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.stats.served[2], 1);
        ck_assert_uint_eq(out.stats.daemon_pid, d.pid);
        ck_assert_uint_eq(out.daemon_pid, d.pid);
        ck_assert_uint_eq(out.token, req.token);
}
END_TEST

START_TEST(exit_requested) {
        struct msgq_reply rep;

        ck_assert_int_eq(d.exit_requested, 0);
        handle_ok(MSGQ_OP_EXIT, &rep);
        ck_assert_int_eq(d.exit_requested, 1);
        ck_assert_int_eq(count_wakes(), 1);
        handle_ok(MSGQ_OP_EXIT, &rep);
        ck_assert_int_eq(count_wakes(), 2);
        ck_assert_uint_eq(d.stats.errors, 0);

        /* With nobody to wake. */
        wake_close(&d.wake);
        d.exit_requested = 0;
        handle_ok(MSGQ_OP_EXIT, &rep);
        ck_assert_int_eq(d.exit_requested, 1);
        ck_assert_int_eq(count_wakes(), 2);
}
END_TEST

START_TEST(unknown_op) {
        static const uint16_t ops[] = { 0, _MSGQ_OP_MAX, 200, UINT16_MAX };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_request req = make_req(ops[i], 8);
                struct msgq_reply rep;

                memset(&rep, 0x5a, sizeof rep);
                request_handle(&d, &req, &rep, &changes);
                ck_assert_uint_eq(rep.status, MSGQ_ERR_UNKNOWN_OP);
                ck_assert_uint_eq(rep.op, ops[i]);
                ck_assert_uint_eq(rep.token, req.token);
                ck_assert_uint_eq(rep.daemon_pid, d.pid);
                ck_assert_str_ne(rep.error, "");
                ck_assert_uint_eq(d.stats.errors, i + 1);
        }
        ck_assert_int_eq(d.exit_requested, 0);
        ck_assert(!led_get(d.lines.line[0].led));
}
END_TEST

/* A line msgqd does not have: status 4, naming it, and the LED left alone. */
START_TEST(unknown_line) {
        static const uint16_t ops[] = { MSGQ_OP_LED_ON, MSGQ_OP_LED_TOGGLE, MSGQ_OP_LED_STATE,
                                        MSGQ_OP_LED_BLINK, MSGQ_OP_LED_WATCH };
        struct msgq_request req;
        struct msgq_reply rep;

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                req = make_req(ops[i], 5);
                req.arg0 = ops[i] == MSGQ_OP_LED_BLINK ? 500 : 0;
                req.line = 1;
                memset(&rep, 0x5a, sizeof rep);
                ck_assert(request_handle(&d, &req, &rep, &changes));
                ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
                ck_assert_str_eq(rep.error, "no line 1: msgqd has 1 line (0, led)");
                req.line = 0;
                snprintf(req.line_name, sizeof req.line_name, "pump");
                ck_assert(request_handle(&d, &req, &rep, &changes));
                ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
                ck_assert_str_eq(rep.error, "no line 'pump'");
        }
        ck_assert_uint_eq(d.stats.errors, 2 * (sizeof ops / sizeof ops[0]));
        ck_assert(!led_get(d.lines.line[0].led));
        ck_assert_uint_eq(d.lines.changes, 0);
        /* The default output by its name, in any case. */
        req = make_req(MSGQ_OP_LED_ON, 5);
        snprintf(req.line_name, sizeof req.line_name, "LED");
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert(led_get(d.lines.line[0].led));
        /* The table of one line lists it. */
        req = make_req(MSGQ_OP_LINE_LIST, 5);
        request_handle(&d, &req, &rep, &changes);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.list_total, 1);
        ck_assert_uint_eq(rep.list_count, 1);
        ck_assert_str_eq(rep.list[0].name, "led");
}
END_TEST

START_TEST(reject_fills_and_does_not_count) {
        struct msgq_request req = make_req(MSGQ_OP_LED_BLINK, 2);
        struct msgq_reply rep;

        req.arg0 = 5;
        memset(&rep, 0x5a, sizeof rep);
        request_reject(&d, &req, MSGQ_ERR_INVALID, "invalid argument", &rep);
        ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
        ck_assert_str_eq(rep.error, "invalid argument");
        ck_assert_uint_eq(rep.token, req.token);
        ck_assert_uint_eq(rep.op, MSGQ_OP_LED_BLINK);
        ck_assert_uint_eq(rep.daemon_pid, d.pid);
        ck_assert_uint_eq(rep.expires_ns, 0);
        ck_assert_uint_eq(rep.led.on, 0);
        ck_assert_uint_eq(rep.led.blinking, 0);
        ck_assert_uint_eq(served_total(), 0);
        ck_assert_uint_eq(d.stats.errors, 0);
        ck_assert_uint_eq(d.stats.malformed, 0);
        ck_assert(!led_get(d.lines.line[0].led)); /* nothing was done */

        /* A long reason is cut to fit, NUL-terminated. */
        {
                char why[400];

                memset(why, 'w', sizeof why - 1);
                why[sizeof why - 1] = '\0';
                request_reject(&d, &req, MSGQ_ERR_MALFORMED, why, &rep);
                ck_assert_uint_eq(strlen(rep.error), MSGQ_ERROR_TEXT_MAX);
        }
}
END_TEST

START_TEST(replies_carry_token_and_op) {
        static const uint16_t ops[] = {
                MSGQ_OP_PING, MSGQ_OP_LED_ON, MSGQ_OP_LED_OFF, MSGQ_OP_LED_TOGGLE,
                MSGQ_OP_LED_STATE, MSGQ_OP_LED_BLINK, MSGQ_OP_SEND, MSGQ_OP_STATS, MSGQ_OP_EXIT,
        };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_request req = make_req(ops[i], 1 + (long) i);
                struct msgq_reply rep;

                req.token = 0x1000000000000000ull * (i + 1) + i;
                if (ops[i] == MSGQ_OP_LED_BLINK)
                        req.arg0 = 100;
                if (ops[i] == MSGQ_OP_SEND) {
                        strcpy(req.text, "x");
                        req.text_len = 1;
                }
                memset(&rep, 0x5a, sizeof rep);
                request_handle(&d, &req, &rep, &changes);
                ck_assert_uint_eq(rep.status, MSGQ_OK);
                ck_assert_uint_eq(rep.token, req.token);
                ck_assert_uint_eq(rep.op, ops[i]);
                ck_assert_uint_eq(rep.daemon_pid, d.pid);
                ck_assert_uint_eq(d.stats.served[i], 1);
        }
        ck_assert_uint_eq(served_total(), 9);
        ck_assert_uint_eq(d.stats.errors, 0);
}
END_TEST

START_TEST(priority_out_of_range_not_counted) {
        static const long prios[] = { 0, -1, MSGQ_PRIO_MAX + 1, 1000000042L };

        for (size_t i = 0; i < sizeof prios / sizeof prios[0]; i++) {
                struct msgq_request req = make_req(MSGQ_OP_PING, prios[i]);
                struct msgq_reply rep;

                request_handle(&d, &req, &rep, &changes);
                ck_assert_uint_eq(rep.status, MSGQ_OK);
        }
        ck_assert_uint_eq(served_total(), 0);
}
END_TEST

/* An LED whose line cannot be driven. */
static int failing_set(struct led *l, bool on) {
        (void) l;
        (void) on;
        return -EIO;
}

static void failing_close(struct led *l) {
        (void) l;
}

static const struct led_ops failing_ops = { .set = failing_set, .close = failing_close };

START_TEST(led_failure_reported) {
        static const uint16_t ops[] = { MSGQ_OP_LED_ON, MSGQ_OP_LED_OFF, MSGQ_OP_LED_TOGGLE,
                                        MSGQ_OP_LED_BLINK };
        struct led *l = led_new(false, false);

        ck_assert_ptr_nonnull(l);
        l->ops = &failing_ops;
        snprintf(l->desc, sizeof l->desc, "broken test LED");
        lines_done(&d.lines);
        ck_assert_int_eq(lines_init(&d.lines, l, NULL), 0);

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_request req = make_req(ops[i], 3);
                struct msgq_reply rep;

                if (ops[i] == MSGQ_OP_LED_BLINK)
                        req.arg0 = 100;
                request_handle(&d, &req, &rep, &changes);
                ck_assert_uint_eq(rep.status, MSGQ_ERR_LED);
                ck_assert_uint_eq(rep.token, req.token);
                ck_assert_uint_eq(rep.op, ops[i]);
                ck_assert_msg(strstr(rep.error, "broken test LED") != NULL, "%s", rep.error);
                ck_assert_msg(strstr(rep.error, strerror(EIO)) != NULL, "%s", rep.error);
                ck_assert_uint_eq(rep.led.blinking, 0);
                ck_assert_uint_eq(d.stats.errors, i + 1);
        }
        ck_assert_uint_eq(d.stats.served[2], 4);
        /* Reading the state still works. */
        {
                struct msgq_request req = make_req(MSGQ_OP_LED_STATE, 3);
                struct msgq_reply rep;

                request_handle(&d, &req, &rep, &changes);
                ck_assert_uint_eq(rep.status, MSGQ_OK);
                ck_assert_uint_eq(rep.led.on, 0);
                ck_assert_uint_eq(d.stats.errors, 4);
        }
}
END_TEST

static Suite *request_suite(void) {
        Suite *s = suite_create("request");
        TCase *tc = tcase_create("handlers");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, ping_ok);
        tcase_add_test(tc, led_on_off);
        tcase_add_test(tc, led_toggle);
        tcase_add_test(tc, changes_kept_for_the_log);
        tcase_add_test(tc, led_state_changes_nothing);
        tcase_add_test(tc, led_blink);
        tcase_add_test(tc, blink_then_off_cancels);
        tcase_add_test(tc, send_ok);
        tcase_add_test(tc, stats_figures);
        tcase_add_test(tc, stats_reply_encodes);
        tcase_add_test(tc, exit_requested);
        tcase_add_test(tc, unknown_op);
        tcase_add_test(tc, unknown_line);
        tcase_add_test(tc, reject_fills_and_does_not_count);
        tcase_add_test(tc, replies_carry_token_and_op);
        tcase_add_test(tc, priority_out_of_range_not_counted);
        tcase_add_test(tc, led_failure_reported);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(request_suite());
}
