/* SPDX-License-Identifier: MIT */
/* Unit tests for common/config.c: files in a temporary directory. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "unit.h"

#define MAX_FILES 64

static char tmpdir[4096];
static char files[MAX_FILES][4096 + 32];
static int nfiles;

/*
 * One temporary directory per test case, made and removed by the parent
 * process (an unchecked fixture), so that it goes even when a test fails
 * in its child before its own teardown could run.
 */
static void make_tmpdir(void) {
        const char *base = getenv("TMPDIR");

        if (!base || !*base)
                base = "/tmp";
        ck_assert_int_lt(snprintf(tmpdir, sizeof tmpdir, "%s/check-config.XXXXXX", base), (int) sizeof tmpdir);
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void) {
        DIR *d = opendir(tmpdir);
        struct dirent *e;

        if (d) {
                while ((e = readdir(d)))
                        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                                unlinkat(dirfd(d), e->d_name, 0);
                closedir(d);
        }
        rmdir(tmpdir);
}

static void setup(void) {
        nfiles = 0;
        unsetenv("MSGQ_KEY");
}

static void teardown(void) {
        for (int i = 0; i < nfiles; i++)
                unlink(files[i]);
        nfiles = 0;
        unsetenv("MSGQ_KEY");
}

/* A new file in the temporary directory holding TEXT; its path. */
static const char *write_conf(const char *text) {
        char *path;
        size_t n = strlen(text);
        int fd;

        ck_assert_int_lt(nfiles, MAX_FILES);
        path = files[nfiles];
        snprintf(path, sizeof files[0], "%s/msgq.conf.XXXXXX", tmpdir);
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        nfiles++;
        ck_assert_int_eq(write(fd, text, n), (ssize_t) n);
        ck_assert_int_eq(close(fd), 0);
        return path;
}

static void assert_defaults(const struct msgq_config *c) {
        ck_assert_int_eq(c->key, MSGQ_DEFAULT_KEY);
        ck_assert_uint_eq(c->mode, 0660);
        ck_assert_str_eq(c->group, "");
        ck_assert_str_eq(c->gpio, "GPIO17");
        ck_assert(!c->active_low);
        ck_assert_int_eq(c->led_start, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(c->led_stop, MSGQ_LED_STOP_OFF);
}

/* Load TEXT into defaults; the result, the bad line in *line. */
static int load_text(const char *text, struct msgq_config *c, int *line) {
        msgq_config_defaults(c);
        *line = -1;
        return msgq_config_load(c, write_conf(text), line);
}

/* TEXT must fail at line WANT_LINE and leave the configuration alone. */
static void assert_bad_line(const char *text, int want_line) {
        struct msgq_config c, before;
        int line, r;

        r = load_text(text, &c, &line);
        msgq_config_defaults(&before);
        ck_assert_msg(r == -EINVAL, "loading \"%s\" gave %d, expected -EINVAL", text, r);
        ck_assert_msg(line == want_line, "loading \"%s\": line %d, expected %d", text, line, want_line);
        ck_assert(memcmp(&c, &before, sizeof c) == 0);
}

START_TEST(test_defaults) {
        struct msgq_config c;

        memset(&c, 0xaa, sizeof c);
        msgq_config_defaults(&c);
        assert_defaults(&c);
        ck_assert_int_eq(MSGQ_DEFAULT_KEY, 0x6d736771);
}
END_TEST

START_TEST(test_default_path) {
        const char *p = msgq_config_default_path();
        const char *tail = "/msgq/msgq.conf";

        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(p[0], '/');
        ck_assert_uint_gt(strlen(p), strlen(tail));
        ck_assert_str_eq(p + strlen(p) - strlen(tail), tail);
}
END_TEST

START_TEST(test_load_section) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("[msgq]\n"
                                   "key = 0x1234\n"
                                   "mode = 0600\n"
                                   "group = leds\n"
                                   "gpio = gpiochip0:17\n"
                                   "active_low = yes\n", &c, &line), 0);
        ck_assert_int_eq(line, 0);
        ck_assert_int_eq(c.key, 0x1234);
        ck_assert_uint_eq(c.mode, 0600);
        ck_assert_str_eq(c.group, "leds");
        ck_assert_str_eq(c.gpio, "gpiochip0:17");
        ck_assert(c.active_low);
}
END_TEST

START_TEST(test_load_no_section) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("key=4660\nmode=640\nactive_low=TRUE\ngpio=LED_RED\n", &c, &line), 0);
        ck_assert_int_eq(c.key, 4660);
        ck_assert_uint_eq(c.mode, 0640);
        ck_assert(c.active_low);
        ck_assert_str_eq(c.gpio, "LED_RED");
        ck_assert_str_eq(c.group, "");
}
END_TEST

START_TEST(test_load_comments_and_blanks) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("# a comment\n"
                                   "; another one\n"
                                   "\n"
                                   "   \t\n"
                                   "[msgq]\n"
                                   "  # indented comment\n"
                                   "#key = 0x99\n"
                                   ";mode = 0777\n"
                                   "key = 0x42 ; inline comment after whitespace\n"
                                   "   mode   =   0644   \n"
                                   "; bad = line, commented out\n", &c, &line), 0);
        ck_assert_int_eq(c.key, 0x42);
        ck_assert_uint_eq(c.mode, 0644);
        ck_assert_str_eq(c.gpio, "GPIO17");
}
END_TEST

START_TEST(test_load_indented) {
        /* Indented lines are settings of their own, not continuations. */
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("[msgq]\n"
                                   "\tkey = 0x10\n"
                                   "\tmode = 0600\n"
                                   "    group = leds\n"
                                   "  \t  active_low = 1\n", &c, &line), 0);
        ck_assert_int_eq(c.key, 0x10);
        ck_assert_uint_eq(c.mode, 0600);
        ck_assert_str_eq(c.group, "leds");
        ck_assert(c.active_low);
        ck_assert_str_eq(c.gpio, "GPIO17");

        /* An indented bare word is a syntax error, not a second value. */
        assert_bad_line("[msgq]\ngroup = a\n    b\n", 3);
}
END_TEST

START_TEST(test_load_crlf_and_bom) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("\xef\xbb\xbf[msgq]\r\nkey = 0x77\r\nactive_low = on\r\n", &c, &line), 0);
        ck_assert_int_eq(c.key, 0x77);
        ck_assert(c.active_low);
}
END_TEST

START_TEST(test_load_last_line_without_newline) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("[msgq]\ngpio = GPIO4", &c, &line), 0);
        ck_assert_str_eq(c.gpio, "GPIO4");
}
END_TEST

START_TEST(test_load_empty_file) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("", &c, &line), 0);
        ck_assert_int_eq(line, 0);
        assert_defaults(&c);
}
END_TEST

START_TEST(test_load_keeps_unset_fields) {
        /* Only what the file names changes: layering over earlier values. */
        struct msgq_config c;
        int line = -1;

        msgq_config_defaults(&c);
        c.key = 0x1111;
        snprintf(c.group, sizeof c.group, "%s", "before");
        ck_assert_int_eq(msgq_config_load(&c, write_conf("[msgq]\nmode = 0600\n"), &line), 0);
        ck_assert_int_eq(c.key, 0x1111);
        ck_assert_str_eq(c.group, "before");
        ck_assert_uint_eq(c.mode, 0600);
}
END_TEST

START_TEST(test_load_duplicate_last_wins) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("key = 0x1\nkey = 0x2\n[msgq]\nkey = 0x3\n", &c, &line), 0);
        ck_assert_int_eq(c.key, 3);
}
END_TEST

START_TEST(test_load_high_key) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("key = 0xdeadbeef\n", &c, &line), 0);
        ck_assert_int_eq(c.key, (key_t) (int32_t) 0xdeadbeefu);
}
END_TEST

START_TEST(test_unknown_key) {
        assert_bad_line("[msgq]\nkey = 0x10\n\n# comment\nkye = 0x11\n", 5);
        assert_bad_line("colour = red\n", 1);
        /* Names are case-sensitive. */
        assert_bad_line("[msgq]\nKey = 0x10\n", 2);
        assert_bad_line("[msgq]\nactive-low = yes\n", 2);
}
END_TEST

START_TEST(test_other_section) {
        assert_bad_line("[msgq]\nkey = 0x10\n[other]\nkey = 0x11\n", 4);
        assert_bad_line("[MSGQ]\nkey = 0x10\n", 2);
        assert_bad_line("[msgq]\nmode = 0600\n[led]\n\n\ngpio = GPIO4\n", 6);
}
END_TEST

START_TEST(test_bad_values) {
        assert_bad_line("[msgq]\nkey = 0\n", 2);
        assert_bad_line("[msgq]\nkey = -1\n", 2);
        assert_bad_line("[msgq]\nkey = 0x100000000\n", 2);
        assert_bad_line("[msgq]\nkey = 0x10 # not a comment after the value\n", 2);
        assert_bad_line("[msgq]\nkey =\n", 2);
        assert_bad_line("\n\n\nmode = 0778\n", 4);
        assert_bad_line("mode = 01000\n", 1);
        assert_bad_line("mode = rw\n", 1);
        assert_bad_line("[msgq]\nactive_low = maybe\n", 2);
        assert_bad_line("[msgq]\nactive_low =\n", 2);
}
END_TEST

START_TEST(test_group_values) {
        static const char *const good[] = { "msgq", "_a.b-c", "gpio", "G1", "a-", "1000" };
        static const char *const bad[] = {
                "-msgq", "a b", "a/b", "a:b", "a,b", "caf\xc3\xa9", "a\x01", "a$", "a@b",
        };
        char text[256];

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                struct msgq_config c;
                int line;

                snprintf(text, sizeof text, "[msgq]\ngroup = %s\n", good[i]);
                ck_assert_msg(load_text(text, &c, &line) == 0, "group \"%s\" refused", good[i]);
                ck_assert_str_eq(c.group, good[i]);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                snprintf(text, sizeof text, "[msgq]\ngroup = %s\n", bad[i]);
                assert_bad_line(text, 2);
        }
        assert_bad_line("[msgq]\ngroup =\n", 2);
}
END_TEST

START_TEST(test_group_length) {
        char text[256], name[80];
        struct msgq_config c;
        int line;

        memset(name, 'g', 63);
        name[63] = '\0';
        snprintf(text, sizeof text, "group = %s\n", name);
        ck_assert_int_eq(load_text(text, &c, &line), 0);
        ck_assert_str_eq(c.group, name);

        memset(name, 'g', 64);
        name[64] = '\0';
        snprintf(text, sizeof text, "group = %s\n", name);
        assert_bad_line(text, 1);
}
END_TEST

START_TEST(test_gpio_values) {
        static const char *const good[] = { "GPIO17", "gpiochip0:17", "/dev/gpiochip1:4", "LED-1_red", "a" };
        static const char *const bad[] = { "GPIO 17", "a\tb", "caf\xc3\xa9", "a\x7f", "a\x1b" };
        char text[256];

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                struct msgq_config c;
                int line;

                snprintf(text, sizeof text, "gpio = %s\n", good[i]);
                ck_assert_msg(load_text(text, &c, &line) == 0, "gpio \"%s\" refused", good[i]);
                ck_assert_str_eq(c.gpio, good[i]);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                snprintf(text, sizeof text, "\ngpio = %s\n", bad[i]);
                assert_bad_line(text, 2);
        }
        assert_bad_line("gpio =\n", 1);
}
END_TEST

START_TEST(test_gpio_length) {
        char text[256], name[80];
        struct msgq_config c;
        int line;

        memset(name, 'L', MSGQ_GPIO_MAX - 1);
        name[MSGQ_GPIO_MAX - 1] = '\0';
        snprintf(text, sizeof text, "gpio = %s\n", name);
        ck_assert_int_eq(load_text(text, &c, &line), 0);
        ck_assert_str_eq(c.gpio, name);

        memset(name, 'L', MSGQ_GPIO_MAX);
        name[MSGQ_GPIO_MAX] = '\0';
        snprintf(text, sizeof text, "gpio = %s\n", name);
        assert_bad_line(text, 1);
}
END_TEST

START_TEST(test_syntax_errors) {
        assert_bad_line("[msgq]\nkey 0x10\n", 2);
        assert_bad_line("[msgq\nkey = 0x10\n", 1);
        assert_bad_line("key = 0x10\njust words\nmode = 0600\n", 2);
}
END_TEST

START_TEST(test_first_bad_line_reported) {
        assert_bad_line("key = 0x10\nmode = 9\nbogus = 1\ngroup = -x\n", 2);
        assert_bad_line("key = 0x10\nbogus = 1\nmode = 9\n", 2);
}
END_TEST

START_TEST(test_long_lines) {
        /* Longer than inih's line buffer: refused with its number, not split. */
        char text[1024];
        struct msgq_config c;
        int line;
        size_t n;

        n = (size_t) snprintf(text, sizeof text, "[msgq]\ngpio = ");
        memset(text + n, 'x', 500);
        n += 500;
        snprintf(text + n, sizeof text - n, "\nmode = 0600\n");
        assert_bad_line(text, 2);

        /* A key line whose tail would look like a line of its own. */
        n = (size_t) snprintf(text, sizeof text, "\n\n\ngpio = GPIO4");
        memset(text + n, ' ', 300);
        n += 300;
        snprintf(text + n, sizeof text - n, "key = 0x1\n");
        assert_bad_line(text, 4);

        /* A long comment is still just a comment. */
        n = (size_t) snprintf(text, sizeof text, "[msgq]\n# ");
        memset(text + n, 'c', 600);
        n += 600;
        snprintf(text + n, sizeof text - n, " key = 0x1\nmode = 0600\n");
        ck_assert_int_eq(load_text(text, &c, &line), 0);
        ck_assert_int_eq(c.key, MSGQ_DEFAULT_KEY);
        ck_assert_uint_eq(c.mode, 0600);
}
END_TEST

START_TEST(test_failed_load_leaves_config) {
        struct msgq_config c, before;
        int line = -1;

        msgq_config_defaults(&c);
        c.key = 0x4242;
        c.active_low = true;
        before = c;
        ck_assert_int_eq(msgq_config_load(&c, write_conf("[msgq]\n"
                                                         "key = 0x10\n"
                                                         "mode = 0600\n"
                                                         "group = leds\n"
                                                         "gpio = GPIO4\n"
                                                         "active_low = no\n"
                                                         "mode = 0800\n"), &line), -EINVAL);
        ck_assert_int_eq(line, 7);
        ck_assert(memcmp(&c, &before, sizeof c) == 0);
}
END_TEST

START_TEST(test_missing_file) {
        struct msgq_config c, before;
        char path[4096 + 32];
        int line = -1;

        msgq_config_defaults(&c);
        c.key = 0x4242;
        before = c;
        snprintf(path, sizeof path, "%s/does-not-exist.conf", tmpdir);
        ck_assert_int_eq(msgq_config_load(&c, path, &line), -ENOENT);
        ck_assert_int_eq(line, 0);
        ck_assert(memcmp(&c, &before, sizeof c) == 0);
}
END_TEST

START_TEST(test_directory) {
        struct msgq_config c, before;
        int line = -1;
        int r;

        msgq_config_defaults(&c);
        before = c;
        r = msgq_config_load(&c, tmpdir, &line);
        ck_assert_int_eq(r, -EISDIR);
        ck_assert_int_eq(line, 0);
        ck_assert(memcmp(&c, &before, sizeof c) == 0);
}
END_TEST

START_TEST(test_unreadable) {
        struct msgq_config c, before;
        const char *path = write_conf("key = 0x10\n");
        int line = -1;

        ck_assert_int_eq(chmod(path, 0), 0);
        msgq_config_defaults(&c);
        before = c;
        if (geteuid() == 0) {
                /* root reads it anyway (CAP_DAC_OVERRIDE): the load succeeds. */
                ck_assert_int_eq(msgq_config_load(&c, path, &line), 0);
                ck_assert_int_eq(c.key, 0x10);
                return;
        }
        ck_assert_int_eq(msgq_config_load(&c, path, &line), -EACCES);
        ck_assert_int_eq(line, 0);
        ck_assert(memcmp(&c, &before, sizeof c) == 0);
}
END_TEST

START_TEST(test_bad_arguments) {
        struct msgq_config c;
        int line = -1;

        msgq_config_defaults(&c);
        ck_assert_int_eq(msgq_config_load(&c, NULL, &line), -EINVAL);
        ck_assert_int_eq(line, 0);
        ck_assert_int_eq(msgq_config_load(&c, "", &line), -EINVAL);
        /* line may be NULL. */
        ck_assert_int_eq(msgq_config_load(&c, write_conf("mode = 0640\n"), NULL), 0);
        ck_assert_uint_eq(c.mode, 0640);
        ck_assert_int_eq(msgq_config_load(&c, write_conf("mode = x\n"), NULL), -EINVAL);
        ck_assert_uint_eq(c.mode, 0640);
}
END_TEST

START_TEST(test_env_unset_and_empty) {
        struct msgq_config c;

        msgq_config_defaults(&c);
        ck_assert_int_eq(msgq_config_from_env(&c), 0);
        assert_defaults(&c);
        ck_assert_int_eq(setenv("MSGQ_KEY", "", 1), 0);
        ck_assert_int_eq(msgq_config_from_env(&c), 0);
        assert_defaults(&c);
}
END_TEST

START_TEST(test_env_override) {
        struct msgq_config c;
        int line;

        ck_assert_int_eq(load_text("key = 0x10\nmode = 0600\n", &c, &line), 0);
        ck_assert_int_eq(setenv("MSGQ_KEY", "0xABC", 1), 0);
        ck_assert_int_eq(msgq_config_from_env(&c), 0);
        ck_assert_int_eq(c.key, 0xabc);
        ck_assert_uint_eq(c.mode, 0600);
        ck_assert_int_eq(setenv("MSGQ_KEY", "1234", 1), 0);
        ck_assert_int_eq(msgq_config_from_env(&c), 0);
        ck_assert_int_eq(c.key, 1234);
        ck_assert_int_eq(setenv("MSGQ_KEY", "0xffffffff", 1), 0);
        ck_assert_int_eq(msgq_config_from_env(&c), 0);
        ck_assert_int_eq(c.key, -1);
}
END_TEST

START_TEST(test_env_bad) {
        static const char *const bad[] = { "0", "0x0", "-1", " 0x10", "0x10 ", "abc", "0x100000000", "2147483648", "0x" };
        struct msgq_config c;

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                msgq_config_defaults(&c);
                c.key = 0x4242;
                ck_assert_int_eq(setenv("MSGQ_KEY", bad[i], 1), 0);
                ck_assert_msg(msgq_config_from_env(&c) == -EINVAL, "MSGQ_KEY=\"%s\" accepted", bad[i]);
                ck_assert_int_eq(c.key, 0x4242);
        }
}
END_TEST

/* The example configuration in the source tree. */
static void example_path(char *path, size_t size) {
        const char *root = getenv("MSGQ_SOURCE_ROOT");

#ifdef MSGQ_SOURCE_ROOT
        if (!root || !*root)
                root = MSGQ_SOURCE_ROOT;
#endif
        ck_assert_msg(root && *root, "MSGQ_SOURCE_ROOT is not set");
        ck_assert_int_lt(snprintf(path, size, "%s/msgq.conf", root), (int) size);
}

START_TEST(test_example_loads) {
        struct msgq_config c;
        char path[4096];
        int line = -1;

        example_path(path, sizeof path);
        msgq_config_defaults(&c);
        ck_assert_int_eq(msgq_config_load(&c, path, &line), 0);
        ck_assert_int_eq(line, 0);
        assert_defaults(&c);
}
END_TEST

/*
 * Uncommenting every "#name = value" line of the example must load and give
 * the defaults the comments claim (group has no default; its example is
 * "msgq"), and the example output sections after them the outputs they show
 * (the porch light following the switch).
 */
START_TEST(test_example_uncommented) {
        static const char *const names[] = { "key", "mode", "group", "gpio", "active_low",
                                             "led_start", "led_stop", "[output pump]", "kind",
                                             "start", "description", "history", "[input door]",
                                             "bias", "debounce", "[output porch]", "follow", "[input switch]" };
        char path[4096], lin[512];
        char *text = NULL;
        size_t size = 0;
        int seen = 0, line = -1;
        struct msgq_config c;
        FILE *in, *out;

        example_path(path, sizeof path);
        in = fopen(path, "re");
        ck_assert_ptr_nonnull(in);
        out = open_memstream(&text, &size);
        ck_assert_ptr_nonnull(out);
        while (fgets(lin, sizeof lin, in)) {
                const char *p = lin;

                for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                        size_t n = strlen(names[i]);

                        if (lin[0] == '#' && strncmp(lin + 1, names[i], n) == 0 &&
                            (strncmp(lin + 1 + n, " = ", 3) == 0 || lin[1] == '[')) {
                                p = lin + 1;
                                seen |= 1 << i;
                        }
                }
                fputs(p, out);
        }
        fclose(in);
        ck_assert_int_eq(fclose(out), 0);
        ck_assert_int_eq(seen, (1 << 18) - 1);

        msgq_config_defaults(&c);
        ck_assert_int_eq(msgq_config_load(&c, write_conf(text), &line), 0);
        free(text);
        ck_assert_int_eq(c.key, MSGQ_DEFAULT_KEY);
        ck_assert_uint_eq(c.mode, MSGQ_DEFAULT_MODE);
        ck_assert_str_eq(c.group, "msgq");
        ck_assert_str_eq(c.gpio, MSGQ_DEFAULT_GPIO);
        ck_assert(!c.active_low);
        ck_assert_int_eq(c.led_start, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(c.led_stop, MSGQ_LED_STOP_OFF);
        ck_assert_uint_eq(c.noutputs, 2);
        ck_assert_str_eq(c.outputs[1].name, "porch");
        ck_assert_str_eq(c.outputs[1].gpio, "GPIO24");
        ck_assert_str_eq(c.outputs[1].follow, "switch");
        ck_assert(!c.outputs[1].follow_invert);
        ck_assert_str_eq(c.outputs[0].name, "pump");
        ck_assert_str_eq(c.outputs[0].gpio, "GPIO27");
        ck_assert_int_eq(c.outputs[0].kind, MSGQ_LINE_KIND_RELAY);
        ck_assert_int_eq(c.outputs[0].start, MSGQ_LED_START_OFF);
        ck_assert_int_eq(c.outputs[0].stop, MSGQ_LED_STOP_OFF);
        ck_assert_str_eq(c.outputs[0].description, "well pump, relay K1");
        ck_assert_uint_eq(c.history, MSGQ_DEFAULT_HISTORY);
        ck_assert_uint_eq(c.ninputs, 2);
        ck_assert_str_eq(c.inputs[1].name, "switch");
        ck_assert_str_eq(c.inputs[1].gpio, "GPIO23");
        ck_assert_str_eq(c.inputs[0].name, "door");
        ck_assert_str_eq(c.inputs[0].gpio, "GPIO22");
        ck_assert_int_eq(c.inputs[0].bias, MSGQ_INPUT_BIAS_PULL_UP);
        ck_assert(c.inputs[0].active_low);
        ck_assert_int_eq(c.inputs[0].edges, MSGQ_INPUT_EDGES_BOTH);
        ck_assert_uint_eq(c.inputs[0].debounce_us, 20000);
        ck_assert_str_eq(c.inputs[0].description, "front door contact");
}
END_TEST

/*
 * The first paragraph of a file of the source tree, after the line that
 * starts with from (NULL: from the top), as one line: lines joined by a
 * space, a comment's "# " left out.
 */
static void paragraph_of(const char *file, const char *from, char *text, size_t size) {
        char path[4096], line[512];
        size_t n = 0;
        bool in = from == NULL;
        FILE *f;

        example_path(path, sizeof path); /* .../msgq.conf: the file beside it */
        snprintf(strrchr(path, '/') + 1, 256, "%s", file);
        f = fopen(path, "re");
        ck_assert_msg(f != NULL, "%s", path);
        text[0] = '\0';
        while (fgets(line, sizeof line, f)) {
                const char *p = line;

                line[strcspn(line, "\n")] = '\0';
                if (!in) {
                        in = strncmp(line, from, strlen(from)) == 0;
                        continue;
                }
                if (*p == '#')
                        p += p[1] == ' ' ? 2 : 1;
                if (!*p && n > 0)
                        break;
                if (*p && n + strlen(p) + 2 < size)
                        n += (size_t) snprintf(text + n, size - n, "%s%s", n ? " " : "", p);
        }
        fclose(f);
}

/* msgq.conf's header and the README's Configuration say the same: who reads the file. */
START_TEST(test_example_names_its_readers) {
        static const char *const words[] = { "three programs", "msgqd (every setting)",
                                             "msgqctl (the key,", "msgq-mqtt (the key)",
                                             "Each checks the whole file." };
        char header[1024], readme[1024];

        paragraph_of("msgq.conf", NULL, header, sizeof header);
        paragraph_of("README.md", "## Configuration", readme, sizeof readme);
        for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
                ck_assert_msg(strstr(header, words[i]), "msgq.conf's header lacks '%s': %s",
                              words[i], header);
                ck_assert_msg(strstr(readme, words[i]), "README's Configuration lacks '%s': %s",
                              words[i], readme);
        }
}
END_TEST

/* led_start and led_stop: their words, and nothing else. */
START_TEST(test_led_policy) {
        static const char *const bad[] = { "led_start = keep\n", "led_start = Restore\n",
                                           "led_start =\n", "led_stop = on\n", "led_stop = restore\n",
                                           "led_stop = 0\n" };
        struct msgq_config c;
        int line = -1;

        ck_assert_int_eq(load_text("led_start = off\nled_stop = keep\n", &c, &line), 0);
        ck_assert_int_eq(c.led_start, MSGQ_LED_START_OFF);
        ck_assert_int_eq(c.led_stop, MSGQ_LED_STOP_KEEP);
        ck_assert_int_eq(load_text("led_start = on\nled_stop = off\n", &c, &line), 0);
        ck_assert_int_eq(c.led_start, MSGQ_LED_START_ON);
        ck_assert_int_eq(c.led_stop, MSGQ_LED_STOP_OFF);
        ck_assert_int_eq(load_text("led_start = restore\n", &c, &line), 0);
        ck_assert_int_eq(c.led_start, MSGQ_LED_START_RESTORE);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                ck_assert_msg(load_text(bad[i], &c, &line) == -EINVAL && line == 1, "%s accepted", bad[i]);
        }
}
END_TEST

/* msgq_config_resolve: file < MSGQ_KEY < -k, each step able to override. */
START_TEST(test_resolve_precedence) {
        const char *path = write_conf("key = 0x10\nmode = 0600\n");
        struct msgq_config c;
        char err[256] = "";

        ck_assert_int_eq(msgq_config_resolve(&c, path, NULL, err, sizeof err), 0);
        ck_assert_int_eq(c.key, 0x10);
        ck_assert_uint_eq(c.mode, 0600);
        ck_assert_int_eq(setenv("MSGQ_KEY", "0x20", 1), 0);
        ck_assert_int_eq(msgq_config_resolve(&c, path, NULL, err, sizeof err), 0);
        ck_assert_int_eq(c.key, 0x20);
        ck_assert_uint_eq(c.mode, 0600); /* the file's, still */
        ck_assert_int_eq(msgq_config_resolve(&c, path, "48", err, sizeof err), 0);
        ck_assert_int_eq(c.key, 48);
        ck_assert_str_eq(err, "");
}
END_TEST

/* Each refusal comes with the message the programs print. */
START_TEST(test_resolve_errors) {
        char missing[512], expect[600], err[600];
        const char *bad = write_conf("[msgq]\nmode = 0999\n");
        struct msgq_config c;

        ck_assert_int_eq(msgq_config_resolve(&c, bad, NULL, err, sizeof err), -EINVAL);
        snprintf(expect, sizeof expect, "%s:2: mode = 0999: expected an octal mode, 0000 .. 0777", bad);
        ck_assert_str_eq(err, expect);

        snprintf(missing, sizeof missing, "%s.missing", bad);
        ck_assert_int_eq(msgq_config_resolve(&c, missing, NULL, err, sizeof err), -ENOENT);
        snprintf(expect, sizeof expect, "cannot read %s: %s", missing, strerror(ENOENT));
        ck_assert_str_eq(err, expect);

        ck_assert_int_eq(setenv("MSGQ_KEY", "zz", 1), 0);
        ck_assert_int_eq(msgq_config_resolve(&c, write_conf(""), NULL, err, sizeof err), -EINVAL);
        ck_assert_str_eq(err, "invalid MSGQ_KEY 'zz': expected 0x1 to 0xffffffff in hex, or 1 to "
                              "2147483647 in decimal");
        ck_assert_int_eq(setenv("MSGQ_KEY", "0x100000000", 1), 0);
        ck_assert_int_eq(msgq_config_resolve(&c, write_conf(""), NULL, err, sizeof err), -EINVAL);
        ck_assert_str_eq(err, "invalid MSGQ_KEY '0x100000000': out of range: expected 0x1 to "
                              "0xffffffff in hex, or 1 to 2147483647 in decimal");
        /* -k overrides MSGQ_KEY, which is then not read at all. */
        ck_assert_int_eq(msgq_config_resolve(&c, write_conf(""), "0x30", err, sizeof err), 0);
        ck_assert_int_eq(c.key, 0x30);
        ck_assert_int_eq(unsetenv("MSGQ_KEY"), 0);

        ck_assert_int_eq(msgq_config_resolve(&c, write_conf(""), "0", err, sizeof err), -EINVAL);
        ck_assert_str_eq(err, "invalid key '0': out of range: expected 0x1 to 0xffffffff in hex, "
                              "or 1 to 2147483647 in decimal");
        ck_assert_int_eq(msgq_config_resolve(&c, write_conf(""), "4294967295", err, sizeof err),
                         -EINVAL);
        ck_assert_str_eq(err, "invalid key '4294967295': out of range: expected 0x1 to 0xffffffff "
                              "in hex, or 1 to 2147483647 in decimal");
}
END_TEST

/* msgq_config_read's error for TEXT: "FILE:" then what is expected after it. */
static void assert_error(const char *text, const char *want) {
        const char *path = write_conf(text);
        char err[600], expect[600];
        struct msgq_config c;

        msgq_config_defaults(&c);
        ck_assert_int_lt(msgq_config_read(&c, path, err, sizeof err), 0);
        snprintf(expect, sizeof expect, "%s:%s", path, want);
        ck_assert_str_eq(err, expect);
}

static void assert_read_error(const char *path, const char *want) {
        char err[600];
        struct msgq_config c;

        msgq_config_defaults(&c);
        ck_assert_int_lt(msgq_config_read(&c, path, err, sizeof err), 0);
        ck_assert_str_eq(err, want);
}

/* [output NAME] sections: the lines at index 1, 2, ... with their settings. */
START_TEST(test_outputs) {
        struct msgq_config c;
        struct msgq_output o;
        int line = -1;

        ck_assert_int_eq(load_text("key = 0x10\n"
                                   "[output pump]\n"
                                   "gpio = GPIO27\n"
                                   "  kind = relay\n"
                                   "start = off\n"
                                   "stop = keep\n"
                                   "description = well pump, relay K1\n"
                                   "[output   Buzzer_2 ]\n"
                                   "gpio = gpiochip1:3\n"
                                   "active_low = yes\n"
                                   "[msgq]\n"
                                   "gpio = GPIO4\n", &c, &line), 0);
        ck_assert_int_eq(c.key, 0x10);
        ck_assert_str_eq(c.gpio, "GPIO4");
        ck_assert_uint_eq(c.noutputs, 2);
        ck_assert_uint_eq(msgq_config_lines(&c), 3);
        ck_assert_int_eq(msgq_config_output(&c, 0, &o), 0);
        ck_assert_str_eq(o.name, "led");
        ck_assert_str_eq(o.gpio, "GPIO4");
        ck_assert_int_eq(msgq_config_output(&c, 1, &o), 0);
        ck_assert_str_eq(o.name, "pump");
        ck_assert_str_eq(o.gpio, "GPIO27");
        ck_assert(!o.active_low);
        ck_assert_int_eq(o.kind, MSGQ_LINE_KIND_RELAY);
        ck_assert_int_eq(o.start, MSGQ_LED_START_OFF);
        ck_assert_int_eq(o.stop, MSGQ_LED_STOP_KEEP);
        ck_assert_str_eq(o.description, "well pump, relay K1");
        ck_assert_int_eq(msgq_config_output(&c, 2, &o), 0);
        ck_assert_str_eq(o.name, "Buzzer_2");
        ck_assert_str_eq(o.gpio, "gpiochip1:3");
        ck_assert(o.active_low);
        ck_assert_int_eq(o.kind, MSGQ_LINE_KIND_LED);
        ck_assert_int_eq(o.start, MSGQ_LED_START_RESTORE);
        ck_assert_int_eq(o.stop, MSGQ_LED_STOP_OFF);
        ck_assert_str_eq(o.description, "");
        ck_assert_int_eq(msgq_config_output(&c, 3, &o), -ERANGE);
        /* Without sections, the default output alone. */
        ck_assert_int_eq(load_text("gpio = GPIO4\n", &c, &line), 0);
        ck_assert_uint_eq(msgq_config_lines(&c), 1);
}
END_TEST

/* 63 sections and the default output: 64 lines; one more is refused. */
START_TEST(test_outputs_max) {
        char *text = NULL;
        size_t size = 0;
        struct msgq_config c;
        int line = -1;
        FILE *f = open_memstream(&text, &size);

        for (int i = 1; i < MSGQ_LINES_MAX; i++)
                fprintf(f, "[output out%d]\ngpio = gpiochip0:%d\n", i, i);
        fflush(f);
        ck_assert_int_eq(load_text(text, &c, &line), 0);
        ck_assert_uint_eq(msgq_config_lines(&c), MSGQ_LINES_MAX);
        fprintf(f, "[output one-more]\ngpio = gpiochip0:99\n");
        fclose(f);
        assert_bad_line(text, 2 * MSGQ_LINES_MAX - 1);
        free(text);
}
END_TEST

/* Names: 1 to 31 letters, digits, '-' or '_', starting with a letter. */
START_TEST(test_output_names) {
        static const char *const good[] = { "a", "pump", "Relay-1", "k_2", "x23456789012345678901234567890y" };
        static const char *const bad[] = { "1pump", "-a", "_a", "pu mp", "pump!", "caf\xc3\xa9", "a.b",
                                           "x234567890123456789012345678901y",
                                           "x2345678901234567890123456789012345678901234567890y" };
        char text[256];
        struct msgq_config c;
        int line;

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                snprintf(text, sizeof text, "[output %s]\ngpio = GPIO4\n", good[i]);
                ck_assert_msg(load_text(text, &c, &line) == 0, "name \"%s\" refused", good[i]);
                ck_assert_str_eq(c.outputs[0].name, good[i]);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
                snprintf(text, sizeof text, "\n[output %s]\ngpio = GPIO4\n", bad[i]);
                assert_bad_line(text, 2);
        }
        assert_bad_line("[output]\ngpio = GPIO4\n", 1);
        assert_bad_line("[output led]\ngpio = GPIO4\n", 1);
        assert_bad_line("[output pump]\ngpio = GPIO4\n[output PUMP]\ngpio = GPIO5\n", 3);
        /* An empty section is seen, and a section without gpio refused. */
        assert_bad_line("[output pump]\n[msgq]\nkey = 0x10\n", 1);
        assert_bad_line("[outputs]\ngpio = GPIO4\n", 2);
}
END_TEST

/* Two outputs on one line, however the line is written; the later is refused. */
START_TEST(test_outputs_one_line) {
        struct msgq_config c;
        int line;

        assert_bad_line("[output pump]\ngpio = GPIO17\n", 2);
        assert_bad_line("gpio = 0:4\n[output pump]\nkind = relay\ngpio = /dev/gpiochip0:4\n", 4);
        assert_bad_line("[output a]\ngpio = gpiochip2:07\n[output b]\ngpio = 2:7\n", 4);
        assert_bad_line("[output a]\ngpio = GPIO4\n[output b]\ngpio = GPIO4\n", 4);
        ck_assert_int_eq(load_text("[output a]\ngpio = gpiochip2:7\n[output b]\ngpio = gpiochip3:7\n"
                                   "[output c]\ngpio = GPIO7\n", &c, &line), 0);
}
END_TEST

/* Each error names the line, the output, the setting and what is expected. */
START_TEST(test_output_errors) {
        char want[600];
        const char *path;

        assert_error("[output pump]\ncolour = red\n",
                     "2: [output pump]: unknown setting 'colour' (known: gpio, active_low, start, "
                     "stop, kind, description, follow)");
        assert_error("[output pump]\nled_start = on\n",
                     "2: [output pump]: unknown setting 'led_start' (known: gpio, active_low, start, "
                     "stop, kind, description, follow)");
        assert_error("start = off\n", "1: unknown setting 'start' (known: key, mode, group, gpio, "
                                      "active_low, led_start, led_stop, history, follow)");
        assert_error("[output pump]\ngpio = GPIO4\nstart = keep\n",
                     "3: [output pump]: start = keep: expected restore, off or on");
        assert_error("[output pump]\ngpio = GPIO4\nstop = on\n",
                     "3: [output pump]: stop = on: expected off or keep");
        assert_error("[output pump]\ngpio = GPIO4\nkind = light\n",
                     "3: [output pump]: kind = light: expected led or relay");
        assert_error("[output pump]\ngpio = a b\n",
                     "2: [output pump]: gpio = a b: expected a GPIO line name or CHIP:OFFSET "
                     "(OFFSET a number), 1 to 63 printable characters, no spaces");
        assert_error("[output pump]\ngpio = GPIO4\ndescription = "
                     "0123456789012345678901234567890123456789012345678901234567890123\n",
                     "3: [output pump]: description = "
                     "0123456789012345678901234567890123456789012345678901234567890123: expected "
                     "at most 63 printable characters");
        assert_error("[output pump]\n", "1: [output pump]: no gpio: expected gpio = a GPIO line "
                                        "name or CHIP:OFFSET");
        assert_error("[output pu mp]\n", "1: [output pu mp]: expected a name of 1 to 31 letters, "
                                         "digits, '-' or '_', starting with a letter");
        assert_error("[output x2345678901234567890123456789012]\n",
                     "1: [output x2345678901234567890123456789012]: a name of 32 characters: "
                     "expected 1 to 31 letters, digits, '-' or '_', starting with a letter");
        assert_error("[output led]\n", "1: [output led]: 'led' is the default output: set its gpio, "
                                       "active_low, led_start and led_stop under [msgq]");
        assert_error("[output pump]\ngpio = GPIO17\n", "2: [output pump]: gpio = GPIO17: already "
                                                        "the line of output 'led' (the default gpio)");
        /* Errors that name another place name it whole. */
        path = write_conf("gpio = 0:4\n[output pump]\ngpio = gpiochip0:4\n");
        snprintf(want, sizeof want, "%s:3: [output pump]: gpio = gpiochip0:4: already the line of "
                 "output 'led' (%s:1)", path, path);
        assert_read_error(path, want);
        path = write_conf("[output pump]\ngpio = A\n[output Pump]\ngpio = B\n");
        snprintf(want, sizeof want, "%s:3: [output Pump]: a second output named 'pump' (the first "
                 "at %s:1)", path, path);
        assert_read_error(path, want);
}
END_TEST

/* [input NAME] sections: each setting, in the order of the file, beside outputs. */
START_TEST(test_inputs) {
        struct msgq_config c;
        int line = -1;

        ck_assert_int_eq(load_text("[input door]\n"
                                   "gpio = GPIO22\n"
                                   "bias = pull-up\n"
                                   "active_low = true\n"
                                   "edges = falling\n"
                                   "debounce = 20ms\n"
                                   "description = front door contact\n"
                                   "[output pump]\n"
                                   "gpio = GPIO27\n"
                                   "[input  meter ]\n"
                                   "gpio = gpiochip0:5\n"
                                   "history = 4096\n", &c, &line), -EINVAL);
        /* history is a setting of [msgq], not of an input. */
        ck_assert_int_eq(line, 12);
        ck_assert_int_eq(load_text("history = 4096\n"
                                   "[input door]\n"
                                   "gpio = GPIO22\n"
                                   "bias = pull-up\n"
                                   "active_low = true\n"
                                   "edges = falling\n"
                                   "debounce = 20ms\n"
                                   "description = front door contact\n"
                                   "[output pump]\n"
                                   "gpio = GPIO27\n"
                                   "[input  meter ]\n"
                                   "gpio = gpiochip0:5\n", &c, &line), 0);
        ck_assert_uint_eq(c.history, 4096);
        ck_assert_uint_eq(c.noutputs, 1);
        ck_assert_uint_eq(c.ninputs, 2);
        ck_assert_str_eq(c.inputs[0].name, "door");
        ck_assert_str_eq(c.inputs[0].gpio, "GPIO22");
        ck_assert_int_eq(c.inputs[0].bias, MSGQ_INPUT_BIAS_PULL_UP);
        ck_assert(c.inputs[0].active_low);
        ck_assert_int_eq(c.inputs[0].edges, MSGQ_INPUT_EDGES_FALLING);
        ck_assert_uint_eq(c.inputs[0].debounce_us, 20000);
        ck_assert_str_eq(c.inputs[0].description, "front door contact");
        ck_assert_str_eq(c.inputs[1].name, "meter");
        ck_assert_int_eq(c.inputs[1].bias, MSGQ_INPUT_BIAS_AS_IS);
        ck_assert_int_eq(c.inputs[1].edges, MSGQ_INPUT_EDGES_BOTH);
        ck_assert_uint_eq(c.inputs[1].debounce_us, 0);
        ck_assert(!c.inputs[1].active_low);
        /* The defaults. */
        ck_assert_int_eq(load_text("", &c, &line), 0);
        ck_assert_uint_eq(c.history, MSGQ_DEFAULT_HISTORY);
        ck_assert_uint_eq(c.ninputs, 0);
}
END_TEST

START_TEST(test_debounce_values) {
        static const struct {
                const char *text;
                uint32_t us;
        } good[] = { { "0", 0 }, { "1us", 1 }, { "500us", 500 }, { "20ms", 20000 },
                     { "1000ms", 1000000 }, { "1s", 1000000 }, { "1000000us", 1000000 } };
        static const char *const bad[] = { "", "20", "0ms", "1001ms", "2s", "1.5ms", "-1ms", "20 ms",
                                           "20msx", "ms", "1000001us", "99999999999999999999s", "00" };
        uint32_t us;

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                ck_assert_msg(msgq_parse_debounce(good[i].text, &us) == 0, "'%s' refused", good[i].text);
                ck_assert_uint_eq(us, good[i].us);
        }
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                ck_assert_msg(msgq_parse_debounce(bad[i], &us) == -EINVAL, "'%s' taken", bad[i]);
}
END_TEST

/* msgqctl inputs writes settings as msgq.conf takes them: the largest unit that is exact. */
START_TEST(test_input_setting_names) {
        static const struct {
                uint32_t us;
                const char *text;
        } periods[] = { { 0, "0" }, { 1, "1us" }, { 1500, "1500us" }, { 20000, "20ms" },
                        { 999000, "999ms" }, { 1000000, "1s" } };
        char buf[16];
        uint32_t us;

        for (size_t i = 0; i < sizeof periods / sizeof periods[0]; i++) {
                ck_assert_str_eq(msgq_format_debounce(periods[i].us, buf, sizeof buf), periods[i].text);
                ck_assert_int_eq(msgq_parse_debounce(buf, &us), 0);
                ck_assert_uint_eq(us, periods[i].us);
        }
        ck_assert_str_eq(msgq_input_bias_name(MSGQ_INPUT_BIAS_AS_IS), "as-is");
        ck_assert_str_eq(msgq_input_bias_name(MSGQ_INPUT_BIAS_PULL_DOWN), "pull-down");
        ck_assert_str_eq(msgq_input_bias_name(MSGQ_INPUT_BIAS_DISABLED), "disabled");
        ck_assert_ptr_null(msgq_input_bias_name(4));
        ck_assert_str_eq(msgq_input_edges_name(MSGQ_INPUT_EDGES_RISING), "rising");
        ck_assert_str_eq(msgq_input_edges_name(MSGQ_INPUT_EDGES_BOTH), "both");
        ck_assert_ptr_null(msgq_input_edges_name(0));
        ck_assert_ptr_null(msgq_input_edges_name(4));
}
END_TEST

/* follow = [!]INPUT: on an output section and under [msgq] (the LED), an input of the file. */
START_TEST(test_follow) {
        static const char text[] = "follow = !Button\n"
                                   "[output lamp]\ngpio = GPIO27\nfollow = button\n"
                                   "[output fan]\ngpio = GPIO22\n"
                                   "[input button]\ngpio = GPIO5\n";
        const char *path = write_conf(text);
        char err[600];
        struct msgq_config c;
        struct msgq_output o;

        msgq_config_defaults(&c);
        ck_assert_int_eq(msgq_config_read(&c, path, err, sizeof err), 0);
        ck_assert_int_eq(msgq_config_output(&c, 0, &o), 0);
        ck_assert_str_eq(o.follow, "Button");
        ck_assert(o.follow_invert);
        snprintf(err, sizeof err, "%s:1", path);
        ck_assert_str_eq(o.follow_origin, err);
        ck_assert_int_eq(msgq_config_output(&c, 1, &o), 0);
        ck_assert_str_eq(o.follow, "button");
        ck_assert(!o.follow_invert);
        ck_assert_int_eq(msgq_config_output(&c, 2, &o), 0);
        ck_assert_str_eq(o.follow, "");
}
END_TEST

/* As assert_error(), for "LINE: HEAD (the first at FILE:FIRST): TAIL". */
static void assert_error_at(const char *text, int line, const char *head, int first, const char *tail) {
        const char *path = write_conf(text);
        char err[600], expect[1200];
        struct msgq_config c;

        msgq_config_defaults(&c);
        ck_assert_int_lt(msgq_config_read(&c, path, err, sizeof err), 0);
        snprintf(expect, sizeof expect, "%s:%d: %s (the first at %s:%d): %s", path, line, head, path, first, tail);
        ck_assert_str_eq(err, expect);
}

/* Each follow error names the line and what was wrong. */
START_TEST(test_follow_errors) {
        assert_error("[output lamp]\ngpio = GPIO27\nfollow = bell\n[input button]\ngpio = GPIO5\n",
                     "3: [output lamp]: follow = bell: no [input bell] in the file: expected the name of "
                     "an [input NAME] section, or !NAME for its opposite level");
        assert_error("[output lamp]\ngpio = GPIO27\nfollow = !fan\n[output fan]\ngpio = GPIO22\n",
                     "3: [output lamp]: follow = !fan: 'fan' is an output: expected the name of an "
                     "[input NAME] section, or !NAME for its opposite level");
        assert_error("[output lamp]\ngpio = GPIO27\nfollow = LED\n",
                     "3: [output lamp]: follow = LED: 'LED' is an output: expected the name of an "
                     "[input NAME] section, or !NAME for its opposite level");
        assert_error("[output lamp]\ngpio = GPIO27\nfollow = Lamp\n",
                     "3: [output lamp]: follow = Lamp: an output cannot follow itself: expected the name "
                     "of an [input NAME] section, or !NAME for its opposite level");
        assert_error("gpio = GPIO4\nfollow = led\n",
                     "2: follow = led: an output cannot follow itself: expected the name of an "
                     "[input NAME] section, or !NAME for its opposite level");
        assert_error("follow = door\n", "1: follow = door: no [input door] in the file: expected the name "
                                        "of an [input NAME] section, or !NAME for its opposite level");
        assert_error_at("[input a]\ngpio = GPIO5\n[input b]\ngpio = GPIO6\n[output lamp]\ngpio = GPIO27\n"
                        "follow = a\nfollow = !b\n",
                        8, "[output lamp]: follow = !b: a second follow", 7, "an output follows one input");
        assert_error_at("follow = a\nfollow = a\n[input a]\ngpio = GPIO5\n",
                        2, "follow = a: a second follow", 1, "the LED follows one input");
        assert_error("[output lamp]\ngpio = GPIO27\nfollow = !!a\n",
                     "3: [output lamp]: follow = !!a: expected the name of an [input NAME] section, or "
                     "!NAME for its opposite level");
        assert_error("follow = 1a\n", "1: follow = 1a: expected the name of an [input NAME] section, or "
                                      "!NAME for its opposite level");
}
END_TEST

/* Inputs and outputs share the names, the lines and the 64 places. */
START_TEST(test_input_errors) {
        char *text = NULL, want[1200];
        const char *path;
        size_t size = 0;
        FILE *f;

        assert_error("[input door]\ngpio = GPIO22\nbias = up\n",
                     "3: [input door]: bias = up: expected pull-up, pull-down, disabled or as-is");
        assert_error("[input door]\ngpio = GPIO22\nedges = up\n",
                     "3: [input door]: edges = up: expected rising, falling or both");
        assert_error("[input door]\ngpio = GPIO22\nedges = \n",
                     "3: [input door]: edges = : expected rising, falling or both");
        assert_error("[input door]\ngpio = GPIO22\ndebounce = 20\n",
                     "3: [input door]: debounce = 20: expected 0, or a whole number with its unit, "
                     "us, ms or s, from 1us to 1s (20ms)");
        assert_error("[input door]\ngpio = GPIO22\ndebounce = 2s\n",
                     "3: [input door]: debounce = 2s: expected 0, or a whole number with its unit, "
                     "us, ms or s, from 1us to 1s (20ms)");
        assert_error("[input door]\ngpio = GPIO22\nstart = on\n",
                     "3: [input door]: unknown setting 'start' (known: gpio, active_low, bias, edges, "
                     "debounce, description)");
        assert_error("[input door]\n", "1: [input door]: no gpio: expected gpio = a GPIO line "
                                       "name or CHIP:OFFSET");
        assert_error("[input]\n", "1: [input]: expected [input NAME], NAME 1 to 31 letters, digits, "
                                  "'-' or '_', starting with a letter");
        assert_error("[input led]\n", "1: [input led]: 'led' is the default output: set its gpio, "
                                      "active_low, led_start and led_stop under [msgq]");
        assert_error("[input door]\ngpio = GPIO17\n", "2: [input door]: gpio = GPIO17: already the "
                                                      "line of output 'led' (the default gpio)");
        assert_error("history = 63\n", "1: history = 63: out of range: expected a number of "
                                       "changes, 64 to 65536");
        assert_error("history = 65537\n", "1: history = 65537: out of range: expected a number of "
                                          "changes, 64 to 65536");
        path = write_conf("[output pump]\ngpio = GPIO27\n[input door]\ngpio = 0:5\n[input Pump]\n");
        snprintf(want, sizeof want, "%s:5: [input Pump]: a second line named 'pump' (the first at "
                 "%s:1, an output)", path, path);
        assert_read_error(path, want);
        path = write_conf("[input door]\ngpio = 0:5\n[output Door]\ngpio = 0:6\n");
        snprintf(want, sizeof want, "%s:3: [output Door]: a second line named 'door' (the first at "
                 "%s:1, an input)", path, path);
        assert_read_error(path, want);
        path = write_conf("[input door]\ngpio = 0:5\n[input Door]\ngpio = 0:6\n");
        snprintf(want, sizeof want, "%s:3: [input Door]: a second input named 'door' (the first at "
                 "%s:1)", path, path);
        assert_read_error(path, want);
        path = write_conf("[output pump]\ngpio = 0:5\n[input door]\ngpio = gpiochip0:5\n");
        snprintf(want, sizeof want, "%s:4: [input door]: gpio = gpiochip0:5: already the line of "
                 "output 'pump' (%s:2)", path, path);
        assert_read_error(path, want);
        path = write_conf("[input a]\ngpio = 0:5\n[input b]\ngpio = /dev/gpiochip0:5\n");
        snprintf(want, sizeof want, "%s:4: [input b]: gpio = /dev/gpiochip0:5: already the line of "
                 "input 'a' (%s:2)", path, path);
        assert_read_error(path, want);
        /* 63 sections of either kind besides the default output; a 64th is refused. */
        f = open_memstream(&text, &size);
        for (int i = 1; i < MSGQ_LINES_MAX; i++)
                fprintf(f, "[%s l%d]\ngpio = gpiochip0:%d\n", i % 2 ? "input" : "output", i, i);
        fprintf(f, "[input one-more]\ngpio = gpiochip0:99\n");
        fclose(f);
        assert_bad_line(text, 2 * MSGQ_LINES_MAX - 1);
        path = write_conf(text);
        snprintf(want, sizeof want, "%s:%d: [input one-more]: more than 64 lines (the default output "
                 "'led' and 63 outputs and inputs)", path, 2 * MSGQ_LINES_MAX - 1);
        assert_read_error(path, want);
        free(text);
}
END_TEST

/* Every error names the line, the setting and what is expected. */
START_TEST(test_errors_name_setting) {
        char text[400];
        size_t n;

        assert_error("# colours\ncolour = red\n",
                     "2: unknown setting 'colour' (known: key, mode, group, gpio, active_low, "
                     "led_start, led_stop, history, follow)");
        assert_error("[msgq]\nkey = banana\n",
                     "2: key = banana: expected 0x1 to 0xffffffff in hex, or 1 to 2147483647 in "
                     "decimal");
        assert_error("key = 2147483648\n", "1: key = 2147483648: out of range: expected 0x1 to "
                                            "0xffffffff in hex, or 1 to 2147483647 in decimal");
        assert_error("mode = 01777\n", "1: mode = 01777: out of range: expected an octal mode, "
                                       "0000 .. 0777");
        assert_error("mode = 0778\n", "1: mode = 0778: expected an octal mode, 0000 .. 0777");
        assert_error("group = -x\n", "1: group = -x: expected a group name: 1 to 63 letters, "
                                      "digits, '_', '.' or '-', not starting with '-'");
        assert_error("gpio = a,b c\n", "1: gpio = a,b c: expected a GPIO line name or "
                                        "CHIP:OFFSET (OFFSET a number), 1 to 63 printable "
                                        "characters, no spaces");
        assert_error("active_low = maybe\n",
                     "1: active_low = maybe: expected yes or no (also true/false, on/off, 1/0)");
        assert_error("[led]\ngpio = GPIO4\n", "2: setting 'gpio' in section [led]: settings go "
                                               "in [msgq], in [output NAME], [input NAME] or before any section");
        assert_error("key = 0x10\njust words\n",
                     "2: not a 'name = value' line or a [section]");
        n = (size_t) snprintf(text, sizeof text, "key = 0x10\ngpio = ");
        memset(text + n, 'x', 300);
        snprintf(text + n + 300, sizeof text - n - 300, "\n");
        assert_error(text, "2: line longer than 199 bytes");
        /* The first bad line is the one named, whatever its kind. */
        assert_error("mode = 9\nbogus = 1\n", "1: mode = 9: expected an octal mode, 0000 .. 0777");
        assert_error("bogus = 1\nx\n",
                     "1: unknown setting 'bogus' (known: key, mode, group, gpio, active_low, "
                     "led_start, led_stop, history, follow)");
}
END_TEST

/* A file holding size bytes, NUL bytes included. */
static const char *write_bytes(const char *bytes, size_t size) {
        const char *path = write_conf("");
        FILE *f = fopen(path, "we");

        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

static void assert_refused(const char *path, int want_r, const char *want) {
        char err[600], expect[600];
        struct msgq_config c, before;

        msgq_config_defaults(&c);
        before = c;
        ck_assert_int_eq(msgq_config_read(&c, path, err, sizeof err), want_r);
        snprintf(expect, sizeof expect, "%s%s", path, want);
        ck_assert_str_eq(err, expect);
        ck_assert(memcmp(&c, &before, sizeof c) == 0);
}

/* What a crash leaves, FIFOs and devices: refused, with the reason, never a hang. */
START_TEST(test_not_text) {
        static char zeros[4096];
        char fifo[4096 + 32], big[MSGQ_CONFIG_SIZE_MAX + 16];
        struct msgq_config c;
        char err[600];

        assert_refused(write_bytes(zeros, sizeof zeros), -EINVAL, ":1: a NUL byte: not a text file");
        assert_refused(write_bytes("key = 0x10\n\0key = 0x20\n", 23), -EINVAL,
                       ":2: a NUL byte: not a text file");
        assert_refused(write_bytes("mode = 0600\nkey = 0x10\0\n", 24), -EINVAL,
                       ":2: a NUL byte: not a text file");

        /* A FIFO with no writer: opened without blocking, refused. */
        snprintf(fifo, sizeof fifo, "%s/fifo.conf", tmpdir);
        ck_assert_int_eq(mkfifo(fifo, 0600), 0);
        assert_refused(fifo, -EINVAL, ": a FIFO, not a regular file");
        unlink(fifo);
        assert_refused("/dev/zero", -EINVAL, ": a character device, not a regular file");

        memset(big, '#', sizeof big);
        for (size_t i = 79; i < sizeof big; i += 80)
                big[i] = '\n';
        assert_refused(write_bytes(big, MSGQ_CONFIG_SIZE_MAX + 1), -EFBIG,
                       ": larger than 65536 bytes: not a configuration file");
        msgq_config_defaults(&c);
        ck_assert_int_eq(msgq_config_read(&c, write_bytes(big, MSGQ_CONFIG_SIZE_MAX), err,
                                          sizeof err), 0);

        /* /dev/null is an empty configuration, as "-c /dev/null" means. */
        ck_assert_int_eq(msgq_config_read(&c, "/dev/null", err, sizeof err), 0);
        assert_defaults(&c);
}
END_TEST

/* A configuration that works but is unsafe gets one warning. */
START_TEST(test_warning) {
        struct msgq_config c;
        char buf[256];

        msgq_config_defaults(&c);
        ck_assert_ptr_null(msgq_config_warning(&c, buf, sizeof buf));
        c.mode = 0600;
        ck_assert_ptr_null(msgq_config_warning(&c, buf, sizeof buf));
        c.mode = 0666;
        ck_assert_ptr_eq(msgq_config_warning(&c, buf, sizeof buf), buf);
        ck_assert_str_eq(buf, "mode 0666 lets every local user use the queue (send requests, "
                              "take others' replies): prefer mode = 0660 and a group");
        c.mode = 0602;
        ck_assert_ptr_nonnull(msgq_config_warning(&c, buf, sizeof buf));
}
END_TEST

/* A setting from the command line (msgqd --gpio) is checked as the file's. */
START_TEST(test_set) {
        struct msgq_config c;
        char err[256];

        msgq_config_defaults(&c);
        ck_assert_int_eq(msgq_config_set(&c, "gpio", "gpiochip0:17", err, sizeof err), 0);
        ck_assert_str_eq(c.gpio, "gpiochip0:17");
        ck_assert_int_eq(msgq_config_set(&c, "gpio", "a b", err, sizeof err), -EINVAL);
        ck_assert_str_eq(err, "expected a GPIO line name or CHIP:OFFSET (OFFSET a number), 1 "
                              "to 63 printable characters, no spaces");
        ck_assert_int_eq(msgq_config_set(&c, "gpio", "x:y", err, sizeof err), -EINVAL);
        ck_assert_int_eq(msgq_config_set(&c, "gpio", ":", err, sizeof err), -EINVAL);
        ck_assert_int_eq(msgq_config_set(&c, "gpio", ":3", err, sizeof err), -EINVAL);
        ck_assert_int_eq(msgq_config_set(&c, "gpio", "chip:", err, sizeof err), -EINVAL);
        ck_assert_str_eq(c.gpio, "gpiochip0:17");
        ck_assert_int_eq(msgq_config_set(&c, "gpio", "/dev/gpiochip4:7", err, sizeof err), 0);
        ck_assert_str_eq(c.gpio, "/dev/gpiochip4:7");
        ck_assert_int_eq(msgq_config_set(&c, "colour", "red", err, sizeof err), -EINVAL);
        ck_assert_str_eq(err, "unknown setting 'colour'");
}
END_TEST

static Suite *config_suite(void) {
        Suite *s = suite_create("config");
        TCase *tc;

        tc = tcase_create("load");
        tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_defaults);
        tcase_add_test(tc, test_default_path);
        tcase_add_test(tc, test_load_section);
        tcase_add_test(tc, test_load_no_section);
        tcase_add_test(tc, test_load_comments_and_blanks);
        tcase_add_test(tc, test_load_indented);
        tcase_add_test(tc, test_load_crlf_and_bom);
        tcase_add_test(tc, test_load_last_line_without_newline);
        tcase_add_test(tc, test_load_empty_file);
        tcase_add_test(tc, test_load_keeps_unset_fields);
        tcase_add_test(tc, test_load_duplicate_last_wins);
        tcase_add_test(tc, test_load_high_key);
        suite_add_tcase(s, tc);

        tc = tcase_create("errors");
        tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_unknown_key);
        tcase_add_test(tc, test_other_section);
        tcase_add_test(tc, test_bad_values);
        tcase_add_test(tc, test_group_values);
        tcase_add_test(tc, test_group_length);
        tcase_add_test(tc, test_gpio_values);
        tcase_add_test(tc, test_gpio_length);
        tcase_add_test(tc, test_syntax_errors);
        tcase_add_test(tc, test_first_bad_line_reported);
        tcase_add_test(tc, test_long_lines);
        tcase_add_test(tc, test_failed_load_leaves_config);
        tcase_add_test(tc, test_missing_file);
        tcase_add_test(tc, test_directory);
        tcase_add_test(tc, test_unreadable);
        tcase_add_test(tc, test_bad_arguments);
        tcase_add_test(tc, test_resolve_precedence);
        tcase_add_test(tc, test_resolve_errors);
        tcase_add_test(tc, test_errors_name_setting);
        tcase_add_test(tc, test_outputs);
        tcase_add_test(tc, test_outputs_max);
        tcase_add_test(tc, test_output_names);
        tcase_add_test(tc, test_outputs_one_line);
        tcase_add_test(tc, test_output_errors);
        tcase_add_test(tc, test_inputs);
        tcase_add_test(tc, test_debounce_values);
        tcase_add_test(tc, test_input_setting_names);
        tcase_add_test(tc, test_input_errors);
        tcase_add_test(tc, test_follow);
        tcase_add_test(tc, test_follow_errors);
        tcase_add_test(tc, test_not_text);
        tcase_add_test(tc, test_warning);
        tcase_add_test(tc, test_set);
        suite_add_tcase(s, tc);

        tc = tcase_create("env");
        tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_env_unset_and_empty);
        tcase_add_test(tc, test_env_override);
        tcase_add_test(tc, test_env_bad);
        suite_add_tcase(s, tc);

        tc = tcase_create("example");
        tcase_add_unchecked_fixture(tc, make_tmpdir, remove_tmpdir);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_example_loads);
        tcase_add_test(tc, test_example_uncommented);
        tcase_add_test(tc, test_example_names_its_readers);
        tcase_add_test(tc, test_led_policy);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return unit_run(config_suite());
}
