/* SPDX-License-Identifier: MIT */
/*
 * The lines' state file, versions 1 (msgq 0.1's and 0.2's LED) and 2
 * (every line): written whole and read back, every corrupt form refused
 * (missing, empty, every truncation, garbage, another version, a NUL, too
 * large, values no msgqd writes), the start policy falling back to off
 * with exactly one warning for each, and which line takes up which record.
 * Files live in a private temporary directory.
 */
#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledstate.h"
#include "line-config.h"
#include "msgq-build.h"
#include "log.h"
#include "protocol.h"
#include "unit.h"

static char dir[256];
static char path[320];

static void setup(void) {
        snprintf(dir, sizeof dir, "%s/check-ledstate-XXXXXX",
                 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/led.0x6d736771", dir);
        msgq_log_open("check-ledstate", LOG_INFO);
}

static void teardown(void) {
        char tmp[400];

        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        unlink(tmp);
        unlink(path);
        rmdir(dir);
}

static void write_bytes(const char *p, const void *buf, size_t n) {
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, buf, n), (ssize_t) n);
        close(fd);
}

/* printf into one of 4 rotating buffers: paths under the test's directory. */
static const char *fmt_path(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *fmt_path(const char *f, ...) {
        static char bufs[4][PATH_MAX];
        static int next;
        char *b = bufs[next++ % 4];
        va_list ap;

        va_start(ap, f);
        vsnprintf(b, PATH_MAX, f, ap);
        va_end(ap);
        return b;
}

static uint64_t this_boot(void) {
        uint64_t b = ledstate_boot_us();

        ck_assert_uint_gt(b, 0);
        return b;
}

/* The line "led" on GPIO17, in a counted blink as lines.c writes it: on, 7 toggles left, at change 42. */
static struct ledstate_file blink_state(void) {
        struct ledstate_file f = { .version = 2, .changes = 42, .boot_us = this_boot(), .n = 1 };

        f.line[0] = (struct ledstate_line) { .name = "led", .gpio = "GPIO17", .seq = 42, .on = true,
                                             .blinking = true, .period_ms = 500, .remaining = 7,
                                             .next_toggle_us = 123456 };
        return f;
}

/* A version-2 file, as msgqd wrote it before version 3, for f: its lines after "msgqd-led-state 2". */
static int format_v2(const struct ledstate_file *f, char *buf, size_t size) {
        int n = snprintf(buf, size, "msgqd-led-state 2\n"), r;

        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        r = ledstate_body_format(f, buf + n, size - (size_t) n);
        return r < 0 ? r : n + r;
}

/* A version-1 file, as msgq 0.2 wrote it, for f's first line. */
static int format_v1(const struct ledstate_file *f, char *buf, size_t size) {
        const struct ledstate_line *l = &f->line[0];
        int n = snprintf(buf, size,
                         "msgqd-led-state 1\non %d\nblinking %d\nperiod_ms %" PRIu32 "\nremaining %" PRIu32
                         "\nchanges %" PRIu64 "\nboot_us %" PRIu64 "\nnext_toggle_us %" PRIu64 "\n",
                         l->on, l->blinking, l->period_ms, l->remaining, f->changes, f->boot_us,
                         l->next_toggle_us);

        ck_assert(n > 0 && (size_t) n < size);
        return n;
}

static void out_init(struct msgq_output *o, const char *name, const char *gpio, bool active_low,
                     enum msgq_led_start start) {
        msgq_output_init(o, name);
        snprintf(o->gpio, sizeof o->gpio, "%s", gpio);
        o->active_low = active_low;
        o->start = (int) start;
}

/* Run ledstate_start_lines() on path with stderr captured into log. */
static void start_lines_logged(struct ledstate_file *f, const struct msgq_output *out, size_t n, bool *restored,
                               char *log, size_t size) {
        char cap[400];
        int saved = dup(STDERR_FILENO), fd;
        ssize_t k;

        snprintf(cap, sizeof cap, "%s/stderr", dir);
        fd = open(cap, O_RDWR | O_CREAT | O_TRUNC, 0600);
        ck_assert_int_ge(fd, 0);
        fflush(stderr);
        dup2(fd, STDERR_FILENO);
        ledstate_start_lines(f, out, n, path, restored);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        k = pread(fd, log, size - 1, 0);
        close(fd);
        unlink(cap);
        log[k > 0 ? k : 0] = '\0';
}

/* The start of the one line "led" on GPIO17 under policy: whether it is restored, what was logged. */
static bool start_logged(struct ledstate_file *f, enum msgq_led_start policy, char *log, size_t size) {
        struct msgq_output led;
        bool restored;

        out_init(&led, "led", "GPIO17", false, policy);
        start_lines_logged(f, &led, 1, &restored, log, size);
        ck_assert_uint_eq(f->n, 1);
        return restored;
}

static int count_lines(const char *s) {
        int n = 0;

        for (; *s; s++)
                n += *s == '\n';
        return n;
}

/*
 * A corrupt file: refused with want, the struct untouched, and a start
 * of two lines from it is off, with one warning that says why.
 */
static void assert_refused(const void *text, size_t n, int want, const char *what) {
        static struct ledstate_file f, before;
        struct msgq_output out[2];
        bool restored[2];
        char log[2048];
        int r;

        memset(&f, 0x5a, sizeof f);
        before = f;
        write_bytes(path, text, n);
        r = ledstate_file_load(path, &f);
        ck_assert_msg(r == want, "%s: %d, expected %d", what, r, want);
        ck_assert_msg(memcmp(&f, &before, sizeof f) == 0, "%s: a refused file changed the state", what);
        out_init(&out[0], "led", "GPIO17", false, MSGQ_LED_START_RESTORE);
        out_init(&out[1], "pump", "gpiochip0:27", true, MSGQ_LED_START_RESTORE);
        start_lines_logged(&f, out, 2, restored, log, sizeof log);
        ck_assert_msg(!restored[0] && !restored[1] && f.n == 2 && f.changes == 0 && !f.line[0].on &&
                      !f.line[0].blinking && f.line[0].seq == 0, "%s: did not start off", what);
        ck_assert_msg(count_lines(log) == 1 && strstr(log, "cannot restore the lines from") &&
                      strstr(log, ledstate_strerror(want)), "%s: logged '%s'", what, log);
}

/* One line, each value at its ends, version 2: written and read back as it was. */
START_TEST(test_round_trip) {
        struct ledstate_line lines[] = {
                { .name = "led", .gpio = "GPIO17" },
                { .name = "a", .gpio = "x:0", .active_low = true, .seq = UINT32_MAX, .on = true },
                blink_state().line[0],
                { .name = "Z_-9", .gpio = "/dev/gpiochip0:1", .blinking = true,
                  .period_ms = MSGQ_BLINK_PERIOD_MAX_MS, .next_toggle_us = UINT64_MAX },
        };
        static struct ledstate_file f, back;
        struct stat st;
        char tmp[400];

        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
                f = (struct ledstate_file) { .version = 2, .changes = i ? UINT64_MAX : 0,
                                             .boot_us = i ? UINT64_MAX : 0, .n = 1, .line = { lines[i] } };
                ck_assert_int_eq(ledstate_file_save(path, NULL, &f), 0);
                memset(&back, 0xa5, sizeof back);
                ck_assert_int_eq(ledstate_file_load(path, &back), 0);
                ck_assert_uint_eq(back.version, 3);
                ck_assert_uint_eq(back.slot_size, 4096);
                ck_assert_uint_eq(back.bad, 0);
                ck_assert_uint_eq(back.changes, f.changes);
                ck_assert_uint_eq(back.boot_us, f.boot_us);
                ck_assert_uint_eq(back.n, 1);
                ck_assert_str_eq(back.line[0].name, lines[i].name);
                ck_assert_str_eq(back.line[0].gpio, lines[i].gpio);
                ck_assert_int_eq(back.line[0].active_low, lines[i].active_low);
                ck_assert_uint_eq(back.line[0].seq, lines[i].seq);
                ck_assert_int_eq(back.line[0].on, lines[i].on);
                ck_assert_int_eq(back.line[0].blinking, lines[i].blinking);
                ck_assert_uint_eq(back.line[0].period_ms, lines[i].period_ms);
                ck_assert_uint_eq(back.line[0].remaining, lines[i].remaining);
                ck_assert_uint_eq(back.line[0].next_toggle_us, lines[i].next_toggle_us);
        }
        /* No temporary file is left behind. */
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        ck_assert_int_eq(stat(tmp, &st), -1);
        ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_missing) {
        struct ledstate_file f;
        char log[1024];

        ck_assert_int_eq(ledstate_file_load(path, &f), -ENOENT);
        ck_assert(!start_logged(&f, MSGQ_LED_START_RESTORE, log, sizeof log));
        ck_assert(!f.line[0].on && !f.line[0].blinking && f.changes == 0);
        ck_assert_msg(count_lines(log) == 0, "logged '%s'", log); /* the first start: no news */
}
END_TEST

START_TEST(test_empty) {
        assert_refused("", 0, -ENODATA, "empty");
}
END_TEST

/* Every prefix of a good version-1 file, cut anywhere: a crash can leave none, a disk could. */
START_TEST(test_truncated) {
        struct ledstate_file s = blink_state();
        char buf[LEDSTATE_SIZE_MAX], what[64];
        int n = format_v1(&s, buf, sizeof buf);

        for (int len = 1; len < n; len++) {
                snprintf(what, sizeof what, "cut to %d of %d bytes", len, n);
                assert_refused(buf, (size_t) len, -EBADMSG, what);
        }
}
END_TEST

START_TEST(test_garbage) {
        static const char *const texts[] = {
                "hello\n",
                "on\n",
                "\n\n\n",
                "msgqd-led-state\n",
                "msgqd-led-state 1",
                "msgqd-led-state 2",
                "msgqd-led-state one\non 1\n",
                "MSGQD-LED-STATE 1\non 1\n",
                "{\"on\": true}\n",
        };
        unsigned char noise[300];

        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
                assert_refused(texts[i], strlen(texts[i]), -EBADMSG, texts[i]);
        srand(14);
        for (int round = 0; round < 20; round++) {
                for (size_t i = 0; i < sizeof noise; i++)
                        noise[i] = (unsigned char) (rand() % 255 + 1); /* no NUL: that is another test */
                assert_refused(noise, (size_t) (round * 13 + 1), -EBADMSG, "random bytes");
        }
}
END_TEST

/* A good version-1 file with one line replaced: what no msgqd writes. */
static void assert_line_refused(const char *name, const char *line) {
        struct ledstate_file s = blink_state();
        char buf[LEDSTATE_SIZE_MAX], out[LEDSTATE_SIZE_MAX * 2] = "", *p, *save = NULL;

        format_v1(&s, buf, sizeof buf);
        for (p = strtok_r(buf, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
                size_t k = strlen(name);
                bool hit = strncmp(p, name, k) == 0 && p[k] == ' ';

                strcat(out, hit ? line : p);
                if (!hit || line[0])
                        strcat(out, "\n");
        }
        assert_refused(out, strlen(out), -EBADMSG, line[0] ? line : name);
}

START_TEST(test_bad_values) {
        assert_line_refused("on", "on 2");
        assert_line_refused("on", "on  1");
        assert_line_refused("on", "on 01");
        assert_line_refused("on", "on -1");
        assert_line_refused("on", "on 1 ");
        assert_line_refused("on", "on 1\r");
        assert_line_refused("on", "On 1");
        assert_line_refused("on", "");                          /* a line missing */
        assert_line_refused("on", "on 0");                      /* off with 7 toggles left */
        assert_line_refused("blinking", "blinking 0");          /* a blink's fields without one */
        assert_line_refused("period_ms", "period_ms 19");
        assert_line_refused("period_ms", "period_ms 3600001");
        assert_line_refused("period_ms", "period_ms 99999999999999999999999");
        assert_line_refused("remaining", "remaining 8");        /* even while on */
        assert_line_refused("remaining", "remaining 2000001");
        assert_line_refused("changes", "changes 18446744073709551616");
        assert_line_refused("changes", "changes ");
        assert_line_refused("boot_us", "boot_us 0x10");
        assert_line_refused("boot_us", "boot 1");
        assert_line_refused("boot_us", "boot_us 6f1c0a1e2b3d4c5e6f708192a3b4c5d6");
        assert_line_refused("next_toggle_us", "next_toggle_us 1\nextra 1");
        assert_line_refused("next_toggle_us", "next_toggle_us 1\n");
}
END_TEST

/* Neither version 1, 2 nor 3: what this msgqd cannot know, said as such (a version-1 body under each). */
START_TEST(test_foreign_version) {
        static const char *const versions[] = { "0", "4", "4294967295" };
        struct ledstate_file s = blink_state();
        char buf[LEDSTATE_SIZE_MAX], text[LEDSTATE_SIZE_MAX + 16];

        format_v1(&s, buf, sizeof buf);
        for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
                snprintf(text, sizeof text, "msgqd-led-state %s%s", versions[i], strchr(buf, '\n'));
                assert_refused(text, strlen(text), -EPROTONOSUPPORT, versions[i]);
        }
        /* Version 2 with version 1's body is no version-2 file. */
        snprintf(text, sizeof text, "msgqd-led-state 2%s", strchr(buf, '\n'));
        assert_refused(text, strlen(text), -EBADMSG, "2 over 1");
}
END_TEST

/* A NUL anywhere in a file of either version. */
START_TEST(test_nul) {
        struct ledstate_file s = blink_state();
        char buf[LEDSTATE_SIZE_MAX], what[32];

        for (int version = 1; version <= 2; version++) {
                int n = version == 1 ? format_v1(&s, buf, sizeof buf) : format_v2(&s, buf, sizeof buf);

                ck_assert_int_gt(n, 0);
                for (int at = 0; at < n; at += 7) {
                        char copy[LEDSTATE_SIZE_MAX];

                        memcpy(copy, buf, (size_t) n);
                        copy[at] = '\0';
                        snprintf(what, sizeof what, "version %d: NUL at %d", version, at);
                        assert_refused(copy, (size_t) n, -EBADMSG, what);
                }
                /* A good file followed by a NUL. */
                buf[n] = '\0';
                assert_refused(buf, (size_t) n + 1, -EBADMSG, "NUL at the end");
        }
}
END_TEST

START_TEST(test_huge) {
        struct ledstate_file s = blink_state();
        size_t big = 1 << 20;
        char *buf = calloc(1, big);
        int n;

        ck_assert_ptr_nonnull(buf);
        n = format_v2(&s, buf, LEDSTATE_SIZE_MAX);
        ck_assert_int_gt(n, 0);
        memset(buf + n, '\n', big - (size_t) n); /* a good start, then a megabyte more */
        assert_refused(buf, big, -EFBIG, "1 MiB");
        assert_refused(buf, LEDSTATE_SIZE_MAX + 1, -EFBIG, "one byte too many");
        free(buf);
}
END_TEST

START_TEST(test_not_a_file) {
        struct ledstate_file f;

        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_ne(ledstate_file_load(path, &f), 0);
        ck_assert_int_eq(rmdir(path), 0);
        ck_assert_int_eq(mkfifo(path, 0600), 0);        /* must not hang */
        ck_assert_int_eq(ledstate_file_load(path, &f), -EBADMSG);
        ck_assert_int_eq(unlink(path), 0);
}
END_TEST

START_TEST(test_policy) {
        struct ledstate_file s = blink_state(), on = s;
        char log[1024];

        on.line[0] = (struct ledstate_line) { .name = "led", .gpio = "GPIO17", .seq = 9, .on = true };
        on.changes = 9;
        ck_assert_int_eq(ledstate_file_save(path, NULL, &on), 0);
        ck_assert(start_logged(&s, MSGQ_LED_START_RESTORE, log, sizeof log));
        ck_assert(s.line[0].on && !s.line[0].blinking && s.changes == 9);
        ck_assert_str_eq(log, "");                              /* restored: nothing to warn of */
        /* off: one more change; on as it was: the same change. */
        ck_assert(!start_logged(&s, MSGQ_LED_START_OFF, log, sizeof log));
        ck_assert(!s.line[0].on && !s.line[0].blinking && s.changes == 10 && s.line[0].seq == 10);
        ck_assert(!start_logged(&s, MSGQ_LED_START_ON, log, sizeof log));
        ck_assert(s.line[0].on && !s.line[0].blinking && s.changes == 9 && s.line[0].seq == 9);
        /* A blink stops under both. */
        s = blink_state();
        s.line[0].next_toggle_us = ledstate_now_us() + 60000000;
        s.line[0].period_ms = MSGQ_BLINK_PERIOD_MAX_MS;
        ck_assert_int_eq(ledstate_file_save(path, NULL, &s), 0);
        ck_assert(!start_logged(&s, MSGQ_LED_START_ON, log, sizeof log));
        ck_assert(s.line[0].on && !s.line[0].blinking && s.changes == 43);
        ck_assert(start_logged(&s, MSGQ_LED_START_RESTORE, log, sizeof log));
        ck_assert(s.line[0].on && s.line[0].blinking && s.line[0].remaining == 7 && s.changes == 42);
}
END_TEST

/* The blink of blink_state() (on, 7 toggles left, next at 123456), written in the boot that began at file_boot. */
static struct ledstate_line advanced(uint64_t file_boot, uint64_t boot, uint64_t now, bool *ended) {
        struct ledstate_line l = blink_state().line[0];

        *ended = ledstate_line_advance(&l, file_boot, boot, now);
        return l;
}

START_TEST(test_advance) {
        uint64_t boot = this_boot();
        struct ledstate_line l;
        bool ended;

        /* Not due yet: as it is. */
        l = advanced(boot, boot, 123455, &ended);
        ck_assert(!ended && l.on && l.blinking && l.remaining == 7 && l.next_toggle_us == 123456);
        /* Three toggles due (at +0, +250 ms, +500 ms): off, 4 left, the next at +750 ms. */
        l = advanced(boot, boot, 123456 + 600000, &ended);
        ck_assert(!ended && !l.on && l.blinking && l.remaining == 4 && l.next_toggle_us == 123456 + 750000);
        /* All of them due: the blink ended, off, and that is a change. */
        l = advanced(boot, boot, 123456 + 6 * 250000, &ended);
        ck_assert(ended && !l.on && !l.blinking && l.remaining == 0 && l.period_ms == 0 && l.next_toggle_us == 0);
        /* Forever: it goes on, whatever the time. */
        l = blink_state().line[0];
        l.remaining = 0;
        ck_assert(!ledstate_line_advance(&l, boot, boot, 123456 + 1000001 * 250000ull)); /* 1000002 toggles: on */
        ck_assert(l.blinking && l.on && l.remaining == 0);
        ck_assert_uint_eq(l.next_toggle_us, 123456 + 1000002 * 250000ull);
        ck_assert(!ledstate_line_advance(&l, boot, boot, 123456 + 1000002 * 250000ull)); /* one more: off */
        ck_assert(l.blinking && !l.on);
        /* A boot_us a second off (a leap second): the same boot. */
        l = advanced(boot + 1000000, boot, 123456 + 100000, &ended);
        ck_assert(!ended && !l.on && l.remaining == 6);
        /* Another boot: the blink goes on from where it was, half a period from now. */
        l = advanced(boot - 3000000, boot, 5000000000, &ended);
        ck_assert(!ended && l.on && l.blinking && l.remaining == 7 && l.next_toggle_us == 5000000000 + 250000);
        /* The same boot_us, but a toggle due beyond now and half a period: another boot
         * (a clock without RTC that starts at the same time every boot). */
        l = blink_state().line[0];
        l.next_toggle_us = 60000000000;
        ck_assert(!ledstate_line_advance(&l, boot, boot, 10000000));
        ck_assert(l.on && l.remaining == 7 && l.next_toggle_us == 10000000 + 250000);
}
END_TEST

START_TEST(test_describe) {
        struct ledstate_line l = blink_state().line[0];
        char buf[96];

        ck_assert_str_eq(ledstate_line_describe(&l, buf, sizeof buf), "blinking, period 500 ms, 4 blinks left");
        l.remaining = 1;
        ck_assert_str_eq(ledstate_line_describe(&l, buf, sizeof buf), "blinking, period 500 ms, 1 blink left");
        l.remaining = 0;
        ck_assert_str_eq(ledstate_line_describe(&l, buf, sizeof buf), "blinking, period 500 ms, until cancelled");
        l = (struct ledstate_line) { .on = true };
        ck_assert_str_eq(ledstate_line_describe(&l, buf, sizeof buf), "on");
        l.on = false;
        ck_assert_str_eq(ledstate_line_describe(&l, buf, sizeof buf), "off");
}
END_TEST

START_TEST(test_path) {
        char buf[256];
        int err;

        setenv("STATE_DIRECTORY", "/var/lib/msgqd:/var/lib/other", 1);
        ck_assert_int_eq(ledstate_dir(buf, sizeof buf, "/nowhere", &err), LEDSTATE_DIR_ENV);
        ck_assert_str_eq(buf, "/var/lib/msgqd");
        ck_assert_int_eq(ledstate_dir(buf, 5, "/nowhere", &err), -ENAMETOOLONG);
        ck_assert_int_eq(ledstate_path(buf, sizeof buf, "/var/lib/msgqd", 0x6d736771), 0);
        ck_assert_str_eq(buf, "/var/lib/msgqd/led.0x6d736771");
        ck_assert_int_eq(ledstate_path(buf, sizeof buf, "/s", (key_t) 0xfffffffe), 0);
        ck_assert_str_eq(buf, "/s/led.0xfffffffe");
        ck_assert_int_eq(ledstate_path(buf, 10, "/s", 1), -ENAMETOOLONG);
        unsetenv("STATE_DIRECTORY");
}
END_TEST

static mode_t mode_of(const char *p) {
        struct stat st;

        ck_assert_msg(stat(p, &st) == 0, "%s: %s", p, strerror(errno));
        ck_assert(S_ISDIR(st.st_mode));
        return st.st_mode & 07777;
}

/* Without $STATE_DIRECTORY: the built-in directory, made with its parents, 0755 whatever the umask. */
START_TEST(test_builtin_dir_made_with_parents) {
        char builtin[400], buf[PATH_MAX];
        mode_t old = umask(077);
        int err;

        unsetenv("STATE_DIRECTORY");
        snprintf(builtin, sizeof builtin, "%s/var/lib/msgqd", dir);
        ck_assert_int_eq(ledstate_dir(buf, sizeof buf, builtin, &err), LEDSTATE_DIR_BUILTIN);
        umask(old);
        ck_assert_str_eq(buf, builtin);
        ck_assert_int_eq(err, 0);
        ck_assert_uint_eq(mode_of(fmt_path("%s/var", dir)), 0755);
        ck_assert_uint_eq(mode_of(fmt_path("%s/var/lib", dir)), 0755);
        ck_assert_uint_eq(mode_of(builtin), 0755);
        /* Made already: as it is. */
        ck_assert_int_eq(ledstate_dir(buf, sizeof buf, builtin, &err), LEDSTATE_DIR_BUILTIN);
        ck_assert_int_eq(err, 0);
        ck_assert_int_eq(rmdir(builtin), 0);
        ck_assert_int_eq(rmdir(fmt_path("%s/var/lib", dir)), 0);
        ck_assert_int_eq(rmdir(fmt_path("%s/var", dir)), 0);
}
END_TEST

/*
 * A built-in directory that cannot be (a file in its way): no other, and
 * why.  One out of this user's reach: the user's own, unless root.
 */
START_TEST(test_builtin_dir_out_of_reach) {
        char builtin[400], buf[PATH_MAX];
        int err;

        unsetenv("STATE_DIRECTORY");
        setenv("XDG_STATE_HOME", fmt_path("%s/xdg/state", dir), 1);
        write_bytes(fmt_path("%s/file", dir), "x", 1);
        snprintf(builtin, sizeof builtin, "%s/file/lib/msgqd", dir);
        ck_assert_int_eq(ledstate_dir(buf, sizeof buf, builtin, &err), LEDSTATE_DIR_BUILTIN);
        ck_assert_int_eq(err, -ENOTDIR);
        ck_assert_int_eq(unlink(fmt_path("%s/file", dir)), 0);

        ck_assert_int_eq(mkdir(fmt_path("%s/ro", dir), 0555), 0);
        snprintf(builtin, sizeof builtin, "%s/ro/lib/msgqd", dir);
        if (geteuid() == 0) { /* root may write anywhere: the built-in one, made */
                ck_assert_int_eq(ledstate_dir(buf, sizeof buf, builtin, &err), LEDSTATE_DIR_BUILTIN);
                ck_assert_int_eq(err, 0);
                ck_assert_int_eq(rmdir(builtin), 0);
                ck_assert_int_eq(rmdir(fmt_path("%s/ro/lib", dir)), 0);
        } else {
                ck_assert_int_eq(ledstate_dir(buf, sizeof buf, builtin, &err), LEDSTATE_DIR_USER);
                ck_assert_int_eq(err, -EACCES);
                ck_assert_str_eq(buf, fmt_path("%s/xdg/state/msgqd", dir));
                ck_assert_uint_eq(mode_of(buf), 0700);
                ck_assert_int_eq(rmdir(buf), 0);
                ck_assert_int_eq(rmdir(fmt_path("%s/xdg/state", dir)), 0);
                ck_assert_int_eq(rmdir(fmt_path("%s/xdg", dir)), 0);
        }
        ck_assert_int_eq(rmdir(fmt_path("%s/ro", dir)), 0);
        unsetenv("XDG_STATE_HOME");
}
END_TEST

/* The user's own: $XDG_STATE_HOME/msgqd, else ~/.local/state/msgqd; relative ones are not taken. */
START_TEST(test_user_dir) {
        char buf[PATH_MAX];

        setenv("XDG_STATE_HOME", "/x/state", 1);
        setenv("HOME", "/home/alice", 1);
        ck_assert_int_eq(ledstate_user_dir(buf, sizeof buf), 0);
        ck_assert_str_eq(buf, "/x/state/msgqd");
        setenv("XDG_STATE_HOME", "state", 1);
        ck_assert_int_eq(ledstate_user_dir(buf, sizeof buf), 0);
        ck_assert_str_eq(buf, "/home/alice/.local/state/msgqd");
        unsetenv("XDG_STATE_HOME");
        ck_assert_int_eq(ledstate_user_dir(buf, sizeof buf), 0);
        ck_assert_str_eq(buf, "/home/alice/.local/state/msgqd");
        ck_assert_int_eq(ledstate_user_dir(buf, 8), -ENAMETOOLONG);
        setenv("HOME", "", 1);
        ck_assert_int_eq(ledstate_user_dir(buf, sizeof buf), -ENOENT);
}
END_TEST

START_TEST(test_save_makes_the_directory) {
        struct ledstate_file s = blink_state(), t;
        char sub[400], p[440];

        snprintf(sub, sizeof sub, "%s/made", dir);
        snprintf(p, sizeof p, "%s/led.0x00000001", sub);
        ck_assert_int_eq(ledstate_file_save(p, NULL, &s), 0);
        ck_assert_int_eq(ledstate_file_load(p, &t), 0);
        ck_assert(t.line[0].on);
        ck_assert_int_eq(unlink(p), 0);
        ck_assert_int_eq(rmdir(sub), 0);
}
END_TEST

/* A directory that cannot be: the error, no file, nothing left behind. */
START_TEST(test_save_fails) {
        struct ledstate_file s = blink_state();
        char file[400], p[440];

        snprintf(file, sizeof file, "%s/file", dir);
        write_bytes(file, "x", 1);
        snprintf(p, sizeof p, "%s/sub/led.0x00000001", file);
        ck_assert_int_eq(ledstate_file_save(p, NULL, &s), -ENOTDIR);
        ck_assert_int_eq(unlink(file), 0);
        /* The file's own place taken by a directory: rename fails, the temporary goes. */
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_ne(ledstate_file_save(path, NULL, &s), 0);
        snprintf(file, sizeof file, "%s.tmp", path);
        ck_assert_int_eq(access(file, F_OK), -1);
        ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

/* Written and renamed, not yet flushed: read back at once; the flush comes after. */
START_TEST(test_write_then_flush) {
        struct ledstate_file s = blink_state(), t;
        char tmp[340];

        s.changes = 5;
        ck_assert_int_eq(ledstate_flush(path, true), -ENOENT);
        ck_assert_int_eq(ledstate_file_write(path, NULL, &s), 0);
        ck_assert_int_eq(ledstate_file_load(path, &t), 0);
        ck_assert(t.line[0].on);
        ck_assert_uint_eq(t.changes, 5);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        ck_assert_int_eq(access(tmp, F_OK), -1);
        /* Over the file now there (exchanged, where the filesystem can): the earlier one goes. */
        s.line[0] = (struct ledstate_line) { .name = "led", .gpio = "GPIO17" };
        s.changes = 6;
        ck_assert_int_eq(ledstate_file_write(path, NULL, &s), 0);
        ck_assert_int_eq(ledstate_file_load(path, &t), 0);
        ck_assert(!t.line[0].on);
        ck_assert_uint_eq(t.changes, 6);
        ck_assert_int_eq(access(tmp, F_OK), -1);
        ck_assert_int_eq(ledstate_flush(path, true), 0);
}
END_TEST

/* After a failed write: a stale file goes, a current one stays, and what cannot go is said. */
START_TEST(test_forget) {
        struct ledstate_file s = blink_state(), t;
        char v1[LEDSTATE_SIZE_MAX];

        s.changes = 7;
        ck_assert_int_eq(ledstate_file_save(path, NULL, &s), 0);
        ck_assert_int_eq(ledstate_forget(path, 7), 1);          /* it holds change 7: current */
        ck_assert_int_eq(ledstate_file_load(path, &t), 0);
        ck_assert_int_eq(ledstate_forget(path, 8), 0);          /* change 8 was not written */
        ck_assert_int_eq(access(path, F_OK), -1);
        ck_assert_int_eq(ledstate_forget(path, 8), 0);          /* none left: nothing to forget */
        write_bytes(path, v1, (size_t) format_v1(&s, v1, sizeof v1)); /* msgq 0.2's, of change 7 */
        ck_assert_int_eq(ledstate_forget(path, 7), 1);
        ck_assert_int_eq(ledstate_forget(path, 8), 0);
        ck_assert_int_eq(access(path, F_OK), -1);
        write_bytes(path, "garbage", 7);
        ck_assert_int_eq(ledstate_forget(path, 0), 0);          /* unusable: removed too */
        ck_assert_int_eq(access(path, F_OK), -1);
        /* What can be neither removed nor emptied (here a directory) is said. */
        ck_assert_int_eq(mkdir(path, 0755), 0);
        ck_assert_int_lt(ledstate_forget(path, 8), 0);
        ck_assert_int_eq(rmdir(path), 0);
}
END_TEST

/* ---- Version 2: every line of the table ---- */

static struct ledstate_line line_of(const char *name, const char *gpio, bool active_low, uint32_t seq,
                                    bool on) {
        struct ledstate_line l = { .active_low = active_low, .seq = seq, .on = on };

        snprintf(l.name, sizeof l.name, "%s", name);
        snprintf(l.gpio, sizeof l.gpio, "%s", gpio);
        return l;
}

/* A counted blink, as line_blink() leaves it: on, 7 toggles left. */
static struct ledstate_line blinking_line(const char *name, const char *gpio, uint64_t next_toggle_us) {
        struct ledstate_line l = line_of(name, gpio, false, 5, true);

        l.blinking = true;
        l.period_ms = 500;
        l.remaining = 7;
        l.next_toggle_us = next_toggle_us;
        return l;
}

/* led blinking, pump off (active low), fan on: three lines, each value unique in the text. */
static struct ledstate_file three_lines(void) {
        struct ledstate_file f = { .version = 2, .changes = 42, .boot_us = this_boot(), .n = 3 };

        f.line[0] = blinking_line("led", "GPIO17", 81234567);
        f.line[1] = line_of("pump", "gpiochip0:27", true, 2, false);
        f.line[2] = line_of("fan", "GPIO22", false, 11, true);
        return f;
}

static void assert_same_line(const struct ledstate_line *a, const struct ledstate_line *b, size_t i) {
        ck_assert_msg(strcmp(a->name, b->name) == 0 && strcmp(a->gpio, b->gpio) == 0 &&
                      a->active_low == b->active_low && a->seq == b->seq && a->on == b->on &&
                      a->blinking == b->blinking && a->period_ms == b->period_ms &&
                      a->remaining == b->remaining && a->next_toggle_us == b->next_toggle_us &&
                      a->input == b->input && a->count == b->count && a->lost == b->lost,
                      "line %zu: '%s' %s read back as '%s' %s", i, a->name, a->gpio, b->name, b->gpio);
}

static void assert_same_file(const struct ledstate_file *a, const struct ledstate_file *b) {
        ck_assert(b->version == 2 || b->version == 3);
        ck_assert_uint_eq(a->changes, b->changes);
        ck_assert_uint_eq(a->boot_us, b->boot_us);
        ck_assert_uint_eq(a->n, b->n);
        for (size_t i = 0; i < a->n; i++)
                assert_same_line(&a->line[i], &b->line[i], i);
}

/* 64 lines, every one of the longest name and gpio setting and the largest values: the bound. */
START_TEST(test_v2_round_trip_64_lines) {
        static struct ledstate_file f, back;
        static char text[LEDSTATE_SIZE_MAX + 1];
        char tmp[400];

        f = (struct ledstate_file) { .version = 2, .changes = UINT64_MAX, .boot_us = UINT64_MAX,
                                     .n = LEDSTATE_LINES_MAX };
        for (size_t i = 0; i < f.n; i++) {
                struct ledstate_line *l = &f.line[i];

                snprintf(l->name, sizeof l->name, "L%030zu", i);
                snprintf(l->gpio, sizeof l->gpio, "chip-%052zu:%05zu", i, i);
                ck_assert_uint_eq(strlen(l->name), MSGQ_LINE_NAME_MAX);
                ck_assert_uint_eq(strlen(l->gpio), MSGQ_GPIO_MAX - 1);
                l->active_low = i % 2;
                l->seq = UINT32_MAX - (uint32_t) i;
                l->on = true;
                l->blinking = i % 3 != 0;
                l->period_ms = l->blinking ? MSGQ_BLINK_PERIOD_MAX_MS : 0;
                l->remaining = l->blinking ? 2 * MSGQ_BLINK_COUNT_MAX - 1 : 0;
                l->next_toggle_us = l->blinking ? UINT64_MAX : 0;
        }
        /* All blinking, the longest values of all: what the bound in ledstate.h counts. */
        for (size_t i = 0; i < f.n; i += 3) {
                f.line[i].blinking = true;
                f.line[i].period_ms = MSGQ_BLINK_PERIOD_MAX_MS;
                f.line[i].remaining = 2 * MSGQ_BLINK_COUNT_MAX - 1;
                f.line[i].next_toggle_us = UINT64_MAX;
        }
        ck_assert_int_eq(format_v2(&f, text, sizeof text), 14293);
        ck_assert_int_eq(ledstate_file_save(path, NULL, &f), 0);
        memset(&back, 0xa5, sizeof back);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        assert_same_file(&f, &back);
        f.changes = 0;
        f.line[63].on = false;
        f.line[63].remaining = 2 * MSGQ_BLINK_COUNT_MAX;
        ck_assert_int_eq(ledstate_file_write(path, NULL, &f), 0);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        assert_same_file(&f, &back);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        ck_assert_int_eq(access(tmp, F_OK), -1);
        /* The three lines, and one. */
        f = three_lines();
        ck_assert_int_eq(ledstate_file_save(path, NULL, &f), 0);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        assert_same_file(&f, &back);
        f.n = 1;
        ck_assert_int_eq(ledstate_file_save(path, NULL, &f), 0);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        assert_same_file(&f, &back);
}
END_TEST

/* The text ledstate.h shows, byte for byte. */
START_TEST(test_v2_format_is_documented) {
        struct ledstate_file f = three_lines();
        char buf[LEDSTATE_SIZE_MAX];

        f.boot_us = 1795950000123456;
        f.n = 2;
        f.line[0].seq = 40;
        f.line[1].active_low = true;
        ck_assert_int_gt(format_v2(&f, buf, sizeof buf), 0);
        ck_assert_str_eq(buf, "msgqd-led-state 2\nchanges 42\nboot_us 1795950000123456\nlines 2\n"
                              "line led\ngpio GPIO17\nactive_low 0\nseq 40\non 1\nblinking 1\nperiod_ms 500\n"
                              "remaining 7\nnext_toggle_us 81234567\n"
                              "line pump\ngpio gpiochip0:27\nactive_low 1\nseq 2\non 0\nblinking 0\n"
                              "period_ms 0\nremaining 0\nnext_toggle_us 0\n");
        ck_assert_int_eq(format_v2(&f, buf, 100), -ENOBUFS);
}
END_TEST

/*
 * An input's record goes on with its counter (count, lost): read back as
 * written, 64 inputs of the longest values within the bound; what no input
 * has (a blink, more lost than counted, a counter of an output, half a
 * counter) is refused.
 */
START_TEST(test_v2_input_records) {
        static struct ledstate_file f, back;
        static char text[LEDSTATE_SIZE_MAX + 1];
        struct ledstate_file g = three_lines();
        char buf[LEDSTATE_SIZE_MAX], out[LEDSTATE_SIZE_MAX];
        int n;

        g.n = 2;
        g.line[1] = (struct ledstate_line) { .name = "door", .gpio = "GPIO22", .active_low = true, .seq = 17,
                                             .on = true, .input = true, .count = 17, .lost = 2 };
        n = format_v2(&g, buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        ck_assert_ptr_nonnull(strstr(buf, "line door\ngpio GPIO22\nactive_low 1\nseq 17\non 1\nblinking 0\n"
                                          "period_ms 0\nremaining 0\nnext_toggle_us 0\ncount 17\nlost 2\n"));
        ck_assert_ptr_null(strstr(buf, "count 0")); /* led's record has none */
        ck_assert_int_eq(ledstate_file_parse(buf, (size_t) n, &back), 0);
        assert_same_file(&g, &back);
        f = (struct ledstate_file) { .version = 2, .changes = UINT64_MAX, .boot_us = UINT64_MAX,
                                     .n = LEDSTATE_LINES_MAX };
        for (size_t i = 0; i < f.n; i++) {
                struct ledstate_line *l = &f.line[i];

                snprintf(l->name, sizeof l->name, "L%030zu", i);
                snprintf(l->gpio, sizeof l->gpio, "chip-%052zu:%05zu", i, i);
                *l = (struct ledstate_line) { .active_low = true, .seq = UINT32_MAX, .on = true, .input = true,
                                              .count = UINT64_MAX, .lost = UINT64_MAX };
                snprintf(l->name, sizeof l->name, "L%030zu", i);
                snprintf(l->gpio, sizeof l->gpio, "chip-%052zu:%05zu", i, i);
        }
        ck_assert_int_eq(format_v2(&f, text, sizeof text), 15701);
        ck_assert_int_eq(ledstate_file_parse(text, 15701, &back), 0);
        assert_same_file(&f, &back);
        /* Refused: what no input writes. */
        g.line[1].lost = 18;
        ck_assert_int_eq(format_v2(&g, buf, sizeof buf), -EINVAL);
        g.line[1].lost = 2;
        g.line[1].blinking = true;
        g.line[1].period_ms = 500;
        g.line[1].remaining = 1;
        g.line[1].next_toggle_us = 5;
        ck_assert_int_eq(format_v2(&g, buf, sizeof buf), -EINVAL);
        g.line[1] = back.line[1] = (struct ledstate_line) {};
        n = format_v2(&(struct ledstate_file) { .version = 2, .n = 2, .line = { three_lines().line[0],
                                 { .name = "door", .gpio = "GPIO22", .input = true, .count = 3, .lost = 1 } } },
                                 buf, sizeof buf);
        ck_assert_int_gt(n, 0);
        snprintf(out, sizeof out, "%.*s", n - (int) strlen("lost 1\n"), buf);
        assert_refused(out, strlen(out), -EBADMSG, "count without lost");
        snprintf(out, sizeof out, "%.*slost 4\n", n - (int) strlen("lost 1\n"), buf);
        assert_refused(out, strlen(out), -EBADMSG, "more lost than counted");
        snprintf(out, sizeof out, "%.*s", n - (int) strlen("count 3\nlost 1\n"), buf);
        ck_assert_int_eq(ledstate_file_parse(out, strlen(out), &back), 0); /* an output's record */
        ck_assert(!back.line[1].input);
}
END_TEST

/* What no file may hold is not written either: it could not be read back. */
START_TEST(test_v2_format_refuses) {
        struct ledstate_file f = three_lines();
        char buf[LEDSTATE_SIZE_MAX];

        f.n = 0;
        ck_assert_int_eq(format_v2(&f, buf, sizeof buf), -EINVAL);
        f.n = LEDSTATE_LINES_MAX + 1;
        ck_assert_int_eq(format_v2(&f, buf, sizeof buf), -EINVAL);
        f = three_lines();
        f.line[2].gpio[0] = '\0'; /* as a version-1 record has it */
        ck_assert_int_eq(format_v2(&f, buf, sizeof buf), -EINVAL);
        f = three_lines();
        snprintf(f.line[1].name, sizeof f.line[1].name, "two words");
        ck_assert_int_eq(format_v2(&f, buf, sizeof buf), -EINVAL);
        f = three_lines();
        f.line[0].remaining = 6; /* on, with an even number left */
        ck_assert_int_eq(ledstate_file_save(path, NULL, &f), -EINVAL);
        ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

static int format_three(char *buf, size_t size) {
        struct ledstate_file f = three_lines();
        int n = format_v2(&f, buf, size);

        ck_assert_int_gt(n, 0);
        return n;
}

/* Every prefix of a good file: refused (a whole record cut off too: "lines" counts them). */
START_TEST(test_v2_truncated) {
        static struct ledstate_file f;
        char buf[LEDSTATE_SIZE_MAX], what[64];
        int n = format_three(buf, sizeof buf);

        for (int len = 1; len < n; len++) {
                memset(&f, 0xa5, sizeof f);
                ck_assert_msg(ledstate_file_parse(buf, (size_t) len, &f) == -EBADMSG, "cut to %d of %d: %d", len,
                              n, ledstate_file_parse(buf, (size_t) len, &f));
                ck_assert_uint_eq(f.changes, 0xa5a5a5a5a5a5a5a5ull);
        }
        /* Cut at a record's end, through the start too. */
        snprintf(what, sizeof what, "the third record cut off");
        assert_refused(buf, (size_t) (strstr(buf, "line fan\n") - buf), -EBADMSG, what);
        ck_assert_int_eq(ledstate_file_parse("", 0, &f), -ENODATA);
}
END_TEST

/* The good file with KEY's line in record NAME replaced by line (or cut out, ""). */
static void assert_v2_line_refused(const char *name, const char *key, const char *line) {
        char buf[LEDSTATE_SIZE_MAX], out[LEDSTATE_SIZE_MAX + 200], rec[64], at[64];
        char *r, *k, *end;

        format_three(buf, sizeof buf);
        snprintf(rec, sizeof rec, "line %s\n", name);
        snprintf(at, sizeof at, "%s ", key);
        r = name[0] ? strstr(buf, rec) : buf;
        ck_assert_ptr_nonnull(r);
        k = strncmp(r, at, strlen(at)) == 0 ? r : strstr(r, fmt_path("\n%s", at)) + 1;
        ck_assert_ptr_nonnull(k);
        end = strchr(k, '\n') + 1;
        snprintf(out, sizeof out, "%.*s%s%s%s", (int) (k - buf), buf, line, line[0] ? "\n" : "", end);
        assert_refused(out, strlen(out), -EBADMSG, fmt_path("%s: %s", name, line[0] ? line : key));
}

START_TEST(test_v2_bad_values) {
        const char *none = "msgqd-led-state 2\nchanges 0\nboot_us 1\nlines 0\n";

        assert_v2_line_refused("", "changes", "changes -1");
        assert_v2_line_refused("", "boot_us", "boot_us 1e6");
        assert_v2_line_refused("", "lines", "lines 0");
        assert_v2_line_refused("", "lines", "lines 2");                 /* a record more than it says */
        assert_v2_line_refused("", "lines", "lines 4");                 /* one fewer */
        assert_v2_line_refused("", "lines", "lines 65");
        assert_v2_line_refused("", "lines", "lines 03");
        assert_v2_line_refused("", "lines", "");
        assert_v2_line_refused("pump", "line", "line pump!");
        assert_v2_line_refused("pump", "line", "line ");
        assert_v2_line_refused("pump", "line", "line 9pump");
        assert_v2_line_refused("pump", "line", "line pump pump");
        assert_v2_line_refused("pump", "line", "line abcdefghijklmnopqrstuvwxyz123456"); /* 32 */
        assert_v2_line_refused("pump", "line", "line LED");             /* the name twice, in another case */
        assert_v2_line_refused("pump", "line", "");
        assert_v2_line_refused("pump", "gpio", "gpio ");
        assert_v2_line_refused("pump", "gpio", "gpio GPIO 27");
        assert_v2_line_refused("pump", "gpio", "gpio gpiochip0:x");
        assert_v2_line_refused("pump", "gpio", "gpio :27");
        assert_v2_line_refused("pump", "gpio", fmt_path("gpio %064d", 1)); /* 64 characters */
        assert_v2_line_refused("pump", "gpio", "gpio GPIO17");          /* led's line twice */
        assert_v2_line_refused("fan", "gpio", "gpio 0:27");             /* pump's, written otherwise */
        assert_v2_line_refused("pump", "gpio", "");
        assert_v2_line_refused("pump", "active_low", "active_low 2");
        assert_v2_line_refused("pump", "active_low", "active_low yes");
        assert_v2_line_refused("pump", "seq", "seq 4294967296");
        assert_v2_line_refused("pump", "seq", "seq -2");
        assert_v2_line_refused("pump", "on", "on 2");
        assert_v2_line_refused("pump", "on", "on 0 ");
        assert_v2_line_refused("pump", "on", "on 0\r");
        assert_v2_line_refused("pump", "blinking", "blinking 1");       /* a blink without a period */
        assert_v2_line_refused("led", "blinking", "blinking 0");        /* a blink's fields without one */
        assert_v2_line_refused("led", "period_ms", "period_ms 19");
        assert_v2_line_refused("led", "period_ms", "period_ms 3600001");
        assert_v2_line_refused("led", "remaining", "remaining 8");      /* even while on */
        assert_v2_line_refused("led", "remaining", "remaining 2000001");
        assert_v2_line_refused("led", "next_toggle_us", "next_toggle_us 18446744073709551616");
        assert_v2_line_refused("fan", "next_toggle_us", "next_toggle_us 0\nextra 1");
        assert_v2_line_refused("fan", "next_toggle_us", "next_toggle_us 0\n");
        assert_v2_line_refused("pump", "seq", "on 0\nseq 2");           /* out of order */
        assert_v2_line_refused("", "changes", "changes 42\nchanges 42");
        /* No line at all, as "lines" says. */
        assert_refused(none, strlen(none), -EBADMSG, "no line");
}
END_TEST

/* Version 1, msgq 0.1's and 0.2's: the line "led", gpio and active_low not recorded, seq its changes. */
START_TEST(test_v1_read_as_led) {
        struct ledstate_file s = blink_state(), f;
        char buf[LEDSTATE_SIZE_MAX];
        int n = format_v1(&s, buf, sizeof buf);

        ck_assert_int_eq(ledstate_file_parse(buf, (size_t) n, &f), 0);
        ck_assert_uint_eq(f.version, 1);
        ck_assert_uint_eq(f.n, 1);
        ck_assert_str_eq(f.line[0].name, "led");
        ck_assert_str_eq(f.line[0].gpio, "");
        ck_assert(!f.line[0].active_low);
        ck_assert_uint_eq(f.line[0].seq, 42);
        ck_assert(f.line[0].on && f.line[0].blinking && f.line[0].period_ms == 500 && f.line[0].remaining == 7);
        ck_assert_uint_eq(f.line[0].next_toggle_us, 123456);
        ck_assert_uint_eq(f.changes, 42);
        ck_assert_uint_eq(f.boot_us, s.boot_us);
        /* A version-1 file is still as strict: every prefix refused. */
        for (int len = 1; len < n; len++)
                ck_assert_int_eq(ledstate_file_parse(buf, (size_t) len, &f), -EBADMSG);
        /* Versions neither: refused as unknown. */
        assert_refused("msgqd-led-state 4\nchanges 1\n", 28, -EPROTONOSUPPORT, "version 4");
        assert_refused("msgqd-led-state 0\n", 18, -EPROTONOSUPPORT, "version 0");
        assert_refused("msgqd-led-state 02\n", 19, -EBADMSG, "version 02");
}
END_TEST

/*
 * Which record a line takes up: its name's (in any case, at any index),
 * when its gpio names the same line and its active_low is the same.
 */
START_TEST(test_find) {
        struct ledstate_file f = three_lines(), v1, s = blink_state();
        char buf[LEDSTATE_SIZE_MAX];
        struct msgq_output o;

        out_init(&o, "led", "GPIO17", false, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(ledstate_find(&f, &o), 0);
        out_init(&o, "Pump", "0:27", true, MSGQ_LED_START_RESTORE);  /* the same line, written otherwise */
        ck_assert_int_eq(ledstate_find(&f, &o), 1);
        out_init(&o, "pump", "/dev/gpiochip0:27", true, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(ledstate_find(&f, &o), 1);
        out_init(&o, "pump", "gpiochip1:27", true, MSGQ_LED_START_RESTORE); /* moved */
        ck_assert_int_eq(ledstate_find(&f, &o), -EXDEV);
        out_init(&o, "pump", "GPIO27", true, MSGQ_LED_START_RESTORE);  /* a name msgqd alone could match */
        ck_assert_int_eq(ledstate_find(&f, &o), -EXDEV);
        out_init(&o, "pump", "gpiochip0:27", false, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(ledstate_find(&f, &o), -EINVAL);
        out_init(&o, "pump2", "gpiochip0:27", true, MSGQ_LED_START_RESTORE); /* renamed */
        ck_assert_int_eq(ledstate_find(&f, &o), -ENOENT);
        /* A version-1 record: "led", whatever its gpio and active_low now. */
        ck_assert_int_eq(ledstate_file_parse(buf, (size_t) format_v1(&s, buf, sizeof buf), &v1), 0);
        out_init(&o, "led", "gpiochip3:4", true, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(ledstate_find(&v1, &o), 0);
        out_init(&o, "pump", "GPIO17", false, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(ledstate_find(&v1, &o), -ENOENT);
}
END_TEST

static int count_of(const char *hay, const char *needle) {
        int n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

/*
 * The matching rule at start: a line removed, renamed, moved or made
 * active-low since is not driven from the old state, and the log says which
 * and why, once each; the others are restored, in the new order.
 */
START_TEST(test_start_lines_match) {
        static struct ledstate_file f, w;
        struct msgq_output out[6];
        bool restored[6];
        char log[4096];

        w = (struct ledstate_file) { .version = 2, .changes = 90, .boot_us = this_boot(), .n = 6 };
        w.line[0] = line_of("led", "GPIO17", false, 30, true);
        w.line[1] = line_of("pump", "gpiochip0:27", true, 4, true);
        w.line[2] = line_of("buzzer", "GPIO22", false, 5, true);
        w.line[3] = line_of("relay", "5:1", false, 6, true);
        w.line[4] = line_of("fan", "GPIO5", false, 7, true);
        w.line[5] = line_of("horn", "GPIO6", false, 8, true);
        ck_assert_int_eq(ledstate_file_save(path, NULL, &w), 0);
        out_init(&out[0], "led", "GPIO17", false, MSGQ_LED_START_RESTORE);
        out_init(&out[1], "buzzer", "GPIO23", false, MSGQ_LED_START_RESTORE);  /* moved */
        out_init(&out[2], "PUMP", "0:27", true, MSGQ_LED_START_RESTORE);       /* the same */
        out_init(&out[3], "relay", "5:1", true, MSGQ_LED_START_RESTORE);       /* now active low */
        out_init(&out[4], "cooler", "GPIO5", false, MSGQ_LED_START_RESTORE);   /* fan, renamed */
        out_init(&out[5], "lamp", "GPIO9", false, MSGQ_LED_START_ON);          /* added */
        start_lines_logged(&f, out, 6, restored, log, sizeof log);          /* horn: removed */

        ck_assert_uint_eq(f.n, 6);
        ck_assert(restored[0] && f.line[0].on && f.line[0].seq == 30);
        ck_assert(!restored[1] && !f.line[1].on && f.line[1].seq == 0);
        ck_assert(restored[2] && f.line[2].on && f.line[2].seq == 4);
        ck_assert(!restored[3] && !f.line[3].on && f.line[3].seq == 0);
        ck_assert(!restored[4] && !f.line[4].on && f.line[4].seq == 0);
        ck_assert(!restored[5] && f.line[5].on && f.line[5].seq == 1);  /* its policy: one change */
        ck_assert_uint_eq(f.changes, 91);
        /* Each line as configured now, for the next write. */
        ck_assert_str_eq(f.line[2].name, "PUMP");
        ck_assert_str_eq(f.line[2].gpio, "0:27");
        ck_assert(f.line[3].active_low);
        ck_assert_msg(count_lines(log) == 4, "logged:\n%s", log);
        ck_assert_msg(count_of(log, "line 'buzzer' is not restored from ") == 1 &&
                      strstr(log, ": moved from gpio GPIO22 to GPIO23\n"), "%s", log);
        ck_assert_msg(count_of(log, "line 'relay' is not restored from ") == 1 &&
                      strstr(log, ": active_low was no, is yes now\n"), "%s", log);
        ck_assert_msg(count_of(log, "the state of line 'fan' in ") == 1 &&
                      strstr(log, " is not restored: renamed: no line 'fan' is configured, and its gpio GPIO5 "
                                  "is line 'cooler' now\n"), "%s", log);
        ck_assert_msg(count_of(log, "the state of line 'horn' in ") == 1 &&
                      strstr(log, " is not restored: removed: no line 'horn' is configured\n"), "%s", log);
        ck_assert_msg(!strstr(log, "'led'") && !strstr(log, "'lamp'") && !strstr(log, "'pump'"), "%s", log);
}
END_TEST

/*
 * Each line's policy, and each change counted once in the table's number
 * and in the line's seq: a blink that ended while msgqd was away, a policy
 * that turns a line off; none for a line that already is as the policy says.
 */
START_TEST(test_start_lines_policy) {
        static struct ledstate_file f, w;
        struct msgq_output out[4];
        bool restored[4];
        char log[1024];

        w = (struct ledstate_file) { .version = 2, .changes = 50, .boot_us = this_boot(), .n = 4 };
        w.line[0] = blinking_line("led", "GPIO17", ledstate_now_us() - 60000000); /* ended a minute ago */
        w.line[1] = line_of("pump", "GPIO27", false, 9, true);
        w.line[2] = line_of("fan", "GPIO22", false, 3, true);
        w.line[3] = blinking_line("buzzer", "GPIO23", ledstate_now_us() + 60000000); /* due in a minute */
        w.line[3].period_ms = MSGQ_BLINK_PERIOD_MAX_MS;
        ck_assert_int_eq(ledstate_file_save(path, NULL, &w), 0);
        out_init(&out[0], "led", "GPIO17", false, MSGQ_LED_START_RESTORE);
        out_init(&out[1], "pump", "GPIO27", false, MSGQ_LED_START_OFF);
        out_init(&out[2], "fan", "GPIO22", false, MSGQ_LED_START_ON);
        out_init(&out[3], "buzzer", "GPIO23", false, MSGQ_LED_START_RESTORE);
        start_lines_logged(&f, out, 4, restored, log, sizeof log);
        ck_assert_str_eq(log, "");
        ck_assert(restored[0] && !f.line[0].on && !f.line[0].blinking && f.line[0].seq == 6);
        ck_assert(!restored[1] && !f.line[1].on && f.line[1].seq == 10);
        ck_assert(!restored[2] && f.line[2].on && f.line[2].seq == 3);
        ck_assert(restored[3] && f.line[3].on && f.line[3].blinking && f.line[3].remaining == 7 &&
                  f.line[3].seq == 5);
        ck_assert_uint_eq(f.changes, 52);
        ck_assert(f.boot_us > 0);
        /* What it starts with can be written as it is. */
        ck_assert_int_eq(ledstate_file_save(path, NULL, &f), 0);
}
END_TEST

/* A version-1 file from msgq 0.1 or 0.2: the LED's state goes to "led", the new lines start as new. */
START_TEST(test_start_lines_from_v1) {
        static struct ledstate_file f;
        struct ledstate_file s = { .changes = 17, .boot_us = this_boot(), .n = 1,
                                   .line = { { .on = true } } };
        struct msgq_output out[2];
        bool restored[2];
        char log[1024], v1[LEDSTATE_SIZE_MAX];

        write_bytes(path, v1, (size_t) format_v1(&s, v1, sizeof v1));
        out_init(&out[0], "led", "gpiochip0:17", true, MSGQ_LED_START_RESTORE);
        out_init(&out[1], "pump", "GPIO27", false, MSGQ_LED_START_RESTORE);
        start_lines_logged(&f, out, 2, restored, log, sizeof log);
        ck_assert_str_eq(log, "");
        ck_assert(restored[0] && f.line[0].on && f.line[0].seq == 17);
        ck_assert(!restored[1] && !f.line[1].on && f.line[1].seq == 0);
        ck_assert_uint_eq(f.changes, 17);
        /* Written back as version 3, with what identifies each line now. */
        ck_assert_int_eq(ledstate_file_save(path, NULL, &f), 0);
        ck_assert_int_eq(ledstate_file_load(path, &f), 0);
        ck_assert_uint_eq(f.version, 3);
        ck_assert_str_eq(f.line[0].gpio, "gpiochip0:17");
        ck_assert(f.line[0].active_low);
        /* No file: every line off (or on, as its policy says), from change 0, nothing logged. */
        ck_assert_int_eq(unlink(path), 0);
        out[1].start = MSGQ_LED_START_ON;
        start_lines_logged(&f, out, 2, restored, log, sizeof log);
        ck_assert_str_eq(log, "");
        ck_assert(!restored[0] && !f.line[0].on && f.line[1].on && f.line[1].seq == 1 && f.changes == 1);
}
END_TEST

/* ledstate_forget() knows a version-2 file's change number too. */
START_TEST(test_v2_forget) {
        struct ledstate_file f = three_lines();
        char buf[LEDSTATE_SIZE_MAX];

        write_bytes(path, buf, (size_t) format_v2(&f, buf, sizeof buf));
        ck_assert_int_eq(ledstate_forget(path, 42), 1);
        ck_assert_int_eq(access(path, F_OK), 0);
        ck_assert_int_eq(ledstate_forget(path, 43), 0);
        ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

/* The file's bytes, and its inode. */
static size_t read_bytes(char *buf, size_t size, ino_t *ino) {
        struct stat st;
        FILE *f = fopen(path, "r");
        size_t n;

        ck_assert_ptr_nonnull(f);
        n = fread(buf, 1, size, f);
        ck_assert_int_eq(fstat(fileno(f), &st), 0);
        fclose(f);
        if (ino)
                *ino = st.st_ino;
        return n;
}

/* The slot's text ledstate.h shows, byte for byte; its checksum zlib's crc32(). */
START_TEST(test_v3_format_is_documented) {
        struct ledstate_file f = three_lines();
        static char buf[LEDSTATE_SIZE_MAX];
        char crc[16];
        const char *lines = "msgqd-led-state 3\nslot 4096\nchanges 42\nboot_us 1795950000123456\nlines 2\n"
                            "line led\ngpio GPIO17\nactive_low 0\nseq 40\non 1\nblinking 1\nperiod_ms 500\n"
                            "remaining 7\nnext_toggle_us 81234567\n"
                            "line pump\ngpio gpiochip0:27\nactive_low 1\nseq 2\non 0\nblinking 0\n"
                            "period_ms 0\nremaining 0\nnext_toggle_us 0\n";
        size_t k = strlen(lines);

        ck_assert_uint_eq(ledstate_crc32("123456789", 9), 0xcbf43926); /* the check value of CRC-32 */
        f.boot_us = 1795950000123456;
        f.n = 2;
        f.line[0].seq = 40;
        f.line[1].active_low = true;
        ck_assert_int_eq(ledstate_slot_size(&f), 4096);                /* a page */
        ck_assert_int_eq(ledstate_file_format(&f, buf, sizeof buf), 8192);
        ck_assert_int_eq(memcmp(buf, lines, k), 0);
        for (size_t i = k; i < 4096 - 15; i++)
                ck_assert_int_eq(buf[i], '\n');
        snprintf(crc, sizeof crc, "crc32 %08" PRIx32 "\n", ledstate_crc32(buf, 4096 - 15));
        ck_assert_int_eq(memcmp(buf + 4096 - 15, crc, 15), 0);
        ck_assert_int_eq(memcmp(buf, buf + 4096, 4096), 0);           /* a new file: both slots the one state */
        ck_assert_int_eq(ledstate_file_format(&f, buf, 8191), -ENOBUFS);
        ck_assert_int_eq(ledstate_slot_format(&f, 512, buf), 0);        /* read in 512-byte steps */
        ck_assert_int_eq(ledstate_slot_format(&f, 1000, buf), -EINVAL);  /* not a multiple of 512 */
        /* The slot holds the table's longest state, every number at its most digits. */
        f.changes = f.boot_us = UINT64_MAX;
        f.line[0].seq = f.line[1].seq = UINT32_MAX;
        f.line[0].next_toggle_us = UINT64_MAX;
        f.line[0].period_ms = MSGQ_BLINK_PERIOD_MAX_MS;
        f.line[0].remaining = 2 * MSGQ_BLINK_COUNT_MAX - 1;
        ck_assert_int_eq(ledstate_slot_format(&f, 512, buf), 0);
        /* A slot is written to its last byte and not one past it. */
        memset(buf, '#', sizeof buf);
        ck_assert_int_eq(ledstate_slot_format(&f, LEDSTATE_SLOT_MAX, buf), 0);
        ck_assert_int_eq(buf[LEDSTATE_SLOT_MAX - 1], '\n');
        ck_assert_int_eq(buf[LEDSTATE_SLOT_MAX], '#');
}
END_TEST

/*
 * A change is written over a slot of the file the writer made, the other
 * one of the last: the same file (no new one, no rename), each slot read as
 * its change, and the newest taken.
 */
START_TEST(test_v3_written_in_place) {
        struct ledstate_writer w = {};
        static struct ledstate_file f, back;
        static char buf[LEDSTATE_SIZE_MAX];
        ino_t ino, ino2;
        size_t n;

        f = three_lines();
        ck_assert_int_eq(ledstate_file_save(path, &w, &f), 0);
        ck_assert_uint_eq(w.slot_size, 4096);
        ck_assert_uint_eq(w.next, 1);
        ck_assert(!w.made);                     /* saved durably: its directory flushed already */
        n = read_bytes(buf, sizeof buf, &ino);
        ck_assert_uint_eq(n, 8192);
        for (unsigned i = 0; i < 4; i++) {
                f.changes++;
                f.line[2].seq++;
                f.line[2].on = !f.line[2].on;
                ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);
                ck_assert_uint_eq(w.next, i % 2 ? 1 : 0);
                ck_assert(!w.made);             /* over a slot: no directory to flush */
                ck_assert_uint_eq(read_bytes(buf, sizeof buf, &ino2), 8192);
                ck_assert_uint_eq(ino2, ino);
                memset(&back, 0xa5, sizeof back);
                ck_assert_int_eq(ledstate_file_load(path, &back), 0);
                assert_same_file(&f, &back);
                ck_assert_uint_eq(back.slot, i % 2 ? 0 : 1);
                ck_assert_uint_eq(back.bad, 0);
                /* The other slot holds the change before. */
                ck_assert_ptr_nonnull(strstr(buf + back.slot * 4096 , "changes"));
                ck_assert_int_eq(strncmp(strstr(buf + (1 - back.slot) * 4096, "changes "), "changes ", 8), 0);
                ck_assert_uint_eq(strtoull(strstr(buf + (1 - back.slot) * 4096, "changes ") + 8, NULL, 10),
                                  f.changes - 1);
        }
        ck_assert_int_eq(ledstate_flush(path, false), 0);
        snprintf(buf, sizeof buf, "%s.tmp", path);
        ck_assert_int_eq(access(buf, F_OK), -1);
        /* The file removed: the next write makes a new one, whose directory is to be flushed. */
        ck_assert_int_eq(unlink(path), 0);
        f.changes++;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);
        ck_assert(w.made);
        ck_assert_uint_eq(w.next, 1);
        ck_assert_int_eq(ledstate_flush(path, true), 0);
        ledstate_writer_close(&w);
}
END_TEST

/*
 * A new file is made, once, where there is none of the writer's to write
 * in: a version-2 file (the upgrade), a file removed or replaced since, a
 * table whose state no longer fits the slots.
 */
START_TEST(test_v3_new_file_when_due) {
        struct ledstate_writer w = {};
        static struct ledstate_file f, back;
        static char buf[LEDSTATE_SIZE_MAX];
        ino_t ino, ino2;

        f = three_lines();
        write_bytes(path, buf, (size_t) format_v2(&f, buf, sizeof buf));
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        ck_assert_uint_eq(back.version, 2);
        read_bytes(buf, sizeof buf, &ino);
        f.changes++;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);        /* the upgrade: a new file */
        ck_assert_uint_eq(read_bytes(buf, sizeof buf, &ino2), 8192);
        ck_assert_uint_ne(ino2, ino);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        ck_assert_uint_eq(back.version, 3);
        ck_assert_uint_eq(back.changes, 43);
        /* Removed: made again. */
        ck_assert_int_eq(unlink(path), 0);
        f.changes++;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        ck_assert_uint_eq(back.changes, 44);
        /* Replaced by another of another size: made again, not written into. */
        write_bytes(path, "x", 1);
        f.changes++;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        ck_assert_uint_eq(back.changes, 45);
        /* A table of longer names than the slot holds: a new file of larger slots. */
        read_bytes(buf, sizeof buf, &ino);
        f.n = 40;
        for (size_t i = 3; i < f.n; i++) {
                f.line[i] = f.line[2];
                snprintf(f.line[i].name, sizeof f.line[i].name, "fan_number_%zu_of_the_long_names", i);
                snprintf(f.line[i].gpio, sizeof f.line[i].gpio, "GPIO%zu", i + 20);
        }
        f.changes++;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);
        ck_assert_uint_gt(w.slot_size, 4096);
        ck_assert_uint_eq(read_bytes(buf, sizeof buf, &ino2), 2 * w.slot_size);
        ck_assert_uint_ne(ino2, ino);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        assert_same_file(&f, &back);
        /* Without a writer: always a new file. */
        f.changes++;
        ck_assert_int_eq(ledstate_file_write(path, NULL, &f), 0);
        read_bytes(buf, sizeof buf, &ino);
        ck_assert_uint_ne(ino2, ino);
        ledstate_writer_close(&w);
}
END_TEST

/*
 * A slot a crash or a power cut tore (a byte flipped, the file cut in it)
 * is ignored with a log line, and the other one taken; both bad: refused as
 * a corrupt file.
 */
START_TEST(test_v3_torn_slot) {
        struct ledstate_writer w = {};
        static struct ledstate_file f, back;
        static char buf[LEDSTATE_SIZE_MAX], torn[LEDSTATE_SIZE_MAX];
        struct msgq_output out[3];
        bool restored[3];
        char log[2048];
        size_t n;

        f = three_lines();
        f.line[0] = line_of("led", "GPIO17", false, 40, true);
        ck_assert_int_eq(ledstate_file_save(path, &w, &f), 0);
        f.changes = 43;
        f.line[2].seq = 12;
        f.line[2].on = false;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);        /* change 43 in the second slot */
        n = read_bytes(buf, sizeof buf, NULL);
        out_init(&out[0], "led", "GPIO17", false, MSGQ_LED_START_RESTORE);
        out_init(&out[1], "pump", "gpiochip0:27", true, MSGQ_LED_START_RESTORE);
        out_init(&out[2], "fan", "GPIO22", false, MSGQ_LED_START_RESTORE);

        /* The second slot torn: a byte of it flipped, anywhere; change 42 is taken. */
        for (size_t at = 4096; at < n; at += 97) {
                memcpy(torn, buf, n);
                torn[at] ^= 0x20;
                write_bytes(path, torn, n);
                ck_assert_int_eq(ledstate_file_load(path, &back), 0);
                ck_assert_uint_eq(back.changes, 42);
                ck_assert_uint_eq(back.slot, 0);
                ck_assert_uint_eq(back.bad, 2);
        }
        start_lines_logged(&back, out, 3, restored, log, sizeof log);
        ck_assert_msg(count_lines(log) == 1 && strstr(log, "slot 2 is torn or corrupt") &&
                      strstr(log, "the state of change 42 in slot 1 is taken"), "logged '%s'", log);
        ck_assert(restored[2] && back.line[2].on && back.line[2].seq == 11);
        /* Cut in the second slot (a disk that lost its end): the first one. */
        write_bytes(path, buf, 4572);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        ck_assert_uint_eq(back.changes, 42);
        ck_assert_uint_eq(back.bad, 2);
        /* The first slot torn: change 43 of the second, the newer one anyway. */
        memcpy(torn, buf, n);
        torn[300] = 'X';
        write_bytes(path, torn, n);
        ck_assert_int_eq(ledstate_file_load(path, &back), 0);
        ck_assert_uint_eq(back.changes, 43);
        ck_assert_uint_eq(back.slot, 1);
        ck_assert_uint_eq(back.bad, 1);
        start_lines_logged(&back, out, 3, restored, log, sizeof log);
        ck_assert_msg(strstr(log, "slot 1 is torn or corrupt") && strstr(log, "change 43 in slot 2"),
                      "logged '%s'", log);
        /* Both torn: a corrupt file, nothing restored. */
        torn[4172] = 'X';
        assert_refused(torn, n, -EBADMSG, "both slots torn");
        /* The first slot's checksum line torn, its text whole: refused too. */
        memcpy(torn, buf, n);
        torn[4096 - 2] ^= 1;
        torn[8192 - 15] = 'C';
        assert_refused(torn, n, -EBADMSG, "checksums bad");
        /* Cut within the first slot: nothing whole. */
        assert_refused(buf, 700, -EBADMSG, "cut in the first slot");
        ledstate_writer_close(&w);
}
END_TEST

/* A writer's in-place write that fails forgets nothing on its own: the next write makes a new file. */
START_TEST(test_v3_forget) {
        struct ledstate_writer w = {};
        struct ledstate_file f = three_lines();

        ck_assert_int_eq(ledstate_file_save(path, &w, &f), 0);
        f.changes = 43;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);
        ck_assert_int_eq(ledstate_forget(path, 43), 1);                 /* in the second slot: current */
        ck_assert_int_eq(ledstate_forget(path, 44), 0);                 /* change 44 was not written */
        ck_assert_int_eq(access(path, F_OK), -1);
        f.changes = 45;
        ck_assert_int_eq(ledstate_file_write(path, &w, &f), 0);        /* a new file */
        ck_assert_int_eq(ledstate_forget(path, 45), 1);
        ledstate_writer_close(&w);
}
END_TEST

int main(void) {
        Suite *s = suite_create("ledstate");
        TCase *tc = tcase_create("file");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_missing);
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_truncated);
        tcase_add_test(tc, test_garbage);
        tcase_add_test(tc, test_bad_values);
        tcase_add_test(tc, test_foreign_version);
        tcase_add_test(tc, test_nul);
        tcase_add_test(tc, test_huge);
        tcase_add_test(tc, test_not_a_file);
        tcase_add_test(tc, test_policy);
        tcase_add_test(tc, test_advance);
        tcase_add_test(tc, test_describe);
        tcase_add_test(tc, test_path);
        tcase_add_test(tc, test_builtin_dir_made_with_parents);
        tcase_add_test(tc, test_builtin_dir_out_of_reach);
        tcase_add_test(tc, test_user_dir);
        tcase_add_test(tc, test_save_makes_the_directory);
        tcase_add_test(tc, test_save_fails);
        tcase_add_test(tc, test_write_then_flush);
        tcase_add_test(tc, test_forget);
        tcase_add_test(tc, test_v2_round_trip_64_lines);
        tcase_add_test(tc, test_v2_format_is_documented);
        tcase_add_test(tc, test_v2_format_refuses);
        tcase_add_test(tc, test_v2_truncated);
        tcase_add_test(tc, test_v2_bad_values);
        tcase_add_test(tc, test_v2_input_records);
        tcase_add_test(tc, test_v1_read_as_led);
        tcase_add_test(tc, test_find);
        tcase_add_test(tc, test_start_lines_match);
        tcase_add_test(tc, test_start_lines_policy);
        tcase_add_test(tc, test_start_lines_from_v1);
        tcase_add_test(tc, test_v2_forget);
        tcase_add_test(tc, test_v3_format_is_documented);
        tcase_add_test(tc, test_v3_written_in_place);
        tcase_add_test(tc, test_v3_new_file_when_due);
        tcase_add_test(tc, test_v3_torn_slot);
        tcase_add_test(tc, test_v3_forget);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
