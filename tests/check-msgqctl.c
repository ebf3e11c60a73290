/* SPDX-License-Identifier: MIT */
/*
 * Integration: the real msgqctl against the real msgqd --sim on private
 * keys, checking its exact output (text and --json) and exit codes as
 * msgqctl(1) documents them.  The seed chapter's exercise 4, the status
 * monitor, is here: `msgqctl status` shows the queue as ipcs does.
 *
 * --json output is checked with python3's json module (strict: one object,
 * no duplicate keys, no NaN/Infinity) and a Python expression over it.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "protocol.h"

static struct daemon dmn;
static struct run run, run2; /* large: not on the stack */

/* ---- helpers ---- */

static bool starts_with(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "0x7a001230", as msgqctl prints keys. */
static const char *hex(key_t key) {
        return fmt("0x%08x", (unsigned) key);
}

static void start(void) {
        daemon_start_checked(&dmn, test_key(), NULL);
}

/* msgqd's lines for the line tests: led at 0, then pump, buzzer (a relay) and fan (starts on). */
#define LINES_CONF                                                                     \
        "[output pump]\ngpio = GPIO22\n"                                                \
        "[output buzzer]\ngpio = GPIO27\nkind = relay\nstop = keep\n"                  \
        "[output fan]\ngpio = gpiochip0:5\nactive_low = true\nstart = on\n"

static void start_lines(void) {
        daemon_start_checked(&dmn, test_key(),
                             (const char *const[]) { "-c", harness_config(LINES_CONF), NULL });
}

/* A queue this test left on purpose (the teardown reports leftovers as failures). */
static void remove_queue(key_t key) {
        int id = msgget(key, 0);

        ck_assert_int_ge(id, 0);
        ck_assert_int_eq(msgctl(id, IPC_RMID, NULL), 0);
}

/* A queue with no daemon behind it. */
static int make_queue(key_t key) {
        int id = msgget(key, IPC_CREAT | IPC_EXCL | 0660);

        ck_assert_msg(id >= 0, "msgget: %s", strerror(errno));
        return id;
}

/* msgqctl -k KEY args... into run; it must finish by itself. */
#define CTL(key, ...)                                                                          \
        ck_assert_msg(ctl(&run, (key), __VA_ARGS__, NULL) == 0, "msgqctl did not finish: %s", \
                      run.err)
/* Any program (msgqctl without -k) into r. */
#define RUN(r, ...)                                                                              \
        ck_assert_msg(run_prog((r), 15000, (const char *const[]) { __VA_ARGS__, NULL }) == 0, \
                      "%s did not finish", #__VA_ARGS__)

/* Exit status and exact stdout; exact stderr unless err is NULL. */
#define EXPECT(r, st, out, err) expect_at(__LINE__, (r), (st), (out), (err))
static void expect_at(int line, const struct run *r, int status, const char *out, const char *err) {
        ck_assert_msg(r->status == status, "line %d: exit %d, expected %d\nstdout: %s\nstderr: %s",
                      line, r->status, status, r->out, r->err);
        ck_assert_msg(strcmp(r->out, out) == 0, "line %d: stdout:\n%s\nexpected:\n%s", line, r->out,
                      out);
        if (err)
                ck_assert_msg(strcmp(r->err, err) == 0, "line %d: stderr:\n%s\nexpected:\n%s", line,
                              r->err, err);
}
#define EXPECT_OK(r, out) EXPECT(r, 0, out, "")
/* Exit status and exact stderr, any stdout. */
#define EXPECT_EXIT(r, st, err) EXPECT(r, st, (r)->out, err)

/* Usage error: exit 2, nothing on stdout, "msgqctl: MESSAGE" then a hint to --help. */
#define EXPECT_USAGE(r, message) expect_usage_at(__LINE__, (r), (message))
static void expect_usage_at(int line, const struct run *r, const char *message) {
        const char *first = fmt("msgqctl: %s\n", message);
        const char *hint;

        expect_at(line, r, 2, "", NULL);
        ck_assert_msg(strncmp(r->err, first, strlen(first)) == 0,
                      "line %d: stderr:\n%s\nexpected to start with:\n%s", line, r->err, first);
        hint = r->err + strlen(first);
        ck_assert_msg(strncmp(hint, "Try 'msgqctl", 12) == 0 && ends_with(hint, " --help'.\n") &&
                              strchr(hint, '\n') == hint + strlen(hint) - 1,
                      "line %d: not one hint to --help after the message: %s", line, r->err);
}

/* Line n (from 0) of text, without its newline; NULL if there is none. */
static const char *line_of(const char *text, int n) {
        static char buf[1024];
        const char *nl;

        for (; n > 0; n--) {
                text = strchr(text, '\n');
                if (!text)
                        return NULL;
                text++;
        }
        nl = strchr(text, '\n');
        if (!nl)
                return NULL;
        snprintf(buf, sizeof buf, "%.*s", (int) (nl - text), text);
        return buf;
}

static int count_lines(const char *text) {
        int n = 0;

        for (; *text; text++)
                n += *text == '\n';
        return n;
}

/*
 * stdout must be exactly one JSON object and a newline, and the Python
 * expression (over d, the parsed object) must be true.
 */
#define EXPECT_JSON(r, ...) expect_json_at(__LINE__, (r), fmt(__VA_ARGS__))
static void expect_json_at(int line, const struct run *r, const char *expr) {
        static const char script[] =
                "import json, sys\n"
                "def pairs(p):\n"
                "    if len(set(k for k, _ in p)) != len(p):\n"
                "        raise ValueError('duplicate key')\n"
                "    return dict(p)\n"
                "def constant(c):\n"
                "    raise ValueError('not JSON: ' + c)\n"
                "d = json.loads(sys.argv[1], object_pairs_hook=pairs, parse_constant=constant)\n"
                "if not isinstance(d, dict):\n"
                "    sys.exit('not a JSON object')\n"
                "if not eval(sys.argv[2], {'d': d}):\n"
                "    sys.exit('false')\n";
        static struct run py;
        int rc;

        ck_assert_msg(ends_with(r->out, "}\n"), "line %d: stdout does not end with \"}\\n\": %s",
                      line, r->out);
        rc = run_prog(&py, 15000,
                      (const char *const[]) { "python3", "-c", script, r->out, expr, NULL });
        ck_assert_msg(rc == 0 && py.status == 0,
                      "line %d: JSON check %s failed (%d): %s\nstdout: %s", line, expr, py.status,
                      py.err, r->out);
}

/* Wait (2 s) until the daemon's log contains s. */
static bool log_contains(const char *s) {
        return daemon_log_wait(&dmn, s, 2000);
}

/* "uptime:             12.345 s": returns the line if it has that form. */
static const char *uptime_line(const char *text) {
        const char *l;
        size_t n;

        for (int i = 0; (l = line_of(text, i)); i++) {
                if (!starts_with(l, "uptime:"))
                        continue;
                ck_assert_msg(starts_with(l, "uptime:             ") && ends_with(l, " s"),
                              "bad uptime line: %s", l);
                n = strspn(l + 20, "0123456789");
                ck_assert_msg(n > 0 && l[20 + n] == '.' && strspn(l + 21 + n, "0123456789") == 3 &&
                                      strcmp(l + 24 + n, " s") == 0,
                              "bad uptime line: %s", l);
                return l;
        }
        ck_abort_msg("no uptime line in:\n%s", text);
        return NULL;
}

/* The stats block as msgqctl(1) documents it (values at column 21). */
static const char *stats_text(const char *actual, pid_t pid, unsigned served, const char *by_prio,
                              unsigned errors, const char *led) {
        return fmt("daemon pid:         %d\n"
                   "%s\n"
                   "served:             %u\n"
                   "served by priority: %s\n"
                   "errors:             %u\n"
                   "malformed:          0\n"
                   "replies late:       0\n"
                   "replies deferred:   0\n"
                   "replies dropped:    0\n"
                   "replies reclaimed:  0\n"
                   "queue recreated:    0\n"
                   "led:                %s\n",
                   (int) pid, uptime_line(actual), served, by_prio, errors, led);
}

static const char *id_text(const char *label, unsigned id, const char *name) {
        return name ? fmt("%s=%u(%s)", label, id, name) : fmt("%s=%u", label, id);
}

static const char *user_name(uid_t uid) {
        struct passwd *pw = getpwuid(uid);
        return pw ? fmt("%s", pw->pw_name) : NULL;
}

static const char *group_name(gid_t gid) {
        struct group *gr = getgrgid(gid);
        return gr ? fmt("%s", gr->gr_name) : NULL;
}

static const char *time_text(time_t t) {
        char buf[64];
        struct tm tm;

        if (t == 0)
                return "Not set";
        localtime_r(&t, &tm);
        strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
        return fmt("%s", buf);
}

/* The queue part of `status`, from our own IPC_STAT, as ipcs -q -i prints it. */
static const char *queue_text(key_t key) {
        static char buf[2048];
        int id = msgget(key, 0);
        struct msqid_ds ds;
        struct ipc_perm *p = &ds.msg_perm;

        ck_assert_int_ge(id, 0);
        ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), 0);
        snprintf(buf, sizeof buf,
                 "Message Queue msqid=%d key=0x%08x\n"
                 "%s\t%s\t%s\t%s\tmode=%04o\n"
                 "cbytes=%lu\tqbytes=%lu\tqnum=%lu\tlspid=%d\tlrpid=%d\n"
                 "send_time=%s\n"
                 "rcv_time=%s\n"
                 "change_time=%s\n",
                 id, (unsigned) key, id_text("uid", p->uid, user_name(p->uid)),
                 id_text("gid", p->gid, group_name(p->gid)),
                 id_text("cuid", p->cuid, user_name(p->cuid)),
                 id_text("cgid", p->cgid, group_name(p->cgid)), (unsigned) (p->mode & 0777),
                 (unsigned long) ds.__msg_cbytes, (unsigned long) ds.msg_qbytes,
                 (unsigned long) ds.msg_qnum, (int) ds.msg_lspid, (int) ds.msg_lrpid,
                 time_text(ds.msg_stime), time_text(ds.msg_rtime), time_text(ds.msg_ctime));
        return buf;
}

/* The same for a user the queue refuses, from /proc/sysvipc/msg: no qbytes. */
static const char *queue_text_proc(key_t key) {
        static char buf[2048];
        char *q;

        snprintf(buf, sizeof buf, "%s", queue_text(key));
        q = strstr(buf, "qbytes=");
        ck_assert_ptr_nonnull(q);
        memmove(q, strchr(q, '\t') + 1, strlen(strchr(q, '\t') + 1) + 1);
        return buf;
}

static const char *no_queue_error(key_t key) {
        return fmt("msgqctl: no queue with key %s: is msgqd running?\n", hex(key));
}

static const char *timeout_error(const char *secs, key_t key) {
        return fmt("msgqctl: no answer from msgqd within %s (key %s); the request stays queued "
                   "and is served when msgqd is back\n",
                   secs, hex(key));
}

/* A temporary configuration file; the caller unlinks it. */
static void write_config(char *path, size_t size, const char *content) {
        const char *dir = getenv("TMPDIR");
        int fd;

        snprintf(path, size, "%s/msgqctl-check-XXXXXX", dir && *dir ? dir : "/tmp");
        fd = mkstemp(path);

        ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
        ck_assert_int_eq(write(fd, content, strlen(content)), (ssize_t) strlen(content));
        close(fd);
}

/* ---- led ---- */

START_TEST(test_led_on_off_toggle_state) {
        start();
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, "led: off\n");
        CTL(dmn.key, "led", "on");
        EXPECT_OK(&run, "led: on\n");
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, "led: on\n");
        CTL(dmn.key, "led", "toggle");
        EXPECT_OK(&run, "led: off\n");
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, "led: off\n");
        CTL(dmn.key, "led", "toggle");
        EXPECT_OK(&run, "led: on\n");
        CTL(dmn.key, "led", "off");
        EXPECT_OK(&run, "led: off\n");
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, "led: off\n");
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_led_blink_count_ends_off) {
        bool off = false;

        start();
        /* Two flashes, the first already on: two blinks left, in the words of the request. */
        CTL(dmn.key, "led", "blink", "40", "2");
        EXPECT_OK(&run, "led: blinking (period 40 ms, 2 blinks left)\n");
        for (int i = 0; i < 150 && !off; i++) {
                CTL(dmn.key, "led", "state");
                ck_assert_msg(run.status == 0 &&
                                      (strcmp(run.out, "led: off\n") == 0 ||
                                       starts_with(run.out, "led: blinking (period 40 ms, ")),
                              "%s", run.out);
                off = strcmp(run.out, "led: off\n") == 0;
                if (!off)
                        sleep_ms(20);
        }
        ck_assert_msg(off, "still blinking: %s", run.out);

        CTL(dmn.key, "led", "blink", "1000", "1");
        EXPECT_OK(&run, "led: blinking (period 1000 ms, 1 blink left)\n");
        CTL(dmn.key, "led", "off");
        EXPECT_OK(&run, "led: off\n");
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_led_blink_is_cancelled) {
        start();
        CTL(dmn.key, "led", "blink", "500");
        EXPECT_OK(&run, "led: blinking (period 500 ms, until cancelled)\n");
        CTL(dmn.key, "led", "state"); /* a query does not cancel */
        EXPECT_OK(&run, "led: blinking (period 500 ms, until cancelled)\n");
        CTL(dmn.key, "led", "on");
        EXPECT_OK(&run, "led: on\n");
        sleep_ms(300); /* longer than a half period */
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, "led: on\n");

        CTL(dmn.key, "led", "blink", "100", "0");
        EXPECT_OK(&run, "led: blinking (period 100 ms, until cancelled)\n");
        CTL(dmn.key, "led", "toggle");
        ck_assert_msg(run.status == 0 && (strcmp(run.out, "led: on\n") == 0 ||
                                          strcmp(run.out, "led: off\n") == 0),
                      "%d %s", run.status, run.out);
        strcpy(run2.out, run.out);
        sleep_ms(120);
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, run2.out);
        daemon_stop_checked(&dmn);
}
END_TEST

/* Checked by msgqctl itself: no queue is needed (with one, it would exit 3). */
START_TEST(test_led_bad_arguments_are_usage_errors) {
        static const char *const periods[] = { "5", "19", "99999999", "3600001", "abc", "",
                                               "20 ms", "1.5ms", "2d", "0.01s" };
        key_t key = test_key();

        for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
                CTL(key, "led", "blink", periods[i]);
                EXPECT_USAGE(&run, fmt("invalid blink period '%s': expected 20..3600000 ms "
                                       "(or 0.5s, 1min)", periods[i]));
                ck_assert_str_eq(strchr(run.err, '\n') + 1, "Try 'msgqctl led --help'.\n");
        }
        /* Options go anywhere: a negative number is an option, unless after --. */
        CTL(key, "led", "blink", "-5");
        EXPECT_USAGE(&run, "unknown option '-5'");
        CTL(key, "led", "blink", "--", "-5");
        EXPECT_USAGE(&run, "invalid blink period '-5': expected 20..3600000 ms (or 0.5s, 1min)");
        CTL(key, "led", "blink", "500", "1000001");
        EXPECT_USAGE(&run, "invalid blink count '1000001': expected 0..1000000 flashes "
                           "(0: until cancelled)");
        CTL(key, "led", "blink", "500", "1x"); /* a word that starts with a letter is a line's name */
        EXPECT_USAGE(&run, "invalid blink count '1x': expected 0..1000000 flashes "
                           "(0: until cancelled)");
        CTL(key, "led", "blink");
        EXPECT_USAGE(&run, "blink needs PERIOD_MS");
        CTL(key, "led", "blink", "500", "1", "2");
        EXPECT_USAGE(&run, "too many arguments for blink");
        CTL(key, "led");
        EXPECT_USAGE(&run, "missing action: on, off, toggle, state, blink or watch");
        CTL(key, "led", "dim");
        EXPECT_USAGE(&run, "unknown action 'dim': expected on, off, toggle, state, blink or watch");
        CTL(key, "led", "of");
        EXPECT_USAGE(&run, "unknown action 'of': expected on, off, toggle, state, blink or watch; "
                           "did you mean 'off'?");
        CTL(key, "led", "blnik", "500");
        EXPECT_USAGE(&run, "unknown action 'blnik': expected on, off, toggle, state, blink or "
                           "watch; did you mean 'blink'?");
        CTL(key, "led", "on", "pump", "now"); /* a word that starts with a letter is a line's name */
        EXPECT_USAGE(&run, "too many arguments for on");
        ck_assert(!queue_exists(key));
}
END_TEST

/* ---- send ---- */

START_TEST(test_send_is_logged) {
        char longest[MSGQ_TEXT_MAX + 1];
        unsigned pid;
        const char *l;

        start();
        CTL(dmn.key, "send", "hello", "world");
        EXPECT_OK(&run, "sent: 11 bytes at priority 5\n");
        ck_assert_msg(log_contains(", priority 5: hello world\n"), "%s", daemon_log(&dmn));
        l = strstr(daemon_log(&dmn), "message from pid ");
        ck_assert_ptr_nonnull(l);
        ck_assert_int_eq(sscanf(l, "message from pid %u, priority 5: hello world", &pid), 1);
        ck_assert_uint_ne(pid, (unsigned) dmn.pid); /* msgqctl's pid, not the daemon's */
        ck_assert_uint_ne(pid, (unsigned) getpid());

        CTL(dmn.key, "send", "-p", "1", "urgent");
        EXPECT_OK(&run, "sent: 6 bytes at priority 1\n");
        ck_assert_msg(log_contains(", priority 1: urgent\n"), "%s", daemon_log(&dmn));

        CTL(dmn.key, "-p", "2", "send", "x");
        EXPECT_OK(&run, "sent: 1 byte at priority 2\n");
        CTL(dmn.key, "-p", "2", "send", "--priority=3", "abc");
        EXPECT_OK(&run, "sent: 3 bytes at priority 3\n");
        CTL(dmn.key, "send", "--", "-dash");
        EXPECT_OK(&run, "sent: 5 bytes at priority 5\n");
        ck_assert_msg(log_contains(", priority 5: -dash\n"), "%s", daemon_log(&dmn));
        CTL(dmn.key, "send", "h\xc3\xa9llo"); /* UTF-8 is not a control character */
        EXPECT_OK(&run, "sent: 6 bytes at priority 5\n");

        memset(longest, 'y', MSGQ_TEXT_MAX);
        longest[MSGQ_TEXT_MAX] = '\0';
        CTL(dmn.key, "send", longest);
        EXPECT_OK(&run, "sent: 256 bytes at priority 5\n");
        ck_assert_msg(log_contains(fmt(", priority 5: %s\n", longest)), "%s", daemon_log(&dmn));
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_send_bad_arguments_are_usage_errors) {
        static const char *const prios[] = { "0", "11", "abc", "", "-1", "5x" };
        char big[MSGQ_TEXT_MAX + 2], half[200];
        key_t key = test_key();

        memset(big, 'z', MSGQ_TEXT_MAX + 1);
        big[MSGQ_TEXT_MAX + 1] = '\0';
        CTL(key, "send", big);
        EXPECT_USAGE(&run, "text too long: 257 bytes, at most 256");
        /* Words joined by spaces count: 199 + 1 + 57 = 257. */
        memset(half, 'w', 199);
        half[199] = '\0';
        CTL(key, "send", half, big + 200);
        EXPECT_USAGE(&run, "text too long: 257 bytes, at most 256");

        CTL(key, "send", "tab\there");
        EXPECT_USAGE(&run, "text contains a control character (0x09 at byte 3)");
        CTL(key, "send", "new\nline");
        EXPECT_USAGE(&run, "text contains a control character (0x0a at byte 3)");
        CTL(key, "send", "del\x7f");
        EXPECT_USAGE(&run, "text contains a control character (0x7f at byte 3)");
        CTL(key, "send");
        EXPECT_USAGE(&run, "missing TEXT (or - to read it from standard input)");
        CTL(key, "send", "");
        EXPECT_USAGE(&run, "empty text");

        for (size_t i = 0; i < sizeof prios / sizeof prios[0]; i++) {
                const char *message = fmt("invalid priority '%s': expected 1 (most urgent) .. 10",
                                          prios[i]);
                CTL(key, "send", "-p", prios[i], "hi");
                EXPECT_USAGE(&run, message);
                CTL(key, "-p", prios[i], "send", "hi");
                EXPECT_USAGE(&run, message);
        }
        CTL(key, "send", "-p");
        EXPECT_USAGE(&run, "option '-p' needs an argument");
        ck_assert(!queue_exists(key));
}
END_TEST

/* ---- ping ---- */

START_TEST(test_ping_replies_and_summary) {
        double min, avg, max, mdev;
        const char *l;

        start();
        CTL(dmn.key, "ping", "-c", "3", "-i", "0");
        ck_assert_msg(run.status == 0 && run.err[0] == '\0', "%d %s", run.status, run.err);
        ck_assert_int_eq(count_lines(run.out), 4);
        for (int i = 0; i < 3; i++) {
                double us;

                l = line_of(run.out, i);
                ck_assert_msg(sscanf(l, "reply from msgqd pid %*u: seq=%*d time=%lf", &us) == 1,
                              "%s", l);
                ck_assert_str_eq(l, fmt("reply from msgqd pid %d: seq=%d time=%.1f µs",
                                        (int) dmn.pid, i + 1, us));
                ck_assert(us > 0);
        }
        l = line_of(run.out, 3);
        ck_assert_msg(sscanf(l, "3 requests, 3 replies, 0%% loss; rtt min/avg/max/mdev = "
                                "%lf/%lf/%lf/%lf",
                             &min, &avg, &max, &mdev) == 4,
                      "%s", l);
        ck_assert_str_eq(l, fmt("3 requests, 3 replies, 0%% loss; rtt min/avg/max/mdev = "
                                "%.1f/%.1f/%.1f/%.1f µs",
                                min, avg, max, mdev));
        ck_assert(min > 0 && min <= avg && avg <= max && mdev >= 0);

        /* The default is a single request. */
        CTL(dmn.key, "ping");
        ck_assert_int_eq(run.status, 0);
        ck_assert_int_eq(count_lines(run.out), 2);
        ck_assert(starts_with(line_of(run.out, 0), fmt("reply from msgqd pid %d: seq=1 time=",
                                                       (int) dmn.pid)));
        ck_assert(starts_with(line_of(run.out, 1), "1 request, 1 reply, 0% loss; rtt "));
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_ping_without_daemon_loses_requests) {
        key_t key = test_key();
        uint64_t t0;

        make_queue(key);
        t0 = monotonic_ms();
        CTL(key, "-t", "0.2", "ping", "-c", "2", "-i", "0");
        ck_assert_uint_lt(monotonic_ms() - t0, 3000);
        EXPECT(&run, 3,
               "no reply: seq=1 (timeout after 0.2 s)\n"
               "no reply: seq=2 (timeout after 0.2 s)\n"
               "2 requests, 0 replies, 100% loss\n",
               "msgqctl: 2 of 2 requests got no answer within 0.2 s\n");
        ck_assert_int_eq(queue_count(key), 2); /* both requests stay queued */
        remove_queue(key);
}
END_TEST

/* ---- stats and status ---- */

START_TEST(test_stats_counts_per_priority) {
        start();
        CTL(dmn.key, "-p", "1", "led", "on");
        EXPECT_OK(&run, "led: on\n");
        CTL(dmn.key, "send", "-p", "3", "hi");
        EXPECT_OK(&run, "sent: 2 bytes at priority 3\n");
        CTL(dmn.key, "-p", "10", "ping");
        ck_assert_int_eq(run.status, 0);
        CTL(dmn.key, "-p", "7", "stats"); /* counts itself */
        EXPECT_OK(&run, stats_text(run.out, dmn.pid, 4, "1=1 2=0 3=1 4=0 5=0 6=0 7=1 8=0 9=0 10=1",
                                   0, "on"));
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_status_with_daemon) {
        const char *queue;
        const char *blank;

        start();
        CTL(dmn.key, "led", "blink", "1000");
        ck_assert_int_eq(run.status, 0);
        queue = fmt("%s", queue_text(dmn.key)); /* as it is before status asks */
        CTL(dmn.key, "status");
        ck_assert_msg(run.status == 0, "%d %s", run.status, run.err);
        ck_assert(starts_with(run.out, fmt("Message Queue msqid=%d key=%s\n", msgget(dmn.key, 0),
                                           hex(dmn.key))));
        ck_assert_ptr_nonnull(strstr(run.out, "\tmode=0660\n"));
        ck_assert_ptr_nonnull(strstr(run.out, "\tqnum=0\t"));
        blank = strstr(run.out, "\n\n");
        ck_assert_ptr_nonnull(blank);
        EXPECT_OK(&run, fmt("%s\n%s", queue,
                            stats_text(blank + 2, dmn.pid, 2,
                                       "1=0 2=0 3=0 4=0 5=2 6=0 7=0 8=0 9=0 10=0", 0,
                                       "blinking (period 1000 ms, until cancelled)")));
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_status_daemon_killed) {
        uint64_t t0, took;
        const char *queue;

        start();
        daemon_kill(&dmn); /* leaves the queue behind */
        ck_assert(queue_exists(dmn.key));
        queue = fmt("%s", queue_text(dmn.key));
        t0 = monotonic_ms();
        CTL(dmn.key, "-t", "0.5", "status");
        took = monotonic_ms() - t0;
        EXPECT(&run, 3, fmt("%s\nmsgqd: not answering\n", queue), timeout_error("0.5 s", dmn.key));
        ck_assert_uint_ge(took, 500);
        ck_assert_uint_lt(took, 3000);
        remove_queue(dmn.key);
}
END_TEST

/* msgqctl led watch COUNT in a child, its output coming back through *fd. */
static pid_t led_watch_spawn(const char *count, int *fd) {
        int p[2];
        pid_t pid;

        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                struct run w;

                close(p[0]);
                if (ctl(&w, dmn.key, "led", "watch", count, NULL) < 0)
                        _exit(2);
                if (write(p[1], w.out, strlen(w.out)) < 0)
                        _exit(3);
                _exit(w.status);
        }
        close(p[1]);
        *fd = p[0];
        sleep_ms(300); /* it has asked for the state and is watching */
        return pid;
}

/* Its output, once it has exited with status 0. */
static void led_watch_collect(pid_t pid, int fd, char *out, size_t size) {
        ssize_t n;
        size_t got = 0;
        int st;

        while (got < size - 1 && (n = read(fd, out + got, size - 1 - got)) > 0)
                got += (size_t) n;
        out[got] = '\0';
        close(fd);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "msgqctl led watch: status %d, output '%s'", st, out);
}

/*
 * led watch's lines without their times.  Each line must begin with the
 * time msgqd made the state, to the nanosecond, local with its offset
 * ("2026-12-07T02:15:23.123456789+0100 "), between since_ns (the wall
 * clock before msgqd started) and now.
 */
static const char *without_times(const char *out, uint64_t since_ns) {
        static char rest[sizeof run.out];
        uint64_t now = (uint64_t) time(NULL) * 1000000000ull + 1000000000ull;
        size_t n = 0;

        for (const char *line = out; *line;) {
                const char *end = strchr(line, '\n');
                struct tm tm = { 0 };
                unsigned frac;
                int sign, oh, om, used = 0;
                char zone[6];
                uint64_t t;

                ck_assert_msg(end, "an unfinished line: %s", line);
                ck_assert_msg(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%9u%5s %n", &tm.tm_year, &tm.tm_mon,
                                     &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac, zone,
                                     &used) == 8 && used == 35 && line[19] == '.' && line[29] != '.',
                              "no time at the start of '%.*s'", (int) (end - line), line);
                sign = zone[0] == '-' ? -1 : 1;
                ck_assert_msg(strchr("+-", zone[0]) && sscanf(zone + 1, "%2d%2d", &oh, &om) == 2,
                              "offset '%s'", zone);
                tm.tm_year -= 1900;
                tm.tm_mon -= 1;
                t = (uint64_t) (timegm(&tm) - sign * (oh * 3600 + om * 60)) * 1000000000ull + frac;
                ck_assert_msg(t >= since_ns && t <= now, "time %llu not in [%llu, %llu]: %s",
                              (unsigned long long) t, (unsigned long long) since_ns, (unsigned long long) now, out);
                memcpy(rest + n, line + used, (size_t) (end + 1 - line - used));
                n += (size_t) (end + 1 - line - used);
                line = end + 1;
        }
        rest[n] = '\0';
        return rest;
}

/* The wall clock now, in ns: before msgqd starts, for without_times(). */
static uint64_t wall_ns(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ull + (uint64_t) ts.tv_nsec;
}

/*
 * led watch: the state, then each change as another client makes it (a
 * repeated "on" is none; a blink is one, its end another, made by msgqd's
 * main loop), until COUNT lines.
 */
START_TEST(test_led_watch_prints_every_change) {
        static const char *const changes[][4] = {
                { "led", "on" }, { "led", "on" }, { "led", "off" }, { "led", "blink", "100", "2" },
        };
        char out[sizeof run.out];
        uint64_t since = wall_ns();
        int fd;
        pid_t pid;

        start();
        pid = led_watch_spawn("6", &fd);
        for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
                ck_assert_int_eq(ctl(&run, dmn.key, changes[i][0], changes[i][1], changes[i][2], changes[i][3],
                                     NULL), 0);
                ck_assert_msg(run.status == 0, "%s %s: %s", changes[i][0], changes[i][1], run.err);
                sleep_ms(100);
        }
        sleep_ms(600); /* the blink ends */
        CTL(dmn.key, "led", "toggle");
        EXPECT_OK(&run, "led: on\n");
        led_watch_collect(pid, fd, out, sizeof out);
        ck_assert_str_eq(without_times(out, since),
                         "led: off\nled: on\nled: off\nled: blinking (period 100 ms, 2 blinks left)\n"
                         "led: off\nled: on\n");
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * Changes msgqd makes back to back (four requests queued while it is
 * stopped), faster than msgqctl can watch again: each is printed, in order.
 */
START_TEST(test_led_watch_prints_changes_back_to_back) {
        char out[sizeof run.out];
        uint64_t since = wall_ns();
        int fd;
        pid_t pid;

        start();
        pid = led_watch_spawn("5", &fd);
        daemon_led_burst(&dmn, 4);
        led_watch_collect(pid, fd, out, sizeof out);
        ck_assert_str_eq(without_times(out, since), "led: off\nled: on\nled: off\nled: on\nled: off\n");
        daemon_stop_checked(&dmn);
}
END_TEST

/* The seed's exercise 4: a client sent while no daemon ran; status shows it waiting. */
START_TEST(test_status_monitor_shows_waiting_request) {
        key_t key = test_key();
        int id = make_queue(key);
        struct { long mtype; char text[3]; } msg = { .mtype = 3, .text = "ON" };
        struct msqid_ds ds;
        const char *queue;

        ck_assert_int_eq(msgsnd(id, &msg, sizeof msg.text, 0), 0);
        queue = fmt("%s", queue_text(key));
        CTL(key, "-t", "0.3", "status");
        EXPECT(&run, 3, fmt("%s\nmsgqd: not answering\n", queue), timeout_error("0.3 s", key));
        ck_assert_str_eq(line_of(run.out, 1),
                         fmt("%s\t%s\t%s\t%s\tmode=0660",
                             id_text("uid", getuid(), user_name(getuid())),
                             id_text("gid", getgid(), group_name(getgid())),
                             id_text("cuid", getuid(), user_name(getuid())),
                             id_text("cgid", getgid(), group_name(getgid()))));
        ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), 0);
        ck_assert_str_eq(line_of(run.out, 2), fmt("cbytes=3\tqbytes=%lu\tqnum=1\tlspid=%d\tlrpid=0",
                                                  (unsigned long) ds.msg_qbytes, (int) getpid()));
        ck_assert(!starts_with(line_of(run.out, 3), "send_time=Not set"));
        ck_assert_str_eq(line_of(run.out, 4), "rcv_time=Not set");
        ck_assert_int_eq(queue_count(key), 2); /* and status's own request waits too */

        /* A daemon on that key serves both. */
        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0);
        CTL(key, "led", "state");
        EXPECT_OK(&run, "led: on\n");
        ck_assert_int_eq(queue_count(key), 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- no daemon ---- */

START_TEST(test_no_queue_every_command_exits_3) {
        static const char *const commands[][4] = {
                { "led", "on" }, { "led", "state" }, { "led", "blink", "500" }, { "send", "hi" },
                { "ping" },      { "ping", "-c", "3" }, { "stats" },          { "status" },
                { "shutdown" },
        };
        key_t key = test_key();

        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
                const char *const *c = commands[i];
                uint64_t t0 = monotonic_ms();

                CTL(key, c[0], c[1], c[2], c[3]);
                ck_assert_msg(monotonic_ms() - t0 < 2000, "%s took %llu ms", c[0],
                              (unsigned long long) (monotonic_ms() - t0));
                EXPECT(&run, 3, "", no_queue_error(key));
        }
        ck_assert(!queue_exists(key)); /* msgqctl never creates the queue */
}
END_TEST

START_TEST(test_request_queued_while_daemon_down) {
        key_t key = test_key();
        uint64_t t0, took;

        make_queue(key);
        t0 = monotonic_ms();
        CTL(key, "-t", "0.3", "led", "on");
        took = monotonic_ms() - t0;
        EXPECT(&run, 3, "", timeout_error("0.3 s", key));
        ck_assert_uint_ge(took, 300);
        ck_assert_uint_lt(took, 2000);
        ck_assert_int_eq(queue_count(key), 1);

        ck_assert_int_eq(daemon_start(&dmn, key, NULL), 0); /* adopts the queue */
        CTL(key, "led", "state");
        EXPECT_OK(&run, "led: on\n");
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_queue_removed_while_waiting) {
        key_t key = test_key();
        int id = make_queue(key);
        uint64_t t0;
        pid_t remover;
        int st;

        remover = fork();
        ck_assert_int_ge(remover, 0);
        if (remover == 0) {
                sleep_ms(300);
                _exit(msgctl(id, IPC_RMID, NULL) == 0 ? 0 : 1);
        }
        t0 = monotonic_ms();
        CTL(key, "-t", "10", "led", "on");
        ck_assert_uint_lt(monotonic_ms() - t0, 5000);
        ck_assert_int_eq(waitpid(remover, &st, 0), remover);
        ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        EXPECT(&run, 3, "",
               fmt("msgqctl: the queue with key %s was removed while waiting for the answer "
                   "(msgqd stopped?)\n",
                   hex(key)));
}
END_TEST

/* ---- shutdown ---- */

START_TEST(test_shutdown_stops_daemon) {
        start();
        CTL(dmn.key, "shutdown");
        EXPECT_OK(&run, fmt("msgqd pid %d stopped\n", (int) dmn.pid));
        ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
        ck_assert(!queue_exists(dmn.key));
        CTL(dmn.key, "led", "state");
        EXPECT(&run, 3, "", no_queue_error(dmn.key));

        CTL(dmn.key, "shutdown", "now");
        EXPECT_USAGE(&run, "unexpected argument 'now'");
}
END_TEST

/*
 * "It answers before it exits" (msgqctl(1)), every time: the answer must
 * not be lost to the queue's removal.  Repeated, since a race shows up
 * only now and then.
 */
START_TEST(test_shutdown_always_answered) {
        key_t key = test_key();

        for (int i = 0; i < 100; i++) {
                int r = daemon_start(&dmn, key, NULL);

                ck_assert_msg(r == 0, "msgqd did not become ready (%s): %s", strerror(-r),
                              daemon_log(&dmn));
                CTL(key, "shutdown");
                ck_assert_msg(run.status == 0, "round %d: exit %d: %s", i, run.status, run.err);
                EXPECT_OK(&run, fmt("msgqd pid %d stopped\n", (int) dmn.pid));
                ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
                ck_assert(!queue_exists(key));
        }
}
END_TEST

/*
 * When shutdown returns, msgqd has let go of the key: a msgqd started right
 * after it serves, also when the LED takes 800 ms to turn off at the stop.
 */
START_TEST(test_shutdown_waits_until_key_free) {
        struct daemon next;
        key_t key = test_key();

        ck_assert_int_eq(setenv("MSGQD_SIM_DELAY_MS", "800", 1), 0);
        daemon_start_checked(&dmn, key, NULL);
        CTL(key, "led", "on");
        EXPECT_OK(&run, "led: on\n");
        CTL(key, "shutdown");
        EXPECT_OK(&run, fmt("msgqd pid %d stopped\n", (int) dmn.pid));
        ck_assert_int_eq(daemon_start(&next, key, NULL), 0);
        ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
        ck_assert_msg(!strstr(daemon_log(&next), "already serving"), "log: %s", daemon_log(&next));
        CTL(key, "led", "state");
        EXPECT_OK(&run, "led: on\n"); /* restored by the next */
        daemon_stop_checked(&next);
        unsetenv("MSGQD_SIM_DELAY_MS");
}
END_TEST

/* ---- --json ---- */

START_TEST(test_json_led_send_shutdown) {
        start();
        CTL(dmn.key, "--json", "led", "state");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run, "d == {'led': {'state': 'off', 'on': False, 'blinking': False, "
                          "'period_ms': 0, 'toggles_left': 0, 'blinks_left': 0}}");
        CTL(dmn.key, "--json", "led", "on");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run, "d['led']['on'] is True and d['led']['state'] == 'on'");
        CTL(dmn.key, "-j", "led", "blink", "500", "3");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run, "d == {'led': {'state': 'blinking', 'on': True, 'blinking': True, "
                          "'period_ms': 500, 'toggles_left': 5, 'blinks_left': 3}}");
        CTL(dmn.key, "--json", "send", "-p", "2", "hello", "world");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run, "d == {'sent': True, 'bytes': 11, 'priority': 2}");
        CTL(dmn.key, "--json", "shutdown");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run, "d == {'stopped': True, 'daemon_pid': %d}", (int) dmn.pid);
        ck_assert_int_eq(daemon_wait(&dmn, 5000), 0);
        ck_assert(!queue_exists(dmn.key));
}
END_TEST

START_TEST(test_json_ping_stats_status) {
        start();
        CTL(dmn.key, "--json", "ping", "-c", "2", "-i", "0");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run,
                    "d['requests'] == 2 and d['replies'] == 2 and d['loss_percent'] == 0"
                    " and [p['seq'] for p in d['pings']] == [1, 2]"
                    " and all(p['daemon_pid'] == %d and p['rtt_us'] > 0 and set(p) == "
                    "{'seq', 'rtt_us', 'daemon_pid'} for p in d['pings'])"
                    " and set(d['rtt_us']) == {'min', 'avg', 'max', 'mdev'}"
                    " and 0 < d['rtt_us']['min'] <= d['rtt_us']['avg'] <= d['rtt_us']['max']"
                    " and 'error' not in d and 'exit_code' not in d",
                    (int) dmn.pid);
        CTL(dmn.key, "--json", "stats");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run,
                    "d['daemon_pid'] == %d and d['served'] == 3"
                    " and d['served_by_priority'] == [0, 0, 0, 0, 3, 0, 0, 0, 0, 0]"
                    " and d['errors'] == 0 and d['malformed'] == 0 and d['replies_late'] == 0"
                    " and d['led']['state'] == 'off' and isinstance(d['uptime_ms'], int)",
                    (int) dmn.pid);
        CTL(dmn.key, "--json", "status");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run,
                    "d['queue']['key'] == '%s' and d['queue']['msqid'] == %d"
                    " and d['queue']['mode'] == '0660' and d['queue']['qnum'] == 0"
                    " and d['queue']['uid'] == %u and d['queue']['cbytes'] == 0"
                    " and d['queue']['lspid'] == %d and isinstance(d['queue']['send_time'], int)"
                    " and d['daemon']['daemon_pid'] == %d and d['daemon']['served'] == 4"
                    " and 'error' not in d and 'exit_code' not in d",
                    hex(dmn.key), msgget(dmn.key, 0), (unsigned) getuid(), (int) dmn.pid,
                    (int) dmn.pid);
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_json_errors) {
        key_t key = test_key(), idle = test_key();

        CTL(key, "--json", "led", "state");
        EXPECT_EXIT(&run, 3, no_queue_error(key));
        EXPECT_JSON(&run,
                    "d == {'error': 'no queue with key %s: is msgqd running?', 'exit_code': 3}",
                    hex(key));
        CTL(key, "--json", "status");
        EXPECT_EXIT(&run, 3, no_queue_error(key));
        EXPECT_JSON(&run, "d['exit_code'] == 3 and len(d) == 2");
        CTL(key, "--json", "ping", "-c", "2");
        EXPECT_EXIT(&run, 3, no_queue_error(key));
        EXPECT_JSON(&run, "d['exit_code'] == 3 and len(d) == 2");

        /* Usage errors, also in the global options. */
        CTL(key, "--json", "frobnicate");
        ck_assert_int_eq(run.status, 2);
        EXPECT_JSON(&run, "d == {'error': \"unknown command 'frobnicate'\", 'exit_code': 2}");
        CTL(key, "--json", "led", "blink", "5");
        ck_assert_int_eq(run.status, 2);
        EXPECT_JSON(&run, "d['exit_code'] == 2 and d['error'].startswith('invalid blink period')");
        RUN(&run, "msgqctl", "-k", "zz", "--json", "led", "state");
        ck_assert_int_eq(run.status, 2);
        EXPECT_JSON(&run, "d['exit_code'] == 2 and d['error'].startswith(\"invalid key 'zz'\")");

        /* A queue nobody serves: status keeps the queue, ping its lost requests. */
        make_queue(idle);
        CTL(idle, "--json", "-t", "0.2", "status");
        EXPECT_EXIT(&run, 3, timeout_error("0.2 s", idle));
        EXPECT_JSON(&run,
                    "d['daemon'] is None and d['exit_code'] == 3 and d['queue']['key'] == '%s'"
                    " and d['queue']['qnum'] == 0 and d['queue']['rcv_time'] is None"
                    " and d['error'].startswith('no answer from msgqd within 0.2 s')",
                    hex(idle));
        CTL(idle, "--json", "-t", "0.2", "ping", "-c", "2", "-i", "0");
        ck_assert_int_eq(run.status, 3);
        EXPECT_JSON(&run,
                    "d['requests'] == 2 and d['replies'] == 0 and d['loss_percent'] == 100"
                    " and d['rtt_us'] is None and d['exit_code'] == 3"
                    " and d['pings'] == [{'seq': 1, 'error': 'no answer within 0.2 s'},"
                    " {'seq': 2, 'error': 'no answer within 0.2 s'}]");
        remove_queue(idle);
}
END_TEST

/* ---- usage ---- */

START_TEST(test_usage_errors) {
        key_t key = test_key();

        RUN(&run, "msgqctl");
        EXPECT(&run, 2, "", "msgqctl: no command given\nTry 'msgqctl --help'.\n");
        CTL(key, NULL);
        EXPECT(&run, 2, "", "msgqctl: no command given\nTry 'msgqctl --help'.\n");
        CTL(key, "frobnicate");
        EXPECT(&run, 2, "", "msgqctl: unknown command 'frobnicate'\nTry 'msgqctl --help'.\n");
        CTL(key, "--frobnicate", "led", "on");
        EXPECT_USAGE(&run, "unknown option '--frobnicate'");
        CTL(key, "-x", "led", "on");
        EXPECT_USAGE(&run, "unknown option '-x'");
        CTL(key, "led", "--frobnicate");
        EXPECT_USAGE(&run, "unknown option '--frobnicate'");
        ck_assert_str_eq(strchr(run.err, '\n') + 1, "Try 'msgqctl led --help'.\n");
        CTL(key, "ping", "-x");
        EXPECT_USAGE(&run, "unknown option '-x'");
        CTL(key, "ping", "-c");
        EXPECT_USAGE(&run, "option '-c' needs an argument");
        CTL(key, "ping", "-c", "0");
        EXPECT_USAGE(&run, "invalid count '0': expected 1 or more");
        CTL(key, "ping", "-i", "x");
        EXPECT_USAGE(&run, "invalid interval 'x': expected seconds (or 200ms, 1s), 0 .. 3600 s");
        CTL(key, "ping", "extra");
        EXPECT_USAGE(&run, "unexpected argument 'extra'");
        CTL(key, "led", "watch", "0");
        EXPECT_USAGE(&run, "invalid count '0': expected a number of lines, 1 or more");
        CTL(key, "led", "watch", "1", "2");
        EXPECT_USAGE(&run, "too many arguments for watch");
        CTL(key, "stats", "extra");
        EXPECT_USAGE(&run, "unexpected argument 'extra'");
        CTL(key, "status", "extra");
        EXPECT_USAGE(&run, "unexpected argument 'extra'");
        CTL(key, "help", "frobnicate");
        EXPECT_USAGE(&run, "unknown command 'frobnicate'");
        CTL(key, "-t");
        EXPECT_USAGE(&run, "option '-t' needs an argument");
        ck_assert(!queue_exists(key));
}
END_TEST

START_TEST(test_help_lists_commands_and_exit_codes) {
        static const char *const commands[] = { "list", "get",    "set",      "watch", "inputs",
                                                "mon",  "led",    "send",     "ping",  "stats",
                                                "status", "shutdown", "help" };
        static const char *const codes[] = {
                "\n  0  success\n",
                "\n  1  msgqd answered with an error, or has no line of a name given\n",
                "\n  2  usage error",          "\n  3  msgqd unavailable",
                "\n  4  permission denied",
        };
        key_t key = test_key();

        CTL(key, "--help");
        EXPECT_EXIT(&run, 0, "");
        ck_assert(starts_with(run.out, "Usage: msgqctl [OPTIONS] COMMAND [ARGS...]\n"));
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                ck_assert_msg(strstr(run.out, fmt("\n  %-10s ", commands[i])), "%s missing:\n%s",
                              commands[i], run.out);
        ck_assert_ptr_nonnull(strstr(run.out, "\nExit codes:\n"));
        for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
                ck_assert_msg(strstr(run.out, codes[i]), "%s missing:\n%s", codes[i], run.out);
        for (const char *o = "-k, --key=\0-c, --config=\0-t, --timeout=\0-p, --priority=\0"
                             "-j, --json\0-h, --help\0-V, --version\0";
             *o; o += strlen(o) + 1)
                ck_assert_msg(strstr(run.out, o), "%s missing:\n%s", o, run.out);
        strcpy(run2.out, run.out);
        CTL(key, "-h");
        EXPECT_OK(&run, run2.out);
        CTL(key, "help");
        EXPECT_OK(&run, run2.out);

        CTL(key, "led", "--help");
        EXPECT_EXIT(&run, 0, "");
        ck_assert(starts_with(run.out, "Usage: msgqctl [OPTIONS] led on|off|toggle|state [NAME]\n"
                                       "       msgqctl [OPTIONS] led blink PERIOD_MS [COUNT] [NAME]\n"
                                       "       msgqctl [OPTIONS] led watch [COUNT] [NAME]\n"
                                       "\nSwitch, blink, query or watch the LED, or a line.\n"));
        ck_assert(ends_with(run.out, "\nGlobal options, before or after the command: -k KEY, "
                                     "-c FILE, -t TIME,\n-p PRIO, -j/--json, -q/--quiet; see "
                                     "msgqctl --help, with the exit codes.\n"));
        strcpy(run2.out, run.out);
        CTL(key, "help", "led");
        EXPECT_OK(&run, run2.out);
        CTL(key, "led", "-h");
        EXPECT_OK(&run, run2.out);

        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
                CTL(key, commands[i], "--help");
                EXPECT_EXIT(&run, 0, "");
                ck_assert_msg(starts_with(run.out, fmt("Usage: msgqctl [OPTIONS] %s", commands[i])),
                              "%s", run.out);
        }

        CTL(key, "--version");
        EXPECT_EXIT(&run, 0, "");
        ck_assert_msg(starts_with(run.out, "msgqctl ") &&
                              ends_with(run.out, fmt(" (protocol %d)\n", MSGQ_PROTOCOL_VERSION)),
                      "%s", run.out);
        ck_assert(!queue_exists(key));
}
END_TEST

START_TEST(test_bad_key_timeout_priority) {
        static const char *const keys[] = { "zz", "-1", "", "0x", "012", "0x1g" };
        /* Numbers out of range: the message says so, and gives the range. */
        static const char *const big_keys[] = { "0", "0x0", "0x1ffffffff", "2147483648", "4294967295" };
        static const char *const timeouts[] = { "0", "abc", "3601", "3600.5", "-1", "", "1.2345",
                                                ".5", "5.", "1e3", "0.000" };
        key_t key = test_key();

        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
                RUN(&run, "msgqctl", "-k", keys[i], "led", "state");
                EXPECT_USAGE(&run, fmt("invalid key '%s': expected 0x1 to 0xffffffff in hex, "
                                       "or 1 to 2147483647 in decimal", keys[i]));
        }
        for (size_t i = 0; i < sizeof big_keys / sizeof big_keys[0]; i++) {
                RUN(&run, "msgqctl", "-k", big_keys[i], "led", "state");
                EXPECT_USAGE(&run, fmt("invalid key '%s': out of range: expected 0x1 to 0xffffffff "
                                       "in hex, or 1 to 2147483647 in decimal", big_keys[i]));
        }
        for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
                CTL(key, "-t", timeouts[i], "led", "state");
                EXPECT_USAGE(&run, fmt("invalid timeout '%s': expected seconds (or 500ms, 2s, "
                                       "1min), more than 0 and at most 3600 s",
                                       timeouts[i]));
        }
        /* Limits that are fine: then it is the missing queue. */
        CTL(key, "-t", "3600", "led", "state");
        EXPECT(&run, 3, "", no_queue_error(key));
        CTL(key, "-t", "0.001", "led", "state");
        EXPECT(&run, 3, "", no_queue_error(key));
        CTL(key, "-p", "1", "led", "state");
        EXPECT(&run, 3, "", no_queue_error(key));
        CTL(key, "-p", "10", "led", "state");
        EXPECT(&run, 3, "", no_queue_error(key));
        RUN(&run, "msgqctl", "-k", fmt("%d", (int) key), "led", "state"); /* decimal */
        EXPECT(&run, 3, "", no_queue_error(key));
        RUN(&run, "msgqctl", "--key", hex(key), "led", "state");
        EXPECT(&run, 3, "", no_queue_error(key));
}
END_TEST

/* ---- where the key comes from ---- */

START_TEST(test_key_from_environment) {
        start();
        unsetenv("MSGQ_KEY");
        setenv("MSGQ_KEY", hex(dmn.key), 1);
        RUN(&run, "msgqctl", "led", "on");
        EXPECT_OK(&run, "led: on\n");
        setenv("MSGQ_KEY", fmt("%d", (int) dmn.key), 1);
        RUN(&run, "msgqctl", "led", "state");
        EXPECT_OK(&run, "led: on\n");

        setenv("MSGQ_KEY", "garbage", 1);
        RUN(&run, "msgqctl", "led", "off");
        EXPECT(&run, 2, "",
               "msgqctl: invalid MSGQ_KEY 'garbage': expected 0x1 to 0xffffffff in hex, or 1 to "
               "2147483647 in decimal\n");
        RUN(&run, "msgqctl", "--json", "led", "off");
        ck_assert_int_eq(run.status, 2);
        EXPECT_JSON(&run, "d['exit_code'] == 2 and "
                          "d['error'].startswith(\"invalid MSGQ_KEY 'garbage'\")");
        setenv("MSGQ_KEY", "0", 1);
        RUN(&run, "msgqctl", "led", "off");
        EXPECT(&run, 2, "",
               "msgqctl: invalid MSGQ_KEY '0': out of range: expected 0x1 to 0xffffffff in hex, "
               "or 1 to 2147483647 in decimal\n");
        /* With -k, MSGQ_KEY is not read at all. */
        setenv("MSGQ_KEY", "garbage", 1);
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, "led: on\n");
        unsetenv("MSGQ_KEY");
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_key_from_config_file) {
        static struct run with_file, env_over_file, k_over_file, missing, bad, bad_with_k;
        char good[300], elsewhere[300], broken[300];
        key_t other;

        start();
        other = test_key(); /* no queue */
        unsetenv("MSGQ_KEY");
        write_config(good, sizeof good, fmt("# test\n[msgq]\nkey = %s\n", hex(dmn.key)));
        write_config(elsewhere, sizeof elsewhere, fmt("[msgq]\nkey = %s\n", hex(other)));
        write_config(broken, sizeof broken, "[msgq]\nkey = zz\n");

        RUN(&with_file, "msgqctl", "-c", good, "led", "on");
        setenv("MSGQ_KEY", hex(dmn.key), 1);
        RUN(&env_over_file, "msgqctl", "--config", elsewhere, "led", "state");
        unsetenv("MSGQ_KEY");
        RUN(&k_over_file, "msgqctl", "-c", good, "-k", hex(other), "led", "state");
        RUN(&missing, "msgqctl", "-c", fmt("%s.missing", good), "led", "state");
        RUN(&bad, "msgqctl", "-c", broken, "led", "state");
        RUN(&bad_with_k, "msgqctl", "-c", broken, "-k", hex(dmn.key), "led", "state");
        unlink(good);
        unlink(elsewhere);
        unlink(broken);

        EXPECT_OK(&with_file, "led: on\n");
        EXPECT_OK(&env_over_file, "led: on\n");
        EXPECT(&k_over_file, 3, "", no_queue_error(other));
        EXPECT(&missing, 2, "",
               fmt("msgqctl: cannot read %s.missing: No such file or directory\n", good));
        EXPECT(&bad, 2, "", fmt("msgqctl: %s:2: key = zz: expected 0x1 to 0xffffffff in hex, or "
                                "1 to 2147483647 in decimal\n", broken));
        EXPECT(&bad_with_k, 2, "", fmt("msgqctl: %s:2: key = zz: expected 0x1 to 0xffffffff in "
                                       "hex, or 1 to 2147483647 in decimal\n", broken));
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- permission ---- */

/*
 * A user who may not use the queue.  As root (whom CAP_IPC_OWNER lets in
 * anyway), run msgqctl as nobody against a daemon's queue.  Otherwise take
 * the mode away from a queue of our own, which refuses its owner too; not
 * a daemon's, since IPC_SET wakes its blocked receiver into EACCES too.
 */
START_TEST(test_permission_denied_exits_4) {
        static struct run denied[4];
        bool root = geteuid() == 0;
        struct user nobody = { 0 };
        struct msqid_ds ds;
        const char *message, *advice;
        char keystr[16];
        key_t key;
        int id;

        if (root) {
                start();
                key = dmn.key;
                id = msgget(key, 0);
        } else {
                key = test_key();
                id = make_queue(key);
        }
        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        const char *const args[][8] = {
                { "msgqctl", "-k", keystr, "-c", "/dev/null", "led", "on", NULL },
                { "msgqctl", "-k", keystr, "-c", "/dev/null", "status", NULL },
                { "msgqctl", "-k", keystr, "-c", "/dev/null", "--json", "ping", NULL },
                { "msgqctl", "-k", keystr, "-c", "/dev/null", "status", "--json", NULL },
        };
        ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), 0);
        if (root) {
                nobody = user_nobody();
        } else {
                ds.msg_perm.mode = 0;
                ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
        }
        for (int i = 0; i < 4; i++)
                ck_assert_int_eq(run_prog_as(&denied[i], 15000, root ? &nobody : NULL, args[i]), 0);

        /* Never "join group 'root'": the daemon's queue here is root's, group root. */
        advice = root ? "its group is root: only its owner and root may use it; to share it, set "
                        "group = GROUP (and mode = 0660) in /dev/null, restart msgqd and join GROUP"
                      : "its mode refuses even its owner: restart msgqd, which sets the "
                        "configured mode and group again";
        message = fmt("permission denied on the queue with key %s (owner %s, group %s, mode %04o): %s",
                      keystr, user_name(ds.msg_perm.uid) ? user_name(ds.msg_perm.uid) : fmt("%u", ds.msg_perm.uid),
                      group_name(ds.msg_perm.gid) ? group_name(ds.msg_perm.gid) : fmt("%u", ds.msg_perm.gid),
                      (unsigned) (ds.msg_perm.mode & 0777), advice);
        EXPECT(&denied[0], 4, "", fmt("msgqctl: %s\n", message));
        ck_assert_ptr_null(strstr(denied[0].err, "join group 'root'"));
        /* status shows what ipcs shows such a user, from /proc/sysvipc/msg. */
        EXPECT(&denied[1], 4, fmt("%s\nmsgqd: not asked (permission denied)\n", queue_text_proc(key)),
               fmt("msgqctl: %s\n", message));
        EXPECT_EXIT(&denied[2], 4, fmt("msgqctl: %s\n", message));
        EXPECT_EXIT(&denied[3], 4, fmt("msgqctl: %s\n", message));
        EXPECT_JSON(&denied[3],
                    "d['queue']['key'] == '%s' and d['queue']['msqid'] == %d and d['queue']['qbytes'] is None"
                    " and d['queue']['mode'] == '%04o' and d['daemon'] is None and d['exit_code'] == 4",
                    keystr, id, (unsigned) (ds.msg_perm.mode & 0777));
        /* ping keeps what it gathered: nothing. */
        EXPECT_JSON(&denied[2],
                    "d['error'] == \"%s\" and d['exit_code'] == 4 and d['pings'] == []"
                    " and d['replies'] == 0 and d['rtt_us'] is None",
                    message);

        if (root) {
                /* The refused request never reached the daemon, which still serves. */
                CTL(key, "led", "state");
                EXPECT_OK(&run, "led: off\n");
                daemon_stop_checked(&dmn);
        } else {
                ds.msg_perm.mode = 0660;
                ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
                ck_assert_int_eq(queue_count(key), 0); /* nothing was sent */
                remove_queue(key);
        }
}
END_TEST

/* A queue of ours with that group and mode; msgqctl led on as u must be refused with advice. */
static void expect_advice(const struct user *u, gid_t gid, unsigned mode, const char *config,
                          const char *advice) {
        key_t key = test_key();
        int id = make_queue(key);
        char keystr[16];
        struct msqid_ds ds;

        ck_assert_int_eq(msgctl(id, IPC_STAT, &ds), 0);
        ds.msg_perm.gid = gid;
        ds.msg_perm.mode = mode;
        ck_assert_int_eq(msgctl(id, IPC_SET, &ds), 0);
        snprintf(keystr, sizeof keystr, "0x%08x", (unsigned) key);
        ck_assert_int_eq(run_prog_as(&run, 15000, u, (const char *const[]) {
                                 "msgqctl", "-k", keystr, "-c", config, "led", "on", NULL }), 0);
        EXPECT(&run, 4, "",
               fmt("msgqctl: permission denied on the queue with key %s (owner root, group %s, "
                   "mode %04o): %s\n", keystr, group_name(gid), mode, advice));
        ck_assert_int_eq(queue_count(key), 0);
        remove_queue(key);
}

/* The advice follows the queue's real group and mode and the configured group. */
START_TEST(test_permission_advice_is_true) {
        struct user nobody, other_login;
        char conf[300], no_group[300];
        gid_t users = 100, nogroup;

        if (geteuid() != 0) /* only root can give a queue to other groups and run as others */
                return;
        ck_assert_ptr_nonnull(getgrgid(users));
        nobody = user_nobody();
        nogroup = nobody.gid;
        ck_assert_uint_ne(nogroup, users);
        write_config(conf, sizeof conf, "[msgq]\ngroup = leds\nmode = 0660\n");
        write_config(no_group, sizeof no_group, "# no group\n");
        ck_assert_int_eq(chmod(conf, 0644), 0); /* for nobody */
        ck_assert_int_eq(chmod(no_group, 0644), 0);

        /* A group that serves: join it. */
        expect_advice(&nobody, users, 0660, no_group, "join group 'users' (and log in again)");
        /* nobody's own group in /etc/passwd, but not this login's: log in again. */
        other_login = nobody;
        other_login.gid = users;
        expect_advice(&other_login, nogroup, 0660, no_group,
                      fmt("you were added to group '%s' after this login began: log in again "
                          "(or run 'newgrp %s')", group_name(nogroup), group_name(nogroup)));
        /* A group without read and write: joining would not help. */
        expect_advice(&nobody, users, 0600, no_group,
                      fmt("its mode gives group 'users' no read and write: only its owner and "
                          "root may use it; to share it, set group = GROUP (and mode = 0660) in "
                          "%s, restart msgqd and join GROUP", no_group));
        /* Group root: never join it; the configured group is the way. */
        expect_advice(&nobody, 0, 0660, conf,
                      fmt("its group is root, but %s says group = leds: restart msgqd to apply "
                          "it, then join group 'leds'", conf));
        unlink(conf);
        unlink(no_group);
}
END_TEST

/*
 * msgqd and msgq-mqtt say what is wrong with their command line as msgqctl
 * does: one line, a suggestion when a name is close, a hint to --help;
 * not the whole usage.
 */
START_TEST(test_usage_errors_alike) {
        static const struct {
                const char *arg, *message;
        } msgqd_cases[] = {
                { "--vrebose", "unknown option '--vrebose'; did you mean '--verbose'?" },
                { "--frobnicate", "unknown option '--frobnicate'" },
                { "-x", "unknown option '-x'" },
                { "--sim=yes", "option '--sim' takes no argument" },
                { "--gpio", "option '--gpio' needs an argument" },
                { "--confi", "option '--config' needs an argument" },
                { "-c", "option '-c' needs an argument" },
                { "extra", "unexpected argument 'extra'" },
        };
        const char *mqtt = getenv("MSGQ_MQTT");
        key_t key = test_key();

        for (size_t i = 0; i < sizeof msgqd_cases / sizeof msgqd_cases[0]; i++) {
                RUN(&run, "msgqd", "-k", hex(key), msgqd_cases[i].arg);
                EXPECT(&run, 2, "", fmt("msgqd: %s\nTry 'msgqd --help'.\n", msgqd_cases[i].message));
        }
        RUN(&run, "msgqctl", "-k", hex(key), "--jsno", "status");
        EXPECT(&run, 2, "", "msgqctl: unknown option '--jsno'; did you mean '--json'?\n"
                            "Try 'msgqctl --help'.\n");
        RUN(&run, "msgqctl", "-k", hex(key), "ping", "--intreval", "1");
        EXPECT(&run, 2, "", "msgqctl: unknown option '--intreval'; did you mean '--interval'?\n"
                            "Try 'msgqctl ping --help'.\n");
        RUN(&run, "msgqctl", "-k", hex(key), "status", "--json=yes");
        EXPECT(&run, 2, "", "msgqctl: option '--json' takes no argument\n"
                            "Try 'msgqctl status --help'.\n");
        if (mqtt) { /* built with the bridge */
                RUN(&run, mqtt, "-k", hex(key), "--stast", "5");
                EXPECT(&run, 2, "", "msgq-mqtt: unknown option '--stast'; did you mean '--stats'?\n"
                                    "Try 'msgq-mqtt --help'.\n");
        }
        ck_assert(!queue_exists(key));
}
END_TEST

/* ---- output that cannot be written ---- */

/* msgqctl -k KEY args... with stdout on /dev/full, as `ipcs >/dev/full` is tested. */
#define CTL_FULL(key, ...)                                                                      \
        RUN(&run, "sh", "-c", "exec \"$0\" \"$@\" >/dev/full", getenv("MSGQCTL"), "-k", hex(key), \
            __VA_ARGS__)

START_TEST(test_output_write_error) {
        static const char *const error = "msgqctl: cannot write the output: No space left on device\n";

        start();
        CTL_FULL(dmn.key, "status");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "stats", "--json");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "led", "state");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "led", "on");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "ping");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "send", "hi");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "--version");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "--help");
        EXPECT(&run, 5, "", error);
        CTL_FULL(dmn.key, "led", "--help");
        EXPECT(&run, 5, "", error);
        /* A watcher stops at its first line instead of watching for nobody. */
        CTL_FULL(dmn.key, "led", "watch");
        EXPECT(&run, 5, "", error);
        /* An error keeps its own exit code; the lost output is said too. */
        CTL_FULL(dmn.key, "--json", "led", "blink", "5");
        ck_assert_int_eq(run.status, 2);
        ck_assert_msg(ends_with(run.err, error), "%s", run.err);
        /* -q writes nothing, so nothing fails. */
        CTL_FULL(dmn.key, "-q", "led", "state");
        EXPECT(&run, 0, "", "");
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- a pipe closed, Ctrl-C: msgqctl in the background, as a shell runs it ---- */

struct child {
        pid_t pid;
        int out, err; /* the read ends of its stdout and stderr */
};

/*
 * msgqctl -k KEY args... (NULL-terminated), its stdout and stderr on
 * pipes, with SIGPIPE, SIGINT and SIGTERM as a shell leaves them for it:
 * default, not blocked.
 */
static void ctl_spawn(struct child *c, key_t key, const char *const *args) {
        const char *argv[16];
        int out[2], err[2], n = 0;
        sigset_t none;

        argv[n++] = getenv("MSGQCTL");
        argv[n++] = "-k";
        argv[n++] = hex(key);
        for (; *args && n < 15; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
        ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
        c->pid = fork();
        ck_assert_int_ge(c->pid, 0);
        if (c->pid == 0) {
                dup2(out[1], STDOUT_FILENO);
                dup2(err[1], STDERR_FILENO);
                signal(SIGPIPE, SIG_DFL);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        close(out[1]);
        close(err[1]);
        c->out = out[0];
        c->err = err[0];
}

/* Its next line on stdout, without the newline; fails the test after 10 s. */
static const char *child_line(struct child *c) {
        static char line[512];
        size_t n = 0;

        while (n < sizeof line - 1) {
                struct pollfd p = { .fd = c->out, .events = POLLIN };

                ck_assert_msg(poll(&p, 1, scaled(10000)) == 1, "msgqctl printed no line: '%.*s'",
                              (int) n, line);
                ck_assert_int_eq(read(c->out, line + n, 1), 1);
                if (line[n] == '\n')
                        break;
                n++;
        }
        line[n] = '\0';
        return line;
}

/* What is left of fd, up to size - 1 bytes, then fd closed. */
static void drain(int fd, char *buf, size_t size) {
        size_t got = 0;
        ssize_t n;

        while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
                got += (size_t) n;
        buf[got] = '\0';
        close(fd);
}

/* Whether the process is stopped (state T in /proc/PID/stat). */
static bool is_stopped(pid_t pid) {
        char stat[512] = "";
        const char *p;
        FILE *f = fopen(fmt("/proc/%d/stat", (int) pid), "re");

        if (f) {
                if (!fgets(stat, sizeof stat, f))
                        stat[0] = '\0';
                fclose(f);
        }
        p = strrchr(stat, ')');
        return p && p[1] == ' ' && p[2] == 'T';
}

/* Who sent the queue's last message (msg_lspid; a stopped msgqd may have taken it already). */
static pid_t last_sender(key_t key) {
        struct msqid_ds ds;

        ck_assert_int_eq(msgctl(msgget(key, 0), IPC_STAT, &ds), 0);
        return ds.msg_lspid;
}

/* Its exit status (128 + the signal that killed it) once it has exited; fails the test after 10 s. */
static int child_wait(struct child *c) {
        int st = 0;

        for (int waited = 0; waitpid(c->pid, &st, WNOHANG) == 0; waited += 10) {
                if (waited > scaled(10000)) {
                        kill(c->pid, SIGKILL);
                        waitpid(c->pid, &st, 0);
                        ck_abort_msg("msgqctl did not exit");
                }
                sleep_ms(10);
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * `msgqctl ping -c 3 -i 0.3 | head -1` and `msgqctl led watch | head -1`
 * (then a change): the reader closes the pipe after one line, and the next
 * write is a write error, exit 5 as for a full disk, not death by SIGPIPE
 * (141 in the shell).
 */
START_TEST(test_closed_pipe_exits_5) {
        static const char *const broken = "msgqctl: cannot write the output: Broken pipe\n";
        struct child c;

        start();
        ctl_spawn(&c, dmn.key, (const char *const[]) { "ping", "-c", "3", "-i", "0.3", NULL });
        ck_assert(starts_with(child_line(&c), "reply from msgqd pid "));
        close(c.out);
        ck_assert_int_eq(child_wait(&c), 5);
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, broken);

        ctl_spawn(&c, dmn.key, (const char *const[]) { "led", "watch", NULL });
        ck_assert(ends_with(child_line(&c), "led: off"));
        close(c.out);
        sleep_ms(300); /* it has asked for the next change */
        CTL(dmn.key, "led", "on");
        EXPECT_OK(&run, "led: on\n");
        ck_assert_int_eq(child_wait(&c), 5);
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, broken);
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * Ctrl-C (SIGINT) or SIGTERM ends led watch cleanly, exit 0 like gpiomon,
 * and takes its watch back: after two watchers ended by SIGINT and one by
 * SIGTERM, a change leaves no reply on the queue for them (the old
 * watchers were killed, 130, and left one each for some 30 s).
 */
START_TEST(test_led_watch_interrupted) {
        static const int signals[] = { SIGINT, SIGINT, SIGTERM };
        struct child c[3];
        char out[256];

        start();
        for (int i = 0; i < 3; i++) {
                ctl_spawn(&c[i], dmn.key, (const char *const[]) { "led", "watch", NULL });
                ck_assert(ends_with(child_line(&c[i]), "led: off"));
        }
        sleep_ms(300); /* each has asked for the next change */
        for (int i = 0; i < 3; i++) {
                ck_assert_int_eq(kill(c[i].pid, signals[i]), 0);
                ck_assert_msg(child_wait(&c[i]) == 0, "watcher %d, signal %d", i, signals[i]);
                drain(c[i].out, out, sizeof out);
                ck_assert_str_eq(out, "");
                drain(c[i].err, out, sizeof out);
                ck_assert_str_eq(out, "");
        }
        CTL(dmn.key, "led", "on");
        EXPECT_OK(&run, "led: on\n");
        ck_assert_int_eq(queue_count(dmn.key), 0);
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * ping -c N ends at SIGINT or SIGTERM with its summary, exit 0 when every
 * request sent was answered; a request a signal cuts short (msgqd stopped)
 * is lost, and said so.
 */
START_TEST(test_ping_interrupted) {
        static const int signals[] = { SIGINT, SIGTERM };
        struct child c;

        start();
        for (int i = 0; i < 2; i++) {
                ctl_spawn(&c, dmn.key, (const char *const[]) { "ping", "-c", "100", "-i", "0.2", NULL });
                ck_assert(starts_with(child_line(&c), "reply from msgqd pid "));
                ck_assert(starts_with(child_line(&c), "reply from msgqd pid "));
                ck_assert_int_eq(kill(c.pid, signals[i]), 0);
                ck_assert_msg(child_wait(&c) == 0, "signal %d", signals[i]);
                drain(c.out, run.out, sizeof run.out);
                ck_assert_msg(strstr(run.out, " replies, 0% loss; rtt min/avg/max/mdev = ") &&
                                      count_lines(run.out) <= 2,
                              "%s", run.out);
                drain(c.err, run.err, sizeof run.err);
                ck_assert_str_eq(run.err, "");
        }

        ck_assert_int_eq(kill(dmn.pid, SIGSTOP), 0);
        for (int waited = 0; !is_stopped(dmn.pid); waited += 1) { /* then it answers nothing */
                ck_assert_msg(waited < scaled(5000), "msgqd did not stop");
                sleep_ms(1);
        }
        ctl_spawn(&c, dmn.key, (const char *const[]) { "-t", "60", "ping", "-c", "3", NULL });
        for (int waited = 0; last_sender(dmn.key) != c.pid; waited += 10) { /* its first request waits */
                ck_assert_msg(waited < scaled(10000), "no request from ping");
                sleep_ms(10);
        }
        ck_assert_int_eq(kill(c.pid, SIGINT), 0);
        ck_assert_int_eq(child_wait(&c), 3);
        kill(dmn.pid, SIGCONT);
        drain(c.out, run.out, sizeof run.out);
        ck_assert_str_eq(run.out, "1 request, 0 replies, 100% loss\n");
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "msgqctl: 1 of 1 request got no answer within 60 s (the last "
                                  "one cut short by a signal)\n");
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- the command line as systemctl users expect it ---- */

START_TEST(test_global_options_anywhere) {
        char conf[300];

        start();
        unsetenv("MSGQ_KEY");
        RUN(&run, "msgqctl", "led", "on", "-k", hex(dmn.key));
        EXPECT_OK(&run, "led: on\n");
        RUN(&run, "msgqctl", "led", "state", "--key", hex(dmn.key), "--json");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run, "d['led']['state'] == 'on'");
        CTL(dmn.key, "status", "--json");
        EXPECT_EXIT(&run, 0, "");
        EXPECT_JSON(&run, "d['daemon']['daemon_pid'] == %d", (int) dmn.pid);
        CTL(dmn.key, "send", "hello", "-p", "3", "world");
        EXPECT_OK(&run, "sent: 11 bytes at priority 3\n");
        CTL(dmn.key, "send", "--", "-k", "x");
        EXPECT_OK(&run, "sent: 4 bytes at priority 5\n");
        /* After ping, -c is its count; the file is --config. */
        write_config(conf, sizeof conf, fmt("key = %s\n", hex(dmn.key)));
        RUN(&run, "msgqctl", "ping", "-c", "2", "-i", "0", "--config", conf);
        ck_assert_msg(run.status == 0 && count_lines(run.out) == 3, "%d %s %s", run.status,
                      run.out, run.err);
        RUN(&run, "msgqctl", "-c", conf, "ping", "-c", "1");
        ck_assert_int_eq(run.status, 0);
        unlink(conf);
        /* An error before a later --json is still reported as JSON. */
        CTL(dmn.key, "led", "--bogus", "--json");
        ck_assert_int_eq(run.status, 2);
        EXPECT_JSON(&run, "d == {'error': \"unknown option '--bogus'\", 'exit_code': 2}");
        ck_assert_str_eq(strchr(run.err, '\n') + 1, "Try 'msgqctl led --help'.\n");
        CTL(dmn.key, "ping", "-c", "0", "--json");
        ck_assert_int_eq(run.status, 2);
        EXPECT_JSON(&run, "d['error'] == \"invalid count '0': expected 1 or more\"");
        CTL(dmn.key, "led", "state", "--version");
        ck_assert_msg(run.status == 0 && starts_with(run.out, "msgqctl "), "%s", run.out);
        /* Each command's --help names the global options. */
        CTL(dmn.key, "status", "--help");
        EXPECT_EXIT(&run, 0, "");
        ck_assert_msg(strstr(run.out, "\nGlobal options, before or after the command: -k KEY, "
                                      "-c FILE, -t TIME,\n-p PRIO, -j/--json, -q/--quiet; see "
                                      "msgqctl --help, with the exit codes.\n"), "%s", run.out);
        daemon_stop_checked(&dmn);
}
END_TEST

START_TEST(test_words_units_case_quiet) {
        start();
        CTL(dmn.key, "led", "ON");
        EXPECT_OK(&run, "led: on\n");
        CTL(dmn.key, "led", "Off");
        EXPECT_OK(&run, "led: off\n");
        CTL(dmn.key, "led", "blink", "1s", "3");
        EXPECT_OK(&run, "led: blinking (period 1000 ms, 3 blinks left)\n");
        CTL(dmn.key, "led", "blink", "0.5s");
        EXPECT_OK(&run, "led: blinking (period 500 ms, until cancelled)\n");
        CTL(dmn.key, "led", "BLINK", "250ms", "1");
        EXPECT_OK(&run, "led: blinking (period 250 ms, 1 blink left)\n");
        CTL(dmn.key, "-t", "2500ms", "led", "off");
        EXPECT_OK(&run, "led: off\n");
        CTL(dmn.key, "ping", "-c", "2", "-i", "50ms");
        ck_assert_int_eq(run.status, 0);
        ck_assert(starts_with(line_of(run.out, 2), "2 requests, 2 replies, 0% loss; "));
        CTL(dmn.key, "-q", "led", "on");
        EXPECT_OK(&run, "");
        CTL(dmn.key, "led", "state", "--quiet");
        EXPECT_OK(&run, "");
        CTL(dmn.key, "stauts");
        EXPECT_USAGE(&run, "unknown command 'stauts'; did you mean 'status'?");
        CTL(dmn.key, "lde", "on");
        EXPECT_USAGE(&run, "unknown command 'lde'; did you mean 'led'?");
        CTL(dmn.key, "stast");
        EXPECT_USAGE(&run, "unknown command 'stast'; did you mean 'stats'?");
        CTL(dmn.key, "frobnicate");
        EXPECT_USAGE(&run, "unknown command 'frobnicate'");
        CTL(dmn.key, "help", "pnig");
        EXPECT_USAGE(&run, "unknown command 'pnig'; did you mean 'ping'?");
        daemon_stop_checked(&dmn);
        /* -q keeps the errors. */
        CTL(dmn.key, "-q", "led", "on");
        EXPECT(&run, 3, "", no_queue_error(dmn.key));
}
END_TEST

START_TEST(test_send_from_stdin) {
        start();
        RUN(&run, "sh", "-c", "printf 'hello from stdin\\n' | exec \"$0\" \"$@\"", getenv("MSGQCTL"),
            "-k", hex(dmn.key), "send", "-p", "4", "-");
        EXPECT_OK(&run, "sent: 16 bytes at priority 4\n");
        ck_assert_msg(log_contains(", priority 4: hello from stdin\n"), "%s", daemon_log(&dmn));
        RUN(&run, "sh", "-c", "printf 'no newline' | exec \"$0\" \"$@\"", getenv("MSGQCTL"),
            "-k", hex(dmn.key), "send", "-");
        EXPECT_OK(&run, "sent: 10 bytes at priority 5\n");
        RUN(&run, "sh", "-c", "printf 'one\\ntwo\\n' | exec \"$0\" \"$@\"", getenv("MSGQCTL"),
            "-k", hex(dmn.key), "send", "-");
        EXPECT_USAGE(&run, "text contains a control character (0x0a at byte 3)");
        RUN(&run, "sh", "-c", "exec \"$0\" \"$@\" </dev/null", getenv("MSGQCTL"),
            "-k", hex(dmn.key), "send", "-");
        EXPECT_USAGE(&run, "empty text");
        RUN(&run, "sh", "-c", "head -c 300 /dev/zero | tr '\\0' x | exec \"$0\" \"$@\"",
            getenv("MSGQCTL"), "-k", hex(dmn.key), "send", "-");
        EXPECT_USAGE(&run, "text too long: more than 256 bytes");
        /* "-" among other words is just a word. */
        CTL(dmn.key, "send", "a", "-", "b");
        EXPECT_OK(&run, "sent: 5 bytes at priority 5\n");
        daemon_stop_checked(&dmn);
}
END_TEST

/* --json led watch: JSON lines, one object per change, each as it happens. */
START_TEST(test_led_watch_json_lines) {
        static struct run w;
        pid_t pid;
        int p[2];
        char out[4096];
        ssize_t n;
        size_t got = 0;
        int st;

        start();
        ck_assert_int_eq(pipe(p), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                close(p[0]);
                if (ctl(&w, dmn.key, "--json", "led", "watch", "3", NULL) < 0)
                        _exit(2);
                if (write(p[1], w.out, strlen(w.out)) < 0)
                        _exit(3);
                _exit(w.status);
        }
        close(p[1]);
        sleep_ms(300);
        CTL(dmn.key, "led", "on");
        sleep_ms(100);
        CTL(dmn.key, "led", "blink", "200", "2");
        while ((n = read(p[0], out + got, sizeof out - 1 - got)) > 0)
                got += (size_t) n;
        out[got] = '\0';
        close(p[0]);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d: %s", st, out);
        ck_assert_int_eq(count_lines(out), 3);
        RUN(&run, "python3", "-c",
            "import datetime, json, sys\n"
            "leds = [json.loads(l)['led'] for l in sys.argv[1].splitlines()]\n"
            "states = [l['state'] for l in leds]\n"
            "if states != ['off', 'on', 'blinking']: sys.exit(str(states))\n"
            "for l in leds:\n"
            "    s, ns = divmod(l['time_ns'], 10**9)\n"
            "    utc = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)\n"
            "    if l['time'] != utc.strftime('%Y-%m-%dT%H:%M:%S') + '.%09dZ' % ns:\n"
            "        sys.exit('time %s, time_ns %d' % (l['time'], l['time_ns']))\n"
            "mono = [l['monotonic_ns'] for l in leds]\n"
            "if mono != sorted(mono) or min(mono) <= 0: sys.exit(str(mono))\n",
            out);
        EXPECT_OK(&run, "");
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- the configuration, as all three programs read it ---- */

/* Each program's stderr for the configuration file path, run with a key of ours. */
static void expect_config_error(const char *path, const char *message) {
        const char *mqtt = getenv("MSGQ_MQTT");
        key_t key = test_key();

        RUN(&run, "msgqctl", "-c", path, "led", "state");
        EXPECT(&run, 2, "", fmt("msgqctl: %s\n", message));
        RUN(&run, "msgqd", "--sim", "-c", path);
        EXPECT(&run, 2, "", fmt("msgqd: %s\n", message));
        if (mqtt) { /* built with the bridge */
                RUN(&run, mqtt, "-c", path, "-m", "/dev/null", "-k", hex(key), "-b",
                    "mqtt://127.0.0.1:1");
                ck_assert_msg(run.status == 2 && strstr(run.err, fmt("msgq-mqtt: %s\n", message)),
                              "%d %s", run.status, run.err);
        }
        ck_assert(!queue_exists(key));
}

START_TEST(test_config_errors_in_all_programs) {
        char path[300], fifo[320];
        int fd;

        unsetenv("MSGQ_KEY");
        write_config(path, sizeof path, "# the LED\n[msgq]\ncolour = red\n");
        expect_config_error(path, fmt("%s:3: unknown setting 'colour' (known: key, mode, group, "
                                      "gpio, active_low, led_start, led_stop, history, follow)", path));
        unlink(path);
        write_config(path, sizeof path, "key = banana\n");
        expect_config_error(path, fmt("%s:1: key = banana: expected 0x1 to 0xffffffff in hex, "
                                      "or 1 to 2147483647 in decimal", path));
        unlink(path);
        write_config(path, sizeof path, "key = 4294967295\n");
        expect_config_error(path, fmt("%s:1: key = 4294967295: out of range: expected 0x1 to "
                                      "0xffffffff in hex, or 1 to 2147483647 in decimal", path));
        unlink(path);

        /* What a crash leaves: NUL bytes; one at the start of a line. */
        write_config(path, sizeof path, "");
        fd = open(path, O_WRONLY | O_TRUNC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "\0\0\0\0\0\0\0\0", 8), 8);
        close(fd);
        expect_config_error(path, fmt("%s:1: a NUL byte: not a text file", path));
        fd = open(path, O_WRONLY | O_TRUNC);
        ck_assert_int_eq(write(fd, "mode = 0600\n\0key = 0x10\n", 24), 24);
        close(fd);
        expect_config_error(path, fmt("%s:2: a NUL byte: not a text file", path));
        unlink(path);

        /* Never read for ever: a FIFO nobody writes, /dev/zero. */
        snprintf(fifo, sizeof fifo, "%s.fifo", path);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        expect_config_error(fifo, fmt("%s: a FIFO, not a regular file", fifo));
        unlink(fifo);
        expect_config_error("/dev/zero", "/dev/zero: a character device, not a regular file");
}
END_TEST

/* Whether systemd/msgqd.service.in has this line. */
static bool unit_has_line(const char *want) {
        char line[512];
        bool found = false;
        FILE *f = fopen(fmt("%s/../systemd/msgqd.service.in", getenv("MSGQ_TEST_SRCDIR")), "re");

        ck_assert_ptr_nonnull(f);
        while (!found && fgets(line, sizeof line, f))
                found = strcmp(line, fmt("%s\n", want)) == 0;
        fclose(f);
        return found;
}

/* msgqd: mode 0666 is warned about once; --gpio is checked; a group says where it came from. */
START_TEST(test_msgqd_configuration_words) {
        const char *warning = "msgqd: mode 0666 lets every local user use the queue (send "
                              "requests, take others' replies): prefer mode = 0660 and a group\n";
        char path[300];
        const char *log, *first;

        write_config(path, sizeof path, "[msgq]\nmode = 0666\n");
        daemon_start_checked(&dmn, test_key(), (const char *const[]) { "-c", path, NULL });
        CTL(dmn.key, "led", "on");
        EXPECT_OK(&run, "led: on\n");
        daemon_stop_checked(&dmn);
        log = daemon_log(&dmn);
        first = strstr(log, warning);
        ck_assert_msg(first && !strstr(first + 1, warning), "not one warning:\n%s", log);
        unlink(path);

        RUN(&run, "msgqd", "--sim", "-k", hex(test_key()), "--gpio", "GPIO 17");
        EXPECT(&run, 2, "", "msgqd: invalid --gpio 'GPIO 17': expected a GPIO line name or "
                            "CHIP:OFFSET (OFFSET a number), 1 to 63 printable characters, no "
                            "spaces\n");
        RUN(&run, "msgqd", "--sim", "-k", hex(test_key()), "--gpio", "gpiochip0:x");
        EXPECT(&run, 2, "", "msgqd: invalid --gpio 'gpiochip0:x': expected a GPIO line name or "
                            "CHIP:OFFSET (OFFSET a number), 1 to 63 printable characters, no "
                            "spaces\n");

        /*
         * A line this machine lacks: exit 6, on which the unit does not restart
         * msgqd (it does on 4: the start step takes the key back).
         */
        RUN(&run, "msgqd", "-k", hex(test_key()), "--gpio", "NO_SUCH_LINE");
        ck_assert_int_eq(run.status, 6);
        ck_assert_str_eq(run.err, access("/dev/gpiochip0", F_OK) != 0 && errno == ENOENT ?
                         "msgqd: no GPIO line 'NO_SUCH_LINE': this machine has no GPIO chip at all "
                         "(no /dev/gpiochip*; use --sim)\n" :
                         "msgqd: no GPIO line 'NO_SUCH_LINE' on any chip (gpioinfo lists them; "
                         "use --gpio to choose one, or --sim)\n");
        ck_assert_msg(unit_has_line("RestartPreventExitStatus=2 6"), "the unit restarts on 6, or not on 4");

        write_config(path, sizeof path, "[msgq]\n\ngroup = nosuchgroup\n");
        RUN(&run, "msgqd", "--sim", "-k", hex(test_key()), "-c", path);
        EXPECT(&run, 2, "", fmt("msgqd: %s:3: group = nosuchgroup: no such group\n", path));
        unlink(path);
}
END_TEST

/* ---- bash completion ---- */

/*
 * The completions the shipped bash completion offers for a command line
 * (the word being completed last), with bash-completion's _init_completion
 * and _filedir stood in for: bash-completion itself need not be installed.
 */
static const char *complete(const char *line) {
        static const char script[] =
                "_init_completion() { words=(\"${COMP_WORDS[@]}\"); cword=$COMP_CWORD;\n"
                "  cur=${words[cword]}; prev=${words[cword-1]}; split=false; }\n"
                "_filedir() { COMPREPLY=(FILE); }\n"
                "complete() { :; }\n"
                "source \"$1\"\n"
                "read -r -a COMP_WORDS <<< \"$2\"\n"
                "[[ $2 == *' ' ]] && COMP_WORDS+=('')\n"
                "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                "_msgqctl\n"
                "echo \"${COMPREPLY[*]}\"\n";

        RUN(&run, "bash", "-c", script, "complete",
            fmt("%s/../completions/msgqctl.bash", getenv("MSGQ_TEST_SRCDIR")), line);
        ck_assert_msg(run.status == 0 && run.err[0] == '\0', "%d %s", run.status, run.err);
        run.out[strcspn(run.out, "\n")] = '\0';
        return run.out;
}

START_TEST(test_bash_completion) {
        ck_assert_str_eq(complete("msgqctl "),
                         "list get set watch inputs mon led send ping stats status shutdown help");
        ck_assert_str_eq(complete("msgqctl st"), "stats status");
        ck_assert_str_eq(complete("msgqctl -k 0x10 --json l"), "list led");
        ck_assert_str_eq(complete("msgqctl led "), "on off toggle state blink watch");
        ck_assert_str_eq(complete("msgqctl -c FILE led --json o"), "on off");
        ck_assert_str_eq(complete("msgqctl led on --q"), "--quiet");
        ck_assert_str_eq(complete("msgqctl status --j"), "--json");
        ck_assert_str_eq(complete("msgqctl status -p "), "1 2 3 4 5 6 7 8 9 10");
        ck_assert_str_eq(complete("msgqctl -c "), "FILE");
        ck_assert_str_eq(complete("msgqctl ping -c "), ""); /* ping's count */
        ck_assert_str_eq(complete("msgqctl ping --config "), "FILE");
        ck_assert_str_eq(complete("msgqctl ping --c"), "--config --count");
        /* Each option once, also the letters a command shares with the global options. */
        ck_assert_str_eq(complete("msgqctl ping -"), "-k --key -c --config -t --timeout -p --priority "
                                                     "-j --json -q --quiet -h --help -V --version "
                                                     "--count -i --interval");
        ck_assert_str_eq(complete("msgqctl send -"), "-k --key -c --config -t --timeout -p --priority "
                                                     "-j --json -q --quiet -h --help -V --version --");
        ck_assert_str_eq(complete("msgqctl help s"), "set send stats status shutdown");
        ck_assert_str_eq(complete("msgqctl send "), "-");
        ck_assert_str_eq(complete("msgqctl led on "), "");
        ck_assert_str_eq(complete("msgqctl mon --"), "--key --config --timeout --priority --json --quiet "
                                                     "--help --version --since --count");
        ck_assert_str_eq(complete("msgqctl mon --since "), ""); /* a change number */
        ck_assert_str_eq(complete("msgqctl inputs --n"), "--names");
}
END_TEST

/* Line names come from the running msgqd, with the key typed: get, set, watch, led ACTION NAME. */
START_TEST(test_bash_completion_line_names) {
        char path[4096], dir[1024];
        const char *k;

        snprintf(dir, sizeof dir, "%s", getenv("MSGQCTL"));
        *strrchr(dir, '/') = '\0';
        snprintf(path, sizeof path, "%s:%s", dir, getenv("PATH"));
        setenv("PATH", path, 1); /* "msgqctl" as the user types it */
        start_lines();
        k = hex(dmn.key);
        ck_assert_str_eq(complete(fmt("msgqctl -k %s get ", k)), "led pump buzzer fan");
        ck_assert_str_eq(complete(fmt("msgqctl get --key %s pump f", k)), "fan");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s watch -n 3 b", k)), "buzzer");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s set p", k)), "pump=");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s set pump=o", k)), "pump=on pump=off");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s led on ", k)), "led pump buzzer fan");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s led blink ", k)), "");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s led blink 500 f", k)), "fan");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s list --n", k)), "--names");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s mon --since 4 p", k)), "pump");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s get ", hex(test_key()))), ""); /* no msgqd */
        daemon_stop_checked(&dmn);
}
END_TEST

/* Whether text has opt, not just a longer option that starts with it. */
static bool contains_option(const char *text, const char *opt) {
        size_t n = strlen(opt);

        for (const char *p = text; (p = strstr(p, opt)); p += n)
                if (!p[n] || !strchr("-abcdefghijklmnopqrstuvwxyz", p[n]))
                        return true;
        return false;
}

/* Each long option the program's --help lists is in the completion file. */
static void expect_completed(const char *help, const char *file) {
        char text[16384], opt[64];
        size_t n;
        FILE *f = fopen(fmt("%s/../completions/%s", getenv("MSGQ_TEST_SRCDIR"), file), "re");

        ck_assert_msg(f != NULL, "%s", file);
        n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
        for (const char *p = help; (p = strstr(p, " --")); p += 3) {
                n = strspn(p + 1, "-abcdefghijklmnopqrstuvwxyz");
                if (n <= 2 || n >= sizeof opt)
                        continue;
                snprintf(opt, sizeof opt, "%.*s", (int) n, p + 1);
                ck_assert_msg(contains_option(text, opt), "%s lacks %s", file, opt);
        }
}

/* The completions offer every option the programs' --help lists. */
START_TEST(test_completions_in_sync) {
        static const char *const ctl_helps[][3] = { { "--help" }, { "ping", "--help" },
                                                    { "send", "--help" }, { "list", "--help" },
                                                    { "watch", "--help" }, { "inputs", "--help" },
                                                    { "mon", "--help" } };
        const char *mqtt = getenv("MSGQ_MQTT");

        for (size_t i = 0; i < sizeof ctl_helps / sizeof ctl_helps[0]; i++) {
                RUN(&run, "msgqctl", ctl_helps[i][0], ctl_helps[i][1], ctl_helps[i][2]);
                ck_assert_int_eq(run.status, 0);
                expect_completed(run.out, "msgqctl.bash");
                expect_completed(run.out, "_msgqctl");
        }
        RUN(&run, "msgqd", "--help");
        ck_assert_int_eq(run.status, 0);
        expect_completed(run.out, "msgqd.bash");
        expect_completed(run.out, "_msgqd");
        if (mqtt) { /* built with the bridge */
                RUN(&run, mqtt, "--help");
                ck_assert_int_eq(run.status, 0);
                expect_completed(run.out, "msgq-mqtt.bash");
                expect_completed(run.out, "_msgq-mqtt");
        }
}
END_TEST

/* ---- lines ---- */

#define NO_PMUP "msgqctl: no line 'pmup'; msgqd has led, pump, buzzer, fan\n"

/* list as gpioinfo: every line with where it is, its state, settings and last change. */
START_TEST(test_lines_list) {
        start_lines();
        CTL(dmn.key, "list");
        EXPECT_EXIT(&run, 0, "");
        ck_assert_int_eq(count_lines(run.out), 5);
        ck_assert_str_eq(line_of(run.out, 0), fmt("msgqd pid %d - 4 lines:", (int) dmn.pid));
        ck_assert_msg(starts_with(line_of(run.out, 1), "\tline  0:\t\"led\"\tsim:") &&
                              strstr(line_of(run.out, 1), "\toff\tkind=led start=restore stop=off\t"),
                      "%s", run.out);
        ck_assert_msg(strstr(line_of(run.out, 3), "\t\"buzzer\"\tsim:") &&
                              strstr(line_of(run.out, 3), "\toff\tkind=relay start=restore stop=keep\t"),
                      "%s", run.out);
        ck_assert_msg(starts_with(line_of(run.out, 4), "\tline  3:\t\"fan\"\tsim:") &&
                              strstr(line_of(run.out, 4), "\ton\tkind=led active-low start=on stop=off\tchange ") &&
                              ends_with(line_of(run.out, 4), " by msgqd"),
                      "%s", run.out);
        CTL(dmn.key, "led", "toggle", "pump");
        CTL(dmn.key, "list");
        ck_assert_msg(strstr(line_of(run.out, 2), "\ton\t") && strstr(line_of(run.out, 2), " by pid "),
                      "%s", run.out);
        CTL(dmn.key, "list", "--names");
        EXPECT_OK(&run, "led\npump\nbuzzer\nfan\n");
        CTL(dmn.key, "--json", "list");
        EXPECT_JSON(&run, "d['daemon_pid'] == %d and [l['name'] for l in d['lines']] == "
                          "['led', 'pump', 'buzzer', 'fan'] and [l['index'] for l in d['lines']] == "
                          "[0, 1, 2, 3] and d['lines'][2]['kind'] == 'relay' and "
                          "d['lines'][2]['stop'] == 'keep' and d['lines'][3]['active_low'] and "
                          "d['lines'][3]['start'] == 'on' and d['lines'][3]['on'] and "
                          "d['lines'][1]['by_pid'] > 0 and "
                          "d['lines'][0]['chip'] == 'sim'", (int) dmn.pid);
        CTL(dmn.key, "--json", "list", "--names");
        EXPECT_JSON(&run, "d == {'names': ['led', 'pump', 'buzzer', 'fan']}");
        CTL(dmn.key, "list", "pump");
        EXPECT_USAGE(&run, "unexpected argument 'pump'");
        daemon_stop_checked(&dmn);
}
END_TEST

/* get and set as gpioget and gpioset: NAME=VALUE, several in one request, unknown names named. */
START_TEST(test_lines_get_set) {
        start_lines();
        CTL(dmn.key, "set", "pump=on", "Buzzer=1");
        EXPECT_OK(&run, "pump=on buzzer=on\n");
        CTL(dmn.key, "get");
        EXPECT_OK(&run, "led=off pump=on buzzer=on fan=on\n");
        CTL(dmn.key, "get", "FAN", "pump");
        EXPECT_OK(&run, "fan=on pump=on\n");
        CTL(dmn.key, "--json", "set", "pump=off", "led=ON", "buzzer=on");
        EXPECT_JSON(&run, "[(l['name'], l['index'], l['on']) for l in d['lines']] == "
                          "[('pump', 1, False), ('led', 0, True), ('buzzer', 2, True)] and "
                          "d['changed'] == 2 and d['last_change'] == d['first_change'] + 1");
        CTL(dmn.key, "--json", "get", "pump", "led");
        EXPECT_JSON(&run, "[(l['name'], l['state']) for l in d['lines']] == "
                          "[('pump', 'off'), ('led', 'on')]");

        CTL(dmn.key, "set", "pump=on", "pmup=on");
        EXPECT(&run, 1, "", NO_PMUP);
        CTL(dmn.key, "get", "pmup");
        EXPECT(&run, 1, "", NO_PMUP);
        CTL(dmn.key, "--json", "get", "pmup");
        EXPECT_JSON(&run, "d['exit_code'] == 1 and \"no line 'pmup'\" in d['error']");
        CTL(dmn.key, "set", "pump=maybe");
        EXPECT_USAGE(&run, "invalid value 'maybe' for line 'pump': expected on, off, 1 or 0");
        CTL(dmn.key, "set", "pump");
        EXPECT_USAGE(&run, "invalid 'pump': expected NAME=VALUE, e.g. pump=on");
        CTL(dmn.key, "set", "=on");
        EXPECT_USAGE(&run, "invalid '=on': expected NAME=VALUE, e.g. pump=on");
        CTL(dmn.key, "set");
        EXPECT_USAGE(&run, "missing NAME=VALUE: which lines to set, e.g. pump=on");
        CTL(dmn.key, "set", "pump=on", "PUMP=off");
        EXPECT_USAGE(&run, "line 'pump' named twice");
        CTL(dmn.key, "get", "pump");
        EXPECT_OK(&run, "pump=off\n"); /* none of the refused sets changed it */
        daemon_stop_checked(&dmn);
}
END_TEST

/* led ACTION NAME drives that line; led ACTION alone is still the default output. */
START_TEST(test_lines_led_named) {
        struct child c;

        start_lines();
        CTL(dmn.key, "led", "on", "pump");
        EXPECT_OK(&run, "pump: on\n");
        CTL(dmn.key, "led", "state");
        EXPECT_OK(&run, "led: off\n");
        CTL(dmn.key, "led", "blink", "200", "2", "Buzzer");
        EXPECT_OK(&run, "buzzer: blinking (period 200 ms, 2 blinks left)\n");
        CTL(dmn.key, "led", "blink", "500", "fan");
        EXPECT_OK(&run, "fan: blinking (period 500 ms, until cancelled)\n");
        CTL(dmn.key, "--json", "led", "off", "pump");
        EXPECT_JSON(&run, "d == {'line': {'name': 'pump', 'index': 1, 'state': 'off', 'on': False, "
                          "'blinking': False, 'period_ms': 0, 'toggles_left': 0, 'blinks_left': 0}}");
        CTL(dmn.key, "led", "on", "pmup");
        EXPECT(&run, 1, "", NO_PMUP);
        CTL(dmn.key, "led", "blink", "pump");
        EXPECT_USAGE(&run, "invalid blink period 'pump': expected 20..3600000 ms (or 0.5s, 1min)");

        /* led watch NAME: that line's changes, not another's. */
        ctl_spawn(&c, dmn.key, (const char *const[]) { "led", "watch", "2", "pump", NULL });
        ck_assert_msg(ends_with(child_line(&c), " pump: off"), "first line");
        sleep_ms(300);
        CTL(dmn.key, "led", "on");
        CTL(dmn.key, "led", "on", "fan");
        CTL(dmn.key, "led", "toggle", "pump");
        ck_assert_msg(ends_with(child_line(&c), " pump: on"), "second line");
        ck_assert_int_eq(child_wait(&c), 0);
        drain(c.out, run.out, sizeof run.out);
        ck_assert_str_eq(run.out, "");
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "");
        daemon_stop_checked(&dmn);
}
END_TEST


/* Whether a thread of pid sleeps in msgrcv(), waiting for a message. */
static bool in_msgrcv(pid_t pid) {
        char path[64], wchan[64];
        bool waiting = false;
        struct dirent *e;
        DIR *dir;

        snprintf(path, sizeof path, "/proc/%d/task", (int) pid);
        dir = opendir(path);
        if (!dir)
                return false;
        while (!waiting && (e = readdir(dir))) {
                FILE *f;

                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof path, "/proc/%d/task/%.16s/wchan", (int) pid, e->d_name);
                f = fopen(path, "r");
                if (f) {
                        waiting = fgets(wchan, sizeof wchan, f) && strcmp(wchan, "do_msgrcv") == 0;
                        fclose(f);
                }
        }
        closedir(dir);
        return waiting;
}

/*
 * Wait until a spawned watch (pid) waits in msgqd: in msgrcv() for 50 ms
 * on end, longer than msgqd takes to answer the calls before the watch,
 * with dmn's queue empty: msgqd has taken the watch (a request of its own
 * still in the queue would be served after changes of a more urgent
 * priority, and then start after them).  A change made sooner could come
 * before the watch's number, and be missed.
 */
static void wait_watching(pid_t pid) {
        int stable = 0;

        for (int ms = 0; ms < scaled(10000) && stable < 50; ms++) {
                sleep_ms(1);
                stable = in_msgrcv(pid) && queue_count(dmn.key) == 0 ? stable + 1 : 0;
        }
        ck_assert_msg(stable >= 50, "msgqctl (PID %d) never waited in msgrcv()", (int) pid);
}

/* watch as gpiomon: each change of the lines named, with its time and number; -n; Ctrl-C. */
START_TEST(test_lines_watch) {
        struct child c;
        const char *l;

        start_lines();
        ctl_spawn(&c, dmn.key, (const char *const[]) { "watch", "-n", "3", "pump", "FAN", NULL });
        wait_watching(c.pid);
        CTL(dmn.key, "set", "pump=on", "led=on", "fan=off");
        l = child_line(&c);
        ck_assert_msg(strstr(l, " pump: on (change ") && ends_with(l, ")"), "%s", l);
        l = child_line(&c);
        ck_assert_msg(strstr(l, " fan: off (change "), "%s", l);
        CTL(dmn.key, "led", "toggle", "buzzer");
        CTL(dmn.key, "led", "off", "pump");
        l = child_line(&c);
        ck_assert_msg(strstr(l, " pump: off (change "), "%s", l);
        ck_assert_int_eq(child_wait(&c), 0);
        drain(c.out, run.out, sizeof run.out);
        ck_assert_str_eq(run.out, "");
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "");

        /* --json: one object a change; every line without NAME. */
        ctl_spawn(&c, dmn.key, (const char *const[]) { "--json", "watch", "--count=2", NULL });
        wait_watching(c.pid);
        CTL(dmn.key, "set", "buzzer=off", "led=off");
        strcpy(run.out, child_line(&c));
        strcat(run.out, "\n");
        EXPECT_JSON(&run, "d['line']['name'] == 'buzzer' and d['line']['index'] == 2 and "
                          "d['line']['state'] == 'off' and d['change'] > 0 and d['line']['time_ns'] > 0");
        strcpy(run.out, child_line(&c));
        strcat(run.out, "\n");
        EXPECT_JSON(&run, "d['line']['name'] == 'led'");
        ck_assert_int_eq(child_wait(&c), 0);
        close(c.out);
        close(c.err);

        /* Ctrl-C: exit 0, nothing printed, its watch withdrawn (no answer left on the queue). */
        ctl_spawn(&c, dmn.key, (const char *const[]) { "watch", "pump", NULL });
        wait_watching(c.pid);
        ck_assert_int_eq(kill(c.pid, SIGINT), 0);
        ck_assert_int_eq(child_wait(&c), 0);
        drain(c.out, run.out, sizeof run.out);
        ck_assert_str_eq(run.out, "");
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "");
        CTL(dmn.key, "led", "on", "pump");
        ck_assert_int_eq(queue_count(dmn.key), 0);

        CTL(dmn.key, "watch", "pmup");
        EXPECT(&run, 1, "", NO_PMUP);
        CTL(dmn.key, "watch", "-n", "0");
        EXPECT_USAGE(&run, "invalid count '0': expected a number of changes, 1 or more");
        daemon_stop_checked(&dmn);
}
END_TEST

/* An input is listed as one, read by get, and never driven: msgqctl says so, naming it. */
START_TEST(test_lines_input) {
        daemon_start_checked(&dmn, test_key(), (const char *const[]) {
                "-c", harness_config("[output pump]\ngpio = GPIO22\n[input door]\ngpio = GPIO5\n"), NULL });
        CTL(dmn.key, "list");
        ck_assert_msg(starts_with(line_of(run.out, 3), "\tline  2:\t\"door\"\tsim:") &&
                              strstr(line_of(run.out, 3), "\toff\tkind=input\tchange "),
                      "%s", run.out);
        CTL(dmn.key, "--json", "list");
        EXPECT_JSON(&run, "[l['kind'] for l in d['lines']] == ['led', 'led', 'input']");
        CTL(dmn.key, "get", "door");
        EXPECT_OK(&run, "door=off\n");
        CTL(dmn.key, "led", "state", "door");
        EXPECT_OK(&run, "door: off\n");
        CTL(dmn.key, "set", "pump=on", "door=on");
        EXPECT(&run, 1, "", "msgqctl: 'door' is an input: msgqd reads it and never drives it\n");
        CTL(dmn.key, "led", "toggle", "Door");
        EXPECT(&run, 1, "", "msgqctl: 'door' is an input: msgqd reads it and never drives it\n");
        CTL(dmn.key, "get", "pump");
        EXPECT_OK(&run, "pump=off\n");
        daemon_stop_checked(&dmn);
}
END_TEST

/* A watcher more than msgqd keeps behind is told how many it missed, on a line of its own. */
START_TEST(test_lines_watch_missed) {
        struct child c;
        const char *l;

        start_lines();
        ctl_spawn(&c, dmn.key, (const char *const[]) { "watch", NULL });
        wait_watching(c.pid); /* it waits in msgqd */
        ck_assert_int_eq(kill(c.pid, SIGSTOP), 0);
        for (int i = 0; i < 12; i++) { /* 1200 changes, 100 at a time: room on the queue */
                daemon_led_burst(&dmn, 100);
                for (int ms = 0; ms < scaled(5000) && queue_count(dmn.key) > 1; ms += 5)
                        sleep_ms(5); /* served (the watcher's answer waits for it) */
        }
        CTL(dmn.key, "led", "state"); /* served after the bursts */
        ck_assert_int_eq(kill(c.pid, SIGCONT), 0);
        l = child_line(&c); /* the change that answered its watch */
        ck_assert_msg(strstr(l, " led: on (change "), "%s", l);
        l = child_line(&c);
        ck_assert_msg(starts_with(l, "missed ") && strstr(l, " changes: msgqd no longer keeps them"),
                      "%s", l);
        ck_assert_int_eq(kill(c.pid, SIGTERM), 0);
        ck_assert_int_eq(child_wait(&c), 0);
        close(c.out);
        close(c.err);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- inputs and mon: msgqd --sim's inputs, each edge written to a FIFO (MSGQD_SIM_INPUTS) ---- */

/* The lines: led, door (an input), pump, meter (an input: rising edges, msgqd's debounce). */
#define INPUTS_CONF                                                                     \
        "[msgq]\nhistory = 64\n"                                                        \
        "[input door]\ngpio = GPIO5\n"                                                  \
        "[output pump]\ngpio = GPIO27\n"                                                \
        "[input meter]\ngpio = GPIO6\nedges = rising\nbias = pull-down\ndebounce = 20ms\n"

/* The simulated inputs' FIFOs and levels: in this test's state directory, removed with it. */
static const char *sim_dir(void) {
        static char dir[400];

        snprintf(dir, sizeof dir, "%s/sim", harness_state_dir());
        ck_assert_msg(mkdir(dir, 0700) == 0 || errno == EEXIST, "%s: %s", dir, strerror(errno));
        return dir;
}

/* msgqd --sim with INPUTS_CONF on key (again on the same key: it finds the state it left). */
static void start_inputs(key_t key) {
        ck_assert_int_eq(setenv("MSGQD_SIM_INPUTS", sim_dir(), 1), 0);
        daemon_start_checked(&dmn, key, (const char *const[]) { "-c", harness_config(INPUTS_CONF), NULL });
}

/* Bytes into input name's FIFO: '1' the line goes high, '0' low, 'o' the kernel drops the next edge. */
static void sim_edges(const char *name, const char *bytes) {
        sim_input_write(sim_dir(), name, bytes);
}

/* Line n of run.out, alone, as a JSON document into run2 (for EXPECT_JSON of JSON lines). */
static struct run *json_line(int n) {
        const char *l = line_of(run.out, n);

        ck_assert_msg(l != NULL, "no line %d in:\n%s", n, run.out);
        snprintf(run2.out, sizeof run2.out, "%s\n", l);
        return &run2;
}

/* Wait until door's last change is number n or later, as inputs lists it (every 10 ms, 5 s at most). */
static void wait_door_change(uint64_t n) {
        unsigned long long last = 0;

        for (int ms = 0; last < n && ms < scaled(5000); ms += 10) {
                const char *at;

                CTL(dmn.key, "inputs", "door");
                ck_assert_msg(run.status == 0, "%s", run.err);
                at = strstr(run.out, "\tchange ");
                ck_assert_msg(at && sscanf(at, "\tchange %llu", &last) == 1, "%s", run.out);
                if (last < n)
                        sleep_ms(10);
        }
        ck_assert_msg(last >= n, "door's last change is %llu, not %llu", last, (unsigned long long) n);
}

/* As gpioinfo for the inputs: the settings, the level, the counter; an output named is refused. */
START_TEST(test_inputs_list) {
        char path[4096], dir[1024];

        start_inputs(test_key());
        sim_edges("door", "101");
        wait_door_change(3);
        CTL(dmn.key, "inputs");
        ck_assert_int_eq(run.status, 0);
        ck_assert_str_eq(line_of(run.out, 0), fmt("msgqd pid %d - 2 inputs:", (int) dmn.pid));
        ck_assert_msg(starts_with(line_of(run.out, 1), "\tline  1:\t\"door\"\tsim:") &&
                              ends_with(line_of(run.out, 1),
                                        "\ton\tedges=both bias=as-is debounce=0\tcount 3\tchange 3"),
                      "%s", run.out);
        ck_assert_msg(starts_with(line_of(run.out, 2), "\tline  3:\t\"meter\"\tsim:") &&
                              ends_with(line_of(run.out, 2), "\tedges=rising bias=pull-down debounce=20ms "
                                                             "by=msgqd\tcount 0\tchange 0"),
                      "%s", run.out);
        ck_assert_int_eq(count_lines(run.out), 3);
        CTL(dmn.key, "--json", "inputs");
        EXPECT_JSON(&run, "d['daemon_pid'] == %d and [(i['name'], i['index'], i['state'], i['count'], "
                          "i['lost'], i['change'], i['seq']) for i in d['inputs']] == "
                          "[('door', 1, 'on', 3, 0, 3, 3), "
                          "('meter', 3, d['inputs'][1]['state'], 0, 0, 0, 0)] and "
                          "d['inputs'][0]['edges'] == 'both' and d['inputs'][0]['debounce_by'] == 'none' and "
                          "d['inputs'][1]['edges'] == 'rising' and d['inputs'][1]['bias'] == 'pull-down' and "
                          "d['inputs'][1]['debounce_us'] == 20000 and "
                          "d['inputs'][1]['debounce_by'] == 'msgqd' and d['inputs'][0]['chip'] == 'sim' "
                          "and not d['inputs'][0]['active_low']",
                    (int) dmn.pid);
        /* An overflow: counted, and said so. */
        sim_edges("door", "o01");
        wait_door_change(4);
        CTL(dmn.key, "inputs", "Door");
        ck_assert_msg(ends_with(line_of(run.out, 1), "\tcount 5 (1 lost)\tchange 4"), "%s", run.out);
        CTL(dmn.key, "inputs", "meter", "door");
        ck_assert_msg(strstr(line_of(run.out, 1), "\"meter\"") && strstr(line_of(run.out, 2), "\"door\""),
                      "%s", run.out);
        CTL(dmn.key, "inputs", "--names");
        EXPECT_OK(&run, "door\nmeter\n");
        CTL(dmn.key, "--json", "inputs", "--names");
        EXPECT_JSON(&run, "d == {'names': ['door', 'meter']}");
        CTL(dmn.key, "get", "door");
        EXPECT_OK(&run, "door=on\n");
        CTL(dmn.key, "inputs", "pump");
        EXPECT(&run, 1, "", "msgqctl: 'pump' is an output, not an input; msgqd's inputs: door, meter\n");
        CTL(dmn.key, "inputs", "nope");
        EXPECT(&run, 1, "", "msgqctl: no line 'nope'; msgqd has led, door, pump, meter\n");
        CTL(dmn.key, "inputs", "door", "DOOR");
        EXPECT_USAGE(&run, "line 'door' named twice");

        /* Completion: inputs offers the inputs, mon every line. */
        snprintf(dir, sizeof dir, "%s", getenv("MSGQCTL"));
        *strrchr(dir, '/') = '\0';
        snprintf(path, sizeof path, "%s:%s", dir, getenv("PATH"));
        setenv("PATH", path, 1);
        ck_assert_str_eq(complete(fmt("msgqctl -k %s inputs ", hex(dmn.key))), "door meter");
        ck_assert_str_eq(complete(fmt("msgqctl -k %s mon -n 2 ", hex(dmn.key))), "led door pump meter");
        daemon_stop_checked(&dmn);
}
END_TEST

/*
 * mon as gpiomon: each edge written to the FIFO, in order, with its time,
 * edge, level and number; -n ends it; an output's change says what it
 * became; a kernel's overflow is a line of its own; --json lines.
 */
START_TEST(test_mon_edges) {
        struct child c;
        const char *l;

        start_inputs(test_key());
        ctl_spawn(&c, dmn.key, (const char *const[]) { "mon", "-n", "3", "door", NULL });
        wait_watching(c.pid);
        sim_edges("door", "101");
        l = child_line(&c);
        ck_assert_msg(strlen(l) > 36 && l[4] == '-' && l[10] == 'T' && l[19] == '.' &&
                              ends_with(l, " door: rising, on (change 1)"), "%s", l);
        l = child_line(&c);
        ck_assert_msg(ends_with(l, " door: falling, off (change 2)"), "%s", l);
        l = child_line(&c);
        ck_assert_msg(ends_with(l, " door: rising, on (change 3)"), "%s", l);
        ck_assert_int_eq(child_wait(&c), 0); /* after 3 */
        drain(c.out, run.out, sizeof run.out);
        ck_assert_str_eq(run.out, "");
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "");

        /* An output's change (every line watched): what it became. */
        ctl_spawn(&c, dmn.key, (const char *const[]) { "mon", "--count=1", NULL });
        wait_watching(c.pid);
        CTL(dmn.key, "set", "pump=on");
        l = child_line(&c);
        ck_assert_msg(ends_with(l, " pump: on (change 4)"), "%s", l);
        ck_assert_int_eq(child_wait(&c), 0);
        close(c.out);
        close(c.err);

        /* The kernel dropped the rising edge between: a line that says so, before the next. */
        ctl_spawn(&c, dmn.key, (const char *const[]) { "--json", "mon", "-n", "2", "door", "pump", NULL });
        wait_watching(c.pid);
        sim_edges("door", "0o10");
        drain(c.out, run.out, sizeof run.out);
        ck_assert_int_eq(child_wait(&c), 0);
        close(c.err);
        ck_assert_int_eq(count_lines(run.out), 3);
        EXPECT_JSON(json_line(0), "d['name'] == 'door' and d['index'] == 1 and d['edge'] == 'falling' and "
                                  "d['state'] == 'off' and not d['on'] and d['change'] == 5 and "
                                  "d['seq'] == 4 "
                                  "and d['kernel_seqno'] == 4 and d['kernel_ns'] > 0 and d['time_ns'] > 0 "
                                  "and d['time'].endswith('Z') and not d['debounced']");
        EXPECT_JSON(json_line(1), "d == {'lost': 1, 'reason': 'overflow', 'at_least': False, "
                                  "'name': 'door', 'index': 1, 'before_change': 6}");
        EXPECT_JSON(json_line(2), "d['edge'] == 'falling' and d['change'] == 6 and d['kernel_seqno'] == 6");
        CTL(dmn.key, "mon", "--since", "3", "-n", "3"); /* the loss is no event */
        ck_assert_int_eq(run.status, 0);
        ck_assert_msg(ends_with(line_of(run.out, 0), " pump: on (change 4)") &&
                              ends_with(line_of(run.out, 1), " door: falling, off (change 5)") &&
                              strcmp(line_of(run.out, 2), "lost 1 edge of door: the kernel's buffer "
                                                          "overflowed") == 0 &&
                              ends_with(line_of(run.out, 3), " door: falling, off (change 6)") &&
                              count_lines(run.out) == 4,
                      "%s", run.out);
        CTL(dmn.key, "--json", "mon", "--since", "3", "-n", "1", "pump");
        EXPECT_JSON(&run, "d['name'] == 'pump' and d['edge'] is None and d['state'] == 'on' and "
                          "d['change'] == 4 and d['kernel_ns'] is None");
        daemon_stop_checked(&dmn);
}
END_TEST

/* mon --since N after msgqd restarted between edges: the edge before, then the away change. */
START_TEST(test_mon_since_restart) {
        key_t key = test_key();
        int fd;

        start_inputs(key);
        sim_edges("door", "1");
        wait_door_change(1);
        daemon_stop_checked(&dmn);
        fd = open(fmt("%s/door.level", sim_dir()), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "0", 1), 1); /* the door closed while msgqd was away */
        close(fd);
        start_inputs(key);
        /* Resumed from the last number seen: the away change, after what it means. */
        CTL(dmn.key, "mon", "--since", "1", "-n", "1");
        ck_assert_int_eq(run.status, 0);
        ck_assert_msg(strcmp(line_of(run.out, 0), "lost edges of door: msgqd was not running "
                                                  "(how many is unknown)") == 0 &&
                              ends_with(line_of(run.out, 1), " door: away, off (change 2)") &&
                              count_lines(run.out) == 2,
                      "%s", run.out);
        /* From before: the first msgqd's changes are gone with it, and said so. */
        CTL(dmn.key, "mon", "--since", "0", "-n", "1");
        ck_assert_int_eq(run.status, 0);
        ck_assert_msg(strcmp(line_of(run.out, 0), "lost 1 change (1): msgqd no longer keeps it") == 0 &&
                              ends_with(line_of(run.out, 2), " door: away, off (change 2)") &&
                              count_lines(run.out) == 3,
                      "%s", run.out);
        CTL(dmn.key, "--json", "mon", "--since", "1", "-n", "1", "door");
        ck_assert_int_eq(count_lines(run.out), 2);
        EXPECT_JSON(json_line(0), "d == {'lost': None, 'reason': 'away', 'at_least': False, "
                                  "'name': 'door', 'index': 1, 'before_change': 2}");
        EXPECT_JSON(json_line(1), "d['edge'] == 'away' and d['state'] == 'off' and d['change'] == 2 and "
                                  "d['kernel_ns'] is None");
        CTL(dmn.key, "inputs", "door");
        /* The away change counts nothing. */
        ck_assert_msg(ends_with(line_of(run.out, 1), "\toff\tedges=both bias=as-is debounce=0\tcount 1\tchange 2"),
                      "%s", run.out);
        CTL(dmn.key, "mon", "--since", "5");
        EXPECT(&run, 1, "", "msgqctl: msgqd: invalid argument: change 5 is ahead of msgqd's last, 2: "
                            "list the lines and watch from there\n");
        daemon_stop_checked(&dmn);
}
END_TEST

/* A burst longer than msgqd's history: what it no longer keeps is counted on a line, then the rest. */
START_TEST(test_mon_burst_missed) {
        char burst[201];

        start_inputs(test_key());
        for (int i = 0; i < 200; i++)
                burst[i] = i % 2 ? '0' : '1';
        burst[200] = '\0';
        sim_edges("door", burst);
        wait_door_change(200);
        CTL(dmn.key, "mon", "--since", "0", "-n", "64", "door");
        ck_assert_int_eq(run.status, 0);
        ck_assert_int_eq(count_lines(run.out), 65);
        /* door changed after 0: its own count then is not known, and the count is said to be of all lines. */
        ck_assert_str_eq(line_of(run.out, 0), "lost 136 changes of all lines (1 to 136): msgqd no longer keeps them");
        ck_assert_msg(ends_with(line_of(run.out, 1), " door: rising, on (change 137)"), "%s", run.out);
        ck_assert_msg(ends_with(line_of(run.out, 64), " door: falling, off (change 200)"), "%s", run.out);
        CTL(dmn.key, "--json", "mon", "--since", "0", "-n", "1");
        ck_assert_int_eq(count_lines(run.out), 2);
        EXPECT_JSON(json_line(0), "d == {'lost': 136, 'reason': 'history', 'first_change': 1, "
                                  "'last_change': 136}");
        EXPECT_JSON(json_line(1), "d['change'] == 137");
        daemon_stop_checked(&dmn);
}
END_TEST

/* n changes of the pump (toggles), each numbered. */
static void pump_toggles(int n) {
        for (int i = 0; i < n; i++) {
                CTL(dmn.key, "led", "toggle", "pump");
                ck_assert_msg(run.status == 0, "%s", run.err);
        }
}

/*
 * mon of lines named, more than msgqd's history behind: what msgqd no
 * longer keeps is counted per named line from the line's own count (none
 * of door: nothing said; of a mon that fell behind while it ran, stopped
 * with SIGSTOP, three of door), and said to be of all lines where door's
 * own count is not known (door changed after --since).
 */
START_TEST(test_mon_named_missed) {
        struct child c;
        char out[8192];

        start_inputs(test_key());
        sim_edges("door", "1");
        wait_door_change(1);
        pump_toggles(100);              /* 2 .. 101: kept 38 .. 101 */
        ctl_spawn(&c, dmn.key, (const char *const[]) { "mon", "--since", "1", "-n", "1", "door", NULL });
        wait_watching(c.pid);
        sim_edges("door", "0");         /* 102 */
        ck_assert_int_eq(child_wait(&c), 0);
        drain(c.out, out, sizeof out);
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "");
        ck_assert_msg(count_lines(out) == 1 && ends_with(line_of(out, 0), " door: falling, off (change 102)"),
                      "%s", out);

        ctl_spawn(&c, dmn.key, (const char *const[]) { "mon", "-n", "2", "door", "led", NULL });
        wait_watching(c.pid);
        ck_assert_int_eq(kill(c.pid, SIGSTOP), 0);
        pump_toggles(100);              /* 103 .. 202; 103 answers the watch mon waits in */
        sim_edges("door", "101");       /* 203 .. 205 */
        wait_door_change(205);
        pump_toggles(100);              /* 206 .. 305 */
        sim_edges("door", "01");        /* 306, 307: kept 244 .. 307 */
        wait_door_change(307);
        ck_assert_int_eq(kill(c.pid, SIGCONT), 0);
        ck_assert_int_eq(child_wait(&c), 0);
        drain(c.out, out, sizeof out);
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "");
        ck_assert_msg(count_lines(out) == 3 &&
                              strcmp(line_of(out, 0), "lost 3 changes of door (among 104 to 243): "
                                                      "msgqd no longer keeps them") == 0 &&
                              ends_with(line_of(out, 1), " door: falling, off (change 306)") &&
                              ends_with(line_of(out, 2), " door: rising, on (change 307)"),
                      "%s", out);

        ctl_spawn(&c, dmn.key, (const char *const[]) { "--json", "mon", "-n", "1", "door", "led", NULL });
        wait_watching(c.pid);
        ck_assert_int_eq(kill(c.pid, SIGSTOP), 0);
        pump_toggles(100);              /* 308 .. 407; 308 answers the watch */
        sim_edges("door", "0");         /* 408 */
        wait_door_change(408);
        pump_toggles(100);              /* 409 .. 508 */
        sim_edges("door", "1");         /* 509: kept 446 .. 509 */
        wait_door_change(509);
        ck_assert_int_eq(kill(c.pid, SIGCONT), 0);
        ck_assert_int_eq(child_wait(&c), 0);
        drain(c.out, run.out, sizeof run.out);
        drain(c.err, run.err, sizeof run.err);
        ck_assert_str_eq(run.err, "");
        ck_assert_int_eq(count_lines(run.out), 2);
        EXPECT_JSON(json_line(0), "d == {'lost': 1, 'reason': 'history', 'first_change': 309, "
                                  "'last_change': 445, 'name': 'door', 'index': 1}");
        EXPECT_JSON(json_line(1), "d['change'] == 509 and d['name'] == 'door'");

        /* From 102, door having changed since: its own count then is not known. */
        CTL(dmn.key, "mon", "--since", "102", "-n", "1", "door");
        ck_assert_int_eq(run.status, 0);
        ck_assert_msg(count_lines(run.out) == 2 &&
                              strcmp(line_of(run.out, 0), "lost 343 changes of all lines (103 to 445): "
                                                          "msgqd no longer keeps them") == 0 &&
                              ends_with(line_of(run.out, 1), " door: rising, on (change 509)"),
                      "%s", run.out);
        daemon_stop_checked(&dmn);
}
END_TEST

/* Ctrl-C and SIGTERM end mon with 0, its watch withdrawn; mistakes are named. */
START_TEST(test_mon_interrupted_and_errors) {
        static const int signals[] = { SIGINT, SIGTERM };
        struct child c;

        start_inputs(test_key());
        for (int i = 0; i < 2; i++) {
                ctl_spawn(&c, dmn.key, (const char *const[]) { "mon", "door", NULL });
                wait_watching(c.pid);
                ck_assert_int_eq(kill(c.pid, signals[i]), 0);
                ck_assert_msg(child_wait(&c) == 0, "signal %d", signals[i]);
                drain(c.out, run.out, sizeof run.out);
                ck_assert_str_eq(run.out, "");
                drain(c.err, run.err, sizeof run.err);
                ck_assert_str_eq(run.err, "");
        }
        sim_edges("door", "1");
        wait_door_change(1);
        ck_assert_int_eq(queue_count(dmn.key), 0); /* no answer left for them */

        CTL(dmn.key, "mon", "nope");
        EXPECT(&run, 1, "", "msgqctl: no line 'nope'; msgqd has led, door, pump, meter\n");
        CTL(dmn.key, "--json", "mon", "Door", "nope");
        EXPECT_JSON(&run, "d['exit_code'] == 1 and \"no line 'nope'\" in d['error']");
        CTL(dmn.key, "mon", "-n", "0");
        EXPECT_USAGE(&run, "invalid count '0': expected a number of events, 1 or more");
        CTL(dmn.key, "mon", "--since", "-1");
        EXPECT_USAGE(&run, "invalid change number '-1' after --since: expected 0 or more, as mon printed it");
        CTL(dmn.key, "mon", "--since");
        ck_assert_int_eq(run.status, 2);
        daemon_stop_checked(&dmn);
}
END_TEST

/* ---- runner ---- */

/* Per test, in the parent: this suite's own state. */
static void reset(void) {
        memset(&dmn, 0, sizeof dmn);
}

int main(void) {
        Suite *s = suite_create("msgqctl");

        harness_init();
        harness_set_hooks(reset, NULL);
        harness_add(s, "led", test_led_on_off_toggle_state, 30);
        harness_add(s, "blink-count", test_led_blink_count_ends_off, 30);
        harness_add(s, "blink-cancel", test_led_blink_is_cancelled, 30);
        harness_add(s, "led-usage", test_led_bad_arguments_are_usage_errors, 30);
        harness_add(s, "send", test_send_is_logged, 30);
        harness_add(s, "send-usage", test_send_bad_arguments_are_usage_errors, 30);
        harness_add(s, "ping", test_ping_replies_and_summary, 30);
        harness_add(s, "ping-no-daemon", test_ping_without_daemon_loses_requests, 30);
        harness_add(s, "stats", test_stats_counts_per_priority, 30);
        harness_add(s, "status", test_status_with_daemon, 30);
        harness_add(s, "status-killed", test_status_daemon_killed, 30);
        harness_add(s, "status-monitor", test_status_monitor_shows_waiting_request, 30);
        harness_add(s, "led-watch", test_led_watch_prints_every_change, 30);
        harness_add(s, "led-watch-back-to-back", test_led_watch_prints_changes_back_to_back, 30);
        harness_add(s, "no-queue", test_no_queue_every_command_exits_3, 30);
        harness_add(s, "queued-while-down", test_request_queued_while_daemon_down, 30);
        harness_add(s, "queue-removed", test_queue_removed_while_waiting, 30);
        harness_add(s, "shutdown", test_shutdown_stops_daemon, 30);
        harness_add(s, "shutdown-answered", test_shutdown_always_answered, 30);
        harness_add(s, "shutdown-waits", test_shutdown_waits_until_key_free, 30);
        harness_add(s, "json-led-send-shutdown", test_json_led_send_shutdown, 30);
        harness_add(s, "json-ping-stats-status", test_json_ping_stats_status, 30);
        harness_add(s, "json-errors", test_json_errors, 30);
        harness_add(s, "usage", test_usage_errors, 30);
        harness_add(s, "usage-alike", test_usage_errors_alike, 30);
        harness_add(s, "help", test_help_lists_commands_and_exit_codes, 30);
        harness_add(s, "bad-options", test_bad_key_timeout_priority, 30);
        harness_add(s, "key-env", test_key_from_environment, 30);
        harness_add(s, "key-config", test_key_from_config_file, 30);
        harness_add(s, "permission", test_permission_denied_exits_4, 30);
        harness_add(s, "permission-advice", test_permission_advice_is_true, 30);
        harness_add(s, "output-write-error", test_output_write_error, 30);
        harness_add(s, "closed-pipe", test_closed_pipe_exits_5, 60);
        harness_add(s, "led-watch-interrupted", test_led_watch_interrupted, 60);
        harness_add(s, "ping-interrupted", test_ping_interrupted, 60);
        harness_add(s, "options-anywhere", test_global_options_anywhere, 30);
        harness_add(s, "words-units-case-quiet", test_words_units_case_quiet, 30);
        harness_add(s, "send-stdin", test_send_from_stdin, 30);
        harness_add(s, "led-watch-json-lines", test_led_watch_json_lines, 30);
        harness_add(s, "config-errors", test_config_errors_in_all_programs, 60);
        harness_add(s, "msgqd-config", test_msgqd_configuration_words, 30);
        harness_add(s, "lines-list", test_lines_list, 30);
        harness_add(s, "lines-get-set", test_lines_get_set, 30);
        harness_add(s, "lines-led-named", test_lines_led_named, 30);
        harness_add(s, "lines-watch", test_lines_watch, 60);
        harness_add(s, "lines-watch-missed", test_lines_watch_missed, 60);
        harness_add(s, "lines-input", test_lines_input, 30);
        harness_add(s, "inputs-list", test_inputs_list, 30);
        harness_add(s, "mon-edges", test_mon_edges, 60);
        harness_add(s, "mon-since-restart", test_mon_since_restart, 60);
        harness_add(s, "mon-burst-missed", test_mon_burst_missed, 60);
        harness_add(s, "mon-named-missed", test_mon_named_missed, 120);
        harness_add(s, "mon-interrupted-errors", test_mon_interrupted_and_errors, 60);
        harness_add(s, "bash-completion", test_bash_completion, 30);
        harness_add(s, "bash-completion-line-names", test_bash_completion_line_names, 30);
        harness_add(s, "completions-in-sync", test_completions_in_sync, 30);
        return harness_run(s);
}
