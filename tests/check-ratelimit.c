/* SPDX-License-Identifier: MIT */
/* Unit tests for common/ratelimit.c. */
#include <check.h>
#include <stdlib.h>

#include "ratelimit.h"
#include "unit.h"

#define S 1000000000ull

/* burst pass in a window, the rest do not; the next window says how many did not, once. */
START_TEST(burst_then_count) {
        struct msgq_ratelimit rl = MSGQ_RATELIMIT(10 * S, 3);
        unsigned missed;

        for (int i = 0; i < 3; i++) {
                ck_assert(msgq_ratelimit_pass(&rl, 100 * S + (uint64_t) i, &missed));
                ck_assert_uint_eq(missed, 0);
        }
        for (int i = 0; i < 5; i++)
                ck_assert(!msgq_ratelimit_pass(&rl, 105 * S, &missed));
        ck_assert(!msgq_ratelimit_pass(&rl, 110 * S, &missed)); /* the window's last ns */
        ck_assert(msgq_ratelimit_pass(&rl, 110 * S + 1, &missed));
        ck_assert_uint_eq(missed, 6);
        ck_assert(msgq_ratelimit_pass(&rl, 110 * S + 2, &missed));
        ck_assert_uint_eq(missed, 0);
}
END_TEST

/* The first event passes, whatever the clock says (a clock that starts near 0 too). */
START_TEST(first_passes) {
        struct msgq_ratelimit rl = MSGQ_RATELIMIT(10 * S, 1);
        unsigned missed;

        ck_assert(msgq_ratelimit_pass(&rl, 5, &missed));
        ck_assert(!msgq_ratelimit_pass(&rl, 6, &missed));
}
END_TEST

int main(void) {
        Suite *s = suite_create("ratelimit");
        TCase *tc = tcase_create("ratelimit");

        tcase_add_test(tc, burst_then_count);
        tcase_add_test(tc, first_passes);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
