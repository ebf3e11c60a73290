/* SPDX-License-Identifier: MIT */
/* Unit tests for common/parse.c. */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "unit.h"

#define SENTINEL_KEY ((key_t) 0x5a5a5a5a)

/* Parse S as a key into *OUT, which starts as a sentinel. */
static int key_of(const char *s, key_t *out) {
        *out = SENTINEL_KEY;
        return msgq_parse_key(s, out);
}

static void assert_key_ok(const char *s, key_t want) {
        key_t k;
        int r = key_of(s, &k);

        ck_assert_msg(r == 0, "msgq_parse_key(\"%s\") = %d, expected 0", s, r);
        ck_assert_msg(k == want, "msgq_parse_key(\"%s\") gave %d, expected %d", s, (int) k, (int) want);
}

static void assert_key_err(const char *s, int want) {
        key_t k;
        int r = key_of(s, &k);

        ck_assert_msg(r == want, "msgq_parse_key(\"%s\") = %d, expected %d", s, r, want);
        ck_assert_msg(k == SENTINEL_KEY, "msgq_parse_key(\"%s\") changed *ret on error", s);
}

START_TEST(test_key_decimal) {
        assert_key_ok("1", 1);
        assert_key_ok("42", 42);
        assert_key_ok("1836279665", 0x6d736771);
        assert_key_ok("2147483647", 0x7fffffff);
}
END_TEST

START_TEST(test_key_hex) {
        assert_key_ok("0x1", 1);
        assert_key_ok("0x6d736771", 0x6d736771);
        assert_key_ok("0X6D736771", 0x6d736771);
        assert_key_ok("0x6D736771", 0x6d736771);
        assert_key_ok("0xAbCdEf", 0xabcdef);
        assert_key_ok("0x7fffffff", 0x7fffffff);
        assert_key_ok("0x00000001", 1);
        assert_key_ok("0x0000000000000000000000ff", 0xff);
}
END_TEST

START_TEST(test_key_high_hex_is_negative) {
        /* As ipcs prints them: the key_t with the same 32 bits. */
        assert_key_ok("0x80000000", INT32_MIN);
        assert_key_ok("0xffffffff", -1);
        assert_key_ok("0xFFFFFFFE", -2);
        assert_key_ok("0xdeadbeef", (key_t) (int32_t) 0xdeadbeefu);
}
END_TEST

START_TEST(test_key_zero_refused) {
        /* 0 is IPC_PRIVATE, never a shared queue. */
        assert_key_err("0", -ERANGE);
        assert_key_err("0x0", -ERANGE);
        assert_key_err("0x00000000", -ERANGE);
        assert_key_err("00", -EINVAL);
}
END_TEST

START_TEST(test_key_overflow) {
        assert_key_err("2147483648", -ERANGE);
        assert_key_err("4294967295", -ERANGE);
        assert_key_err("99999999999999999999999999", -ERANGE);
        assert_key_err("0x100000000", -ERANGE);
        assert_key_err("0xffffffffffffffff", -ERANGE);
        assert_key_err("0x1ffffffffffffffffffffffff", -ERANGE);
}
END_TEST

START_TEST(test_key_syntax) {
        static const char *const bad[] = {
                "", " ", "x", "0x", "0X", "x10", "0x-1", "0x+1", "0x 1", "0xg",
                "0x1g", "-1", "+1", "-0x1", "+0x1", " 1", "1 ", "1\n", "\t1",
                "1x", "12abc", "1.0", "1e3", "0b101", "0o17", "010", "0660",
                "1,000", "1_000", "0x1 ", " 0x1", "0xx1", "00x1", "key",
                "99999999999x", "0xfffffffffffz",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_key_err(bad[i], -EINVAL);
}
END_TEST

START_TEST(test_key_null_and_long) {
        char buf[4096];
        key_t k = SENTINEL_KEY;

        ck_assert_int_eq(msgq_parse_key(NULL, &k), -EINVAL);
        ck_assert_int_eq(k, SENTINEL_KEY);

        memset(buf, '1', sizeof buf - 1);
        buf[sizeof buf - 1] = '\0';
        assert_key_err(buf, -ERANGE);
        buf[sizeof buf - 2] = 'z';
        assert_key_err(buf, -EINVAL);
}
END_TEST

START_TEST(test_uint_ok) {
        unsigned long v = 99;

        ck_assert_int_eq(msgq_parse_uint("0", 0, 10, &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(msgq_parse_uint("10", 0, 10, &v), 0);
        ck_assert_uint_eq(v, 10);
        ck_assert_int_eq(msgq_parse_uint("5", 5, 5, &v), 0);
        ck_assert_uint_eq(v, 5);
        ck_assert_int_eq(msgq_parse_uint("007", 0, 10, &v), 0);
        ck_assert_uint_eq(v, 7);
        ck_assert_int_eq(msgq_parse_uint("4294967295", 0, ULONG_MAX, &v), 0);
        ck_assert_uint_eq(v, 4294967295ul);
}
END_TEST

/* 64 bits also where unsigned long has 32 (armhf): change numbers. */
START_TEST(test_u64) {
        uint64_t v = 3;

        ck_assert_int_eq(msgq_parse_u64("0", &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(msgq_parse_u64("18446744073709551615", &v), 0);
        ck_assert_uint_eq(v, UINT64_MAX);
        ck_assert_int_eq(msgq_parse_u64("4294967296", &v), 0);
        ck_assert_uint_eq(v, 4294967296ull);
        v = 3;
        ck_assert_int_eq(msgq_parse_u64("18446744073709551616", &v), -ERANGE);
        ck_assert_int_eq(msgq_parse_u64("", &v), -EINVAL);
        ck_assert_int_eq(msgq_parse_u64("-1", &v), -EINVAL);
        ck_assert_int_eq(msgq_parse_u64(" 1", &v), -EINVAL);
        ck_assert_int_eq(msgq_parse_u64("12x", &v), -EINVAL);
        ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(test_uint_ulong_max) {
        char buf[32], over[34];
        unsigned long v = 0;

        snprintf(buf, sizeof buf, "%lu", ULONG_MAX);
        ck_assert_int_eq(msgq_parse_uint(buf, 0, ULONG_MAX, &v), 0);
        ck_assert_uint_eq(v, ULONG_MAX);

        /* ULONG_MAX + 1, by appending a digit: well past it. */
        snprintf(over, sizeof over, "%s0", buf);
        v = 3;
        ck_assert_int_eq(msgq_parse_uint(over, 0, ULONG_MAX, &v), -ERANGE);
        ck_assert_uint_eq(v, 3);
        ck_assert_int_eq(msgq_parse_uint("18446744073709551616", 0, ULONG_MAX, &v), -ERANGE);
        ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(test_uint_range) {
        unsigned long v = 3;

        ck_assert_int_eq(msgq_parse_uint("0", 1, 10, &v), -ERANGE);
        ck_assert_int_eq(msgq_parse_uint("11", 1, 10, &v), -ERANGE);
        ck_assert_int_eq(msgq_parse_uint("4", 5, 5, &v), -ERANGE);
        ck_assert_int_eq(msgq_parse_uint("6", 5, 5, &v), -ERANGE);
        ck_assert_int_eq(msgq_parse_uint("99999999999999999999999", 0, 10, &v), -ERANGE);
        /* An empty range is the caller's mistake. */
        ck_assert_int_eq(msgq_parse_uint("5", 10, 1, &v), -EINVAL);
        ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(test_uint_syntax) {
        static const char *const bad[] = {
                "", " ", "-0", "-1", "+1", " 1", "1 ", "1\n", "1a", "a1", "0x10",
                "1.5", "1e2", "1,5", "one", "99999999999999999999999x",
        };
        unsigned long v = 3;

        ck_assert_int_eq(msgq_parse_uint(NULL, 0, 10, &v), -EINVAL);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                ck_assert_msg(msgq_parse_uint(bad[i], 0, ULONG_MAX, &v) == -EINVAL,
                              "msgq_parse_uint(\"%s\") accepted", bad[i]);
        ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(test_mode) {
        unsigned m = 1;

        ck_assert_int_eq(msgq_parse_mode("0660", &m), 0);
        ck_assert_uint_eq(m, 0660);
        ck_assert_int_eq(msgq_parse_mode("660", &m), 0);
        ck_assert_uint_eq(m, 0660);
        ck_assert_int_eq(msgq_parse_mode("0777", &m), 0);
        ck_assert_uint_eq(m, 0777);
        ck_assert_int_eq(msgq_parse_mode("0600", &m), 0);
        ck_assert_uint_eq(m, 0600);
        ck_assert_int_eq(msgq_parse_mode("0", &m), 0);
        ck_assert_uint_eq(m, 0);
        ck_assert_int_eq(msgq_parse_mode("0000000644", &m), 0);
        ck_assert_uint_eq(m, 0644);
}
END_TEST

START_TEST(test_mode_bad) {
        static const char *const syntax[] = {
                "", " ", "0660 ", " 0660", "-0660", "+0660", "0668", "0669", "9",
                "0x1ff", "rw-rw----", "u+rw", "0660x", "06.60", "0o660",
        };
        static const char *const range[] = {
                "1000", "01000", "1777", "4755", "7777", "77777777777777777777777",
        };
        unsigned m = 1;

        ck_assert_int_eq(msgq_parse_mode(NULL, &m), -EINVAL);
        for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++)
                ck_assert_msg(msgq_parse_mode(syntax[i], &m) == -EINVAL,
                              "msgq_parse_mode(\"%s\") not -EINVAL", syntax[i]);
        for (size_t i = 0; i < sizeof range / sizeof range[0]; i++)
                ck_assert_msg(msgq_parse_mode(range[i], &m) == -ERANGE,
                              "msgq_parse_mode(\"%s\") not -ERANGE", range[i]);
        ck_assert_uint_eq(m, 1);
}
END_TEST

START_TEST(test_bool) {
        static const char *const yes[] = { "1", "yes", "YES", "Yes", "true", "TRUE", "True", "on", "ON", "oN" };
        static const char *const no[] = { "0", "no", "NO", "No", "false", "FALSE", "fAlSe", "off", "OFF", "Off" };

        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
                bool b = false;

                ck_assert_msg(msgq_parse_bool(yes[i], &b) == 0 && b, "\"%s\" is not true", yes[i]);
        }
        for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
                bool b = true;

                ck_assert_msg(msgq_parse_bool(no[i], &b) == 0 && !b, "\"%s\" is not false", no[i]);
        }
}
END_TEST

START_TEST(test_bool_bad) {
        static const char *const bad[] = {
                "", " ", "2", "-1", "01", "00", "y", "n", "t", "f", "ye", "yess",
                "truee", "tru", "of", "offf", "enable", " yes", "yes ", "on\n", "no\t",
                "yes\xc4\xb1", "\xc4\xb0", "o", "1.0",
        };
        bool b = true;

        ck_assert_int_eq(msgq_parse_bool(NULL, &b), -EINVAL);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                ck_assert_msg(msgq_parse_bool(bad[i], &b) == -EINVAL, "msgq_parse_bool(\"%s\") accepted", bad[i]);
        ck_assert(b);
}
END_TEST

static void assert_seconds(const char *s, uint64_t want) {
        uint64_t ms = 12345;
        int r = msgq_parse_seconds(s, &ms);

        ck_assert_msg(r == 0, "msgq_parse_seconds(\"%s\") = %d", s, r);
        ck_assert_msg(ms == want, "msgq_parse_seconds(\"%s\") gave %llu ms, expected %llu",
                      s, (unsigned long long) ms, (unsigned long long) want);
}

static void assert_seconds_err(const char *s, int want) {
        uint64_t ms = 12345;
        int r = msgq_parse_seconds(s, &ms);

        ck_assert_msg(r == want, "msgq_parse_seconds(\"%s\") = %d, expected %d", s, r, want);
        ck_assert_msg(ms == 12345, "msgq_parse_seconds(\"%s\") changed *ret on error", s);
}

START_TEST(test_seconds_ok) {
        assert_seconds("2", 2000);
        assert_seconds("0.5", 500);
        assert_seconds("1.25", 1250);
        assert_seconds("0.001", 1);
        assert_seconds("0.010", 10);
        assert_seconds("1.0", 1000);
        assert_seconds("1.000", 1000);
        assert_seconds("02", 2000);
        assert_seconds("00.5", 500);
        assert_seconds("59.999", 59999);
        assert_seconds("3600", 3600000);
        assert_seconds("3600.0", 3600000);
        assert_seconds("3600.000", 3600000);
        assert_seconds("3599.999", 3599999);
}
END_TEST

START_TEST(test_seconds_range) {
        assert_seconds_err("0", -ERANGE);
        assert_seconds_err("0.0", -ERANGE);
        assert_seconds_err("0.000", -ERANGE);
        assert_seconds_err("000", -ERANGE);
        assert_seconds_err("3600.001", -ERANGE);
        assert_seconds_err("3600.5", -ERANGE);
        assert_seconds_err("3601", -ERANGE);
        assert_seconds_err("86400", -ERANGE);
        assert_seconds_err("18446744073709551616", -ERANGE);
        assert_seconds_err("99999999999999999999999999999999.5", -ERANGE);
}
END_TEST

START_TEST(test_seconds_syntax) {
        static const char *const bad[] = {
                "", " ", ".", ".5", "5.", "-1", "-0.5", "+1", " 1", "1 ", "1\n",
                "1s", "1ms", "0.0001", "1.0000", "1.2345", "1.2.3", "1..2", "1,5",
                "inf", "INF", "infinity", "nan", "NaN", "1e3", "1E3", "1e-3",
                "0x10", "0x1p3", "abc", "1.a", "1.-5", "1. 5", "1.+5",
                "99999999999999999999999999x", "3601x",
        };
        uint64_t ms = 7;

        ck_assert_int_eq(msgq_parse_seconds(NULL, &ms), -EINVAL);
        ck_assert_uint_eq(ms, 7);
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                assert_seconds_err(bad[i], -EINVAL);
}
END_TEST

/* Durations as systemd writes them; no unit means default_ms each. */
START_TEST(test_duration) {
        static const struct {
                const char *s;
                uint64_t unit, want;
        } good[] = {
                { "500", 1, 500 },       { "500ms", 1000, 500 }, { "2", 1000, 2000 },
                { "2s", 1, 2000 },       { "0.5s", 1, 500 },     { "1.25", 1000, 1250 },
                { "1min", 1, 60000 },    { "1m", 1, 60000 },     { "1h", 1, 3600000 },
                { "3sec", 1, 3000 },     { "20msec", 1000, 20 }, { "0.001s", 1, 1 },
        };
        static const char *const bad[] = { "", "s", "ms", "5 s", " 5", "5s ", "1.5ms", "0.0005s",
                                           ".5s", "5.s", "1e3", "-1", "+1", "5d", "5S", "1.2345",
                                           "1..2", "0x10", "5ss" };
        uint64_t ms = 77;

        for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
                ck_assert_msg(msgq_parse_duration(good[i].s, good[i].unit, 0, UINT64_MAX, &ms) == 0,
                              "\"%s\" refused", good[i].s);
                ck_assert_msg(ms == good[i].want, "\"%s\": %llu ms", good[i].s,
                              (unsigned long long) ms);
        }
        ms = 77;
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
                ck_assert_msg(msgq_parse_duration(bad[i], 1000, 0, UINT64_MAX, &ms) == -EINVAL,
                              "\"%s\" accepted", bad[i]);
        ck_assert_int_eq(msgq_parse_duration("19", 1, 20, 3600000, &ms), -ERANGE);
        ck_assert_int_eq(msgq_parse_duration("3601s", 1, 20, 3600000, &ms), -ERANGE);
        ck_assert_int_eq(msgq_parse_duration("0", 1000, 1, 3600000, &ms), -ERANGE);
        ck_assert_int_eq(msgq_parse_duration("99999999999", 1000, 1, 3600000, &ms), -ERANGE);
        ck_assert_int_eq(msgq_parse_duration(NULL, 1000, 1, 3600000, &ms), -EINVAL);
        ck_assert_uint_eq(ms, 77); /* untouched on errors */
        ck_assert_int_eq(msgq_parse_duration("0", 1000, 0, 3600000, &ms), 0);
        ck_assert_uint_eq(ms, 0);
}
END_TEST

static Suite *parse_suite(void) {
        Suite *s = suite_create("parse");
        TCase *tc;

        tc = tcase_create("key");
        tcase_add_test(tc, test_key_decimal);
        tcase_add_test(tc, test_key_hex);
        tcase_add_test(tc, test_key_high_hex_is_negative);
        tcase_add_test(tc, test_key_zero_refused);
        tcase_add_test(tc, test_key_overflow);
        tcase_add_test(tc, test_key_syntax);
        tcase_add_test(tc, test_key_null_and_long);
        suite_add_tcase(s, tc);

        tc = tcase_create("uint");
        tcase_add_test(tc, test_uint_ok);
        tcase_add_test(tc, test_uint_ulong_max);
        tcase_add_test(tc, test_u64);
        tcase_add_test(tc, test_uint_range);
        tcase_add_test(tc, test_uint_syntax);
        suite_add_tcase(s, tc);

        tc = tcase_create("mode");
        tcase_add_test(tc, test_mode);
        tcase_add_test(tc, test_mode_bad);
        suite_add_tcase(s, tc);

        tc = tcase_create("bool");
        tcase_add_test(tc, test_bool);
        tcase_add_test(tc, test_bool_bad);
        suite_add_tcase(s, tc);

        tc = tcase_create("seconds");
        tcase_add_test(tc, test_seconds_ok);
        tcase_add_test(tc, test_seconds_range);
        tcase_add_test(tc, test_seconds_syntax);
        tcase_add_test(tc, test_duration);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        return unit_run(parse_suite());
}
