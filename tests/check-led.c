/* SPDX-License-Identifier: MIT */
/*
 * The LED: the simulated backend, the state kept over any backend, spec
 * parsing, chip discovery and the GPIO error paths that need no chip.
 * Requesting a real line is left to the QEMU test with a PL061 chip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "led.h"
#include "led-private.h"
#include "unit.h"

/* Anything but NULL, to see led_open_*() clear *ret on failure. */
static struct led *const not_set = (struct led *) &not_set;

/* ---- simulated LED ---- */

START_TEST(sim_open_starts_off) {
        struct led *l = not_set;

        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert_ptr_nonnull(l);
        ck_assert_ptr_ne(l, not_set);
        ck_assert(!led_get(l));
        led_close(l);
}
END_TEST

START_TEST(sim_set_and_get) {
        struct led *l;

        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert_int_eq(led_set(l, true), 0);
        ck_assert(led_get(l));
        ck_assert_int_eq(led_set(l, true), 0);
        ck_assert(led_get(l));
        ck_assert_int_eq(led_set(l, false), 0);
        ck_assert(!led_get(l));
        ck_assert_int_eq(led_set(l, true), 0);
        ck_assert(led_get(l));
        led_close(l);
}
END_TEST

START_TEST(sim_describe) {
        struct led *l;

        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert_str_eq(led_describe(l), "simulated");
        led_set(l, true);
        ck_assert_str_eq(led_describe(l), "simulated");
        led_close(l);
}
END_TEST

START_TEST(sim_reopen_starts_off) {
        struct led *l;

        led_close(NULL);                /* must not crash */
        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert_int_eq(led_set(l, true), 0);
        led_close(l);

        ck_assert_int_eq(led_open_sim(&l, false), 0);
        ck_assert(!led_get(l));
        ck_assert_int_eq(led_set(l, true), 0);
        ck_assert(led_get(l));
        led_close(l);
}
END_TEST

START_TEST(null_arguments) {
        struct led *l = not_set;

        ck_assert_int_eq(led_open_sim(NULL, false), -EINVAL);
        ck_assert_int_eq(led_open_gpio(NULL, "GPIO17", false, false, "msgqd"), -EINVAL);
        ck_assert_int_eq(led_open_gpio(&l, NULL, false, false, "msgqd"), -EINVAL);
        ck_assert_ptr_null(l);
        ck_assert_int_eq(led_set(NULL, true), -EINVAL);
        ck_assert(!led_get(NULL));
        ck_assert_ptr_nonnull(led_describe(NULL));
}
END_TEST

/*
 * Opened on, it is on from the start, with no change made: a change of
 * this LED takes MSGQD_SIM_DELAY_MS, and the open takes none of it.
 */
START_TEST(sim_open_on_makes_no_change) {
        struct led *l;
        struct timespec a, b;

        setenv("MSGQD_SIM_DELAY_MS", "1000", 1);
        clock_gettime(CLOCK_MONOTONIC, &a);
        ck_assert_int_eq(led_open_sim(&l, true), 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        unsetenv("MSGQD_SIM_DELAY_MS");
        ck_assert(led_get(l));
        ck_assert_int_lt(b.tv_sec - a.tv_sec, 1);
        led_release(l);
}
END_TEST

/* ---- led.c over a backend that can fail ---- */

static int fake_sets, fake_closes, fake_fail;
static bool fake_last;

static int fake_set(struct led *l, bool on) {
        (void) l;
        fake_sets++;
        if (fake_fail)
                return -fake_fail;
        fake_last = on;
        return 0;
}

static void fake_close(struct led *l) {
        (void) l;
        fake_closes++;
}

static const struct led_ops fake_ops = { .set = fake_set, .close = fake_close };

START_TEST(failed_set_keeps_state) {
        struct led *l = led_new(false, false);

        ck_assert_ptr_nonnull(l);
        l->ops = &fake_ops;
        fake_sets = fake_closes = fake_fail = 0;

        ck_assert_int_eq(led_set(l, true), 0);
        ck_assert(fake_last);
        ck_assert(led_get(l));

        fake_fail = EIO;
        ck_assert_int_eq(led_set(l, false), -EIO);
        ck_assert(led_get(l));          /* still on: the line did not change */
        fake_fail = 0;
        ck_assert_int_eq(fake_sets, 2);
        ck_assert_int_eq(fake_closes, 0);

        led_close(l);                   /* drives off, then releases */
        ck_assert_int_eq(fake_sets, 3);
        ck_assert(!fake_last);
        ck_assert_int_eq(fake_closes, 1);
}
END_TEST

/* Several LEDs driven together: each to its own level; the first failure stops and says so. */
START_TEST(set_many_each_level) {
        struct led *l[3];
        bool on[3] = { true, false, true };

        for (size_t i = 0; i < 3; i++) {
                l[i] = led_new(false, i == 1);
                ck_assert_ptr_nonnull(l[i]);
                l[i]->ops = &fake_ops;
        }
        fake_sets = fake_closes = fake_fail = 0;
        ck_assert_int_eq(led_set_many(l, on, 3), 0);
        ck_assert(led_get(l[0]) && !led_get(l[1]) && led_get(l[2]));
        ck_assert_int_eq(fake_sets, 3);

        on[0] = false;
        fake_fail = EIO;
        ck_assert_int_eq(led_set_many(l, on, 3), -EIO);
        ck_assert(led_get(l[0]));       /* not driven: still on */
        fake_fail = 0;
        ck_assert_int_eq(led_set_many(NULL, on, 3), -EINVAL);
        ck_assert_int_eq(led_set_many(l, NULL, 0), 0);
        for (size_t i = 0; i < 3; i++)
                led_release(l[i]);
}
END_TEST

/* A bad spec among several: nothing stays open, and the one at fault is named. */
START_TEST(open_many_names_the_bad_one) {
        struct led *l[2] = { NULL, NULL };
        struct led_want want[2] = { { .spec = "gpiochip0:1" }, { .spec = "gpiochip0:x" } };
        size_t failed = 99;

        ck_assert_int_lt(led_open_gpio_many(l, want, 2, "msgqd", &failed), 0);
        ck_assert_ptr_null(l[0]);
        ck_assert_ptr_null(l[1]);
        ck_assert_uint_lt(failed, 2);
        ck_assert_int_eq(led_open_gpio_many(NULL, want, 2, "msgqd", &failed), -EINVAL);
}
END_TEST

/* An LED off is released without being driven again. */
START_TEST(close_off_drives_nothing) {
        struct led *l = led_new(false, false);

        ck_assert_ptr_nonnull(l);
        l->ops = &fake_ops;
        fake_sets = fake_closes = fake_fail = 0;
        ck_assert_int_eq(led_set(l, true), 0);
        ck_assert_int_eq(led_set(l, false), 0);
        led_close(l);
        ck_assert_int_eq(fake_sets, 2);
        ck_assert_int_eq(fake_closes, 1);
}
END_TEST

/* Started on (the level the backend requests the line at), released as it is. */
START_TEST(new_on_and_release_keeps_level) {
        struct led *l = led_new(true, true);

        ck_assert_ptr_nonnull(l);
        l->ops = &fake_ops;
        fake_sets = fake_closes = fake_fail = 0;
        ck_assert(led_get(l));
        ck_assert(l->active_low);
        led_release(l);
        ck_assert_int_eq(fake_sets, 0);
        ck_assert_int_eq(fake_closes, 1);
        led_release(NULL);              /* must not crash */
}
END_TEST

START_TEST(describe_format) {
        struct led l = { .active_low = false };

        led_set_desc(&l, "gpiochip0", 17, "GPIO17");
        ck_assert_str_eq(l.desc, "gpiochip0 line 17 (GPIO17)");
        led_set_desc(&l, "gpiochip4", 3, NULL);
        ck_assert_str_eq(l.desc, "gpiochip4 line 3");
        led_set_desc(&l, "gpiochip4", 3, "");
        ck_assert_str_eq(l.desc, "gpiochip4 line 3");
        l.active_low = true;
        led_set_desc(&l, "gpiochip0", 17, "GPIO17");
        ck_assert_str_eq(l.desc, "gpiochip0 line 17 (GPIO17), active-low");
}
END_TEST

START_TEST(errno_mapping) {
        ck_assert_int_eq(led_errno(EBUSY), -EBUSY);
        ck_assert_int_eq(led_errno(EACCES), -EACCES);
        ck_assert_int_eq(led_errno(EPERM), -EPERM);
        ck_assert_int_eq(led_errno(ENOENT), -ENOENT);
        ck_assert_int_eq(led_errno(ENODEV), -ENOENT);
        ck_assert_int_eq(led_errno(ENOTTY), -ENOENT);
        ck_assert_int_eq(led_errno(0), -EIO);
}
END_TEST

/* ---- spec parsing ---- */

START_TEST(parse_valid_specs) {
        struct led_spec s;

        ck_assert_int_eq(led_parse_spec("GPIO17", &s), 0);
        ck_assert(s.by_name);
        ck_assert_str_eq(s.name, "GPIO17");

        ck_assert_int_eq(led_parse_spec("gpiochip0:17", &s), 0);
        ck_assert(!s.by_name);
        ck_assert_str_eq(s.chip, "/dev/gpiochip0");
        ck_assert_uint_eq(s.offset, 17);

        ck_assert_int_eq(led_parse_spec("/dev/gpiochip4:17", &s), 0);
        ck_assert_str_eq(s.chip, "/dev/gpiochip4");
        ck_assert_uint_eq(s.offset, 17);

        ck_assert_int_eq(led_parse_spec("0:5", &s), 0);
        ck_assert_str_eq(s.chip, "/dev/gpiochip0");
        ck_assert_uint_eq(s.offset, 5);

        ck_assert_int_eq(led_parse_spec("12:0", &s), 0);
        ck_assert_str_eq(s.chip, "/dev/gpiochip12");
        ck_assert_uint_eq(s.offset, 0);

        ck_assert_int_eq(led_parse_spec("gpiochip0:4294967295", &s), 0);
        ck_assert_uint_eq(s.offset, 4294967295u);

        /* A line name may hold spaces; the kernel's limit is 31 characters. */
        ck_assert_int_eq(led_parse_spec("Status LED", &s), 0);
        ck_assert_str_eq(s.name, "Status LED");
        ck_assert_int_eq(led_parse_spec("ABCDEFGHIJKLMNOPQRSTUVWXYZ01234", &s), 0);
}
END_TEST

static const char *const bad_specs[] = {
        "", "gpiochip0:", ":5", ":", "gpiochip0:abc", "gpiochip0:-1", "gpiochip0:+1",
        "gpiochip0: 1", "gpiochip0:1 ", "gpiochip0:0x11", "gpiochip0:1a",
        "gpiochip0:4294967296", "gpiochip0:99999999999999999999",
        "a/b:1", "..:1", ".:1", "GPIO\n17", "gpiochip0:1\t",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",     /* 32: longer than any line name */
};

START_TEST(parse_rejects_malformed) {
        struct led_spec s;

        for (size_t i = 0; i < sizeof bad_specs / sizeof bad_specs[0]; i++)
                ck_assert_msg(led_parse_spec(bad_specs[i], &s) == -EINVAL,
                              "spec \"%s\" accepted", bad_specs[i]);
}
END_TEST

START_TEST(parse_length_limit) {
        char spec[LED_SPEC_MAX + 2];
        struct led_spec s;

        /* "/xxx...x:1", exactly LED_SPEC_MAX characters, then one more. */
        memset(spec, 'x', sizeof spec);
        spec[0] = '/';
        memcpy(spec + LED_SPEC_MAX - 2, ":1", 3);
        ck_assert_uint_eq(strlen(spec), LED_SPEC_MAX);
        ck_assert_int_eq(led_parse_spec(spec, &s), 0);
        ck_assert_uint_eq(strlen(s.chip), LED_SPEC_MAX - 2);

        memset(spec, 'x', sizeof spec);
        spec[0] = '/';
        memcpy(spec + LED_SPEC_MAX - 1, ":1", 3);
        ck_assert_uint_eq(strlen(spec), LED_SPEC_MAX + 1);
        ck_assert_int_eq(led_parse_spec(spec, &s), -EINVAL);
}
END_TEST

/* ---- led_open_gpio() without a chip ---- */

START_TEST(gpio_malformed_spec) {
        char longspec[1024];

        memset(longspec, 'A', sizeof longspec - 1);
        longspec[sizeof longspec - 1] = '\0';
        for (size_t i = 0; i <= sizeof bad_specs / sizeof bad_specs[0]; i++) {
                const char *spec = i < sizeof bad_specs / sizeof bad_specs[0] ? bad_specs[i] : longspec;
                struct led *l = not_set;

                ck_assert_msg(led_open_gpio(&l, spec, false, false, "msgqd") == -EINVAL,
                              "spec \"%.40s\" not refused", spec);
                ck_assert_ptr_null(l);
        }
}
END_TEST

/* -ENOENT, or -EOPNOTSUPP when built without libgpiod. */
static int no_chip_error(void) {
        return led_gpiod_api ? -ENOENT : -EOPNOTSUPP;
}

START_TEST(gpio_missing_chip) {
        static const char *const specs[] = {
                "gpiochip999:0", "/dev/gpiochip999:0", "999:3", "nosuchchip:1",
                "/nonexistent-dir/gpiochip0:3",
        };

        for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
                struct led *l = not_set;
                int r = led_open_gpio(&l, specs[i], true, false, "msgqd");

                ck_assert_msg(r == no_chip_error(), "%s: %d (%s)", specs[i], r, strerror(-r));
                ck_assert_ptr_null(l);
        }
}
END_TEST

START_TEST(gpio_not_a_chip) {
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        char file[4096], spec[4200];
        struct led *l = not_set;
        int fd, r;

        /* A regular file, a directory, a character device that is no GPIO chip. */
        snprintf(file, sizeof file, "%s/check-led-XXXXXX", tmp);
        fd = mkstemp(file);
        ck_assert_int_ge(fd, 0);
        close(fd);
        snprintf(spec, sizeof spec, "%s:0", file);
        r = led_open_gpio(&l, spec, false, false, "msgqd");
        unlink(file);
        ck_assert_msg(r == no_chip_error(), "regular file: %d", r);
        ck_assert_ptr_null(l);

        snprintf(spec, sizeof spec, "%s:0", tmp);
        ck_assert_int_eq(led_open_gpio(&l, spec, false, false, "msgqd"), no_chip_error());

        if (access("/dev/null", F_OK) == 0) {
                r = led_open_gpio(&l, "/dev/null:0", false, false, "msgqd");
                ck_assert_msg(r == no_chip_error(), "/dev/null: %d", r);
                ck_assert_ptr_null(l);
        }
}
END_TEST

/* Whether /dev has a GPIO chip that this process may not open. */
static bool some_chip_forbidden(void) {
        bool forbidden = false;
        char **paths;

        if (led_chip_paths(LED_DEV_DIR, &paths) < 0)
                return false;
        for (char **p = paths; *p; p++)
                if (access(*p, R_OK | W_OK) < 0 && (errno == EACCES || errno == EPERM))
                        forbidden = true;
        led_free_paths(paths);
        return forbidden;
}

START_TEST(gpio_unknown_line_name) {
        struct led *l = not_set;
        int r = led_open_gpio(&l, "MSGQ_NO_SUCH_LINE", false, false, "msgqd");

        if (r == -EACCES || r == -EPERM)
                ck_assert_msg(some_chip_forbidden(), "%d without a forbidden chip", r);
        else
                ck_assert_msg(r == no_chip_error(), "%d (%s)", r, strerror(-r));
        ck_assert_ptr_null(l);
}
END_TEST

/* ---- chip discovery ---- */

static char scratch[4096];

static void make_scratch(void) {
        const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

        snprintf(scratch, sizeof scratch, "%s/check-led-XXXXXX", tmp);
        ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void touch(const char *name) {
        char path[4200];
        int fd;

        snprintf(path, sizeof path, "%s/%s", scratch, name);
        fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        close(fd);
}

static void remove_scratch(void) {
        static const char *const names[] = {
                "gpiochip0", "gpiochip2", "gpiochip10", "gpiochip4", "gpiochip",
                "gpiochipX", "gpiochip-1", "gpiochip3x", "foo",
        };
        char path[4200];

        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
                snprintf(path, sizeof path, "%s/%s", scratch, names[i]);
                unlink(path);
        }
        rmdir(scratch);
}

START_TEST(chip_paths_sorted_without_links) {
        char path[4200], **paths;

        make_scratch();
        touch("gpiochip10");
        touch("gpiochip2");
        touch("gpiochip0");
        touch("gpiochip");
        touch("gpiochipX");
        touch("gpiochip-1");
        touch("gpiochip3x");
        touch("foo");
        snprintf(path, sizeof path, "%s/gpiochip4", scratch);
        ck_assert_int_eq(symlink("gpiochip0", path), 0);   /* as on a Pi 5 */

        ck_assert_int_eq(led_chip_paths(scratch, &paths), 0);
        snprintf(path, sizeof path, "%s/gpiochip0", scratch);
        ck_assert_pstr_eq(paths[0], path);
        snprintf(path, sizeof path, "%s/gpiochip2", scratch);
        ck_assert_pstr_eq(paths[1], path);
        snprintf(path, sizeof path, "%s/gpiochip10", scratch);
        ck_assert_pstr_eq(paths[2], path);
        ck_assert_ptr_null(paths[3]);
        led_free_paths(paths);
        remove_scratch();
}
END_TEST

START_TEST(chip_paths_empty_and_missing) {
        char missing[4200], **paths = NULL;

        make_scratch();
        ck_assert_int_eq(led_chip_paths(scratch, &paths), 0);
        ck_assert_ptr_nonnull(paths);
        ck_assert_ptr_null(paths[0]);
        led_free_paths(paths);
        led_free_paths(NULL);

        snprintf(missing, sizeof missing, "%s/none", scratch);
        ck_assert_int_eq(led_chip_paths(missing, &paths), -ENOENT);
        remove_scratch();
}
END_TEST

static Suite *led_suite(void) {
        Suite *s = suite_create("led");
        TCase *sim = tcase_create("sim");
        TCase *core = tcase_create("core");
        TCase *spec = tcase_create("spec");
        TCase *gpio = tcase_create("gpio");
        TCase *chips = tcase_create("chips");

        tcase_add_test(sim, sim_open_starts_off);
        tcase_add_test(sim, sim_set_and_get);
        tcase_add_test(sim, sim_describe);
        tcase_add_test(sim, sim_reopen_starts_off);
        tcase_add_test(sim, sim_open_on_makes_no_change);
        tcase_add_test(sim, null_arguments);
        suite_add_tcase(s, sim);

        tcase_add_test(core, failed_set_keeps_state);
        tcase_add_test(core, set_many_each_level);
        tcase_add_test(core, open_many_names_the_bad_one);
        tcase_add_test(core, close_off_drives_nothing);
        tcase_add_test(core, new_on_and_release_keeps_level);
        tcase_add_test(core, describe_format);
        tcase_add_test(core, errno_mapping);
        suite_add_tcase(s, core);

        tcase_add_test(spec, parse_valid_specs);
        tcase_add_test(spec, parse_rejects_malformed);
        tcase_add_test(spec, parse_length_limit);
        suite_add_tcase(s, spec);

        tcase_add_test(gpio, gpio_malformed_spec);
        tcase_add_test(gpio, gpio_missing_chip);
        tcase_add_test(gpio, gpio_not_a_chip);
        tcase_add_test(gpio, gpio_unknown_line_name);
        suite_add_tcase(s, gpio);

        tcase_add_test(chips, chip_paths_sorted_without_links);
        tcase_add_test(chips, chip_paths_empty_and_missing);
        suite_add_tcase(s, chips);
        return s;
}

int main(void) {
        return unit_run(led_suite());
}
