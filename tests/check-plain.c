/* SPDX-License-Identifier: MIT */
/*
 * Integration: plain System V clients (examples/ in C, Python and Perl)
 * speaking the text protocol to the real msgqd: the seed chapter's LED
 * exercise from any language, with and without a reply.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"
#include "protocol.h"

static struct daemon dmn;

static const char *example(const char *name) {
        static char path[512];
        const char *dir = getenv("MSGQ_EXAMPLES_SRCDIR");

        snprintf(path, sizeof path, "%s/%s", dir ? dir : "examples", name);
        return path;
}

/* The command that runs the client of lang ("c", "python" or "perl") into argv; its length. */
static int client_command(const char *lang, const char **argv) {
        int n = 0;

        if (strcmp(lang, "c") == 0) {
                argv[n++] = getenv("PLAIN_CLIENT");
        } else if (strcmp(lang, "python") == 0) {
                argv[n++] = "/usr/bin/python3"; /* Debian's, which has python3-sysv-ipc */
                argv[n++] = example("plain-client.py");
        } else {
                argv[n++] = "perl";
                argv[n++] = example("plain-client.pl");
        }
        return n;
}

/* Run one client: lang is "c", "python" or "perl". */
static struct run client(const char *lang, const char *prio, const char *cmd, bool reply) {
        char key[16];
        const char *argv[8];
        struct run r;
        int n = client_command(lang, argv);

        snprintf(key, sizeof key, "0x%08x", (unsigned) dmn.key);
        argv[n++] = key;
        argv[n++] = prio;
        argv[n++] = cmd;
        if (reply)
                argv[n++] = "reply";
        argv[n] = NULL;
        ck_assert_int_eq(run_prog(&r, 10000, argv), 0);
        return r;
}

static bool led_on(void) {
        struct msgq_client c;
        struct msgq_request req = { .op = MSGQ_OP_LED_STATE };
        struct msgq_reply rep;

        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        ck_assert_int_eq(msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, 3000), 0);
        msgq_client_close(&c);
        return rep.led.on;
}

static void start(void) {
        ck_assert_int_eq(daemon_start(&dmn, test_key(), NULL), 0);
}

static void stop(void) {
        ck_assert_int_eq(daemon_stop(&dmn), 0);
        ck_assert(!queue_exists(dmn.key));
}

static void check_language(const char *lang) {
        struct run r;

        start();
        r = client(lang, "1", "ON", false); /* the seed's "ON", no reply asked */
        ck_assert_msg(r.status == 0, "%s client: %d %s", lang, r.status, r.err);
        ck_assert_str_eq(r.out, "");
        ck_assert(led_on());
        r = client(lang, "1", "off", false); /* case-insensitive */
        ck_assert_int_eq(r.status, 0);
        ck_assert(!led_on());
        r = client(lang, "3", "TOGGLE", true);
        ck_assert_msg(r.status == 0, "%s client: %d %s", lang, r.status, r.err);
        ck_assert_str_eq(r.out, "OK led=on\n");
        r = client(lang, "10", "state", true);
        ck_assert_str_eq(r.out, "OK led=on\n");
        r = client(lang, "2", "FLY", true); /* unknown: an error comes back */
        ck_assert_int_eq(r.status, 1);
        ck_assert_str_eq(r.out, "ERR unknown operation\n");
        r = client(lang, "2", "BLINK 10", true); /* below the minimum period */
        ck_assert_int_eq(r.status, 1);
        ck_assert_str_eq(r.out, "ERR invalid argument\n");
        ck_assert_int_eq(queue_count(dmn.key), 0);
        r = client(lang, "1", "EXIT", false); /* the seed's type-2 exit, any priority */
        ck_assert_int_eq(r.status, 0);
        ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
        ck_assert(!queue_exists(dmn.key));
}

START_TEST(test_c_client) { check_language("c"); }
END_TEST

START_TEST(test_python_client) { check_language("python"); }
END_TEST

START_TEST(test_perl_client) { check_language("perl"); }
END_TEST

START_TEST(test_text_ping_names_the_daemon) {
        char expect[64];
        struct run r;

        start();
        r = client("c", "5", "PING", true);
        snprintf(expect, sizeof expect, "OK pong pid=%d\n", (int) dmn.pid);
        ck_assert_str_eq(r.out, expect);
        stop();
}
END_TEST

START_TEST(test_text_blink_then_off) {
        struct run r;

        start();
        r = client("c", "5", "BLINK 100 2", true);
        ck_assert_str_eq(r.out, "OK led=on blinking\n");
        r = client("c", "5", "OFF", true);
        ck_assert_str_eq(r.out, "OK led=off\n");
        stop();
}
END_TEST

/* A line by name: the default output's answers as msgq 0.1's; another name is named in the error. */
START_TEST(test_text_line_names) {
        struct run r;

        start();
        r = client("c", "5", "ON led", true);
        ck_assert_str_eq(r.out, "OK led=on\n");
        r = client("c", "5", "BLINK 500 3 buzzer", true);
        ck_assert_int_eq(r.status, 1);
        ck_assert_str_eq(r.out, "ERR invalid argument: no line 'buzzer'\n");
        r = client("c", "5", "TOGGLE pump", true);
        ck_assert_str_eq(r.out, "ERR invalid argument: no line 'pump'\n");
        ck_assert(led_on());
        stop();
}
END_TEST

START_TEST(test_no_daemon) {
        struct run r;

        dmn.key = test_key();
        r = client("c", "1", "ON", false);
        ck_assert_int_eq(r.status, 3);
        ck_assert_ptr_nonnull(strstr(r.err, "is msgqd running?"));
}
END_TEST

/* Without its arguments, each client says how to call it and exits 2, as msgqctl does. */
START_TEST(test_usage) {
        static const char *const langs[] = { "c", "python", "perl" };

        for (size_t i = 0; i < sizeof langs / sizeof langs[0]; i++) {
                const char *argv[8];
                struct run r;
                int n = client_command(langs[i], argv);

                argv[n] = NULL;
                ck_assert_int_eq(run_prog(&r, 10000, argv), 0);
                ck_assert_msg(r.status == 2, "%s client: exit %d", langs[i], r.status);
                ck_assert_str_eq(r.out, "");
                ck_assert_msg(strncmp(r.err, "usage: ", 7) == 0 &&
                                      strstr(r.err, " KEY PRIORITY COMMAND [reply]\n") &&
                                      strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                              "%s client: %s", langs[i], r.err);
        }
}
END_TEST

/* Per test, in the parent: this suite's own state. */
static void reset(void) {
        memset(&dmn, 0, sizeof dmn);
}

int main(void) {
        Suite *s = suite_create("plain clients");

        harness_init();
        harness_set_hooks(reset, NULL);
        harness_add(s, "c", test_c_client, 60);
        harness_add(s, "python", test_python_client, 60);
        harness_add(s, "perl", test_perl_client, 60);
        harness_add(s, "ping", test_text_ping_names_the_daemon, 60);
        harness_add(s, "blink", test_text_blink_then_off, 60);
        harness_add(s, "no-daemon", test_no_daemon, 60);
        harness_add(s, "usage", test_usage, 60);
        harness_add(s, "line-names", test_text_line_names, 60);
        return harness_run(s);
}
