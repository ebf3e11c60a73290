// SPDX-License-Identifier: MIT
/*
 * pins-msgq: msgqd driven as fast as one client can, for the pin benchmark
 * (tests/system/guest-pins), each request waiting for msgqd's reply before
 * the next:
 *
 *   pins-msgq COUNT        COUNT toggles of the LED through libmsgq,
 *                          msgq_led_toggle()
 *   pins-msgq text COUNT   the same as a text client (doc/PROTOCOL.md, "Text
 *                          requests"): "TOGGLE pid=PID" sent with msgsnd(),
 *                          the reply "OK led=..." read with msgrcv()
 *   pins-msgq noreply COUNT
 *                          COUNT toggles without waiting for each reply:
 *                          COUNT - 1 binary led-toggle requests with flag 1
 *                          (no reply wanted, doc/PROTOCOL.md "Binary
 *                          requests"), made by hand (libmsgq has no call
 *                          that sends without waiting) and sent with
 *                          msgsnd() as fast as the queue takes them, then
 *                          one without the flag whose reply is awaited:
 *                          msgqd serves one priority in order, so that
 *                          reply comes after every toggle is made
 *   pins-msgq on COUNT     the LED on, then COUNT msgq_led_on() while it is
 *                          on: msgqd changes nothing and writes nothing, and
 *                          still answers each
 *   pins-msgq set COUNT NAME...
 *                          COUNT msgq_line_set() of the lines NAME...,
 *                          all on, all off, ...: one request a set
 *   pins-msgq plain-reflex INPUT SINCE COUNT TIMEOUT_MS
 *                          the reflex as a plain client, without libmsgq:
 *                          waits for INPUT's changes after change SINCE
 *                          with a line-events request (14) made by hand
 *                          (the text requests have no watch), sent with
 *                          msgsnd() and its reply read with msgrcv(), and
 *                          sets the LED to each one's level with the text
 *                          request "ON pid=PID" or "OFF pid=PID", each reply
 *                          awaited; ends after COUNT changes, or status 1
 *                          when none came within TIMEOUT_MS
 *
 * Each but plain-reflex prints what the client's own clock saw, from the
 * first request sent to the last reply: "requests=N seconds=S per_s=R".
 * The libmsgq calls wait up to 30 s for each reply (libmsgq's default is
 * 3 s, which a line-set under load on the emulated guest once exceeded).
 * The key as msgqctl takes it (msgq.conf); libmsgq finds it (and, for
 * plain-reflex, INPUT's index) before the first request.  Built for the
 * guest against the libmsgq of the package under test (tests/system/run
 * cross-builds it).  Exit status: 0 done, 1 an error (named on stderr), 2
 * bad arguments.
 */
#include <errno.h>
#include <inttypes.h>
#include <msgq.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <time.h>
#include <unistd.h>

#define REPLY_BASE 1000000000L
#define REPLY_WAIT_MS 30000 /* libmsgq's calls: how long each waits for its reply */

/* doc/PROTOCOL.md, "Binary requests": the header of a request and of a reply. */
#define WIRE_HEADER 40
#define OP_LED_TOGGLE 4
#define OP_LINE_EVENTS 14
#define FLAG_NO_REPLY 1
/* line-events' reply payload: missed u32, count u16, pad u16, then records of 56 bytes. */
#define EVENTS_HEAD 8
#define EVENT_SIZE 56
#define EVENT_ON 2 /* the record's level, u8 */

struct text_msg {
        long mtype;
        char text[300];
};

struct wire_msg {
        long mtype;
        unsigned char body[8192];
};

static const char *prog = "pins-msgq";

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void report(unsigned long count, double t0)
{
        double s = now_s() - t0;

        printf("requests=%lu seconds=%.3f per_s=%.1f\n", count, s, s > 0 ? (double) count / s : 0.0);
}

static void on_alarm(int sig)
{
        (void) sig; /* msgrcv() returns EINTR: System V IPC calls are never restarted */
}

/* One text request on queue id, its reply (without NUL) in rep; 0 or 1 with what failed on stderr. */
static int text_request(int id, const char *what, const char *text, char *rep, size_t size)
{
        struct text_msg m = { .mtype = 1 };
        size_t len = strlen(text);
        ssize_t n;

        memcpy(m.text, text, len + 1);
        if (msgsnd(id, &m, len + 1, 0) < 0) {
                fprintf(stderr, "%s: %s: msgsnd: %s\n", prog, what, strerror(errno));
                return 1;
        }
        n = msgrcv(id, &m, sizeof m.text - 1, REPLY_BASE + (long) getpid(), 0);
        if (n < 0) {
                fprintf(stderr, "%s: %s: msgrcv: %s\n", prog, what, strerror(errno));
                return 1;
        }
        m.text[n] = '\0';
        snprintf(rep, size, "%s", m.text);
        return 0;
}

static int queue(key_t key)
{
        int id = msgget(key, 0);

        if (id < 0)
                fprintf(stderr, "%s: msgget(0x%08x): %s\n", prog, (unsigned) key, strerror(errno));
        return id;
}

/* COUNT text toggles on the queue of key, each reply awaited (a reply is
 * sent once the change is made; msgrcv() waits for it). */
static int text_toggles(key_t key, unsigned long count)
{
        char text[64], rep[300], what[64];
        unsigned long i;
        double t0;
        int id;

        id = queue(key);
        if (id < 0)
                return 1;
        snprintf(text, sizeof text, "TOGGLE pid=%ld", (long) getpid());
        t0 = now_s();
        for (i = 0; i < count; i++) {
                snprintf(what, sizeof what, "text toggle %lu of %lu", i + 1, count);
                if (text_request(id, what, text, rep, sizeof rep))
                        return 1;
                if (strncmp(rep, "OK led=", 7) != 0) {
                        fprintf(stderr, "%s: %s: msgqd said '%s'\n", prog, what, rep);
                        return 1;
                }
        }
        report(count, t0);
        return 0;
}

/* A binary request's header (no text) in m: op with flags, arg0, arg1 and line, its deadline
 * timeout_ms from now. */
static size_t wire_request(struct wire_msg *m, uint16_t op, uint16_t flags, uint32_t arg0, uint32_t arg1,
                           uint16_t line, uint64_t token, unsigned timeout_ms)
{
        struct timespec ts;
        uint64_t deadline;
        uint32_t pid = (uint32_t) getpid();

        clock_gettime(CLOCK_MONOTONIC, &ts);
        deadline = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec + (uint64_t) timeout_ms * 1000000u;
        m->mtype = 1;
        memset(m->body, 0, WIRE_HEADER);
        memcpy(m->body, "MQ\0\1", 4);
        memcpy(m->body + 4, &pid, 4);
        memcpy(m->body + 8, &token, 8);
        memcpy(m->body + 16, &deadline, 8);
        memcpy(m->body + 24, &op, 2);
        memcpy(m->body + 26, &flags, 2);
        memcpy(m->body + 28, &arg0, 4);
        memcpy(m->body + 32, &arg1, 4);
        memcpy(m->body + 38, &line, 2);
        return WIRE_HEADER;
}

/* A line-events request for line after change since, its deadline timeout_ms from now. */
static size_t events_request(struct wire_msg *m, unsigned line, uint64_t since, uint64_t token,
                             unsigned timeout_ms)
{
        return wire_request(m, OP_LINE_EVENTS, 0, (uint32_t) since, (uint32_t) (since >> 32), (uint16_t) line,
                            token, timeout_ms);
}

/* COUNT toggles on the queue of key, only the last one's reply awaited (its token is COUNT). */
static int noreply_toggles(key_t key, unsigned long count)
{
        struct wire_msg m;
        uint64_t token;
        uint32_t status;
        ssize_t len;
        double t0;
        int id;

        id = queue(key);
        if (id < 0)
                return 1;
        t0 = now_s();
        for (token = 1; token <= count; token++) {
                size_t n = wire_request(&m, OP_LED_TOGGLE, token < count ? FLAG_NO_REPLY : 0, 0, 0, 0, token,
                                        REPLY_WAIT_MS);

                if (msgsnd(id, &m, n, 0) < 0) {
                        fprintf(stderr, "%s: toggle %" PRIu64 " of %lu: msgsnd: %s\n", prog, token, count,
                                strerror(errno));
                        return 1;
                }
        }
        /* msgqd replies by the deadline or not at all: the alarm ends the wait a second later. */
        alarm(REPLY_WAIT_MS / 1000 + 1);
        for (;;) {
                len = msgrcv(id, &m, sizeof m.body, REPLY_BASE + (long) getpid(), MSG_NOERROR);
                if (len < WIRE_HEADER)
                        break;
                memcpy(&token, m.body + 8, 8);
                if (token == count)
                        break;
        }
        alarm(0);
        if (len < 0) {
                fprintf(stderr, "%s: toggle %lu of %lu: msgrcv: %s\n", prog, count, count,
                        errno == EINTR ? "no reply within the deadline" : strerror(errno));
                return 1;
        }
        memcpy(&status, m.body + 4, 4);
        if (len < WIRE_HEADER || memcmp(m.body, "MQ\0\1", 4) || status != 0) {
                fprintf(stderr, "%s: toggle %lu of %lu: reply of %zd bytes, status %" PRIu32 ": %.*s\n", prog,
                        count, count, len, status, len > WIRE_HEADER ? (int) (len - WIRE_HEADER) : 0,
                        (const char *) m.body + WIRE_HEADER);
                return 1;
        }
        report(count, t0);
        return 0;
}

static int plain_reflex(key_t key, unsigned line, uint64_t since, unsigned long count, unsigned timeout_ms)
{
        struct sigaction sa = { .sa_handler = on_alarm };
        struct wire_msg m;
        char on[64], off[64], rep[300], what[80];
        unsigned long done = 0;
        uint64_t token = 0, got_token, changes;
        uint32_t status, missed;
        uint16_t n, payload;
        ssize_t len;
        int id, i;

        id = queue(key);
        if (id < 0)
                return 1;
        sigaction(SIGALRM, &sa, NULL);
        snprintf(on, sizeof on, "ON pid=%ld", (long) getpid());
        snprintf(off, sizeof off, "OFF pid=%ld", (long) getpid());
        while (done < count) {
                token++;
                if (msgsnd(id, &m, events_request(&m, line, since, token, timeout_ms), 0) < 0) {
                        fprintf(stderr, "%s: line-events: msgsnd: %s\n", prog, strerror(errno));
                        return 1;
                }
                /* msgqd answers by the deadline at the latest (a watch that ends gets no
                 * reply, when nothing came): one second more, then the client gives up. */
                alarm(timeout_ms / 1000 + 2);
                for (;;) {
                        len = msgrcv(id, &m, sizeof m.body, REPLY_BASE + (long) getpid(), MSG_NOERROR);
                        if (len < WIRE_HEADER)
                                break;
                        memcpy(&got_token, m.body + 8, 8);
                        if (got_token == token)
                                break;
                        /* an earlier request's: not this one's answer */
                }
                alarm(0);
                if (len < 0 && errno == EINTR) {
                        fprintf(stderr, "%s: no change of line %u within %u ms after %lu of %lu\n", prog, line,
                                timeout_ms, done, count);
                        return 1;
                }
                if (len < 0) {
                        fprintf(stderr, "%s: line-events: msgrcv: %s\n", prog, strerror(errno));
                        return 1;
                }
                memcpy(&status, m.body + 4, 4);
                memcpy(&payload, m.body + 26, 2);
                if (len < WIRE_HEADER + EVENTS_HEAD || memcmp(m.body, "MQ\0\1", 4) || status != 0 ||
                    payload < EVENTS_HEAD || len < WIRE_HEADER + payload) {
                        fprintf(stderr, "%s: line-events: reply of %zd bytes, status %" PRIu32 ": %.*s\n", prog,
                                len, status, len > WIRE_HEADER ? (int) (len - WIRE_HEADER) : 0,
                                (const char *) m.body + WIRE_HEADER);
                        return 1;
                }
                memcpy(&changes, m.body + 32, 8);
                memcpy(&missed, m.body + WIRE_HEADER, 4);
                memcpy(&n, m.body + WIRE_HEADER + 4, 2);
                if (payload < EVENTS_HEAD + (size_t) n * EVENT_SIZE) {
                        fprintf(stderr, "%s: line-events: %u records in a payload of %u bytes\n", prog, n,
                                payload);
                        return 1;
                }
                if (missed)
                        fprintf(stderr, "%s: missed %" PRIu32 " changes after %" PRIu64 "\n", prog, missed, since);
                for (i = 0; i < n && done < count; i++, done++) {
                        const unsigned char *ev = m.body + WIRE_HEADER + EVENTS_HEAD + (size_t) i * EVENT_SIZE;

                        snprintf(what, sizeof what, "change %lu of %lu", done + 1, count);
                        if (text_request(id, what, ev[EVENT_ON] ? on : off, rep, sizeof rep))
                                return 1;
                        if (strncmp(rep, "OK led=", 7) != 0) {
                                fprintf(stderr, "%s: %s: msgqd said '%s'\n", prog, what, rep);
                                return 1;
                        }
                }
                since = changes;
        }
        return 0;
}

static int fail(struct msgq *h, const char *what, unsigned long i, unsigned long count)
{
        fprintf(stderr, "%s: %s %lu of %lu: %s\n", prog, what, i + 1, count, msgq_errmsg(h));
        return 1;
}

static int lib_requests(struct msgq *h, const char *mode, unsigned long count, char **names, int nnames)
{
        struct msgq_line_level levels[MSGQ_LINES_MAX];
        unsigned long i;
        double t0;
        int k, r;

        if (!strcmp(mode, "on") && msgq_led_on(h, NULL) < 0)
                return fail(h, "led on", 0, 1);
        for (k = 0; k < nnames; k++) {
                r = msgq_line_find(h, names[k]);
                if (r < 0) {
                        fprintf(stderr, "%s: line '%s': %s\n", prog, names[k], msgq_errmsg(h));
                        return 1;
                }
                levels[k].line = (uint16_t) r;
        }
        t0 = now_s();
        for (i = 0; i < count; i++) {
                if (!strcmp(mode, "toggle")) {
                        if (msgq_led_toggle(h, NULL) < 0)
                                return fail(h, "toggle", i, count);
                } else if (!strcmp(mode, "on")) {
                        if (msgq_led_on(h, NULL) < 0)
                                return fail(h, "led on", i, count);
                } else {
                        for (k = 0; k < nnames; k++)
                                levels[k].on = !(i & 1);
                        if (msgq_line_set(h, levels, (size_t) nnames, NULL) < 0)
                                return fail(h, "line-set", i, count);
                }
        }
        report(count, t0);
        return 0;
}

static int usage(void)
{
        fprintf(stderr, "usage: %s [text|noreply|on] COUNT\n"
                        "       %s set COUNT NAME...\n"
                        "       %s plain-reflex INPUT SINCE COUNT TIMEOUT_MS\n"
                        "(COUNT 1 to 1000000; set: 1 to %d lines)\n", prog, prog, prog, MSGQ_LINES_MAX);
        return 2;
}

/* A whole number from 1 (0 with zero) to max, else -1 with the argument named on stderr. */
static long long number(const char *s, const char *what, int zero, unsigned long long max)
{
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v > max || (v == 0 && !zero)) {
                fprintf(stderr, "%s: %s '%s': expected a whole number from %d to %llu\n", prog, what, s,
                        zero ? 0 : 1, max);
                return -1;
        }
        return (long long) v;
}

int main(int argc, char **argv)
{
        struct msgq *h;
        char err[256] = "";
        const char *mode = argc >= 2 && !strcmp(argv[1], "text")           ? "text"
                           : argc >= 2 && !strcmp(argv[1], "noreply")      ? "noreply"
                           : argc >= 2 && !strcmp(argv[1], "on")           ? "on"
                           : argc >= 2 && !strcmp(argv[1], "set")          ? "set"
                           : argc >= 2 && !strcmp(argv[1], "plain-reflex") ? "plain-reflex"
                                                                           : "toggle";
        long long count, since = 0, timeout = 0, line = 0;
        int r;

        if (!strcmp(mode, "toggle") ? argc != 2
            : !strcmp(mode, "set")  ? argc < 4 || argc - 3 > MSGQ_LINES_MAX
            : !strcmp(mode, "plain-reflex") ? argc != 6
                                            : argc != 3)
                return usage();
        if (!strcmp(mode, "plain-reflex")) {
                since = number(argv[3], "SINCE", 1, INT64_MAX);
                count = number(argv[4], "COUNT", 0, 1000000);
                timeout = number(argv[5], "TIMEOUT_MS", 0, 3600000);
        } else {
                count = number(argv[!strcmp(mode, "toggle") ? 1 : 2], "COUNT", 0, 1000000);
        }
        if (count < 0 || since < 0 || timeout < 0)
                return 2;
        r = msgq_open_config(&h, NULL, 0, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", prog, err[0] ? err : msgq_strerror(r));
                return 1;
        }
        if (!strcmp(mode, "text")) {
                r = text_toggles(msgq_key(h), (unsigned long) count);
        } else if (!strcmp(mode, "noreply")) {
                struct sigaction sa = { .sa_handler = on_alarm };

                sigaction(SIGALRM, &sa, NULL);
                r = noreply_toggles(msgq_key(h), (unsigned long) count);
        } else if (!strcmp(mode, "plain-reflex")) {
                line = msgq_line_find(h, argv[2]);
                if (line < 0) {
                        fprintf(stderr, "%s: input '%s': %s\n", prog, argv[2], msgq_errmsg(h));
                        r = 1;
                } else {
                        r = plain_reflex(msgq_key(h), (unsigned) line, (uint64_t) since, (unsigned long) count,
                                         (unsigned) timeout);
                }
        } else {
                /* A rate, not a deadline: an emulated guest under load stalls for seconds at times. */
                r = msgq_set_timeout(h, REPLY_WAIT_MS);
                if (r < 0)
                        fprintf(stderr, "%s: %s\n", prog, msgq_strerror(r));
                else
                        r = lib_requests(h, mode, (unsigned long) count, argv + 3,
                                         !strcmp(mode, "set") ? argc - 3 : 0);
                r = r < 0 ? 1 : r;
        }
        msgq_close(h);
        return r;
}
