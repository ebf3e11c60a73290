/* SPDX-License-Identifier: MIT */
/* What the unit suites share: running a suite, for main() to return. */
#pragma once

#include <check.h>
#include <stdlib.h>

/* Run every test of s (each in a process of its own): EXIT_SUCCESS when all passed. */
static inline int unit_run(Suite *s) {
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
