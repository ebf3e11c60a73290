/* SPDX-License-Identifier: MIT */
/*
 * Integration: the real msgqd --sim with [output NAME] sections, its line
 * table served (doc/PROTOCOL.md, Lines): every operation on a line by
 * index and by name, line-set, line-list and line-watch, through the
 * project's client code and through raw text and binary requests.  The
 * table: 0 led, 1 pump (start on, a relay), 2 buzzer (stop keep).
 */
#include <check.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "config.h"
#include "harness.h"
#include "protocol.h"
#include "queue.h"

static struct daemon dmn;
static char conf[512];

static const char outputs_conf[] =
        "[msgq]\n"
        "mode = 0600\n"
        "[output pump]\n"
        "gpio = GPIO27\n"
        "start = on\n"
        "kind = relay\n"
        "[output buzzer]\n"
        "gpio = gpiochip0:5\n"
        "stop = keep\n"
        "description = the buzzer by the door\n";

/* msgq.conf in the test's own directory, which the harness removes (kept when a test failed). */
static void write_conf(const char *text) {
        int fd;

        snprintf(conf, sizeof conf, "%s/msgq.conf", harness_state_dir());
        fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "%s", text), 0);
        close(fd);
}

static void start_with(const char *text) {
        const char *extra[] = { "-c", conf, NULL };

        write_conf(text);
        daemon_start_checked(&dmn, test_key(), extra);
}

static void start(void) {
        start_with(outputs_conf);
}

static void stop(void) {
        daemon_stop_checked(&dmn);
        unlink(conf);
}

/* One request through the client code; the reply, whatever its status. */
static struct msgq_reply call(struct msgq_request req) {
        struct msgq_client c;
        struct msgq_reply rep;
        int r;

        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, scaled(3000));
        msgq_client_close(&c);
        ck_assert_msg(r == 0, "call %s failed: %s", msgq_op_to_string(req.op), strerror(-r));
        return rep;
}

static struct msgq_reply call_ok(struct msgq_request req) {
        struct msgq_reply rep = call(req);

        ck_assert_msg(rep.status == MSGQ_OK, "%s: status %u: %s", msgq_op_to_string(req.op), rep.status,
                      rep.error);
        return rep;
}

static struct msgq_reply line_op(uint16_t op, uint16_t line, uint32_t a0, uint32_t a1) {
        return call((struct msgq_request) { .op = op, .line = line, .arg0 = a0, .arg1 = a1 });
}

/* msgqd's last change number (line-list's header). */
static uint64_t last_change(void) {
        return call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST }).led.changes;
}

static struct msgq_reply line_set(const uint16_t *line, const bool *on, size_t n) {
        struct msgq_request req = { .op = MSGQ_OP_LINE_SET, .nvalues = (uint16_t) n };

        for (size_t i = 0; i < n; i++)
                req.values[i] = (struct msgq_line_value) { .line = line[i], .on = on[i] };
        return call(req);
}

static struct msgq_reply line_watch(uint16_t line, uint64_t since) {
        return line_op(MSGQ_OP_LINE_WATCH, line, (uint32_t) since, (uint32_t) (since >> 32));
}

/* The text reply to this process, within 3 s, into out (size bytes, NUL-terminated); its length or -1. */
static ssize_t text_reply(int id, char *out, size_t size) {
        long mtype;
        ssize_t got = -1;

        for (int waited = 0; waited < scaled(3000) && got < 0; waited += 5) {
                got = msgq_queue_recv(id, msgq_reply_type((uint32_t) getpid()), &mtype, out, size - 1,
                                      IPC_NOWAIT | MSG_NOERROR);
                if (got < 0)
                        sleep_ms(5);
        }
        out[got > 0 ? got : 0] = '\0';
        return got;
}

/* A text request; with reply, its answer (else ""). */
static const char *text(const char *cmd, bool reply) {
        static char out[MSGQ_MSG_MAX + 1];
        char body[300];
        int id = msgq_queue_open(dmn.key), n;

        ck_assert_int_ge(id, 0);
        if (reply)
                n = snprintf(body, sizeof body, "%s pid=%d", cmd, (int) getpid());
        else
                n = snprintf(body, sizeof body, "%s", cmd);
        ck_assert_int_eq(msgq_queue_send(id, MSGQ_PRIO_DEFAULT, body, (size_t) n, 0), 0);
        out[0] = '\0';
        ck_assert_msg(!reply || text_reply(id, out, sizeof out) >= 0, "no reply to '%s'", cmd);
        return out;
}

START_TEST(list_the_lines) {
        struct msgq_reply rep;

        start();
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST });
        ck_assert_uint_eq(rep.list_total, 3);
        ck_assert_uint_eq(rep.list_count, 3);
        ck_assert_str_eq(rep.list[0].name, "led");
        ck_assert_str_eq(rep.list[1].name, "pump");
        ck_assert_str_eq(rep.list[2].name, "buzzer");
        for (int i = 0; i < 3; i++) {
                ck_assert_uint_eq(rep.list[i].st.line, i);
                ck_assert_str_eq(rep.list[i].chip, "sim");
                ck_assert_uint_eq(rep.list[i].by_pid, 0); /* as msgqd started them */
        }
        ck_assert_uint_eq(rep.list[0].flags, 0);
        ck_assert_uint_eq(rep.list[1].flags, (MSGQ_LED_START_ON << MSGQ_LINE_F_START_SHIFT) | MSGQ_LINE_F_RELAY);
        ck_assert_uint_eq(rep.list[2].flags, MSGQ_LINE_F_STOP_KEEP);
        ck_assert(!rep.list[0].st.led.on);
        ck_assert(rep.list[1].st.led.on); /* start = on */
        ck_assert(!rep.list[2].st.led.on);
        /* From an index on; past the last, none. */
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST, .arg0 = 2 });
        ck_assert_uint_eq(rep.list_total, 3);
        ck_assert_uint_eq(rep.list_count, 1);
        ck_assert_str_eq(rep.list[0].name, "buzzer");
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST, .arg0 = 3 });
        ck_assert_uint_eq(rep.list_count, 0);
        stop();
}
END_TEST

/* Text requests name their line; a name msgqd does not have is named in the error. */
START_TEST(text_names_lines) {
        start();
        ck_assert_str_eq(text("OFF pump", true), "OK pump=off");
        ck_assert_str_eq(text("STATE PUMP", true), "OK pump=off"); /* any case; named as configured */
        ck_assert_str_eq(text("BLINK 500 3 buzzer", true), "OK buzzer=on blinking");
        ck_assert_str_eq(text("TOGGLE led", true), "OK led=on");
        ck_assert_str_eq(text("STATE", true), "OK led=on");
        ck_assert_str_eq(text("SET pump=on led=off", true), "OK set=2");
        ck_assert_str_eq(text("STATE pump", true), "OK pump=on");
        ck_assert_str_eq(text("STATE led", true), "OK led=off");
        ck_assert_str_eq(text("STATE buzzer", true), "OK buzzer=on blinking");
        ck_assert_str_eq(text("ON pmup", true), "ERR invalid argument: no line 'pmup'");
        ck_assert_str_eq(text("SET pump=off pmup=on", true), "ERR invalid argument: no line 'pmup'");
        ck_assert_str_eq(text("STATE pump", true), "OK pump=on"); /* the bad SET changed nothing */
        ck_assert_str_eq(text("SET pump=off PUMP=on", true), "ERR invalid argument: line 'PUMP' named twice");
        ck_assert_str_eq(text("STATE pump", true), "OK pump=on");
        stop();
}
END_TEST

/* A text word refused is named in the answer, with the rule it broke; nothing changes. */
START_TEST(text_words_named) {
        start();
        ck_assert_str_eq(text("ON abcdefghijabcdefghijabcdefghijab", true), /* 32 characters */
                         "ERR invalid argument: 'abcdefghijabcdefghijabcdefghijab': a line's name is 1 to 31 "
                         "letters, digits, '-' and '_', starting with a letter");
        ck_assert_str_eq(text("SET buzzer=on pump=2", true),
                         "ERR invalid argument: 'pump=2': VALUE is on, off, 1 or 0");
        ck_assert_str_eq(text("SET buzzer=on pump", true), "ERR invalid argument: 'pump': not NAME=VALUE");
        ck_assert_str_eq(text("SET 9pump=off", true),
                         "ERR invalid argument: '9pump=off': a line's name is 1 to 31 letters, digits, '-' and "
                         "'_', starting with a letter");
        ck_assert_str_eq(text("STATE pump", true), "OK pump=on");
        ck_assert_str_eq(text("STATE buzzer", true), "OK buzzer=off");
        stop();
}
END_TEST

/*
 * A text request longer than 256 bytes that ends with pid= (a SET of many
 * lines) is answered, naming the limit, not left without a reply; it
 * changes nothing.  One the kernel cut (over 512 bytes) has no pid= left.
 */
START_TEST(text_too_long_answered) {
        char body[MSGQ_MSG_MAX], out[MSGQ_MSG_MAX + 1];
        int id, n = snprintf(body, sizeof body, "SET");

        start();
        ck_assert_str_eq(text("STATE pump", true), "OK pump=on");
        while (n < 300)
                n += snprintf(body + n, sizeof body - (size_t) n, " pump=off buzzer=on");
        n += snprintf(body + n, sizeof body - (size_t) n, " pid=%d", (int) getpid());
        id = msgq_queue_open(dmn.key);
        ck_assert_int_ge(id, 0);
        ck_assert_int_eq(msgq_queue_send(id, MSGQ_PRIO_DEFAULT, body, (size_t) n, 0), 0);
        ck_assert_msg(text_reply(id, out, sizeof out) >= 0, "no reply to a text request of %d bytes", n);
        ck_assert_str_eq(out, "ERR request too large: a text request is at most 256 bytes");
        ck_assert_str_eq(text("STATE pump", true), "OK pump=on");
        ck_assert_str_eq(text("STATE buzzer", true), "OK buzzer=off");
        stop();
}
END_TEST

/* Ops 2 to 6 by index: the line's state, its index in the payload; an index out of range is status 4. */
START_TEST(binary_ops_by_index) {
        struct msgq_reply rep;
        uint64_t before;

        start();
        rep = line_op(MSGQ_OP_LED_ON, 2, 0, 0);
        ck_assert(rep.status == MSGQ_OK && rep.led.on && rep.line == 2);
        before = rep.led.changes;
        rep = line_op(MSGQ_OP_LED_TOGGLE, 2, 0, 0);
        ck_assert(rep.status == MSGQ_OK && !rep.led.on && rep.line == 2);
        ck_assert_uint_eq(rep.led.changes, before + 1);
        rep = line_op(MSGQ_OP_LED_BLINK, 1, 200, 0);
        ck_assert(rep.status == MSGQ_OK && rep.led.blinking && rep.led.period_ms == 200 && rep.line == 1);
        rep = line_op(MSGQ_OP_LED_OFF, 1, 0, 0);
        ck_assert(rep.status == MSGQ_OK && !rep.led.on && !rep.led.blinking && rep.line == 1);
        rep = line_op(MSGQ_OP_LED_STATE, 0, 0, 0);
        ck_assert(rep.status == MSGQ_OK && !rep.led.on && rep.line == 0);
        /* The default output's last change: none yet, so the number msgqd started with, 1 (pump's start = on). */
        ck_assert_uint_eq(rep.led.changes, 1);
        /* stats: the default output's state. */
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_STATS });
        ck_assert(!rep.led.on && rep.line == 0);
        for (uint16_t op = MSGQ_OP_LED_ON; op <= MSGQ_OP_LED_BLINK; op++) {
                rep = line_op(op, 3, op == MSGQ_OP_LED_BLINK ? 500 : 0, 0);
                ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
                ck_assert_str_eq(rep.error, "no line 3: msgqd has 3 lines (0 to 2)");
        }
        rep = line_op(MSGQ_OP_LED_WATCH, 7, 0, 0);
        ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
        rep = line_op(MSGQ_OP_LINE_WATCH, 3, 0, 0);
        ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
        stop();
}
END_TEST

/*
 * A line-set of several lines: each line that changed is one change,
 * numbered in the order of the request; a bad entry changes nothing.
 */
START_TEST(line_set_in_order) {
        static const uint16_t line[] = { 2, 0, 1 };
        static const bool on[] = { true, true, false };
        struct msgq_reply rep;
        uint64_t n;

        start();
        n = last_change();
        rep = line_set(line, on, 3); /* buzzer on, led on, pump off: three changes */
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.set_lines, 0x7);
        ck_assert_uint_eq(rep.set_on, 0x5);
        ck_assert_uint_eq(rep.set_first, n + 1);
        ck_assert_uint_eq(rep.led.changes, n + 3);
        rep = line_watch(MSGQ_LINE_ALL, n);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.missed, 0);
        ck_assert_uint_eq(rep.nchanges, 3);
        for (int i = 0; i < 3; i++) {
                ck_assert_uint_eq(rep.changes_after[i].st.line, line[i]);
                ck_assert_uint_eq(rep.changes_after[i].st.led.changes, n + 1 + i);
                ck_assert_uint_eq(rep.changes_after[i].st.led.on, on[i]);
                /* Each line's first change since the start; pump's second (its start = on was one). */
                ck_assert_uint_eq(rep.changes_after[i].st.seq, line[i] == 1 ? 2 : 1);
                ck_assert_uint_gt(rep.changes_after[i].time_ns, 0);
        }
        ck_assert_uint_eq(rep.led.changes, n + 3);
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST });
        for (int i = 0; i < 3; i++)
                ck_assert_uint_eq(rep.list[i].by_pid, (uint32_t) getpid());
        /* The same again: nothing changes, and the last change of the last line is told. */
        rep = line_set(line, on, 3);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.set_first, 0);
        ck_assert_uint_eq(rep.led.changes, n + 3);
        /* An index out of range after a good entry: refused, nothing changed. */
        {
                static const uint16_t bad[] = { 1, 5 };
                static const bool bad_on[] = { true, true };

                rep = line_set(bad, bad_on, 2);
                ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
                ck_assert_str_eq(rep.error, "no line 5: msgqd has 3 lines (0 to 2)");
        }
        ck_assert_uint_eq(last_change(), n + 3);
        ck_assert_str_eq(text("STATE pump", true), "OK pump=off");
        stop();
}
END_TEST

/*
 * A watch more than 1024 changes behind is told how many it missed, then
 * the oldest kept, in order; one ahead of msgqd is refused with msgqd's number.
 */
START_TEST(line_watch_missed) {
        struct msgq_client c;
        struct msgq_reply rep;
        uint64_t n, last;

        start();
        n = last_change();
        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        for (int i = 0; i < 1030; i++) {
                struct msgq_request req = { .op = MSGQ_OP_LED_TOGGLE, .line = (uint16_t) (i % 3) };

                ck_assert_int_eq(msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, scaled(3000)), 0);
                ck_assert_uint_eq(rep.status, MSGQ_OK);
        }
        msgq_client_close(&c);
        last = n + 1030;
        ck_assert_uint_eq(last_change(), last);
        rep = line_watch(MSGQ_LINE_ALL, n);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.missed, 6);
        ck_assert_uint_eq(rep.nchanges, MSGQ_CHANGES_MAX);
        for (int i = 0; i < MSGQ_CHANGES_MAX; i++) {
                ck_assert_uint_eq(rep.changes_after[i].st.led.changes, n + 7 + i);
                ck_assert_uint_eq(rep.changes_after[i].st.line, (6 + i) % 3);
        }
        ck_assert_uint_eq(rep.led.changes, n + 6 + MSGQ_CHANGES_MAX);
        /* One line only: its changes, and the missed ones of every line. */
        rep = line_watch(1, n);
        ck_assert_uint_eq(rep.missed, 6);
        ck_assert_uint_eq(rep.changes_after[0].st.line, 1);
        ck_assert_uint_eq(rep.changes_after[0].st.led.changes, n + 8);
        ck_assert_uint_eq(rep.changes_after[1].st.led.changes, n + 11);
        /* Close behind: nothing missed. */
        rep = line_watch(MSGQ_LINE_ALL, last - 2);
        ck_assert_uint_eq(rep.missed, 0);
        ck_assert_uint_eq(rep.nchanges, 2);
        /* Ahead: status 4, naming msgqd's last. */
        rep = line_watch(MSGQ_LINE_ALL, last + 5);
        ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
        ck_assert_msg(strstr(rep.error, fmt("change %llu is ahead of msgqd's last, %llu",
                                            (unsigned long long) last + 5, (unsigned long long) last)),
                      "%s", rep.error);
        stop();
}
END_TEST

/*
 * A binary line-set refused for an entry the decoder cannot take (an index
 * past 64, a value 2, a pad byte set, a length not of whole entries) names
 * the entry and what is wrong with it, as an index past the table does, and
 * changes nothing.
 */
static const char *line_set_raw(int id, size_t entry, const unsigned char bytes[4], size_t len) {
        static struct msgq_reply rep;
        struct msgq_request req = { .pid = (uint32_t) getpid(), .token = 90 + entry, .op = MSGQ_OP_LINE_SET,
                                    .nvalues = 2, .deadline_ns = msgq_now_ns() + 5000000000u };
        unsigned char body[MSGQ_MSG_MAX];

        req.values[0] = (struct msgq_line_value) { .line = 1, .on = 1 };
        req.values[1] = (struct msgq_line_value) { .line = 2, .on = 1 };
        ck_assert_int_eq(msgq_request_encode(&req, body, sizeof body), MSGQ_REQUEST_HEADER_SIZE + 8);
        memcpy(body + MSGQ_REQUEST_HEADER_SIZE + entry * MSGQ_LINE_SET_ENTRY, bytes, 4);
        body[36] = (unsigned char) (len - MSGQ_REQUEST_HEADER_SIZE); /* text_len, little-endian */
        ck_assert_int_eq(msgq_queue_send(id, MSGQ_PRIO_DEFAULT, body, len, 0), 0);
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.token, 90 + entry);
        ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
        return rep.error;
}

START_TEST(line_set_bad_entries) {
        size_t whole = MSGQ_REQUEST_HEADER_SIZE + 8;
        uint64_t n;
        int id;

        start();
        ck_assert_uint_eq(htole16(1), 1); /* the offsets below are a little-endian host's */
        id = msgq_queue_open(dmn.key);
        ck_assert_int_ge(id, 0);
        n = last_change();
        ck_assert_str_eq(line_set_raw(id, 1, (const unsigned char[]) { 0xff, 0xff, 1, 0 }, whole),
                         "line-set entry 1 (line 65535, value 1, pad 0): no such line (at most 64)");
        ck_assert_str_eq(line_set_raw(id, 1, (const unsigned char[]) { 2, 0, 2, 0 }, whole),
                         "line-set entry 1 (line 2, value 2, pad 0): value not 0 (off) or 1 (on)");
        ck_assert_str_eq(line_set_raw(id, 0, (const unsigned char[]) { 1, 0, 1, 1 }, whole),
                         "line-set entry 0 (line 1, value 1, pad 1): pad byte not 0");
        ck_assert_str_eq(line_set_raw(id, 0, (const unsigned char[]) { 1, 0, 1, 0 }, whole - 2),
                         "line-set takes 1 to 64 entries of 4 bytes, not 6 bytes");
        ck_assert_uint_eq(last_change(), n);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        stop();
}
END_TEST

/*
 * A led-watch of line 2 waits through a change of line 1 and is answered
 * by line 2's; a line-watch of line 2 likewise.  The changes are text
 * requests queued after the watches, served in order.
 */
START_TEST(watch_of_one_line) {
        int id;
        uint64_t n;
        struct msgq_reply rep;

        start();
        id = msgq_queue_open(dmn.key);
        ck_assert_int_ge(id, 0);
        n = last_change();
        watch_by_hand(id, MSGQ_OP_LED_WATCH, 2, n, 77);
        text("OFF pump", false);  /* change n + 1, of line 1 */
        text("ON buzzer", false); /* n + 2, of line 2 */
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.token, 77);
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        ck_assert_uint_eq(rep.line, 2);
        ck_assert(rep.led.on);
        ck_assert_uint_eq(rep.led.changes, n + 2);
        /* Asked again from n: line 2's first change after n, not line 1's. */
        rep = line_op(MSGQ_OP_LED_WATCH, 2, (uint32_t) n, 0);
        ck_assert_uint_eq(rep.led.changes, n + 2);

        watch_by_hand(id, MSGQ_OP_LINE_WATCH, 2, n + 2, 78);
        text("ON pump", false);    /* n + 3, line 1 */
        text("OFF buzzer", false); /* n + 4, line 2 */
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.token, 78);
        ck_assert_uint_eq(rep.nchanges, 1);
        ck_assert_uint_eq(rep.changes_after[0].st.line, 2);
        ck_assert_uint_eq(rep.changes_after[0].st.led.changes, n + 4);
        ck_assert_uint_eq(rep.changes_after[0].st.seq, 2);
        ck_assert_uint_eq(rep.led.changes, n + 4);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        stop();
}
END_TEST

/* Two lines blink at their own periods: the short blink ends while the long one goes on. */
START_TEST(blink_two_lines) {
        struct msgq_reply rep;
        uint64_t n;

        start();
        rep = line_op(MSGQ_OP_LED_BLINK, 2, 2000, 0); /* buzzer: forever, a toggle a second */
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        rep = line_op(MSGQ_OP_LED_BLINK, 1, 40, 2); /* pump: two blinks of 40 ms */
        ck_assert_uint_eq(rep.status, MSGQ_OK);
        n = rep.led.changes;
        /* The pump's blink ends (msgqd's own change); the buzzer still blinks at its period. */
        rep = line_watch(1, n); /* waits in msgqd for the end */
        ck_assert_uint_eq(rep.nchanges, 1);
        ck_assert(!rep.changes_after[0].st.led.blinking && !rep.changes_after[0].st.led.on);
        ck_assert_uint_eq(rep.changes_after[0].st.line, 1);
        rep = line_op(MSGQ_OP_LED_STATE, 2, 0, 0);
        ck_assert(rep.led.blinking && rep.led.period_ms == 2000);
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST });
        ck_assert_uint_eq(rep.list[1].by_pid, 0); /* the blink's end: msgqd's */
        stop();
}
END_TEST

/* A reload applies each output's stop: pump, on, is left on at the stop once its section says keep. */
START_TEST(reload_applies_stop) {
        FILE *f;

        start();
        ck_assert_str_eq(text("STATE pump", true), "OK pump=on");
        f = fopen(conf, "w"); /* buzzer now stops off, as by default */
        ck_assert_ptr_nonnull(f);
        fputs("[msgq]\nmode = 0600\n[output pump]\ngpio = GPIO27\nstart = on\nstop = keep\n"
              "[output buzzer]\ngpio = gpiochip0:5\n", f);
        ck_assert_int_eq(fclose(f), 0);
        ck_assert_int_eq(kill(dmn.pid, SIGHUP), 0);
        ck_assert_msg(daemon_log_wait(&dmn, "configuration reloaded", scaled(3000)), "%s", daemon_log(&dmn));
        stop();
        ck_assert_msg(strstr(daemon_log(&dmn), "pump left on (stop = keep)"), "%s", daemon_log(&dmn));
        ck_assert_msg(strstr(daemon_log(&dmn), "buzzer left") == NULL, "%s", daemon_log(&dmn));
}
END_TEST

/* Each change is logged with the line's name in its message. */
START_TEST(log_names_the_line) {
        start();
        ck_assert_str_eq(text("OFF pump", true), "OK pump=off");
        ck_assert_str_eq(text("BLINK 500 2 buzzer", true), "OK buzzer=on blinking");
        ck_assert_str_eq(text("ON", true), "OK led=on");
        ck_assert_msg(daemon_log_wait(&dmn, "pump off (request from pid", scaled(2000)), "%s", daemon_log(&dmn));
        ck_assert_msg(daemon_log_wait(&dmn, "buzzer blinking, period 500 ms, 2 blinks (request from pid",
                                      scaled(2000)), "%s", daemon_log(&dmn));
        ck_assert_msg(daemon_log_wait(&dmn, "LED on (request from pid", scaled(2000)), "%s", daemon_log(&dmn));
        stop();
}
END_TEST

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "w");

        ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
}

/* This test's process in a mount namespace of its own (and, not root, a user namespace as itself). */
static void private_namespace(void) {
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
}

/*
 * In the journal, each change carries MSGQ_LINE=NAME: msgqd run as under
 * systemd (JOURNAL_STREAM), in a mount namespace of this test's own whose
 * /run holds the journal's socket, bound here; what msgqd sends is read
 * from it.
 */
/* The journal's socket in a /run of this test's own, bound here, and msgqd started logging to it. */
static int journal_start(struct sockaddr_un *sa) {
        const char *env[] = { NULL, NULL };
        int sock;

        private_namespace();
        ck_assert_msg(mount("msgq-test", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755") == 0,
                      "mount tmpfs on /run: %s", strerror(errno));
        ck_assert_int_eq(mkdir("/run/systemd", 0755), 0);
        ck_assert_int_eq(mkdir("/run/systemd/journal", 0755), 0);
        *sa = (struct sockaddr_un) { .sun_family = AF_UNIX };
        snprintf(sa->sun_path, sizeof sa->sun_path, "/run/systemd/journal/socket");
        sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(sock, 0);
        ck_assert_int_eq(bind(sock, (struct sockaddr *) sa, sizeof *sa), 0);
        write_conf(outputs_conf);
        env[0] = fmt("MSGQ_TEST_CONF=%s", conf);
        ck_assert_int_eq(daemon_start_env(&dmn, test_key(), test_source("msgqd-journal-stream.sh"), env, NULL), 0);
        return sock;
}

/* Whether what msgqd sent the journal holds an entry with both strings, waiting up to 3 s for it. */
static bool journal_has(int sock, const char *a, const char *b) {
        char buf[8192];

        for (int waited = 0; waited < scaled(3000);) {
                ssize_t n = recv(sock, buf, sizeof buf - 1, MSG_DONTWAIT);

                if (n < 0) {
                        sleep_ms(5);
                        waited += 5;
                        continue;
                }
                buf[n] = '\0';
                if (strstr(buf, a) && strstr(buf, b))
                        return true;
        }
        return false;
}

START_TEST(journal_line_field) {
        struct sockaddr_un sa;
        int sock;

        sock = journal_start(&sa);
        ck_assert_str_eq(text("OFF pump", true), "OK pump=off");
        ck_assert_str_eq(text("ON led", true), "OK led=on");
        /* In the order of the requests: the serving thread logs one after the other. */
        ck_assert_msg(journal_has(sock, "MESSAGE=pump off (request from pid", "\nMSGQ_LINE=pump\n"),
                      "no change of pump with its MSGQ_LINE= in what msgqd sent the journal");
        ck_assert_msg(journal_has(sock, "MESSAGE=LED on (request from pid", "\nMSGQ_LINE=led\n"),
                      "no change of the LED with its MSGQ_LINE= in what msgqd sent the journal");
        close(sock);
        stop();
}
END_TEST

/*
 * A journal that is behind does not hold back a reply: with the journal's
 * socket full (nothing reads it, as journald when it falls behind), a
 * change is answered at once, and its entry follows once the journal
 * reads again.
 */
START_TEST(journal_full_reply_first) {
        struct sockaddr_un sa;
        const char filler[] = "MESSAGE=filler\n";
        int sock, fill, n = 0;

        sock = journal_start(&sa);
        ck_assert_str_eq(text("PING", true), fmt("OK pong pid=%d", (int) dmn.pid));
        fill = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fill, 0);
        while (sendto(fill, filler, sizeof filler - 1, MSG_DONTWAIT, (struct sockaddr *) &sa, sizeof sa) >= 0)
                ck_assert_int_lt(++n, 1000000);
        ck_assert_msg(errno == EAGAIN, "filling the journal's socket: %s", strerror(errno));
        ck_assert_str_eq(text("OFF pump", true), "OK pump=off");
        ck_assert_msg(journal_has(sock, "MESSAGE=pump off (request from pid", "\nMSGQ_LINE=pump\n"),
                      "the change answered while the journal was full never reached it");
        ck_assert_str_eq(text("ON pump", true), "OK pump=on");
        ck_assert(journal_has(sock, "MESSAGE=pump on (request from pid", "\nMSGQ_LINE=pump\n"));
        close(fill);
        close(sock);
        stop();
}
END_TEST

int main(void) {
        Suite *s = suite_create("outputs");

        harness_init();
        harness_add(s, "list", list_the_lines, 30);
        harness_add(s, "text-names", text_names_lines, 30);
        harness_add(s, "text-too-long", text_too_long_answered, 30);
        harness_add(s, "text-words-named", text_words_named, 30);
        harness_add(s, "binary-by-index", binary_ops_by_index, 30);
        harness_add(s, "line-set-in-order", line_set_in_order, 30);
        harness_add(s, "line-set-bad-entries", line_set_bad_entries, 30);
        harness_add(s, "line-watch-missed", line_watch_missed, 120);
        harness_add(s, "watch-of-one-line", watch_of_one_line, 30);
        harness_add(s, "blink-two-lines", blink_two_lines, 30);
        harness_add(s, "log-names-the-line", log_names_the_line, 30);
        harness_add(s, "reload-applies-stop", reload_applies_stop, 30);
        harness_add(s, "journal-line-field", journal_line_field, 30);
        harness_add(s, "journal-full-reply-first", journal_full_reply_first, 30);
        return harness_run(s);
}
