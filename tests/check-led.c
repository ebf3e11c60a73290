/* SPDX-License-Identifier: MIT */
/*
 * The LED: the simulated backend, the state kept over any backend, spec
 * parsing, chip discovery, the GPIO error paths that need no chip, and
 * over a fake chip backend which wants go into which request and which
 * LEDs are driven in one call.  Requesting a real line is left to the
 * QEMU test with a PL061 chip.
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
        size_t failed;

        for (size_t i = 0; i < 3; i++) {
                l[i] = led_new(false, i == 1);
                ck_assert_ptr_nonnull(l[i]);
                l[i]->ops = &fake_ops;
        }
        fake_sets = fake_closes = fake_fail = 0;
        ck_assert_int_eq(led_set_many(l, on, 3, NULL), 0);
        ck_assert(led_get(l[0]) && !led_get(l[1]) && led_get(l[2]));
        ck_assert_int_eq(fake_sets, 3);

        on[0] = false;
        fake_fail = EIO;
        failed = 99;
        ck_assert_int_eq(led_set_many(l, on, 3, &failed), -EIO);
        ck_assert_uint_eq(failed, 0);
        ck_assert(led_get(l[0]));       /* not driven: still on */
        fake_fail = 0;
        ck_assert_int_eq(led_set_many(NULL, on, 3, NULL), -EINVAL);
        ck_assert_int_eq(led_set_many(l, NULL, 0, NULL), 0);
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

/* ---- led_open_located() and led_set_many() over a fake chip backend ---- */

/* Each request the fake backend was asked for: its lines' chip and offsets. */
struct fake_request {
        char chip[CHIP_NAME_MAX + 1];
        unsigned offset[LED_MANY_MAX];
        bool on[LED_MANY_MAX], active_low[LED_MANY_MAX];
        size_t n;
        int refs;
};

static struct fake_request fake_req[8];
static size_t fake_nreq;
static const char *fake_fail_chip;      /* its request fails with -fake_req_err */
static int fake_req_err;
static unsigned fake_used_offset = ~0u; /* the line locate finds in use */
static int fake_set_calls, fake_set_many_calls;
static size_t fake_set_many_n[8];

static int fake_group_set(struct led *l, bool on) {
        (void) l;
        (void) on;
        fake_set_calls++;
        return 0;
}

static int fake_group_set_many(struct led *const *leds, const bool *on, size_t n) {
        (void) on;
        for (size_t i = 1; i < n; i++)
                ck_assert_ptr_eq(leds[i]->group, leds[0]->group);
        fake_set_many_n[fake_set_many_calls++ % 8] = n;
        return fake_fail ? -fake_fail : 0;
}

static void fake_group_close(struct led *l) {
        struct fake_request *rq = l->group;

        rq->refs--;
        fake_closes++;
}

static const struct led_ops fake_group_ops = {
        .set = fake_group_set, .set_many = fake_group_set_many, .close = fake_group_close,
};

static int fake_locate(const char *path, const char *name, unsigned offset, struct chip_line *id) {
        ck_assert_ptr_null(name);
        *id = (struct chip_line) { .offset = offset, .used = offset == fake_used_offset };
        snprintf(id->chip, sizeof id->chip, "%s", path + strlen("/dev/"));
        return 0;
}

static int fake_request(struct led *const *leds, const struct led_line *const *lines, size_t n,
                        const char *consumer) {
        struct fake_request *rq = &fake_req[fake_nreq];

        ck_assert_str_eq(consumer, "msgqd");
        ck_assert_uint_lt(fake_nreq, 8);
        if (fake_fail_chip && strcmp(lines[0]->id.chip, fake_fail_chip) == 0)
                return -fake_req_err;
        *rq = (struct fake_request) { .n = n, .refs = (int) n };
        snprintf(rq->chip, sizeof rq->chip, "%s", lines[0]->id.chip);
        for (size_t i = 0; i < n; i++) {
                ck_assert_str_eq(lines[i]->id.chip, rq->chip);
                rq->offset[i] = lines[i]->id.offset;
                rq->on[i] = leds[i]->on;
                rq->active_low[i] = leds[i]->active_low;
                leds[i]->ops = &fake_group_ops;
                leds[i]->group = rq;
                leds[i]->index = (unsigned) i;
        }
        fake_nreq++;
        return 0;
}

static const struct led_backend fake_backend = { .locate = fake_locate, .request = fake_request };

/* Lines as led_open_gpio_many() finds them: "CHIP:OFFSET" read as chip and offset. */
static void fake_lines(struct led_line *lines, const char *const *specs, size_t n) {
        for (size_t i = 0; i < n; i++) {
                const char *colon = strchr(specs[i], ':');

                memset(&lines[i], 0, sizeof lines[i]);
                snprintf(lines[i].id.chip, sizeof lines[i].id.chip, "%.*s", (int) (colon - specs[i]), specs[i]);
                snprintf(lines[i].path, sizeof lines[i].path, "/dev/%s", lines[i].id.chip);
                lines[i].id.offset = (unsigned) atoi(colon + 1);
        }
}

static void fake_reset(void) {
        memset(fake_req, 0, sizeof fake_req);
        fake_nreq = 0;
        fake_fail_chip = NULL;
        fake_req_err = 0;
        fake_used_offset = ~0u;
        fake_sets = fake_closes = fake_fail = 0;
        fake_set_calls = fake_set_many_calls = 0;
}

static void open_fake(struct led **l, const char *const *specs, const struct led_want *want, size_t n,
                      int expect, size_t expect_failed) {
        struct led_line lines[8];
        size_t failed = 99;

        fake_lines(lines, specs, n);
        for (size_t i = 0; i < n; i++)
                l[i] = not_set;
        ck_assert_int_eq(led_open_located(l, want, lines, n, &fake_backend, "msgqd", &failed), expect);
        if (expect == 0)
                return;
        ck_assert_uint_eq(failed, expect_failed);
        for (size_t i = 0; i < n; i++)
                ck_assert_ptr_null(l[i]);
}

/* The lines of one chip go into one request, in the order of each chip's first want. */
START_TEST(open_many_one_request_per_chip) {
        static const char *const specs[] = { "chipB:4", "chipA:1", "chipB:2", "chipC:0", "chipA:3" };
        const struct led_want want[5] = {
                { .on = true }, { .active_low = true }, { .on = true, .active_low = true }, { 0 }, { .on = true },
        };
        struct led *l[5];

        fake_reset();
        open_fake(l, specs, want, 5, 0, 0);
        ck_assert_uint_eq(fake_nreq, 3);
        ck_assert_str_eq(fake_req[0].chip, "chipB");
        ck_assert_uint_eq(fake_req[0].n, 2);
        ck_assert_uint_eq(fake_req[0].offset[0], 4);
        ck_assert_uint_eq(fake_req[0].offset[1], 2);
        ck_assert(fake_req[0].on[0] && !fake_req[0].active_low[0]);
        ck_assert(fake_req[0].on[1] && fake_req[0].active_low[1]);      /* each its own settings */
        ck_assert_str_eq(fake_req[1].chip, "chipA");
        ck_assert_uint_eq(fake_req[1].n, 2);
        ck_assert_uint_eq(fake_req[1].offset[0], 1);
        ck_assert_uint_eq(fake_req[1].offset[1], 3);
        ck_assert(!fake_req[1].on[0] && fake_req[1].active_low[0]);
        ck_assert(fake_req[1].on[1] && !fake_req[1].active_low[1]);
        ck_assert_str_eq(fake_req[2].chip, "chipC");
        ck_assert_uint_eq(fake_req[2].n, 1);
        ck_assert_ptr_eq(l[0]->group, l[2]->group);
        ck_assert_ptr_eq(l[1]->group, l[4]->group);
        ck_assert_ptr_ne(l[0]->group, l[1]->group);
        ck_assert(led_get(l[0]) && !led_get(l[1]) && led_get(l[2]) && !led_get(l[3]) && led_get(l[4]));
        for (size_t i = 0; i < 5; i++)
                led_release(l[i]);
        ck_assert_int_eq(fake_req[0].refs + fake_req[1].refs + fake_req[2].refs, 0);
}
END_TEST

/* Two wants naming one line: -EADDRINUSE for the later, and nothing requested. */
START_TEST(open_many_same_line_twice) {
        static const char *const specs[] = { "chipA:17", "chipB:17", "chipA:27", "chipA:17" };
        const struct led_want want[4] = { { 0 } };
        struct led *l[4];

        fake_reset();
        open_fake(l, specs, want, 4, -EADDRINUSE, 3);
        ck_assert_uint_eq(fake_nreq, 0);
}
END_TEST

/* A line another program holds: -EBUSY names that line's want; what was requested is released. */
START_TEST(open_many_busy_names_the_held_line) {
        static const char *const specs[] = { "chipB:0", "chipA:1", "chipA:3", "chipA:5" };
        const struct led_want want[4] = { { .on = true }, { 0 }, { 0 }, { 0 } };
        struct led *l[4];

        fake_reset();
        fake_fail_chip = "chipA";
        fake_req_err = EBUSY;
        fake_used_offset = 3;
        open_fake(l, specs, want, 4, -EBUSY, 2);
        ck_assert_uint_eq(fake_nreq, 1);                /* chipB's, released again */
        ck_assert_int_eq(fake_req[0].refs, 0);
        ck_assert_int_eq(fake_closes, 1);
        ck_assert_int_eq(fake_sets + fake_set_calls, 0);        /* released as it was, not driven */

        fake_reset();                                   /* no line found in use: the chip's first */
        fake_fail_chip = "chipA";
        fake_req_err = EBUSY;
        open_fake(l, specs, want, 4, -EBUSY, 1);

        fake_reset();                                   /* any other error: the chip's first */
        fake_fail_chip = "chipA";
        fake_req_err = EACCES;
        fake_used_offset = 3;
        open_fake(l, specs, want, 4, -EACCES, 1);
}
END_TEST

START_TEST(open_many_limits) {
        struct led_want want[LED_MANY_MAX + 1] = { { .spec = "chipA:0" } };
        struct led_line lines[1];
        struct led *l[LED_MANY_MAX + 1];
        size_t failed = 99;

        ck_assert_int_eq(led_open_gpio_many(l, want, LED_MANY_MAX + 1, "msgqd", &failed), -E2BIG);
        ck_assert_int_eq(led_open_located(l, want, lines, LED_MANY_MAX + 1, &fake_backend, "msgqd", &failed),
                         -E2BIG);
        ck_assert_int_eq(led_open_located(l, want, NULL, 1, &fake_backend, "msgqd", &failed), -EINVAL);
        ck_assert_int_eq(led_open_gpio_many(l, want, 0, "msgqd", &failed), 0);
}
END_TEST

/* led_set_many(): one call per request, its LEDs in the caller's order; others one by one. */
START_TEST(set_many_one_call_per_request) {
        static const char *const specs[] = { "chipA:1", "chipB:2", "chipA:3", "chipB:4", "chipA:5" };
        const struct led_want want[5] = { { 0 } };
        struct led *l[5], *sim = NULL, *mixed[6];
        bool on[6] = { true, true, false, true, true, true };

        fake_reset();
        open_fake(l, specs, want, 5, 0, 0);
        ck_assert_int_eq(led_open_sim(&sim, false), 0);
        mixed[0] = l[3];
        mixed[1] = l[0];
        mixed[2] = sim;
        mixed[3] = l[4];
        mixed[4] = l[1];
        mixed[5] = l[2];
        ck_assert_int_eq(led_set_many(mixed, on, 6, NULL), 0);
        ck_assert_int_eq(fake_set_many_calls, 2);
        ck_assert_uint_eq(fake_set_many_n[0], 2);       /* chipB: l[3], l[1] */
        ck_assert_uint_eq(fake_set_many_n[1], 3);       /* chipA: l[0], l[4], l[2] */
        ck_assert_int_eq(fake_set_calls, 0);
        for (size_t i = 0; i < 6; i++)
                ck_assert(led_get(mixed[i]) == on[i]);

        fake_fail = EIO;                                /* the first request's call fails */
        on[0] = on[4] = false;
        ck_assert_int_eq(led_set_many(mixed, on, 6, NULL), -EIO);
        ck_assert_int_eq(fake_set_many_calls, 3);
        ck_assert(led_get(l[3]) && led_get(l[1]));      /* neither changed */
        fake_fail = 0;
        mixed[1] = NULL;
        ck_assert_int_eq(led_set_many(mixed, on, 6, NULL), -EINVAL);
        for (size_t i = 0; i < 5; i++)
                led_release(l[i]);
        led_release(sim);
}
END_TEST

START_TEST(line_consumer_bad_arguments) {
        char buf[32] = "x";

        ck_assert_int_eq(led_line_consumer("gpiochip0:x", buf, sizeof buf), -EINVAL);
        ck_assert_str_eq(buf, "");
        ck_assert_int_eq(led_line_consumer(NULL, buf, sizeof buf), -EINVAL);
        ck_assert_int_eq(led_line_consumer("GPIO17", NULL, 0), -EINVAL);
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
        tcase_add_test(core, open_many_one_request_per_chip);
        tcase_add_test(core, open_many_same_line_twice);
        tcase_add_test(core, open_many_busy_names_the_held_line);
        tcase_add_test(core, open_many_limits);
        tcase_add_test(core, set_many_one_call_per_request);
        tcase_add_test(core, line_consumer_bad_arguments);
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
