/* SPDX-License-Identifier: MIT */
/*
 * The wire protocol: binary requests and replies field by field, every way a
 * body can be broken, the text form and its replies, the name tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.h"
#include "unit.h"

#define PID   4242u
#define TOKEN 0x0123456789abcdefull

static const uint16_t all_ops[] = {
        MSGQ_OP_PING, MSGQ_OP_LED_ON, MSGQ_OP_LED_OFF, MSGQ_OP_LED_TOGGLE, MSGQ_OP_LED_STATE,
        MSGQ_OP_LED_BLINK, MSGQ_OP_SEND, MSGQ_OP_STATS, MSGQ_OP_EXIT, MSGQ_OP_LED_WATCH,
};
#define N_OPS (sizeof all_ops / sizeof all_ops[0])

/* A valid request for op, with arguments where the op needs them. */
static struct msgq_request make_req(uint16_t op) {
        struct msgq_request req;

        memset(&req, 0, sizeof req);
        req.prio = 3;
        req.pid = PID;
        req.token = TOKEN;
        req.deadline_ns = 0x1122334455667788ull;
        req.op = op;
        if (op == MSGQ_OP_LED_BLINK) {
                req.arg0 = 500;
                req.arg1 = 3;
        } else if (op == MSGQ_OP_LED_WATCH) {
                req.arg0 = 0xfffffffeu; /* the change number seen, either half any value */
                req.arg1 = 7;
        } else if (op == MSGQ_OP_SEND) {
                strcpy(req.text, "hello, world");
                req.text_len = (uint16_t) strlen(req.text);
        }
        return req;
}

static int encode(const struct msgq_request *req, unsigned char *buf) {
        int n = msgq_request_encode(req, buf, MSGQ_MSG_MAX);

        ck_assert_int_gt(n, 0);
        return n;
}

/* Decode into a struct full of garbage (but a prio), to see every field set. */
static int decode(const void *body, size_t len, struct msgq_request *out, uint32_t *status) {
        memset(out, 0xa5, sizeof *out);
        out->prio = 7;
        *status = 0xdeadbeef;
        return msgq_request_decode(body, len, out, status);
}

static void put16(unsigned char *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, sizeof v); }
static uint16_t get16(const unsigned char *p) { uint16_t v; memcpy(&v, p, sizeof v); return v; }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, sizeof v); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, sizeof v); return v; }

/* Decode a request body expecting failure r with status st. */
static void expect_reject(const unsigned char *body, size_t len, int r, uint32_t st) {
        struct msgq_request out;
        uint32_t status;

        ck_assert_int_eq(decode(body, len, &out, &status), r);
        ck_assert_uint_eq(status, st);
        ck_assert_int_eq(out.prio, 7);
}

/* Encode req (which may be invalid) and expect the decoder to refuse it. */
static void expect_req_reject(const struct msgq_request *req, int r, uint32_t st) {
        unsigned char buf[MSGQ_MSG_MAX];
        int n = encode(req, buf);

        expect_reject(buf, (size_t) n, r, st);
}

/* ---- binary requests ---- */

START_TEST(request_round_trip_every_op) {
        for (size_t i = 0; i < N_OPS; i++) {
                struct msgq_request req = make_req(all_ops[i]), out;
                unsigned char buf[MSGQ_MSG_MAX];
                uint32_t status;
                int n = encode(&req, buf);

                ck_assert_int_eq(n, (int) (MSGQ_REQUEST_HEADER_SIZE + req.text_len));
                ck_assert(msgq_body_is_binary(buf, (size_t) n));
                ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
                ck_assert_uint_eq(status, MSGQ_OK);
                ck_assert_int_eq(out.prio, 7); /* the mtype is the caller's */
                ck_assert_uint_eq(out.pid, PID);
                ck_assert_uint_eq(out.token, TOKEN);
                ck_assert_uint_eq(out.deadline_ns, 0x1122334455667788ull);
                ck_assert_uint_eq(out.op, all_ops[i]);
                ck_assert_uint_eq(out.flags, 0);
                ck_assert_uint_eq(out.arg0, req.arg0);
                ck_assert_uint_eq(out.arg1, req.arg1);
                ck_assert_uint_eq(out.text_len, req.text_len);
                ck_assert_mem_eq(out.text, req.text, req.text_len);
                ck_assert_int_eq(out.text[out.text_len], '\0');
                ck_assert(msgq_request_has_address(&out));
        }
}
END_TEST

START_TEST(request_wire_layout) {
        struct msgq_request req = make_req(MSGQ_OP_LED_BLINK);
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        req.flags = MSGQ_REQ_NO_REPLY;
        memset(buf, 0xee, sizeof buf);
        n = encode(&req, buf);
        ck_assert_int_eq(n, 40);
        ck_assert_int_eq(buf[0], 'M');
        ck_assert_int_eq(buf[1], 'Q');
        ck_assert_int_eq(buf[2], 0);
        ck_assert_int_eq(buf[3], MSGQ_PROTOCOL_VERSION);
        ck_assert_uint_eq(get32(buf + 4), PID);
        ck_assert_uint_eq(get64(buf + 8), TOKEN);
        ck_assert_uint_eq(get64(buf + 16), 0x1122334455667788ull);
        ck_assert_uint_eq(get16(buf + 24), MSGQ_OP_LED_BLINK);
        ck_assert_uint_eq(get16(buf + 26), MSGQ_REQ_NO_REPLY);
        ck_assert_uint_eq(get32(buf + 28), 500);
        ck_assert_uint_eq(get32(buf + 32), 3);
        ck_assert_uint_eq(get16(buf + 36), 0);
        ck_assert_uint_eq(get16(buf + 38), 0);
        ck_assert_int_eq(buf[40], 0xee); /* nothing written past the body */
}
END_TEST

START_TEST(request_encode_limits) {
        struct msgq_request req = make_req(MSGQ_OP_SEND);
        unsigned char buf[MSGQ_MSG_MAX];
        size_t need = MSGQ_REQUEST_HEADER_SIZE + req.text_len;

        ck_assert_int_eq(msgq_request_encode(&req, buf, need - 1), -EMSGSIZE);
        ck_assert_int_eq(msgq_request_encode(&req, buf, need), (int) need);
        ck_assert_int_eq(msgq_request_encode(&req, buf, 0), -EMSGSIZE);

        memset(req.text, 'x', MSGQ_TEXT_MAX);
        req.text_len = MSGQ_TEXT_MAX + 1;
        ck_assert_int_eq(msgq_request_encode(&req, buf, sizeof buf), -EINVAL);
}
END_TEST

START_TEST(request_flag_no_reply_survives) {
        struct msgq_request req = make_req(MSGQ_OP_LED_TOGGLE), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n;

        req.flags = MSGQ_REQ_NO_REPLY;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.flags, MSGQ_REQ_NO_REPLY);
}
END_TEST

START_TEST(request_bad_magic) {
        struct msgq_request req = make_req(MSGQ_OP_PING), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n = encode(&req, buf);

        for (int i = 0; i < 3; i++) {
                unsigned char bad[MSGQ_MSG_MAX];

                memcpy(bad, buf, (size_t) n);
                bad[i] ^= 0x20;
                ck_assert(!msgq_body_is_binary(bad, (size_t) n));
                ck_assert_int_eq(decode(bad, (size_t) n, &out, &status), -EBADMSG);
                ck_assert_uint_eq(status, MSGQ_ERR_MALFORMED);
                /* Not ours at all: no address taken from it. */
                ck_assert(!msgq_request_has_address(&out));
                ck_assert_uint_eq(out.pid, 0);
                ck_assert_int_eq(out.prio, 7);
        }
}
END_TEST

START_TEST(request_wrong_version) {
        static const unsigned char versions[] = { 0, MSGQ_PROTOCOL_VERSION + 1, 0xff };
        struct msgq_request req = make_req(MSGQ_OP_LED_ON), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n = encode(&req, buf);

        for (size_t i = 0; i < sizeof versions; i++) {
                buf[3] = versions[i];
                ck_assert(msgq_body_is_binary(buf, (size_t) n));
                ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), -EPROTO);
                ck_assert_uint_eq(status, MSGQ_ERR_VERSION);
                /* It can still be told so. */
                ck_assert(msgq_request_has_address(&out));
                ck_assert_uint_eq(out.pid, PID);
                ck_assert_uint_eq(out.token, TOKEN);
        }
}
END_TEST

START_TEST(request_truncated_every_length) {
        struct msgq_request req = make_req(MSGQ_OP_LED_BLINK), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;

        encode(&req, buf);
        for (size_t len = 0; len < MSGQ_REQUEST_HEADER_SIZE; len++) {
                ck_assert_msg(decode(buf, len, &out, &status) == -EBADMSG, "length %zu", len);
                ck_assert_msg(status == MSGQ_ERR_MALFORMED, "length %zu: status %u", len, status);
                ck_assert_int_eq(out.prio, 7);
                ck_assert_uint_eq(out.op, 0);
                ck_assert_uint_eq(out.text_len, 0);
                if (len >= MSGQ_REQUEST_ADDRESS_SIZE) {
                        ck_assert_msg(msgq_request_has_address(&out), "length %zu", len);
                        ck_assert_uint_eq(out.pid, PID);
                        ck_assert_uint_eq(out.token, TOKEN);
                } else {
                        ck_assert_msg(!msgq_request_has_address(&out), "length %zu", len);
                        ck_assert_uint_eq(out.pid, 0);
                        ck_assert_uint_eq(out.token, 0);
                }
        }
}
END_TEST

START_TEST(request_truncated_with_bad_pid_has_no_address) {
        static const uint32_t pids[] = { 0, MSGQ_PID_MAX + 1, UINT32_MAX };
        struct msgq_request req = make_req(MSGQ_OP_PING), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;

        for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++) {
                req.pid = pids[i];
                encode(&req, buf);
                for (size_t len = MSGQ_REQUEST_ADDRESS_SIZE; len < MSGQ_REQUEST_HEADER_SIZE; len++) {
                        ck_assert_int_eq(decode(buf, len, &out, &status), -EBADMSG);
                        ck_assert(!msgq_request_has_address(&out));
                        ck_assert_uint_eq(out.pid, 0);
                }
        }
}
END_TEST

START_TEST(request_text_len_disagrees) {
        struct msgq_request req = make_req(MSGQ_OP_SEND), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n = encode(&req, buf);
        uint16_t tl = req.text_len;

        /* Header says more, less, nothing; body one byte short or long. */
        put16(buf + 36, tl + 1);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), -EBADMSG);
        ck_assert_uint_eq(status, MSGQ_ERR_MALFORMED);
        ck_assert_uint_eq(out.text_len, 0);
        ck_assert(msgq_request_has_address(&out));
        put16(buf + 36, tl - 1);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), -EBADMSG);
        put16(buf + 36, 0);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), -EBADMSG);
        put16(buf + 36, tl);
        ck_assert_int_eq(decode(buf, (size_t) n - 1, &out, &status), -EBADMSG);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        buf[n] = 'x';
        ck_assert_int_eq(decode(buf, (size_t) n + 1, &out, &status), -EBADMSG);
        ck_assert_uint_eq(out.text_len, 0);
        ck_assert_int_eq(out.text[0], '\0');
}
END_TEST

/*
 * Offset 38 (msgq 0.1's reserved field) is the line: read for the ops that
 * take one (its range is msgqd's to check), refused elsewhere, and every
 * line (65535) for line-watch only.
 */
START_TEST(request_line_field) {
        static const uint16_t no_line[] = { MSGQ_OP_PING, MSGQ_OP_SEND, MSGQ_OP_STATS, MSGQ_OP_EXIT };
        struct msgq_request req = make_req(MSGQ_OP_LED_OFF), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n;

        req.line = 5;
        n = encode(&req, buf);
        ck_assert_uint_eq(get16(buf + 38), 5);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.line, 5);
        ck_assert_str_eq(out.line_name, "");
        put16(buf + 38, 0x8000);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.line, 0x8000);
        put16(buf + 38, MSGQ_LINE_ALL);
        expect_reject(buf, (size_t) n, -EINVAL, MSGQ_ERR_INVALID);
        for (size_t i = 0; i < sizeof no_line / sizeof no_line[0]; i++) {
                req = make_req(no_line[i]);
                req.line = 1;
                expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        }
        req = make_req(MSGQ_OP_LED_WATCH);
        req.line = MSGQ_LINE_ALL;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.op = MSGQ_OP_LINE_WATCH;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.line, MSGQ_LINE_ALL);
        ck_assert_uint_eq(out.arg0, req.arg0);
        ck_assert_uint_eq(out.arg1, req.arg1);
        /* line-events as line-watch: one line, or all, after any number. */
        req.op = MSGQ_OP_LINE_EVENTS;
        req.arg0 = 0xffffffffu;
        req.arg1 = 7;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.line, MSGQ_LINE_ALL);
        ck_assert_uint_eq(out.arg1, 7);
        /* input-list: no line; from an index below 64. */
        req = make_req(MSGQ_OP_INPUT_LIST);
        req.line = 1;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.line = 0;
        req.arg0 = MSGQ_LINES_MAX;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.arg0 = 3;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.arg0, 3);
}
END_TEST

/* A line-set request: its entries after the header, 4 bytes each. */
static struct msgq_request make_set(size_t n) {
        struct msgq_request req = make_req(MSGQ_OP_LINE_SET);

        for (size_t i = 0; i < n; i++)
                req.values[i] = (struct msgq_line_value) { .line = (uint16_t) (63 - i), .on = i % 2 };
        req.nvalues = (uint16_t) n;
        return req;
}

START_TEST(request_line_set_round_trip) {
        struct msgq_request req = make_set(3), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n = encode(&req, buf);

        ck_assert_int_eq(n, (int) MSGQ_REQUEST_HEADER_SIZE + 12);
        ck_assert_uint_eq(get16(buf + 24), MSGQ_OP_LINE_SET);
        ck_assert_uint_eq(get16(buf + 36), 12);
        ck_assert_uint_eq(get16(buf + 38), 0);
        ck_assert_uint_eq(get16(buf + 40), 63);
        ck_assert_int_eq(buf[42], 0);
        ck_assert_int_eq(buf[43], 0);
        ck_assert_uint_eq(get16(buf + 44), 62);
        ck_assert_int_eq(buf[46], 1);
        ck_assert_uint_eq(get16(buf + 48), 61);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(status, MSGQ_OK);
        ck_assert_uint_eq(out.nvalues, 3);
        ck_assert_uint_eq(out.text_len, 0);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_uint_eq(out.values[i].line, 63 - i);
                ck_assert_uint_eq(out.values[i].on, i % 2);
                ck_assert_str_eq(msgq_line_value_name(&out, i), "");
        }
        /* 64 lines, the most there are, in one request. */
        req = make_set(MSGQ_LINES_MAX);
        n = encode(&req, buf);
        ck_assert_int_eq(n, (int) (MSGQ_REQUEST_HEADER_SIZE + 4 * MSGQ_LINES_MAX));
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.nvalues, MSGQ_LINES_MAX);
}
END_TEST

START_TEST(request_line_set_bad) {
        struct msgq_request req = make_set(3);
        unsigned char buf[MSGQ_MSG_MAX], good[MSGQ_MSG_MAX];
        int n = encode(&req, good);

        /* A line twice, a value other than 0 or 1, a pad, a line past 63. */
        memcpy(buf, good, (size_t) n);
        put16(buf + 44, 63);
        expect_reject(buf, (size_t) n, -EINVAL, MSGQ_ERR_INVALID);
        memcpy(buf, good, (size_t) n);
        buf[46] = 2;
        expect_reject(buf, (size_t) n, -EINVAL, MSGQ_ERR_INVALID);
        memcpy(buf, good, (size_t) n);
        buf[47] = 1;
        expect_reject(buf, (size_t) n, -EINVAL, MSGQ_ERR_INVALID);
        memcpy(buf, good, (size_t) n);
        put16(buf + 48, 64);
        expect_reject(buf, (size_t) n, -EINVAL, MSGQ_ERR_INVALID);
        /* Entries cut short, or none. */
        memcpy(buf, good, (size_t) n);
        put16(buf + 36, 11);
        expect_reject(buf, (size_t) n - 1, -EINVAL, MSGQ_ERR_INVALID);
        put16(buf + 36, 0);
        expect_reject(buf, MSGQ_REQUEST_HEADER_SIZE, -EINVAL, MSGQ_ERR_INVALID);
        /* A line at offset 38 besides. */
        memcpy(buf, good, (size_t) n);
        put16(buf + 38, 1);
        expect_reject(buf, (size_t) n, -EINVAL, MSGQ_ERR_INVALID);
        /* The encoder refuses none, and more than 64. */
        req = make_set(0);
        ck_assert_int_eq(msgq_request_encode(&req, buf, sizeof buf), -EINVAL);
        req = make_set(MSGQ_LINES_MAX);
        req.nvalues++;
        ck_assert_int_eq(msgq_request_encode(&req, buf, sizeof buf), -EINVAL);
}
END_TEST

START_TEST(request_line_list_args) {
        struct msgq_request req = make_req(MSGQ_OP_LINE_LIST), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n;

        req.arg0 = MSGQ_LINES_MAX - 1;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.arg0, MSGQ_LINES_MAX - 1);
        req.arg0 = MSGQ_LINES_MAX;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.arg0 = 0;
        req.arg1 = 1;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
}
END_TEST

START_TEST(request_pid_range) {
        struct msgq_request req = make_req(MSGQ_OP_PING), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n;

        req.pid = 0;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), -EBADMSG);
        ck_assert_uint_eq(status, MSGQ_ERR_MALFORMED);
        ck_assert(!msgq_request_has_address(&out));

        req.pid = MSGQ_PID_MAX + 1;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), -EBADMSG);
        ck_assert_uint_eq(status, MSGQ_ERR_MALFORMED);
        ck_assert(!msgq_request_has_address(&out));
        ck_assert_uint_eq(out.pid, 0);

        req.pid = MSGQ_PID_MAX;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.pid, MSGQ_PID_MAX);

        req.pid = 1;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.pid, 1);
}
END_TEST

START_TEST(request_oversized) {
        struct msgq_request req = make_req(MSGQ_OP_SEND), out;
        unsigned char buf[MSGQ_MSG_MAX + 1];
        uint32_t status;

        memset(buf, 'y', sizeof buf);
        encode(&req, buf);
        put16(buf + 36, MSGQ_TEXT_MAX + 1);
        ck_assert_int_eq(decode(buf, MSGQ_REQUEST_MAX_SIZE + 1, &out, &status), -EMSGSIZE);
        ck_assert_uint_eq(status, MSGQ_ERR_TOO_LARGE);
        ck_assert(msgq_request_has_address(&out));
        ck_assert_uint_eq(out.token, TOKEN);
        ck_assert_int_eq(decode(buf, sizeof buf, &out, &status), -EMSGSIZE);
        ck_assert_uint_eq(status, MSGQ_ERR_TOO_LARGE);
}
END_TEST

START_TEST(request_unknown_op) {
        static const uint16_t ops[] = { 0, _MSGQ_OP_MAX, 200, UINT16_MAX };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_request req = make_req(MSGQ_OP_PING), out;
                unsigned char buf[MSGQ_MSG_MAX];
                uint32_t status;
                int n;

                req.op = ops[i];
                n = encode(&req, buf);
                ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), -EOPNOTSUPP);
                ck_assert_uint_eq(status, MSGQ_ERR_UNKNOWN_OP);
                /* Well-formed: everything is there to answer it. */
                ck_assert(msgq_request_has_address(&out));
                ck_assert_uint_eq(out.token, TOKEN);
                ck_assert_uint_eq(out.op, ops[i]);
                ck_assert_uint_eq(out.deadline_ns, 0x1122334455667788ull);
        }
}
END_TEST

START_TEST(request_unknown_flags) {
        static const uint16_t flags[] = { 0x0004, 0x8000, 0xffff, MSGQ_REQ_NO_REPLY | 0x0100 };

        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
                struct msgq_request req = make_req(MSGQ_OP_LED_ON);

                req.flags = flags[i];
                expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        }
}
END_TEST

START_TEST(request_blink_limits) {
        struct msgq_request req = make_req(MSGQ_OP_LED_BLINK), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n;

        req.arg0 = MSGQ_BLINK_PERIOD_MIN_MS - 1;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.arg0 = 0;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.arg0 = MSGQ_BLINK_PERIOD_MAX_MS + 1;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.arg0 = UINT32_MAX;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.arg0 = 500;
        req.arg1 = MSGQ_BLINK_COUNT_MAX + 1;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        req.arg1 = UINT32_MAX;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);

        /* The limits themselves and count 0 (until cancelled) are fine. */
        req.arg0 = MSGQ_BLINK_PERIOD_MIN_MS;
        req.arg1 = MSGQ_BLINK_COUNT_MAX;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.arg0, MSGQ_BLINK_PERIOD_MIN_MS);
        ck_assert_uint_eq(out.arg1, MSGQ_BLINK_COUNT_MAX);
        req.arg0 = MSGQ_BLINK_PERIOD_MAX_MS;
        req.arg1 = 0;
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.arg0, MSGQ_BLINK_PERIOD_MAX_MS);
        ck_assert_uint_eq(out.arg1, 0);
}
END_TEST

START_TEST(request_args_on_ops_without_args) {
        for (size_t i = 0; i < N_OPS; i++) {
                struct msgq_request req;

                if (all_ops[i] == MSGQ_OP_LED_BLINK || all_ops[i] == MSGQ_OP_LED_WATCH)
                        continue;
                req = make_req(all_ops[i]);
                req.arg0 = 1;
                expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
                req = make_req(all_ops[i]);
                req.arg1 = 1;
                expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
                if (all_ops[i] == MSGQ_OP_SEND)
                        continue;
                /* Text belongs to send only. */
                req = make_req(all_ops[i]);
                strcpy(req.text, "x");
                req.text_len = 1;
                expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        }
        {
                struct msgq_request req = make_req(MSGQ_OP_LED_BLINK);

                strcpy(req.text, "x");
                req.text_len = 1;
                expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        }
}
END_TEST

START_TEST(request_send_text_rules) {
        static const char *const bad[] = { "line\nbreak", "tab\there", "bell\a", "del\x7f", "esc\x1b[0m",
                                           "\r" };
        struct msgq_request req = make_req(MSGQ_OP_SEND), out;
        unsigned char buf[MSGQ_MSG_MAX];
        uint32_t status;
        int n;

        req.text_len = 0;
        req.text[0] = '\0';
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                req = make_req(MSGQ_OP_SEND);
                strcpy(req.text, bad[i]);
                req.text_len = (uint16_t) strlen(bad[i]);
                expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
        }

        /* An embedded NUL is a control character too. */
        req = make_req(MSGQ_OP_SEND);
        memcpy(req.text, "a\0b", 3);
        req.text_len = 3;
        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);

        /* UTF-8 is not a control character. */
        req = make_req(MSGQ_OP_SEND);
        strcpy(req.text, "gr\xc3\xbc\xc3\x9f dich");
        req.text_len = (uint16_t) strlen(req.text);
        n = encode(&req, buf);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_str_eq(out.text, "gr\xc3\xbc\xc3\x9f dich");
}
END_TEST

START_TEST(request_send_text_max) {
        struct msgq_request req = make_req(MSGQ_OP_SEND), out;
        unsigned char buf[MSGQ_MSG_MAX + 1];
        uint32_t status;
        int n;

        for (size_t i = 0; i < MSGQ_TEXT_MAX; i++)
                req.text[i] = (char) ('a' + i % 26);
        req.text[MSGQ_TEXT_MAX] = '\0';
        req.text_len = MSGQ_TEXT_MAX;
        n = encode(&req, buf);
        ck_assert_int_eq(n, (int) MSGQ_REQUEST_MAX_SIZE);
        ck_assert_int_eq(decode(buf, (size_t) n, &out, &status), 0);
        ck_assert_uint_eq(out.text_len, MSGQ_TEXT_MAX);
        ck_assert_mem_eq(out.text, req.text, MSGQ_TEXT_MAX);
        ck_assert_int_eq(out.text[MSGQ_TEXT_MAX], '\0');

        /* One more cannot be encoded, and a hand-made one is too large. */
        req.text_len = MSGQ_TEXT_MAX + 1;
        ck_assert_int_eq(msgq_request_encode(&req, buf, sizeof buf), -EINVAL);
        buf[n] = 'z';
        put16(buf + 36, MSGQ_TEXT_MAX + 1);
        ck_assert_int_eq(decode(buf, (size_t) n + 1, &out, &status), -EMSGSIZE);
        ck_assert_uint_eq(status, MSGQ_ERR_TOO_LARGE);
}
END_TEST

START_TEST(request_has_address_bounds) {
        struct msgq_request req;

        memset(&req, 0, sizeof req);
        ck_assert(!msgq_request_has_address(&req));
        req.pid = 1;
        ck_assert(msgq_request_has_address(&req));
        req.pid = MSGQ_PID_MAX;
        ck_assert(msgq_request_has_address(&req));
        req.pid = MSGQ_PID_MAX + 1;
        ck_assert(!msgq_request_has_address(&req));
}
END_TEST

START_TEST(body_is_binary) {
        static const unsigned char magic[] = { 'M', 'Q', 0, MSGQ_PROTOCOL_VERSION };
        static const unsigned char other_version[] = { 'M', 'Q', 0, 9 };

        ck_assert(!msgq_body_is_binary(magic, 0));
        ck_assert(!msgq_body_is_binary(magic, 1));
        ck_assert(!msgq_body_is_binary(magic, 2));
        ck_assert(msgq_body_is_binary(magic, 3));
        ck_assert(msgq_body_is_binary(magic, 4));
        ck_assert(msgq_body_is_binary(other_version, 4)); /* then refused as a version */
        ck_assert(!msgq_body_is_binary("MQ ", 3));
        ck_assert(!msgq_body_is_binary("MQX", 3));
        ck_assert(!msgq_body_is_binary("ON", 2));
        ck_assert(!msgq_body_is_binary("mq\0\1", 4));
}
END_TEST

/* ---- binary replies ---- */

/* MSGQ_REQ_TIME: taken with the ops that answer with the LED's state alone, refused with the others. */
START_TEST(request_flag_time) {
        for (uint16_t op = 1; op <= MSGQ_OP_LED_WATCH; op++) {
                struct msgq_request req = make_req(op), out;
                unsigned char buf[MSGQ_MSG_MAX];
                uint32_t st;
                bool led = op >= MSGQ_OP_LED_ON && op <= MSGQ_OP_LED_BLINK ? true : op == MSGQ_OP_LED_WATCH;

                req.flags = MSGQ_REQ_TIME;
                if (!led) {
                        expect_req_reject(&req, -EINVAL, MSGQ_ERR_INVALID);
                        continue;
                }
                ck_assert_int_eq(decode(buf, (size_t) encode(&req, buf), &out, &st), 0);
                ck_assert_uint_eq(out.flags, MSGQ_REQ_TIME);
                req.flags = MSGQ_REQ_TIME | MSGQ_REQ_NO_REPLY;
                ck_assert_int_eq(decode(buf, (size_t) encode(&req, buf), &out, &st), 0);
        }
}
END_TEST

static struct msgq_reply make_rep(uint16_t op) {
        struct msgq_reply rep;

        memset(&rep, 0, sizeof rep);
        rep.status = MSGQ_OK;
        rep.token = TOKEN;
        rep.expires_ns = 0x8877665544332211ull;
        rep.op = op;
        rep.daemon_pid = 31337;
        return rep;
}

static int encode_rep(const struct msgq_reply *rep, unsigned char *buf) {
        int n = msgq_reply_encode(rep, buf, MSGQ_MSG_MAX);

        ck_assert_int_gt(n, 0);
        return n;
}

static void check_rep_header(const struct msgq_reply *out, const struct msgq_reply *in) {
        ck_assert_uint_eq(out->status, in->status);
        ck_assert_uint_eq(out->token, in->token);
        ck_assert_uint_eq(out->expires_ns, in->expires_ns);
        ck_assert_uint_eq(out->op, in->op);
        ck_assert_uint_eq(out->daemon_pid, in->daemon_pid);
}

START_TEST(reply_led_ops_round_trip) {
        static const uint16_t ops[] = { MSGQ_OP_LED_ON, MSGQ_OP_LED_OFF, MSGQ_OP_LED_TOGGLE,
                                        MSGQ_OP_LED_STATE, MSGQ_OP_LED_BLINK, MSGQ_OP_LED_WATCH };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_reply rep = make_rep(ops[i]), out;
                unsigned char buf[MSGQ_MSG_MAX];
                int n;

                rep.led.on = i % 2;
                rep.led.blinking = 1;
                rep.led.period_ms = 3600000 - (uint32_t) i;
                rep.led.remaining = 1999999 + (uint32_t) i;
                rep.led.changes = 0x0123456789abcdefull + i;
                n = encode_rep(&rep, buf);
                ck_assert_int_eq(n, (int) MSGQ_REPLY_HEADER_SIZE + 12);
                ck_assert(msgq_body_is_binary(buf, (size_t) n));
                memset(&out, 0x5a, sizeof out);
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
                check_rep_header(&out, &rep);
                ck_assert_uint_eq(out.led.on, i % 2);
                ck_assert_uint_eq(out.led.blinking, 1);
                ck_assert_uint_eq(out.led.period_ms, rep.led.period_ms);
                ck_assert_uint_eq(out.led.remaining, rep.led.remaining);
                ck_assert_uint_eq(out.led.changes, rep.led.changes);
                ck_assert_str_eq(out.error, "");
        }
}
END_TEST

START_TEST(reply_wire_layout) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LED_BLINK);
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.led.on = 1;
        rep.led.blinking = 1;
        rep.led.period_ms = 500;
        rep.led.remaining = 5;
        rep.led.changes = 0x1122334455667788ull;
        memset(buf, 0xee, sizeof buf);
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, 52);
        ck_assert_mem_eq(buf, "MQ\0\1", 4);
        ck_assert_uint_eq(get32(buf + 4), MSGQ_OK);
        ck_assert_uint_eq(get64(buf + 8), TOKEN);
        ck_assert_uint_eq(get64(buf + 16), 0x8877665544332211ull);
        ck_assert_uint_eq(get16(buf + 24), MSGQ_OP_LED_BLINK);
        ck_assert_uint_eq(get16(buf + 26), 12);
        ck_assert_uint_eq(get32(buf + 28), 31337);
        ck_assert_uint_eq(get64(buf + 32), 0x1122334455667788ull);
        ck_assert_int_eq(buf[40], 1);
        ck_assert_int_eq(buf[41], 1);
        ck_assert_uint_eq(get16(buf + 42), 0);
        ck_assert_uint_eq(get32(buf + 44), 500);
        ck_assert_uint_eq(get32(buf + 48), 5);
        ck_assert_int_eq(buf[52], 0xee);
}
END_TEST

/*
 * Asked for (MSGQ_REQ_TIME), the LED state carries the time msgqd made it:
 * 16 bytes after the 12 of the state, wall clock then monotonic.  Without,
 * the reply is byte for byte what it was, so a client older than the time
 * never sees a payload of 28.
 */
START_TEST(reply_led_time) {
        static const uint16_t ops[] = { MSGQ_OP_LED_ON, MSGQ_OP_LED_OFF, MSGQ_OP_LED_TOGGLE,
                                        MSGQ_OP_LED_STATE, MSGQ_OP_LED_BLINK, MSGQ_OP_LED_WATCH };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_reply rep = make_rep(ops[i]), out;
                unsigned char buf[MSGQ_MSG_MAX], plain[MSGQ_MSG_MAX];
                int n, m;

                rep.led.on = 1;
                rep.led.changes = 42;
                rep.led_time_ns = 1765070123123456789ull + i;
                rep.led_monotonic_ns = 987654321000ull + i;
                m = encode_rep(&rep, plain);
                ck_assert_int_eq(m, 52);
                ck_assert_int_eq(msgq_reply_decode(plain, (size_t) m, &out), 0);
                ck_assert(!out.led_time);
                ck_assert_uint_eq(out.led_time_ns, 0);
                ck_assert_uint_eq(out.led_monotonic_ns, 0);

                rep.led_time = true;
                memset(buf, 0xee, sizeof buf);
                n = encode_rep(&rep, buf);
                ck_assert_int_eq(n, 68);
                ck_assert_uint_eq(get16(buf + 26), 28);
                ck_assert_mem_eq(buf + 28, plain + 28, 24); /* the same header and state */
                ck_assert_uint_eq(get64(buf + 52), rep.led_time_ns);
                ck_assert_uint_eq(get64(buf + 60), rep.led_monotonic_ns);
                ck_assert_int_eq(buf[68], 0xee);
                memset(&out, 0x5a, sizeof out);
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
                ck_assert(out.led_time);
                ck_assert_uint_eq(out.led.on, 1);
                ck_assert_uint_eq(out.led.changes, 42);
                ck_assert_uint_eq(out.led_time_ns, rep.led_time_ns);
                ck_assert_uint_eq(out.led_monotonic_ns, rep.led_monotonic_ns);
                /* Any other length is not a reply. */
                put16(buf + 26, 20);
                ck_assert_int_eq(msgq_reply_decode(buf, MSGQ_REPLY_HEADER_SIZE + 20, &out), -EBADMSG);
        }
        /* Not for stats, whose payload keeps its one length; not on an error. */
        {
                struct msgq_reply rep = make_rep(MSGQ_OP_STATS);
                unsigned char buf[MSGQ_MSG_MAX];

                rep.led_time = true;
                ck_assert_int_eq(encode_rep(&rep, buf), (int) MSGQ_REPLY_HEADER_SIZE + 12 + 8 * (8 + MSGQ_PRIO_MAX));
                rep = make_rep(MSGQ_OP_LED_WATCH);
                rep.led_time = true;
                rep.status = MSGQ_ERR_INVALID;
                strcpy(rep.error, "no");
                ck_assert_int_eq(encode_rep(&rep, buf), (int) MSGQ_REPLY_HEADER_SIZE + 2);
        }
}
END_TEST

/* The change number rides at offset 32 only with an LED state: elsewhere it must be 0. */
START_TEST(reply_changes_only_with_led_state) {
        static const uint16_t ops[] = { MSGQ_OP_PING, MSGQ_OP_SEND, MSGQ_OP_EXIT };
        struct msgq_reply rep, out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                rep = make_rep(ops[i]);
                rep.led.changes = 5; /* not encoded: no LED state in these */
                n = encode_rep(&rep, buf);
                ck_assert_uint_eq(get64(buf + 32), 0);
                buf[32] = 1;
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        }
        rep = make_rep(MSGQ_OP_LED_WATCH);
        rep.status = MSGQ_ERR_INVALID;
        strcpy(rep.error, "64 others watch the LED already");
        rep.led.changes = 5;
        n = encode_rep(&rep, buf);
        ck_assert_uint_eq(get64(buf + 32), 0);
        buf[32] = 1;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
}
END_TEST

START_TEST(reply_stats_round_trip) {
        struct msgq_reply rep = make_rep(MSGQ_OP_STATS), out;
        struct msgq_stats *s = &rep.stats;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.led.on = 1;
        rep.led.blinking = 1;
        rep.led.period_ms = 40;
        rep.led.remaining = 0;
        s->uptime_ms = 0x0000123456789abcull;
        s->errors = 11;
        s->malformed = 12;
        s->replies_late = 13;
        s->replies_deferred = 14;
        s->replies_dropped = 15;
        s->replies_reclaimed = 0xffffffffffffffffull;
        s->daemon_pid = MSGQ_PID_MAX;
        s->queue_recreated = 0xfffffffeu;
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                s->served[i] = 1000u * (uint64_t) (i + 1) + ((uint64_t) i << 40);

        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) (MSGQ_REPLY_HEADER_SIZE + 12 + 8 * (8 + MSGQ_PRIO_MAX)));
        memset(&out, 0x5a, sizeof out);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        check_rep_header(&out, &rep);
        ck_assert_uint_eq(out.led.on, 1);
        ck_assert_uint_eq(out.led.blinking, 1);
        ck_assert_uint_eq(out.led.period_ms, 40);
        ck_assert_uint_eq(out.led.remaining, 0);
        ck_assert_uint_eq(out.stats.uptime_ms, s->uptime_ms);
        ck_assert_uint_eq(out.stats.errors, 11);
        ck_assert_uint_eq(out.stats.malformed, 12);
        ck_assert_uint_eq(out.stats.replies_late, 13);
        ck_assert_uint_eq(out.stats.replies_deferred, 14);
        ck_assert_uint_eq(out.stats.replies_dropped, 15);
        ck_assert_uint_eq(out.stats.replies_reclaimed, 0xffffffffffffffffull);
        ck_assert_uint_eq(out.stats.daemon_pid, MSGQ_PID_MAX);
        ck_assert_uint_eq(out.stats.queue_recreated, 0xfffffffeu);
        for (int i = 0; i < MSGQ_PRIO_MAX; i++)
                ck_assert_msg(out.stats.served[i] == s->served[i], "served[%d]", i);
}
END_TEST

START_TEST(reply_no_payload_ops) {
        static const uint16_t ops[] = { MSGQ_OP_PING, MSGQ_OP_SEND, MSGQ_OP_EXIT };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_reply rep = make_rep(ops[i]), out;
                unsigned char buf[MSGQ_MSG_MAX];
                int n;

                rep.led.on = 1; /* not carried by these ops */
                n = encode_rep(&rep, buf);
                ck_assert_int_eq(n, (int) MSGQ_REPLY_HEADER_SIZE);
                ck_assert_uint_eq(get16(buf + 26), 0);
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
                check_rep_header(&out, &rep);
                ck_assert_uint_eq(out.led.on, 0);
        }
}
END_TEST

START_TEST(reply_error_round_trip) {
        for (uint32_t st = MSGQ_ERR_MALFORMED; st < _MSGQ_ERR_MAX; st++) {
                struct msgq_reply rep = make_rep(MSGQ_OP_LED_BLINK), out;
                unsigned char buf[MSGQ_MSG_MAX];
                int n;

                rep.status = st;
                snprintf(rep.error, sizeof rep.error, "error %u: period out of range", st);
                rep.led.on = 1; /* an error carries text, not state */
                n = encode_rep(&rep, buf);
                ck_assert_int_eq(n, (int) (MSGQ_REPLY_HEADER_SIZE + strlen(rep.error)));
                memset(&out, 0x5a, sizeof out);
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
                check_rep_header(&out, &rep);
                ck_assert_str_eq(out.error, rep.error);
                ck_assert_uint_eq(out.led.on, 0);
        }
}
END_TEST

START_TEST(reply_error_text_limits) {
        struct msgq_reply rep = make_rep(MSGQ_OP_PING), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        /* Empty error text. */
        rep.status = MSGQ_ERR_SHUTDOWN;
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) MSGQ_REPLY_HEADER_SIZE);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.status, MSGQ_ERR_SHUTDOWN);
        ck_assert_str_eq(out.error, "");

        /* The longest. */
        memset(rep.error, 'e', MSGQ_ERROR_TEXT_MAX);
        rep.error[MSGQ_ERROR_TEXT_MAX] = '\0';
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) (MSGQ_REPLY_HEADER_SIZE + MSGQ_ERROR_TEXT_MAX));
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(strlen(out.error), MSGQ_ERROR_TEXT_MAX);
        ck_assert_str_eq(out.error, rep.error);

        /* Longer than any error text: refused. */
        memset(buf + n, 'e', 1);
        put16(buf + 26, MSGQ_ERROR_TEXT_MAX + 1);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n + 1, &out), -EBADMSG);
}
END_TEST

START_TEST(reply_error_control_chars_rejected) {
        static const char *const bad[] = { "bad\nline", "\x1b[2J", "tab\t", "del\x7f" };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct msgq_reply rep = make_rep(MSGQ_OP_LED_ON), out;
                unsigned char buf[MSGQ_MSG_MAX];
                int n;

                rep.status = MSGQ_ERR_LED;
                strcpy(rep.error, bad[i]);
                n = encode_rep(&rep, buf);
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
                ck_assert_str_eq(out.error, "");
        }
        {
                /* A NUL inside the received text is a control character too. */
                struct msgq_reply rep = make_rep(MSGQ_OP_LED_ON), out;
                unsigned char buf[MSGQ_MSG_MAX];
                int n;

                rep.status = MSGQ_ERR_LED;
                strcpy(rep.error, "abc");
                n = encode_rep(&rep, buf);
                buf[MSGQ_REPLY_HEADER_SIZE + 1] = '\0';
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        }
}
END_TEST

START_TEST(reply_wrong_payload_length) {
        unsigned char buf[MSGQ_MSG_MAX];
        struct msgq_reply rep, out;
        int n;

        /* An LED op with no payload, or one byte more. */
        rep = make_rep(MSGQ_OP_LED_TOGGLE);
        n = encode_rep(&rep, buf);
        put16(buf + 26, 0);
        ck_assert_int_eq(msgq_reply_decode(buf, MSGQ_REPLY_HEADER_SIZE, &out), -EBADMSG);
        put16(buf + 26, 13);
        buf[n] = 0;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n + 1, &out), -EBADMSG);
        put16(buf + 26, 11);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n - 1, &out), -EBADMSG);

        /* Stats with only the LED part. */
        rep = make_rep(MSGQ_OP_STATS);
        n = encode_rep(&rep, buf);
        put16(buf + 26, 12);
        ck_assert_int_eq(msgq_reply_decode(buf, MSGQ_REPLY_HEADER_SIZE + 12, &out), -EBADMSG);
        put16(buf + 26, (uint16_t) (n - MSGQ_REPLY_HEADER_SIZE - 8));
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n - 8, &out), -EBADMSG);

        /* An LED payload on a ping, and on an unknown op. */
        rep = make_rep(MSGQ_OP_LED_ON);
        n = encode_rep(&rep, buf);
        put16(buf + 24, MSGQ_OP_PING);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        put16(buf + 24, 200);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);

        /* payload_len disagreeing with the length received. */
        rep = make_rep(MSGQ_OP_LED_ON);
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n + 1, &out), -EBADMSG);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
}
END_TEST

START_TEST(reply_truncated_every_length) {
        struct msgq_reply rep = make_rep(MSGQ_OP_STATS), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n = encode_rep(&rep, buf);

        for (int len = 0; len < n; len++)
                ck_assert_msg(msgq_reply_decode(buf, (size_t) len, &out) == -EBADMSG, "length %d", len);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
}
END_TEST

START_TEST(reply_bad_magic_and_version) {
        struct msgq_reply rep = make_rep(MSGQ_OP_PING), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n = encode_rep(&rep, buf);

        for (int i = 0; i < 3; i++) {
                buf[i] ^= 0x40;
                ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
                buf[i] ^= 0x40;
        }
        buf[3] = MSGQ_PROTOCOL_VERSION + 1;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EPROTO);
        buf[3] = MSGQ_PROTOCOL_VERSION;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
}
END_TEST


/* Ops 2 to 6 and led-watch carry the line's index where msgq 0.1 had a pad (0 for led). */
START_TEST(reply_led_line_index) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LED_ON), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.led.on = 1;
        rep.line = 5;
        rep.led.changes = 77;
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, 52);
        ck_assert_uint_eq(get16(buf + 42), 5);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.line, 5);
        ck_assert_uint_eq(out.led.changes, 77);
        put16(buf + 42, MSGQ_LINES_MAX);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
}
END_TEST

START_TEST(reply_line_set) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LINE_SET), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.set_lines = 0x8000000000000003ull;
        rep.set_on = 0x8000000000000001ull;
        rep.set_first = 41;
        rep.led.changes = 43;
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) MSGQ_REPLY_HEADER_SIZE + 24);
        ck_assert_uint_eq(get16(buf + 26), 24);
        ck_assert_uint_eq(get64(buf + 32), 43);
        ck_assert_uint_eq(get64(buf + 40), rep.set_lines);
        ck_assert_uint_eq(get64(buf + 48), rep.set_on);
        ck_assert_uint_eq(get64(buf + 56), 41);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.set_lines, rep.set_lines);
        ck_assert_uint_eq(out.set_on, rep.set_on);
        ck_assert_uint_eq(out.set_first, 41);
        ck_assert_uint_eq(out.led.changes, 43);
        /* A line on that was not set, or a payload of another length. */
        buf[48 + 2] = 1;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        put16(buf + 26, 23);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n - 1, &out), -EBADMSG);
}
END_TEST

static struct msgq_line_info make_info(uint16_t line, const char *name) {
        struct msgq_line_info e = { .offset = 17u + line, .by_pid = 4242, .flags = MSGQ_LINE_F_ACTIVE_LOW };

        e.st = (struct msgq_line_state) {
                .led = { .on = 1, .blinking = 1, .period_ms = 500, .remaining = 5, .changes = 1000u + line },
                .line = line, .seq = 9 };
        snprintf(e.name, sizeof e.name, "%s", name);
        snprintf(e.chip, sizeof e.chip, "gpiochip0");
        return e;
}

START_TEST(reply_line_list) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LINE_LIST), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.list_total = 3;
        rep.list_count = 2;
        rep.list[0] = make_info(1, "pump");
        rep.list[1] = make_info(2, "buzzer");
        rep.list[1].flags = MSGQ_LINE_F_RELAY | MSGQ_LINE_F_STOP_KEEP | (2 << MSGQ_LINE_F_START_SHIFT);
        snprintf(rep.list[1].chip, sizeof rep.list[1].chip, "sim");
        rep.led.changes = 12;
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) (MSGQ_REPLY_HEADER_SIZE + 4 + 36 + 4 + 9 + 36 + 6 + 3));
        ck_assert_uint_eq(get16(buf + 40), 3);
        ck_assert_uint_eq(get16(buf + 42), 2);
        ck_assert_uint_eq(get16(buf + 44), 1);           /* the first entry's line */
        ck_assert_uint_eq(get32(buf + 44 + 24), 18);     /* its offset */
        ck_assert_uint_eq(get32(buf + 44 + 28), 4242);   /* by_pid */
        ck_assert_int_eq(buf[44 + 33], 4);
        ck_assert_int_eq(buf[44 + 34], 9);
        ck_assert_mem_eq(buf + 44 + 36, "pumpgpiochip0", 13);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.list_total, 3);
        ck_assert_uint_eq(out.list_count, 2);
        ck_assert_uint_eq(out.led.changes, 12);
        ck_assert_str_eq(out.list[0].name, "pump");
        ck_assert_str_eq(out.list[0].chip, "gpiochip0");
        ck_assert_uint_eq(out.list[0].offset, 18);
        ck_assert_uint_eq(out.list[0].st.led.period_ms, 500);
        ck_assert_uint_eq(out.list[0].st.seq, 9);
        ck_assert_uint_eq(out.list[0].st.led.changes, 1001);
        ck_assert_str_eq(out.list[1].name, "buzzer");
        ck_assert_str_eq(out.list[1].chip, "sim");
        ck_assert_uint_eq(out.list[1].flags, rep.list[1].flags);
        /* Broken: trailing bytes, unknown flags, lines out of order, a space in a name. */
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n - 1, &out), -EBADMSG);
        buf[44 + 32] = 0x40;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        buf[44 + 32] = 0;
        put16(buf + 44, 2);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        put16(buf + 44, 1);
        buf[44 + 36] = ' ';
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        /*
         * A name msgq.conf does not allow, printable as it may be: refused,
         * since names go into shells' completions ("$(reboot)" would run).
         */
        for (const char *bad = "$(x)\0pu;p\0`ls`\0-ump\0" "1ump\0p*mp\0"; *bad; bad += strlen(bad) + 1) {
                rep.list[0] = make_info(1, bad);
                n = encode_rep(&rep, buf);
                ck_assert_int_gt(n, 0);
                ck_assert_msg(msgq_reply_decode(buf, (size_t) n, &out) == -EBADMSG, "name %s", bad);
        }
        rep.list[0] = make_info(1, "Pump_2-b");
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
}
END_TEST

/* As many entries as fit in one message: the client asks again for the rest. */
START_TEST(reply_line_list_fills_one_message) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LINE_LIST), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.list_total = MSGQ_LINES_MAX;
        rep.list_count = MSGQ_LIST_MAX;
        for (uint16_t i = 0; i < MSGQ_LIST_MAX; i++)
                rep.list[i] = make_info(i, "x234567890123456789012345678901");
        n = encode_rep(&rep, buf);
        ck_assert_int_le(n, (int) MSGQ_MSG_MAX);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.list_count, (MSGQ_MSG_MAX - MSGQ_REPLY_HEADER_SIZE - 4) / (36 + 31 + 9));
        ck_assert_uint_eq(out.list[out.list_count - 1].st.line, out.list_count - 1);
        /* Short names: more fit. */
        for (uint16_t i = 0; i < MSGQ_LIST_MAX; i++)
                rep.list[i] = make_info(i, "a");
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.list_count, (MSGQ_MSG_MAX - MSGQ_REPLY_HEADER_SIZE - 4) / (36 + 1 + 9));
}
END_TEST

START_TEST(reply_line_watch) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LINE_WATCH), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.missed = 7;
        rep.nchanges = MSGQ_CHANGES_MAX;
        for (uint16_t i = 0; i < MSGQ_CHANGES_MAX; i++)
                rep.changes_after[i] = (struct msgq_change) {
                        .st = { .led = { .on = i % 2, .changes = 100u + i }, .line = i % 3, .seq = i },
                        .time_ns = 1700000000000000000ull + i };
        rep.led.changes = 100 + MSGQ_CHANGES_MAX - 1;
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) (MSGQ_REPLY_HEADER_SIZE + 8 + 32 * MSGQ_CHANGES_MAX));
        ck_assert_int_le(n, (int) MSGQ_MSG_MAX);
        ck_assert_uint_eq(get32(buf + 40), 7);
        ck_assert_uint_eq(get16(buf + 44), MSGQ_CHANGES_MAX);
        ck_assert_uint_eq(get64(buf + 48 + 32 + 16), 101);
        ck_assert_uint_eq(get64(buf + 48 + 32 + 24), 1700000000000000001ull);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.missed, 7);
        ck_assert_uint_eq(out.nchanges, MSGQ_CHANGES_MAX);
        ck_assert_uint_eq(out.changes_after[13].st.led.changes, 113);
        ck_assert_uint_eq(out.changes_after[13].st.line, 1);
        ck_assert_uint_eq(out.changes_after[13].st.seq, 13);
        ck_assert_uint_eq(out.changes_after[13].time_ns, 1700000000000000013ull);
        /* Out of order, a count that disagrees, one change too many. */
        put64(buf + 48 + 32 + 16, 100);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        put64(buf + 48 + 32 + 16, 101);
        put16(buf + 44, MSGQ_CHANGES_MAX - 1);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        rep.nchanges++;
        ck_assert_int_eq(msgq_reply_encode(&rep, buf, sizeof buf), -EMSGSIZE);
}
END_TEST

/* line-events: 56-byte records, the change record and then the edge; 8 a reply. */
START_TEST(reply_line_events) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LINE_EVENTS), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.missed = 3;
        rep.nchanges = MSGQ_EVENTS_MAX;
        for (uint16_t i = 0; i < MSGQ_EVENTS_MAX; i++)
                rep.events[i] = (struct msgq_event) {
                        .ch = { .st = { .led = { .on = i % 2, .changes = 200u + i }, .line = 1, .seq = i },
                                .time_ns = 1700000000000000000ull + i },
                        .kernel_ns = 5000u + i, .kernel_seqno = 10u + i,
                        .lost = i == 3 ? 2 : 0, .edge = i % 2 ? MSGQ_EDGE_RISING : MSGQ_EDGE_FALLING,
                        .flags = i == 3 ? MSGQ_EVENT_F_LOST_AT_LEAST : 0 };
        rep.led.changes = 200 + MSGQ_EVENTS_MAX - 1;
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) (MSGQ_REPLY_HEADER_SIZE + 8 + 56 * MSGQ_EVENTS_MAX));
        ck_assert_int_le(n, (int) MSGQ_MSG_MAX);
        /* Record 3 at 48 + 3 * 56: kernel_ns at 32, kernel_seqno 40, lost 44, edge 48, flags 49. */
        ck_assert_uint_eq(get64(buf + 48 + 168 + 16), 203);
        ck_assert_uint_eq(get64(buf + 48 + 168 + 32), 5003);
        ck_assert_uint_eq(get32(buf + 48 + 168 + 40), 13);
        ck_assert_uint_eq(get32(buf + 48 + 168 + 44), 2);
        ck_assert_uint_eq(buf[48 + 168 + 48], MSGQ_EDGE_RISING);
        ck_assert_uint_eq(buf[48 + 168 + 49], MSGQ_EVENT_F_LOST_AT_LEAST);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.missed, 3);
        ck_assert_uint_eq(out.nchanges, MSGQ_EVENTS_MAX);
        ck_assert_uint_eq(out.events[3].kernel_ns, 5003);
        ck_assert_uint_eq(out.events[3].kernel_seqno, 13);
        ck_assert_uint_eq(out.events[3].lost, 2);
        ck_assert_uint_eq(out.events[3].edge, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(out.events[3].flags, MSGQ_EVENT_F_LOST_AT_LEAST);
        ck_assert_uint_eq(out.events[7].ch.time_ns, 1700000000000000007ull);
        /* Broken: an unknown edge, unknown flags, a pad not 0, one record too many. */
        buf[48 + 168 + 48] = _MSGQ_EDGE_MAX;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        buf[48 + 168 + 48] = MSGQ_EDGE_RISING;
        buf[48 + 168 + 49] = 0x04;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        buf[48 + 168 + 49] = 0;
        buf[48 + 168 + 53] = 1;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        rep.nchanges++;
        ck_assert_int_eq(msgq_reply_encode(&rep, buf, sizeof buf), -EMSGSIZE);
}
END_TEST

/* input-list: 32-byte entries of settings and counters. */
START_TEST(reply_input_list) {
        struct msgq_reply rep = make_rep(MSGQ_OP_INPUT_LIST), out;
        unsigned char buf[MSGQ_MSG_MAX];
        int n;

        rep.list_total = 3;
        rep.list_count = 2;
        rep.inputs[0] = (struct msgq_input_info) { .line = 2, .bias = 1, .edges = 3, .debounce_by = 1,
                                                   .debounce_us = 20000, .count = 12, .lost = 1 };
        rep.inputs[1] = (struct msgq_input_info) { .line = 5, .edges = 1, .count = 1ull << 40 };
        rep.led.changes = 77;
        n = encode_rep(&rep, buf);
        ck_assert_int_eq(n, (int) (MSGQ_REPLY_HEADER_SIZE + 4 + 2 * 32));
        ck_assert_uint_eq(get16(buf + 40), 3);
        ck_assert_uint_eq(get16(buf + 42), 2);
        ck_assert_uint_eq(get16(buf + 44), 2);
        ck_assert_uint_eq(buf[44 + 2], 1);
        ck_assert_uint_eq(get32(buf + 44 + 8), 20000);
        ck_assert_uint_eq(get64(buf + 44 + 16), 12);
        ck_assert_uint_eq(get64(buf + 44 + 24), 1);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), 0);
        ck_assert_uint_eq(out.led.changes, 77);
        ck_assert_uint_eq(out.list_total, 3);
        ck_assert_uint_eq(out.inputs[1].line, 5);
        ck_assert_uint_eq(out.inputs[1].count, 1ull << 40);
        ck_assert_uint_eq(out.inputs[0].debounce_by, 1);
        /* Broken: more lost than counted, edges 0, out of order, a length that disagrees. */
        put64(buf + 44 + 24, 13);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        put64(buf + 44 + 24, 1);
        buf[44 + 3] = 0;
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        buf[44 + 3] = 3;
        put16(buf + 44 + 32, 2);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n, &out), -EBADMSG);
        put16(buf + 44 + 32, 5);
        ck_assert_int_eq(msgq_reply_decode(buf, (size_t) n - 1, &out), -EBADMSG);
        rep.list_count = MSGQ_INPUTS_MAX + 1;
        ck_assert_int_eq(msgq_reply_encode(&rep, buf, sizeof buf), -EMSGSIZE);
}
END_TEST

START_TEST(reply_encode_buffer_too_small) {
        struct msgq_reply rep = make_rep(MSGQ_OP_STATS);
        unsigned char buf[MSGQ_MSG_MAX];
        int n = encode_rep(&rep, buf);

        ck_assert_int_eq(msgq_reply_encode(&rep, buf, (size_t) n - 1), -EMSGSIZE);
        ck_assert_int_eq(msgq_reply_encode(&rep, buf, (size_t) n), n);
        rep = make_rep(MSGQ_OP_PING);
        ck_assert_int_eq(msgq_reply_encode(&rep, buf, MSGQ_REPLY_HEADER_SIZE - 1), -EMSGSIZE);
        rep.status = MSGQ_ERR_INVALID;
        strcpy(rep.error, "abc");
        ck_assert_int_eq(msgq_reply_encode(&rep, buf, MSGQ_REPLY_HEADER_SIZE + 2), -EMSGSIZE);
        ck_assert_int_eq(msgq_reply_encode(&rep, buf, MSGQ_REPLY_HEADER_SIZE + 3),
                         (int) MSGQ_REPLY_HEADER_SIZE + 3);
}
END_TEST

/* ---- the text form ---- */

/* Decode a C string as text (without its NUL), garbage in req beforehand. */
static int text(const char *s, struct msgq_request *req, uint32_t *status) {
        memset(req, 0xa5, sizeof *req);
        *status = 0xdeadbeef;
        return msgq_text_decode(s, strlen(s), 4, req, status);
}

static void expect_text_reject(const void *body, size_t len, int r, uint32_t st) {
        struct msgq_request req;
        uint32_t status;

        memset(&req, 0xa5, sizeof req);
        ck_assert_msg(msgq_text_decode(body, len, 4, &req, &status) == r, "\"%.*s\"", (int) len,
                      (const char *) body);
        ck_assert_msg(status == st, "\"%.*s\": status %u", (int) len, (const char *) body, status);
        ck_assert_int_eq(req.prio, 4);
}

static void expect_text_reject_str(const char *s, int r, uint32_t st) {
        expect_text_reject(s, strlen(s), r, st);
}

START_TEST(text_every_command_any_case) {
        static const struct {
                const char *words[3];
                uint16_t op;
        } cases[] = {
                { { "ON", "on", "On" }, MSGQ_OP_LED_ON },
                { { "OFF", "off", "oFf" }, MSGQ_OP_LED_OFF },
                { { "TOGGLE", "toggle", "ToGgLe" }, MSGQ_OP_LED_TOGGLE },
                { { "STATE", "state", "StAtE" }, MSGQ_OP_LED_STATE },
                { { "PING", "ping", "Ping" }, MSGQ_OP_PING },
                { { "STATS", "stats", "sTATS" }, MSGQ_OP_STATS },
                { { "EXIT", "exit", "ExIt" }, MSGQ_OP_EXIT },
        };

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
                for (size_t k = 0; k < 3; k++) {
                        struct msgq_request req;
                        uint32_t status;

                        ck_assert_msg(text(cases[i].words[k], &req, &status) == 0, "%s",
                                      cases[i].words[k]);
                        ck_assert_uint_eq(status, MSGQ_OK);
                        ck_assert_uint_eq(req.op, cases[i].op);
                        ck_assert_int_eq(req.prio, 4);
                        ck_assert_uint_eq(req.arg0, 0);
                        ck_assert_uint_eq(req.arg1, 0);
                        ck_assert_uint_eq(req.text_len, 0);
                        ck_assert_uint_eq(req.pid, 0);
                        ck_assert_uint_eq(req.token, 0);
                        ck_assert_uint_eq(req.deadline_ns, 0);
                        ck_assert_uint_eq(req.flags, MSGQ_REQ_NO_REPLY);
                }
        {
                static const char *const blinks[] = { "BLINK 500", "blink 500", "bLiNk 500" };

                for (size_t k = 0; k < 3; k++) {
                        struct msgq_request req;
                        uint32_t status;

                        ck_assert_int_eq(text(blinks[k], &req, &status), 0);
                        ck_assert_uint_eq(req.op, MSGQ_OP_LED_BLINK);
                        ck_assert_uint_eq(req.arg0, 500);
                        ck_assert_uint_eq(req.arg1, 0);
                }
        }
}
END_TEST

START_TEST(text_trailing_nul_and_newline) {
        static const struct {
                const char *body;
                size_t len;
        } cases[] = {
                { "TOGGLE\0", 7 },
                { "TOGGLE\n", 7 },
                { "TOGGLE\n\0", 8 },
                { "TOGGLE pid=77\n\0", 15 },
                { "  TOGGLE   \n", 12 },
        };

        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                struct msgq_request req;
                uint32_t status;

                ck_assert_msg(msgq_text_decode(cases[i].body, cases[i].len, 2, &req, &status) == 0,
                              "case %zu", i);
                ck_assert_uint_eq(req.op, MSGQ_OP_LED_TOGGLE);
                ck_assert_int_eq(req.prio, 2);
        }

        /* Only one of each, NUL last. */
        expect_text_reject("TOGGLE\0\0", 8, -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject("TOGGLE\n\n", 8, -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject("TOGGLE\0\n", 8, -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject("TOGGLE\r\n", 8, -EBADMSG, MSGQ_ERR_MALFORMED);
}
END_TEST

START_TEST(text_extra_spaces) {
        struct msgq_request req;
        uint32_t status;

        ck_assert_int_eq(text("   ON", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_ON);
        ck_assert_int_eq(text("OFF      ", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_OFF);
        ck_assert_int_eq(text("  BLINK   250    7   pid=99  ", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_BLINK);
        ck_assert_uint_eq(req.arg0, 250);
        ck_assert_uint_eq(req.arg1, 7);
        ck_assert_uint_eq(req.pid, 99);
        ck_assert_uint_eq(req.flags, 0);
}
END_TEST

START_TEST(text_pid_gives_reply_address) {
        struct msgq_request req;
        uint32_t status;

        ck_assert_int_eq(text("TOGGLE pid=4242", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_TOGGLE);
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_uint_eq(req.flags, 0);
        ck_assert(msgq_request_has_address(&req));

        ck_assert_int_eq(text("ping PID=1", &req, &status), 0);
        ck_assert_uint_eq(req.pid, 1);
        ck_assert_uint_eq(req.flags, 0);

        ck_assert_int_eq(text("STATE Pid=4194304", &req, &status), 0);
        ck_assert_uint_eq(req.pid, MSGQ_PID_MAX);

        ck_assert_int_eq(text("BLINK 20 1 pid=0000000007", &req, &status), 0);
        ck_assert_uint_eq(req.pid, 7);
        ck_assert_uint_eq(req.arg0, 20);
        ck_assert_uint_eq(req.arg1, 1);

        ck_assert_int_eq(text("ON", &req, &status), 0);
        ck_assert_uint_eq(req.pid, 0);
        ck_assert_uint_eq(req.flags, MSGQ_REQ_NO_REPLY);
        ck_assert(!msgq_request_has_address(&req));
}
END_TEST

START_TEST(text_bad_pid) {
        static const char *const bad[] = {
                "ON pid=0", "ON pid=abc", "ON pid=4194305", "ON pid=4294967295",
                "ON pid=4294967296", "ON pid=12345678901", "ON pid=-1", "ON pid=+5",
                "ON pid=12a", "ON pid=0x10",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct msgq_request req;
                uint32_t status;

                ck_assert_msg(text(bad[i], &req, &status) == -EBADMSG, "%s", bad[i]);
                ck_assert_uint_eq(status, MSGQ_ERR_MALFORMED);
                ck_assert(!msgq_request_has_address(&req));
                ck_assert_uint_eq(req.flags, MSGQ_REQ_NO_REPLY);
        }
}
END_TEST

START_TEST(text_error_after_pid_is_answered) {
        struct msgq_request req;
        uint32_t status;

        /* A broken request that names its address can be told what is wrong. */
        ck_assert_int_eq(text("BLINK 5 pid=4242", &req, &status), -EINVAL);
        ck_assert_uint_eq(status, MSGQ_ERR_INVALID);
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_uint_eq(req.flags, 0);
        ck_assert(msgq_request_has_address(&req));

        ck_assert_int_eq(text("HELLO pid=4242", &req, &status), -EOPNOTSUPP);
        ck_assert_uint_eq(status, MSGQ_ERR_UNKNOWN_OP);
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_uint_eq(req.flags, 0);

        ck_assert_int_eq(text("ON 1 pid=4242", &req, &status), -EINVAL);
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_uint_eq(req.flags, 0);
}
END_TEST

START_TEST(text_blink_arguments) {
        struct msgq_request req;
        uint32_t status;

        expect_text_reject_str("BLINK", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("BLINK pid=5", -EINVAL, MSGQ_ERR_INVALID);

        ck_assert_int_eq(text("BLINK 1000", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_BLINK);
        ck_assert_uint_eq(req.arg0, 1000);
        ck_assert_uint_eq(req.arg1, 0);

        ck_assert_int_eq(text("BLINK 1000 42", &req, &status), 0);
        ck_assert_uint_eq(req.arg0, 1000);
        ck_assert_uint_eq(req.arg1, 42);

        ck_assert_int_eq(text("BLINK 20 1000000", &req, &status), 0);
        ck_assert_int_eq(text("BLINK 3600000 0", &req, &status), 0);
        ck_assert_uint_eq(req.arg0, 3600000);

        expect_text_reject_str("BLINK 1000 42 3", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("BLINK 1000 42 3 pid=5", -EINVAL, MSGQ_ERR_INVALID);
        /* Out of the protocol's limits. */
        expect_text_reject_str("BLINK 19", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("BLINK 0", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("BLINK 3600001", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("BLINK 500 1000001", -EINVAL, MSGQ_ERR_INVALID);
}
END_TEST

START_TEST(text_blink_bad_numbers) {
        static const char *const bad[] = {
                "BLINK abc", "BLINK 500 x!", "BLINK -500", "BLINK +500", "BLINK 500ms",
                "BLINK 0x200", "BLINK 5e2", "BLINK 500 -1",
                "BLINK 00000000500",    /* 11 digits, even though the value fits */
                "BLINK 500 00000000003",
                "BLINK 4294967296",     /* 10 digits, more than 32 bits */
                "BLINK 500 4294967296",
                "BLINK 4294967295",     /* fits, but far above the period limit */
                "BLINK 99999999999",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                expect_text_reject_str(bad[i], -EINVAL, MSGQ_ERR_INVALID);
}
END_TEST

START_TEST(text_unknown_command) {
        static const char *const unknown[] = {
                "HELLO", "hello world", "ONN", "O", "SEND hello", "LED-ON", "BLINKING 500", "STAT",
        };

        for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
                struct msgq_request req;
                uint32_t status;

                ck_assert_msg(text(unknown[i], &req, &status) == -EOPNOTSUPP, "%s", unknown[i]);
                ck_assert_uint_eq(status, MSGQ_ERR_UNKNOWN_OP);
                ck_assert_uint_eq(req.flags, MSGQ_REQ_NO_REPLY);
        }
        /* pid= alone is no command. */
        expect_text_reject_str("pid=42", -EOPNOTSUPP, MSGQ_ERR_UNKNOWN_OP);
}
END_TEST

START_TEST(text_too_many_words) {
        expect_text_reject_str("ON extra more", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("STATS 1", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("ON a b c", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("ON a b c d e f g h", -EINVAL, MSGQ_ERR_INVALID);
        expect_text_reject_str("BLINK 500 3 1 2 3 4", -EINVAL, MSGQ_ERR_INVALID);
        /* "pid=" without a number is a word like any other. */
        expect_text_reject_str("ON pid=", -EINVAL, MSGQ_ERR_INVALID);
}
END_TEST

START_TEST(text_too_many_words_keeps_reply_address) {
        struct msgq_request req;
        uint32_t status;

        /*
         * The client asked for a reply: however many words precede pid=, it
         * must be told its request was refused, as with "ON a b pid=4242".
         */
        ck_assert_int_eq(text("ON a b pid=4242", &req, &status), -EINVAL);
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_uint_eq(req.flags, 0);

        ck_assert_int_eq(text("ON a b c pid=4242", &req, &status), -EINVAL);
        ck_assert_uint_eq(status, MSGQ_ERR_INVALID);
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_uint_eq(req.flags, 0);
        ck_assert(msgq_request_has_address(&req));

        ck_assert_int_eq(text("BLINK 500 3 1 pid=4242", &req, &status), -EINVAL);
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_uint_eq(req.flags, 0);
}
END_TEST

START_TEST(text_empty_and_blank) {
        expect_text_reject("", 0, -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject("\0", 1, -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject("\n", 1, -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject("\n\0", 2, -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject_str(" ", -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject_str("          ", -EBADMSG, MSGQ_ERR_MALFORMED);
        expect_text_reject("     \n\0", 7, -EBADMSG, MSGQ_ERR_MALFORMED);
}
END_TEST

START_TEST(text_non_ascii_and_control) {
        static const char *const bad[] = {
                "ON\xc3\xa9", "\xff", "T\x80GGLE", "ON pid=42\xa0", "\tON", "O\x01N",
                "ON\r", "ON\x7f", "ON\x1b", "BLINK\t500",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                struct msgq_request req;
                uint32_t status;

                ck_assert_msg(text(bad[i], &req, &status) == -EBADMSG, "case %zu", i);
                ck_assert_uint_eq(status, MSGQ_ERR_MALFORMED);
                ck_assert_uint_eq(req.flags, MSGQ_REQ_NO_REPLY);
                ck_assert_uint_eq(req.pid, 0);
        }
        /* A NUL inside the text. */
        expect_text_reject("ON\0OFF", 6, -EBADMSG, MSGQ_ERR_MALFORMED);
}
END_TEST

START_TEST(text_length_limit) {
        char body[MSGQ_MSG_MAX + 1];
        struct msgq_request req;
        uint32_t status;

        /* Exactly MSGQ_TEXT_MAX bytes of text, with and without a tail. */
        memset(body, ' ', sizeof body);
        memcpy(body, "ON", 2);
        ck_assert_int_eq(msgq_text_decode(body, MSGQ_TEXT_MAX, 1, &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_ON);
        body[MSGQ_TEXT_MAX] = '\n';
        body[MSGQ_TEXT_MAX + 1] = '\0';
        ck_assert_int_eq(msgq_text_decode(body, MSGQ_TEXT_MAX + 2, 1, &req, &status), 0);

        /* One more. */
        memset(body, ' ', sizeof body);
        memcpy(body, "ON", 2);
        expect_text_reject(body, MSGQ_TEXT_MAX + 1, -EMSGSIZE, MSGQ_ERR_TOO_LARGE);
        body[MSGQ_TEXT_MAX + 1] = '\n';
        body[MSGQ_TEXT_MAX + 2] = '\0';
        expect_text_reject(body, MSGQ_TEXT_MAX + 3, -EMSGSIZE, MSGQ_ERR_TOO_LARGE);
        expect_text_reject(body, sizeof body, -EMSGSIZE, MSGQ_ERR_TOO_LARGE);
}
END_TEST

/* ---- text replies ---- */

static const char *format(const struct msgq_reply *rep) {
        static char buf[512];
        int n;

        memset(buf, 'Z', sizeof buf);
        n = msgq_text_reply_format(rep, buf, sizeof buf);
        ck_assert_int_ge(n, 0);
        ck_assert_uint_eq((size_t) n, strlen(buf));
        return buf;
}

START_TEST(text_reply_format_ok) {
        struct msgq_reply rep;

        rep = make_rep(MSGQ_OP_PING);
        rep.daemon_pid = 4242;
        ck_assert_str_eq(format(&rep), "OK pong pid=4242");

        rep = make_rep(MSGQ_OP_SEND);
        ck_assert_str_eq(format(&rep), "OK");
        rep = make_rep(MSGQ_OP_EXIT);
        ck_assert_str_eq(format(&rep), "OK");
}
END_TEST

START_TEST(text_reply_format_led) {
        static const uint16_t ops[] = { MSGQ_OP_LED_ON, MSGQ_OP_LED_OFF, MSGQ_OP_LED_TOGGLE,
                                        MSGQ_OP_LED_STATE, MSGQ_OP_LED_BLINK };

        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
                struct msgq_reply rep = make_rep(ops[i]);

                rep.led.on = 1;
                ck_assert_str_eq(format(&rep), "OK led=on");
                rep.led.on = 0;
                ck_assert_str_eq(format(&rep), "OK led=off");
                rep.led.blinking = 1;
                ck_assert_str_eq(format(&rep), "OK led=off blinking");
                rep.led.on = 1;
                ck_assert_str_eq(format(&rep), "OK led=on blinking");
        }
}
END_TEST

START_TEST(text_reply_format_stats) {
        struct msgq_reply rep = make_rep(MSGQ_OP_STATS);

        rep.stats.uptime_ms = 123456789012ull;
        rep.stats.errors = 17;
        rep.led.on = 1;
        ck_assert_str_eq(format(&rep), "OK uptime_ms=123456789012 errors=17 led=on");
        rep.led.on = 0;
        rep.stats.uptime_ms = 0;
        rep.stats.errors = 0;
        ck_assert_str_eq(format(&rep), "OK uptime_ms=0 errors=0 led=off");
}
END_TEST

START_TEST(text_reply_format_error) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LED_BLINK);

        rep.status = MSGQ_ERR_INVALID;
        strcpy(rep.error, "period out of range");
        ck_assert_str_eq(format(&rep), "ERR invalid argument: period out of range");
        rep.error[0] = '\0';
        ck_assert_str_eq(format(&rep), "ERR invalid argument");
        rep.status = MSGQ_ERR_UNKNOWN_OP;
        ck_assert_str_eq(format(&rep), "ERR unknown operation");
        rep.status = 99;
        strcpy(rep.error, "what");
        ck_assert_str_eq(format(&rep), "ERR unknown error: what");
        /* An error status wins over the op's figures. */
        rep = make_rep(MSGQ_OP_STATS);
        rep.status = MSGQ_ERR_SHUTDOWN;
        ck_assert_str_eq(format(&rep), "ERR daemon shutting down");
}
END_TEST


/* A line's name after the command and its numbers; any other word is refused. */
START_TEST(text_line_names) {
        static const char *const bad[] = { "ON pu$mp", "ON 1pump", "ON x234567890123456789012345678901y",
                                           "PING pump", "EXIT pump", "STATS pump", "ON pump extra",
                                           "BLINK pump 500", "BLINK 500 3 1 pump" };
        struct msgq_request req;
        uint32_t status;

        ck_assert_int_eq(text("ON pump", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_ON);
        ck_assert_str_eq(req.line_name, "pump");
        ck_assert_uint_eq(req.line, 0);
        ck_assert_int_eq(text("toggle Relay_2 pid=4242", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LED_TOGGLE);
        ck_assert_str_eq(req.line_name, "Relay_2");
        ck_assert_uint_eq(req.pid, 4242);
        ck_assert_int_eq(text("BLINK 500 3 buzzer", &req, &status), 0);
        ck_assert_uint_eq(req.arg0, 500);
        ck_assert_uint_eq(req.arg1, 3);
        ck_assert_str_eq(req.line_name, "buzzer");
        ck_assert_int_eq(text("BLINK 500 buzzer", &req, &status), 0);
        ck_assert_uint_eq(req.arg1, 0);
        ck_assert_str_eq(req.line_name, "buzzer");
        ck_assert_int_eq(text("STATE x234567890123456789012345678901", &req, &status), 0);
        ck_assert_str_eq(req.line_name, "x234567890123456789012345678901");
        ck_assert_int_eq(text("ON", &req, &status), 0);
        ck_assert_str_eq(req.line_name, "");
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                expect_text_reject_str(bad[i], -EINVAL, MSGQ_ERR_INVALID);
}
END_TEST

START_TEST(text_set) {
        static const char *const bad[] = { "SET", "SET pump", "SET pump=", "SET =on", "SET pump=maybe",
                                           "SET pump=on PUMP=off", "SET 1x=on", "SET pump=on pid=",
                                           "SET pump=onn", "SET pump==on" };
        struct msgq_request req;
        uint32_t status;

        ck_assert_int_eq(text("SET pump=on led=OFF k1=1 k2=0 pid=9", &req, &status), 0);
        ck_assert_uint_eq(req.op, MSGQ_OP_LINE_SET);
        ck_assert_uint_eq(req.pid, 9);
        ck_assert_uint_eq(req.nvalues, 4);
        ck_assert_str_eq(msgq_line_value_name(&req, 0), "pump");
        ck_assert_uint_eq(req.values[0].on, 1);
        ck_assert_str_eq(msgq_line_value_name(&req, 1), "led");
        ck_assert_uint_eq(req.values[1].on, 0);
        ck_assert_uint_eq(req.values[2].on, 1);
        ck_assert_uint_eq(req.values[3].on, 0);
        ck_assert_str_eq(req.line_name, "");
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                expect_text_reject_str(bad[i], -EINVAL, MSGQ_ERR_INVALID);
}
END_TEST

START_TEST(text_reply_format_lines) {
        struct msgq_reply rep = make_rep(MSGQ_OP_LED_BLINK);

        rep.led.on = 1;
        rep.led.blinking = 1;
        snprintf(rep.line_name, sizeof rep.line_name, "pump");
        ck_assert_str_eq(format(&rep), "OK pump=on blinking");
        rep = make_rep(MSGQ_OP_LINE_SET);
        rep.set_lines = 0x8000000000000001ull;
        ck_assert_str_eq(format(&rep), "OK set=2");
}
END_TEST

START_TEST(text_reply_format_buffer_too_small) {
        struct msgq_reply rep = make_rep(MSGQ_OP_PING);
        char buf[64];

        rep.daemon_pid = 4242; /* "OK pong pid=4242": 16 characters */
        ck_assert_int_eq(msgq_text_reply_format(&rep, buf, 16), -EMSGSIZE);
        ck_assert_int_eq(msgq_text_reply_format(&rep, buf, 1), -EMSGSIZE);
        ck_assert_int_eq(msgq_text_reply_format(&rep, buf, 0), -EMSGSIZE);
        ck_assert_int_eq(msgq_text_reply_format(&rep, buf, 17), 16);
        ck_assert_str_eq(buf, "OK pong pid=4242");

        rep = make_rep(MSGQ_OP_LED_ON);
        rep.status = MSGQ_ERR_LED;
        strcpy(rep.error, "cannot drive it");
        ck_assert_int_eq(msgq_text_reply_format(&rep, buf, 10), -EMSGSIZE);
        ck_assert_int_eq(msgq_text_reply_format(&rep, buf, sizeof buf),
                         (int) strlen("ERR LED error: cannot drive it"));
}
END_TEST

/* ---- names ---- */

START_TEST(op_names_round_trip) {
        static const char *const names[] = {
                [MSGQ_OP_PING] = "ping", [MSGQ_OP_LED_ON] = "led-on", [MSGQ_OP_LED_OFF] = "led-off",
                [MSGQ_OP_LED_TOGGLE] = "led-toggle", [MSGQ_OP_LED_STATE] = "led-state",
                [MSGQ_OP_LED_BLINK] = "led-blink", [MSGQ_OP_SEND] = "send",
                [MSGQ_OP_STATS] = "stats", [MSGQ_OP_EXIT] = "exit", [MSGQ_OP_LED_WATCH] = "led-watch",
        };

        for (size_t i = 0; i < N_OPS; i++) {
                uint16_t op = all_ops[i];

                ck_assert_str_eq(msgq_op_to_string(op), names[op]);
                ck_assert_int_eq(msgq_op_from_string(msgq_op_to_string(op)), op);
        }
}
END_TEST

START_TEST(op_names_unknown) {
        ck_assert_str_eq(msgq_op_to_string(0), "unknown");
        ck_assert_str_eq(msgq_op_to_string(_MSGQ_OP_MAX), "unknown");
        ck_assert_str_eq(msgq_op_to_string(200), "unknown");
        ck_assert_str_eq(msgq_op_to_string(UINT16_MAX), "unknown");

        ck_assert_int_eq(msgq_op_from_string("unknown"), -EINVAL);
        ck_assert_int_eq(msgq_op_from_string(""), -EINVAL);
        ck_assert_int_eq(msgq_op_from_string("LED-ON"), -EINVAL);
        ck_assert_int_eq(msgq_op_from_string("led_on"), -EINVAL);
        ck_assert_int_eq(msgq_op_from_string("led-on "), -EINVAL);
        ck_assert_int_eq(msgq_op_from_string("led"), -EINVAL);
}
END_TEST

START_TEST(status_names) {
        for (uint32_t i = 0; i < _MSGQ_ERR_MAX; i++) {
                const char *s = msgq_status_to_string(i);

                ck_assert_ptr_nonnull(s);
                ck_assert_str_ne(s, "unknown error");
                for (uint32_t k = 0; k < i; k++)
                        ck_assert_str_ne(s, msgq_status_to_string(k));
        }
        ck_assert_str_eq(msgq_status_to_string(MSGQ_OK), "ok");
        ck_assert_str_eq(msgq_status_to_string(MSGQ_ERR_INVALID), "invalid argument");
        ck_assert_str_eq(msgq_status_to_string(_MSGQ_ERR_MAX), "unknown error");
        ck_assert_str_eq(msgq_status_to_string(UINT32_MAX), "unknown error");
}
END_TEST

START_TEST(reply_types_clear_of_requests) {
        ck_assert_int_gt(msgq_reply_type(1), MSGQ_PRIO_MAX);
        ck_assert_int_eq(msgq_reply_type(1), MSGQ_REPLY_BASE + 1);
        ck_assert_int_eq(msgq_reply_type(4242), 1000004242L);
        ck_assert_int_gt(msgq_reply_type(MSGQ_PID_MAX), msgq_reply_type(MSGQ_PID_MAX - 1));
        ck_assert_int_gt(msgq_reply_type(MSGQ_PID_MAX), 0); /* no overflow of a 32-bit long */

        ck_assert(!msgq_prio_valid(0));
        ck_assert(msgq_prio_valid(MSGQ_PRIO_MIN));
        ck_assert(msgq_prio_valid(MSGQ_PRIO_DEFAULT));
        ck_assert(msgq_prio_valid(MSGQ_PRIO_MAX));
        ck_assert(!msgq_prio_valid(MSGQ_PRIO_MAX + 1));
        ck_assert(!msgq_prio_valid(-1));
        ck_assert(!msgq_prio_valid(msgq_reply_type(1)));
}
END_TEST

static Suite *protocol_suite(void) {
        Suite *s = suite_create("protocol");
        TCase *request = tcase_create("request");
        TCase *reply = tcase_create("reply");
        TCase *textform = tcase_create("text");
        TCase *textreply = tcase_create("text-reply");
        TCase *names = tcase_create("names");

        tcase_add_test(request, request_round_trip_every_op);
        tcase_add_test(request, request_wire_layout);
        tcase_add_test(request, request_encode_limits);
        tcase_add_test(request, request_flag_no_reply_survives);
        tcase_add_test(request, request_bad_magic);
        tcase_add_test(request, request_wrong_version);
        tcase_add_test(request, request_truncated_every_length);
        tcase_add_test(request, request_truncated_with_bad_pid_has_no_address);
        tcase_add_test(request, request_text_len_disagrees);
        tcase_add_test(request, request_line_field);
        tcase_add_test(request, request_line_set_round_trip);
        tcase_add_test(request, request_line_set_bad);
        tcase_add_test(request, request_line_list_args);
        tcase_add_test(request, request_pid_range);
        tcase_add_test(request, request_oversized);
        tcase_add_test(request, request_unknown_op);
        tcase_add_test(request, request_unknown_flags);
        tcase_add_test(request, request_flag_time);
        tcase_add_test(request, request_blink_limits);
        tcase_add_test(request, request_args_on_ops_without_args);
        tcase_add_test(request, request_send_text_rules);
        tcase_add_test(request, request_send_text_max);
        tcase_add_test(request, request_has_address_bounds);
        tcase_add_test(request, body_is_binary);
        suite_add_tcase(s, request);

        tcase_add_test(reply, reply_led_ops_round_trip);
        tcase_add_test(reply, reply_wire_layout);
        tcase_add_test(reply, reply_led_time);
        tcase_add_test(reply, reply_changes_only_with_led_state);
        tcase_add_test(reply, reply_stats_round_trip);
        tcase_add_test(reply, reply_no_payload_ops);
        tcase_add_test(reply, reply_error_round_trip);
        tcase_add_test(reply, reply_error_text_limits);
        tcase_add_test(reply, reply_error_control_chars_rejected);
        tcase_add_test(reply, reply_wrong_payload_length);
        tcase_add_test(reply, reply_truncated_every_length);
        tcase_add_test(reply, reply_bad_magic_and_version);
        tcase_add_test(reply, reply_encode_buffer_too_small);
        tcase_add_test(reply, reply_led_line_index);
        tcase_add_test(reply, reply_line_set);
        tcase_add_test(reply, reply_line_list);
        tcase_add_test(reply, reply_line_list_fills_one_message);
        tcase_add_test(reply, reply_line_watch);
        tcase_add_test(reply, reply_line_events);
        tcase_add_test(reply, reply_input_list);
        suite_add_tcase(s, reply);

        tcase_add_test(textform, text_every_command_any_case);
        tcase_add_test(textform, text_trailing_nul_and_newline);
        tcase_add_test(textform, text_extra_spaces);
        tcase_add_test(textform, text_pid_gives_reply_address);
        tcase_add_test(textform, text_bad_pid);
        tcase_add_test(textform, text_error_after_pid_is_answered);
        tcase_add_test(textform, text_blink_arguments);
        tcase_add_test(textform, text_blink_bad_numbers);
        tcase_add_test(textform, text_unknown_command);
        tcase_add_test(textform, text_too_many_words);
        tcase_add_test(textform, text_too_many_words_keeps_reply_address);
        tcase_add_test(textform, text_empty_and_blank);
        tcase_add_test(textform, text_non_ascii_and_control);
        tcase_add_test(textform, text_length_limit);
        tcase_add_test(textform, text_line_names);
        tcase_add_test(textform, text_set);
        tcase_add_test(textform, text_reply_format_lines);
        suite_add_tcase(s, textform);

        tcase_add_test(textreply, text_reply_format_ok);
        tcase_add_test(textreply, text_reply_format_led);
        tcase_add_test(textreply, text_reply_format_stats);
        tcase_add_test(textreply, text_reply_format_error);
        tcase_add_test(textreply, text_reply_format_buffer_too_small);
        suite_add_tcase(s, textreply);

        tcase_add_test(names, op_names_round_trip);
        tcase_add_test(names, op_names_unknown);
        tcase_add_test(names, status_names);
        tcase_add_test(names, reply_types_clear_of_requests);
        suite_add_tcase(s, names);
        return s;
}

int main(void) {
        return unit_run(protocol_suite());
}
