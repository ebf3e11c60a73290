/* SPDX-License-Identifier: MIT */
/*
 * Integration: the logger examples (examples/logger.c, the built
 * program, and examples/logger.py on the Python module) against the real
 * msgqd --sim with simulated inputs (MSGQD_SIM_INPUTS): killed with -9
 * between and during edges and started again, every change is in the
 * file once, in order; a torn last line is cut off; a restart of msgqd
 * shows as the away change; a burst larger than msgqd's history while
 * the logger was down is a line saying how many were missed (with names,
 * how many were each named line's where its own count tells, else of all
 * lines); msgqd behind the file is said; an unknown name is refused.  Both loggers
 * write the same file for the same events.  msgqd's table: 0 led, 1 door
 * (an input), 2 pump (an output); history 64.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "msgq.h"

#define CONF "[msgq]\nhistory = 64\n[input door]\ngpio = GPIO5\n[output pump]\ngpio = GPIO22\n"

enum { DOOR = 1, PUMP = 2 };

static struct daemon d;
static key_t key;
static char door; /* the door's level as this test left it: '0' or '1' */

/* The two loggers. */
enum kind { C_LOGGER, PY_LOGGER };
static const char *const kind_name[] = { "C", "Python" };

struct logger {
        enum kind kind;
        pid_t pid;
        int runs;       /* how often it was started */
        char file[320];
        char err[320];  /* its stderr, every run appended */
};

/* A test of each logger: name_c and name_py. */
#define BOTH(name)                                      \
        START_TEST(name##_c) { name(C_LOGGER); }        \
        END_TEST                                        \
        START_TEST(name##_py) { name(PY_LOGGER); }      \
        END_TEST

static void start_msgqd(void) {
        setenv("MSGQD_SIM_INPUTS", harness_state_dir(), 1);
        if (!key)
                key = test_key();
        daemon_start_checked(&d, key, (const char *const[]) { "-c", harness_config(CONF), NULL });
        unsetenv("MSGQD_SIM_INPUTS");
}

static void logger_init(struct logger *l, enum kind kind, const char *name) {
        *l = (struct logger) { .kind = kind };
        snprintf(l->file, sizeof l->file, "%s/%s.log", harness_state_dir(), name);
        snprintf(l->err, sizeof l->err, "%s/%s.err", harness_state_dir(), name);
}

/* What a file holds (NUL-terminated; one of two static buffers, in turn). */
static const char *contents(const char *path) {
        static char bufs[2][65536];
        static int turn;
        char *buf = bufs[turn++ % 2];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof bufs[0] - 1) : 0;

        buf[n > 0 ? n : 0] = '\0';
        if (fd >= 0)
                close(fd);
        return buf;
}

/* The logger on msgqd's key, FILE, then the names (NULL-terminated; NULL: none). */
static void logger_start(struct logger *l, const char *const *names) {
        const char *argv[16];
        int n = 0, fd;
        pid_t pid;

        if (l->kind == PY_LOGGER) {
                argv[n++] = "/usr/bin/python3";
                argv[n++] = fmt("%s/logger.py", getenv("MSGQ_EXAMPLES_SRCDIR"));
        } else {
                argv[n++] = getenv("MSGQ_LOGGER");
        }
        argv[n++] = "-k";
        argv[n++] = fmt("0x%08x", (unsigned) d.key);
        argv[n++] = l->file;
        for (int i = 0; names && names[i] && n < 15; i++)
                argv[n++] = names[i];
        argv[n] = NULL;
        fd = open(l->err, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        close(fd);
        l->pid = pid;
        l->runs++;
}

/* How often text is in a file. */
static int occurrences(const char *path, const char *text) {
        int n = 0;

        for (const char *p = contents(path); (p = strstr(p, text)); p++)
                n++;
        return n;
}

/* How often the logger said it had read its file (and then takes signals). */
static int ready_said(const struct logger *l) {
        return occurrences(l->err, "going on after") + occurrences(l->err, "a new file, from");
}

/* Wait until the logger's last start has read its file. */
static void wait_ready(const struct logger *l) {
        int said = 0;

        for (int waited = 0; waited < scaled(20000); waited += 10) {
                said = ready_said(l);
                if (said >= l->runs)
                        return;
                sleep_ms(10);
        }
        ck_assert_msg(said >= l->runs, "%s logger: started %d times, ready %d:\n%s", kind_name[l->kind],
                      l->runs, said, contents(l->err));
}

/* Wait up to ms for the logger's exit: its status (exit code, 128 + signal), or -1. */
static int logger_wait(struct logger *l, int ms) {
        int status;

        for (int waited = 0; waited <= ms; waited += 10) {
                if (waitpid(l->pid, &status, WNOHANG) == l->pid) {
                        l->pid = 0;
                        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                }
                sleep_ms(10);
        }
        return -1;
}

/* SIGTERM or SIGINT (Ctrl-C): it must end by itself, with 0. */
static void logger_signal(struct logger *l, int signo) {
        int status;

        wait_ready(l);
        ck_assert_int_eq(kill(l->pid, signo), 0);
        status = logger_wait(l, scaled(10000));
        ck_assert_msg(status == 0, "%s logger ended with %d after %s:\n%s", kind_name[l->kind], status,
                      strsignal(signo), contents(l->err));
}

static void logger_stop(struct logger *l) {
        logger_signal(l, SIGTERM);
}

/* SIGKILL, at whatever point it has reached: perhaps before it said it was ready. */
static void logger_kill(struct logger *l) {
        ck_assert_int_eq(kill(l->pid, SIGKILL), 0);
        ck_assert_int_eq(logger_wait(l, scaled(10000)), 128 + SIGKILL);
        l->runs = ready_said(l);
}

/* Whether the file has a whole line that starts with text (and is a change, if change). */
static bool has_line(const char *path, const char *text, bool change) {
        const char *s = contents(path);
        size_t n = strlen(text);

        for (const char *p = s; *p; p = strchr(p, '\n') + 1) {
                const char *nl = strchr(p, '\n');

                if (!nl)
                        return false;
                if (strncmp(p, text, n) != 0)
                        continue;
                if (!change || ((size_t) (nl - p) > 4 &&
                                (!strncmp(nl - 3, " on", 3) || !strncmp(nl - 4, " off", 4))))
                        return true;
        }
        return false;
}

static void wait_for(const struct logger *l, const char *text, bool change) {
        for (int waited = 0; waited < scaled(20000) && !has_line(l->file, text, change); waited += 10)
                sleep_ms(10);
        ck_assert_msg(has_line(l->file, text, change),
                      "%s logger: no line '%s' in its file:\n%s\nits stderr:\n%s", kind_name[l->kind], text,
                      contents(l->file), contents(l->err));
}

/* Wait for a line starting with text in the logger's file. */
static void wait_line(const struct logger *l, const char *text) {
        wait_for(l, text, false);
}

/* Wait for change number n in the logger's file (the change, not a loss told before it). */
static void wait_number(const struct logger *l, uint64_t n) {
        wait_for(l, fmt("%" PRIu64 " ", n), true);
}

/* msgqd's last change number, and the door's counter. */
static uint64_t last_change(uint64_t *count) {
        struct msgq_line_info lines[MSGQ_LINES_MAX];
        struct msgq_input_info in[1];
        struct msgq *h;
        uint64_t last = 0;
        int n;

        ck_assert_int_eq(msgq_open(&h, d.key), 0);
        n = msgq_line_list(h, lines, MSGQ_LINES_MAX);
        ck_assert_int_eq(n, 3);
        for (int i = 0; i < n; i++)
                if (lines[i].st.led.changes > last)
                        last = lines[i].st.led.changes;
        if (count) {
                ck_assert_int_eq(msgq_input_list(h, in, 1), 1);
                *count = in[0].count;
        }
        msgq_close(h);
        return last;
}

/* n edges of the door into its FIFO, each the other level; 'o' drops the next. */
static void edges(int n, bool drop_first) {
        char bytes[512];
        int k = 0;

        ck_assert_int_lt(n, 500);
        if (drop_first)
                bytes[k++] = 'o';
        for (int i = 0; i < n; i++)
                bytes[k++] = door = door == '1' ? '0' : '1';
        bytes[k] = '\0';
        sim_input_write(harness_state_dir(), "door", bytes);
}

/* Wait until msgqd has counted the door's edges up to count. */
static void wait_counted(uint64_t count) {
        uint64_t now = 0;

        for (int waited = 0; waited < scaled(10000); waited += 10) {
                last_change(&now);
                if (now >= count)
                        break;
                sleep_ms(10);
        }
        ck_assert_uint_eq(now, count);
}

/*
 * Every line of the file well-formed and its changes each once, in order:
 * after its start line at first, the changes first .. last of the door,
 * each level the other, except those a history line says were missed.
 */
static void check_file(const struct logger *l, uint64_t first, uint64_t last) {
        const char *s = contents(l->file);
        uint64_t next = first, start;
        int at = 0;

        ck_assert_msg(sscanf(s, "%" SCNu64 " - * start\n%n", &start, &at) == 1 && at > 0,
                      "%s logger: no start line:\n%s", kind_name[l->kind], s);
        ck_assert_uint_eq(start, first - 1);
        for (const char *p = s + at; *p;) {
                const char *nl = strchr(p, '\n');
                char when[64], name[32], edge[16], level[8];
                uint64_t number, missed;
                int used = 0;

                ck_assert_msg(nl, "%s logger: a last line without its newline:\n%s", kind_name[l->kind], s);
                if (sscanf(p, "%" SCNu64 " - * lost %" SCNu64 " history\n%n", &number, &missed, &used) == 2 &&
                    used == nl + 1 - p) {
                        ck_assert_msg(number == next - 1 + missed,
                                      "%s logger: history line %.*s after %" PRIu64, kind_name[l->kind],
                                      (int) (nl - p), p, next - 1);
                        next = number + 1;
                        p = nl + 1;
                        continue;
                }
                ck_assert_msg(sscanf(p, "%" SCNu64 " %63s %31s %15s %7s\n%n", &number, when, name, edge,
                                     level, &used) == 5 &&
                                      used == nl + 1 - p,
                              "%s logger: not a change: '%.*s' in\n%s", kind_name[l->kind], (int) (nl - p), p,
                              s);
                ck_assert_msg(number == next, "%s logger: change %" PRIu64 " where %" PRIu64 " was due:\n%s",
                              kind_name[l->kind], number, next, s);
                ck_assert_str_eq(name, "door");
                ck_assert_str_eq(edge, strcmp(level, "on") == 0 ? "rising" : "falling");
                ck_assert_int_eq(strlen(when), 30); /* 2026-12-07T12:24:34.864701318Z */
                next++;
                p = nl + 1;
        }
        ck_assert_msg(next == last + 1, "%s logger: its file ends at %" PRIu64 ", not %" PRIu64 ":\n%s",
                      kind_name[l->kind], next - 1, last, s);
}

/* Killed with -9 between edges, and while they come, then started again: each change once, in order. */
static void killed_and_restarted(enum kind kind) {
        struct logger l;
        uint64_t first;

        start_msgqd();
        logger_init(&l, kind, "kill");
        logger_start(&l, NULL);
        first = last_change(NULL) + 1;
        wait_line(&l, fmt("%" PRIu64 " - * start", first - 1));
        edges(1, false);
        wait_number(&l, first);
        logger_kill(&l);
        edges(2, false);                        /* while it is down */
        logger_start(&l, (const char *const[]) { "door", NULL });
        edges(1, false);
        wait_number(&l, first + 3);
        for (int round = 0; round < 5; round++) { /* killed at whatever point it has reached */
                logger_kill(&l);
                logger_start(&l, NULL);
                edges(5, false);
        }
        wait_number(&l, first + 28);
        logger_stop(&l);
        check_file(&l, first, first + 28);
        ck_assert_ptr_nonnull(strstr(contents(l.err), fmt("going on after")));
        daemon_stop_checked(&d);
}
BOTH(killed_and_restarted)

/* A torn last line (killed while writing it), and a lost-before line without its change, are cut off. */
static void torn_last_line(enum kind kind) {
        struct logger l;
        uint64_t first;
        int fd;

        start_msgqd();
        logger_init(&l, kind, "torn");
        logger_start(&l, NULL);
        first = last_change(NULL) + 1;
        wait_line(&l, fmt("%" PRIu64 " - * start", first - 1));
        edges(2, false);
        wait_number(&l, first + 1);
        logger_kill(&l);
        fd = open(l.file, O_WRONLY | O_APPEND | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "%" PRIu64 " 2026-12-07T12:24:34.8", first + 2), 0);
        close(fd);
        edges(1, false);
        logger_start(&l, NULL);
        wait_number(&l, first + 2);
        logger_kill(&l);
        /* As if killed between a loss and its change, written in one write(). */
        fd = open(l.file, O_WRONLY | O_APPEND | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "%" PRIu64 " 2026-12-07T12:24:34.864701318Z door lost 1 overflow\n",
                                 first + 3), 0);
        close(fd);
        edges(1, false);
        logger_start(&l, NULL);
        wait_number(&l, first + 3);
        logger_stop(&l);
        check_file(&l, first, first + 3);
        ck_assert_ptr_nonnull(strstr(contents(l.err), "dropped a torn last line"));
        ck_assert_ptr_nonnull(strstr(contents(l.err), "dropped a last line without its change"));
        daemon_stop_checked(&d);
}
BOTH(torn_last_line)

/* msgqd stopped and started again while the door changed: the away change, then the next edge. */
static void msgqd_restarted(enum kind kind) {
        const char *s;
        struct logger l;
        uint64_t first;
        int fd;

        start_msgqd();
        logger_init(&l, kind, "restart");
        logger_start(&l, NULL);
        first = last_change(NULL) + 1;
        wait_line(&l, fmt("%" PRIu64 " - * start", first - 1));
        edges(1, false);
        wait_number(&l, first);
        daemon_stop_checked(&d);
        /* The door's level while msgqd is away: low again. */
        fd = open(fmt("%s/door.level", harness_state_dir()), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "0", 1), 1);
        close(fd);
        door = '0';
        start_msgqd();
        edges(1, false);
        wait_number(&l, first + 2);
        logger_stop(&l);
        s = contents(l.file);
        /* The start, the edge, the away change told as a loss and as the change, the next edge. */
        {
                static const char *const want[] = { "door rising on", "door lost unknown away",
                                                    "door away off", "door rising on" };
                const uint64_t numbers[] = { first, first + 1, first + 1, first + 2 };
                const char *p = strchr(s, '\n');

                for (size_t i = 0; i < 4; i++) {
                        char what[64], when[64];
                        uint64_t number;
                        int used = 0;

                        ck_assert_msg(p && sscanf(p + 1, "%" SCNu64 " %63s %63[^\n]\n%n", &number, when, what,
                                                  &used) == 3 && used > 0,
                                      "%s logger: line %zu:\n%s", kind_name[l.kind], i + 2, s);
                        ck_assert_msg(number == numbers[i] && strcmp(what, want[i]) == 0 &&
                                              strlen(when) == 30,
                                      "%s logger: line %zu not '%" PRIu64 " TIME %s':\n%s", kind_name[l.kind],
                                      i + 2, numbers[i], want[i], s);
                        p += used;
                }
                ck_assert_str_eq(p + 1, "");
        }
        ck_assert_ptr_nonnull(strstr(contents(l.err), "msgqd stopped; waiting for it"));
        daemon_stop_checked(&d);
}
BOTH(msgqd_restarted)

/* A burst larger than msgqd's history while the logger was down: a line says how many were missed. */
static void burst_while_down(enum kind kind) {
        struct logger l;
        uint64_t first, count;

        start_msgqd();
        logger_init(&l, kind, "burst");
        logger_start(&l, NULL);
        first = last_change(&count) + 1;
        wait_line(&l, fmt("%" PRIu64 " - * start", first - 1));
        edges(1, false);
        wait_number(&l, first);
        logger_kill(&l);
        edges(200, false);
        wait_counted(count + 201);
        logger_start(&l, NULL);
        wait_number(&l, first + 200);
        logger_stop(&l);
        ck_assert_msg(has_line(l.file, fmt("%" PRIu64 " - * lost 136 history", first + 136), false),
                      "%s logger:\n%s", kind_name[l.kind], contents(l.file));
        check_file(&l, first, first + 200);
        daemon_stop_checked(&d);
}
BOTH(burst_while_down)

/* n changes of the pump (toggles), each numbered. */
static void pump_toggles(int n) {
        struct msgq *h;

        ck_assert_int_eq(msgq_open(&h, d.key), 0);
        for (int i = 0; i < n; i++)
                ck_assert_int_eq(msgq_line_toggle(h, PUMP, NULL), 0);
        msgq_close(h);
}

/* The logger's file with each line's time left out ("N LINE ...", "N - * ..." as they are). */
static const char *without_times(const struct logger *l) {
        static char out[65536];
        const char *s = contents(l->file);
        size_t at = 0;

        for (const char *p = s; *p;) {
                const char *nl = strchr(p, '\n'), *sp = strchr(p, ' '), *rest;

                ck_assert_ptr_nonnull(nl);
                ck_assert_msg(sp && sp < nl, "a line without fields: %s", s);
                rest = sp[1] == '-' && sp[2] == ' ' ? sp : strchr(sp + 1, ' ');
                ck_assert_msg(rest && rest < nl, "a line with a time and nothing else: %s", s);
                at += (size_t) snprintf(out + at, sizeof out - at, "%.*s%.*s\n", (int) (sp - p), p,
                                        (int) (nl - rest), rest);
                p = nl + 1;
        }
        out[at] = '\0';
        return out;
}

/* The logger's file, without its times, is want. */
static void expect_file(const struct logger *l, const char *want) {
        const char *got = without_times(l);

        ck_assert_msg(strcmp(got, want) == 0, "%s logger: its file, without times:\n%s\nexpected:\n%s",
                      kind_name[l->kind], got, want);
}

/*
 * A logger of door alone, and changes msgqd no longer keeps: the pump's
 * while the logger was down, of which it says nothing (door lost none: its
 * own count, as msgqd's table tells it, is what the file has); then door's
 * and the pump's, door having changed after the file's last number: door's
 * own count is not known, and the line of every line says so ("*").
 */
static void named_history(enum kind kind) {
        struct logger l;
        uint64_t s, count;
        char want[1024];

        start_msgqd();
        logger_init(&l, kind, "named");
        logger_start(&l, (const char *const[]) { "door", NULL });
        s = last_change(&count);
        wait_line(&l, fmt("%" PRIu64 " - * start", s));
        edges(1, false);
        wait_number(&l, s + 1);
        logger_kill(&l);
        pump_toggles(100);              /* s + 2 .. s + 101, past the history of 64 */
        logger_start(&l, (const char *const[]) { "door", NULL });
        wait_ready(&l);
        edges(1, false);                /* s + 102 */
        wait_number(&l, s + 102);
        logger_kill(&l);
        edges(3, false);                /* s + 103 .. s + 105 */
        pump_toggles(100);              /* s + 106 .. s + 205: kept s + 142 .. */
        wait_counted(count + 5);
        logger_start(&l, (const char *const[]) { "door", NULL });
        wait_line(&l, fmt("%" PRIu64 " - * lost 39 history", s + 141));
        edges(1, false);                /* s + 206 */
        wait_number(&l, s + 206);
        logger_stop(&l);
        snprintf(want, sizeof want,
                 "%" PRIu64 " - * start\n%" PRIu64 " door rising on\n%" PRIu64 " door falling off\n"
                 "%" PRIu64 " - * lost 39 history\n%" PRIu64 " door falling off\n",
                 s, s + 1, s + 102, s + 141, s + 206);
        expect_file(&l, want);
        daemon_stop_checked(&d);
}
BOTH(named_history)

/*
 * A logger of door and led that falls behind while it runs (stopped with
 * SIGSTOP): of the changes msgqd no longer kept, door's are counted from
 * its own count, a line of their own; led lost none and the pump is not
 * logged, so nothing is said of them.
 */
static void named_gap_running(enum kind kind) {
        struct logger l;
        uint64_t s, count;
        char want[1024];

        start_msgqd();
        logger_init(&l, kind, "stopped");
        logger_start(&l, (const char *const[]) { "door", "led", NULL });
        s = last_change(&count);
        wait_line(&l, fmt("%" PRIu64 " - * start", s));
        edges(1, false);
        wait_number(&l, s + 1);
        ck_assert_int_eq(kill(l.pid, SIGSTOP), 0);
        pump_toggles(100);              /* s + 2 .. s + 101; s + 2 answers the watch it waits in */
        edges(3, false);                /* s + 102 .. s + 104 */
        wait_counted(count + 4);
        pump_toggles(100);              /* s + 105 .. s + 204 */
        edges(2, false);                /* s + 205, s + 206: kept s + 143 .. s + 206 */
        wait_counted(count + 6);
        ck_assert_int_eq(kill(l.pid, SIGCONT), 0);
        wait_number(&l, s + 206);
        logger_stop(&l);
        snprintf(want, sizeof want,
                 "%" PRIu64 " - * start\n%" PRIu64 " door rising on\n%" PRIu64 " - door lost 3 history\n"
                 "%" PRIu64 " door rising on\n%" PRIu64 " door falling off\n",
                 s, s + 1, s + 142, s + 205, s + 206);
        expect_file(&l, want);
        daemon_stop_checked(&d);
}
BOTH(named_gap_running)

/* msgqd's number behind the file's (its state lost): said, written down, and logged on from msgqd's. */
static void msgqd_behind(enum kind kind) {
        struct logger l;
        uint64_t last;
        int fd;

        start_msgqd();
        logger_init(&l, kind, "behind");
        last = last_change(NULL);
        fd = open(l.file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_gt(dprintf(fd, "%" PRIu64 " - * start\n", last + 1000), 0);
        close(fd);
        logger_start(&l, NULL);
        wait_line(&l, fmt("%" PRIu64 " - * behind %" PRIu64, last, last + 1000));
        edges(1, false);
        wait_number(&l, last + 1);
        logger_signal(&l, SIGINT);
        ck_assert_ptr_nonnull(strstr(contents(l.err),
                                     fmt("msgqd's number %" PRIu64 " is behind the file's %" PRIu64, last,
                                         last + 1000)));
        daemon_stop_checked(&d);
}
BOTH(msgqd_behind)

/* A name msgqd has no line of: exit 1, naming it; nothing written. */
static void unknown_name(enum kind kind) {
        struct logger l;
        int status;

        start_msgqd();
        logger_init(&l, kind, "unknown");
        logger_start(&l, (const char *const[]) { "door", "dore", NULL });
        status = logger_wait(&l, scaled(10000));
        ck_assert_msg(status == 1, "%s logger: exit %d:\n%s", kind_name[l.kind], status, contents(l.err));
        ck_assert_ptr_nonnull(strstr(contents(l.err), "no line 'dore'; msgqd has led, door, pump"));
        ck_assert_str_eq(contents(l.file), "");
        daemon_stop_checked(&d);
}
BOTH(unknown_name)

/*
 * The C and Python loggers side by side on the same events (edges, a
 * kernel loss, an output's change, a burst past the history while both
 * were down, a restart of msgqd, each killed once): the same file.
 */
START_TEST(same_file) {
        struct logger c, py;
        uint64_t first, count, want;
        struct msgq *h;
        const char *s;
        char cfile[65536];
        int fd;

        start_msgqd();
        logger_init(&c, C_LOGGER, "same-c");
        logger_init(&py, PY_LOGGER, "same-py");
        logger_start(&c, NULL);
        logger_start(&py, NULL);
        first = last_change(&count) + 1;
        wait_line(&c, fmt("%" PRIu64 " - * start", first - 1));
        wait_line(&py, fmt("%" PRIu64 " - * start", first - 1));
        edges(3, false);
        edges(2, true);                 /* the kernel drops one: the next is told as lost 1 */
        ck_assert_int_eq(msgq_open(&h, d.key), 0);
        ck_assert_int_eq(msgq_line_toggle(h, PUMP, NULL), 0);
        msgq_close(h);
        want = first + 4;               /* 3 edges, 1 after a loss, the pump */
        wait_number(&c, want);
        wait_number(&py, want);
        logger_kill(&py);
        edges(1, false);
        logger_start(&py, NULL);
        wait_number(&c, want + 1);
        wait_number(&py, want + 1);
        logger_kill(&c);
        logger_kill(&py);
        edges(100, false);              /* past the history of 64 */
        wait_counted(count + 3 + 2 + 1 + 100); /* the edge lost counts */
        logger_start(&c, NULL);
        logger_start(&py, NULL);
        want += 101;
        wait_number(&c, want);
        wait_number(&py, want);
        daemon_stop_checked(&d);
        fd = open(fmt("%s/door.level", harness_state_dir()), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        door = door == '1' ? '0' : '1'; /* changed while msgqd was away */
        ck_assert_int_eq(write(fd, &door, 1), 1);
        close(fd);
        start_msgqd();
        edges(1, false);
        wait_number(&c, want + 2);
        wait_number(&py, want + 2);
        logger_stop(&c);
        logger_stop(&py);
        snprintf(cfile, sizeof cfile, "%s", contents(c.file));
        s = contents(py.file);
        if (strcmp(cfile, s) != 0) {
                size_t at = 0;

                while (cfile[at] == s[at])
                        at++;
                while (at > 0 && cfile[at - 1] != '\n')
                        at--;
                ck_abort_msg("the loggers' files differ from byte %zu on:\nC:\n%.300s\nPython:\n%.300s", at,
                             cfile + at, s + at);
        }
        ck_assert_ptr_nonnull(strstr(s, " door lost 1 overflow\n"));
        ck_assert_ptr_nonnull(strstr(s, " pump output on\n"));
        ck_assert_ptr_nonnull(strstr(s, " - * lost "));
        ck_assert_ptr_nonnull(strstr(s, " door lost unknown away\n"));
        ck_assert_ptr_nonnull(strstr(s, " door away "));
        daemon_stop_checked(&d);
}
END_TEST

static void teardown(void) {
        key = 0;
        door = '0';
}

int main(void) {
        Suite *s = suite_create("logger");
        const char *libdir = getenv("MSGQ_LIBDIR");

        if (!getenv("MSGQ_LOGGER") || !getenv("MSGQ_PYTHONPATH") || !getenv("MSGQ_EXAMPLES_SRCDIR")) {
                fprintf(stderr, "check-logger: MSGQ_LOGGER, MSGQ_PYTHONPATH and MSGQ_EXAMPLES_SRCDIR "
                                "name the loggers: run it with meson test\n");
                return EXIT_FAILURE;
        }
        harness_init();
        harness_set_hooks(NULL, teardown);
        door = '0';
        /* For logger.py: the Python module from the source tree, on the libmsgq just built. */
        setenv("PYTHONPATH", getenv("MSGQ_PYTHONPATH"), 1);
        if (libdir)
                setenv("LD_LIBRARY_PATH", libdir, 1);
        harness_add(s, "killed-and-restarted-c", killed_and_restarted_c, 120);
        harness_add(s, "killed-and-restarted-py", killed_and_restarted_py, 120);
        harness_add(s, "torn-last-line-c", torn_last_line_c, 120);
        harness_add(s, "torn-last-line-py", torn_last_line_py, 120);
        harness_add(s, "msgqd-restarted-c", msgqd_restarted_c, 120);
        harness_add(s, "msgqd-restarted-py", msgqd_restarted_py, 120);
        harness_add(s, "burst-while-down-c", burst_while_down_c, 120);
        harness_add(s, "burst-while-down-py", burst_while_down_py, 120);
        harness_add(s, "named-history-c", named_history_c, 120);
        harness_add(s, "named-history-py", named_history_py, 120);
        harness_add(s, "named-gap-running-c", named_gap_running_c, 120);
        harness_add(s, "named-gap-running-py", named_gap_running_py, 120);
        harness_add(s, "msgqd-behind-c", msgqd_behind_c, 120);
        harness_add(s, "msgqd-behind-py", msgqd_behind_py, 120);
        harness_add(s, "unknown-name-c", unknown_name_c, 120);
        harness_add(s, "unknown-name-py", unknown_name_py, 120);
        harness_add(s, "same-file", same_file, 180);
        return harness_run(s);
}
