/* SPDX-License-Identifier: MIT */
/*
 * msgqd's serving path, server_serve(), on a private queue without the
 * daemon around it: each class of malformed message the fuzz targets
 * (tests/fuzz) and the load and fault suites exercise, with what must come
 * of it: the reply, or none, the counters, and no effect on the LED.  Then
 * the serving path's regressions found under load: a client that never
 * reads its replies, and a reply larger than the queue.
 *
 * check-protocol.c tests the decoders themselves, field by field.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "client.h"
#include "daemon.h"
#include "log.h"
#include "protocol.h"
#include "queue.h"
#include "server.h"
#include "unit.h"

#define PID 4242u /* the client the messages claim to come from */

static int qid = -1; /* a private queue, made and removed by the parent */
static struct msgqd d;
static struct server s;

/* Unchecked fixtures run in the parent: the queue goes even when a test fails. */
static void queue_create(void) {
        qid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        if (qid < 0) {
                perror("msgget");
                exit(EXIT_FAILURE);
        }
}

static void queue_remove(void) {
        if (qid >= 0)
                msgctl(qid, IPC_RMID, NULL);
        qid = -1;
}

/* A server as server_init() makes one, on the private queue. */
static void setup(void) {
        struct led *led;

        msgq_log_open("check-fuzz-regressions", LOG_CRIT);
        memset(&d, 0, sizeof d);
        memset(&s, 0, sizeof s);
        ck_assert_int_eq(led_open_sim(&led, false), 0);
        ck_assert_int_eq(lines_init(&d.lines, led, NULL), 0);
        d.wake.fd = -1; /* nobody to wake */
        d.pid = (uint32_t) getpid();
        d.start_ns = msgq_now_ns();
        s.d = &d;
        s.msqid = qid;
        ck_assert_int_eq(reclaim_init(&s.reclaim), 0);
        ck_assert_int_eq(pthread_mutex_init(&s.backlog_lock, NULL), 0);
        ck_assert_int_eq(pthread_mutex_init(&s.log_lock, NULL), 0);
}

static void teardown(void) {
        server_done(&s);
        lines_done(&d.lines);
}

static uint64_t in_ms(int ms) {
        return msgq_now_ns() + (uint64_t) ms * 1000000u;
}

static struct msgq_request valid(uint16_t op) {
        struct msgq_request req = { .pid = PID, .token = 77, .deadline_ns = in_ms(5000), .op = op };

        if (op == MSGQ_OP_LED_BLINK)
                req.arg0 = 500;
        return req;
}

static size_t encode(const struct msgq_request *req, unsigned char *body) {
        int len = msgq_request_encode(req, body, MSGQ_MSG_MAX);

        ck_assert_int_gt(len, 0);
        return (size_t) len;
}

/* The next message of type pid's reply type, or -ENOMSG. */
static ssize_t take_reply(uint32_t pid, unsigned char *body) {
        long mtype;

        return msgq_queue_recv(qid, msgq_reply_type(pid), &mtype, body, MSGQ_MSG_MAX,
                               IPC_NOWAIT | MSG_NOERROR);
}

static long queue_len(void) {
        struct msqid_ds ds;

        ck_assert_int_eq(msgq_queue_stat(qid, &ds), 0);
        return (long) ds.msg_qnum;
}

/* Serve body, and expect a binary reply with status (or none, for -1). */
static void serve_expect(const void *body, size_t len, int status, uint64_t malformed) {
        unsigned char got[MSGQ_MSG_MAX];
        struct msgq_reply rep;
        struct msgq_led_state led;
        uint64_t errors = d.stats.errors, bad = d.stats.malformed;
        ssize_t n;

        server_serve(&s, MSGQ_PRIO_DEFAULT, body, len);
        n = take_reply(PID, got);
        if (status < 0) {
                ck_assert_int_eq(n, -ENOMSG);
        } else {
                ck_assert_int_gt(n, 0);
                ck_assert_int_eq(msgq_reply_decode(got, (size_t) n, &rep), 0);
                ck_assert_uint_eq(rep.status, (uint32_t) status);
                ck_assert_uint_eq(rep.token, 77);
                ck_assert_uint_eq(rep.daemon_pid, d.pid);
                ck_assert_str_ne(rep.error, "");
        }
        ck_assert_int_eq(queue_len(), 0);
        ck_assert_uint_eq(d.stats.errors, errors + 1);
        ck_assert_uint_eq(d.stats.malformed, bad + malformed);
        lines_state(&d.lines, 0, &led);
        ck_assert_uint_eq(led.on, 0); /* a refused request does nothing */
        ck_assert_int_eq(d.exit_requested, 0);
}

/* ---- binary requests ---- */

START_TEST(binary_truncated_before_address) {
        unsigned char body[MSGQ_MSG_MAX];
        size_t len = encode(&(struct msgq_request) { .pid = PID, .op = MSGQ_OP_EXIT }, body);

        (void) len;
        for (size_t n = 3; n < MSGQ_REQUEST_ADDRESS_SIZE; n++)
                serve_expect(body, n, -1, 1); /* nobody to answer */
}
END_TEST

START_TEST(binary_truncated_after_address) {
        struct msgq_request req = valid(MSGQ_OP_LED_ON);
        unsigned char body[MSGQ_MSG_MAX];
        size_t len = encode(&req, body);

        for (size_t n = MSGQ_REQUEST_ADDRESS_SIZE; n < len; n++)
                serve_expect(body, n, MSGQ_ERR_MALFORMED, 1);
}
END_TEST

START_TEST(binary_wrong_version) {
        struct msgq_request req = valid(MSGQ_OP_LED_ON);
        unsigned char body[MSGQ_MSG_MAX];
        size_t len = encode(&req, body);

        body[3] = 0;
        serve_expect(body, len, MSGQ_ERR_VERSION, 1);
        body[3] = 2;
        serve_expect(body, len, MSGQ_ERR_VERSION, 1);
}
END_TEST

START_TEST(binary_oversized) {
        struct msgq_request req = valid(MSGQ_OP_SEND);
        unsigned char body[MSGQ_MSG_MAX + 1];
        size_t len;

        req.text_len = MSGQ_TEXT_MAX;
        memset(req.text, 'x', MSGQ_TEXT_MAX);
        len = encode(&req, body);
        memset(body + len, 'x', sizeof body - len);
        /* msgqd receives into a buffer one byte larger than any request. */
        serve_expect(body, len + 1, MSGQ_ERR_TOO_LARGE, 1);
        serve_expect(body, sizeof body, MSGQ_ERR_TOO_LARGE, 1);
}
END_TEST

START_TEST(binary_header_fields) {
        struct msgq_request req;
        unsigned char body[MSGQ_MSG_MAX];
        size_t len;

        req = valid(200); /* unknown op: well-formed, so not "malformed" */
        len = encode(&req, body);
        serve_expect(body, len, MSGQ_ERR_UNKNOWN_OP, 0);
        req = valid(0);
        len = encode(&req, body);
        serve_expect(body, len, MSGQ_ERR_UNKNOWN_OP, 0);

        req = valid(MSGQ_OP_LED_ON);
        len = encode(&req, body);
        body[38] = 1; /* the line: msgqd has no line 1 */
        serve_expect(body, len, MSGQ_ERR_INVALID, 0);

        req = valid(MSGQ_OP_SEND);
        req.text_len = 5;
        memcpy(req.text, "hello", 5);
        len = encode(&req, body);
        serve_expect(body, len - 1, MSGQ_ERR_MALFORMED, 1); /* text_len says more */
        body[len] = 'x';
        serve_expect(body, len + 1, MSGQ_ERR_MALFORMED, 1); /* ... or less */
}
END_TEST

START_TEST(binary_bad_arguments) {
        struct msgq_request req;
        unsigned char body[MSGQ_MSG_MAX];

        req = valid(MSGQ_OP_LED_ON);
        req.flags = 0x8000;
        serve_expect(body, encode(&req, body), MSGQ_ERR_INVALID, 0);
        req = valid(MSGQ_OP_LED_ON);
        req.arg1 = 1;
        serve_expect(body, encode(&req, body), MSGQ_ERR_INVALID, 0);
        req = valid(MSGQ_OP_LED_BLINK);
        req.arg0 = MSGQ_BLINK_PERIOD_MIN_MS - 1;
        serve_expect(body, encode(&req, body), MSGQ_ERR_INVALID, 0);
        req = valid(MSGQ_OP_LED_BLINK);
        req.arg1 = MSGQ_BLINK_COUNT_MAX + 1;
        serve_expect(body, encode(&req, body), MSGQ_ERR_INVALID, 0);
        req = valid(MSGQ_OP_SEND);
        req.text_len = 3;
        memcpy(req.text, "a\nb", 3);
        serve_expect(body, encode(&req, body), MSGQ_ERR_INVALID, 0);
        req = valid(MSGQ_OP_SEND); /* empty */
        serve_expect(body, encode(&req, body), MSGQ_ERR_INVALID, 0);
        req = valid(MSGQ_OP_PING);
        req.deadline_ns = in_ms(3601 * 1000); /* past MSGQ_DEADLINE_MAX_NS */
        serve_expect(body, encode(&req, body), MSGQ_ERR_INVALID, 0);
}
END_TEST

/* A sender whose address cannot be read gets nothing: it could be anyone's. */
START_TEST(binary_no_usable_address) {
        struct msgq_request req;
        unsigned char body[MSGQ_MSG_MAX], got[MSGQ_MSG_MAX];

        req = valid(200);
        req.pid = 0;
        serve_expect(body, encode(&req, body), -1, 1);
        req.pid = MSGQ_PID_MAX + 1;
        serve_expect(body, encode(&req, body), -1, 1);
        ck_assert_int_eq(take_reply(MSGQ_PID_MAX + 1, got), -ENOMSG);
        req = valid(200);
        req.flags = MSGQ_REQ_NO_REPLY;
        serve_expect(body, encode(&req, body), -1, 0);
        /* A reply put on a request type by mistake: its status field reads as pid 0. */
        {
                struct msgq_reply rep = { .status = MSGQ_OK, .token = 77, .op = MSGQ_OP_PING };
                int len = msgq_reply_encode(&rep, body, sizeof body);
                ck_assert_int_gt(len, 0);
                serve_expect(body, (size_t) len, -1, 1);
        }
}
END_TEST

/* Its client gave up: carried out, but not answered. */
START_TEST(binary_deadline_passed) {
        struct msgq_request req = valid(MSGQ_OP_LED_TOGGLE);
        unsigned char body[MSGQ_MSG_MAX];
        struct msgq_led_state led;

        req.deadline_ns = msgq_now_ns() - 1;
        server_serve(&s, 3, body, encode(&req, body));
        ck_assert_int_eq(queue_len(), 0);
        ck_assert_uint_eq(d.stats.replies_late, 1);
        ck_assert_uint_eq(d.stats.errors, 0);
        ck_assert_uint_eq(d.stats.served[2], 1);
        lines_state(&d.lines, 0, &led);
        ck_assert_uint_eq(led.on, 1);
}
END_TEST

/* ---- text requests ---- */

static void serve_text(const char *text, size_t len, const char *expect, uint64_t errors,
                       uint64_t malformed) {
        unsigned char got[MSGQ_MSG_MAX];
        ssize_t n;

        server_serve(&s, MSGQ_PRIO_DEFAULT, (const unsigned char *) text, len);
        n = take_reply(PID, got);
        if (!expect) {
                ck_assert_msg(n == -ENOMSG, "a reply to '%.*s'", (int) len, text);
        } else {
                ck_assert_int_gt(n, 0);
                got[n] = '\0';
                ck_assert_str_eq((char *) got, expect);
        }
        ck_assert_int_eq(queue_len(), 0);
        ck_assert_uint_eq(d.stats.errors, errors);
        ck_assert_uint_eq(d.stats.malformed, malformed);
}

#define TEXT(t, expect, errors, malformed) serve_text(t, sizeof t - 1, expect, errors, malformed)

START_TEST(text_malformed_classes) {
        char longest[MSGQ_MSG_MAX + 1];
        struct msgq_led_state led;

        TEXT("FROB pid=4242", "ERR unknown operation", 1, 0);
        TEXT("BLINK pid=4242", "ERR invalid argument", 2, 0);
        TEXT("BLINK 5 pid=4242", "ERR invalid argument", 3, 0);
        TEXT("BLINK 99999999999 pid=4242", "ERR invalid argument", 4, 0);
        TEXT("ON 1 pid=4242", "ERR invalid argument", 5, 0);
        TEXT("ON pid=4242x", NULL, 6, 1);      /* no address to answer */
        TEXT("ON pid=0", NULL, 7, 2);
        TEXT("ON pid=4194305", NULL, 8, 3);
        TEXT("ON\tpid=4242", NULL, 9, 4);      /* control character */
        TEXT("ON \xff pid=4242", NULL, 10, 5); /* not ASCII */
        TEXT("ON\0\0", NULL, 11, 6);           /* one NUL at the end, not two */
        TEXT("", NULL, 12, 7);
        TEXT("   ", NULL, 13, 8);
        TEXT("MQ", NULL, 14, 8);               /* a word, not a command: no pid=, no reply */
        memset(longest, ' ', sizeof longest);
        memcpy(longest, "ON", 2);
        memcpy(longest + MSGQ_TEXT_MAX + 1 - 9, "pid=4242", 8);
        /* Too long, and answered where its pid= says (it was not cut): the limit named. */
        serve_text(longest, MSGQ_TEXT_MAX + 1, "ERR request too large: a text request is at most 256 bytes", 15,
                   9);
        serve_text(longest, MSGQ_MSG_MAX + 1, NULL, 16, 10); /* cut by the kernel: its end unknown */
        lines_state(&d.lines, 0, &led);
        ck_assert_uint_eq(led.on, 0);

        /* What is left is still served: the longest line there may be. */
        serve_text(longest, MSGQ_TEXT_MAX, "OK led=on", 16, 10);
        TEXT("toggle pid=4242\n", "OK led=off", 16, 10);
        TEXT("toggle\n", NULL, 16, 10); /* no pid=: no reply wanted */
        TEXT("state pid=4242\n", "OK led=on", 16, 10);
}
END_TEST

/* ---- regressions found under load and faults ---- */

/*
 * A client that asks and never reads: before, its replies stayed as long
 * as it kept asking (their type never expired as a whole) and filled the
 * queue for everyone.  Now it keeps at most SERVER_REPLIES_PER_CLIENT.
 */
START_TEST(client_that_never_reads_keeps_few_replies) {
        unsigned char body[MSGQ_MSG_MAX];
        struct msgq_request req = valid(MSGQ_OP_PING);
        unsigned kept = 0;
        uint64_t last = 0;

        for (int i = 0; i < 1000; i++) {
                req.token = 1000 + (uint64_t) i;
                server_serve(&s, MSGQ_PRIO_DEFAULT, body, encode(&req, body));
                ck_assert_int_le(queue_len(), SERVER_REPLIES_PER_CLIENT);
        }
        ck_assert_uint_eq(d.stats.replies_reclaimed + (uint64_t) queue_len(), 1000);
        /* The newest are kept, oldest first. */
        for (;;) {
                struct msgq_reply rep;
                ssize_t n = take_reply(PID, body);
                if (n < 0)
                        break;
                ck_assert_int_eq(msgq_reply_decode(body, (size_t) n, &rep), 0);
                ck_assert_uint_gt(rep.token, last);
                last = rep.token;
                kept++;
        }
        ck_assert_uint_ge(kept, SERVER_REPLIES_PER_CLIENT / 2);
        ck_assert_uint_eq(last, 1999);

        /* A client that reads each reply loses none. */
        for (int i = 0; i < 1000; i++) {
                struct msgq_reply rep;
                ssize_t n;
                req.token = 5000 + (uint64_t) i;
                server_serve(&s, MSGQ_PRIO_DEFAULT, body, encode(&req, body));
                n = take_reply(PID, body);
                ck_assert_int_gt(n, 0);
                ck_assert_int_eq(msgq_reply_decode(body, (size_t) n, &rep), 0);
                ck_assert_uint_eq(rep.token, req.token);
        }
        ck_assert_uint_eq(d.stats.replies_reclaimed, 1000 - kept);
}
END_TEST

/* The text clients of two PIDs: one never reads, the other is not affected. */
START_TEST(text_client_that_never_reads) {
        unsigned char got[MSGQ_MSG_MAX];

        for (int i = 0; i < 500; i++) {
                server_serve(&s, 5, (const unsigned char *) "PING pid=4242", 13);
                ck_assert_int_le(queue_len(), SERVER_REPLIES_PER_CLIENT);
        }
        server_serve(&s, 5, (const unsigned char *) "STATE pid=4343", 14);
        ck_assert_int_eq(take_reply(4343, got), 10);
        ck_assert_int_eq(memcmp(got, "OK led=off", 10), 0);
}
END_TEST

/*
 * msg_qbytes lowered below a reply's size: before, that reply sat at the
 * head of the backlog until it expired, and every reply behind it waited.
 */
START_TEST(reply_larger_than_queue_is_dropped) {
        unsigned char body[MSGQ_MSG_MAX], got[MSGQ_MSG_MAX];
        struct msgq_request req;
        struct msqid_ds ds;
        struct msgq_reply rep;
        ssize_t n;

        ck_assert_int_eq(msgq_queue_stat(qid, &ds), 0);
        ds.msg_qbytes = 64; /* a ping reply (40 bytes) fits, a stats reply (196) never */
        ck_assert_int_eq(msgctl(qid, IPC_SET, &ds), 0);
        req = valid(MSGQ_OP_STATS);
        req.deadline_ns = in_ms(60000);
        server_serve(&s, MSGQ_PRIO_DEFAULT, body, encode(&req, body));
        ck_assert_uint_eq(d.stats.replies_dropped, 1);
        ck_assert_uint_eq(s.backlog_count, 0); /* not kept: it never fits */
        req = valid(MSGQ_OP_PING);
        req.token = 78;
        /* A client that is there: the queue is more than half full, where PID's replies are shed. */
        req.pid = (uint32_t) getpid();
        server_serve(&s, MSGQ_PRIO_DEFAULT, body, encode(&req, body));
        n = take_reply(req.pid, got);
        ck_assert_int_gt(n, 0);
        ck_assert_int_eq(msgq_reply_decode(got, (size_t) n, &rep), 0);
        ck_assert_uint_eq(rep.token, 78);
        ds.msg_qbytes = 16384;
        ck_assert_int_eq(msgctl(qid, IPC_SET, &ds), 0);
}
END_TEST

static void add(Suite *suite, const char *name, const TTest *t) {
        TCase *tc = tcase_create(name);

        tcase_add_unchecked_fixture(tc, queue_create, queue_remove);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, t);
        suite_add_tcase(suite, tc);
}

int main(void) {
        Suite *suite = suite_create("fuzz-regressions");

        add(suite, "binary-truncated-before-address", binary_truncated_before_address);
        add(suite, "binary-truncated-after-address", binary_truncated_after_address);
        add(suite, "binary-wrong-version", binary_wrong_version);
        add(suite, "binary-oversized", binary_oversized);
        add(suite, "binary-header-fields", binary_header_fields);
        add(suite, "binary-bad-arguments", binary_bad_arguments);
        add(suite, "binary-no-usable-address", binary_no_usable_address);
        add(suite, "binary-deadline-passed", binary_deadline_passed);
        add(suite, "text-malformed-classes", text_malformed_classes);
        add(suite, "never-reads", client_that_never_reads_keeps_few_replies);
        add(suite, "text-never-reads", text_client_that_never_reads);
        add(suite, "reply-larger-than-queue", reply_larger_than_queue_is_dropped);

        return unit_run(suite);
}
