/* SPDX-License-Identifier: MIT */
/* Unit tests for common/usage.c: suggestions and getopt_long's errors in one line. */
#include <check.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "usage.h"

static const struct option longopts[] = {
        { "key", required_argument, NULL, 'k' },
        { "config", required_argument, NULL, 'c' },
        { "count", required_argument, NULL, 0x100 },
        { "sim", no_argument, NULL, 0x101 },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        {},
};

/* The error for the first bad option of the command line (after argv[0]). */
static const char *error_of(const char *const *args) {
        static char buf[256];
        char *argv[8];
        int argc = 0, c;

        argv[argc++] = (char *) "prog";
        for (; *args; args++)
                argv[argc++] = (char *) *args;
        argv[argc] = NULL;
        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":k:c:jv", longopts, NULL)) != -1)
                if (c == '?' || c == ':')
                        return msgq_option_error(c, argv, longopts, buf, sizeof buf);
        return "";
}

#define ERROR_OF(...) error_of((const char *const[]) { __VA_ARGS__, NULL })

START_TEST(test_option_errors) {
        ck_assert_str_eq(ERROR_OF("-x"), "unknown option '-x'");
        ck_assert_str_eq(ERROR_OF("-vx"), "unknown option '-x'");
        ck_assert_str_eq(ERROR_OF("--json", "-xv"), "unknown option '-x'");
        ck_assert_str_eq(ERROR_OF("-k"), "option '-k' needs an argument");
        ck_assert_str_eq(ERROR_OF("-vk"), "option '-k' needs an argument");
        ck_assert_str_eq(ERROR_OF("--key"), "option '--key' needs an argument");
        ck_assert_str_eq(ERROR_OF("--ke"), "option '--key' needs an argument");
        ck_assert_str_eq(ERROR_OF("--count"), "option '--count' needs an argument");
        ck_assert_str_eq(ERROR_OF("--sim=1"), "option '--sim' takes no argument");
        ck_assert_str_eq(ERROR_OF("--json=1"), "option '--json' takes no argument");
        ck_assert_str_eq(ERROR_OF("--si=1"), "option '--sim' takes no argument");
        ck_assert_str_eq(ERROR_OF("--co", "x"), "ambiguous option '--co': --config, --count");
        ck_assert_str_eq(ERROR_OF("--vrebose"), "unknown option '--vrebose'; did you mean '--verbose'?");
        ck_assert_str_eq(ERROR_OF("--jsno=1"), "unknown option '--jsno'; did you mean '--json'?");
        ck_assert_str_eq(ERROR_OF("--frobnicate"), "unknown option '--frobnicate'");
        ck_assert_str_eq(ERROR_OF("--"), "");
}
END_TEST

START_TEST(test_did_you_mean) {
        static const struct {
                const char *name;
                int other;
        } table[] = { { "led", 0 }, { "send", 0 }, { "stats", 0 }, { "status", 0 }, { NULL, 0 },
                      { "never", 0 } };
        const size_t n = sizeof table / sizeof table[0];

        ck_assert_str_eq(msgq_did_you_mean("stauts", "", table, n, sizeof table[0]),
                         "; did you mean 'status'?");
        ck_assert_str_eq(msgq_did_you_mean("LDE", "", table, n, sizeof table[0]),
                         "; did you mean 'led'?");
        ck_assert_str_eq(msgq_did_you_mean("stat", "--", table, n, sizeof table[0]),
                         "; did you mean '--stats'?");
        ck_assert_str_eq(msgq_did_you_mean("frobnicate", "", table, n, sizeof table[0]), "");
        ck_assert_str_eq(msgq_did_you_mean("nevre", "", table, n, sizeof table[0]), ""); /* after NULL */
        ck_assert_str_eq(msgq_did_you_mean("", "", table, n, sizeof table[0]), "");
}
END_TEST

int main(void) {
        Suite *s = suite_create("usage");
        TCase *tc = tcase_create("usage");

        tcase_add_test(tc, test_option_errors);
        tcase_add_test(tc, test_did_you_mean);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
