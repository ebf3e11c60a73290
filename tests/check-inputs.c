/* SPDX-License-Identifier: MIT */
/*
 * Integration: the real msgqd --sim with [input NAME] sections in its line
 * table (doc/PROTOCOL.md, Inputs): each edge written to a simulated
 * input's FIFO (MSGQD_SIM_INPUTS) is a numbered change, read with
 * line-events (14), counted in input-list (15), and waited for by the
 * watches; an input is never driven.  The table: 0 led, 1 door (an input,
 * both edges), 2 pump (an output), 3 meter (an input, rising edges, msgqd's
 * debounce of 20 ms).
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
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "harness.h"
#include "ledstate.h"
#include "protocol.h"
#include "queue.h"

static struct daemon dmn;
static char conf[64];
static char sim_dir[64];
static key_t key; /* the test's: one for every start, which finds the state the last left */

static const char inputs_conf[] =
        "[msgq]\n"
        "mode = 0600\n"
        "[input door]\n"
        "gpio = GPIO5\n"
        "[output pump]\n"
        "gpio = GPIO27\n"
        "[input meter]\n"
        "gpio = GPIO6\n"
        "edges = rising\n"
        "debounce = 20ms\n";

enum { DOOR = 1, PUMP = 2, METER = 3 };

static void write_conf(const char *text) {
        int fd;

        snprintf(conf, sizeof conf, "/tmp/msgq-test-inputs-XXXXXX");
        fd = mkstemp(conf);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "%s", text), 0);
        close(fd);
}

/* msgqd with text as msgq.conf, its simulated inputs' FIFOs in sim_dir. */
static int try_start_with(const char *text) {
        const char *extra[] = { "-c", conf, NULL };

        write_conf(text);
        if (!sim_dir[0]) {
                snprintf(sim_dir, sizeof sim_dir, "/tmp/msgq-test-sim-XXXXXX");
                ck_assert_ptr_nonnull(mkdtemp(sim_dir));
        }
        setenv("MSGQD_SIM_INPUTS", sim_dir, 1);
        if (!key)
                key = test_key();
        return daemon_start(&dmn, key, extra);
}

static void start_with(const char *text) {
        int r = try_start_with(text);

        ck_assert_msg(r == 0, "msgqd did not become ready (%s): %s", strerror(-r), daemon_log(&dmn));
}

static void start(void) {
        start_with(inputs_conf);
}

/* The FIFOs and level files of the inputs, and the directory. */
static void remove_sim_dir(void) {
        static const char *const names[] = { "door", "door.level", "meter", "meter.level", "bell", "bell.level",
                                             "other" };
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

static void stop(void) {
        daemon_stop_checked(&dmn);
        unlink(conf);
        remove_sim_dir();
        unsetenv("MSGQD_SIM_INPUTS");
}

static void remove_flush_dir(void);

/* On failure too: whatever a test left. */
static void teardown(void) {
        key = 0;
        remove_flush_dir();
        if (conf[0])
                unlink(conf);
        remove_sim_dir();
        unsetenv("MSGQD_SIM_INPUTS");
}

/* Bytes into input name's FIFO, as a line going high ('1') and low ('0'), or 'o'. */
static void edges(const char *name, const char *bytes) {
        sim_input_write(sim_dir, name, bytes);
}

/* One request through the client code; the reply, whatever its status. */
static struct msgq_reply call(struct msgq_request req) {
        struct msgq_client c;
        struct msgq_reply rep;
        int r;

        ck_assert_int_eq(msgq_client_open(&c, dmn.key), 0);
        r = msgq_client_call(&c, MSGQ_PRIO_DEFAULT, &req, &rep, scaled(5000));
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

static struct msgq_reply line_op(uint16_t op, uint16_t line, uint64_t since) {
        return call((struct msgq_request) { .op = op, .line = line, .arg0 = (uint32_t) since,
                                            .arg1 = (uint32_t) (since >> 32) });
}

/* msgqd's last change number (line-list's header). */
static uint64_t last_change(void) {
        return call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST }).led.changes;
}

static struct msgq_reply input_list(void) {
        return call_ok((struct msgq_request) { .op = MSGQ_OP_INPUT_LIST });
}

/*
 * line-events of line after since until want events came (each reply's
 * number the next request's), into ev; *missed adds up what msgqd said it
 * no longer kept.  The number of the last.
 */
static uint64_t collect(uint16_t line, uint64_t since, struct msgq_event *ev, size_t want, uint64_t *missed) {
        size_t got = 0;

        *missed = 0;
        while (got < want) {
                struct msgq_reply rep = line_op(MSGQ_OP_LINE_EVENTS, line, since);

                ck_assert_msg(rep.status == MSGQ_OK, "line-events: %s", rep.error);
                ck_assert_uint_le(rep.nchanges, MSGQ_EVENTS_MAX);
                ck_assert_uint_le(got + rep.nchanges, want);
                memcpy(ev + got, rep.events, rep.nchanges * sizeof *ev);
                got += rep.nchanges;
                *missed += rep.missed;
                since = rep.led.changes;
        }
        return since;
}

/* A text request that asks for no reply. */
static void text_only(const char *cmd) {
        int id = msgq_queue_open(dmn.key);

        ck_assert_int_ge(id, 0);
        ck_assert_int_eq(msgq_queue_send(id, MSGQ_PRIO_DEFAULT, cmd, strlen(cmd), 0), 0);
}

/* A text request; its answer. */
static const char *text(const char *cmd) {
        static char out[MSGQ_MSG_MAX + 1];
        char body[300];
        int id = msgq_queue_open(dmn.key), n;
        long mtype;
        ssize_t got = -1;

        ck_assert_int_ge(id, 0);
        n = snprintf(body, sizeof body, "%s pid=%d", cmd, (int) getpid());
        ck_assert_int_eq(msgq_queue_send(id, MSGQ_PRIO_DEFAULT, body, (size_t) n, 0), 0);
        for (int waited = 0; waited < scaled(3000) && got < 0; waited += 5) {
                got = msgq_queue_recv(id, msgq_reply_type((uint32_t) getpid()), &mtype, out, sizeof out - 1,
                                      IPC_NOWAIT | MSG_NOERROR);
                if (got < 0)
                        sleep_ms(5);
        }
        ck_assert_msg(got >= 0, "no reply to '%s'", cmd);
        out[got] = '\0';
        return out;
}

/* The inputs take their places in the file's order; line-list marks them, input-list has their settings. */
START_TEST(inputs_in_the_table) {
        struct msgq_reply rep;

        start();
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_LINE_LIST });
        ck_assert_uint_eq(rep.list_total, 4);
        ck_assert_str_eq(rep.list[DOOR].name, "door");
        ck_assert_str_eq(rep.list[PUMP].name, "pump");
        ck_assert_str_eq(rep.list[METER].name, "meter");
        ck_assert_str_eq(rep.list[DOOR].chip, "sim");
        ck_assert(rep.list[DOOR].flags & MSGQ_LINE_F_INPUT);
        ck_assert(rep.list[METER].flags & MSGQ_LINE_F_INPUT);
        ck_assert(!(rep.list[PUMP].flags & MSGQ_LINE_F_INPUT));
        ck_assert(!(rep.list[0].flags & MSGQ_LINE_F_INPUT));
        rep = input_list();
        ck_assert_uint_eq(rep.list_total, 2);
        ck_assert_uint_eq(rep.list_count, 2);
        ck_assert_uint_eq(rep.inputs[0].line, DOOR);
        ck_assert_uint_eq(rep.inputs[0].edges, 3);
        ck_assert_uint_eq(rep.inputs[0].debounce_by, 0);
        ck_assert_uint_eq(rep.inputs[1].line, METER);
        ck_assert_uint_eq(rep.inputs[1].edges, 1);
        ck_assert_uint_eq(rep.inputs[1].debounce_by, 2); /* the simulated backend: msgqd's */
        ck_assert_uint_eq(rep.inputs[1].debounce_us, 20000);
        ck_assert_uint_eq(rep.inputs[1].count, 0);
        /* From the second input on. */
        rep = call_ok((struct msgq_request) { .op = MSGQ_OP_INPUT_LIST, .arg0 = DOOR + 1 });
        ck_assert_uint_eq(rep.list_total, 2);
        ck_assert_uint_eq(rep.list_count, 1);
        ck_assert_uint_eq(rep.inputs[0].line, METER);
        ck_assert_str_eq(text("STATE door"), "OK door=off");
        stop();
}
END_TEST

/* Each edge is a change, in order, with the kernel's number and time, its level, and counted. */
START_TEST(edges_are_numbered) {
        struct msgq_event ev[3];
        struct msgq_reply rep;
        uint64_t n, missed;

        start();
        n = last_change();
        edges("door", "101");
        ck_assert_uint_eq(collect(DOOR, n, ev, 3, &missed), n + 3);
        ck_assert_uint_eq(missed, 0);
        for (int i = 0; i < 3; i++) {
                ck_assert_uint_eq(ev[i].ch.st.line, DOOR);
                ck_assert_uint_eq(ev[i].ch.st.led.changes, n + 1 + (uint64_t) i);
                ck_assert_uint_eq(ev[i].ch.st.seq, (uint32_t) i + 1);
                ck_assert_uint_eq(ev[i].edge, i % 2 ? MSGQ_EDGE_FALLING : MSGQ_EDGE_RISING);
                ck_assert_uint_eq(ev[i].ch.st.led.on, i % 2 == 0);
                ck_assert_uint_eq(ev[i].kernel_seqno, (uint32_t) i + 1);
                ck_assert_uint_eq(ev[i].lost, 0);
                ck_assert_uint_ne(ev[i].kernel_ns, 0);
                ck_assert_uint_ne(ev[i].ch.time_ns, 0);
                ck_assert(i == 0 || ev[i].kernel_ns >= ev[i - 1].kernel_ns);
        }
        ck_assert_str_eq(text("STATE door"), "OK door=on");
        rep = line_op(MSGQ_OP_LED_STATE, DOOR, 0);
        ck_assert(rep.led.on);
        ck_assert_uint_eq(rep.led.changes, n + 3);
        rep = input_list();
        ck_assert_uint_eq(rep.inputs[0].count, 3);
        ck_assert_uint_eq(rep.inputs[0].lost, 0);
        stop();
}
END_TEST

/*
 * Watches wait in msgqd for the next edge: a line-events and a led-watch
 * of the input, and a line-events of all lines that an output's change
 * answers with edge 0.
 */
START_TEST(watches_wait_for_edges) {
        struct msgq_reply rep;
        uint64_t n;
        int id;

        start();
        id = msgq_queue_open(dmn.key);
        ck_assert_int_ge(id, 0);
        n = last_change();
        watch_by_hand(id, MSGQ_OP_LINE_EVENTS, DOOR, n, 41);
        sleep_ms(50); /* served, and waiting: an edge is what answers it */
        edges("door", "1");
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.token, 41);
        ck_assert_uint_eq(rep.nchanges, 1);
        ck_assert_uint_eq(rep.events[0].edge, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(rep.led.changes, n + 1);

        watch_by_hand(id, MSGQ_OP_LED_WATCH, DOOR, n + 1, 42);
        sleep_ms(50);
        edges("door", "0");
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.token, 42);
        ck_assert_uint_eq(rep.line, DOOR);
        ck_assert(!rep.led.on);
        ck_assert_uint_eq(rep.led.changes, n + 2);

        /* An output's change, to a line-events of all lines: edge 0. */
        watch_by_hand(id, MSGQ_OP_LINE_EVENTS, MSGQ_LINE_ALL, n + 2, 43);
        text_only("ON pump");
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.token, 43);
        ck_assert_uint_eq(rep.nchanges, 1);
        ck_assert_uint_eq(rep.events[0].ch.st.line, PUMP);
        ck_assert_uint_eq(rep.events[0].edge, MSGQ_EDGE_OUTPUT);
        ck_assert_uint_eq(rep.events[0].kernel_ns, 0);
        /* A line-watch of the input, answered at once from the history. */
        rep = line_op(MSGQ_OP_LINE_WATCH, DOOR, n);
        ck_assert_uint_eq(rep.nchanges, 2);
        ck_assert_int_eq(queue_count(dmn.key), 0);
        stop();
}
END_TEST

/* An edge the kernel dropped (a gap in its numbers) is told in lost, and counted. */
START_TEST(kernel_loss_is_told) {
        struct msgq_event ev[2];
        struct msgq_reply rep;
        uint64_t n, missed;

        start();
        n = last_change();
        edges("door", "1o01"); /* the falling edge dropped */
        collect(DOOR, n, ev, 2, &missed);
        ck_assert_uint_eq(ev[0].edge, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(ev[0].lost, 0);
        ck_assert_uint_eq(ev[1].edge, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(ev[1].lost, 1);
        ck_assert_uint_eq(ev[1].kernel_seqno, 3);
        rep = input_list();
        ck_assert_uint_eq(rep.inputs[0].count, 3);
        ck_assert_uint_eq(rep.inputs[0].lost, 1);
        stop();
}
END_TEST

/*
 * A burst larger than the history: a client that did not read is told how
 * many it missed, then gets the rest; missed and got add up to the burst.
 */
START_TEST(burst_larger_than_history) {
        char burst[201];
        struct msgq_event ev[200];
        struct msgq_reply rep;
        uint64_t n, missed, last;

        start_with("[msgq]\nmode = 0600\nhistory = 64\n[input door]\ngpio = GPIO5\n");
        n = last_change();
        for (int i = 0; i < 200; i++)
                burst[i] = i % 2 ? '0' : '1';
        burst[200] = '\0';
        edges("door", burst);
        for (int waited = 0; input_list().inputs[0].count < 200 && waited < scaled(5000); waited += 10)
                sleep_ms(10);
        ck_assert_uint_eq(input_list().inputs[0].count, 200);
        rep = line_op(MSGQ_OP_LINE_EVENTS, MSGQ_LINE_ALL, n);
        ck_assert_uint_eq(rep.missed, 200 - 64);
        ck_assert_uint_eq(rep.events[0].ch.st.led.changes, n + 200 - 64 + 1);
        last = collect(MSGQ_LINE_ALL, n, ev, 64, &missed);
        ck_assert_uint_eq(missed, 200 - 64);
        ck_assert_uint_eq(last, n + 200);
        for (int i = 0; i < 64; i++)
                ck_assert_uint_eq(ev[i].ch.st.led.changes, n + 200 - 64 + 1 + (uint64_t) i);
        stop();
}
END_TEST

/*
 * msgqd's debounce: a burst shorter than the period is one edge when it
 * ends at another level, none when it ends where it began.
 */
START_TEST(debounce_of_a_burst) {
        struct msgq_event ev[1];
        struct msgq_reply rep;
        uint64_t n, missed;

        start();
        n = last_change();
        edges("meter", "10101");
        collect(METER, n, ev, 1, &missed);
        ck_assert_uint_eq(ev[0].edge, MSGQ_EDGE_RISING);
        ck_assert(ev[0].flags & MSGQ_EVENT_F_DEBOUNCED);
        ck_assert(ev[0].ch.st.led.on);
        edges("meter", "01"); /* back where it was: nothing to record */
        sleep_ms(100);
        edges("meter", "0"); /* a falling edge settles: not one meter counts */
        for (int ms = 0; ms < scaled(5000) && strcmp(text("STATE meter"), "OK meter=off") != 0; ms += 10)
                sleep_ms(10); /* the period, and msgqd's turn on a loaded machine */
        ck_assert_str_eq(text("STATE meter"), "OK meter=off");
        ck_assert_uint_eq(last_change(), n + 1); /* no change since the burst's */
        rep = input_list();
        ck_assert_uint_eq(rep.inputs[1].count, 1);
        stop();
}
END_TEST

/* The line's level while no msgqd runs: the simulated input's level file. */
static void level_while_away(const char *name, const char *level) {
        char path[PATH_MAX];
        int fd;

        snprintf(path, sizeof path, "%s/%s.level", sim_dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, level, strlen(level)), (ssize_t) strlen(level));
        close(fd);
}

/*
 * A restart between edges: the counter and the numbers go on; a level
 * that changed while msgqd was away is one change, edge away, counting
 * nothing, which a client resuming from its last number is told of; a
 * restart with the level unchanged is none.
 */
START_TEST(restart_between_edges) {
        struct msgq_event ev[2];
        struct msgq_reply rep;
        uint64_t n, missed;

        start();
        n = last_change();
        edges("door", "1");
        collect(DOOR, n, ev, 1, &missed);
        daemon_stop_checked(&dmn);
        level_while_away("door", "0");
        unlink(conf);
        start();
        rep = input_list();
        ck_assert_uint_eq(rep.inputs[0].count, 1); /* kept in the state file */
        /* The log gives the counter it took up, not an output's "at start: off". */
        ck_assert_msg(strstr(daemon_log(&dmn), "input door: counter 1, of which lost 0\n"), "%s",
                      daemon_log(&dmn));
        ck_assert_msg(!strstr(daemon_log(&dmn), "door at start"), "%s", daemon_log(&dmn));
        ck_assert_str_eq(text("STATE door"), "OK door=off");
        /* Resumed from the last number seen: the away change, then the next edge. */
        edges("door", "1");
        collect(DOOR, n + 1, ev, 2, &missed);
        ck_assert_uint_eq(missed, 0);
        ck_assert_uint_eq(ev[0].ch.st.led.changes, n + 2);
        ck_assert_uint_eq(ev[0].edge, MSGQ_EDGE_AWAY);
        ck_assert(!ev[0].ch.st.led.on);
        ck_assert_uint_eq(ev[0].kernel_ns, 0);
        ck_assert_uint_eq(ev[1].ch.st.led.changes, n + 3);
        ck_assert_uint_eq(ev[1].edge, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(input_list().inputs[0].count, 2); /* the away change counts nothing */
        /* Unchanged while away: no change at the start. */
        daemon_stop_checked(&dmn);
        unlink(conf);
        start();
        ck_assert_uint_eq(last_change(), n + 3);
        ck_assert_uint_eq(input_list().inputs[0].count, 2);
        stop();
}
END_TEST

/* STATE of line until it answers want, within the scaled 5 s; the answer. */
static const char *state_becomes(const char *line, const char *want) {
        char cmd[64];
        const char *got;

        snprintf(cmd, sizeof cmd, "STATE %s", line);
        for (int ms = 0; strcmp(got = text(cmd), want) != 0 && ms < scaled(5000); ms += 10)
                sleep_ms(10);
        return got;
}

/*
 * An input of one edge without debounce: the other edge is no change and
 * counts nothing, but its level is the input's (STATE, the file), so a
 * restart finds no change while msgqd was away.
 */
START_TEST(one_edge_keeps_the_level) {
        static const char conf_text[] = "[msgq]\nmode = 0600\n[input bell]\ngpio = GPIO5\nedges = rising\n";
        struct msgq_event ev[1];
        uint64_t n, missed;

        start_with(conf_text);
        n = last_change();
        edges("bell", "1");
        collect(1, n, ev, 1, &missed);
        ck_assert_uint_eq(ev[0].edge, MSGQ_EDGE_RISING);
        ck_assert_str_eq(state_becomes("bell", "OK bell=on"), "OK bell=on");
        edges("bell", "0");
        ck_assert_str_eq(state_becomes("bell", "OK bell=off"), "OK bell=off");
        ck_assert_uint_eq(last_change(), n + 1);
        edges("bell", "1");
        collect(1, n + 1, ev, 1, &missed);
        ck_assert_uint_eq(ev[0].edge, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(ev[0].lost, 0); /* the fall between was seen, not lost */
        ck_assert_uint_eq(input_list().inputs[0].count, 2);
        edges("bell", "0");
        ck_assert_str_eq(state_becomes("bell", "OK bell=off"), "OK bell=off");
        daemon_stop_checked(&dmn);
        unlink(conf);
        start_with(conf_text);
        ck_assert_uint_eq(last_change(), n + 2); /* off in the file as on the line: no away */
        ck_assert_str_eq(text("STATE bell"), "OK bell=off");
        ck_assert_uint_eq(input_list().inputs[0].count, 2);
        stop();
}
END_TEST

/* Driving an input is refused, by index and by name, and changes nothing. */
START_TEST(driving_an_input_refused) {
        static const uint16_t ops[] = { MSGQ_OP_LED_ON, MSGQ_OP_LED_OFF, MSGQ_OP_LED_TOGGLE };
        struct msgq_request set = { .op = MSGQ_OP_LINE_SET, .nvalues = 2 };
        struct msgq_reply rep;
        uint64_t n;

        start();
        n = last_change();
        for (size_t i = 0; i < 3; i++) {
                rep = line_op(ops[i], DOOR, 0);
                ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
                ck_assert_str_eq(rep.error, "line 1 is an input");
        }
        rep = call((struct msgq_request) { .op = MSGQ_OP_LED_BLINK, .line = METER, .arg0 = 500 });
        ck_assert_str_eq(rep.error, "line 3 is an input");
        set.values[0] = (struct msgq_line_value) { .line = PUMP, .on = 1 };
        set.values[1] = (struct msgq_line_value) { .line = DOOR, .on = 1 };
        rep = call(set);
        ck_assert_uint_eq(rep.status, MSGQ_ERR_INVALID);
        ck_assert_str_eq(rep.error, "line 1 is an input");
        ck_assert_str_eq(text("ON door"), "ERR invalid argument: 'door' is an input");
        ck_assert_str_eq(text("BLINK 500 Meter"), "ERR invalid argument: 'meter' is an input");
        ck_assert_str_eq(text("SET pump=on door=on"), "ERR invalid argument: 'door' is an input");
        ck_assert_str_eq(text("STATE pump"), "OK pump=off"); /* the set changed nothing */
        ck_assert_uint_eq(last_change(), n);
        stop();
}
END_TEST

/* ---- the disk's flush, held or failing (tests/slow-flush.c) ---- */

static char flush_dir[PATH_MAX];

/* msgqd (start_with(text)) on a disk whose flushes this test holds or fails, through flush_dir. */
static void start_slow_flush(const char *text, bool hold) {
        const char *shim = getenv("MSGQ_TEST_SLOW_FLUSH");

        ck_assert_msg(shim && *shim, "MSGQ_TEST_SLOW_FLUSH: not set (meson test sets it)");
        /* Beside msgqd's state, in the harness's directory: kept for a look when a test failed. */
        snprintf(flush_dir, sizeof flush_dir, "%s/flush", harness_state_dir());
        ck_assert_msg(mkdir(flush_dir, 0700) == 0, "%s: %s", flush_dir, strerror(errno));
        if (hold)
                close(open(fmt("%s/hold", flush_dir), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        setenv("LD_PRELOAD", shim, 1);
        setenv("MSGQ_TEST_FLUSH_DIR", flush_dir, 1);
        start_with(text);
        unsetenv("LD_PRELOAD");
        unsetenv("MSGQ_TEST_FLUSH_DIR");
}

/* How many flushes began ("enter") or ended ("leave") so far. */
static int flushes(const char *what) {
        char line[16];
        FILE *f = fopen(fmt("%s/flushes", flush_dir), "r");
        int n = 0;

        if (!f)
                return 0;
        while (fgets(line, sizeof line, f))
                n += strncmp(line, what, strlen(what)) == 0;
        fclose(f);
        return n;
}

/* Until n flushes began (ended), within the scaled 5 s. */
static void wait_flushes(const char *what, int n) {
        for (uint64_t end = monotonic_ms() + (uint64_t) scaled(5000); flushes(what) < n; sleep_ms(5))
                ck_assert_msg(monotonic_ms() < end, "%d flushes %s, not %d", flushes(what), what, n);
}

static void remove_flush_dir(void) {
        if (!flush_dir[0])
                return;
        unlink(fmt("%s/hold", flush_dir));
        unlink(fmt("%s/fail", flush_dir));
        unlink(fmt("%s/flushes", flush_dir));
        rmdir(flush_dir);
        flush_dir[0] = '\0';
}

/* The change number the state file holds. */
static uint64_t file_changes(void) {
        static struct ledstate_file f;
        const char *path = fmt("%s/led.0x%08x", harness_state_dir(), (unsigned) dmn.key);

        ck_assert_int_eq(ledstate_file_load(path, &f), 0);
        return f.changes;
}

/*
 * Nothing waits for the disk's flush but the flush thread: while the disk
 * holds a flush of the state file, requests that change lines are
 * answered (each in the file first), and an edge reaches the client
 * waiting for it; the changes written meanwhile are flushed together, once
 * the disk lets the first flush go: one flush more, not one each.  Writes
 * over a slot change no directory, and their flushes fsync none; a new
 * file (the old one removed) is flushed with its directory.
 */
START_TEST(flush_held_waits_for_nobody) {
        struct msgq_reply rep;
        uint64_t n;
        int id, fsyncs;

        start_slow_flush(inputs_conf, true);
        fsyncs = flushes("fsync"); /* the start's new file, written durably */
        line_op(MSGQ_OP_LED_ON, PUMP, 0);
        wait_flushes("enter", 1);
        for (int i = 0; i < 20; i++)
                ck_assert_uint_eq(line_op(MSGQ_OP_LED_TOGGLE, PUMP, 0).led.on, i % 2);
        ck_assert_uint_eq(file_changes(), last_change());
        id = msgq_queue_open(dmn.key);
        ck_assert_int_ge(id, 0);
        n = last_change();
        watch_by_hand(id, MSGQ_OP_LINE_EVENTS, DOOR, n, 61);
        edges("door", "1");
        reply_by_hand(id, &rep);
        ck_assert_uint_eq(rep.token, 61);
        ck_assert_uint_eq(rep.nchanges, 1);
        ck_assert_uint_eq(rep.events[0].edge, MSGQ_EDGE_RISING);
        ck_assert_uint_eq(rep.led.changes, n + 1);
        ck_assert_uint_eq(file_changes(), n + 1);
        /* All that while, the first flush was held, and no other began. */
        ck_assert_int_eq(flushes("enter"), 1);
        ck_assert_int_eq(flushes("leave"), 0);
        unlink(fmt("%s/hold", flush_dir));
        wait_flushes("leave", 2);
        ck_assert_int_eq(flushes("fsync"), fsyncs);
        ck_assert_int_eq(unlink(fmt("%s/led.0x%08x", harness_state_dir(), (unsigned) dmn.key)), 0);
        line_op(MSGQ_OP_LED_TOGGLE, PUMP, 0);
        wait_flushes("leave", 3);
        ck_assert_int_eq(flushes("fsync"), fsyncs + 1);
        stop();
        ck_assert_int_eq(flushes("enter"), 3); /* nothing left for the stop */
        remove_flush_dir();
}
END_TEST

/*
 * The stop flushes what is left: a change written while the disk holds
 * the flush before it is flushed before msgqd exits.
 */
START_TEST(stop_flushes_what_is_left) {
        start_slow_flush(inputs_conf, true);
        line_op(MSGQ_OP_LED_ON, PUMP, 0);
        wait_flushes("enter", 1);
        line_op(MSGQ_OP_LED_OFF, PUMP, 0);
        ck_assert_int_eq(kill(dmn.pid, SIGTERM), 0);
        ck_assert_msg(daemon_log_wait(&dmn, "received SIGTERM, stopping", scaled(5000)), "%s",
                      daemon_log(&dmn));
        unlink(fmt("%s/hold", flush_dir));
        stop();
        ck_assert_int_eq(flushes("enter"), 2);
        ck_assert_int_eq(flushes("leave"), 2);
        remove_flush_dir();
}
END_TEST

/* How often text is in msgqd's log. */
static int log_count(const char *text) {
        int n = 0;

        for (const char *p = daemon_log(&dmn); (p = strstr(p, text)); p += strlen(text))
                n++;
        return n;
}

/* A flush that fails is said once, however many fail after it; the first that succeeds again, once. */
START_TEST(flush_failure_said_once) {
        static const char failed[] = "cannot flush the lines' state in ";
        static const char again[] = "is flushed to the disk again";

        start_slow_flush(inputs_conf, false);
        close(open(fmt("%s/fail", flush_dir), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        for (int i = 1; i <= 3; i++) {
                line_op(MSGQ_OP_LED_TOGGLE, PUMP, 0);
                wait_flushes("leave", i);
        }
        ck_assert_msg(daemon_log_wait(&dmn, "Input/output error; it outlives a crash of msgqd, but a power "
                                            "cut may bring back an earlier one", scaled(2000)),
                      "%s", daemon_log(&dmn));
        unlink(fmt("%s/fail", flush_dir));
        line_op(MSGQ_OP_LED_TOGGLE, PUMP, 0);
        wait_flushes("leave", 4);
        ck_assert_msg(daemon_log_wait(&dmn, again, scaled(2000)), "%s", daemon_log(&dmn));
        line_op(MSGQ_OP_LED_TOGGLE, PUMP, 0);
        wait_flushes("leave", 5);
        ck_assert_int_eq(log_count(failed), 1);
        ck_assert_int_eq(log_count(again), 1);
        stop();
        remove_flush_dir();
}
END_TEST

/* An input whose simulated line cannot be made is refused at the start, naming it. */
START_TEST(input_that_cannot_be_had) {
        char path[PATH_MAX];
        int fd, r;

        snprintf(sim_dir, sizeof sim_dir, "/tmp/msgq-test-sim-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(sim_dir));
        snprintf(path, sizeof path, "%s/door", sim_dir);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600); /* a file, not a FIFO */
        ck_assert_int_ge(fd, 0);
        close(fd);
        r = try_start_with(inputs_conf);
        ck_assert_int_ne(r, 0);
        ck_assert_msg(strstr(daemon_log(&dmn), "[input door]: cannot simulate it"), "%s", daemon_log(&dmn));
        ck_assert(!queue_exists(dmn.key));
        teardown();
}
END_TEST

int main(void) {
        Suite *s = suite_create("inputs");

        harness_init();
        harness_set_hooks(NULL, teardown);
        harness_add(s, "in-the-table", inputs_in_the_table, 30);
        harness_add(s, "edges-numbered", edges_are_numbered, 30);
        harness_add(s, "watches-wait", watches_wait_for_edges, 30);
        harness_add(s, "kernel-loss", kernel_loss_is_told, 30);
        harness_add(s, "burst-larger-than-history", burst_larger_than_history, 60);
        harness_add(s, "debounce-burst", debounce_of_a_burst, 30);
        harness_add(s, "restart-between-edges", restart_between_edges, 60);
        harness_add(s, "one-edge-keeps-the-level", one_edge_keeps_the_level, 30);
        harness_add(s, "driving-refused", driving_an_input_refused, 30);
        harness_add(s, "cannot-be-had", input_that_cannot_be_had, 30);
        harness_add(s, "flush-held", flush_held_waits_for_nobody, 60);
        harness_add(s, "stop-flushes", stop_flushes_what_is_left, 60);
        harness_add(s, "flush-failure-once", flush_failure_said_once, 60);
        return harness_run(s);
}
