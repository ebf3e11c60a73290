/* SPDX-License-Identifier: MIT */
/*
 * Integration: the real msgqd --sim on a private key, driven through the
 * project's client code and through raw System V calls as any other client
 * would.  The seed chapter's exercises are here too: reply by PID (ping),
 * priorities, LED control, and (in check-msgqctl.c) the status monitor.
 */
#include <check.h>
#include <dirent.h>
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

static struct daemon dmn;

static void start(void) {
        int r = daemon_start(&dmn, test_key(), NULL);
        ck_assert_msg(r == 0, "msgqd did not become ready (%s): %s", strerror(-r), daemon_log(&dmn));
}

static void stop_clean(void) {
        int st = daemon_stop(&dmn);
        ck_assert_msg(st == 0, "msgqd exited with %d: %s", st, daemon_log(&dmn));
        ck_assert(!queue_exists(dmn.key));
}

static struct msgq_reply call(key_t key, uint16_t op, uint32_t a0, uint32_t a1) {
        struct msgq_client c;
        struct msgq_request req = { .op = op, .arg0 = a0, .arg1 = a1 };
        struct msgq_reply rep;
        int r;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, 3000);
        msgq_client_close(&c);
        ck_assert_msg(r == 0, "call %s failed: %s", msgq_op_to_string(op), strerror(-r));
        return rep;
}

static struct msgq_stats stats(key_t key) {
        return call(key, MSGQ_OP_STATS, 0, 0).stats;
}

/* A binary request sent by hand: from pid, expecting a reply within ms. */
static void send_raw(int id, long prio, uint32_t pid, uint64_t token, uint16_t op, int deadline_ms) {
        struct msgq_request req = { .pid = pid, .token = token, .op = op,
                                    .deadline_ns = msgq_now_ns() + (uint64_t) deadline_ms * 1000000u };
        unsigned char body[MSGQ_MSG_MAX];
        int len = msgq_request_encode(&req, body, sizeof body);

        ck_assert_int_gt(len, 0);
        ck_assert_int_eq(msgq_queue_send(id, prio, body, (size_t) len, IPC_NOWAIT), 0);
}

/* Receive the next reply for pid within ms; -ENOMSG if none came. */
static int recv_reply(int id, uint32_t pid, struct msgq_reply *rep, int ms) {
        unsigned char body[MSGQ_MSG_MAX];
        long mtype;

        for (int waited = 0; waited <= ms; waited += 5) {
                ssize_t n = msgq_queue_recv(id, msgq_reply_type(pid), &mtype, body, sizeof body,
                                            IPC_NOWAIT | MSG_NOERROR);
                if (n >= 0)
                        return msgq_reply_decode(body, (size_t) n, rep);
                sleep_ms(5);
        }
        return -ENOMSG;
}

/* ---- lifecycle ---- */

START_TEST(test_start_creates_queue) {
        struct msqid_ds ds;

        start();
        ck_assert(queue_exists(dmn.key));
        ck_assert_int_eq(msgq_queue_stat(msgget(dmn.key, 0), &ds), 0);
        ck_assert_int_eq(ds.msg_perm.mode & 0777, 0660); /* not 0666 */
        ck_assert_int_eq(ds.msg_perm.uid, getuid());
        stop_clean();
}
END_TEST

START_TEST(test_sigterm_while_blocked_removes_queue) {
        start();
        sleep_ms(100); /* the receiver is blocked in msgrcv by now */
        stop_clean();
        ck_assert_msg(strstr(daemon_log(&dmn), "SIGTERM") != NULL, "%s", daemon_log(&dmn));
}
END_TEST

START_TEST(test_sigint_removes_queue) {
        start();
        kill(dmn.pid, SIGINT);
        ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
        ck_assert(!queue_exists(dmn.key));
}
END_TEST

START_TEST(test_exit_request_stops_cleanly) {
        struct msgq_reply rep;

        start();
        call(dmn.key, MSGQ_OP_LED_ON, 0, 0);
        rep = call(dmn.key, MSGQ_OP_EXIT, 0, 0);
        ck_assert_int_eq(rep.status, MSGQ_OK);
        ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
        ck_assert(!queue_exists(dmn.key));
        ck_assert_ptr_nonnull(strstr(daemon_log(&dmn), "exit requested by pid"));
}
END_TEST

START_TEST(test_text_exit_stops_cleanly) {
        start();
        ck_assert_int_eq(msgq_queue_send(msgget(dmn.key, 0), 2, "exit", 5, 0), 0);
        ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
        ck_assert(!queue_exists(dmn.key));
}
END_TEST

START_TEST(test_second_daemon_refused) {
        struct daemon second;
        int r;

        start();
        r = daemon_start(&second, dmn.key, NULL);
        ck_assert_int_eq(r, -ECHILD); /* exited before it was ready */
        ck_assert_msg(strstr(daemon_log(&second), "another msgqd is already serving"),
                      "%s", daemon_log(&second));
        ck_assert_int_eq(call(dmn.key, MSGQ_OP_PING, 0, 0).daemon_pid, (uint32_t) dmn.pid);
        stop_clean();
}
END_TEST

START_TEST(test_adopts_queue_and_serves_waiting_requests) {
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        struct msgq_reply rep;
        struct msqid_ds ds;

        ck_assert_int_ge(id, 0);
        /* Requests waiting from before: a text ON, and a ping that wants a reply. */
        ck_assert_int_eq(msgq_queue_send(id, 3, "ON", 3, 0), 0);
        send_raw(id, 4, (uint32_t) getpid(), 77, MSGQ_OP_LED_STATE, 5000);
        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0);
        ck_assert_int_eq(msgget(key, 0), id); /* the same queue */
        ck_assert_int_eq(recv_reply(id, (uint32_t) getpid(), &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 77);
        ck_assert_uint_eq(rep.led.on, 1); /* ON was served first */
        ck_assert_int_eq(msgq_queue_stat(id, &ds), 0);
        ck_assert_int_eq(ds.msg_perm.mode & 0777, 0660); /* the configured mode */
        ck_assert_ptr_nonnull(strstr(daemon_log(&dmn), "adopted"));
        stop_clean();
}
END_TEST

/*
 * A request over 512 bytes waiting in an adopted queue is refused as too
 * large, as one msgqd receives itself: the sweep put it back whole, not
 * cut to 512 bytes.
 */
START_TEST(test_adopted_oversized_request) {
        struct msgq_request req = { .pid = (uint32_t) getpid(), .token = 78, .op = MSGQ_OP_PING,
                                    .deadline_ns = msgq_now_ns() + 5000000000u };
        struct {
                long mtype;
                unsigned char body[600];
        } m = { .mtype = 4 };
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        struct msgq_reply rep;

        ck_assert_int_ge(id, 0);
        ck_assert_int_gt(msgq_request_encode(&req, m.body, MSGQ_MSG_MAX), 0);
        ck_assert_int_eq(msgsnd(id, &m, sizeof m.body, IPC_NOWAIT), 0);
        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0);
        ck_assert_int_eq(recv_reply(id, (uint32_t) getpid(), &rep, scaled(3000)), 0);
        ck_assert_uint_eq(rep.token, 78);
        ck_assert_uint_ne(rep.status, MSGQ_OK);
        ck_assert_msg(strstr(rep.error, "too large"), "error: %s", rep.error);
        stop_clean();
}
END_TEST

/* A count of one reads in the singular: "1 waiting message", "1 blink". */
START_TEST(test_log_singulars) {
        struct msgq_reply stale = { .status = MSGQ_OK, .token = 99, .op = MSGQ_OP_LED_ON, .expires_ns = 1 };
        unsigned char body[MSGQ_MSG_MAX];
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600), len;

        ck_assert_int_ge(id, 0);
        len = msgq_reply_encode(&stale, body, sizeof body);
        ck_assert_int_eq(msgq_queue_send(id, msgq_reply_type((uint32_t) getpid()), body, (size_t) len, 0), 0);
        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0);
        ck_assert_msg(strstr(daemon_log(&dmn), "adopted queue: 1 waiting message, 1 stale reply removed\n"),
                      "log: %s", daemon_log(&dmn));
        ck_assert_uint_eq(call(key, MSGQ_OP_LED_BLINK, 100, 1).led.blinking, 1);
        ck_assert_msg(daemon_log_wait(&dmn, "LED blinking, period 100 ms, 1 blink (request from pid",
                                      scaled(2000)),
                      "log: %s", daemon_log(&dmn));
        ck_assert_uint_eq(call(key, MSGQ_OP_LED_BLINK, 100, 2).led.blinking, 1);
        ck_assert_msg(daemon_log_wait(&dmn, "LED blinking, period 100 ms, 2 blinks (request from pid",
                                      scaled(2000)),
                      "log: %s", daemon_log(&dmn));
        stop_clean();
}
END_TEST

START_TEST(test_queue_removed_under_daemon_is_recreated) {
        start();
        ck_assert_int_eq(msgctl(msgget(dmn.key, 0), IPC_RMID, NULL), 0);
        for (int i = 0; i < 100 && !queue_exists(dmn.key); i++)
                sleep_ms(10);
        ck_assert(queue_exists(dmn.key));
        ck_assert_uint_eq(stats(dmn.key).queue_recreated, 1);
        stop_clean();
}
END_TEST

START_TEST(test_config_file_sets_mode) {
        char path[] = "/tmp/msgq-test-conf-XXXXXX";
        const char *extra[] = { "-c", path, NULL };
        struct msqid_ds ds;
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "[msgq]\nmode = 0600\n"), 0);
        close(fd);
        ck_assert_int_eq(daemon_start(&dmn, test_key(), extra), 0);
        unlink(path);
        ck_assert_int_eq(msgq_queue_stat(msgget(dmn.key, 0), &ds), 0);
        ck_assert_int_eq(ds.msg_perm.mode & 0777, 0600);
        stop_clean();
}
END_TEST

START_TEST(test_bad_config_refused) {
        char path[] = "/tmp/msgq-test-conf-XXXXXX";
        const char *extra[] = { "-c", path, NULL };
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "[msgq]\nmode = 0999\n"), 0);
        close(fd);
        ck_assert_int_eq(daemon_start(&dmn, test_key(), extra), -ECHILD);
        unlink(path);
        ck_assert_ptr_nonnull(strstr(daemon_log(&dmn), ":2:"));
        ck_assert(!queue_exists(dmn.key));
}
END_TEST

/* A bad setting of an [input NAME] is refused, naming the file's line, the setting and its value. */
START_TEST(test_input_bad_setting_refused) {
        char path[] = "/tmp/msgq-test-conf-XXXXXX";
        const char *extra[] = { "-c", path, NULL };
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "[msgq]\nmode = 0600\n[input door]\ngpio = GPIO22\ndebounce = 20\n"), 0);
        close(fd);
        ck_assert_int_eq(daemon_start(&dmn, test_key(), extra), -ECHILD);
        unlink(path);
        ck_assert_msg(strstr(daemon_log(&dmn), ":5: [input door]: debounce = 20: expected 0, or a whole number")
                      != NULL, "%s", daemon_log(&dmn));
        ck_assert(!queue_exists(dmn.key));
}
END_TEST

START_TEST(test_missing_gpio_line_is_a_clear_error) {
        key_t key = test_key();
        char keystr[16];
        const char *argv[] = { "msgqd", "-k", keystr, "--gpio", "NO_SUCH_LINE_42", NULL };
        struct run r;

        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        ck_assert_int_eq(run_prog(&r, 5000, argv), 0);
        ck_assert_int_ne(r.status, 0);
        ck_assert_msg(strstr(r.err, "NO_SUCH_LINE_42") != NULL, "%s", r.err);
        ck_assert(!queue_exists(key)); /* nothing half-started */
}
END_TEST

/* ---- requests ---- */

START_TEST(test_ping_replies_to_pid) {
        struct msgq_reply rep;

        start();
        rep = call(dmn.key, MSGQ_OP_PING, 0, 0);
        ck_assert_int_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.daemon_pid, (uint32_t) dmn.pid);
        ck_assert_int_eq(queue_count(dmn.key), 0); /* the reply was ours and taken */
        stop_clean();
}
END_TEST

START_TEST(test_led_on_off_toggle_state) {
        start();
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE, 0, 0).led.on, 0);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_ON, 0, 0).led.on, 1);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE, 0, 0).led.on, 1);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_OFF, 0, 0).led.on, 0);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_TOGGLE, 0, 0).led.on, 1);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_TOGGLE, 0, 0).led.on, 0);
        ck_assert_ptr_nonnull(strstr(daemon_log(&dmn), "LED on"));
        stop_clean();
}
END_TEST

/*
 * README, Quiet: at the default level only the LED's changes are logged.  A
 * led state and a led on that finds the LED on add no line; the change
 * after them adds its own, the only one.
 */
START_TEST(test_only_changes_logged) {
        static const char *const quiet[][2] = { { "led", "state" }, { "led", "on" }, { "led", "on" } };
        static char before[16384];
        const char *log;
        struct run r;
        int lines = 0;

        start();
        ck_assert_int_eq(ctl(&r, dmn.key, "led", "on", NULL), 0);
        ck_assert_int_eq(r.status, 0);
        ck_assert_msg(daemon_log_wait(&dmn, "LED on (request", scaled(2000)), "%s", daemon_log(&dmn));
        snprintf(before, sizeof before, "%s", daemon_log(&dmn));
        for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++) {
                ck_assert_int_eq(ctl(&r, dmn.key, quiet[i][0], quiet[i][1], NULL), 0);
                ck_assert_msg(r.status == 0, "msgqctl %s %s: %s", quiet[i][0], quiet[i][1], r.err);
        }
        ck_assert_int_eq(ctl(&r, dmn.key, "led", "off", NULL), 0);
        ck_assert_int_eq(r.status, 0);
        ck_assert_msg(daemon_log_wait(&dmn, "LED off (request", scaled(2000)), "%s", daemon_log(&dmn));
        /* Served in order: a line of the quiet ones would come before this. */
        log = daemon_log(&dmn);
        ck_assert_int_eq(strncmp(log, before, strlen(before)), 0);
        for (const char *p = log + strlen(before); *p; p++)
                lines += *p == '\n';
        ck_assert_msg(lines == 1 && strstr(log + strlen(before), "LED off (request"),
                      "more than the change was logged: %s", log + strlen(before));
        stop_clean();
}
END_TEST

START_TEST(test_blink_with_count_ends_off) {
        struct msgq_reply rep;

        start();
        rep = call(dmn.key, MSGQ_OP_LED_BLINK, 40, 3);
        ck_assert_uint_eq(rep.led.blinking, 1);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert_uint_eq(rep.led.period_ms, 40);
        ck_assert_uint_eq(rep.led.remaining, 5);
        for (int i = 0; i < 100; i++) {
                rep = call(dmn.key, MSGQ_OP_LED_STATE, 0, 0);
                if (!rep.led.blinking)
                        break;
                sleep_ms(10);
        }
        ck_assert_uint_eq(rep.led.blinking, 0);
        ck_assert_uint_eq(rep.led.on, 0);
        stop_clean();
}
END_TEST

START_TEST(test_blink_is_cancelled_by_led_command) {
        struct msgq_reply rep;

        start();
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_BLINK, 20, 0).led.blinking, 1);
        rep = call(dmn.key, MSGQ_OP_LED_ON, 0, 0);
        ck_assert_uint_eq(rep.led.blinking, 0);
        sleep_ms(100); /* five half periods: it would have toggled */
        rep = call(dmn.key, MSGQ_OP_LED_STATE, 0, 0);
        ck_assert_uint_eq(rep.led.on, 1);
        ck_assert_uint_eq(rep.led.blinking, 0);
        stop_clean();
}
END_TEST

START_TEST(test_blink_out_of_range_is_refused) {
        struct msgq_reply rep;

        start();
        rep = call(dmn.key, MSGQ_OP_LED_BLINK, 5, 0); /* below the minimum period */
        ck_assert_int_eq(rep.status, MSGQ_ERR_INVALID);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_PING, 0, 0).status, MSGQ_OK);
        stop_clean();
}
END_TEST

START_TEST(test_send_is_logged_with_pid) {
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_SEND };
        struct msgq_reply rep;
        char expect[64];

        start();
        req.text_len = (uint16_t) snprintf(req.text, sizeof req.text, "sensor 3 over threshold");
        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        ck_assert_int_eq(msgq_client_call(&c, 2, &req, &rep, 3000), 0);
        msgq_client_close(&c);
        ck_assert_int_eq(rep.status, MSGQ_OK);
        snprintf(expect, sizeof expect, "message from pid %d, priority 2: sensor 3", getpid());
        ck_assert_msg(strstr(daemon_log(&dmn), expect) != NULL, "%s", daemon_log(&dmn));
        stop_clean();
}
END_TEST

START_TEST(test_stats_count_per_priority) {
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_PING };
        struct msgq_reply rep;
        struct msgq_stats s;

        start();
        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(msgq_client_call(&c, 1, &req, &rep, 3000), 0);
        ck_assert_int_eq(msgq_client_call(&c, 9, &req, &rep, 3000), 0);
        msgq_client_close(&c);
        s = stats(dmn.key); /* itself at the default priority */
        ck_assert_uint_eq(s.served[0], 3);
        ck_assert_uint_eq(s.served[8], 1);
        ck_assert_uint_eq(s.served[MSGQ_PRIO_DEFAULT - 1], 1);
        ck_assert_uint_eq(s.daemon_pid, (uint32_t) dmn.pid);
        ck_assert_uint_eq(s.errors, 0);
        stop_clean();
}
END_TEST

/* The seed's exercise 2: five type-10 requests, then one type-1: the urgent one goes first. */
START_TEST(test_priority_urgent_first) {
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        uint32_t me = (uint32_t) getpid();
        struct msgq_reply rep;

        ck_assert_int_ge(id, 0);
        for (uint64_t t = 10; t < 15; t++)
                send_raw(id, 10, me, t, MSGQ_OP_PING, 5000);
        send_raw(id, 1, me, 1, MSGQ_OP_PING, 5000);
        send_raw(id, 5, me, 5, MSGQ_OP_PING, 5000);
        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0);
        /* Replies arrive in the order served. */
        ck_assert_int_eq(recv_reply(id, me, &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 1);
        ck_assert_int_eq(recv_reply(id, me, &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 5);
        for (uint64_t t = 10; t < 15; t++) {
                ck_assert_int_eq(recv_reply(id, me, &rep, 3000), 0);
                ck_assert_uint_eq(rep.token, t); /* FIFO within a priority */
        }
        stop_clean();
}
END_TEST

/* A client that is PID 1 or 2 in its namespace: its reply type is not a request type. */
START_TEST(test_tiny_pid_gets_its_reply) {
        struct msgq_reply rep;
        int id;

        start();
        id = msgget(dmn.key, 0);
        send_raw(id, 1, 1, 4242, MSGQ_OP_PING, 3000);
        send_raw(id, 1, 2, 4343, MSGQ_OP_PING, 3000);
        ck_assert_int_eq(recv_reply(id, 1, &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 4242);
        ck_assert_int_eq(recv_reply(id, 2, &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 4343);
        ck_assert_uint_eq(stats(dmn.key).served[0], 2);
        stop_clean();
}
END_TEST

/* A reply left for an earlier process with our PID is not taken for ours. */
START_TEST(test_stale_reply_for_same_pid_is_ignored) {
        struct msgq_reply stale = { .status = MSGQ_OK, .token = 99, .op = MSGQ_OP_LED_ON,
                                    .expires_ns = 1, .led = { .on = 1 } };
        unsigned char body[MSGQ_MSG_MAX];
        int id, len;

        start();
        id = msgget(dmn.key, 0);
        len = msgq_reply_encode(&stale, body, sizeof body);
        ck_assert_int_eq(msgq_queue_send(id, msgq_reply_type((uint32_t) getpid()), body,
                                         (size_t) len, 0), 0);
        /* The stale reply says "on": the real one must say "off". */
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE, 0, 0).led.on, 0);
        ck_assert_int_eq(queue_count(dmn.key), 0); /* expired: dropped */
        stop_clean();
}
END_TEST

/* A live reply for a same-PID process in another PID namespace is handed back. */
START_TEST(test_foreign_live_reply_is_handed_back) {
        struct msgq_reply other = { .status = MSGQ_OK, .token = 12345, .op = MSGQ_OP_PING };
        unsigned char body[MSGQ_MSG_MAX];
        long mtype = msgq_reply_type((uint32_t) getpid());
        struct msgq_reply got;
        int id, len;

        start();
        id = msgget(dmn.key, 0);
        other.expires_ns = msgq_now_ns() + 60ull * 1000000000ull;
        len = msgq_reply_encode(&other, body, sizeof body);
        ck_assert_int_eq(msgq_queue_send(id, mtype, body, (size_t) len, 0), 0);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_PING, 0, 0).status, MSGQ_OK);
        ck_assert_int_eq(recv_reply(id, (uint32_t) getpid(), &got, 100), 0);
        ck_assert_uint_eq(got.token, 12345);
        stop_clean();
}
END_TEST

/* A client that dies before reading: its reply is removed within seconds. */
START_TEST(test_unclaimed_reply_is_reclaimed) {
        int id;

        start();
        id = msgget(dmn.key, 0);
        send_raw(id, 5, 3999999, 1, MSGQ_OP_PING, 200); /* nobody reads pid 3999999's replies */
        for (int i = 0; i < 100 && queue_count(dmn.key) != 1; i++)
                sleep_ms(10);
        ck_assert_int_eq(queue_count(dmn.key), 1);
        for (int i = 0; i < 400 && queue_count(dmn.key) != 0; i++)
                sleep_ms(10);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        ck_assert_uint_eq(stats(dmn.key).replies_reclaimed, 1);
        stop_clean();
}
END_TEST

START_TEST(test_late_request_served_without_reply) {
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        struct msgq_stats s;

        ck_assert_int_ge(id, 0);
        send_raw(id, 5, (uint32_t) getpid(), 1, MSGQ_OP_LED_ON, 0); /* it already gave up */
        sleep_ms(5);
        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0);
        s = stats(key);
        ck_assert_uint_eq(s.replies_late, 1);
        ck_assert_uint_eq(call(key, MSGQ_OP_LED_STATE, 0, 0).led.on, 1); /* but it acted */
        ck_assert_int_eq(queue_count(key), 0);
        stop_clean();
}
END_TEST

/* ---- bad input ---- */

START_TEST(test_malformed_requests_answered_with_errors) {
        unsigned char body[MSGQ_MSG_MAX + 64];
        struct msgq_request req = { .pid = (uint32_t) getpid(), .token = 7, .op = MSGQ_OP_PING };
        struct msgq_reply rep;
        uint32_t me = (uint32_t) getpid();
        int id, len;

        start();
        id = msgget(dmn.key, 0);
        req.deadline_ns = msgq_now_ns() + 5000000000ull;

        /* unknown operation */
        req.op = 200;
        req.token = 1;
        len = msgq_request_encode(&req, body, sizeof body);
        ck_assert_int_eq(msgq_queue_send(id, 5, body, (size_t) len, 0), 0);
        ck_assert_int_eq(recv_reply(id, me, &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 1);
        ck_assert_int_eq(rep.status, MSGQ_ERR_UNKNOWN_OP);

        /* another protocol version */
        req.op = MSGQ_OP_PING;
        req.token = 2;
        len = msgq_request_encode(&req, body, sizeof body);
        body[3] = 9;
        ck_assert_int_eq(msgq_queue_send(id, 5, body, (size_t) len, 0), 0);
        ck_assert_int_eq(recv_reply(id, me, &rep, 3000), 0);
        ck_assert_int_eq(rep.status, MSGQ_ERR_VERSION);

        /* truncated: the address is there, the rest is not */
        req.token = 3;
        len = msgq_request_encode(&req, body, sizeof body);
        ck_assert_int_eq(msgq_queue_send(id, 5, body, 20, 0), 0);
        ck_assert_int_eq(recv_reply(id, me, &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 3);
        ck_assert_int_eq(rep.status, MSGQ_ERR_MALFORMED);

        /* oversized: longer than any request (and than the daemon's buffer) */
        req.token = 4;
        len = msgq_request_encode(&req, body, sizeof body);
        memset(body + len, 'x', sizeof body - (size_t) len);
        {
                struct { long mtype; unsigned char b[sizeof body]; } big = { .mtype = 5 };
                memcpy(big.b, body, sizeof body);
                ck_assert_int_eq(msgsnd(id, &big, sizeof body, 0), 0);
        }
        ck_assert_int_eq(recv_reply(id, me, &rep, 3000), 0);
        ck_assert_uint_eq(rep.token, 4);
        ck_assert_int_eq(rep.status, MSGQ_ERR_TOO_LARGE);

        /* still serving, and it counted them */
        ck_assert_uint_eq(stats(dmn.key).malformed, 3);
        stop_clean();
}
END_TEST

START_TEST(test_garbage_without_address_is_dropped) {
        static const unsigned char garbage[][8] = { { 'M', 'Q', 0 }, { 0xff, 0xfe }, { 'h', 'i', 1 } };
        int id;

        start();
        id = msgget(dmn.key, 0);
        for (size_t i = 0; i < 3; i++)
                ck_assert_int_eq(msgq_queue_send(id, 3, garbage[i], 3, 0), 0);
        ck_assert_int_eq(msgq_queue_send(id, 3, "Hello from the client process!", 31, 0), 0);
        ck_assert_uint_eq(stats(dmn.key).malformed, 3);
        ck_assert_uint_eq(stats(dmn.key).errors, 4); /* and the unknown text command */
        ck_assert_int_eq(queue_count(dmn.key), 0);
        ck_assert_ptr_nonnull(strstr(daemon_log(&dmn), "rejected"));
        stop_clean();
}
END_TEST

/* ---- clients without a daemon ---- */

START_TEST(test_no_queue_means_no_daemon) {
        struct msgq_client c;

        ck_assert_int_eq(msgq_client_open(&c, test_key()), -ENOENT);
}
END_TEST

START_TEST(test_queue_without_daemon_times_out) {
        key_t key = test_key();
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_PING };
        struct msgq_reply rep;
        uint64_t t0;

        ck_assert_int_ge(msgget(key, IPC_CREAT | 0600), 0);
        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        t0 = msgq_now_ns();
        ck_assert_int_eq(msgq_client_call(&c, 5, &req, &rep, 300), -ETIMEDOUT);
        ck_assert_uint_lt(msgq_now_ns() - t0, 2000000000ull); /* bounded, not forever */
        ck_assert_uint_ge(msgq_now_ns() - t0, 300000000ull);
        msgq_client_close(&c);
        ck_assert_int_eq(queue_count(key), 1); /* the request stays queued */
}
END_TEST

START_TEST(test_full_queue_without_daemon_times_out) {
        key_t key = test_key();
        int id = msgget(key, IPC_CREAT | 0600);
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_PING };
        struct msgq_reply rep;
        struct msqid_ds ds;

        ck_assert_int_ge(id, 0);
        ck_assert_int_eq(msgq_queue_stat(id, &ds), 0);
        ds.msg_qbytes = 100;
        ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
        ck_assert_int_eq(msgq_queue_send(id, 5, "0123456789012345678901234567890123456789"
                                                "0123456789012345678901234567890123456789", 80, 0), 0);
        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        ck_assert_int_eq(msgq_client_call(&c, 5, &req, &rep, 200), -ETIMEDOUT); /* blocked sending */
        msgq_client_close(&c);
}
END_TEST

START_TEST(test_client_sees_daemon_stop) {
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_PING };
        struct msgq_reply rep;

        start();
        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        stop_clean();
        ck_assert_int_eq(msgq_client_call(&c, 5, &req, &rep, 1000), -EIDRM);
        msgq_client_close(&c);
}
END_TEST

/* ---- many clients ---- */

static void toggler(key_t key, int n) {
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_LED_TOGGLE };
        struct msgq_reply rep;

        if (msgq_client_open(&c, key) < 0)
                _exit(10);
        for (int i = 0; i < n; i++)
                if (msgq_client_call(&c, 1 + (i % MSGQ_PRIO_MAX), &req, &rep, 10000) < 0 ||
                    rep.status != MSGQ_OK)
                        _exit(11);
        _exit(0);
}

/*
 * clients processes, each toggling the LED each times, on a queue cut to
 * qbytes: replies must wait in the backlog, and nobody deadlocks.  Every
 * request is served, none fails, no reply is dropped, and an even number
 * of toggles leaves the LED off.
 */
static void togglers_on_small_queue(int clients, int each, msglen_t qbytes) {
        struct msqid_ds ds;
        pid_t pids[100];
        struct msgq_stats s;
        uint64_t served = 0;
        int id;

        ck_assert_int_le(clients, (int) (sizeof pids / sizeof pids[0]));
        start();
        id = msgget(dmn.key, 0);
        ck_assert_int_eq(msgq_queue_stat(id, &ds), 0);
        ds.msg_qbytes = qbytes;
        ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
        for (int i = 0; i < clients; i++) {
                pids[i] = fork();
                if (pids[i] == 0)
                        toggler(dmn.key, each);
                ck_assert_int_gt(pids[i], 0);
        }
        for (int i = 0; i < clients; i++) {
                int st;
                ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
                ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "client %d failed: %d", i, st);
        }
        s = stats(dmn.key);
        for (int p = 0; p < MSGQ_PRIO_MAX; p++)
                served += s.served[p];
        ck_assert_uint_eq(served, (uint64_t) clients * (uint64_t) each + 1);
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_eq(s.replies_dropped, 0);
        ck_assert_uint_eq(call(dmn.key, MSGQ_OP_LED_STATE, 0, 0).led.on, 0);
        stop_clean();
}

/* 30 clients on a 512-byte queue: room for about six requests. */
START_TEST(test_concurrent_clients_on_small_queue) {
        togglers_on_small_queue(30, 20, 512);
}
END_TEST

/* 100 clients flooding a 2 KiB queue. */
START_TEST(test_hundred_clients_flood) {
        togglers_on_small_queue(100, 10, 2048);
}
END_TEST

/* Context switches of every thread of pid, from the kernel's counters. */
static long context_switches(pid_t pid) {
        char path[64], line[128];
        long total = 0;
        struct dirent *e;
        DIR *dir;

        snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
        dir = opendir(path);
        ck_assert_ptr_nonnull(dir);
        while ((e = readdir(dir))) {
                FILE *f;
                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof path, "/proc/%d/task/%.16s/status", (int) pid, e->d_name);
                f = fopen(path, "r");
                if (!f)
                        continue;
                while (fgets(line, sizeof line, f)) {
                        long n;
                        if (sscanf(line, "voluntary_ctxt_switches: %ld", &n) == 1 ||
                            sscanf(line, "nonvoluntary_ctxt_switches: %ld", &n) == 1)
                                total += n;
                }
                fclose(f);
        }
        closedir(dir);
        return total;
}

/* An idle daemon sleeps: no thread wakes up while nothing happens. */
START_TEST(test_idle_daemon_does_not_wake_up) {
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_LED_ON };
        struct msgq_reply rep;
        long before, after;

        start();
        /* A request whose reply expires at once (200 ms + 1 s grace) and is swept. */
        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        ck_assert_int_eq(msgq_client_call(&c, 5, &req, &rep, 200), 0);
        msgq_client_close(&c);
        sleep_ms(1500);
        before = context_switches(dmn.pid);
        sleep_ms(2000);
        after = context_switches(dmn.pid);
        ck_assert_msg(after == before, "%ld wake-ups in 2 s of idleness", after - before);

        /* The measurement does see wake-ups: a blinking LED is one every 20 ms. */
        call(dmn.key, MSGQ_OP_LED_BLINK, 40, 0);
        before = context_switches(dmn.pid);
        sleep_ms(300);
        after = context_switches(dmn.pid);
        ck_assert_int_ge(after - before, 10);
        stop_clean();
}
END_TEST

/* Under systemd with WatchdogSec=, the main loop pings WATCHDOG=1. */
START_TEST(test_watchdog_pings) {
        int n;

        ck_assert_int_eq(daemon_start_watchdog(&dmn, test_key(), 200000, &n), 0);
        ck_assert_msg(n >= 3, "only %d WATCHDOG=1 in a second at WatchdogSec=0.2s", n);
        stop_clean();
}
END_TEST

/* ---- runner ---- */

/* Per test, in the parent: this suite's own state. */
static void reset(void) {
        memset(&dmn, 0, sizeof dmn);
}

int main(void) {
        Suite *s = suite_create("msgqd");

        harness_init();
        harness_set_hooks(reset, NULL);
        harness_add(s, "start", test_start_creates_queue, 30);
        harness_add(s, "sigterm", test_sigterm_while_blocked_removes_queue, 30);
        harness_add(s, "sigint", test_sigint_removes_queue, 30);
        harness_add(s, "exit-request", test_exit_request_stops_cleanly, 30);
        harness_add(s, "text-exit", test_text_exit_stops_cleanly, 30);
        harness_add(s, "second-daemon", test_second_daemon_refused, 30);
        harness_add(s, "adopt", test_adopts_queue_and_serves_waiting_requests, 30);
        harness_add(s, "adopt-oversized", test_adopted_oversized_request, 30);
        harness_add(s, "log-singulars", test_log_singulars, 30);
        harness_add(s, "recreate", test_queue_removed_under_daemon_is_recreated, 30);
        harness_add(s, "config-mode", test_config_file_sets_mode, 30);
        harness_add(s, "bad-config", test_bad_config_refused, 30);
        harness_add(s, "input-bad-setting-refused", test_input_bad_setting_refused, 30);
        harness_add(s, "missing-gpio", test_missing_gpio_line_is_a_clear_error, 30);
        harness_add(s, "ping", test_ping_replies_to_pid, 30);
        harness_add(s, "led", test_led_on_off_toggle_state, 30);
        harness_add(s, "only-changes-logged", test_only_changes_logged, 30);
        harness_add(s, "blink-count", test_blink_with_count_ends_off, 30);
        harness_add(s, "blink-cancel", test_blink_is_cancelled_by_led_command, 30);
        harness_add(s, "blink-range", test_blink_out_of_range_is_refused, 30);
        harness_add(s, "send", test_send_is_logged_with_pid, 30);
        harness_add(s, "stats", test_stats_count_per_priority, 30);
        harness_add(s, "priority", test_priority_urgent_first, 30);
        harness_add(s, "tiny-pid", test_tiny_pid_gets_its_reply, 30);
        harness_add(s, "stale-reply", test_stale_reply_for_same_pid_is_ignored, 30);
        harness_add(s, "foreign-reply", test_foreign_live_reply_is_handed_back, 30);
        harness_add(s, "reclaim", test_unclaimed_reply_is_reclaimed, 30);
        harness_add(s, "late", test_late_request_served_without_reply, 30);
        harness_add(s, "malformed", test_malformed_requests_answered_with_errors, 30);
        harness_add(s, "garbage", test_garbage_without_address_is_dropped, 30);
        harness_add(s, "no-queue", test_no_queue_means_no_daemon, 30);
        harness_add(s, "no-daemon", test_queue_without_daemon_times_out, 30);
        harness_add(s, "full-no-daemon", test_full_queue_without_daemon_times_out, 30);
        harness_add(s, "daemon-stops", test_client_sees_daemon_stop, 30);
        harness_add(s, "concurrent", test_concurrent_clients_on_small_queue, 30);
        harness_add(s, "flood", test_hundred_clients_flood, 30);
        harness_add(s, "idle", test_idle_daemon_does_not_wake_up, 30);
        harness_add(s, "watchdog", test_watchdog_pings, 30);
        return harness_run(s);
}
