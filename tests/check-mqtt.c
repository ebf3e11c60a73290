/* SPDX-License-Identifier: MIT */
/*
 * Integration: the real msgq-mqtt between a real mosquitto broker (on a
 * free loopback port, its own directory) and the real msgqd --sim (on
 * private keys), driven with mosquitto_pub and mosquitto_sub as any MQTT
 * client would, and with msgqctl from the other side.
 *
 * Every process a test starts dies with it (PR_SET_PDEATHSIG); its queues
 * are removed by the harness's teardown and its directory by ours, also
 * when it fails.  Without mosquitto installed every test fails and says so.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "clock.h"
#include "harness.h"
#include "ledstate.h"

#define HOST "127.0.0.1"
/* The LED's states as the bridge publishes them: each says what the effect is. */
#define ON_NULL  "{\"state\":\"ON\",\"effect\":null}"
#define OFF_NULL "{\"state\":\"OFF\",\"effect\":null}"

struct proc {
        pid_t pid;
        char log[400];
};

static struct daemon dmn;
static struct proc broker, bridge, watcher;
static struct run run; /* large: not on the stack */
static int port;
static char dir[300];    /* this test's directory: broker, logs, files */
static char prefix[64];  /* this test's topic prefix */
static int test_serial;  /* bumped in the parent before each test */

/* ---- small helpers ---- */

static const char *topic(const char *sub) {
        return fmt("%s/%s", prefix, sub);
}

/* The last 1200 bytes of text: Check limits the size of a failure message. */
static const char *tail(const char *text) {
        size_t n = strlen(text);

        return n > 1200 ? text + n - 1200 : text;
}

/*
 * s without the times of the LED's states (led/state's ,"time":"..."), in
 * place: the tests compare what a state says; test_state_time looks at the
 * times.
 */
static char *untimed(char *s) {
        static const char key[] = ",\"time\":\"";
        char *p;

        while ((p = strstr(s, key))) {
                char *end = strchr(p + sizeof key - 1, '"');
                if (!end)
                        break;
                memmove(p, end + 1, strlen(end + 1) + 1);
        }
        return s;
}

static const char *file_text_raw(const char *path) {
        static char bufs[4][65536];
        static int next;
        char *buf = bufs[next++ % 4];
        FILE *f = fopen(path, "r");
        size_t n = 0;

        if (f) {
                n = fread(buf, 1, sizeof bufs[0] - 1, f);
                fclose(f);
        }
        buf[n] = '\0';
        return buf;
}

static const char *file_text(const char *path) {
        return untimed((char *) file_text_raw(path));
}

static void write_file(const char *path, const char *text, mode_t mode) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
        ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        ck_assert_int_eq(fchmod(fd, mode), 0);
        close(fd);
}

static bool executable_in_path(const char *name, char *out, size_t size) {
        const char *path = getenv("PATH");
        char copy[4096];

        snprintf(copy, sizeof copy, "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
        for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                snprintf(out, size, "%s/%s", d, name);
                if (access(out, X_OK) == 0)
                        return true;
        }
        return false;
}

static const char *need_program(const char *name) {
        static char paths[4][512];
        static int next;
        char *p = paths[next++ % 4];

        ck_assert_msg(executable_in_path(name, p, sizeof paths[0]),
                      "%s not found: the MQTT tests need a broker and its clients "
                      "(apt-get install mosquitto mosquitto-clients)", name);
        return p;
}

/* Start argv with stdout and stderr to p->log; it dies with this test. */
static void spawn(struct proc *p, const char *log, const char *const *argv) {
        int fd;

        snprintf(p->log, sizeof p->log, "%s/%s", dir, log);
        fd = open(p->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        ck_assert_msg(fd >= 0, "%s: %s", p->log, strerror(errno));
        p->pid = fork();
        ck_assert_int_ge(p->pid, 0);
        if (p->pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
                unsetenv("MSGQ_KEY");
                setenv("STATE_DIRECTORY", dir, 1); /* the bridge's copy of <prefix>/changes: the test's own */
                execv(argv[0], (char *const *) argv);
                fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(fd);
}

/* Exit status (or 128 + signal) within ms, or -ETIMEDOUT. */
static int proc_wait(struct proc *p, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        int st;

        while (p->pid > 0) {
                pid_t r = waitpid(p->pid, &st, WNOHANG);
                if (r == p->pid) {
                        p->pid = 0;
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
                }
                if (monotonic_ms() >= end)
                        return -ETIMEDOUT;
                sleep_ms(5);
        }
        return -ECHILD;
}

static int proc_stop(struct proc *p, int sig) {
        int st;

        if (p->pid <= 0)
                return -ECHILD;
        kill(p->pid, sig);
        st = proc_wait(p, 5000);
        if (st == -ETIMEDOUT) {
                kill(p->pid, SIGKILL);
                st = proc_wait(p, 5000);
        }
        return st;
}

/* ---- the broker ---- */

static int free_port(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof sa;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *) &sa, sizeof sa), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        close(fd);
        return ntohs(sa.sin_port);
}

static bool port_open(void) {
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        bool ok = fd >= 0 && connect(fd, (struct sockaddr *) &sa, sizeof sa) == 0;

        if (fd >= 0)
                close(fd);
        return ok;
}

/* mosquitto on the test's port, persistent, with extra configuration lines. */
static void broker_start_with(const char *extra) {
        const char *conf = fmt("%s/mosquitto.conf", dir);
        uint64_t end;

        write_file(conf, fmt("listener %d " HOST "\n"
                             "allow_anonymous %s\n"
                             "persistence true\n"
                             "persistence_location %s/\n"
                             "user root\n"
                             "%s",
                             port, extra && strstr(extra, "password_file") ? "false" : "true", dir,
                             extra ? extra : ""),
                   0600);
        spawn(&broker, "mosquitto.log", (const char *const[]) { need_program("mosquitto"), "-c", conf, NULL });
        for (end = monotonic_ms() + 5000; !port_open(); sleep_ms(10))
                ck_assert_msg(monotonic_ms() < end && broker.pid > 0 && waitpid(broker.pid, NULL, WNOHANG) == 0,
                              "mosquitto did not start: %s", file_text(broker.log));
}

static void broker_start(void) {
        broker_start_with(NULL);
}

/* ---- MQTT clients: mosquitto_pub and mosquitto_sub ---- */

static void pub_with(const char *flag, const char *t, const char *payload) {
        const char *argv[16] = { need_program("mosquitto_pub"), "-h", HOST, "-p", fmt("%d", port), "-q", "1",
                                 "-t", t };
        int n = 9;

        if (flag)
                argv[n++] = flag;
        argv[n++] = "-m";
        argv[n++] = payload;
        argv[n] = NULL;
        ck_assert_msg(run_prog(&run, 10000, argv) == 0 && run.status == 0, "mosquitto_pub %s %s: %s", t,
                      payload, run.err);
}

static void pub(const char *t, const char *payload) {
        pub_with(NULL, t, payload);
}

/* The retained message on t ("" if there is none). */
static const char *retained(const char *t) {
        static char buf[sizeof run.out];

        ck_assert(run_prog(&run, 10000, (const char *const[]) { need_program("mosquitto_sub"), "-h", HOST,
                                                                "-p", fmt("%d", port), "-t", t, "-C", "1",
                                                                "-W", "3", "--retained-only", NULL }) == 0);
        snprintf(buf, sizeof buf, "%s", run.status == 0 ? run.out : "");
        buf[strcspn(buf, "\n")] = '\0';
        return untimed(buf);
}

#define EXPECT_RETAINED(t, value, ms) expect_retained_at(__LINE__, (t), (value), (ms))
static void expect_retained_at(int line, const char *topic_arg, const char *value_arg, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        char t[256], value[2048];
        const char *got;

        snprintf(t, sizeof t, "%s", topic_arg); /* fmt()'s buffers are reused while we wait */
        snprintf(value, sizeof value, "%s", value_arg);
        while (strcmp((got = retained(t)), value) != 0 && monotonic_ms() < end)
                sleep_ms(50);
        ck_assert_msg(strcmp(got, value) == 0, "line %d: retained on %s: '%s', expected '%s'\nbridge: %s",
                      line, t, got, value, tail(file_text(bridge.log)));
}

/*
 * A subscriber on <prefix>/# printing "topic payload" lines to watch.log.
 * It is subscribed once it has printed the retained availability.
 */
static void watch_start(void) {
        uint64_t end = monotonic_ms() + 10000;

        spawn(&watcher, "watch.log", (const char *const[]) { need_program("mosquitto_sub"), "-h", HOST, "-p",
                                                            fmt("%d", port), "-q", "1", "-v", "-t",
                                                            fmt("%s/#", prefix), NULL });
        while (!strstr(file_text(watcher.log), topic("availability"))) {
                ck_assert_msg(monotonic_ms() < end, "the subscriber got nothing: %s", tail(file_text(watcher.log)));
                sleep_ms(10);
        }
}

/* Wait until watch.log has the line "topic payload" (count times in all). */
#define EXPECT_SEEN(t, payload, count, ms) expect_seen_at(__LINE__, (t), (payload), (count), (ms))
static int count_lines(const char *text, const char *line) {
        size_t n = strlen(line);
        int count = 0;

        for (const char *p = text; (p = strstr(p, line)); p += n)
                count += (p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0');
        return count;
}

static void expect_seen_at(int line, const char *t, const char *payload, int count, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        char want[2048];

        snprintf(want, sizeof want, "%s %s", t, payload);
        int got;

        while ((got = count_lines(file_text(watcher.log), want)) < count && monotonic_ms() < end)
                sleep_ms(20);
        ck_assert_msg(got >= count, "line %d: '%s' seen %d times, expected %d\nseen:\n%s\nbridge:\n%s", line,
                      want, got, count, tail(file_text(watcher.log)), tail(file_text(bridge.log)));
}

/* ---- msgqd, msgqctl and the bridge ---- */

/*
 * Wait until msgqd's state file for key says the LED is on (written, so a
 * kill -9 keeps it): as msgqd reads it, the newest good slot.
 */
static void wait_state_on(key_t key) {
        const char *state = fmt("%s/led.0x%08x", harness_state_dir(), (unsigned) key);
        uint64_t end = monotonic_ms() + (uint64_t) scaled(5000);
        static struct ledstate_file f;

        while (ledstate_file_load(state, &f) < 0 || !f.line[0].on) {
                ck_assert_msg(monotonic_ms() < end, "%s: %s", state, file_text(state));
                sleep_ms(10);
        }
}

#define EXPECT_LED(text, ms) expect_led_at(__LINE__, (text), (ms))
static void expect_led_at(int line, const char *text, int ms) { /* text: a literal */
        uint64_t end = monotonic_ms() + (uint64_t) ms;

        for (;;) {
                ck_assert(ctl(&run, dmn.key, "led", "state", NULL) == 0);
                if (strcmp(run.out, text) == 0)
                        return;
                ck_assert_msg(monotonic_ms() < end, "line %d: msgqctl says '%s', expected '%s'\nbridge:\n%s", line,
                              run.out, text, tail(file_text(bridge.log)));
                sleep_ms(20);
        }
}

/* msgqctl says the LED blinks with this period (counted or not). */
#define EXPECT_BLINKING(period, ms) expect_blinking_at(__LINE__, (period), (ms))
static void expect_blinking_at(int line, unsigned period, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        char want[64];

        snprintf(want, sizeof want, "led: blinking (period %u ms,", period);
        for (;;) {
                ck_assert(ctl(&run, dmn.key, "led", "state", NULL) == 0);
                if (strncmp(run.out, want, strlen(want)) == 0)
                        return;
                ck_assert_msg(monotonic_ms() < end, "line %d: msgqctl says '%s', expected '%s...'\nbridge:\n%s", line,
                              run.out, want, tail(file_text(bridge.log)));
                sleep_ms(20);
        }
}

static void msgqctl(const char *a, const char *b, const char *c) {
        ck_assert(ctl(&run, dmn.key, a, b, c, NULL) == 0);
        ck_assert_msg(run.status == 0, "msgqctl %s %s: %s", a, b, run.err);
}

/* msgq-mqtt -k KEY -b mqtt://HOST:PORT -p PREFIX [extra...], with no system configuration. */
static void bridge_spawn(key_t key, const char *const *extra) {
        const char *argv[32] = { getenv("MSGQ_MQTT"), "-c", "/dev/null", "-m", "/dev/null", "-k",
                                 fmt("0x%08x", (unsigned) key), "-b", fmt("mqtt://" HOST ":%d", port),
                                 "-p", prefix, "-v" };
        int n = 12;

        ck_assert_msg(argv[0], "MSGQ_MQTT is not set: run the tests with meson test");
        for (; extra && *extra && n < 31; extra++)
                argv[n++] = *extra;
        argv[n] = NULL;
        spawn(&bridge, "bridge.log", argv);
}

/* Start the bridge and wait for its retained availability. */
static void bridge_start_with(key_t key, const char *const *extra, const char *availability) {
        bridge_spawn(key, extra);
        EXPECT_RETAINED(topic("availability"), availability, 10000);
}

static void bridge_start(void) {
        bridge_start_with(dmn.key, NULL, "online");
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);
}

/* The usual set-up: broker, msgqd, bridge, a subscriber. */
static void start_all(void) {
        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        bridge_start();
        watch_start();
}

/* Stop what is running: the bridge and msgqd cleanly (msgqd removes its queue). */
static void stop_all(void) {
        int st;

        if (bridge.pid > 0) {
                st = proc_stop(&bridge, SIGTERM);
                ck_assert_msg(st == 0, "msgq-mqtt exited with %d: %s", st, tail(file_text(bridge.log)));
        }
        if (dmn.pid > 0)
                daemon_stop_checked(&dmn);
        proc_stop(&watcher, SIGTERM);
        proc_stop(&broker, SIGTERM);
}

/* payload must be a JSON object for which the Python expression (over d) holds. */
#define EXPECT_JSON(payload, ...) expect_json_at(__LINE__, (payload), fmt(__VA_ARGS__))
static void expect_json_at(int line, const char *payload, const char *expr) {
        static const char script[] =
                "import json, sys\n"
                "d = json.loads(sys.argv[1])\n"
                "if not isinstance(d, dict) or not eval(sys.argv[2], {'d': d}):\n"
                "    sys.exit('false')\n";
        static struct run py;

        ck_assert(run_prog(&py, 15000, (const char *const[]) { "python3", "-c", script, payload, expr, NULL }) == 0);
        if (py.status != 0 && strlen(payload) + strlen(expr) > 2000) /* more than Check's message takes */
                fprintf(stderr, "line %d: %s is not true of %s\n", line, expr, payload);
        ck_assert_msg(py.status == 0, "line %d: %s is not true of %s: %s", line, tail(expr), tail(payload), py.err);
}

/* How many messages on t watch.log has. */
static int count_on(const char *t) {
        const char *text = file_text(watcher.log), *want = fmt("%s ", t);
        int n = 0;

        for (const char *p = text; (p = strstr(p, want)); p++)
                n += p == text || p[-1] == '\n';
        return n;
}

#define WAIT_ON(t, n, ms) wait_on_at(__LINE__, (t), (n), (ms))
static void wait_on_at(int line, const char *topic_arg, int n, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;
        char t[256]; /* fmt()'s buffers are reused while we wait */

        snprintf(t, sizeof t, "%s", topic_arg);
        while (count_on(t) < n) {
                ck_assert_msg(monotonic_ms() < end, "line %d: %d messages on %s, expected %d:\n%s\nbridge:\n%s", line,
                              count_on(t), t, n, tail(file_text(watcher.log)), tail(file_text(bridge.log)));
                sleep_ms(20);
        }
}

/* The payloads of all "topic payload" lines in watch.log, in order, one a line. */
static const char *all_seen(const char *t) {
        static char buf[65536];
        const char *text = file_text(watcher.log), *p;
        const char *want = fmt("%s ", t);
        size_t len = 0;

        buf[0] = '\0';
        for (p = text; (p = strstr(p, want)); p++) {
                const char *payload = p + strlen(want);
                int n;

                if (p != text && p[-1] != '\n')
                        continue;
                n = snprintf(buf + len, sizeof buf - len, "%.*s\n", (int) strcspn(payload, "\n"), payload);
                ck_assert_msg(n >= 0 && (size_t) n < sizeof buf - len, "too much on %s", t);
                len += (size_t) n;
        }
        return buf;
}

/* The payload of the last of them. */
static const char *last_seen(const char *t) {
        static char buf[4096];
        const char *all = all_seen(t), *last;
        size_t len = strlen(all);

        ck_assert_msg(len > 0, "nothing on %s in:\n%s", t, tail(file_text(watcher.log)));
        for (last = all + len - 1; last > all && last[-1] != '\n'; last--)
                ;
        snprintf(buf, sizeof buf, "%.*s", (int) (all + len - 1 - last), last);
        return buf;
}

/* ---- tests ---- */

START_TEST(test_commands_drive_the_led) {
        start_all();
        pub(topic("led/set"), "ON");
        EXPECT_LED("led: on\n", 10000);
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 1, 10000);
        pub(topic("led/set"), "OFF");
        EXPECT_LED("led: off\n", 10000);
        pub(topic("led/set"), "toggle");
        EXPECT_LED("led: on\n", 10000);
        pub(topic("led/set"), "{\"state\":\"OFF\",\"effect\":null}");
        EXPECT_LED("led: off\n", 10000);
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 3, 10000); /* retained, OFF, OFF */
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);

        /* Blink as Home Assistant asks for it: an effect; then with period and count. */
        pub(topic("led/set"), "{\"state\":\"ON\",\"effect\":\"blink\"}");
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":500}", 1, 10000);
        ck_assert(ctl(&run, dmn.key, "led", "state", NULL) == 0);
        ck_assert_msg(strncmp(run.out, "led: blinking (period 500 ms", 28) == 0, "%s", run.out);
        pub(topic("led/set"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":100,\"count\":3}");
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":100}", 1, 10000);
        /* Three blinks take 300 ms; msgqd answers the bridge's watch at the end. */
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);
        EXPECT_LED("led: off\n", 100);
        stop_all();
}
END_TEST

/*
 * Every command Home Assistant's JSON light publishes for this light
 * (doc/HOME-ASSISTANT.md; none has brightness: it is an on/off light),
 * each seen on the LED through msgqctl, and none refused.
 */
START_TEST(test_home_assistant_commands) {
        uint64_t t0;

        start_all();
        pub(topic("led/set"), "{\"state\":\"ON\"}");                         /* turn_on */
        EXPECT_LED("led: on\n", 10000);
        pub(topic("led/set"), "{\"state\":\"OFF\"}");                        /* turn_off */
        EXPECT_LED("led: off\n", 10000);
        pub(topic("led/set"), "{\"state\":\"ON\",\"effect\":\"blink\"}");    /* turn_on, effect blink */
        EXPECT_LED("led: blinking (period 500 ms, until cancelled)\n", 10000);
        pub(topic("led/set"), "{\"state\":\"ON\",\"transition\":1.0}");      /* turn_on, transition */
        EXPECT_LED("led: on\n", 10000);
        pub(topic("led/set"), "{\"state\":\"OFF\",\"transition\":2}");       /* turn_off, transition */
        EXPECT_LED("led: off\n", 10000);

        /* turn_on, flash short: four blinks of 500 ms (the last ends 1.75 s after the first began), then on. */
        t0 = monotonic_ms();
        pub(topic("led/set"), "{\"state\":\"ON\",\"flash\":2}");
        EXPECT_BLINKING(500, 10000);
        EXPECT_LED("led: on\n", 10000);
        ck_assert_msg(monotonic_ms() - t0 >= 1750, "on after %llu ms", (unsigned long long) (monotonic_ms() - t0));
        EXPECT_RETAINED(topic("led/state"), ON_NULL, 10000);

        /* turn_off, flash short: 2 s of blinking, then off. */
        pub(topic("led/set"), "{\"state\":\"OFF\",\"flash\":2}");
        EXPECT_BLINKING(500, 10000);
        EXPECT_LED("led: off\n", 10000);
        sleep_ms(500);
        EXPECT_LED("led: off\n", 100);

        /* turn_on, flash long: 10 s of blinking (still at 3 s), cut short by turn_off, which stays. */
        pub(topic("led/set"), "{\"state\":\"ON\",\"flash\":10}");
        EXPECT_BLINKING(500, 10000);
        sleep_ms(3000);
        EXPECT_BLINKING(500, 100);
        pub(topic("led/set"), "{\"state\":\"OFF\"}");
        EXPECT_LED("led: off\n", 10000);
        sleep_ms(1000);
        EXPECT_LED("led: off\n", 100);

        /* Keys of a light with brightness, and of later versions: taken. */
        pub(topic("led/set"), "{\"state\":\"ON\",\"brightness\":255,\"color_temp\":300,\"new_key\":1}");
        EXPECT_LED("led: on\n", 10000);
        ck_assert_msg(count_on(topic("error")) == 0, "refused:\n%s", all_seen(topic("error")));
        stop_all();
}
END_TEST

/*
 * Every state payload says what the effect is, so that Home Assistant's
 * light (which keeps its effect until told) shows no stale "blink": after
 * a counted blink and msgqctl led on; after an endless blink cancelled by
 * on; after HA's own turn_off then turn_on.  The blink's figures go to the
 * attributes topic.
 */
START_TEST(test_state_says_the_effect) {
        start_all();
        EXPECT_RETAINED(topic("led/attributes"), "{\"blinking\":false}", 10000);
        ck_assert(ctl(&run, dmn.key, "led", "blink", "100", "3", NULL) == 0 && run.status == 0);
        EXPECT_SEEN(topic("led/attributes"), "{\"blinking\":true,\"period_ms\":100,\"blinks_left\":3}", 1, 10000);
        EXPECT_SEEN(topic("led/state"), OFF_NULL, 2, 10000); /* the counted blink is over */
        msgqctl("led", "on", NULL);
        EXPECT_SEEN(topic("led/state"), ON_NULL, 1, 10000);

        msgqctl("led", "blink", "250");
        EXPECT_RETAINED(topic("led/attributes"), "{\"blinking\":true,\"period_ms\":250}", 10000);
        msgqctl("led", "on", NULL);
        EXPECT_SEEN(topic("led/state"), ON_NULL, 2, 10000);

        pub(topic("led/set"), "{\"state\":\"ON\",\"effect\":\"blink\"}");
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":500}", 1, 10000);
        pub(topic("led/set"), "{\"state\":\"OFF\"}");
        pub(topic("led/set"), "{\"state\":\"ON\"}");
        EXPECT_SEEN(topic("led/state"), ON_NULL, 3, 10000);
        EXPECT_RETAINED(topic("led/attributes"), "{\"blinking\":false}", 10000);
        ck_assert_str_eq(all_seen(topic("led/state")),
                         OFF_NULL "\n"                                                  /* retained */
                         "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":100}\n" OFF_NULL "\n" ON_NULL "\n"
                         "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":250}\n" ON_NULL "\n"
                         "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":500}\n" OFF_NULL "\n" ON_NULL "\n");
        stop_all();
}
END_TEST

START_TEST(test_bad_commands_are_answered_on_error) {
        static const struct {
                const char *sub, *payload, *error;
        } cases[] = {
                { "led/set", "bogus", "expected ON, OFF, TOGGLE or a JSON object" },
                { "led/set", "{\"state\":\"ON\"", "invalid JSON: unexpected end" },
                { "led/set", "{\"state\":\"ON\"} x", "invalid JSON: unexpected character" },
                { "led/set", "[1]", "expected ON, OFF, TOGGLE or a JSON object" },
                { "led/set", "{\"state\":\"DIM\"}", "state must be ON, OFF or TOGGLE, not \\\"DIM\\\"" },
                { "led/set", "{\"effect\":\"rainbow\"}", "effect must be blink, none or null, not \\\"rainbow\\\"" },
                { "led/set", "{\"state\":\"ON\",\"period_ms\":100}", "period_ms and count need effect blink" },
                { "led/set", "{\"effect\":\"blink\",\"period_ms\":10}", "period_ms must be an integer from 20 to 3600000, not 10" },
                { "led/set", "{\"effect\":\"blink\",\"period_ms\":500.5}", "period_ms must be an integer from 20 to 3600000, not 500.5" },
                { "led/set", "{\"effect\":\"blink\",\"count\":-1}", "count must be an integer from 0 to 1000000, not -1" },
                { "led/set", "{\"state\":\"OFF\",\"effect\":\"blink\"}", "effect blink needs state ON" },
                { "led/set", "{\"state\":\"ON\",\"flash\":\"short\"}",
                  "flash must be a number of seconds from 0.001 to 3600, not \\\"short\\\"" },
                { "send", "{\"text\":\"x\",\"priority\":11}", "priority must be an integer from 1 to 10, not 11" },
                { "send", "{\"priority\":1}", "missing text" },
                { "send", "{\"text\":\"a\\nb\"}", "text contains a control character (0x0a)" },
        };

        start_all();
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                const char *t = topic(cases[i].sub);

                pub(t, cases[i].payload);
                EXPECT_SEEN(topic("error"), fmt("{\"topic\":\"%s\",\"error\":\"%s\"}", t, cases[i].error), 1, 10000);
        }
        /* Everything refused was counted, nothing reached msgqd. */
        pub(topic("stats/get"), "");
        WAIT_ON(topic("stats"), 1, 10000);
        EXPECT_JSON(last_seen(topic("stats")),
                    "d['bridge']['commands'] == 16 and d['bridge']['failed'] == 15 and "
                    "d['bridge']['applied'] == 1 and d['daemon']['errors'] == 0");
        EXPECT_LED("led: off\n", 100);

        /*
         * A retained command is applied when it is published (the broker
         * hands it on as a live message), but not replayed when the bridge
         * subscribes again: it would undo every later change.
         */
        pub_with("-r", topic("led/set"), "ON");
        EXPECT_LED("led: on\n", 10000);
        msgqctl("led", "off", NULL);
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        bridge_start_with(dmn.key, NULL, "online");
        EXPECT_SEEN(topic("error"),
                    fmt("{\"topic\":\"%s\",\"error\":\"retained commands are ignored: publish without retain\"}",
                        topic("led/set")), 1, 10000);
        EXPECT_LED("led: off\n", 100);
        stop_all();
}
END_TEST

/*
 * Issue 19's payloads through a real mosquitto, each of which drove the
 * LED (a flash rounded to 0 ms blinked until cancelled; a comparison
 * stopped at a NUL), and more of their kind: each is refused on the error
 * topic with the key and the value, and the LED stays as it was, off and on.
 */
START_TEST(test_hostile_payloads_change_nothing) {
#define FLASH_RANGE "flash must be a number of seconds from 0.001 to 3600, not "
        static const struct {
                const char *payload, *error; /* error: as the JSON on the error topic writes it */
        } cases[] = {
                { "{\"state\":\"OFF\",\"flash\":0.0001}", FLASH_RANGE "0.0001" },
                { "{\"state\":\"OFF\",\"flash\":1e-300}", FLASH_RANGE "1e-300" },
                { "{\"state\":\"ON\\u0000junk\"}", "state must be ON, OFF or TOGGLE, not \\\"ON\\\\u0000junk\\\"" },
                { "{\"effect\":\"blink\\u0000junk\"}",
                  "effect must be blink, none or null, not \\\"blink\\\\u0000junk\\\"" },
                { "{\"state\":\"OFF\",\"state\":\"ON\"}", "duplicate key \\\"state\\\"" },
                { "{\"state\\u0000x\":\"TOGGLE\"}", "NUL character in key \\\"state\\\\u0000x\\\"" },
                { "{\"state\":\"ON\",\"flash\":NaN}", "invalid JSON: NaN and Infinity are not JSON numbers" },
                { "{\"effect\":\"blink\",\"count\":99999999999999999999}",
                  "count must be an integer from 0 to 1000000, not 99999999999999999999" },
        };
        const size_t n = sizeof cases / sizeof cases[0];

        start_all();
        for (int on = 0; on <= 1; on++) {
                if (on) {
                        msgqctl("led", "on", NULL);
                        EXPECT_SEEN(topic("led/state"), ON_NULL, 1, 10000);
                }
                for (size_t i = 0; i < n; i++) {
                        const char *t = topic("led/set");

                        pub(t, cases[i].payload);
                        EXPECT_SEEN(topic("error"), fmt("{\"topic\":\"%s\",\"error\":\"%s\"}", t, cases[i].error),
                                    on + 1, 10000);
                        if (on)
                                EXPECT_LED("led: on\n", 100);
                        else
                                EXPECT_LED("led: off\n", 100);
                }
        }
        /* Nothing reached msgqd: the figures, asked for after them all, count only refusals. */
        pub(topic("stats/get"), "");
        WAIT_ON(topic("stats"), 1, 10000);
        EXPECT_JSON(last_seen(topic("stats")),
                    "d['bridge']['commands'] == %zu and d['bridge']['failed'] == %zu and d['bridge']['applied'] == 1",
                    2 * n + 1, 2 * n);
        EXPECT_LED("led: on\n", 100);
        ck_assert_str_eq(all_seen(topic("led/state")), OFF_NULL "\n" ON_NULL "\n");
        stop_all();
#undef FLASH_RANGE
}
END_TEST

START_TEST(test_changes_by_others_are_published) {
        start_all();
        msgqctl("led", "on", NULL);
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 1, 10000);
        msgqctl("led", "blink", "250");
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":250}", 1, 10000);
        /* Blinking toggles the LED, not its published state: one message per change. */
        sleep_ms(1500);
        ck_assert_int_eq(count_on(topic("led/state")), 3);
        msgqctl("led", "off", NULL);
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 2, 10000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 1000);
        stop_all();
}
END_TEST

/* msgqd's served count, as msgqctl stats prints it (the stats request included). */
static long long served(void) {
        const char *line;
        long long n = -1;

        msgqctl("stats", NULL, NULL);
        line = strstr(run.out, "served:");
        ck_assert_msg(line && sscanf(line, "served: %lld", &n) == 1, "msgqctl stats: %s", run.out);
        return n;
}

/*
 * Every change by another client is published, also one undone at once:
 * the bridge watches msgqd (led-watch), it does not sample it.  And an idle
 * bridge costs msgqd nothing: no request of its own in 3 s.
 */
/*
 * Changes that msgqd makes back to back, faster than the bridge can watch
 * again (six requests queued while msgqd is stopped): each is published,
 * in order, from msgqd's history of changes.
 */
START_TEST(test_burst_of_changes_in_order) {
        start_all();
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);
        daemon_led_burst(&dmn, 6);
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 4, 10000);
        ck_assert_str_eq(all_seen(topic("led/state")),
                         OFF_NULL "\n" ON_NULL "\n" OFF_NULL "\n" ON_NULL "\n"
                         OFF_NULL "\n" ON_NULL "\n" OFF_NULL "\n");
        stop_all();
}
END_TEST

START_TEST(test_every_change_and_idle_costs_nothing) {
        long long before, after;

        start_all();
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);
        msgqctl("led", "on", NULL);
        msgqctl("led", "off", NULL);
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 1, 10000);
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 2, 10000);
        before = served();
        sleep_ms(3000);
        after = served();
        ck_assert_msg(after - before == 1, "msgqd served %lld requests in 3 s of an idle bridge, "
                      "its own stats request included", after - before);
        stop_all();
}
END_TEST

/* The LED's change number, asked of msgqd; msgqd has served what was queued before at priority 1. */
static uint64_t led_changes(key_t key) {
        struct msgq_request req = { .op = MSGQ_OP_LED_STATE };
        struct msgq_reply rep;
        struct msgq_client c;

        ck_assert_int_eq(msgq_client_open(&c, key), 0);
        ck_assert_int_eq(msgq_client_call(&c, 1, &req, &rep, 5000), 0);
        msgq_client_close(&c);
        return rep.led.changes;
}

/*
 * 64 watches forged for live PIDs (1, 2, kernel threads), each an hour
 * long, before the bridge starts: the bridge's watch takes a place all the
 * same, so the idle bridge asks msgqd nothing (a refused watch made it ask
 * for the state every second instead), and a change by another client is
 * published.
 */
START_TEST(test_forged_watches) {
        uint32_t pids[64];
        long long before, after;

        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        ck_assert_int_eq(live_pids(pids, 64), 64);
        ck_assert_int_eq(forge_requests(dmn.key, MSGQ_OP_LED_WATCH, led_changes(dmn.key), pids, 64), 64);
        led_changes(dmn.key); /* after them: msgqd took them all */
        bridge_start();
        watch_start();
        sleep_ms(scaled(500)); /* the bridge watches */
        before = served();
        sleep_ms(3000);
        after = served();
        ck_assert_msg(after - before == 1, "msgqd served %lld requests in 3 s of an idle bridge, "
                      "its own stats request included", after - before);
        msgqctl("led", "on", NULL);
        EXPECT_SEEN(topic("led/state"), ON_NULL, 1, 5000);
        stop_all();
}
END_TEST

/*
 * led/state says when msgqd made the state ("time", UTC, to the
 * nanosecond): the same time msgqctl --json led watch prints for it, for a
 * change the bridge made and one another client made.
 */
START_TEST(test_state_time) {
        const char *want = fmt("%s {\"state\":\"ON\",\"effect\":null,\"time\":\"", topic("led/state"));
        char printed[64];

        start_all();
        for (int i = 0; i < 2; i++) {
                const char *seen, *json;

                if (i == 0)
                        pub(topic("led/set"), "ON");
                else
                        msgqctl("led", "on", NULL);
                EXPECT_SEEN(topic("led/state"), ON_NULL, i + 1, 10000);
                ck_assert(ctl(&run, dmn.key, "--json", "led", "watch", "1", NULL) == 0);
                json = strstr(run.out, "\"time\":\"");
                ck_assert_msg(run.status == 0 && json && sscanf(json, "\"time\":\"%63[^\"]\"", printed) == 1,
                              "msgqctl: %s", run.out);
                ck_assert_int_eq(strlen(printed), 30);
                seen = strstr(file_text_raw(watcher.log), want);
                for (int k = 0; k < i && seen; k++)
                        seen = strstr(seen + 1, want);
                ck_assert_msg(seen, "no time on led/state:\n%s", tail(file_text_raw(watcher.log)));
                ck_assert_msg(strncmp(seen + strlen(want), printed, 30) == 0 && seen[strlen(want) + 30] == '"',
                              "led/state: %.120s; msgqctl: %s", seen, printed);
                if (i == 0)
                        msgqctl("led", "off", NULL);
        }
        stop_all();
}
END_TEST

START_TEST(test_send_with_priority) {
        start_all();
        pub(topic("send"), "{\"text\":\"hello from MQTT\",\"priority\":2}");
        pub(topic("send"), "plain text");
        ck_assert_msg(daemon_log_wait(&dmn, "plain text", 10000), "msgqd did not log the messages: %s",
                      daemon_log(&dmn));
        ck_assert_msg(strstr(daemon_log(&dmn), ", priority 2: hello from MQTT\n"), "%s", daemon_log(&dmn));
        ck_assert_msg(strstr(daemon_log(&dmn), ", priority 5: plain text\n"), "%s", daemon_log(&dmn));
        stop_all();
}
END_TEST

/* The figures on request: the bridge's LED-state requests by their name, and by polls, the earlier one. */
START_TEST(test_figures_on_request) {
        start_all();
        pub(topic("led/set"), "ON");
        EXPECT_LED("led: on\n", 10000);
        pub(topic("stats/get"), "");
        WAIT_ON(topic("stats"), 1, 10000);
        EXPECT_JSON(last_seen(topic("stats")),
                    "d['daemon']['daemon_pid'] == %d and d['daemon']['led'] == {'state': 'ON', 'effect': None} and "
                    "d['daemon']['served'] >= 2 and len(d['daemon']['served_by_priority']) == 10 and "
                    "d['queue']['key'] == '0x%08x' and d['queue']['qbytes'] > 0 and d['queue']['qnum'] >= 0 and "
                    "d['bridge']['commands'] == 2 and d['bridge']['applied'] == 2 and "
                    "d['bridge']['failed'] == 0 and d['bridge']['led_state_requests'] >= 1 and "
                    "d['bridge']['polls'] == d['bridge']['led_state_requests']",
                    (int) dmn.pid, (unsigned) dmn.key);
        stop_all();
}
END_TEST

START_TEST(test_figures_on_a_period) {
        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        bridge_start_with(dmn.key, (const char *const[]) { "--stats", "1", NULL }, "online");
        watch_start();
        WAIT_ON(topic("stats"), 3, 10000); /* nobody asked */
        EXPECT_JSON(last_seen(topic("stats")), "d['daemon']['daemon_pid'] == %d", (int) dmn.pid);
        stop_all();
}
END_TEST

/*
 * The node id as doc/HOME-ASSISTANT.md gives it: '/' as '_', '-' as "--",
 * other punctuation as '-' and two hex digits.
 */
static const char *node_of(const char *p) {
        static char buf[512];
        size_t n = 0;

        for (; *p; p++) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))
                        buf[n++] = *p;
                else if (*p == '/')
                        buf[n++] = '_';
                else
                        n += (size_t) snprintf(buf + n, sizeof buf - n, *p == '-' ? "--" : "-%02x", *p);
        }
        buf[n] = '\0';
        return buf;
}

/* The retained discovery config for the node of prefix p under discovery prefix dp ("" if none). */
static const char *config_of(const char *dp, const char *p, int ms) {
        static char conf[4096];
        char t[512];

        snprintf(t, sizeof t, "%s/light/%s/config", dp, node_of(p));
        conf[0] = '\0';
        for (uint64_t end = monotonic_ms() + (uint64_t) ms; !conf[0] && monotonic_ms() < end;)
                snprintf(conf, sizeof conf, "%s", retained(t));
        return conf;
}

/*
 * tests/ha-light.py: Home Assistant's MQTT light as doc/HOME-ASSISTANT.md
 * has it, its templates rendered with the real Jinja2 as HA renders them.
 * Fails the test when HA would refuse the config or log anything.
 */
#define HA_LIGHT(...) ha_light_at(__LINE__, (const char *const[]) { __VA_ARGS__, NULL })
static const char *ha_light_at(int line, const char *const *args) {
        static struct run py;
        const char *argv[600] = { "/usr/bin/python3", fmt("%s/ha-light.py", getenv("MSGQ_TEST_SRCDIR")) };
        int n = 2;

        for (; *args && n < 599; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        ck_assert(run_prog(&py, 15000, argv) == 0);
        ck_assert_msg(py.status == 0, "line %d: ha-light.py %s: exit %d\n%s%s", line, argv[2], py.status, py.out,
                      py.err);
        return py.out;
}

/* What HA publishes for turn_on / turn_off (service: "on" or "off") with this service data, published. */
#define HA_CALL(conf, ...) ha_call_at(__LINE__, (conf), (const char *const[]) { __VA_ARGS__, NULL })
static void ha_call_at(int line, const char *conf, const char *const *call) {
        const char *argv[8] = { "command", conf };
        char payload[512];
        int n = 2;

        for (; *call && n < 7; call++)
                argv[n++] = *call;
        argv[n] = NULL;
        snprintf(payload, sizeof payload, "%s", ha_light_at(line, argv));
        payload[strcspn(payload, "\n")] = '\0';
        pub(topic("led/set"), payload);
}

/* The keys doc/HOME-ASSISTANT.md lists; Home Assistant from 2024.1 to the newest read takes them. */
START_TEST(test_discovery_config) {
        const char *node = fmt("%s", node_of(prefix));
        char conf[4096];

        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        bridge_start();
        snprintf(conf, sizeof conf, "%s", config_of("homeassistant", prefix, 10000));
        ck_assert_msg(conf[0], "no discovery config for %s", node);
        /* Taken by HA 2024.1 and by the newest read, with nothing in HA's log. */
        HA_LIGHT("check", conf);
        EXPECT_JSON(conf,
                    "d['schema'] == 'template' and d['command_topic'] == '%s' and d['state_topic'] == '%s' and "
                    "d['availability_topic'] == '%s' and d['payload_available'] == 'online' and "
                    "d['payload_not_available'] == 'offline' and d['json_attributes_topic'] == '%s' and "
                    "d['effect_list'] == ['off', 'blink'] and d['state_template'] and d['effect_template'] and "
                    "d['command_on_template'] and d['command_off_template'] and "
                    "d['supported_color_modes'] == ['onoff'] and 'color_mode' not in d and "
                    "d['unique_id'] == '%s_led' and d['name'] == 'LED' and d['qos'] == 1 and "
                    "d['retain'] is False and d['optimistic'] is False and "
                    "d['device']['identifiers'] == ['%s'] and d['device']['name'] == '%s' and "
                    "d['device']['manufacturer'] == 'msgq' and d['device']['sw_version'] and "
                    "d['origin']['name'] == 'msgq-mqtt' and d['origin']['sw_version'] == d['device']['sw_version']",
                    topic("led/set"), topic("led/state"), topic("availability"), topic("led/attributes"), node, node,
                    prefix);

        /*
         * homeassistant_version, which once chose the config, is taken and
         * ignored, with a notice: the config is the same for every version.
         */
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        write_file(fmt("%s/mqtt.conf", dir), "[mqtt]\ndiscovery_prefix = ha-test\nhomeassistant_version = 2024.1\n",
                   0600);
        bridge_start_with(dmn.key, (const char *const[]) { "-m", fmt("%s/mqtt.conf", dir), NULL }, "online");
        ck_assert_str_eq(config_of("ha-test", prefix, 10000), conf);
        ck_assert_msg(strstr(file_text(bridge.log),
                             fmt("msgq-mqtt: %s/mqtt.conf: homeassistant_version is no longer needed and is ignored: "
                                 "the discovery config suits every Home Assistant from 2024.1 on\n", dir)),
                      "%s", tail(file_text(bridge.log)));
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);

        /* Discovery turned off: the config is removed (an empty retained message), so is the entity. */
        bridge_start_with(dmn.key, (const char *const[]) { "--no-discovery", NULL }, "online");
        for (uint64_t end = monotonic_ms() + 10000; config_of("homeassistant", prefix, 0)[0]; sleep_ms(50))
                ck_assert_msg(monotonic_ms() < end, "the config stays: %s", config_of("homeassistant", prefix, 0));
        stop_all();
}
END_TEST

/* What HA shows for a state payload of the bridge's: "on blink", "on off" (no effect) or "off -". */
static const char *ha_view_of(const char *state) {
        if (strncmp(state, "{\"state\":\"OFF\"", 14) == 0)
                return "off -";
        return strstr(state, "\"effect\":\"blink\"") ? "on blink" : "on off";
}

/*
 * Home Assistant's template light on the bridge's own discovery config:
 * each turn_on and turn_off HA makes (the service data HA passes its
 * templates: effect, flash short or long, transition) becomes the payload
 * its template renders, published to the bridge and seen on the LED with
 * msgqctl; then every state the bridge published goes through the state
 * and effect templates: HA shows what the LED does, never a stale effect.
 */
START_TEST(test_home_assistant_template_light) {
        const char *argv[512] = { "states" };
        char conf[4096], states[8192], want[8192] = "";
        uint64_t t0;
        int n = 2;

        start_all();
        snprintf(conf, sizeof conf, "%s", config_of("homeassistant", prefix, 10000));
        HA_CALL(conf, "on");
        EXPECT_LED("led: on\n", 10000);
        HA_CALL(conf, "off");
        EXPECT_LED("led: off\n", 10000);
        HA_CALL(conf, "on", "effect=blink");
        EXPECT_LED("led: blinking (period 500 ms, until cancelled)\n", 10000);
        HA_CALL(conf, "on", "effect=off");                      /* HA's "no effect": steady */
        EXPECT_LED("led: on\n", 10000);
        HA_CALL(conf, "off", "transition=2");
        EXPECT_LED("led: off\n", 10000);
        HA_CALL(conf, "on", "transition=1.5");
        EXPECT_LED("led: on\n", 10000);

        /* flash short: four blinks of 500 ms (the last ends 1.75 s after the first began), then on. */
        t0 = monotonic_ms();
        HA_CALL(conf, "on", "flash=short");
        EXPECT_BLINKING(500, 10000);
        EXPECT_LED("led: on\n", 10000);
        ck_assert_msg(monotonic_ms() - t0 >= 1750, "on after %llu ms", (unsigned long long) (monotonic_ms() - t0));
        /* flash long: still blinking at 3 s, cut short by turn_off (whose flash HA hands to no template). */
        HA_CALL(conf, "on", "flash=long");
        EXPECT_BLINKING(500, 10000);
        sleep_ms(3000);
        EXPECT_BLINKING(500, 100);
        HA_CALL(conf, "off", "flash=short");
        EXPECT_LED("led: off\n", 10000);
        /* With the effect as well, the effect is the state asked for. */
        HA_CALL(conf, "on", "effect=blink", "flash=long", "transition=0.5");
        EXPECT_LED("led: blinking (period 500 ms, until cancelled)\n", 10000);
        HA_CALL(conf, "off");
        EXPECT_LED("led: off\n", 10000);
        EXPECT_RETAINED(topic("led/state"), OFF_NULL, 10000);
        ck_assert_msg(count_on(topic("error")) == 0, "refused:\n%s", all_seen(topic("error")));

        /* Every state seen, through HA's templates in order. */
        snprintf(states, sizeof states, "%s", all_seen(topic("led/state")));
        argv[1] = conf;
        for (char *save = NULL, *line = strtok_r(states, "\n", &save); line && n < 511;
             line = strtok_r(NULL, "\n", &save)) {
                argv[n++] = line;
                snprintf(want + strlen(want), sizeof want - strlen(want), "%s\n", ha_view_of(line));
        }
        argv[n] = NULL;
        ck_assert_str_eq(ha_light_at(__LINE__, argv), want);
        /* After the flash ended on a steady LED, HA shows no effect. */
        ck_assert_msg(strstr(want, "on blink\non off\n"), "%s", want);
        stop_all();
}
END_TEST

/*
 * Prefixes that differ only in punctuation (msgq/b1, msgq.b1, msgq_b1)
 * have their own discovery topics, unique_ids and client ids: the bridges
 * live side by side.
 */
/* ---- several outputs: msgqd with [output NAME] sections (issue 21) ---- */

static const char outputs_conf[] = "[msgq]\nmode = 0600\n"
                                   "[output pump]\ngpio = GPIO27\nkind = relay\n"
                                   "[output buzzer]\ngpio = gpiochip0:5\n";

/* msgqd on key with the configuration text (in this test's directory). */
static void daemon_start_conf(key_t key, const char *text) {
        char conf[400];

        snprintf(conf, sizeof conf, "%s/msgq.conf", dir);
        write_file(conf, text, 0600);
        daemon_start_checked(&dmn, key, (const char *const[]) { "-c", conf, NULL });
}

/* The retained config on <homeassistant>/<component>/<node>/<object>/config, within ms ("" if none). */
static const char *entity_config(const char *component, const char *object, int ms) {
        static char conf[4096];
        char t[512];

        uint64_t end = monotonic_ms() + (uint64_t) ms;

        snprintf(t, sizeof t, "homeassistant/%s/%s/%s/config", component, node_of(prefix), object);
        do /* at least once: ms 0 asks what the broker holds now */
                snprintf(conf, sizeof conf, "%s", retained(t));
        while (!conf[0] && monotonic_ms() < end);
        return conf;
}

/* msgqd's lines as libmsgq lists them: "led=off pump=on buzzer=off". */
static const char *lines_now(void) {
        static char buf[1024];
        struct msgq_line_info info[MSGQ_LINES_MAX];
        struct msgq *h = NULL;
        size_t n = 0;
        int r;

        ck_assert_int_eq(msgq_open(&h, dmn.key), 0);
        r = msgq_line_list(h, info, MSGQ_LINES_MAX);
        ck_assert_msg(r > 0, "line-list: %s", msgq_errmsg(h));
        buf[0] = '\0';
        for (int i = 0; i < r && i < (int) MSGQ_LINES_MAX; i++)
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s=%s", i ? " " : "", info[i].name,
                                       info[i].st.led.on ? "on" : "off");
        msgq_close(h);
        return buf;
}

#define EXPECT_LINES(text, ms) expect_lines_at(__LINE__, (text), (ms))
static void expect_lines_at(int line, const char *text, int ms) {
        uint64_t end = monotonic_ms() + (uint64_t) ms;

        while (strcmp(lines_now(), text) != 0) {
                ck_assert_msg(monotonic_ms() < end, "line %d: msgqd's lines are '%s', expected '%s'\nbridge:\n%s",
                              line, lines_now(), text, tail(file_text(bridge.log)));
                sleep_ms(20);
        }
}

/* Set line name on or off, as any client of msgqd does (libmsgq's line-set). */
static void line_set(const char *name, bool on) {
        struct msgq *h = NULL;
        int i;

        ck_assert_int_eq(msgq_open(&h, dmn.key), 0);
        i = msgq_line_find(h, name);
        ck_assert_msg(i >= 0, "%s: %s", name, msgq_errmsg(h));
        ck_assert_int_eq(msgq_line_set(h, &(struct msgq_line_level) { .line = (uint16_t) i, .on = on }, 1, NULL), 0);
        msgq_close(h);
}

/* tests/ha-discovery.py (the HA models) with these arguments; fails the test on what HA would log. */
#define HA_DISCOVERY(...) ha_discovery_at(__LINE__, (const char *const[]) { __VA_ARGS__, NULL })
static const char *ha_discovery_at(int line, const char *const *args) {
        static struct run py;
        const char *argv[600] = { "/usr/bin/python3", fmt("%s/ha-discovery.py", getenv("MSGQ_TEST_SRCDIR")) };
        int n = 2;

        for (; *args && n < 599; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        ck_assert(run_prog(&py, 15000, argv) == 0);
        ck_assert_msg(py.status == 0, "line %d: ha-discovery.py %s: exit %d\n%s%s", line, argv[2], py.status, py.out,
                      py.err);
        return py.out;
}

/*
 * One device, one entity per output: the LED's light as before, a switch
 * for the relay, a light for the buzzer, each with its own unique id and
 * topics, taken by HA 2024.1 and the newest read as one board.
 */
START_TEST(test_outputs_discovery) {
        const char *node = fmt("%s", node_of(prefix));
        char led[4096], pump[4096], buzzer[4096], t_led[512], t_pump[512], t_buzzer[512], on[64];

        broker_start();
        daemon_start_conf(test_key(), outputs_conf);
        bridge_start();
        snprintf(led, sizeof led, "%s", config_of("homeassistant", prefix, 10000));
        snprintf(pump, sizeof pump, "%s", entity_config("switch", "pump", 10000));
        snprintf(buzzer, sizeof buzzer, "%s", entity_config("light", "buzzer", 10000));
        ck_assert_msg(pump[0] && buzzer[0], "no config for pump or buzzer: '%s' '%s'", pump, buzzer);
        snprintf(t_led, sizeof t_led, "homeassistant/light/%s/config", node);
        snprintf(t_pump, sizeof t_pump, "homeassistant/switch/%s/pump/config", node);
        snprintf(t_buzzer, sizeof t_buzzer, "homeassistant/light/%s/buzzer/config", node);
        HA_DISCOVERY("check", "all", t_led, led, t_pump, pump, t_buzzer, buzzer);
        EXPECT_JSON(pump,
                    "d['name'] == 'pump' and d['unique_id'] == '%s_pump' and d['command_topic'] == '%s' and "
                    "d['state_topic'] == '%s' and d['json_attributes_topic'] == '%s' and "
                    "d['device_class'] == 'switch' and d['payload_on'] == '{\"state\":\"ON\"}' and "
                    "d['payload_off'] == '{\"state\":\"OFF\"}' and d['device']['identifiers'] == ['%s'] and "
                    "d['device']['model'] == 'msgqd'",
                    node, topic("pump/set"), topic("pump/state"), topic("pump/attributes"), node);
        EXPECT_JSON(buzzer,
                    "d['name'] == 'buzzer' and d['unique_id'] == '%s_buzzer' and d['schema'] == 'template' and "
                    "d['command_topic'] == '%s' and d['state_topic'] == '%s' and d['device']['identifiers'] == ['%s']",
                    node, topic("buzzer/set"), topic("buzzer/state"), node);
        EXPECT_JSON(led, "d['unique_id'] == '%s_led' and d['command_topic'] == '%s'", node, topic("led/set"));
        EXPECT_RETAINED(topic("pump/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);
        EXPECT_RETAINED(topic("buzzer/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);

        /* What HA's switch publishes for turn_on drives the relay, and that line only. */
        snprintf(on, sizeof on, "%s", HA_DISCOVERY("command", "newest", t_pump, pump, "on"));
        on[strcspn(on, "\n")] = '\0';
        ck_assert_str_eq(on, "HA newest: {\"state\":\"ON\"}"); /* its payload_on */
        memmove(on, on + strlen("HA newest: "), strlen(on) - strlen("HA newest: ") + 1);
        pub(topic("pump/set"), on);
        EXPECT_LINES("led=off pump=on buzzer=off", 10000);
        EXPECT_RETAINED(topic("pump/state"), "{\"state\":\"ON\",\"effect\":null}", 10000);
        HA_DISCOVERY("states", "all", t_pump, pump, "-r", retained(topic("pump/state")));
        pub(topic("buzzer/set"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":500}");
        EXPECT_RETAINED(topic("buzzer/state"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":500}", 10000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 100);
        /* A line msgqd does not have is said on the error topic, naming it. */
        watch_start();
        pub(topic("pmup/set"), "ON");
        EXPECT_SEEN(topic("error"), fmt("{\"topic\":\"%s\",\"error\":\"no output 'pmup' on this board; msgqd has "
                                        "led, pump, buzzer\"}", topic("pmup/set")), 1, 10000);
        stop_all();
}
END_TEST

/* A change of one line by anyone (msgqctl) is published on that line's state, no other. */
START_TEST(test_outputs_one_change_one_state) {
        int led, pump;

        broker_start();
        daemon_start_conf(test_key(), outputs_conf);
        bridge_start();
        watch_start();
        EXPECT_SEEN(topic("buzzer/state"), "{\"state\":\"OFF\",\"effect\":null}", 1, 10000);
        led = count_on(topic("led/state"));
        pump = count_on(topic("pump/state"));
        line_set("buzzer", true);
        EXPECT_SEEN(topic("buzzer/state"), "{\"state\":\"ON\",\"effect\":null}", 1, 10000);
        line_set("buzzer", false);
        EXPECT_SEEN(topic("buzzer/state"), "{\"state\":\"OFF\",\"effect\":null}", 2, 10000);
        line_set("pump", true);
        EXPECT_SEEN(topic("pump/state"), "{\"state\":\"ON\",\"effect\":null}", 1, 10000);
        ck_assert_int_eq(count_on(topic("led/state")), led);
        ck_assert_int_eq(count_on(topic("pump/state")), pump + 1);
        stop_all();
}
END_TEST

/* An output removed from msgq.conf: once msgqd restarts without it, its entity goes (an empty config). */
START_TEST(test_outputs_removed) {
        key_t key = test_key();

        broker_start();
        daemon_start_conf(key, outputs_conf);
        bridge_start();
        ck_assert_msg(entity_config("light", "buzzer", 10000)[0], "no config for buzzer");
        daemon_stop_checked(&dmn);
        daemon_start_conf(key, "[msgq]\nmode = 0600\n[output pump]\ngpio = GPIO27\nkind = relay\n");
        for (uint64_t end = monotonic_ms() + 10000; entity_config("light", "buzzer", 0)[0]; sleep_ms(50))
                ck_assert_msg(monotonic_ms() < end, "buzzer's config stays: %s\nbridge:\n%s",
                              entity_config("light", "buzzer", 0), tail(file_text(bridge.log)));
        ck_assert_msg(entity_config("switch", "pump", 1000)[0], "pump's config went too");
        stop_all();
}
END_TEST

/*
 * An output removed while the bridge was stopped too (a reboot with a new
 * msgq.conf): the bridge finds its former config at the broker and
 * removes it; the output that stays keeps its entity.
 */
START_TEST(test_outputs_removed_while_away) {
        key_t key = test_key();

        broker_start();
        daemon_start_conf(key, outputs_conf);
        bridge_start();
        ck_assert_msg(entity_config("light", "buzzer", 10000)[0], "no config for buzzer");
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        daemon_stop_checked(&dmn);
        daemon_start_conf(key, "[msgq]\nmode = 0600\n[output pump]\ngpio = GPIO27\nkind = relay\n");
        bridge_start();
        for (uint64_t end = monotonic_ms() + 10000; entity_config("light", "buzzer", 0)[0]; sleep_ms(50))
                ck_assert_msg(monotonic_ms() < end, "buzzer's config stays: %s\nbridge:\n%s",
                              entity_config("light", "buzzer", 0), tail(file_text(bridge.log)));
        ck_assert_msg(entity_config("switch", "pump", 1000)[0], "pump's config went too");
        stop_all();
}
END_TEST

/*
 * An input between the outputs ([input door], issue 22) is no output: no
 * light or switch, a command for it refused; the output after it is still
 * driven by its own topic.
 */
START_TEST(test_outputs_beside_an_input) {
        broker_start();
        setenv("MSGQD_SIM_INPUTS", dir, 1); /* the simulated input's FIFO, in this test's directory */
        daemon_start_conf(test_key(), "[msgq]\nmode = 0600\n[input door]\ngpio = GPIO5\n"
                                      "[output pump]\ngpio = GPIO27\nkind = relay\n");
        unsetenv("MSGQD_SIM_INPUTS");
        bridge_start();
        watch_start();
        ck_assert_msg(entity_config("switch", "pump", 10000)[0], "no config for pump");
        ck_assert_str_eq(entity_config("light", "door", 1000), "");
        ck_assert_str_eq(entity_config("switch", "door", 0), "");
        pub(topic("door/set"), "ON");
        EXPECT_SEEN(topic("error"), fmt("{\"topic\":\"%s\",\"error\":\"no output 'door' on this board; msgqd has "
                                        "led, pump\"}", topic("door/set")), 1, 10000);
        pub(topic("pump/set"), "{\"state\":\"ON\"}");
        EXPECT_LINES("led=off door=off pump=on", 10000);
        EXPECT_SEEN(topic("pump/state"), "{\"state\":\"ON\",\"effect\":null}", 1, 10000);
        stop_all();
}
END_TEST

/* ---- inputs: a binary_sensor and an event entity each (issue 22) ---- */

static const char inputs_conf[] = "[msgq]\nmode = 0600\n[input door]\ngpio = GPIO5\n"
                                  "[output pump]\ngpio = GPIO27\nkind = relay\n";

/* msgqd with the configuration text and its simulated inputs' FIFOs in this test's directory. */
static void daemon_start_inputs(key_t key, const char *text) {
        setenv("MSGQD_SIM_INPUTS", dir, 1);
        daemon_start_conf(key, text);
        unsetenv("MSGQD_SIM_INPUTS");
}

/* Write levels ("1", "0101...") to the simulated input name, as a line's edges. */
static void input_edges(const char *name, const char *levels) {
        sim_input_write(dir, name, levels);
}

/*
 * The payloads on <prefix>/door/event and /state in watch.log, in order,
 * each "E payload" or "S payload", with their times.
 */
static const char *door_messages(void) {
        static char buf[1 << 16];
        const char *ev = topic("door/event"), *st = topic("door/state");
        char e[256], t[256];
        size_t n = 0;

        snprintf(e, sizeof e, "%s ", ev);
        snprintf(t, sizeof t, "%s ", st);
        buf[0] = '\0';
        for (const char *p = file_text_raw(watcher.log); *p && n < sizeof buf - 1;) {
                const char *end = strchr(p, '\n');
                size_t len = end ? (size_t) (end - p) : strlen(p);
                bool is_e = strncmp(p, e, strlen(e)) == 0, is_s = strncmp(p, t, strlen(t)) == 0;

                if (is_e || is_s)
                        n += (size_t) snprintf(buf + n, sizeof buf - n, "%c %.*s\n", is_e ? 'E' : 'S',
                                               (int) (len - strlen(is_e ? e : t)), p + strlen(is_e ? e : t));
                p += len + (end != NULL);
        }
        return buf;
}

/* The broker, msgqd with the inputs of conf, the bridge and the watcher, up until door's first state is seen. */
static void inputs_board_up(const char *conf) {
        broker_start();
        daemon_start_inputs(test_key(), conf);
        bridge_start();
        watch_start();
        for (uint64_t end = monotonic_ms() + 10000; !strstr(door_messages(), "S {\"state\":\"OFF\""); sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "no door/state: %s", tail(file_text(watcher.log)));
}

/*
 * Each input: a binary_sensor (unique id <node>_door, door/state), an
 * event entity (<node>_door.edge, door/event) with the input's edges as
 * event types, and a counter (<node>_door.count, door/state's count), on
 * the board's device, taken by HA 2024.1 and the newest read as one board
 * with the outputs.
 */
START_TEST(test_inputs_discovery) {
        const char *node = fmt("%s", node_of(prefix));
        char led[4096], pump[4096], bs[4096], ev[4096], cnt[4096], mev[4096], mcnt[4096];
        char t_led[512], t_pump[512], t_bs[512], t_ev[512], t_cnt[512], t_mev[512], t_mcnt[512], state[256];

        broker_start();
        daemon_start_inputs(test_key(), "[msgq]\nmode = 0600\n[input door]\ngpio = GPIO5\n"
                                        "[output pump]\ngpio = GPIO27\nkind = relay\n"
                                        "[input meter]\ngpio = GPIO6\nedges = rising\n");
        bridge_start();
        snprintf(led, sizeof led, "%s", config_of("homeassistant", prefix, 10000));
        snprintf(pump, sizeof pump, "%s", entity_config("switch", "pump", 10000));
        snprintf(bs, sizeof bs, "%s", entity_config("binary_sensor", "door", 10000));
        snprintf(ev, sizeof ev, "%s", entity_config("event", "door", 10000));
        snprintf(cnt, sizeof cnt, "%s", entity_config("sensor", "door_count", 10000));
        snprintf(mev, sizeof mev, "%s", entity_config("event", "meter", 10000));
        snprintf(mcnt, sizeof mcnt, "%s", entity_config("sensor", "meter_count", 10000));
        ck_assert_msg(bs[0] && ev[0] && cnt[0], "no config for door: '%s' '%s' '%s'", bs, ev, cnt);
        ck_assert_msg(mev[0] && mcnt[0] && entity_config("binary_sensor", "meter", 10000)[0], "no config for meter");
        snprintf(t_led, sizeof t_led, "homeassistant/light/%s/config", node);
        snprintf(t_pump, sizeof t_pump, "homeassistant/switch/%s/pump/config", node);
        snprintf(t_bs, sizeof t_bs, "homeassistant/binary_sensor/%s/door/config", node);
        snprintf(t_ev, sizeof t_ev, "homeassistant/event/%s/door/config", node);
        snprintf(t_cnt, sizeof t_cnt, "homeassistant/sensor/%s/door_count/config", node);
        snprintf(t_mev, sizeof t_mev, "homeassistant/event/%s/meter/config", node);
        snprintf(t_mcnt, sizeof t_mcnt, "homeassistant/sensor/%s/meter_count/config", node);
        HA_DISCOVERY("check", "all", t_led, led, t_pump, pump, t_bs, bs, t_ev, ev, t_cnt, cnt, t_mev, mev, t_mcnt,
                     mcnt);
        EXPECT_JSON(bs,
                    "d['name'] == 'door' and d['unique_id'] == '%s_door' and d['state_topic'] == '%s' and "
                    "'command_topic' not in d and d['device']['identifiers'] == ['%s']",
                    node, topic("door/state"), node);
        EXPECT_JSON(ev,
                    "d['name'] == 'door edge' and d['unique_id'] == '%s_door.edge' and d['state_topic'] == '%s' and "
                    "d['event_types'] == ['rising', 'falling', 'missed'] and d['device']['identifiers'] == ['%s']",
                    node, topic("door/event"), node);
        EXPECT_JSON(cnt,
                    "d['name'] == 'door count' and d['unique_id'] == '%s_door.count' and d['state_topic'] == '%s' "
                    "and d['value_template'] == '{{ value_json.count }}' and "
                    "d['state_class'] == 'total_increasing' and 'unit_of_measurement' not in d and "
                    "d['device']['identifiers'] == ['%s']",
                    node, topic("door/state"), node);
        EXPECT_JSON(mev, "d['event_types'] == ['rising', 'missed']");
        ck_assert_str_eq(entity_config("light", "door", 0), "");
        /* The level and counter as listed, retained, which HA's binary_sensor takes as off, its counter as 0. */
        for (uint64_t end = monotonic_ms() + 10000; !strstr(retained(topic("door/state")), "OFF"); sleep_ms(50))
                ck_assert_msg(monotonic_ms() < end, "no door/state\nbridge:\n%s", tail(file_text(bridge.log)));
        snprintf(state, sizeof state, "%s", retained(topic("door/state")));
        EXPECT_JSON(state, "d['state'] == 'OFF' and d['count'] == 0 and isinstance(d['number'], int)");
        ck_assert_str_eq(HA_DISCOVERY("states", "newest", t_bs, bs, "-r", state), "HA newest: off\n");
        ck_assert_str_eq(HA_DISCOVERY("states", "newest", t_cnt, cnt, "-r", state), "HA newest: 0 sum 0\n");
        stop_all();
}
END_TEST

/*
 * mqtt.conf's [input NAME] device_class: in the input's binary_sensor
 * config (HA takes it), none for an input without one; a section for an
 * input msgqd does not have is said at start, and changes nothing.
 */
START_TEST(test_inputs_device_class) {
        char bs[4096], mbs[4096], t_bs[512], t_mbs[512];
        const char *conf = fmt("%s/mqtt.conf", dir);

        write_file(conf, "[mqtt]\n[input door]\ndevice_class = door\n\n[input pir]\ndevice_class = motion\n", 0600);
        broker_start();
        daemon_start_inputs(test_key(), "[msgq]\nmode = 0600\n[input door]\ngpio = GPIO5\n"
                                        "[input meter]\ngpio = GPIO6\nedges = rising\n");
        bridge_start_with(dmn.key, (const char *const[]) { "-m", fmt("%s/mqtt.conf", dir), NULL }, "online");
        snprintf(bs, sizeof bs, "%s", entity_config("binary_sensor", "door", 10000));
        snprintf(mbs, sizeof mbs, "%s", entity_config("binary_sensor", "meter", 10000));
        ck_assert_msg(bs[0] && mbs[0], "no binary_sensor configs: '%s' '%s'", bs, mbs);
        EXPECT_JSON(bs, "d['device_class'] == 'door' and d['name'] == 'door'");
        EXPECT_JSON(mbs, "'device_class' not in d");
        snprintf(t_bs, sizeof t_bs, "homeassistant/binary_sensor/%s/door/config", node_of(prefix));
        snprintf(t_mbs, sizeof t_mbs, "homeassistant/binary_sensor/%s/meter/config", node_of(prefix));
        HA_DISCOVERY("check", "all", t_bs, bs, t_mbs, mbs);
        for (uint64_t end = monotonic_ms() + 10000;
             !strstr(file_text(bridge.log), fmt("%s:5: [input pir]: msgqd (pid ", conf)) ||
             !strstr(file_text(bridge.log), ") has no input pir: its settings are not used");
             sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "not said:\n%s", tail(file_text(bridge.log)));
        ck_assert_ptr_null(strstr(file_text(bridge.log), "[input door]: msgqd"));
        stop_all();
}
END_TEST

/* The wall-clock time ns as the bridge writes an event's time: "2026-12-07T01:23:45.123456789Z". */
static const char *utc(uint64_t ns) {
        static char buf[2][64];
        static int i;

        i ^= 1;
        return msgq_format_time(ns, true, buf[i], sizeof buf[i]);
}

/*
 * Each edge: its event (not retained) with the kernel's time of the edge
 * and the counter, then the input's state (retained), in msgqd's order.
 */
START_TEST(test_inputs_edge_event_then_state) {
        const char *msgs;
        char first[256];
        uint64_t before, after;

        inputs_board_up(inputs_conf);
        EXPECT_SEEN(topic("pump/state"), "{\"state\":\"OFF\",\"effect\":null}", 1, 10000);
        before = msgq_wall_ns();
        input_edges("door", "1");
        WAIT_ON(topic("door/event"), 1, 10000);
        after = msgq_wall_ns();
        for (uint64_t end = monotonic_ms() + 10000; !strstr(door_messages(), "S {\"state\":\"ON\""); sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "no door/state ON: %s", door_messages());
        msgs = door_messages();
        /* The listed state, the event, then the state it leads to. */
        snprintf(first, sizeof first, "%s", strstr(msgs, "E "));
        first[strcspn(first, "\n")] = '\0';
        /* The kernel's time (msgqd --sim's read of the FIFO) between the write and the event seen (1 s leeway). */
        EXPECT_JSON(first + 2, "d['event_type'] == 'rising' and d['level'] == 1 and d['count'] == 1 and "
                               "len(d['time']) == len('2026-12-07T01:23:45.123456789Z') and '%s' <= d['time'] <= '%s'",
                    utc(before - 1000000000u), utc(after + 1000000000u));
        ck_assert_msg(strstr(msgs, "E ") < strstr(msgs, "S {\"state\":\"ON\""), "state before event:\n%s", msgs);
        EXPECT_JSON(retained(topic("door/state")), "d['state'] == 'ON' and d['count'] == 1 and d['number'] == %" PRIu64,
                    (uint64_t) strtoull(strstr(first, "\"number\":") + 9, NULL, 10));
        stop_all();
}
END_TEST

/* door/event's payloads in watch.log as one JSON list: {"events":[...]} */
static const char *door_events(void) {
        static char buf[1 << 16];
        size_t n = (size_t) snprintf(buf, sizeof buf, "{\"events\":[");

        for (const char *p = door_messages(); (p = strstr(p, "E ")) && n < sizeof buf - 4; p += 2) {
                size_t len = strcspn(p + 2, "\n");

                if (p != door_messages() && p[-1] != '\n')
                        continue;
                n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%.*s", buf[n - 1] == '[' ? "" : ",", (int) len,
                                       p + 2);
        }
        snprintf(buf + n, sizeof buf - n, "]}");
        return buf;
}

/* A burst of edges: every one an event, in order, none twice, and the last state the last edge's. */
START_TEST(test_inputs_burst_in_order) {
        static char events[1 << 16];

        inputs_board_up(inputs_conf);
        input_edges("door", "1010101010101010101010101010101010101010"); /* 40 edges, more than one watch takes */
        WAIT_ON(topic("door/event"), 40, 20000);
        sleep_ms(200); /* none more */
        snprintf(events, sizeof events, "%s", door_events()); /* door_events() uses fmt(), as EXPECT_JSON does */
        EXPECT_JSON(events,
                    "len(d['events']) == 40 and "
                    "all(e['event_type'] == ('rising' if i %% 2 == 0 else 'falling') for i, e in enumerate(d['events'])) "
                    "and all(e['count'] == i + 1 for i, e in enumerate(d['events'])) "
                    "and all(b['number'] == a['number'] + 1 for a, b in zip(d['events'], d['events'][1:]))");
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"OFF\",\"count\":40,\"number\":%" PRIu64 "}",
                                                 (uint64_t) strtoull(strrchr(events, '{') + strlen("{\"event_type\":"
                                                                                                  "\"falling\","
                                                                                                  "\"number\":"),
                                                                     NULL, 10)),
                        10000);
        stop_all();
}
END_TEST

/* msgqd's number of its last change of line name (through libmsgq's line-list). */
static uint64_t line_changes(const char *name) {
        struct msgq_line_info info[MSGQ_LINES_MAX];
        struct msgq *h = NULL;
        uint64_t changes = 0;
        int r;

        ck_assert_int_eq(msgq_open(&h, dmn.key), 0);
        r = msgq_line_list(h, info, MSGQ_LINES_MAX);
        ck_assert_msg(r > 0, "line-list: %s", msgq_errmsg(h));
        for (int i = 0; i < r && i < (int) MSGQ_LINES_MAX; i++)
                if (strcmp(info[i].name, name) == 0)
                        changes = info[i].st.led.changes;
        msgq_close(h);
        return changes;
}

/*
 * The bridge more than msgqd's history behind (stopped while 100 edges
 * come, history 64): what msgqd no longer keeps is told on door/event as
 * one missed event, with how many, before the events it still has.
 */
START_TEST(test_inputs_missed_told) {
        static char events[1 << 16];
        char burst[101] = "";
        uint64_t last;

        inputs_board_up("[msgq]\nmode = 0600\nhistory = 64\n[input door]\ngpio = GPIO5\n");
        ck_assert_int_eq(kill(bridge.pid, SIGSTOP), 0);
        for (int i = 0; i < 100; i++)
                burst[i] = i % 2 ? '0' : '1';
        input_edges("door", burst); /* 100 edges */
        for (uint64_t end = monotonic_ms() + 10000; (last = line_changes("door")) < 100; sleep_ms(20))
                if (monotonic_ms() >= end)
                        break;
        ck_assert_int_eq(kill(bridge.pid, SIGCONT), 0);
        ck_assert_msg(last == 100, "msgqd numbered %" PRIu64 " changes of 100 edges: %s", last, tail(file_text(dmn.log_path)));
        EXPECT_RETAINED(topic("door/state"), "{\"state\":\"OFF\",\"count\":100,\"number\":100}", 10000);
        snprintf(events, sizeof events, "%s", door_events());
        /*
         * One missed at the gap, numbered as the change after it, with the
         * counter and level there; the others in order, each once, and
         * with the missed adding up to the 100 edges.
         */
        EXPECT_JSON(events,
                    "[e['event_type'] for e in d['events']].count('missed') == 1 and "
                    "all(e['missed'] > 0 and e['reason'] == 'history' for e in d['events'] "
                    "if e['event_type'] == 'missed') and "
                    "all(b['number'] == a['number'] + (b['missed'] + 1 if b['event_type'] == 'missed' else "
                    "0 if a['event_type'] == 'missed' else 1) for a, b in zip(d['events'], d['events'][1:])) and "
                    "all(b['count'] == a['count'] + (b['missed'] if b['event_type'] == 'missed' else 1) "
                    "for a, b in zip(d['events'], d['events'][1:])) and "
                    "all(e['level'] == 1 - b['level'] for e, b in zip(d['events'], d['events'][1:]) "
                    "if e['event_type'] == 'missed') and "
                    "sum(e['missed'] if e['event_type'] == 'missed' else 1 for e in d['events']) == 100 and "
                    "d['events'][-1]['count'] == 100");
        ck_assert_msg(strstr(file_text(bridge.log), "their events are lost"), "not logged: %s",
                      tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

/*
 * An edge the kernel dropped (the simulated input's 'o': its numbers
 * jump) is told as missed, reason overflow, just before the edge after it,
 * with the counter and level between them; the counter counts it.
 */
START_TEST(test_inputs_overflow_told) {
        static char events[1 << 16], payload[3][512];
        char ev[4096], cnt[4096], t_ev[512], t_cnt[512];
        const char *all, *out;
        int n;

        inputs_board_up(inputs_conf);
        input_edges("door", "1o01"); /* rising, a falling edge dropped, rising */
        WAIT_ON(topic("door/event"), 3, 10000);
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"ON\",\"count\":3,\"number\":%" PRIu64 "}",
                                                 line_changes("door")),
                        10000);
        sleep_ms(200); /* none more */
        snprintf(events, sizeof events, "%s", door_events());
        EXPECT_JSON(events,
                    "[(e['event_type'], e['count'], e['level']) for e in d['events']] == "
                    "[('rising', 1, 1), ('missed', 2, 0), ('rising', 3, 1)] and "
                    "d['events'][1]['missed'] == 1 and d['events'][1]['reason'] == 'overflow' and "
                    "d['events'][1]['at_least'] is False and "
                    "d['events'][1]['number'] == d['events'][2]['number'] == d['events'][0]['number'] + 1 and "
                    "'time' in d['events'][2]");
        /* HA's event entity takes each, the missed one among them, and the counter the last state. */
        snprintf(ev, sizeof ev, "%s", entity_config("event", "door", 10000));
        snprintf(cnt, sizeof cnt, "%s", entity_config("sensor", "door_count", 10000));
        snprintf(t_ev, sizeof t_ev, "homeassistant/event/%s/door/config", node_of(prefix));
        snprintf(t_cnt, sizeof t_cnt, "homeassistant/sensor/%s/door_count/config", node_of(prefix));
        all = all_seen(topic("door/event"));
        n = 0;
        for (const char *p = all; *p && n < 3; p += strcspn(p, "\n") + 1)
                snprintf(payload[n++], sizeof payload[0], "%.*s", (int) strcspn(p, "\n"), p);
        ck_assert_int_eq(n, 3);
        out = HA_DISCOVERY("states", "all", t_ev, ev, payload[0], payload[1], payload[2]);
        ck_assert_msg(strstr(out, "missed {") && !strstr(out, "ignored"), "%s", out);
        ck_assert_str_eq(HA_DISCOVERY("states", "newest", t_cnt, cnt, "-r", retained(topic("door/state"))),
                         "HA newest: 3 sum 0\n");
        stop_all();
}
END_TEST

/*
 * An edge lost where the kernel numbers no edges (libgpiod 1.6: the
 * simulated input's 'u'): msgqd sees two rising edges in a row and knows
 * only that at least one was lost.  The missed event says so
 * ("at_least": true), and HA's event entity takes it.
 */
START_TEST(test_inputs_overflow_at_least) {
        static char events[1 << 16];
        char ev[4096], t_ev[512], last[512];
        const char *out;

        inputs_board_up(inputs_conf);
        input_edges("door", "1uo01"); /* rising; unnumbered from here: a falling edge dropped, rising */
        WAIT_ON(topic("door/event"), 3, 10000);
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"ON\",\"count\":3,\"number\":%" PRIu64 "}",
                                                 line_changes("door")),
                        10000);
        sleep_ms(200); /* none more */
        snprintf(events, sizeof events, "%s", door_events());
        EXPECT_JSON(events,
                    "[(e['event_type'], e['count'], e['level']) for e in d['events']] == "
                    "[('rising', 1, 1), ('missed', 2, 0), ('rising', 3, 1)] and "
                    "d['events'][1]['missed'] == 1 and d['events'][1]['at_least'] is True and "
                    "d['events'][1]['reason'] == 'overflow' and 'at_least' not in d['events'][2]");
        snprintf(ev, sizeof ev, "%s", entity_config("event", "door", 10000));
        snprintf(t_ev, sizeof t_ev, "homeassistant/event/%s/door/config", node_of(prefix));
        snprintf(last, sizeof last, "%s", strstr(all_seen(topic("door/event")), "{\"event_type\":\"missed\""));
        last[strcspn(last, "\n")] = '\0';
        out = HA_DISCOVERY("states", "all", t_ev, ev, last);
        ck_assert_msg(strstr(out, "missed {") && strstr(out, "\"at_least\": true") && !strstr(out, "ignored"), "%s",
                      out);
        stop_all();
}
END_TEST

/*
 * msgqd restarted with the input's level changed while it was away: one
 * missed event, reason away, how many not known (null), the level msgqd
 * found, the counter unchanged; then the state.
 */
START_TEST(test_inputs_away_told) {
        key_t key = test_key();
        static char events[1 << 16];
        int fd;

        broker_start();
        daemon_start_inputs(key, inputs_conf);
        bridge_start();
        watch_start();
        input_edges("door", "1");
        WAIT_ON(topic("door/event"), 1, 10000);
        daemon_stop_checked(&dmn);
        fd = open(fmt("%s/door.level", dir), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "0", 1), 1);
        close(fd);
        daemon_start_inputs(key, inputs_conf);
        WAIT_ON(topic("door/event"), 2, 15000);
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"OFF\",\"count\":1,\"number\":%" PRIu64 "}",
                                                 line_changes("door")),
                        10000);
        snprintf(events, sizeof events, "%s", door_events());
        EXPECT_JSON(events,
                    "len(d['events']) == 2 and d['events'][1] == {'event_type': 'missed', 'number': "
                    "d['events'][0]['number'] + 1, 'missed': None, 'reason': 'away', 'level': 0, 'count': 1}");
        stop_all();
}
END_TEST

/* <prefix>/changes as the bridge keeps it: {"number":N}, N its last change published. */
static void expect_changes_at(int line, uint64_t number) {
        expect_retained_at(line, topic("changes"), fmt("{\"number\":%" PRIu64 "}", number), 10000);
}

/*
 * The bridge stopped, edges made, the bridge started again: it goes on
 * from the number it left on <prefix>/changes, so exactly the edges made
 * while it was away are published, once each, in order, with their
 * counters; a start with nothing new publishes no event.
 */
START_TEST(test_inputs_resume_after_restart) {
        key_t key = test_key();
        static char events[1 << 16];
        uint64_t first;

        broker_start();
        daemon_start_inputs(key, inputs_conf);
        bridge_start();
        first = line_changes("door") + 1;
        input_edges("door", "1");
        for (uint64_t end = monotonic_ms() + 10000; line_changes("door") < first; sleep_ms(20)) /* msgqd read it */
                ck_assert_msg(monotonic_ms() < end, "msgqd numbered %" PRIu64 " changes", line_changes("door"));
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"ON\",\"count\":1,\"number\":%" PRIu64 "}", first),
                        10000);
        expect_changes_at(__LINE__, first);
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        input_edges("door", "010");
        for (uint64_t end = monotonic_ms() + 10000; line_changes("door") < first + 3; sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "msgqd numbered %" PRIu64 " changes", line_changes("door"));
        watch_start(); /* sees the bridge's retained offline */
        bridge_start_with(key, NULL, "online");
        WAIT_ON(topic("door/event"), 3, 10000);
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"OFF\",\"count\":4,\"number\":%" PRIu64 "}",
                                                 first + 3),
                        10000);
        expect_changes_at(__LINE__, first + 3);
        sleep_ms(300); /* none more */
        snprintf(events, sizeof events, "%s", door_events());
        EXPECT_JSON(events,
                    "[(e['event_type'], e['number'], e['count']) for e in d['events']] == "
                    "[('falling', %" PRIu64 ", 2), ('rising', %" PRIu64 ", 3), ('falling', %" PRIu64 ", 4)]",
                    first + 1, first + 2, first + 3);
        ck_assert_msg(strstr(file_text(bridge.log), "where the last run stopped"), "%s", tail(file_text(bridge.log)));
        /* Stopped and started with nothing new: no event. */
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        bridge_start_with(key, NULL, "online");
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"OFF\",\"count\":4,\"number\":%" PRIu64 "}",
                                                 first + 3),
                        10000);
        input_edges("door", "1");
        WAIT_ON(topic("door/event"), 4, 10000);
        sleep_ms(300);
        ck_assert_int_eq(count_on(topic("door/event")), 4);
        EXPECT_JSON(last_seen(topic("door/event")), "d['number'] == %" PRIu64 " and d['count'] == 5", first + 4);
        stop_all();
}
END_TEST

/*
 * The bridge stopped while more edges came than msgqd keeps (history 64):
 * started again, it tells the gap as one missed event (history) with the
 * counter and level after it, then the 64 edges msgqd kept, their counters
 * reckoned back from msgqd's.
 */
START_TEST(test_inputs_resume_past_history) {
        key_t key = test_key();
        static char events[1 << 16];
        char burst[101] = "";

        broker_start();
        daemon_start_inputs(key, "[msgq]\nmode = 0600\nhistory = 64\n[input door]\ngpio = GPIO5\n");
        bridge_start();
        expect_changes_at(__LINE__, line_changes("door"));
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        for (int i = 0; i < 100; i++)
                burst[i] = i % 2 ? '0' : '1';
        input_edges("door", burst);
        for (uint64_t end = monotonic_ms() + 10000; line_changes("door") < 100; sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "msgqd numbered %" PRIu64 " changes", line_changes("door"));
        watch_start();
        bridge_start_with(key, NULL, "online");
        WAIT_ON(topic("door/event"), 65, 20000);
        EXPECT_RETAINED(topic("door/state"), "{\"state\":\"OFF\",\"count\":100,\"number\":100}", 10000);
        sleep_ms(300); /* none more */
        snprintf(events, sizeof events, "%s", door_events());
        EXPECT_JSON(events,
                    "len(d['events']) == 65 and d['events'][0] == {'event_type': 'missed', 'number': 37, "
                    "'missed': 36, 'reason': 'history', 'level': 0, 'count': 36} and "
                    "[(e['number'], e['count']) for e in d['events'][1:]] == [(n, n) for n in range(37, 101)]");
        expect_changes_at(__LINE__, 100);
        stop_all();
}
END_TEST

/*
 * Edges while the broker is away: the bridge takes no change until it is
 * back, then publishes them, in order, with their counters (a subscriber
 * with a persistent session gets them).
 */
START_TEST(test_inputs_while_broker_away) {
        static char events[1 << 16];
        char id[64];
        uint64_t first;

        snprintf(id, sizeof id, "watch-%d-%d", (int) getpid(), test_serial);
        broker_start();
        daemon_start_inputs(test_key(), inputs_conf);
        bridge_start();
        spawn(&watcher, "watch.log", (const char *const[]) { need_program("mosquitto_sub"), "-h", HOST, "-p",
                                                            fmt("%d", port), "-q", "1", "-c", "-i", id, "-v", "-t",
                                                            fmt("%s/#", prefix), NULL });
        WAIT_ON(topic("availability"), 1, 10000);
        input_edges("door", "1");
        WAIT_ON(topic("door/event"), 1, 10000);
        first = line_changes("door");
        ck_assert_int_eq(proc_stop(&watcher, SIGTERM), 0);
        ck_assert_int_eq(proc_stop(&broker, SIGTERM), 0);
        input_edges("door", "010");
        for (uint64_t end = monotonic_ms() + 10000; line_changes("door") < first + 3; sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "msgqd numbered %" PRIu64 " changes", line_changes("door"));
        broker_start();
        spawn(&watcher, "watch.log", (const char *const[]) { need_program("mosquitto_sub"), "-h", HOST, "-p",
                                                            fmt("%d", port), "-q", "1", "-c", "-i", id, "-v", "-t",
                                                            fmt("%s/#", prefix), NULL });
        WAIT_ON(topic("door/event"), 4, 40000);
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"OFF\",\"count\":4,\"number\":%" PRIu64 "}",
                                                 first + 3),
                        10000);
        sleep_ms(300); /* none more */
        snprintf(events, sizeof events, "%s", door_events());
        EXPECT_JSON(events,
                    "[(e['event_type'], e['number'], e['count']) for e in d['events']] == "
                    "[('rising', %" PRIu64 ", 1), ('falling', %" PRIu64 ", 2), ('rising', %" PRIu64 ", 3), "
                    "('falling', %" PRIu64 ", 4)]",
                    first, first + 1, first + 2, first + 3);
        stop_all();
}
END_TEST

/*
 * <prefix>/changes ahead of msgqd's last change (msgqd's state was lost):
 * the bridge goes on from msgqd's, publishes the input's state again, and
 * the next edge as usual.
 */
START_TEST(test_inputs_resume_ahead) {
        broker_start();
        pub_with("-r", topic("changes"), "{\"number\":987654321}");
        daemon_start_inputs(test_key(), inputs_conf);
        bridge_start();
        watch_start();
        EXPECT_RETAINED(topic("door/state"), fmt("{\"state\":\"OFF\",\"count\":0,\"number\":%" PRIu64 "}",
                                                 line_changes("door")),
                        10000);
        input_edges("door", "1");
        WAIT_ON(topic("door/event"), 1, 10000);
        EXPECT_JSON(last_seen(topic("door/event")), "d['event_type'] == 'rising' and d['count'] == 1");
        expect_changes_at(__LINE__, line_changes("door"));
        ck_assert_msg(strstr(file_text(bridge.log), "ahead of msgqd's last change"), "%s",
                      tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

/*
 * A client that may publish under the prefix sets <prefix>/changes ahead
 * of the bridge, but behind msgqd, while the bridge is stopped: started
 * again, the bridge goes on from its own copy, so the edges in between
 * are all published, and logs both numbers.  Without its copy (a new
 * disk), or with one that holds no number, it goes on from the broker's,
 * and says so.
 */
START_TEST(test_inputs_resume_forged) {
        key_t key = test_key();
        static char events[1 << 16];
        const char *said;
        uint64_t first;

        broker_start();
        daemon_start_inputs(key, inputs_conf);
        bridge_start();
        first = line_changes("door");
        expect_changes_at(__LINE__, first);
        /* The copy is written once the broker acknowledged the number. */
        for (uint64_t end = monotonic_ms() + 10000;
             strcmp(file_text(fmt("%s/changes.%s", dir, node_of(prefix))), fmt("%020" PRIu64 "\n", first)) != 0;
             sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "changes.%s: '%s'", node_of(prefix),
                              file_text(fmt("%s/changes.%s", dir, node_of(prefix))));
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        input_edges("door", "101");
        for (uint64_t end = monotonic_ms() + 10000; line_changes("door") < first + 3; sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "msgqd numbered %" PRIu64 " changes", line_changes("door"));
        pub_with("-r", topic("changes"), fmt("{\"number\":%" PRIu64 "}", first + 2)); /* forged */
        watch_start();
        bridge_start_with(key, NULL, "online");
        WAIT_ON(topic("door/event"), 3, 10000);
        expect_changes_at(__LINE__, first + 3);
        sleep_ms(300); /* none more */
        snprintf(events, sizeof events, "%s", door_events());
        EXPECT_JSON(events,
                    "[(e['event_type'], e['number'], e['count']) for e in d['events']] == "
                    "[('rising', %" PRIu64 ", 1), ('falling', %" PRIu64 ", 2), ('rising', %" PRIu64 ", 3)]",
                    first + 1, first + 2, first + 3);
        ck_assert_msg(strstr(file_text(bridge.log), fmt("changes says %" PRIu64 ", this bridge's own copy", first + 2)),
                      "%s", tail(file_text(bridge.log)));
        /* Its copy lost: the broker's number, said. */
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        ck_assert_int_eq(unlink(fmt("%s/changes.%s", dir, node_of(prefix))), 0);
        input_edges("door", "0");
        pub_with("-r", topic("changes"), fmt("{\"number\":%" PRIu64 "}", first + 3));
        bridge_start_with(key, NULL, "online");
        WAIT_ON(topic("door/event"), 4, 10000);
        EXPECT_JSON(last_seen(topic("door/event")), "d['number'] == %" PRIu64 " and d['count'] == 4", first + 4);
        /* Said at the first start of this test, and at this one. */
        said = strstr(file_text(bridge.log), "yet (a first run, or a new disk)");
        ck_assert_msg(said && strstr(said + 1, "yet (a first run, or a new disk)"), "%s", tail(file_text(bridge.log)));
        /* A copy that holds no number: said, and the broker's. */
        expect_changes_at(__LINE__, first + 4);
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        write_file(fmt("%s/changes.%s", dir, node_of(prefix)), "junk, longer than a number and its newline\n", 0600);
        input_edges("door", "1");
        bridge_start_with(key, NULL, "online");
        WAIT_ON(topic("door/event"), 5, 10000);
        EXPECT_JSON(last_seen(topic("door/event")), "d['number'] == %" PRIu64 " and d['count'] == 5", first + 5);
        ck_assert_msg(strstr(file_text(bridge.log), "holds no change number: going on from the broker's"), "%s",
                      tail(file_text(bridge.log)));
        expect_changes_at(__LINE__, first + 5);
        for (uint64_t end = monotonic_ms() + 10000; /* emptied, then written: nothing of the junk left */
             strcmp(file_text(fmt("%s/changes.%s", dir, node_of(prefix))), fmt("%020" PRIu64 "\n", first + 5)) != 0;
             sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "changes.%s: '%s'", node_of(prefix),
                              file_text(fmt("%s/changes.%s", dir, node_of(prefix))));
        stop_all();
}
END_TEST

/* What <prefix>/changes holds that is not {"number":N} is said, and the bridge goes on from msgqd's last. */
START_TEST(test_inputs_resume_garbage) {
        broker_start();
        pub_with("-r", topic("changes"), "{\"number\":-1}");
        daemon_start_inputs(test_key(), inputs_conf);
        bridge_start();
        watch_start();
        input_edges("door", "1");
        WAIT_ON(topic("door/event"), 1, 10000);
        expect_changes_at(__LINE__, line_changes("door"));
        ck_assert_msg(strstr(file_text(bridge.log), "holds no {\"number\":N}"), "%s", tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

/* An input removed from msgq.conf: once msgqd restarts without it, its three entities go. */
START_TEST(test_inputs_removed) {
        key_t key = test_key();

        broker_start();
        daemon_start_inputs(key, inputs_conf);
        bridge_start();
        ck_assert_msg(entity_config("binary_sensor", "door", 10000)[0], "no binary_sensor for door");
        ck_assert_msg(entity_config("event", "door", 10000)[0], "no event for door");
        ck_assert_msg(entity_config("sensor", "door_count", 10000)[0], "no counter for door");
        daemon_stop_checked(&dmn);
        daemon_start_conf(key, "[msgq]\nmode = 0600\n[output pump]\ngpio = GPIO27\nkind = relay\n");
        for (uint64_t end = monotonic_ms() + 10000; entity_config("binary_sensor", "door", 0)[0] ||
                                                    entity_config("event", "door", 0)[0] ||
                                                    entity_config("sensor", "door_count", 0)[0];
             sleep_ms(50))
                ck_assert_msg(monotonic_ms() < end, "door's configs stay\nbridge:\n%s", tail(file_text(bridge.log)));
        ck_assert_msg(entity_config("switch", "pump", 1000)[0], "pump's config went too");
        stop_all();
}
END_TEST

/*
 * An input removed while the bridge was stopped too: the bridge finds the
 * configs a former run left at the broker (any of the three, the counter
 * by its input's name) and removes them; the output keeps its entity.
 */
START_TEST(test_inputs_removed_while_away) {
        key_t key = test_key();

        broker_start();
        daemon_start_inputs(key, inputs_conf);
        bridge_start();
        ck_assert_msg(entity_config("sensor", "door_count", 10000)[0], "no counter for door");
        ck_assert_msg(entity_config("binary_sensor", "door", 10000)[0], "no binary_sensor for door");
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        /* Only the counter's config left, as if a former run had removed the others. */
        pub_with("-r", fmt("homeassistant/binary_sensor/%s/door/config", node_of(prefix)), "");
        pub_with("-r", fmt("homeassistant/event/%s/door/config", node_of(prefix)), "");
        daemon_stop_checked(&dmn);
        daemon_start_conf(key, "[msgq]\nmode = 0600\n[output pump]\ngpio = GPIO27\nkind = relay\n");
        bridge_start();
        for (uint64_t end = monotonic_ms() + 10000; entity_config("sensor", "door_count", 0)[0]; sleep_ms(50))
                ck_assert_msg(monotonic_ms() < end, "door's counter stays: %s\nbridge:\n%s",
                              entity_config("sensor", "door_count", 0), tail(file_text(bridge.log)));
        ck_assert_msg(entity_config("switch", "pump", 1000)[0], "pump's config went too");
        stop_all();
}
END_TEST

START_TEST(test_prefixes_that_differ_in_punctuation) {
        static const char *const seps[] = { "/", ".", "_" };
        struct proc more[3] = {};
        char prefixes[3][64];

        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        for (int i = 0; i < 3; i++) {
                snprintf(prefixes[i], sizeof prefixes[i], "msgq-test/%d%sb1", (int) getpid(), seps[i]);
                spawn(&more[i], fmt("bridge%d.log", i),
                      (const char *const[]) { getenv("MSGQ_MQTT"), "-c", "/dev/null", "-m", "/dev/null", "-k",
                                              fmt("0x%08x", (unsigned) dmn.key), "-b", fmt("mqtt://" HOST ":%d", port),
                                              "-p", prefixes[i], NULL });
        }
        for (int i = 0; i < 3; i++)
                EXPECT_JSON(config_of("homeassistant", prefixes[i], 10000), "d['command_topic'] == '%s/led/set'",
                            prefixes[i]);
        sleep_ms(3000);
        for (int i = 0; i < 3; i++) {
                const char *log = file_text(fmt("%s/bridge%d.log", dir, i));
                const char *c = strstr(log, "connected to");

                ck_assert_msg(c && !strstr(c + 1, "connected to") && !strstr(log, "another client"), "%s", log);
                ck_assert_int_eq(proc_stop(&more[i], SIGTERM), 0);
        }
        stop_all();
}
END_TEST

/* How many times text has needle. */
static int count_of(const char *text, const char *needle) {
        int n = 0;

        for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/*
 * Two bridges with one prefix, so one client id (boards cloned from one
 * image): each connect takes the session from the other.  Each bridge
 * says so once, naming the client id and what to change, and backs off:
 * over 16 s they connect at most 14 times in all (24 in 12 s when every
 * connect started the back-off afresh).
 */
static void two_bridges_one_prefix(const char *protocol, const char *how, const char *or_how) {
        const char *const extra[] = { "--protocol", protocol, NULL };
        struct proc twin = {};
        const char *a, *b, *id = node_of(prefix);
        int connects;

        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        bridge_start_with(dmn.key, extra, "online");
        spawn(&twin, "twin.log",
              (const char *const[]) { getenv("MSGQ_MQTT"), "-c", "/dev/null", "-m", "/dev/null", "-k",
                                      fmt("0x%08x", (unsigned) dmn.key), "-b", fmt("mqtt://" HOST ":%d", port), "-p",
                                      prefix, "--protocol", protocol, NULL });
        sleep_ms(16000);
        a = file_text(bridge.log);
        b = file_text(twin.log);
        connects = count_of(a, "connected to") + count_of(b, "connected to");
        ck_assert_msg(connects >= 4 && connects <= 14, "%d connects in 16 s:\n%s\n----\n%s", connects, tail(a),
                      tail(b));
        for (int i = 0; i < 2; i++) {
                const char *log = i ? b : a;
                int said = 0;
                const char *want = "";

                for (int j = 0; j < (strcmp(how, or_how) ? 2 : 1); j++) {
                        want = fmt("msgq-mqtt: another client connects to " HOST ":%d with this bridge's client id "
                                   "'%s' (%s): two bridges with one prefix, such as boards cloned from one image? "
                                   "Give each bridge its own prefix (-p, or prefix = in mqtt.conf; the client id "
                                   "follows it) or client id (-i, client_id =); backing off meanwhile\n",
                                   port, id, j ? or_how : how);
                        said += count_of(log, want);
                }
                ck_assert_msg(said == 1 && count_of(log, "another client") == 1,
                              "bridge %d said it %d times, expected once:\n%s\nin:\n%s", i, said, want, tail(log));
        }
        ck_assert_int_eq(proc_stop(&twin, SIGTERM), 0);
        stop_all();
}

START_TEST(test_two_bridges_one_prefix) {
        two_bridges_one_prefix("3.1.1", "the broker closes each connection soon after it is made",
                               "the broker closes each connection soon after it is made");
}
END_TEST

START_TEST(test_two_bridges_one_prefix_mqtt5) {
        /* The broker's DISCONNECT 0x8E, or (mosquitto 2.0.11 does not send it in time) as with 3.1.1. */
        two_bridges_one_prefix("5", "the broker says the session was taken over",
                               "the broker closes each connection soon after it is made");
}
END_TEST

START_TEST(test_last_will_and_commands_while_away) {
        start_all();
        ck_assert_int_eq(proc_stop(&bridge, SIGKILL), 128 + SIGKILL);
        EXPECT_SEEN(topic("availability"), "offline", 1, 10000);
        EXPECT_RETAINED(topic("availability"), "offline", 1000);

        /* The broker keeps the bridge's session: a command sent now is applied when it is back. */
        pub(topic("led/set"), "TOGGLE");
        sleep_ms(300);
        EXPECT_LED("led: off\n", 100);
        bridge_start_with(dmn.key, NULL, "online");
        EXPECT_LED("led: on\n", 10000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 10000);
        ck_assert_msg(strstr(file_text(bridge.log), "(session resumed)"), "%s", tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

START_TEST(test_clean_stop_says_offline) {
        start_all();
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);
        EXPECT_SEEN(topic("availability"), "offline", 1, 10000);
        EXPECT_RETAINED(topic("availability"), "offline", 1000);
        ck_assert_msg(strstr(file_text(bridge.log), "received SIGTERM, stopping"), "%s", tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

START_TEST(test_broker_restart) {
        start_all();
        ck_assert_int_eq(proc_stop(&watcher, SIGTERM), 0);
        ck_assert_int_eq(proc_stop(&broker, SIGTERM), 0);
        /* A change while the broker is away is published when it is back. */
        msgqctl("led", "on", NULL);
        sleep_ms(1500);
        broker_start();
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 40000);
        EXPECT_RETAINED(topic("availability"), "online", 1000);
        pub(topic("led/set"), "OFF");
        EXPECT_LED("led: off\n", 10000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);
        ck_assert_msg(strstr(file_text(bridge.log), "lost the broker"), "%s", tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

/*
 * The broker away for a minute, past the bridge's 30 s back-off cap: a
 * command it acknowledged for the bridge before it went away survives its
 * restart (persistence), and is applied once the bridge gets back in.
 */
START_TEST(test_broker_away_a_minute) {
        start_all();
        ck_assert_int_eq(proc_stop(&bridge, SIGKILL), 128 + SIGKILL);
        pub(topic("led/set"), "ON"); /* QoS 1: acknowledged, held for the bridge's session */
        ck_assert_int_eq(proc_stop(&watcher, SIGTERM), 0);
        ck_assert_int_eq(proc_stop(&broker, SIGTERM), 0);
        bridge_spawn(dmn.key, NULL);
        sleep_ms(60000);
        ck_assert_msg(bridge.pid > 0 && waitpid(bridge.pid, NULL, WNOHANG) == 0, "the bridge gave up: %s",
                      tail(file_text(bridge.log)));
        EXPECT_LED("led: off\n", 100);
        broker_start();
        EXPECT_LED("led: on\n", 45000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 10000);
        EXPECT_RETAINED(topic("availability"), "online", 1000);
        ck_assert_msg(strstr(file_text(bridge.log), "(session resumed)"), "%s", tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

START_TEST(test_broker_later_than_bridge) {
        port = free_port();
        daemon_start_checked(&dmn, test_key(), NULL);
        bridge_spawn(dmn.key, NULL);
        sleep_ms(1500);
        ck_assert_msg(bridge.pid > 0 && waitpid(bridge.pid, NULL, WNOHANG) == 0, "the bridge gave up: %s",
                      tail(file_text(bridge.log)));
        broker_start();
        EXPECT_RETAINED(topic("availability"), "online", 40000);
        pub(topic("led/set"), "ON");
        EXPECT_LED("led: on\n", 10000);
        stop_all();
}
END_TEST

START_TEST(test_msgqd_restart) {
        key_t key;

        start_all();
        key = dmn.key;
        ck_assert_int_eq(daemon_stop(&dmn), 0); /* its queue is gone */
        EXPECT_SEEN(topic("availability"), "offline", 1, 10000);
        /* A command that comes while msgqd is away waits for it, and is applied once. */
        pub(topic("led/set"), "TOGGLE");
        sleep_ms(500);
        daemon_start_checked(&dmn, key, NULL);
        EXPECT_LED("led: on\n", 10000);
        EXPECT_SEEN(topic("availability"), "online", 2, 10000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 10000);
        sleep_ms(1500);
        EXPECT_LED("led: on\n", 100);
        stop_all();
}
END_TEST

/*
 * Stopped while msgqd holds its first answer: the worker, answered after
 * the watcher has stopped, asks it to watch that msgqd, and still stops.
 */
START_TEST(test_stop_while_msgqd_first_answers) {
        int st;

        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        ck_assert_int_eq(kill(dmn.pid, SIGSTOP), 0);
        bridge_spawn(dmn.key, NULL);
        for (int i = 0; i < scaled(10000) && queue_count(dmn.key) < 1; i++)
                sleep_ms(1);
        ck_assert_msg(queue_count(dmn.key) >= 1, "the bridge asked msgqd nothing");
        kill(bridge.pid, SIGTERM);
        sleep_ms(300); /* the board stops; then msgqd answers the worker's question */
        ck_assert_int_eq(kill(dmn.pid, SIGCONT), 0);
        st = proc_wait(&bridge, 10000);
        ck_assert_msg(st == 0, "msgq-mqtt exited with %d: %s", st, tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

START_TEST(test_msgqd_killed) {
        key_t key;

        start_all();
        key = dmn.key;
        daemon_kill(&dmn); /* its queue stays, as after a crash */
        /* The request reaches the queue; unanswered, it is not sent again. */
        pub(topic("led/set"), "TOGGLE");
        EXPECT_SEEN(topic("availability"), "offline", 1, 10000);
        daemon_start_checked(&dmn, key, NULL);
        EXPECT_LED("led: on\n", 15000);
        EXPECT_SEEN(topic("availability"), "online", 2, 15000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 10000);
        sleep_ms(1500);
        EXPECT_LED("led: on\n", 100);
        stop_all();
}
END_TEST

/*
 * The LED on, msgqd killed and started again: it restores the LED, and the
 * retained state stays ON throughout; OFF is never published.
 */
START_TEST(test_msgqd_killed_led_stays_on) {
        const char *off;
        int offs;
        key_t key;

        start_all();
        key = dmn.key;
        msgqctl("led", "on", NULL);
        EXPECT_RETAINED(topic("led/state"), ON_NULL, 10000);
        /* Killed once msgqd has written the state (its main loop does, right after the change). */
        wait_state_on(key);
        off = fmt("%s " OFF_NULL, topic("led/state"));
        offs = count_lines(file_text(watcher.log), off); /* the retained one at the start */
        daemon_kill(&dmn);
        EXPECT_SEEN(topic("availability"), "offline", 1, 10000);
        daemon_start_checked(&dmn, key, NULL);
        EXPECT_SEEN(topic("availability"), "online", 2, 15000);
        EXPECT_LED("led: on\n", 100);
        EXPECT_RETAINED(topic("led/state"), ON_NULL, 10000);
        sleep_ms(1500);
        ck_assert_msg(count_lines(file_text(watcher.log), off) == offs, "OFF published:\n%s",
                      tail(file_text(watcher.log)));
        stop_all();
}
END_TEST

/*
 * A new msgqd is watched at once, whether the old one stopped (its queue
 * removed) or was killed (its queue stays, and the led-watch it held is
 * gone with it, unanswered): a change by another client is published in
 * seconds, not when that watch's 30 s are over.
 */
START_TEST(test_new_msgqd_is_watched) {
        key_t key;

        start_all();
        key = dmn.key;
        ck_assert_int_eq(daemon_stop(&dmn), 0);
        EXPECT_SEEN(topic("availability"), "offline", 1, 10000);
        daemon_start_checked(&dmn, key, NULL);
        EXPECT_SEEN(topic("availability"), "online", 2, 10000);
        msgqctl("led", "on", NULL);
        EXPECT_SEEN(topic("led/state"), ON_NULL, 1, 5000);

        /* Killed once msgqd has written the state: the next one starts with the LED on. */
        wait_state_on(key);
        daemon_kill(&dmn);
        EXPECT_SEEN(topic("availability"), "offline", 2, 10000);
        daemon_start_checked(&dmn, key, NULL);
        EXPECT_SEEN(topic("availability"), "online", 3, 10000);
        msgqctl("led", "blink", "250"); /* only a watch shows it */
        EXPECT_SEEN(topic("led/state"), "{\"state\":\"ON\",\"effect\":\"blink\",\"period_ms\":250}", 1, 5000);
        stop_all();
}
END_TEST

START_TEST(test_command_expires_when_msgqd_stays_away) {
        key_t key = test_key();

        broker_start();
        write_file(fmt("%s/mqtt.conf", dir), "[mqtt]\nhold = 1\n", 0600);
        bridge_start_with(key, (const char *const[]) { "-m", fmt("%s/mqtt.conf", dir), NULL }, "offline");
        watch_start();
        pub(topic("led/set"), "ON");
        EXPECT_SEEN(topic("error"),
                    fmt("{\"topic\":\"%s\",\"error\":\"msgqd did not come back in time; not applied\"}",
                        topic("led/set")), 1, 10000);
        daemon_start_checked(&dmn, key, NULL);
        EXPECT_SEEN(topic("availability"), "online", 1, 10000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"OFF\",\"effect\":null}", 10000);
        EXPECT_LED("led: off\n", 100);
        stop_all();
}
END_TEST

START_TEST(test_mqtt5) {
        broker_start();
        daemon_start_checked(&dmn, test_key(), NULL);
        bridge_start_with(dmn.key, (const char *const[]) { "--protocol", "5", NULL }, "online");
        watch_start();
        pub(topic("led/set"), "ON");
        EXPECT_LED("led: on\n", 10000);
        ck_assert_int_eq(proc_stop(&bridge, SIGKILL), 128 + SIGKILL);
        EXPECT_SEEN(topic("availability"), "offline", 1, 10000);
        pub(topic("led/set"), "OFF");
        bridge_start_with(dmn.key, (const char *const[]) { "--protocol", "5", NULL }, "online");
        EXPECT_LED("led: off\n", 10000);
        stop_all();
}
END_TEST

START_TEST(test_password) {
        const char *passwd = fmt("%s/passwd", dir), *secret = fmt("%s/secret", dir);
        const char *const with_password[] = { "-u", "board", "--password-file", secret, NULL };

        port = free_port();
        ck_assert(run_prog(&run, 10000, (const char *const[]) { need_program("mosquitto_passwd"), "-c", "-b",
                                                                passwd, "board", "s3cret", NULL }) == 0);
        ck_assert_msg(run.status == 0, "mosquitto_passwd: %s", run.err);
        broker_start_with(fmt("password_file %s\n", passwd));
        daemon_start_checked(&dmn, test_key(), NULL);

        /* Readable by others: refused before anything starts. */
        write_file(secret, "s3cret\n", 0644);
        bridge_spawn(dmn.key, with_password);
        ck_assert_int_eq(proc_wait(&bridge, 10000), 2);
        ck_assert_msg(strstr(file_text(bridge.log), fmt("msgq-mqtt: refusing password file %s: others may read "
                                                        "it (mode 0644); chmod 600 it\n", secret)),
                      "%s", tail(file_text(bridge.log)));
        write_file(secret, "s3cret\n", 0640);
        bridge_spawn(dmn.key, with_password);
        ck_assert_int_eq(proc_wait(&bridge, 10000), 2);

        /* A wrong password: the broker refuses, the bridge says so and keeps trying. */
        write_file(secret, "wrong\n", 0600);
        bridge_spawn(dmn.key, with_password);
        for (uint64_t end = monotonic_ms() + 10000; !strstr(file_text(bridge.log), "refused the connection"); sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "%s", tail(file_text(bridge.log)));
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);

        write_file(secret, "s3cret\n", 0600);
        bridge_spawn(dmn.key, with_password);
        for (uint64_t end = monotonic_ms() + 10000; !strstr(file_text(bridge.log), fmt("connected to " HOST ":%d as", port));
             sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "%s", tail(file_text(bridge.log)));
        stop_all();
}
END_TEST

START_TEST(test_tls) {
        const char *cert = fmt("%s/broker.pem", dir), *key = fmt("%s/broker.key", dir);
        int tls_port = free_port();

        ck_assert(run_prog(&run, 10000, (const char *const[]) { need_program("openssl"), "req", "-x509", "-newkey",
                                                                "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                                                "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                                                                "-subj", "/CN=" HOST, "-addext",
                                                                "subjectAltName=IP:" HOST, NULL }) == 0);
        ck_assert_msg(run.status == 0, "openssl: %s", run.err);
        /* Plain on port for the test's clients, TLS on tls_port for the bridge. */
        broker_start_with(fmt("listener %d " HOST "\ncertfile %s\nkeyfile %s\n", tls_port, cert, key));
        daemon_start_checked(&dmn, test_key(), NULL);

        /* Without the CA, the broker's certificate is not trusted: no connection. */
        bridge_spawn(dmn.key, (const char *const[]) { "-b", fmt("mqtts://" HOST ":%d", tls_port), NULL });
        for (uint64_t end = monotonic_ms() + 10000; !strstr(file_text(bridge.log), ": A TLS error occurred; retrying\n"); sleep_ms(20))
                ck_assert_msg(monotonic_ms() < end, "%s", tail(file_text(bridge.log)));
        ck_assert_msg(!strstr(file_text(bridge.log), "connected to"), "%s", tail(file_text(bridge.log)));
        ck_assert_int_eq(proc_stop(&bridge, SIGTERM), 0);

        bridge_start_with(dmn.key, (const char *const[]) { "-b", fmt("mqtts://" HOST ":%d", tls_port),
                                                           "--cafile", cert, NULL }, "online");
        pub(topic("led/set"), "ON");
        EXPECT_LED("led: on\n", 10000);
        EXPECT_RETAINED(topic("led/state"), "{\"state\":\"ON\",\"effect\":null}", 10000);
        stop_all();
}
END_TEST

START_TEST(test_usage_errors) {
        static const struct {
                const char *opt, *value, *message;
        } cases[] = {
                { "-b", "tcp://host", "msgq-mqtt: invalid broker 'tcp://host': use mqtt://HOST[:PORT] or mqtts://HOST[:PORT]\n" },
                { "-b", "mqtt://host:0", "msgq-mqtt: invalid broker 'mqtt://host:0': use mqtt://HOST[:PORT] or mqtts://HOST[:PORT]\n" },
                { "-p", "a/#", "msgq-mqtt: invalid prefix 'a/#': 1 to 128 printable characters, no '+' or '#', no '/' at either end\n" },
                { "-p", "/a", "msgq-mqtt: invalid prefix '/a': 1 to 128 printable characters, no '+' or '#', no '/' at either end\n" },
                { "--protocol", "4.0", "msgq-mqtt: invalid protocol '4.0': 3.1.1 or 5\n" },
                { "--probe", "0", "msgq-mqtt: invalid probe interval '0': seconds, 0.05 to 3600\n" },
                { "--poll", "0", "msgq-mqtt: invalid probe interval '0': seconds, 0.05 to 3600\n" },
                { "-k", "0", "msgq-mqtt: invalid key '0': out of range: expected 0x1 to 0xffffffff in hex, or 1 to 2147483647 in decimal\n" },
                { "--cafile", "/dev/null", "msgq-mqtt: TLS files are set but the broker is not mqtts://\n" },
                { "--password-file", "/dev/null", "msgq-mqtt: a password file needs a user name (--username or username =)\n" },
        };

        port = free_port();
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
                ck_assert(run_prog(&run, 5000, (const char *const[]) { getenv("MSGQ_MQTT"), "-c", "/dev/null", "-m",
                                                                       "/dev/null", cases[i].opt, cases[i].value,
                                                                       NULL }) == 0);
                ck_assert_msg(run.status == 2 && strcmp(run.err, cases[i].message) == 0, "%s %s: exit %d: %s",
                              cases[i].opt, cases[i].value, run.status, run.err);
        }
        write_file(fmt("%s/mqtt.conf", dir), "[mqtt]\nbroker = mqtt://localhost\npoll = 1\n", 0600);
        ck_assert(run_prog(&run, 5000, (const char *const[]) { getenv("MSGQ_MQTT"), "-c", "/dev/null", "-m",
                                                               fmt("%s/mqtt.conf", dir), NULL }) == 0);
        ck_assert_int_eq(run.status, 2);
        ck_assert_str_eq(run.err, fmt("msgq-mqtt: %s/mqtt.conf:3: invalid setting\n", dir));
        /* A device class HA does not have: the file's line, the setting, the value and what HA takes. */
        write_file(fmt("%s/mqtt.conf", dir), "[input door]\ndevice_class = contact\n", 0600);
        ck_assert(run_prog(&run, 5000, (const char *const[]) { getenv("MSGQ_MQTT"), "-c", "/dev/null", "-m",
                                                               fmt("%s/mqtt.conf", dir), NULL }) == 0);
        ck_assert_int_eq(run.status, 2);
        ck_assert_msg(strstr(run.err, fmt("msgq-mqtt: %s/mqtt.conf:2: device_class = contact: not a device class of "
                                          "Home Assistant's binary_sensor (battery, ", dir)) &&
                              strstr(run.err, "door, garage_door,") && strstr(run.err, "window)\n"),
                      "%s", run.err);
        ck_assert(run_prog(&run, 5000, (const char *const[]) { getenv("MSGQ_MQTT"), "--help", NULL }) == 0);
        ck_assert_int_eq(run.status, 0);
        ck_assert_msg(strstr(run.out, "--broker URL") && strstr(run.out, "--prefix PREFIX"), "%s", run.out);
}
END_TEST

/* ---- runner ---- */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* Per test, in the parent: this suite's own state. */
static void reset(void) {
        const char *t = getenv("TMPDIR");

        test_serial++;
        memset(&dmn, 0, sizeof dmn);
        memset(&broker, 0, sizeof broker);
        memset(&bridge, 0, sizeof bridge);
        memset(&watcher, 0, sizeof watcher);
        snprintf(dir, sizeof dir, "%s/msgq-mqtt-test.%d.%d", t && *t ? t : "/tmp", (int) getpid(), test_serial);
        mkdir(dir, 0700);
        snprintf(prefix, sizeof prefix, "msgq-test/%d.%d", (int) getpid(), test_serial);
        port = free_port();
}

static void clean(void) {
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
        Suite *s = suite_create("mqtt");

        harness_init();
        harness_set_hooks(reset, clean);
        harness_add(s, "commands", test_commands_drive_the_led, 60);
        harness_add(s, "ha-commands", test_home_assistant_commands, 90);
        harness_add(s, "ha-state", test_state_says_the_effect, 60);
        harness_add(s, "ha-template", test_home_assistant_template_light, 90);
        harness_add(s, "bad-commands", test_bad_commands_are_answered_on_error, 60);
        harness_add(s, "hostile-payloads", test_hostile_payloads_change_nothing, 60);
        harness_add(s, "changes-by-others", test_changes_by_others_are_published, 60);
        harness_add(s, "every-change", test_every_change_and_idle_costs_nothing, 60);
        harness_add(s, "burst-in-order", test_burst_of_changes_in_order, 60);
        harness_add(s, "send", test_send_with_priority, 60);
        harness_add(s, "figures", test_figures_on_request, 60);
        harness_add(s, "figures-period", test_figures_on_a_period, 60);
        harness_add(s, "discovery", test_discovery_config, 60);
        harness_add(s, "node-ids", test_prefixes_that_differ_in_punctuation, 60);
        harness_add(s, "outputs-discovery", test_outputs_discovery, 90);
        harness_add(s, "outputs-one-change", test_outputs_one_change_one_state, 60);
        harness_add(s, "outputs-removed", test_outputs_removed, 60);
        harness_add(s, "outputs-removed-away", test_outputs_removed_while_away, 60);
        harness_add(s, "outputs-and-input", test_outputs_beside_an_input, 60);
        harness_add(s, "inputs-discovery", test_inputs_discovery, 90);
        harness_add(s, "inputs-edge", test_inputs_edge_event_then_state, 60);
        harness_add(s, "inputs-device-class", test_inputs_device_class, 60);
        harness_add(s, "inputs-burst", test_inputs_burst_in_order, 60);
        harness_add(s, "inputs-removed", test_inputs_removed, 60);
        harness_add(s, "inputs-missed", test_inputs_missed_told, 60);
        harness_add(s, "inputs-overflow", test_inputs_overflow_told, 60);
        harness_add(s, "inputs-overflow-at-least", test_inputs_overflow_at_least, 60);
        harness_add(s, "inputs-away", test_inputs_away_told, 60);
        harness_add(s, "inputs-resume", test_inputs_resume_after_restart, 90);
        harness_add(s, "inputs-resume-history", test_inputs_resume_past_history, 60);
        harness_add(s, "inputs-broker-away", test_inputs_while_broker_away, 90);
        harness_add(s, "inputs-resume-ahead", test_inputs_resume_ahead, 60);
        harness_add(s, "inputs-resume-garbage", test_inputs_resume_garbage, 60);
        harness_add(s, "inputs-resume-forged", test_inputs_resume_forged, 90);
        harness_add(s, "inputs-removed-away", test_inputs_removed_while_away, 60);
        harness_add(s, "takeover", test_two_bridges_one_prefix, 60);
        harness_add(s, "takeover-mqtt5", test_two_bridges_one_prefix_mqtt5, 60);
        harness_add(s, "last-will", test_last_will_and_commands_while_away, 60);
        harness_add(s, "clean-stop", test_clean_stop_says_offline, 60);
        harness_add(s, "broker-restart", test_broker_restart, 90);
        harness_add(s, "broker-later", test_broker_later_than_bridge, 90);
        harness_add(s, "broker-away-a-minute", test_broker_away_a_minute, 180);
        harness_add(s, "msgqd-restart", test_msgqd_restart, 60);
        harness_add(s, "stop-while-answered", test_stop_while_msgqd_first_answers, 60);
        harness_add(s, "msgqd-killed", test_msgqd_killed, 60);
        harness_add(s, "msgqd-killed-led-on", test_msgqd_killed_led_stays_on, 60);
        harness_add(s, "new-msgqd-watched", test_new_msgqd_is_watched, 60);
        harness_add(s, "forged-watches", test_forged_watches, 60);
        harness_add(s, "state-time", test_state_time, 60);
        harness_add(s, "command-expires", test_command_expires_when_msgqd_stays_away, 60);
        harness_add(s, "mqtt5", test_mqtt5, 60);
        harness_add(s, "password", test_password, 60);
        harness_add(s, "tls", test_tls, 60);
        harness_add(s, "usage", test_usage_errors, 60);
        return harness_run(s);
}
