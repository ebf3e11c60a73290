/* SPDX-License-Identifier: MIT */
/*
 * Inputs: the simulated backend (edges, numbers, active-low, bias, the
 * edges asked for, a dropped edge, the level kept between two msgqd),
 * what tells a lost edge without the kernel's numbers, msgqd's debounce,
 * and the settings checked.  Real lines are left to the QEMU test with a
 * PL061 chip.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "debounce.h"
#include "input-private.h"
#include "input.h"
#include "unit.h"

#define MS 1000000ull

static const struct input_settings both = { .edges = INPUT_EDGE_BOTH };

static struct input *open_sim(const struct input_settings *s) {
        struct input *in = NULL;

        ck_assert_int_eq(input_open_sim(&in, s, "door"), 0);
        ck_assert_ptr_nonnull(in);
        return in;
}

/* ---- the simulated backend ---- */

START_TEST(sim_edges_in_order) {
        struct input *in;
        struct input_event ev[8];
        bool level = true;

        unsetenv("MSGQD_SIM_INPUTS");
        in = open_sim(&both);
        ck_assert(!input_level(in));
        ck_assert_int_eq(input_read(in, ev, 8), 0);     /* nothing yet: no block */
        ck_assert_int_eq(input_sim_write(in, "1101\n0"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 4);
        for (int i = 0; i < 4; i++) {
                ck_assert(ev[i].rising == (i % 2 == 0));
                ck_assert(ev[i].level == ev[i].rising);
                ck_assert_uint_eq(ev[i].kernel_seqno, (unsigned) i + 1);
                ck_assert_uint_eq(ev[i].lost, 0);
                ck_assert(!ev[i].debounced);
                ck_assert_uint_gt(ev[i].kernel_ns, 0);
                if (i > 0)
                        ck_assert_uint_ge(ev[i].kernel_ns, ev[i - 1].kernel_ns);
        }
        ck_assert(!input_level(in));
        ck_assert_int_eq(input_get(in, &level), 0);
        ck_assert(!level);
        ck_assert_int_eq(input_debounce_by(in), INPUT_DEBOUNCE_NONE);
        ck_assert_uint_eq(input_deadline(in), 0);
        input_close(in);
}
END_TEST

START_TEST(sim_read_in_parts) {
        struct input *in;
        struct input_event ev[2];

        unsetenv("MSGQD_SIM_INPUTS");
        in = open_sim(&both);
        ck_assert_int_eq(input_sim_write(in, "10101"), 0);
        ck_assert_int_eq(input_read(in, ev, 2), 2);
        ck_assert_uint_eq(ev[1].kernel_seqno, 2);
        ck_assert_int_eq(input_read(in, ev, 2), 2);
        ck_assert_uint_eq(ev[0].kernel_seqno, 3);
        ck_assert_int_eq(input_read(in, ev, 2), 1);
        ck_assert_uint_eq(ev[0].kernel_seqno, 5);
        ck_assert(ev[0].rising);
        ck_assert_int_eq(input_read(in, ev, 2), 0);
        input_close(in);
}
END_TEST

START_TEST(sim_rising_only) {
        const struct input_settings s = { .edges = INPUT_EDGE_RISING };
        struct input *in;
        struct input_event ev[8];

        unsetenv("MSGQD_SIM_INPUTS");
        in = open_sim(&s);
        ck_assert_int_eq(input_sim_write(in, "101010"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 3);
        /* The kernel is asked for both: the falls number and keep the level, unrecorded. */
        for (int i = 0; i < 3; i++) {
                ck_assert(ev[i].rising);
                ck_assert_uint_eq(ev[i].kernel_seqno, 2 * (unsigned) i + 1);
                ck_assert_uint_eq(ev[i].lost, 0);
        }
        ck_assert(!input_level(in));
        /* A fall lost before a rise is no rise lost; a rise lost is one. */
        ck_assert_int_eq(input_sim_write(in, "1o01"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 2);
        ck_assert_uint_eq(ev[1].lost, 0);
        ck_assert_int_eq(input_sim_write(in, "0o10"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 0);
        ck_assert_int_eq(input_sim_write(in, "1"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 1);
        ck_assert_uint_eq(ev[0].lost, 1);
        input_close(in);
}
END_TEST

START_TEST(sim_active_low_and_pull_up) {
        const struct input_settings s = { .edges = INPUT_EDGE_BOTH, .active_low = true,
                                          .bias = INPUT_BIAS_PULL_UP };
        struct input *in;
        struct input_event ev[4];
        bool level = true;

        unsetenv("MSGQD_SIM_INPUTS");
        in = open_sim(&s);
        /* Pulled up and active-low: the button is not pressed. */
        ck_assert(!input_level(in));
        ck_assert_int_eq(input_get(in, &level), 0);
        ck_assert(!level);
        ck_assert_int_eq(input_sim_write(in, "0"), 0);  /* pressed: the line goes low */
        ck_assert_int_eq(input_read(in, ev, 4), 1);
        ck_assert(ev[0].rising);
        ck_assert(ev[0].level);
        ck_assert(input_level(in));
        input_close(in);
}
END_TEST

START_TEST(sim_dropped_edge_is_told) {
        struct input *in;
        struct input_event ev[8];

        unsetenv("MSGQD_SIM_INPUTS");
        in = open_sim(&both);
        ck_assert_int_eq(input_sim_write(in, "1o01"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 2);
        ck_assert_uint_eq(ev[0].kernel_seqno, 1);
        ck_assert_uint_eq(ev[0].lost, 0);
        ck_assert_uint_eq(ev[1].kernel_seqno, 3);
        ck_assert(ev[1].rising);
        ck_assert_uint_eq(ev[1].lost, 1);
        ck_assert(!ev[1].lost_at_least);
        input_close(in);
}
END_TEST

static char *temp_dir(void) {
        char *dir = strdup("/tmp/check-input-XXXXXX");

        ck_assert_ptr_nonnull(dir);
        ck_assert_ptr_nonnull(mkdtemp(dir));
        return dir;
}

static void remove_dir(char *dir) {
        char path[PATH_MAX];

        snprintf(path, sizeof path, "%s/door", dir);
        unlink(path);
        snprintf(path, sizeof path, "%s/door.level", dir);
        unlink(path);
        rmdir(dir);
        free(dir);
}

START_TEST(sim_fifo_and_level_kept) {
        char *dir = temp_dir(), path[PATH_MAX];
        struct input_event ev[4];
        struct input *in;
        int fd;

        setenv("MSGQD_SIM_INPUTS", dir, 1);
        in = open_sim(&both);
        snprintf(path, sizeof path, "%s/door", dir);
        fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "1", 1), 1);
        close(fd);
        ck_assert_int_eq(input_read(in, ev, 4), 1);
        ck_assert(ev[0].rising);
        input_close(in);
        /* The next msgqd finds the line as it was left. */
        in = open_sim(&both);
        ck_assert(input_level(in));
        input_close(in);
        /* Changed while no msgqd ran. */
        snprintf(path, sizeof path, "%s/door.level", dir);
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "0", 1), 1);
        close(fd);
        in = open_sim(&both);
        ck_assert(!input_level(in));
        input_close(in);
        unsetenv("MSGQD_SIM_INPUTS");
        remove_dir(dir);
}
END_TEST

START_TEST(sim_fifo_name_taken) {
        char *dir = temp_dir(), path[PATH_MAX];
        struct input *in = NULL;
        int fd;

        snprintf(path, sizeof path, "%s/door", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        ck_assert_int_ge(fd, 0);
        close(fd);
        setenv("MSGQD_SIM_INPUTS", dir, 1);
        ck_assert_int_eq(input_open_sim(&in, &both, "door"), -EEXIST);
        ck_assert_ptr_null(in);
        unsetenv("MSGQD_SIM_INPUTS");
        remove_dir(dir);
}
END_TEST

/* ---- lost edges without the kernel's numbers (libgpiod 1.6) ---- */

START_TEST(gap_by_seqno) {
        struct input_gaps g = { 0 };
        bool at_least = true;

        ck_assert_uint_eq(input_gap(&g, &(struct input_raw) { .rising = true, .seqno = 7 }, true, &at_least), 0);
        ck_assert(!at_least);
        ck_assert_uint_eq(input_gap(&g, &(struct input_raw) { .rising = false, .seqno = 8 }, true, &at_least), 0);
        ck_assert_uint_eq(input_gap(&g, &(struct input_raw) { .rising = false, .seqno = 12 }, true, &at_least), 3);
        ck_assert(!at_least);
}
END_TEST

START_TEST(gap_without_seqno) {
        struct input_gaps g = { .raw_level = false };
        bool at_least = false;

        ck_assert_uint_eq(input_gap(&g, &(struct input_raw) { .rising = true }, true, &at_least), 0);
        ck_assert_uint_eq(input_gap(&g, &(struct input_raw) { .rising = false }, true, &at_least), 0);
        /* Falling twice: a rising between went missing. */
        ck_assert_uint_eq(input_gap(&g, &(struct input_raw) { .rising = false }, true, &at_least), 1);
        ck_assert(at_least);
        /* One edge asked for: two alike say nothing. */
        ck_assert_uint_eq(input_gap(&g, &(struct input_raw) { .rising = false }, false, &at_least), 0);
        ck_assert(!at_least);
}
END_TEST

/* Of lost edges, those of the configured kinds: they alternate from the level before. */
START_TEST(lost_of_configured_edges) {
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_BOTH, false, 5), 5);
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_RISING, false, 1), 1);  /* R */
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_RISING, true, 1), 0);   /* F */
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_FALLING, true, 1), 1);  /* F */
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_RISING, false, 3), 2);  /* R F R */
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_FALLING, false, 3), 1);
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_RISING, true, 4), 2);   /* F R F R */
        ck_assert_uint_eq(input_lost_of(INPUT_EDGE_FALLING, true, 0), 0);
}
END_TEST

/* ---- an edge the chip latched before the request ---- */

/* A backend that reads the edges of script, its fd a pipe kept readable. */
struct scripted {
        const struct input_raw *raw;
        size_t n, at;
        int pipe[2];
};

static int scripted_read(struct input *in, struct input_raw *raw, size_t max) {
        struct scripted *sc = in->priv;
        size_t k = 0;

        while (k < max && sc->at < sc->n)
                raw[k++] = sc->raw[sc->at++];
        return (int) k;
}

static int scripted_get(struct input *in, bool *level) {
        *level = in->level;
        return 0;
}

static void scripted_close(struct input *in) {
        struct scripted *sc = in->priv;

        close(sc->pipe[0]);
        close(sc->pipe[1]);
}

static const struct input_ops scripted_ops = {
        .read = scripted_read, .get = scripted_get, .close = scripted_close,
};

static struct input *open_scripted(struct scripted *sc, unsigned edges, bool level) {
        struct input_settings s = { .edges = edges };
        struct input *in = input_new(&s);

        ck_assert_ptr_nonnull(in);
        ck_assert_int_eq(pipe(sc->pipe), 0);
        ck_assert_int_eq(write(sc->pipe[1], "x", 1), 1);
        in->ops = &scripted_ops;
        in->priv = sc;
        in->fd = sc->pipe[0];
        in->kernel_edges = input_kernel_edges(&s, false);
        input_start(in, level);
        return in;
}

/* Low at the start, and the first edge read falling: the chip's latch of an
 * edge before the request (the level read holds it), not a change, and no
 * sign of a lost edge; the edges after it are. */
START_TEST(latched_edge_before_request_dropped) {
        static const struct input_raw v1[] = { { .rising = false }, { .rising = true }, { .rising = false } };
        static const struct input_raw v2[] = {
                { .rising = false, .seqno = 1 }, { .rising = true, .seqno = 2 }, { .rising = false, .seqno = 3 },
        };
        struct scripted a = { .raw = v1, .n = 3 }, b = { .raw = v2, .n = 3 };
        struct input_event ev[8];
        struct input *in;

        in = open_scripted(&a, INPUT_EDGE_BOTH, false);
        ck_assert_int_eq(input_read(in, ev, 8), 2);
        ck_assert(ev[0].rising);
        ck_assert_uint_eq(ev[0].lost, 0);
        ck_assert(!ev[0].lost_at_least);
        ck_assert(!ev[1].rising);
        ck_assert_uint_eq(ev[1].lost, 0);
        input_close(in);

        in = open_scripted(&b, INPUT_EDGE_BOTH, false);
        ck_assert_int_eq(input_read(in, ev, 8), 2);
        ck_assert(ev[0].rising);
        ck_assert_uint_eq(ev[0].kernel_seqno, 2);
        ck_assert_uint_eq(ev[0].lost, 0);
        input_close(in);
}
END_TEST

/* Only later an edge the way of the level is what it always was: a lost
 * edge told.  An input of one edge is asked for both too: its first edge
 * the way of the level is the latch's as well. */
START_TEST(same_way_edge_kept_unless_first) {
        static const struct input_raw later[] = { { .rising = true }, { .rising = true } };
        static const struct input_raw rising[] = { { .rising = true } };
        struct scripted a = { .raw = later, .n = 2 }, b = { .raw = rising, .n = 1 };
        struct input_event ev[8];
        struct input *in;

        in = open_scripted(&a, INPUT_EDGE_BOTH, false);
        ck_assert_int_eq(input_read(in, ev, 8), 2);
        ck_assert_uint_eq(ev[1].lost, 1);
        ck_assert(ev[1].lost_at_least);
        input_close(in);

        in = open_scripted(&b, INPUT_EDGE_RISING, true);
        ck_assert_int_eq(input_read(in, ev, 8), 0);
        input_close(in);
}
END_TEST

/* ---- msgqd's debounce ---- */

START_TEST(debounce_burst_is_one_edge) {
        struct debounce d;
        uint64_t ts = 0;
        bool level = false;

        debounce_init(&d, 20 * MS, false);
        ck_assert_uint_eq(debounce_deadline(&d), 0);    /* idle: no timer */
        debounce_edge(&d, true, 100 * MS);
        debounce_edge(&d, false, 101 * MS);
        debounce_edge(&d, true, 103 * MS);
        ck_assert_uint_eq(debounce_deadline(&d), 123 * MS);
        ck_assert_int_eq(debounce_settle(&d, 122 * MS, &level, &ts), 0);
        ck_assert_int_eq(debounce_settle(&d, 123 * MS, &level, &ts), 1);
        ck_assert(level);
        ck_assert_uint_eq(ts, 103 * MS);
        ck_assert_uint_eq(debounce_deadline(&d), 0);
        ck_assert_int_eq(debounce_settle(&d, 200 * MS, &level, &ts), 0);
}
END_TEST

START_TEST(debounce_glitch_is_nothing) {
        struct debounce d;
        uint64_t ts = 0;
        bool level = false;

        debounce_init(&d, 20 * MS, false);
        debounce_edge(&d, true, 100 * MS);
        debounce_edge(&d, false, 105 * MS);
        ck_assert_int_eq(debounce_settle(&d, 125 * MS, &level, &ts), 0);
        ck_assert_uint_eq(debounce_deadline(&d), 0);
}
END_TEST

START_TEST(debounce_restarts_the_period) {
        struct debounce d;
        uint64_t ts = 0;
        bool level = false;

        debounce_init(&d, 20 * MS, false);
        debounce_edge(&d, true, 100 * MS);
        ck_assert_int_eq(debounce_settle(&d, 110 * MS, &level, &ts), 0);
        debounce_edge(&d, false, 115 * MS);
        debounce_edge(&d, true, 118 * MS);
        ck_assert_uint_eq(debounce_deadline(&d), 138 * MS);
        ck_assert_int_eq(debounce_settle(&d, 121 * MS, &level, &ts), 0);
        ck_assert_int_eq(debounce_settle(&d, 138 * MS, &level, &ts), 1);
        ck_assert_uint_eq(ts, 118 * MS);
}
END_TEST

/* The simulated input debounced by msgqd: a burst written at once is one edge. */
START_TEST(sim_debounced_by_msgqd) {
        const struct input_settings s = { .edges = INPUT_EDGE_RISING, .debounce_us = 10000 };
        struct input_event ev[8];
        struct input *in;
        uint64_t deadline;

        unsetenv("MSGQD_SIM_INPUTS");
        in = open_sim(&s);
        ck_assert_int_eq(input_debounce_by(in), INPUT_DEBOUNCE_MSGQD);
        ck_assert_uint_eq(input_deadline(in), 0);
        ck_assert_int_eq(input_sim_write(in, "10101"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 0);     /* all wait for the period */
        deadline = input_deadline(in);
        ck_assert_uint_gt(deadline, 0);
        ck_assert_int_eq(input_settle(in, deadline - 1, ev), 0);
        ck_assert_int_eq(input_settle(in, deadline, ev), 1);
        ck_assert(ev[0].rising);
        ck_assert(ev[0].debounced);
        ck_assert_uint_eq(ev[0].lost, 0);
        ck_assert_uint_eq(input_deadline(in), 0);
        /* A falling edge settles too, but rising only was asked for. */
        ck_assert_int_eq(input_sim_write(in, "0"), 0);
        ck_assert_int_eq(input_read(in, ev, 8), 0);
        ck_assert_int_eq(input_settle(in, input_deadline(in), ev), 0);
        ck_assert(!input_level(in));
        input_close(in);
}
END_TEST

/* ---- settings and errors ---- */

START_TEST(settings_checked) {
        struct input_settings s = both;
        struct input *in = (struct input *) &s;

        ck_assert_int_eq(input_settings_check(&s), 0);
        s.debounce_us = INPUT_DEBOUNCE_MAX_US;
        ck_assert_int_eq(input_settings_check(&s), 0);
        s.debounce_us = INPUT_DEBOUNCE_MAX_US + 1;
        ck_assert_int_eq(input_settings_check(&s), -EINVAL);
        ck_assert_int_eq(input_open_sim(&in, &s, "door"), -EINVAL);
        ck_assert_ptr_null(in);
        s = both;
        s.edges = 0;
        ck_assert_int_eq(input_settings_check(&s), -EINVAL);
        s.edges = 4;
        ck_assert_int_eq(input_settings_check(&s), -EINVAL);
        s = both;
        s.bias = INPUT_BIAS_DISABLED + 1;
        ck_assert_int_eq(input_settings_check(&s), -EINVAL);
        ck_assert_int_eq(input_settings_check(NULL), -EINVAL);
        ck_assert_int_eq(input_open_sim(&in, &both, "a/b"), -EINVAL);
        ck_assert_int_eq(input_open_sim(&in, &both, ""), -EINVAL);
}
END_TEST

START_TEST(gpio_bad_spec_and_missing_line) {
        struct input *in = (struct input *) &in;
        int r;

        ck_assert_int_eq(input_open_gpio(&in, "", &both, "t"), -EINVAL);
        ck_assert_ptr_null(in);
        ck_assert_int_eq(input_open_gpio(&in, "gpiochip0:x", &both, "t"), -EINVAL);
        r = input_open_gpio(&in, "/nonexistent/gpiochip9:3", &both, "t");
        ck_assert_msg(r == -ENOENT || r == -EOPNOTSUPP, "got %d", r);
        ck_assert_ptr_null(in);
}
END_TEST

START_TEST(wrong_backend_for_sim_write) {
        ck_assert_int_eq(input_sim_write(NULL, "1"), -EINVAL);
        ck_assert_str_eq(input_describe(NULL), "no input");
        ck_assert_int_eq(input_debounce_by(NULL), INPUT_DEBOUNCE_NONE);
        input_close(NULL);
}
END_TEST

static Suite *input_suite(void) {
        Suite *s = suite_create("input");
        TCase *tc = tcase_create("sim");

        tcase_add_test(tc, sim_edges_in_order);
        tcase_add_test(tc, sim_read_in_parts);
        tcase_add_test(tc, sim_rising_only);
        tcase_add_test(tc, sim_active_low_and_pull_up);
        tcase_add_test(tc, sim_dropped_edge_is_told);
        tcase_add_test(tc, latched_edge_before_request_dropped);
        tcase_add_test(tc, same_way_edge_kept_unless_first);
        tcase_add_test(tc, sim_fifo_and_level_kept);
        tcase_add_test(tc, sim_fifo_name_taken);
        tcase_add_test(tc, sim_debounced_by_msgqd);
        suite_add_tcase(s, tc);
        tc = tcase_create("gaps");
        tcase_add_test(tc, gap_by_seqno);
        tcase_add_test(tc, gap_without_seqno);
        tcase_add_test(tc, lost_of_configured_edges);
        suite_add_tcase(s, tc);
        tc = tcase_create("debounce");
        tcase_add_test(tc, debounce_burst_is_one_edge);
        tcase_add_test(tc, debounce_glitch_is_nothing);
        tcase_add_test(tc, debounce_restarts_the_period);
        suite_add_tcase(s, tc);
        tc = tcase_create("errors");
        tcase_add_test(tc, settings_checked);
        tcase_add_test(tc, gpio_bad_spec_and_missing_line);
        tcase_add_test(tc, wrong_backend_for_sim_write);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        return unit_run(input_suite());
}
